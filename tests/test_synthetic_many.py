"""Weather for many sites at once: the same numbers as one site at a time, faster."""

from __future__ import annotations

import numpy as np
import pytest

from pvyield.errors import WeatherError
from pvyield.weather import climatology
from pvyield.weather.climatology import (
    LABREN_PATH,
    labren_municipality,
    labren_nearest,
    labren_nearest_many,
    read_labren,
)
from pvyield.weather.frame import haversine_km


def _nearest_by_full_scan(table, latitude: float, longitude: float):
    """The look-up as it was: great-circle distance to every seat of the table."""
    distance = haversine_km(latitude, longitude, table["latitude"].to_numpy(),
                            table["longitude"].to_numpy())
    i = int(np.argmin(distance))
    return table.iloc[i], float(distance[i])


def test_nearest_seat_many_is_the_full_scan_of_the_table():
    rng = np.random.default_rng(3)
    table = read_labren(LABREN_PATH)
    seats = table.sample(40, random_state=1)
    # points at seats, near them, between them, and outside Brazil (Atlantic, Chile, Lisbon)
    lats = np.r_[seats["latitude"], rng.uniform(-33.7, 5.2, 120), -20.0, -22.9, 38.7, 0.0]
    lons = np.r_[seats["longitude"], rng.uniform(-73.9, -34.8, 120), -20.0, -69.9, -9.1, 0.0]
    found = labren_nearest_many(lats, lons)
    assert len(found) == len(lats)
    for lat, lon, got in zip(lats, lons, found, strict=True):
        row, distance = _nearest_by_full_scan(table, lat, lon)
        if distance > climatology.LABREN_MAX_DISTANCE_KM:
            assert isinstance(got, WeatherError)
            assert "LABREN covers Brazil only" in str(got)
            continue
        assert got.distance_km == distance  # same formula, same seat: bit for bit
        assert (got.latitude, got.longitude) == (row["latitude"], row["longitude"])
        np.testing.assert_array_equal(got.ghi_kwh_m2_day, row[climatology.MONTHS].to_numpy(
            dtype=float))
        single = labren_nearest(lat, lon)
        assert (single.source, single.distance_km) == (got.source, got.distance_km)
    with pytest.raises(WeatherError, match="LABREN covers Brazil only"):
        labren_nearest(38.7, -9.1)
    assert labren_nearest_many([], []) == []


def test_table_is_read_once_per_process(monkeypatch):
    climatology._labren_index(LABREN_PATH)  # warm
    calls = []
    monkeypatch.setattr(climatology, "read_labren",
                        lambda path: calls.append(path) or read_labren(path))
    labren_nearest(-7.37, -38.79)
    labren_municipality("Petrolina, PE")
    labren_nearest_many([-9.4, -23.5], [-40.5, -46.6])
    assert calls == []
    assert labren_municipality("petrolina, pe").source.startswith("LABREN 2017 monthly GHI "
                                                                  "of Petrolina (PE)")
