"""Weather: readers, the synthetic generator and placing a series at a site.

Every path ends in the same contract (:mod:`pvyield.weather.frame`): a frame with pvlib's
column names and tz-aware stamps at interval centres, and a :class:`WeatherMeta`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from pvyield.site.schema import Site
from pvyield.weather.frame import WeatherMeta, haversine_km
from pvyield.weather.readers import read_weather_file
from pvyield.weather.synthetic import synthetic_year

__all__ = ["WeatherMeta", "read_weather_file", "synthetic_year", "weather_for_site"]


def weather_for_site(site: Site) -> tuple[pd.DataFrame, WeatherMeta]:
    """The weather series a site file names, moved to the site.

    Reads the file (or synthesises the year), then corrects the air temperature for the
    elevation difference between the series and the site with the site's lapse rate, and
    records distance and elevation difference in the metadata.

    Returns
    -------
    frame, meta
        Frame under the weather contract and its metadata, including every correction.
    """
    spec = site.weather
    if spec.file is not None:
        frame, meta = read_weather_file(_resolve(site, spec.file), spec.format, spec.label)
        temp_elevation = meta.elevation_m
    else:
        climate = spec.synthetic
        place = climate.ghi_location
        frame, meta = synthetic_year(
            site.latitude, site.longitude, site.elevation_m, site.timezone,
            climate.ghi_kwh_m2_day, climate.temp_air_c, climate.temp_range_c,
            climate.wind_speed_m_s, seed=climate.seed, source=climate.source,
        )
        if place is not None:
            meta = dataclasses.replace(meta, latitude=place.latitude,
                                       longitude=place.longitude,
                                       elevation_m=place.elevation_m)
        station = climate.temperature_station
        temp_elevation = station.elevation_m if station is not None else site.elevation_m
    meta = dataclasses.replace(
        meta,
        licence=spec.attribution or meta.licence,
        distance_km=haversine_km(site.latitude, site.longitude, meta.latitude, meta.longitude),
        elevation_difference_m=meta.elevation_m - site.elevation_m,
    )
    return _lapse_rate_correction(frame, meta, temp_elevation - site.elevation_m,
                                  spec.temperature_lapse_rate_c_per_km)


def _resolve(site: Site, relative: str) -> Path:
    path = Path(relative)
    if path.is_absolute() or site.path is None:
        return path
    return Path(site.path).parent / path


def _lapse_rate_correction(
    frame: pd.DataFrame, meta: WeatherMeta, height_m: float, lapse_c_per_km: float
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Warm (or cool) the air temperature of a series measured ``height_m`` above the site."""
    delta = lapse_c_per_km * height_m / 1000.0
    if abs(delta) < 0.05:
        return frame, meta
    frame = frame.copy()
    frame["temp_air"] = frame["temp_air"] + delta
    text = (f"temp_air {delta:+.2f} °C: temperature measured {height_m:+.0f} m relative to "
            f"the site, lapse rate {lapse_c_per_km:g} °C/km")
    return frame, meta.with_correction(text)
