"""The weather gate: broken weather is refused on every path, good weather passes.

Every broken file is made from a bundled one (the Explorador Solar SAM CSV, the Palmdale
TMY3) and run through the command line in-process: exit code 2, one line naming the file
and the problem, nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import pvyield
from pvyield.batch import read_dataset
from pvyield.cli import main
from pvyield.errors import SiteError
from pvyield.reconcile import reconcile
from pvyield.site import site_from_mapping
from pvyield.site.schema import AcceptedFinding
from pvyield.weather import gate, weather_for_site
from pvyield.weather.gate import WeatherRefusedError
from pvyield.weather.qc import qc_report
from pvyield.weather.readers import read_weather_file

from .conftest import SITES, WEATHER

EXPLORADOR = WEATHER / "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv"
NSRDB = WEATHER / "CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv"
PALMDALE = WEATHER / "CA-Palmdale_Airport.tmy3"
VALIDATION_SITES = Path(__file__).resolve().parents[1] / "sites" / "validation"
IRRADIANCE = ["GHI", "DNI", "DHI"]


# ---------------------------------------------------------------- building the cases


@pytest.fixture(scope="module")
def sam():
    """The Explorador file as (two header lines, data table)."""
    header = EXPLORADOR.read_text(encoding="utf-8").splitlines()[:2]
    return header, pd.read_csv(EXPLORADOR, skiprows=2)


def write_sam(folder: Path, sam, table: pd.DataFrame, name: str = "weather.csv") -> Path:
    header, _ = sam
    path = folder / name
    path.write_text("\n".join(header) + "\n" + table.to_csv(index=False), encoding="utf-8")
    return path


def site_mapping(weather_file: Path, *, chile: bool = True, accept=None) -> dict:
    """A 10 MWp fixed plant beside the weather's location."""
    place = ({"latitude": -22.92, "longitude": -69.91, "elevation_m": 1635,
              "timezone": "America/Santiago", "country": "CL"} if chile else
             {"latitude": 34.63, "longitude": -118.08, "elevation_m": 769,
              "timezone": "America/Los_Angeles", "country": "US"})
    weather = {"file": str(weather_file)}
    if weather_file.suffix == ".csv" and weather_file.name != NSRDB.name:
        weather.update(format="sam_csv", label="center")
    if accept:
        weather["accept"] = accept
    return {"name": "gate test", **place,
            "plant": {"dc_capacity_mwp": 10.0, "ac_capacity_mwac": 8.0,
                      "mounting": {"type": "fixed", "gcr": 0.4, "orientations": [
                          {"tilt_deg": 20, "azimuth_deg": 0 if chile else 180}]}},
            "weather": weather}


def write_site(folder: Path, weather_file: Path, name: str = "site.yaml", **kw) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(site_mapping(weather_file, **kw)), encoding="utf-8")
    return path


def refused(capsys, site: Path, out: Path, command: str = "estimate") -> str:
    """Run the CLI; assert exit 2, nothing written; return the one error line."""
    args = ([command, str(site), "--out", str(out)] +
            (["--quiet", "--no-reconcile"] if command == "estimate" else []))
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert not out.exists()
    assert err.startswith("pvyield: error: ") and "\n" not in err
    return err


def kw_units(t):
    return t.assign(**{c: t[c] / 1000.0 for c in IRRADIANCE})


def kelvin(t):
    return t.assign(Tdry=t["Tdry"] + 273.15)


def daily_kwh(t):
    days = t.groupby(["Year", "Month", "Day"], as_index=False)
    table = days[IRRADIANCE].sum().assign(**{c: lambda d, c=c: d[c] / 1000.0
                                             for c in IRRADIANCE})
    other = days[["Tdry", "Wspd", "Pres", "RH"]].mean()
    return table.assign(Hour=12, Minute=0, **{c: other[c] for c in other if c not in table})


def negated(t):
    return t.assign(**{c: -t[c] for c in IRRADIANCE})


def huge(t):
    out = t.copy()
    out.loc[out.index[4000:4003], "GHI"] = 1e9
    return out


def infinite(t):
    out = t.copy()
    out.loc[out.index[[3000, 5000]], "GHI"] = np.inf
    return out


def three_hours_late(t):
    # each value is stamped 3 h after the hour it belongs to (a wrong time zone)
    return t.assign(**{c: np.roll(t[c].to_numpy(), 3) for c in [*IRRADIANCE, "Tdry"]})


def january_to_june(t):
    return t[t["Month"] <= 6]


def irradiance_halved(t):
    # e.g. Wh per half hour read as W/m^2
    return t.assign(**{c: t[c] * 0.5 for c in IRRADIANCE})


def dni_dhi_swapped(t):
    return t.assign(DNI=t["DHI"], DHI=t["DNI"])


def july_written_as_zeros(t):
    july = t["Month"] == 7
    return t.assign(**{c: t[c].where(~july, 0.0) for c in IRRADIANCE})


CASES = {  # case: (edit of the Explorador table, finding code in the message)
    "kw_per_m2": (kw_units, "units_kw"),
    "kelvin": (kelvin, "units_kelvin"),
    "daily_kwh_per_m2": (daily_kwh, "units_daily_kwh"),
    "negated": (negated, "negated"),
    "ghi_1e9": (huge, "impossible_irradiance"),
    "ghi_inf": (infinite, "non_finite"),
    "three_hours_late": (three_hours_late, "time_shift"),
    "january_to_june": (january_to_june, "coverage"),
    "irradiance_halved": (irradiance_halved, "dim"),
    "dni_dhi_swapped": (dni_dhi_swapped, "closure"),
    "july_written_as_zeros": (july_written_as_zeros, "dark_daytime"),
}


# ---------------------------------------------------------------- refusals via the CLI


@pytest.mark.parametrize("case", list(CASES))
def test_broken_sam_file_is_refused_naming_file_and_problem(case, sam, tmp_path, capsys):
    edit, code = CASES[case]
    weather = write_sam(tmp_path, sam, edit(sam[1]), f"{case}.csv")
    err = refused(capsys, write_site(tmp_path, weather), tmp_path / "out.json")
    assert f"{case}.csv" in err and f"weather refused, {code}:" in err
    assert "to fix:" in err


def test_three_hour_shift_is_measured_at_its_size(sam, tmp_path, capsys):
    weather = write_sam(tmp_path, sam, three_hours_late(sam[1]))
    err = refused(capsys, write_site(tmp_path, weather), tmp_path / "out.json")
    assert "GHI peaks +180 min" in err


def test_tmy3_cut_in_june_is_refused(tmp_path, capsys):
    lines = PALMDALE.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = [line for line in lines[2:] if line[:2] <= "06" and line[:5] < "06/15"]
    weather = tmp_path / "palmdale_cut.tmy3"
    weather.write_text("".join(lines[:2] + cut), encoding="utf-8")
    site = write_site(tmp_path, weather, chile=False)
    err = refused(capsys, site, tmp_path / "out.json")
    assert "palmdale_cut.tmy3" in err and "coverage" in err and "0.45 of a year" in err


def test_report_refuses_and_writes_nothing(sam, tmp_path, capsys):
    weather = write_sam(tmp_path, sam, kelvin(sam[1]))
    err = refused(capsys, write_site(tmp_path, weather), tmp_path / "reports", "report")
    assert "units_kelvin" in err


def test_unacceptable_finding_cannot_be_accepted(sam, tmp_path, capsys):
    site = write_site(tmp_path, EXPLORADOR,
                      accept=[{"finding": "non_finite", "reason": "we like it this way"}])
    assert main(["estimate", str(site), "--quiet", "--no-reconcile"]) == 2
    err = capsys.readouterr().err
    assert "weather.accept.0.finding" in err and "cannot be accepted" in err
    with pytest.raises(SiteError, match="cannot be accepted"):
        pvyield.load_site(site)


# ---------------------------------------------------------------- accepting a finding


@pytest.fixture(scope="module")
def full_year():
    site = site_from_mapping(site_mapping(EXPLORADOR), source="<test>")
    return pvyield.estimate(site)


def test_accepted_partial_year_is_labelled_and_scaled(sam, tmp_path, capsys, full_year):
    weather = write_sam(tmp_path, sam, january_to_june(sam[1]))
    reason = "six months measured on site before the plant was built"
    site = write_site(tmp_path, weather, accept=[{"finding": "coverage", "reason": reason}])
    out = tmp_path / "out.json"
    assert main(["estimate", str(site), "--no-reconcile", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "NOT an annual figure" in printed and "annual energy" not in printed
    assert "181.0 days" in printed and reason in printed
    # nor are its P-values per year
    assert "GWh/yr" not in printed and "GWh per 8,760 h, scaled" in printed
    data = json.loads(out.read_text(encoding="utf-8"))["sites"][0]
    assert data["period"]["partial"] and "not annual figures" in data["period"]["scaling"]
    assert data["weather"]["qc"]["accepted"] == {"coverage": reason}
    assert any(a["parameter"] == "weather period" for a in data["assumptions"])
    # each month holds its own energy: January-June as in the full year, July-December 0
    monthly = np.array(data["monthly_energy_gwh"])
    np.testing.assert_allclose(monthly[:6], full_year.monthly["energy_gwh"].to_numpy()[:6],
                               rtol=1e-9)
    assert (monthly[6:] == 0).all()
    # the per-8,760 h figure is the period's energy scaled by 8,760 h / 4,344 h
    assert data["annual_energy_gwh"] == pytest.approx(monthly.sum() * 8760 / 4344, rel=1e-9)


def test_large_gap_refused_then_accepted_as_a_warning(sam, tmp_path, capsys):
    table = sam[1]
    holed = table.drop(table.index[2000:2240])  # ten days missing, 2.7 % of the year
    weather = write_sam(tmp_path, sam, holed)
    err = refused(capsys, write_site(tmp_path, weather), tmp_path / "out.json")
    assert "gap" in err and "240 missing interval(s)" in err
    reason = "station outage in March; the chain scales the rest to the year"
    site = write_site(tmp_path, weather, "accepted.yaml",
                      accept=[{"finding": "gap", "reason": reason}])
    result = pvyield.estimate(site)
    warnings = result.to_dict()["weather"]["warnings"]
    assert any("gap" in w and reason in w for w in warnings)
    assert any(reason in a.reason for a in result.assumptions)
    assert not result.partial_period and result.to_dict()["period"]["whole_years"] == 1


def test_small_gap_is_a_warning_not_a_refusal(sam, tmp_path):
    holed = sam[1].drop(sam[1].index[2000:2024])  # one day: within the 1 % tolerated
    site = write_site(tmp_path, write_sam(tmp_path, sam, holed))
    result = pvyield.estimate(site)
    assert any(w.startswith("weather check gap:") for w in result.weather.warnings)


# ---------------------------------------------------------------- batch, API, reuse


def test_batch_marks_the_refused_run_invalid_and_completes_the_others(sam, tmp_path,
                                                                      capsys):
    bad = write_site(tmp_path, write_sam(tmp_path, sam, kw_units(sam[1]), "kw.csv"),
                     "bad.yaml")
    data = site_mapping(EXPLORADOR)
    data["name"] = "good plant"
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(data), encoding="utf-8")
    scenario = tmp_path / "study.yaml"
    scenario.write_text(yaml.safe_dump({
        "name": "gate", "sites": [str(good), str(bad), str(SITES / "ceme1.yaml")],
        "matrix": {"plant.bifaciality": [0.0, 0.5]}}), encoding="utf-8")
    assert main(["batch", str(scenario), "--out", str(tmp_path / "r.nc")]) == 3
    assert "INVALID: gate test" in capsys.readouterr().err
    ds = read_dataset(tmp_path / "r.nc")
    status = ds["status"].to_pandas()
    assert (status.loc["gate test"] == "invalid").all()
    error = str(ds["error"].sel(site="gate test").to_numpy()[0])
    assert "kw.csv" in error and "units_kw" in error
    assert (status.loc[["good plant", "CEME1"]] == "ok").all().all()
    assert np.isfinite(ds["annual_energy_gwh"].sel(site=["good plant", "CEME1"])).all()


@pytest.fixture(scope="module")
def explorador():
    site = site_from_mapping(site_mapping(EXPLORADOR), source="<test>")
    return site, weather_for_site(site)


def test_api_weather_is_gated_too(explorador):
    site, (frame, meta) = explorador
    broken = frame.copy()
    broken.iloc[100:110, broken.columns.get_loc("temp_air")] = np.nan
    with pytest.raises(WeatherRefusedError, match="non_finite"):
        pvyield.estimate(site, weather=(broken, meta))
    unsorted = frame.iloc[np.r_[10:8760, 0:10]]
    with pytest.raises(WeatherRefusedError, match="non_monotonic"):
        pvyield.estimate(site, weather=(unsorted, meta))
    doubled = pd.concat([frame, frame.iloc[:5]]).sort_index()
    with pytest.raises(WeatherRefusedError, match="duplicate_stamps"):
        pvyield.estimate(site, weather=(doubled, meta))


def test_fifteen_minute_frame_with_hourly_meta_uses_the_frame_step(explorador):
    site, (frame, meta) = explorador
    hourly = pvyield.estimate(site, weather=(frame, meta))
    # each hour as four quarter-hours of the same mean, stamped at their centres
    quarters = frame.loc[frame.index.repeat(4)].copy()
    quarters.index = frame.index.repeat(4) + pd.to_timedelta(
        np.tile([-22.5, -7.5, 7.5, 22.5], len(frame)), unit="min")
    assert meta.time_step_minutes == 60
    # an hour's mean repeated into its quarters puts light in quarters after sunset
    spread = site.model_copy(update={"weather": site.weather.model_copy(update={"accept": [
        AcceptedFinding(finding="above_extraterrestrial",
                        reason="hourly means repeated over the quarter hours")]})})
    fine = pvyield.estimate(spread, weather=(quarters, meta))
    assert fine.annual_energy_gwh == pytest.approx(hourly.annual_energy_gwh, rel=0.01)
    assert fine.weather.time_step_minutes == 15
    assert any("15 min" in c for c in fine.weather.corrections)


def test_checks_run_once_per_weather_read(explorador, monkeypatch):
    site, weather = explorador
    calls = []
    monkeypatch.setattr(gate, "qc_report", lambda *a: calls.append(1) or qc_report(*a))
    monkeypatch.setattr(gate, "_CACHE", type(gate._CACHE)())
    result = pvyield.estimate(site, weather=weather, engine="batch")
    rec = reconcile(result, weather=weather)
    assert len(rec.sensitivities) >= 7  # 2 runs each, all on the one read
    assert calls == [1]


def test_fill_values_are_refused_and_only_named_findings_accepted(explorador):
    _, (frame, meta) = explorador
    report = qc_report(frame.assign(wind_speed=-frame["wind_speed"]), meta.latitude,
                       meta.longitude, meta.elevation_m)
    assert "wind_negative" in {f.code for f in gate.verdict(report, []).refused}
    holed = qc_report(frame.drop(frame.index[100:400]), meta.latitude, meta.longitude,
                      meta.elevation_m)
    other = [AcceptedFinding(finding="time_shift", reason="a horizon east of the station")]
    assert [f.code for f in gate.verdict(holed, other).refused] == ["gap"]
    assert gate.verdict(holed, other).warnings == (
        "weather.accept names 'time_shift', but the checks do not find it",)
    named = [AcceptedFinding(finding="gap", reason="outage filled by nothing, on purpose")]
    decided = gate.verdict(holed, named)
    assert decided.refused == () and "on purpose" in decided.warnings[0]
    hot = frame.copy()
    hot.iloc[5, hot.columns.get_loc("temp_air")] = -999.0  # a fill value
    report = qc_report(hot, meta.latitude, meta.longitude, meta.elevation_m)
    assert [f.code for f in report.errors] == ["temp_range"]


# ---------------------------------------------------------------- no false refusals


GOOD_FILES = [*sorted(WEATHER.glob("*.tmy3")), NSRDB]


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: p.name)
def test_good_bundled_weather_passes(path):
    frame, meta = read_weather_file(path)
    decided = gate.verdict(gate.qc_for(frame, meta), [])
    assert decided.refused == () and decided.warnings == ()


def test_explorador_and_bundled_sites_pass(explorador, mauriti_result, ceme1_result):
    _, (frame, meta) = explorador
    assert gate.check(frame, meta, [], "explorador")[1].refused == ()
    for result in (mauriti_result, ceme1_result):
        assert result.qc is not None and result.qc.errors == ()
        assert not result.partial_period


@pytest.mark.parametrize("path", sorted(VALIDATION_SITES.glob("*.yaml")), ids=lambda p: p.stem)
def test_validation_corpus_passes(path):
    site = pvyield.load_site(path)
    frame, meta = weather_for_site(site)
    _, decided = gate.check(frame, meta, site.weather.accept, path.name)
    assert decided.refused == ()


def test_report_of_an_accepted_partial_year_says_so(sam, tmp_path, capsys):
    weather = write_sam(tmp_path, sam, january_to_june(sam[1]))
    site = write_site(tmp_path, weather, accept=[
        {"finding": "coverage", "reason": "six months measured on site"}])
    assert main(["report", str(site), "--out", str(tmp_path / "reports")]) == 0
    markdown = next((tmp_path / "reports").glob("*.md")).read_text(encoding="utf-8")
    assert "Not an annual estimate" in markdown and "Annual energy at the grid" not in markdown
    assert "six months measured on site" in markdown


def test_batch_chunk_checks_each_frame_once(monkeypatch):
    # two seats x two designs: the designs of a seat share one frame, so the checks run
    # once per seat, and the synthetic years (made in the chunk) are not fingerprinted;
    # every run gets its seat's verdict
    from pvyield.batch.runner import RunSpec, run_chunk
    from pvyield.site.load import read_mapping

    template = read_mapping(Path(__file__).resolve().parent.parent / "benchmarks"
                            / "brazil-screening" / "template.yaml")
    specs = []
    for name, lat, lon, tz in (("Mauriti", -7.39, -38.77, "America/Fortaleza"),
                               ("Manaus", -3.1, -60.02, "America/Manaus")):
        for tilt in (5, 25):
            mapping = {**template, "name": name, "latitude": lat, "longitude": lon,
                       "timezone": tz, "weather": {"source": "labren"}}
            mapping["plant"] = {**template["plant"], "mounting": {
                "type": "fixed", "orientations": [{"tilt_deg": tilt, "azimuth_deg": 0}]}}
            specs.append(RunSpec(name, f"tilt {tilt}", "<test>", mapping))
    checks, prints = [], []
    monkeypatch.setattr(gate, "qc_report", lambda *a: checks.append(a[1]) or qc_report(*a))
    real_fingerprint = gate.fingerprint
    monkeypatch.setattr(gate, "fingerprint",
                        lambda f: prints.append(1) or real_fingerprint(f))
    monkeypatch.setattr(gate, "_CACHE", type(gate._CACHE)())
    records = run_chunk(specs)
    assert [r["status"] for r in records] == ["ok"] * 4, records
    assert len(checks) == 2 and len(set(checks)) == 2 and prints == []
    assert gate._SEEN.get() is None  # identity is trusted inside the chunk only
    # outside the chunk the fingerprint decides: a changed frame is checked again
    frame, meta = pvyield.weather.weather_for_site(site_from_mapping(specs[0].mapping))
    first = gate.qc_for(frame, meta)
    frame.iloc[5, frame.columns.get_loc("wind_speed")] = -3.0
    assert "wind_negative" in {f.code for f in gate.qc_for(frame, meta).flags}
    assert "wind_negative" not in {f.code for f in first.flags}


def test_dark_daytime_share_is_the_clear_sky_share_by_hand():
    """A zeroed month is refused with the share of the year's clear-sky irradiation it
    holds, computed here from pvlib directly (Ineichen, climatological Linke turbidity);
    a zeroed day of the same file is below the warning share and passes unflagged."""
    import pvlib

    frame, meta = read_weather_file(EXPLORADOR, "sam_csv", "center")
    july = frame.index.month == 7
    report = qc_report(frame.assign(ghi=frame["ghi"].where(~july, 0.0)), meta.latitude,
                       meta.longitude, meta.elevation_m)
    flag = next(f for f in report.flags if f.code == "dark_daytime")
    location = pvlib.location.Location(meta.latitude, meta.longitude,
                                       altitude=meta.elevation_m)
    solpos = location.get_solarposition(frame.index)
    clear = location.get_clearsky(frame.index, solar_position=solpos)["ghi"].to_numpy()
    dark = july & (solpos["elevation"].to_numpy() > 15)
    share = clear[dark].sum() / clear.sum()
    assert flag.severity == "error" and flag.count == int(dark.sum())
    assert f"{share:.1%} of the series' clear-sky irradiation" in flag.message
    one_day = (frame.index.month == 7) & (frame.index.day == 10)
    report = qc_report(frame.assign(ghi=frame["ghi"].where(~one_day, 0.0)), meta.latitude,
                       meta.longitude, meta.elevation_m)
    assert "dark_daytime" not in {f.code for f in report.flags}


def test_a_pvgis_tmy_with_a_three_day_hole_is_estimated_with_a_warning():
    """The recorded PVGIS TMY (45 N, 8 E) has 40 daytime hours of zeros (three days of May
    among them): 1.3 % of its clear-sky irradiation, a warning, not a refusal."""
    path = (Path(__file__).resolve().parent / "data" / "recorded"
            / "tmy_45.000_8.000_2005_2023.csv")
    frame, meta = read_weather_file(path, "auto", None)
    report = qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m)
    flag = next(f for f in report.flags if f.code == "dark_daytime")
    assert flag.severity == "warning" and flag.count == 40
    assert "1.3% of the series' clear-sky irradiation" in flag.message


def test_dark_daytime_can_be_accepted_with_a_reason(sam, tmp_path):
    weather = write_sam(tmp_path, sam, july_written_as_zeros(sam[1]))
    accept = [{"finding": "dark_daytime", "reason": "July lost to a logger fault; known"}]
    site = write_site(tmp_path, weather, accept=accept)
    out = tmp_path / "r.json"
    assert main(["estimate", str(site), "--out", str(out), "--quiet", "--no-reconcile"]) == 0
    result = json.loads(out.read_text())["sites"][0]
    assert "dark_daytime" in result["weather"]["qc"]["accepted"]
    assert any("July lost to a logger fault" in w for w in result["weather"]["warnings"])


def test_weather_of_another_region_is_refused_unless_accepted(tmp_path, capsys):
    """The Palmdale TMY3 for a site in Chile: 9,000 km off, refused by name with the
    distance; accepted with a reason, estimated, and the reason is listed."""
    site = write_site(tmp_path, PALMDALE)
    err = refused(capsys, site, tmp_path / "r.json")
    assert "weather refused, distance: the weather's location (34.63, -118.1) is" in err
    assert "km from the site (more than 250 km)" in err
    accept = [{"finding": "distance", "reason": "a test of the gate, not an estimate"}]
    site = write_site(tmp_path, PALMDALE, name="accepted.yaml", accept=accept)
    out = tmp_path / "a.json"
    assert main(["estimate", str(site), "--out", str(out), "--quiet", "--no-reconcile"]) == 0
    result = json.loads(out.read_text())["sites"][0]
    assert "distance" in result["weather"]["qc"]["accepted"]
    # near enough: the Palmdale site itself passes without the finding
    near = write_site(tmp_path, PALMDALE, name="near.yaml", chile=False)
    out = tmp_path / "n.json"
    assert main(["estimate", str(near), "--out", str(out), "--quiet", "--no-reconcile"]) == 0
    flags = json.loads(out.read_text())["sites"][0]["weather"]["qc"]["flags"]
    assert "distance" not in {f["code"] for f in flags}
