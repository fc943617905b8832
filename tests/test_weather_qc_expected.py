"""The weather checks find exactly what they found when pvlib computed the sun and the clear
sky per series: on every weather file of the repository and on faulty copies of three
(``tests/data/qc_expected``), and against pvlib called directly (``sky_pvlib``)."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

from pvyield.weather import qc
from pvyield.weather.qc import (
    Sky,
    clear_sky_ghi,
    qc_report,
    sky_fast,
    sky_pvlib,
    time_shift_minutes,
)

HERE = Path(__file__).resolve().parent / "data" / "qc_expected"


def _module():
    spec = importlib.util.spec_from_file_location("qc_expected_cases", HERE / "make_expected.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CASES = _module()


@pytest.fixture(scope="module")
def cases():
    logging.disable(logging.WARNING)
    try:
        return list(CASES.cases())
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def expected():
    return json.loads((HERE / "expected.json").read_text(encoding="utf-8"))


def test_findings_equal_those_of_the_per_series_pvlib_checks(cases, expected):
    # expected.json was written by the checks computing pvlib's SPA and clear sky per
    # series: codes, severities, messages and counts must not move; the shift [min] only
    # by rounding
    assert {name for name, *_ in cases} == set(expected)
    assert sum(bool(e["flags"]) for e in expected.values()) >= 30  # faults are found
    for name, frame, latitude, longitude, elevation in cases:
        report = qc_report(frame, latitude, longitude, elevation)
        got = CASES.findings(report)
        assert got["flags"] == expected[name]["flags"], name
        if expected[name]["time_shift_minutes"] is None:
            assert got["time_shift_minutes"] is None, name
        else:
            np.testing.assert_allclose(got["time_shift_minutes"],
                                       expected[name]["time_shift_minutes"], atol=1e-6,
                                       err_msg=name)


def _worst(a: Sky, b: Sky) -> tuple[float, float, float]:
    return (float(np.abs(a.zenith - b.zenith).max()),
            float(np.abs(a.clear_ghi - b.clear_ghi).max()),
            float(np.abs(a.extra_normal - b.extra_normal).max()))


@pytest.mark.parametrize("name", ["weather/CA-Palmdale_Airport.tmy3",
                                  "weather/CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv",
                                  "tests/data/recorded/test_read_psm3.csv"])
def test_sky_equals_pvlib_called_directly(cases, name):
    frame, latitude, longitude, elevation = next(c[1:] for c in cases if c[0] == name)
    fast = sky_fast(frame.index, latitude, longitude, elevation)
    solpos = pvlib.solarposition.get_solarposition(frame.index, latitude, longitude,
                                                   elevation)
    reference = Sky(solpos["zenith"].to_numpy(),
                    clear_sky_ghi(frame.index, latitude, longitude, elevation).to_numpy(),
                    pvlib.irradiance.get_extra_radiation(frame.index).to_numpy())
    zenith, clear, extra = _worst(fast, reference)
    assert zenith < 1e-8  # degrees
    assert clear < 1e-6  # W/m^2
    assert extra == 0.0
    assert _worst(sky_pvlib(frame.index, latitude, longitude, elevation), reference) == (
        0.0, 0.0, 0.0)


@pytest.mark.parametrize("compiled", [False, True])
def test_sky_of_shared_stamps_at_other_sites(compiled):
    # the time terms are kept per set of stamps: other sites on the same stamps, in another
    # year and time zone, with a leap day, must still get pvlib's sun and Linke turbidity,
    # by pvlib's SPA steps and by the engine's compiled ones
    times = pd.date_range("2024-01-01 00:30", periods=366 * 24, freq="h", tz="Etc/GMT+3")
    base = qc._time_base(times)
    for latitude, longitude, elevation in ((-3.1, -60.0, 40.0), (-30.0, -51.2, 10.0),
                                           (-15.8, -47.9, 1170.0), (52.5, 13.4, 0.0)):
        solpos = pvlib.solarposition.get_solarposition(times, latitude, longitude,
                                                       elevation)
        zenith, apparent = qc._zeniths(base, latitude, longitude, elevation, compiled)
        assert np.abs(zenith - solpos["zenith"].to_numpy()).max() < 1e-8  # degrees
        assert np.abs(apparent - solpos["apparent_zenith"].to_numpy()).max() < 1e-8
        zenith, clear, extra = _worst(sky_fast(times, latitude, longitude, elevation),
                                      sky_pvlib(times, latitude, longitude, elevation))
        assert zenith < 1e-8 and clear < 1e-6 and extra == 0.0


def test_reference_path_gives_the_same_report(cases):
    # the reference path stays callable and agrees, faults included
    for name, frame, latitude, longitude, elevation in cases:
        if not name.startswith("weather/CA-Palmdale_Airport.tmy3#"):
            continue
        fast = qc_report(frame, latitude, longitude, elevation)
        slow = qc_report(frame, latitude, longitude, elevation, sky=sky_pvlib)
        assert fast.flags == slow.flags, name
        assert fast.coverage == slow.coverage, name
        np.testing.assert_allclose(fast.time_shift_minutes, slow.time_shift_minutes,
                                   atol=1e-6)


def test_time_shift_of_unsorted_stamps_as_sorted(cases):
    # time_shift_minutes is public: a frame out of order gets the shift of the sorted one
    frame, latitude, longitude, elevation = next(
        c[1:] for c in cases if c[0] == "weather/CA-Palmdale_Airport.tmy3")
    shuffled = pd.concat([frame.iloc[5000:], frame.iloc[:5000]])
    late = frame.copy()
    late.index = frame.index + pd.Timedelta(hours=1)
    assert abs(time_shift_minutes(shuffled.sort_index(), latitude, longitude, elevation)
               - time_shift_minutes(frame, latitude, longitude, elevation)) < 1e-9
    np.testing.assert_allclose(time_shift_minutes(late, latitude, longitude, elevation), 60,
                               atol=10)
