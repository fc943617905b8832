"""Time handling of the two reference plants' weather: the sun peaks where it should."""

from __future__ import annotations

import pandas as pd
import pvlib
import pytest

import pvyield
from pvyield.weather import weather_for_site
from pvyield.weather.qc import time_shift_minutes
from pvyield.weather.readers import read_weather_file

from .conftest import WEATHER

EXPLORADOR = WEATHER / "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv"


@pytest.fixture(scope="module", params=["mauriti.yaml", "ceme1.yaml"])
def site_weather(request):
    site = pvyield.load_site(WEATHER.parent / "sites" / request.param)
    return weather_for_site(site)


def test_clear_sky_peak_within_30_minutes_of_solar_noon(site_weather):
    """On clear days, measured GHI peaks within 30 min of the clear-sky model's peak."""
    frame, meta = site_weather
    shift = time_shift_minutes(frame, meta.latitude, meta.longitude, meta.elevation_m)
    assert abs(shift) <= 30.0


def test_brightest_hour_brackets_true_solar_noon(site_weather):
    """Independent of the clear-sky model: on the clearest days, the mean time of the two
    brightest hours lies within 30 min of solar noon (pvlib's transit time)."""
    frame, meta = site_weather
    daily = frame["ghi"].groupby(frame.index.date).sum()
    days = daily.sort_values().index[-20:]
    gaps = []
    for day in days:
        values = frame["ghi"][frame.index.date == day]
        top = values.nlargest(2)
        peak = top.index[0] + (top.index[1] - top.index[0]) * (top.iloc[1] / top.sum())
        transit = pvlib.solarposition.sun_rise_set_transit_spa(
            pd.DatetimeIndex([values.index[0].normalize()]), meta.latitude, meta.longitude
        )["transit"].iloc[0]
        gaps.append((peak - transit).total_seconds() / 60.0)
    assert abs(pd.Series(gaps).median()) <= 30.0


def test_shift_detector_sees_a_one_hour_error(site_weather):
    """The check could fail: the same series with stamps one hour late shows +60 min."""
    frame, meta = site_weather
    late = frame.copy()
    late.index = late.index + pd.Timedelta(hours=1)
    shift = time_shift_minutes(late, meta.latitude, meta.longitude, meta.elevation_m)
    assert shift == pytest.approx(60.0, abs=10.0)


def test_explorador_file_is_local_standard_time_with_centred_stamps():
    frame, meta = read_weather_file(EXPLORADOR, "sam_csv", label="center")
    assert str(frame.index.tz) == "Etc/GMT+4"  # UTC-4, sign inverted by IANA convention
    assert frame.index[0] == pd.Timestamp("2019-01-01 00:00", tz="Etc/GMT+4")
    # the same values read as interval starts move by half an hour and show it
    start, _ = read_weather_file(EXPLORADOR, "sam_csv", label="start")
    assert start.index[0] - frame.index[0] == pd.Timedelta(minutes=30)
    assert time_shift_minutes(start, meta.latitude, meta.longitude, meta.elevation_m) == (
        pytest.approx(30.0, abs=10.0)
    )


def test_explorador_values_and_annual_sum_match_the_file():
    """Reader output equals the raw file: a known row and the annual GHI (hand sum)."""
    raw = pd.read_csv(EXPLORADOR, skiprows=2)
    frame, _ = read_weather_file(EXPLORADOR, "sam_csv", label="center")
    assert frame["ghi"].sum() / 1000 == pytest.approx(raw["GHI"].sum() / 1000, rel=1e-9)
    noon = raw[(raw.Month == 1) & (raw.Day == 15) & (raw.Hour == 12)].iloc[0]
    row = frame.loc[pd.Timestamp("2019-01-15 12:00", tz="Etc/GMT+4")]
    assert row["ghi"] == noon["GHI"] and row["temp_air"] == noon["Tdry"]
    assert row["pressure"] == pytest.approx(noon["Pres"] * 100.0)  # mbar -> Pa


def test_sam_csv_without_label_is_refused():
    with pytest.raises(pvyield.WeatherError, match=r"weather\.label"):
        read_weather_file(EXPLORADOR, "sam_csv")


def test_ceme1_temperature_is_moved_down_435_m(ceme1_path):
    """Station 1,635 m, site 1,200 m: +2.83 °C with the 6.5 °C/km lapse rate."""
    site = pvyield.load_site(ceme1_path)
    frame, meta = weather_for_site(site)
    raw, _ = read_weather_file(EXPLORADOR, "sam_csv", label="center")
    delta = (frame["temp_air"] - raw["temp_air"]).to_numpy()
    assert delta == pytest.approx(6.5 * 0.435, abs=1e-9)
    assert meta.elevation_difference_m == 435.0
    assert any("+2.83" in c for c in meta.corrections)


def test_tmy3_end_of_hour_stamps_move_to_centres():
    frame, meta = read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3")
    raw = pvlib.iotools.read_tmy3(str(WEATHER / "CA-Palmdale_Airport.tmy3"), map_variables=True)[0]
    assert frame.index[0].strftime("%m-%d %H:%M") == "01-01 00:30"
    assert frame.index[-1].strftime("%m-%d %H:%M") == "12-31 23:30"
    assert frame["ghi"].sum() == pytest.approx(raw["ghi"].sum())
    assert abs(time_shift_minutes(frame, meta.latitude, meta.longitude, meta.elevation_m)) < 15
