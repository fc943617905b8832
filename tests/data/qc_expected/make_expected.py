"""The weather checks' findings on the repository's weather files, as a given ``qc.py`` makes
them: the expectations ``tests/test_weather_qc_expected.py`` holds the checks to.

Cases: every weather file of the repository that the readers take (``weather/``,
``weather/validation/``, ``tests/data/recorded/``, ``tests/data/weather/``) as read, and
faulty copies of three of them made in code (:func:`faults`): stamps an hour late, local
time labelled UTC, kW/m^2, Kelvin, negated irradiance, holes, repeated and missing values,
negative wind, spikes, a DNI column that does not close, half a year. The findings
(code, severity, message, count) and the time shift of each are written to
``expected.json``.

``expected.json`` is made with pvlib's SPA and ``Location.get_clearsky`` per series
(``qc.sky_pvlib``), so that the checks' own fast sun (``qc.sky_fast``) is held to it. It was
first made by the checks as they were before that fast sun existed::

    git show <commit before>:pvyield/weather/qc.py > /tmp/qc_before.py
    .venv/bin/python tests/data/qc_expected/make_expected.py --qc /tmp/qc_before.py

and made again, with ``sky_pvlib``, when the closure error and the dark-daytime finding
were added (``.venv/bin/python tests/data/qc_expected/make_expected.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
FOLDERS = ("weather", "weather/validation", "tests/data/recorded", "tests/data/weather")
#: Files faulty copies are made of: a TMY3, a PSM3 year in UTC, a two-year PSM3 series.
FAULTED = ("weather/CA-Palmdale_Airport.tmy3",
           "weather/CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv",
           "tests/data/recorded/test_read_psm3.csv")


def weather_files() -> Iterator[tuple[str, pd.DataFrame, float, float, float]]:
    """(name, frame, latitude, longitude, elevation [m]) of every file the readers take."""
    sys.path.insert(0, str(ROOT))
    from pvyield.errors import PvyieldError
    from pvyield.weather.readers import read_weather_file

    for folder in FOLDERS:
        for path in sorted((ROOT / folder).iterdir()):
            if path.suffix in (".md", ".py", "") or not path.is_file():
                continue
            try:
                frame, meta = read_weather_file(path)[:2]
            except PvyieldError:  # not a weather file, or one the readers refuse
                continue
            elevation = 0.0 if math.isnan(meta.elevation_m) else meta.elevation_m
            yield (str(path.relative_to(ROOT)), frame, meta.latitude, meta.longitude,
                   elevation)


def faults(frame: pd.DataFrame) -> dict[str, Callable[[], pd.DataFrame]]:
    """Faulty copies of a frame, each made in code."""
    n = len(frame)

    def late():
        out = frame.copy()
        out.index = frame.index + pd.Timedelta(hours=1)
        return out

    def utc_label():
        out = frame.copy()
        out.index = frame.index.tz_localize(None).tz_localize("UTC")
        return out

    def repeated():
        return pd.concat([frame.iloc[:100], frame.iloc[95:]])

    def unsorted():
        return pd.concat([frame.iloc[200:], frame.iloc[:200]])

    def missing():
        out = frame.copy()
        out.iloc[10:20, out.columns.get_loc("ghi")] = np.nan
        out.iloc[30, out.columns.get_loc("temp_air")] = np.inf
        return out

    def spikes():
        out = frame.copy()
        out.iloc[n // 3::997, out.columns.get_loc("ghi")] = 1900.0
        out.iloc[n // 2::1499, out.columns.get_loc("dni")] = -50.0
        return out

    def closure():
        out = frame.copy()
        out["dni"] = frame["dni"] * 1.3
        return out

    return {
        "late_1h": late,
        "local_as_utc": utc_label,
        "kw": lambda: frame.assign(ghi=frame["ghi"] / 1000.0, dni=frame["dni"] / 1000.0,
                                   dhi=frame["dhi"] / 1000.0),
        "kelvin": lambda: frame.assign(temp_air=frame["temp_air"] + 273.15),
        "negated": lambda: frame.assign(ghi=-frame["ghi"], dni=-frame["dni"],
                                        dhi=-frame["dhi"]),
        "holes": lambda: frame.drop(frame.index[100:400]),
        "small_holes": lambda: frame.drop(frame.index[1000:1030]),
        "repeated": repeated,
        "unsorted": unsorted,
        "missing": missing,
        "wind_negative": lambda: frame.assign(wind_speed=-frame["wind_speed"]),
        "spikes": spikes,
        "closure": closure,
        "half_year": lambda: frame.iloc[: n // 2],
        "dark": lambda: frame.assign(ghi=frame["ghi"] * 0.01),
    }


def cases() -> Iterator[tuple[str, pd.DataFrame, float, float, float]]:
    """Every case: the files as read, then the faulty copies."""
    for name, frame, latitude, longitude, elevation in weather_files():
        yield name, frame, latitude, longitude, elevation
        if name in FAULTED:
            for fault, make in faults(frame).items():
                yield f"{name}#{fault}", make(), latitude, longitude, elevation


def findings(report) -> dict:
    """A report as JSON: its flags and its time shift [min] (None when not measured)."""
    shift = report.time_shift_minutes
    return {"time_shift_minutes": None if math.isnan(shift) else shift,
            "flags": [[f.code, f.severity, f.message, f.count] for f in report.flags]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qc", type=Path, default=ROOT / "pvyield" / "weather" / "qc.py",
                        help="the qc.py whose findings to write")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("qc_under_test", args.qc)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    # the sun and clear sky from pvlib per series where the checks can take it
    kwargs = {"sky": module.sky_pvlib} if hasattr(module, "sky_pvlib") else {}
    out = {name: findings(module.qc_report(frame, lat, lon, elevation, **kwargs))
           for name, frame, lat, lon, elevation in cases()}
    target = HERE / "expected.json"
    target.with_suffix(".tmp").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    target.with_suffix(".tmp").replace(target)
    print(f"{len(out)} cases written to {target}")


if __name__ == "__main__":
    main()
