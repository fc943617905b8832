"""Properties of the input readers, shared by the tests (a few hundred examples) and
``benchmarks/fuzz_inputs.py`` (tens of thousands): whatever the bytes, a reader returns a
valid object or raises pvyield's own error, never anything else.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from pvyield.batch.runner import run_specs
from pvyield.batch.scenario import load_scenario
from pvyield.errors import PvyieldError, SiteError, WeatherError
from pvyield.site import load_site, site_from_mapping
from pvyield.weather.readers import READERS, read_weather_file
from tests.badinputs.inputs import NSRDB, TMY3, sam_csv, scenario_yaml, site, site_yaml

VALID_SITE_YAML = site_yaml()
VALID_SAM = sam_csv(rows=30)
VALID_SCENARIO = scenario_yaml(["a.yaml", "b.yaml"], {"plant.bifaciality": [0.0, 0.7],
                                                      "plant.mounting": {"as-built": None}},
                               chunk_size=1)
NSRDB_HEAD = "\n".join(NSRDB.read_text(encoding="utf-8").splitlines()[:40]) + "\n"
TMY3_HEAD = "\n".join(TMY3.read_text(encoding="utf-8").splitlines()[:40]) + "\n"

# -- strategies ------------------------------------------------------------------------------

#: Values a YAML or TOML file can hold, the awkward ones included.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=60),
    st.sampled_from(["", "America", "UTC", "Etc/GMT+4", "2024-13-45", "2024-02-29", ".nan",
                     "fixed", "single_axis", "=HYPERLINK()", "<script>"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=14), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=30)

#: Dotted paths of the base site that a mutation may replace (or delete with None).
SITE_PATHS = ["name", "country", "region", "latitude", "longitude", "elevation_m", "timezone",
              "plant", "plant__dc_capacity_mwp", "plant__ac_capacity_mwac",
              "plant__bifaciality", "plant__mounting", "plant__mounting__type",
              "plant__mounting__orientations", "plant__mounting__gcr", "losses",
              "weather", "weather__label", "weather__synthetic", "reported",
              "reported__0__date", "reported__0__value", "households", "uncertainty",
              "sources", "assumptions"]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """A valid text with a few characters inserted, deleted or replaced."""
    chars = list(text)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        where = draw(st.integers(min_value=0, max_value=max(len(chars) - 1, 0)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        piece = draw(st.text(max_size=8) | st.sampled_from(
            ["\n", ":", "- ", "[", "{", "&a", "*a", "\t", "\x00", ",", '"', "nan", "inf",
             "\r\n", "#", "?", "!!", "<<: *a"]))
        if action == "insert":
            chars[where:where] = list(piece)
        elif action == "delete":
            del chars[where:where + len(piece) + 1]
        elif action == "replace":
            chars[where:where + 1] = list(piece)
        else:
            chars = chars[:where]
    return "".join(chars)


@st.composite
def site_mappings(draw: st.DrawFn) -> dict[str, Any]:
    """The base site with one to three fields replaced by arbitrary values."""
    changes = {draw(st.sampled_from(SITE_PATHS)): draw(values)
               for _ in range(draw(st.integers(min_value=1, max_value=3)))}
    try:
        return site(**changes)
    except (KeyError, IndexError, TypeError, ValueError):  # an earlier change moved the parent
        return site()


@st.composite
def sam_files(draw: st.DrawFn) -> str:
    """A small SAM CSV file with a few cells or header fields replaced."""
    columns = ["Year", "Month", "Day", "Hour", "Minute", "GHI", "DNI", "DHI", "Tdry", "Wspd",
               "Pres"]
    cells = {(draw(st.integers(0, 29)), draw(st.sampled_from(columns))):
             draw(st.text(max_size=12) | st.sampled_from(["nan", "inf", "-1e308", "1e400",
                                                           "", "2019", "13", "-4"]))
             for _ in range(draw(st.integers(0, 4)))}
    header = {draw(st.sampled_from(["Latitude", "Longitude", "Time Zone", "Elevation"])):
              draw(st.text(max_size=8) | st.sampled_from(["nan", "inf", "99", "-4.5"]))
              for _ in range(draw(st.integers(0, 2)))}
    return sam_csv(rows=draw(st.integers(0, 30)), cell=cells, header=header)


# -- properties ------------------------------------------------------------------------------

def _in_file(content: str | bytes, suffix: str, check: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        check(path)


def site_file_reads_or_raises_site_error(content: str | bytes, suffix: str = ".yaml") -> None:
    """Loading any file as a site gives a valid Site or a SiteError."""
    def check(path: Path) -> None:
        try:
            site_obj = load_site(path)
        except SiteError as exc:
            assert str(exc).startswith(str(path)), str(exc)[:200]
            assert len(str(exc)) < 20_000
            return
        _assert_finite_site(site_obj)
    _in_file(content, suffix, check)


def site_mapping_validates_or_raises_site_error(mapping: dict[str, Any]) -> None:
    """Validating any mapping gives a valid Site (finite numbers) or a SiteError."""
    try:
        site_obj = site_from_mapping(mapping, source="fuzz.yaml")
    except SiteError as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)[:200]
        return
    _assert_finite_site(site_obj)


def _assert_finite_site(site_obj: Any) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, float):
            assert math.isfinite(value), value
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(site_obj.model_dump())


def scenario_loads_or_raises_site_error(text: str) -> None:
    """Loading any scenario file gives a study or a SiteError; its site files are read
    (bad ones become invalid runs), and every run gets a label."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "a.yaml").write_text(VALID_SITE_YAML, encoding="utf-8")
        Path(folder, "b.yaml").write_text("name: [", encoding="utf-8")
        path = Path(folder) / "study.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            study = load_scenario(path)
        except SiteError as exc:
            assert str(exc).startswith(str(Path(folder))), str(exc)[:200]
            return
        labels = [s.label for s in study.sites]
        assert len(labels) == len(set(labels))
        assert len({d.name for d in study.designs}) >= 1
        # every run is specified (overrides applied) without running the model
        specs = [spec for chunk in run_specs(study) for spec in chunk]
        assert len(specs) == len(study.sites) * len(study.designs)


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """Scenario files whose matrix keys and values are arbitrary."""
    import yaml

    keys = st.sampled_from(["plant.bifaciality", "plant.mounting", "plant.mounting.gcr",
                            "name", "name.x", "plant", "losses.soiling_pct", "weather",
                            "weather.label", "reported", "weather_source", "sources.x",
                            "plant.mounting.orientations.0.tilt_deg", ""]) | st.text(
        max_size=20)
    matrix = draw(st.dictionaries(keys, st.lists(values, min_size=0, max_size=3) | st.dictionaries(
        st.text(max_size=5), values, max_size=3), max_size=3))
    extra = draw(st.dictionaries(st.sampled_from(["chunk_size", "weather_sources", "name"]),
                                 values, max_size=2))
    data = {"name": "s", "sites": ["a.yaml", "b.yaml"], "matrix": matrix, **extra}
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return VALID_SCENARIO


def weather_file_reads_or_raises_weather_error(content: str | bytes, fmt: str = "auto",
                                               suffix: str = ".csv") -> None:
    """Reading any file as weather gives a frame under the contract or a PvyieldError."""
    def check(path: Path) -> None:
        label = "center" if fmt in ("auto", "sam_csv") else None
        try:
            frame, meta = read_weather_file(path, fmt, label)
        except WeatherError as exc:
            assert str(path) in str(exc) or "time stamps" in str(exc), str(exc)[:200]
            return
        except PvyieldError:
            return
        assert len(frame) >= 2
        assert frame.index.tz is not None
        assert frame.index.is_monotonic_increasing and not frame.index.has_duplicates
        assert all(frame[c].dtype == float for c in frame.columns)
        assert math.isfinite(meta.latitude) and -90 <= meta.latitude <= 90
    _in_file(content, suffix, check)


FORMATS = sorted(READERS)

#: A generic CSV file and the mapping that reads it (pvyield.weather.generic).
GENERIC_CSV = "time,G,B,D,T,W\n" + "".join(
    f"2019-01-01 {h:02d}:00,{max(0, 800 - 100 * abs(h - 12))},{max(0, 700 - 100 * abs(h - 12))},"
    f"{max(0, 100 - 10 * abs(h - 12))},{15 + h / 2},{2 + h / 10}\n" for h in range(24))


def generic_csv_reads_or_raises_weather_error(text: str) -> None:
    """The generic CSV reader gives a frame under the contract or a WeatherError."""
    from pvyield.weather.generic import CsvMapping, read_generic_csv

    mapping = CsvMapping(time_column="time", timezone="Etc/GMT+4", label="end",
                         columns={"ghi": "G", "dni": "B", "dhi": "D", "temp_air": "T",
                                  "wind_speed": "W"},
                         units={"ghi": "Wh/m2", "temp_air": "K"},
                         latitude=-22.9, longitude=-69.9, elevation_m=1600.0)

    def check(path: Path) -> None:
        try:
            frame, _ = read_generic_csv(path, mapping)
        except WeatherError as exc:
            assert str(path) in str(exc), str(exc)[:200]
            return
        assert len(frame) >= 2 and frame.index.is_monotonic_increasing
        assert all(frame[c].dtype == float for c in frame.columns)
    _in_file(text, ".csv", check)
