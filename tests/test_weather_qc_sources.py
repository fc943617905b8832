"""QC flags (time shift, time zone, kW), climatologies, inspect (online sources:
tests/test_weather_online.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import pvyield
from pvyield.cli import main
from pvyield.site import site_from_mapping
from pvyield.weather import weather_for_site
from pvyield.weather.climatology import LABREN_PATH
from pvyield.weather.generic import CsvMapping, read_generic_csv
from pvyield.weather.qc import qc_report, shift_stamps
from pvyield.weather.readers import read_weather_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "weather"
PALMDALE = ROOT / "weather" / "CA-Palmdale_Airport.tmy3"
LAT, LON, ELEV = 34.633, -118.083, 769.0


@pytest.fixture(scope="module")
def palmdale():
    return read_weather_file(PALMDALE)


def _codes(report):
    return {f.code for f in report.flags}


def test_clean_file_has_no_flags(palmdale):
    report = qc_report(palmdale[0], LAT, LON, ELEV)
    assert report.flags == () and abs(report.time_shift_minutes) < 10


def test_one_hour_shift_is_flagged_and_repaired(palmdale):
    frame, meta = palmdale
    late = frame.copy()
    late.index = frame.index + pd.Timedelta(hours=1)  # values stamped one hour late
    report = qc_report(late, LAT, LON, ELEV)
    assert "time_shift" in _codes(report)
    np.testing.assert_allclose(report.time_shift_minutes, 60, atol=10)
    fixed, fixed_meta = shift_stamps(late, meta, 60)
    assert abs(qc_report(fixed, LAT, LON, ELEV).time_shift_minutes) < 10
    assert "moved -60 min" in fixed_meta.corrections[0]


def test_local_time_read_as_utc_is_flagged_with_the_time_zone(palmdale):
    frame, _ = palmdale
    wrong = frame.copy()
    # local standard time (UTC-8) stamps labelled UTC: every stamp 8 h too early
    wrong.index = frame.index.tz_localize(None).tz_localize("UTC")
    report = qc_report(wrong, LAT, LON, ELEV)
    np.testing.assert_allclose(report.time_shift_minutes, -480, atol=15)
    assert "time_shift" in _codes(report)


def test_kw_file_is_flagged():
    mapping = CsvMapping(time_column="timestamp", timezone="Etc/GMT+8", label="end",
                         columns={"ghi": "GHI_kW", "dni": "DNI_kW", "dhi": "DHI_kW",
                                  "temp_air": "T_F", "wind_speed": "wind_kmh"},
                         latitude=LAT, longitude=LON, elevation_m=ELEV)  # units forgotten
    frame, _ = read_generic_csv(SAMPLES / "palmdale_generic_kw.csv", mapping)
    assert "units_kw" in _codes(qc_report(frame, LAT, LON, ELEV))


def test_impossible_values_are_flagged_not_changed(palmdale):
    frame = palmdale[0].copy()
    frame.loc[frame.index[12], "ghi"] = 2500.0
    frame.loc[frame.index[13], "dhi"] = -30.0
    frame.loc[frame.index[14:20], "dni"] = frame["dni"].iloc[14:20] * 3  # breaks closure
    before = frame.copy()
    codes = _codes(qc_report(frame, LAT, LON, ELEV))
    assert {"above_extraterrestrial", "negative"} <= codes
    pd.testing.assert_frame_equal(frame, before)


def test_gaps_and_duplicates_are_flagged(palmdale):
    frame = palmdale[0]
    holed = pd.concat([frame.iloc[:100], frame.iloc[110:], frame.iloc[[200]]])
    codes = _codes(qc_report(holed, LAT, LON, ELEV))
    assert {"gap", "duplicate_stamps", "non_monotonic"} <= codes


def _no_network(*args, **kwargs):
    raise requests.ConnectionError("network unreachable")


def _site(**weather):
    return site_from_mapping({
        "name": "test", "country": weather.pop("country", "BR"), "latitude": -9.39,
        "longitude": -40.50, "elevation_m": 380, "timezone": "America/Recife",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8,
                  "mounting": {"type": "fixed", "orientations": [
                      {"tilt_deg": 10, "azimuth_deg": 0}]}},
        **({"weather": weather} if weather else {})})


def test_coordinates_only_in_brazil_uses_labren_offline(monkeypatch):
    monkeypatch.setattr(requests, "get", _no_network)
    result = pvyield.estimate(_site())
    assert "LABREN" in result.weather.source and "Petrolina" in result.weather.source
    assert 1300 < result.specific_yield_kwh_per_kwp < 2300
    assert result.weather.synthetic


def test_municipality_name_gives_labren_means():
    frame, meta = weather_for_site(_site(municipality="Petrolina, PE"))
    labren = pd.read_csv(LABREN_PATH)
    row = labren[(labren.NAME == "Petrolina") & (labren.STATE == 16)].iloc[0]
    np.testing.assert_allclose(frame["ghi"].sum() / 365, row["ANNUAL"], rtol=0.01)
    assert meta.distance_km < 5


def test_merra2_states_its_bias():
    site = site_from_mapping({
        "name": "t", "country": "US", "latitude": 34.63, "longitude": -118.08,
        "elevation_m": 769, "timezone": "America/Los_Angeles",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8, "mounting": {
            "type": "fixed", "orientations": [{"tilt_deg": 30, "azimuth_deg": 180}]}}})
    _, meta = weather_for_site(site)
    assert "MERRA-2" in meta.source and any("+12.5 %" in w for w in meta.warnings)
    assert any("km from the site" in w for w in meta.warnings)  # cell centre is far


def test_inspect_json_has_the_documented_keys(capsys):
    assert main(["weather", "inspect", str(PALMDALE), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("format", "latitude", "longitude", "rows", "time_step_minutes",
                "annual_ghi_kwh_m2"):
        assert key in report
    assert report["qc"]["flags"] == [] and report["rows"] == 8760
    np.testing.assert_allclose(report["annual_ghi_kwh_m2"], 2111, rtol=0.01)


def test_inspect_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n")
    assert main(["weather", "inspect", str(bad)]) == 2
    assert "bad.csv" in capsys.readouterr().err
