"""The bad-input corpus: every case is an input, the exit code, a fragment of the message
and "nothing written" (the output folder stays empty: no result, no ``.parts``, no temporary).

Cases run in-process through :func:`pvyield.cli.main`; the handful that need a real process
(Ctrl-C, a full or closed standard output, a broken pipe) are in ``test_processes.py``.
Inputs are built in code (:mod:`tests.badinputs.inputs`); only a few cases reach the model,
on the bundled Explorador Solar year.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pvyield.cli import main
from tests.badinputs.inputs import (
    EXPLORADOR,
    NSRDB,
    SYNTHETIC,
    TMY3,
    alias_bomb,
    sam_csv,
    scenario_yaml,
    site,
    site_toml,
    site_yaml,
)

Make = Callable[[Path, Path], list]


@dataclasses.dataclass(frozen=True)
class Case:
    make: Make
    code: int
    fragment: str
    nothing_written: bool = True


CASES: list = []


def case(code: int = 2, fragment: str = "", nothing_written: bool = True,
         xfail: str | None = None, skip: str | None = None):
    """Register a builder ``make(inputs, out) -> argv`` as a corpus case."""
    def register(make: Make) -> Make:
        marks = []
        if xfail:
            marks.append(pytest.mark.xfail(strict=False, reason=xfail))
        if skip:
            marks.append(pytest.mark.skipif(True, reason=skip))
        CASES.append(pytest.param(Case(make, code, fragment, nothing_written),
                                  id=make.__name__, marks=marks))
        return make
    return register


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def estimate(path: Path, out: Path, *extra: str) -> list:
    return ["estimate", path, "--out", out / "result.json", "--no-reconcile", *extra]


def with_weather(inputs: Path, out: Path, content: str | bytes, name: str = "w.csv",
                 **weather) -> list:
    """Estimate a site whose weather is ``content``."""
    weather_path = write(inputs, name, content)
    spec = {k: v for k, v in {"file": str(weather_path), "label": "center", **weather}.items()
            if v is not None}
    return estimate(write(inputs, "s.yaml", site_yaml(weather=spec)), out)


# -- site files ------------------------------------------------------------------------------

@case(fragment="not UTF-8")
def site_bytes_not_utf8(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml().encode() + b"region: \xff\xfe\n"), out)


@case(fragment="not UTF-8")
def site_latin1(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(region="Región").encode("latin-1")), out)


@case(fragment="not UTF-8")
def site_utf16(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml().encode("utf-16")), out)


@case(fragment="timezone")
def timezone_is_a_zoneinfo_folder(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(timezone="America")), out)


@case(fragment="timezone")
def timezone_5000_characters(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(timezone="A/" + "x" * 5000)), out)


@case(fragment="timezone")
def timezone_path_traversal(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(timezone="../../../etc/passwd")), out)


@case(fragment="timezone")
def timezone_empty(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(timezone="")), out)


@case(fragment="calendar date")
def date_month_13(inputs, out):
    text = site_yaml().replace("date: '2024-07-08'", "date: 2024-13-45")
    assert "2024-13-45" in text
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="calendar date")
def date_30_february(inputs, out):
    text = site_yaml().replace("date: '2024-07-08'", "date: 2023-02-30")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="YYYY")
def date_words(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(reported__0__date="last year")), out)


@case(fragment="not valid TOML")
def toml_date_month_13(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml() + "region = 2024-13-45\n"), out)


@case(fragment="nest")  # libyaml: "maximum nesting depth"; pure-Python parser: "nested deeper"
def nesting_100000_deep(inputs, out):
    return estimate(write(inputs, "s.yaml", "region: " + "[" * 100_000 + "]" * 100_000), out)


@case(fragment="nested deeper")
def toml_nesting_100000_deep(inputs, out):
    return estimate(write(inputs, "s.toml", "region = " + "[" * 100_000 + "]" * 100_000), out)


@case(fragment="nested deeper")
def nesting_60_mappings(inputs, out):
    return estimate(write(inputs, "s.yaml", "region: " + "{a: " * 60 + "1" + "}" * 60), out)


@case(fragment="every month is 0")
def synthetic_all_zero_ghi(inputs, out):
    climate = {**SYNTHETIC, "ghi_kwh_m2_day": [0.0] * 12}
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"synthetic": climate})), out)


@case(fragment="no_sun")
def synthetic_nearly_sunless_year(inputs, out):
    # 0.001 kWh/m2/day in December only: every ratio of the estimate is 0/0
    climate = {**SYNTHETIC, "ghi_kwh_m2_day": [0.0] * 11 + [0.001]}
    path = write(inputs, "s.yaml", site_yaml(weather={"synthetic": climate}))
    return ["estimate", path, "--out", out / "result.json"]


@case(fragment="ghi_kwh_m2_day")
def synthetic_eleven_months(inputs, out):
    climate = {**SYNTHETIC, "ghi_kwh_m2_day": [5.0] * 11}
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"synthetic": climate})), out)


@case(fragment="weather.synthetic: dhi_kwh_m2_day: the diffuse irradiation exceeds the "
                "global (ghi_kwh_m2_day) in month(s) [3]")
def synthetic_diffuse_above_global(inputs, out):
    climate = {**SYNTHETIC, "dhi_kwh_m2_day": [2.0, 2.0, 6.5] + [2.0] * 9}
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"synthetic": climate})), out)


@case(fragment="dhi_kwh_m2_day")
def synthetic_diffuse_eleven_months(inputs, out):
    climate = {**SYNTHETIC, "dhi_kwh_m2_day": [2.0] * 11}
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"synthetic": climate})), out)


@case(fragment="plant: export_limit_mwac: a limit on the sum of several blocks is not "
                "modelled")
def export_limit_on_a_plant_of_blocks(inputs, out):
    tracker = {"type": "single_axis", "gcr": 0.35}
    blocks = [{"name": "a", "dc_capacity_mwp": 50.0, "ac_capacity_mwac": 40.0,
               "mounting": tracker},
              {"name": "b", "dc_capacity_mwp": 50.0, "ac_capacity_mwac": 40.0,
               "mounting": tracker}]
    text = site_yaml(plant={"dc_capacity_mwp": 100.0, "ac_capacity_mwac": 80.0,
                            "export_limit_mwac": 75.0, "blocks": blocks})
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="plant.export_limit_mwac: must be > 0")
def export_limit_zero(inputs, out):
    text = site_yaml(plant__export_limit_mwac=0)
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="finite")
def synthetic_nan_month(inputs, out):
    text = site_yaml(weather={"synthetic": SYNTHETIC}).replace("- 6.0", "- .nan", 1)
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="aliases")
def yaml_alias_bomb(inputs, out):
    return estimate(write(inputs, "s.yaml", alias_bomb()), out)


@case(fragment="larger than")
def file_of_50_mb(inputs, out):
    path = inputs / "s.yaml"
    with open(path, "wb") as fh:
        fh.write(site_yaml().encode())
        fh.truncate(50_000_000)  # sparse: no time spent writing
    return estimate(path, out)


@case(fragment="larger than")
def one_line_of_2_mb(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml() + "# " + "x" * 2_000_000 + "\n"), out)


@case(fragment="region")
def flow_list_of_40000_values(inputs, out):
    # large but under the size cap: parsed (libyaml) and refused by the schema
    return estimate(write(inputs, "s.yaml", site_yaml() + "region: [" + ",".join(
        ["[1]"] * 20_000) + "]\n"), out)


@case(fragment="duplicate key")
def yaml_duplicate_key(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml() + "latitude: -23.0\n"), out)


@case(fragment="duplicate key")
def yaml_duplicate_nested_key(inputs, out):
    text = site_yaml().replace("  dc_capacity_mwp: 10.0\n",
                               "  dc_capacity_mwp: 10.0\n  dc_capacity_mwp: 12.0\n")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="not valid TOML")
def toml_duplicate_key(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml() + "latitude = -23.0\n"), out)


@case(fragment="finite number")
def reported_value_inf(inputs, out):
    text = site_yaml().replace("value: 25", "value: .inf")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="finite number")
def reported_value_nan(inputs, out):
    text = site_yaml().replace("value: 25", "value: .nan")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="latitude")
def latitude_nan(inputs, out):
    text = site_yaml().replace("latitude: -22.35", "latitude: .nan")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="finite number")
def toml_latitude_nan(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml().replace("-22.35", "nan")), out)


@case(fragment="finite number")
def soiling_minus_inf(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(losses={"soiling_pct": -float("inf")})),
                    out)


@case(fragment="empty file")
def empty_site_file(inputs, out):
    return estimate(write(inputs, "s.yaml", ""), out)


@case(fragment="is a folder")
def site_file_is_a_folder(inputs, out):
    folder = inputs / "s.yaml"
    folder.mkdir()
    return estimate(folder, out)


@case(fragment="cannot read file")
def site_file_missing(inputs, out):
    return estimate(inputs / "missing.yaml", out)


@case(fragment="expected a .yaml")
def site_file_json(inputs, out):
    return estimate(write(inputs, "s.json", json.dumps(site())), out)


@case(fragment="expected a .yaml")
def site_file_without_extension(inputs, out):
    return estimate(write(inputs, "site", site_yaml()), out)


@case(fragment="latitude")
def toml_latitude_as_text(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml().replace("-22.35", '"-22.35"')), out)


@case(fragment="dc_capacity_mwp")
def toml_capacity_as_boolean(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml().replace("10.0", "true", 1)), out)


@case(fragment="mapping of fields")
def top_level_list(inputs, out):
    return estimate(write(inputs, "s.yaml", "- name: x\n- country: CL\n"), out)


@case(fragment="mapping of fields")
def top_level_scalar(inputs, out):
    return estimate(write(inputs, "s.yaml", "just text\n"), out)


@case(fragment="not valid YAML")
def yaml_syntax_error(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml() + "plant: [unclosed\n"), out)


@case(fragment="not valid YAML")
def yaml_nul_byte(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml().encode() + b"region: a\x00b\n"), out)


@case(fragment="not valid YAML")
def yaml_python_tag(inputs, out):
    return estimate(write(inputs, "s.yaml",
                          site_yaml() + "region: !!python/object/apply:os.system [ls]\n"), out)


@case(fragment="not valid TOML")
def toml_syntax_error(inputs, out):
    return estimate(write(inputs, "s.toml", site_toml() + "region = [\n"), out)


@case(fragment="unknown field")
def unknown_field_with_huge_value(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(notes="x" * 100_000)), out)


@case(fragment="top-level keys must be text")
def numeric_top_level_key(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml() + "12: x\n"), out)


@case(fragment="DC/AC")
def dc_ac_ratio_out_of_range(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(plant__ac_capacity_mwac=0.5)), out)


@case(fragment="country")
def country_lower_case(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(country="cl")), out)


@case(fragment="latitude")
def latitude_yes(inputs, out):
    text = site_yaml().replace("latitude: -22.35", "latitude: yes")
    return estimate(write(inputs, "s.yaml", text), out)


@case(fragment="shares must sum to 1")
def orientation_shares(inputs, out):
    orientations = [{"tilt_deg": 10, "azimuth_deg": 90, "share": 0.7},
                    {"tilt_deg": 10, "azimuth_deg": 270, "share": 0.7}]
    return estimate(write(inputs, "s.yaml", site_yaml(
        plant__mounting__orientations=orientations)), out)


@case(fragment="name")
def name_missing(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(name=None)), out)


@case(fragment="sources")
def sources_not_a_mapping(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(sources=["a", "b"])), out)


@case(fragment="not valid YAML")
def yaml_unhashable_key(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml() + "? [1, 2]\n: x\n"), out)


@case(code=0, fragment="", nothing_written=False)
def windows_line_endings_are_read(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml().replace("\n", "\r\n").encode()),
                    out, "--quiet")


# -- weather files ---------------------------------------------------------------------------

@case(fragment="data row")
def weather_header_without_rows(inputs, out):
    return with_weather(inputs, out, sam_csv(rows=0))


@case(fragment="data row")
def weather_one_row(inputs, out):
    return with_weather(inputs, out, sam_csv(rows=1))


@case(fragment="line 14: column 'GHI'")
def weather_abc_in_ghi(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(10, "GHI"): "abc"}))


@case(fragment="column 'Month'")
def weather_abc_in_month(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(3, "Month"): "abc"}))


@case(fragment="line 7: column 'Month' is 13; expected 1..12")
def weather_month_13(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(3, "Month"): "13"}))


@case(fragment="column 'Year' is 82019")
def weather_year_82019(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(0, "Year"): "82019"}))


@case(fragment="Year/Month/Day")
def weather_30_february(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(3, "Month"): "2", (3, "Day"): "30"}))


@case(fragment="more fields than the column names")
def weather_first_row_longer_than_header(inputs, out):
    text = sam_csv().replace(",850\n", ",850,2019,1,1\n", 1)
    return with_weather(inputs, out, text)


@case(fragment="Time Zone")
def weather_nan_time_zone(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"Time Zone": "NaN"}))


@case(fragment="Time Zone")
def weather_time_zone_as_text(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"Time Zone": "CLT"}))


@case(fragment="whole hour")
def weather_half_hour_zone(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"Time Zone": "-3.5"}))


@case(fragment="latitude")
def weather_latitude_999(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"Latitude": "999"}))


@case(fragment="Latitude")
def weather_latitude_inf(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"Latitude": "inf"}))


@case(fragment="missing SAM CSV column")
def weather_missing_column(inputs, out):
    return with_weather(inputs, out, sam_csv().replace(",GHI,", ",GHX,"))


@case(fragment="two SAM CSV header lines")
def weather_only_first_line(inputs, out):
    return with_weather(inputs, out, sam_csv().splitlines()[0] + "\n", format="sam_csv")


@case(fragment="unrecognised weather format")
def weather_png(inputs, out):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    return with_weather(inputs, out, png, name="w.png")


@case(fragment="unrecognised weather format")
def weather_empty_file(inputs, out):
    return with_weather(inputs, out, "")


@case(fragment="is a folder")
def weather_is_a_folder(inputs, out):
    (inputs / "w").mkdir()
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"file": str(inputs / "w"),
                                                                "label": "center"})), out)


@case(fragment="not found")
def weather_missing(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"file": "nowhere.csv",
                                                                "label": "center"})), out)


@case(fragment="SAM CSV")
def weather_latin1_header(inputs, out):
    return with_weather(inputs, out, sam_csv(header={"City": "Mar\xeda Elena"}).encode(
        "latin-1"))


@case(code=0, fragment="", nothing_written=False)
def weather_windows_line_endings_are_read(inputs, out):
    text = EXPLORADOR.read_text(encoding="utf-8").replace("\n", "\r\n")
    return [*with_weather(inputs, out, text.encode()), "--quiet"]


@case(fragment="line 15: column 'GHI")
def tmy3_abc_in_ghi(inputs, out):
    lines = TMY3.read_text(encoding="utf-8").splitlines()
    cells = lines[14].split(",")
    cells[4] = "abc"
    lines[14] = ",".join(cells)
    return with_weather(inputs, out, "\n".join(lines) + "\n", name="w.tmy3")


@case(fragment="TMY3")
def tmy3_truncated_header(inputs, out):
    lines = TMY3.read_text(encoding="utf-8").splitlines()
    return with_weather(inputs, out, "\n".join(lines[:2]) + "\n", name="w.tmy3")


@case(fragment="data row")
def nsrdb_header_only(inputs, out):
    lines = NSRDB.read_text(encoding="utf-8").splitlines()
    return with_weather(inputs, out, "\n".join(lines[:3]) + "\n")


@case(fragment="column")
def nsrdb_text_in_ghi(inputs, out):
    lines = NSRDB.read_text(encoding="utf-8").splitlines()
    cells = lines[20].split(",")
    cells[12] = "abc"
    lines[20] = ",".join(cells)
    return with_weather(inputs, out, "\n".join(lines) + "\n")


@case(fragment="epw")
def epw_truncated(inputs, out):
    return with_weather(inputs, out, "LOCATION,Somewhere,-,CHL,x,0,-22,-69,-4,1200\n",
                        name="w.epw")


@case(fragment="PVGIS")
def pvgis_json_without_data(inputs, out):
    return with_weather(inputs, out, '{"inputs": {}, "outputs": 5}', name="w.json",
                        label=None)


@case(fragment="NASA POWER")
def nasa_power_json_without_data(inputs, out):
    return with_weather(inputs, out, '{"geometry": {}, "properties": 1}', name="w.json",
                        label=None)


@case(fragment="not a number")
def weather_huge_cell(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(5, "Tdry"): "9" * 3 + "x" * 500_000}))


@case(fragment="weather.label")
def sam_without_label(inputs, out):
    return estimate(write(inputs, "s.yaml", site_yaml(weather={"file": str(EXPLORADOR)})), out)


@case(code=0, fragment="", nothing_written=False)
def explorador_read_with_label_end(inputs, out):
    # its March comes from a leap year: the end-to-centre shift reaches 29 February
    return ["weather", "inspect", EXPLORADOR, "--label", "end", "--json"]


@case(fragment="infinite or missing")
def weather_inf_in_ghi(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(12, "GHI"): "inf"}))


@case(fragment="repeats or goes back")
def weather_repeated_hour(inputs, out):
    return with_weather(inputs, out, sam_csv(cell={(5, "Hour"): "4"}))


@case(fragment="also: coverage")
def weather_two_night_rows(inputs, out):
    return with_weather(inputs, out, sam_csv(rows=2))


@case(fragment="not whole years")
def weather_partial_year_of_two_days(inputs, out):
    return with_weather(inputs, out, sam_csv(rows=48))


@case(fragment="no_sun")
def weather_year_without_sun(inputs, out):
    lines = EXPLORADOR.read_text(encoding="utf-8").splitlines()
    dark = [",".join(c if i not in (5, 6, 7) else "0" for i, c in enumerate(line.split(",")))
            for line in lines[3:]]
    return with_weather(inputs, out, "\n".join([*lines[:3], *dark]) + "\n")


@case(code=0, fragment="", nothing_written=False)
def inspect_two_rows(inputs, out):
    return ["weather", "inspect", write(inputs, "w.csv", sam_csv(rows=2)), "--label", "center"]


@case(fragment="not a regular file")
def inspect_a_fifo(inputs, out):
    os.mkfifo(inputs / "w.csv")
    return ["weather", "inspect", inputs / "w.csv"]


@case(fragment="not found")
def inspect_a_missing_file(inputs, out):
    return ["weather", "inspect", inputs / "missing.csv"]


@case(fragment="unrecognised weather format")
def inspect_a_site_file(inputs, out):
    return ["weather", "inspect", write(inputs, "s.yaml", site_yaml())]


@case(fragment="is a folder")
def inspect_a_folder(inputs, out):
    return ["weather", "inspect", inputs]


# -- batch -----------------------------------------------------------------------------------

def batch(inputs: Path, out: Path, sites: dict[str, str | bytes], matrix=None,
          *extra: str, **scenario) -> list:
    for name, content in sites.items():
        write(inputs, name, content)
    path = write(inputs, "study.yaml", scenario_yaml(list(sites), matrix, **scenario))
    return ["batch", path, "--out", out / "r.nc", "--engine", "reference", *extra]


@case(code=3, fragment="not UTF-8", nothing_written=False)
def batch_one_site_with_bad_bytes(inputs, out):
    return batch(inputs, out, {"good.yaml": site_yaml(name="Good"),
                               "bad.yaml": site_yaml(name="Bad").encode() + b"x: \xff\n"})


@case(code=3, fragment="calendar date", nothing_written=False)
def batch_one_site_with_bad_date(inputs, out):
    bad = site_yaml(name="Bad").replace("date: '2024-07-08'", "date: 2024-13-45")
    return batch(inputs, out, {"good.yaml": site_yaml(name="Good"), "bad.yaml": bad})


@case(fragment="name is a value")
def batch_matrix_key_through_a_scalar(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, {"name.suffix": ["x", "y"]})


@case(fragment="is a list")
def batch_matrix_key_through_a_list(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()},
                 {"plant.mounting.orientations.0.tilt_deg": [10, 20]})


@case(fragment="names no field")
def batch_matrix_unknown_field(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, {"plant.bifacility": [0.0, 0.7]})


@case(fragment="give at least one value")
def batch_matrix_empty_values(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, {"plant.bifaciality": []})


@case(fragment="is a folder")
def batch_out_is_a_folder(inputs, out):
    (out / "r.nc").mkdir()
    argv = batch(inputs, out, {"a.yaml": site_yaml()})
    return argv


@case(fragment="does not exist")
def batch_out_folder_missing(inputs, out):
    argv = batch(inputs, out, {"a.yaml": site_yaml()})
    return [*argv[:3], out / "no" / "r.nc", *argv[4:]]


@case(fragment="is a folder")
def batch_csv_is_a_folder(inputs, out):
    (inputs / "table").mkdir()
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, "--csv", inputs / "table")


@case(fragment="not a folder")
def batch_report_is_a_file(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, "--report",
                 write(inputs, "report", "x"))


@case(fragment="cannot write to folder",
      skip="root writes into read-only folders" if os.geteuid() == 0 else None)
def batch_out_in_read_only_folder(inputs, out):
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return batch(inputs, out, {"a.yaml": site_yaml()})


@case(fragment="--workers")
def batch_zero_workers(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, "--workers", "0")


@case(fragment="--workers")
def batch_negative_workers(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, "--workers", "-1")


@case(fragment="--workers")
def batch_workers_not_a_number(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, "--workers", "many")


@case(fragment="scenarios")
def scenario_matrix_of_a_million(inputs, out):
    matrix = {"plant.albedo": [0.1 + i / 1000 for i in range(100)],
              "losses.soiling_pct": [i / 10 for i in range(100)],
              "plant.bifaciality": [i / 100 for i in range(100)]}
    return batch(inputs, out, {"a.yaml": site_yaml()}, matrix)


@case(fragment="no site files found")
def scenario_without_sites(inputs, out):
    return batch(inputs, out, {})


@case(fragment="cannot read file")
def scenario_missing(inputs, out):
    return ["batch", inputs / "study.yaml", "--out", out / "r.nc"]


@case(fragment="not defined in weather_sources")
def scenario_unknown_weather_source(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, {"weather_source": ["site", "era5"]})


@case(fragment="is not a weather source name")
def scenario_weather_source_not_a_name(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, {"weather_source": [["site"]]})


@case(fragment="is not a regular file", nothing_written=False)
def batch_out_is_a_device(inputs, out):
    argv = batch(inputs, out, {"a.yaml": site_yaml()})
    return [*argv[:3], "/dev/null", *argv[4:]]


@case(fragment="invalid scenario file")
def scenario_with_unknown_field(inputs, out):
    return batch(inputs, out, {"a.yaml": site_yaml()}, None, maxtrix={"a": [1]})


@case(fragment="a site file (it has 'plant'), not a scenario file")
def batch_given_a_site_file(inputs, out):
    path = write(inputs, "a.yaml", site_yaml())
    return ["batch", path, "--out", out / "r.nc"]


@case(fragment="duplicate key")
def scenario_duplicate_key(inputs, out):
    write(inputs, "a.yaml", site_yaml())
    path = write(inputs, "study.yaml", scenario_yaml(["a.yaml"]) + "name: again\n")
    return ["batch", path, "--out", out / "r.nc"]


@case(fragment="column 'plant.mounting.orientations.0.tilt_deg'")
def table_column_through_a_list(inputs, out):
    write(inputs, "template.yaml", site_yaml())
    write(inputs, "table.csv", "name,plant.mounting.orientations.0.tilt_deg\nA,10\n")
    path = write(inputs, "study.yaml", yaml.safe_dump(
        {"name": "t", "sites": {"table": "table.csv", "template": "template.yaml"}}))
    return ["batch", path, "--out", out / "r.nc"]


@case(fragment="cannot read site table")
def table_not_utf8(inputs, out):
    write(inputs, "template.yaml", site_yaml())
    write(inputs, "table.csv", b"name,latitude\n\xff\xfe,-22\n")
    path = write(inputs, "study.yaml", yaml.safe_dump(
        {"name": "t", "sites": {"table": "table.csv", "template": "template.yaml"}}))
    return ["batch", path, "--out", out / "r.nc"]


# -- command line ----------------------------------------------------------------------------

@case(fragment="is a folder")
def estimate_out_is_a_folder(inputs, out):
    (out / "result.json").mkdir()
    return estimate(write(inputs, "s.yaml", site_yaml()), out)


@case(fragment="not a regular file", nothing_written=False)
def estimate_out_is_a_device(inputs, out):
    return ["estimate", write(inputs, "s.yaml", site_yaml()), "--out", "/dev/null"]


@case(fragment="not a regular file")
def schema_out_is_a_fifo(inputs, out):
    os.mkfifo(out / "pipe")
    return ["schema", "--out", out / "pipe"]


@case(fragment="is a folder")
def schema_out_is_a_folder(inputs, out):
    (out / "schema.json").mkdir()
    return ["schema", "--out", out / "schema.json"]


@case(fragment="does not exist")
def schema_out_folder_missing(inputs, out):
    return ["schema", "--out", out / "no" / "schema.json"]


@case(fragment="not a folder")
def report_out_is_a_file(inputs, out):
    return ["report", write(inputs, "s.yaml", site_yaml()), "--out",
            write(inputs, "report.txt", "x")]


@case(fragment="timezone")
def report_of_a_bad_site_creates_no_folder(inputs, out):
    return ["report", write(inputs, "s.yaml", site_yaml(timezone="Mars/Olympus")), "--out",
            out / "reports"]


@case(fragment="invalid choice")
def unknown_command(inputs, out):
    return ["estimat", "x.yaml"]


@case(fragment="the following arguments are required")
def estimate_without_files(inputs, out):
    return ["estimate"]


@case(fragment="invalid choice")
def unknown_label(inputs, out):
    return ["weather", "inspect", EXPLORADOR, "--label", "middle"]


@case(fragment="only scenario files")
def estimate_only_scenario_files(inputs, out):
    write(inputs, "a.yaml", site_yaml())
    return ["estimate", write(inputs, "study.yaml", scenario_yaml(["a.yaml"],
                                                                 {"plant.albedo": [0.2]}))]


@case(fragment="not a regular file")
def site_file_is_a_fifo(inputs, out):
    os.mkfifo(inputs / "s.yaml")  # reading it would wait for a writer for ever
    return estimate(inputs / "s.yaml", out)


@case(fragment="File name too long")
def weather_inspect_of_a_5000_character_name(inputs, out):
    return ["weather", "inspect", inputs / ("w" * 5000 + ".csv")]


@case(fragment="File name too long")
def schema_out_of_a_5000_character_name(inputs, out):
    return ["schema", "--out", out / ("s" * 5000 + ".json")]


@case(fragment="is also an input")
def estimate_out_is_the_site_file(inputs, out):
    path = write(inputs, "s.yaml", site_yaml())
    return ["estimate", path, "--out", path]


@case(fragment="is also an input")
def batch_csv_is_the_scenario(inputs, out):
    argv = batch(inputs, out, {"a.yaml": site_yaml()})
    return [*argv, "--csv", argv[1]]


@case(code=0, fragment="", nothing_written=False)
def households_claim_without_a_consumption_figure(inputs, out):
    reported = [{"metric": "households", "value": 1000, "source": "a press release",
                 "date": None}]
    return estimate(write(inputs, "s.yaml", site_yaml(country="US", reported=reported)),
                    out)


# -- the corpus runner ------------------------------------------------------------------------

@pytest.mark.parametrize("c", CASES)
def test_bad_input(c: Case, tmp_path, capsys, monkeypatch):
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    monkeypatch.chdir(inputs)
    argv = [str(a) for a in c.make(inputs, out)]
    code = main(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    out.chmod(0o755)
    assert "Traceback" not in text
    assert code == c.code, text[-3000:]
    assert c.fragment.lower() in captured.err.lower(), captured.err[-3000:]
    if c.code == 2:
        # one short message: no value quoted in full, no dump of the input
        last = captured.err.strip().splitlines()[-1]
        assert captured.err.startswith("pvyield:") or last.startswith("pvyield"), last
        assert len(captured.err) < 4000, captured.err[:500]
    if c.code == 0:  # no silently wrong numbers: no NaN printed, strict JSON written
        assert " nan" not in captured.out.lower()
        if (out / "result.json").is_file():
            json.loads((out / "result.json").read_text(encoding="utf-8"),
                       parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    if c.nothing_written:
        left = sorted(p.name for p in out.iterdir()
                      if not (p.name in ("result.json", "schema.json", "r.nc") and p.is_dir())
                      and p.name != "pipe")
        assert left == [], left


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 80
