"""Weather: readers, online sources, climatologies, quality checks and the synthetic year.

Every path ends in the same contract (:mod:`pvyield.weather.frame`): a frame with pvlib's
column names and tz-aware stamps at interval centres, and a :class:`WeatherMeta`.
:func:`load` is the one entry point; :func:`weather_for_site` does what a site file asks.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pvyield.errors import PvyieldError, WeatherError
from pvyield.site.schema import Site
from pvyield.weather import online
from pvyield.weather.climatology import (
    MonthlyGhi,
    labren_municipality,
    labren_nearest,
    labren_nearest_many,
    merra2_monthly,
)
from pvyield.weather.frame import WeatherMeta, haversine_km
from pvyield.weather.qc import QcReport, qc_report
from pvyield.weather.readers import read_weather_file
from pvyield.weather.synthetic import (
    SyntheticRequest,
    synthetic_year,
    synthetic_years,
    synthetic_years_many,
)

__all__ = ["QcReport", "WeatherMeta", "load", "qc_report", "read_weather_file",
           "synthetic_year", "synthetic_years", "weather_for_site", "weather_for_sites",
           "weather_path"]

log = logging.getLogger(__name__)

#: Beyond this distance between the weather's location and the site, a warning is given.
DISTANCE_WARNING_KM = 50.0
#: Air temperature assumed when a climatology gives irradiance only [°C]: a round value
#: typical of low-latitude plants; each °C moves energy by about 0.35-0.4 %.
DEFAULT_TEMP_AIR_C = 25.0
CLIMATOLOGIES = ("labren", "merra2")
_MUNICIPALITY = re.compile(r"^[^,/\\]+,\s*[A-Za-z]{2}$")


def load(source: str | Path, site: Site | None = None) -> tuple[pd.DataFrame, WeatherMeta]:
    """Load weather from a file, a named source or a Brazilian municipality.

    Parameters
    ----------
    source : str or Path
        A weather file (format detected from its content); ``'labren'`` or ``'merra2'``
        (offline monthly means at the site, synthesised into a year); one of
        :data:`pvyield.weather.online.ONLINE_SOURCES` (downloaded at the site once, then
        cached; ``weather.years`` of the site for the sources of real years); or a
        municipality ``'Name, UF'`` (LABREN).
    site : Site, optional
        Needed for named sources (its coordinates); when given, the series is also placed
        at the site (distance, elevation difference, lapse-rate correction, warnings).

    Returns
    -------
    frame, meta
        Frame under the weather contract and its metadata.
    """
    text = str(source)
    if Path(text).is_file():
        frame, meta = read_weather_file(text)
        if site is None:
            return frame, meta
        return place_at_site(frame, meta, site, meta.elevation_m)
    if site is None:
        raise WeatherError(f"{text!r} is not a file; a named source needs a site "
                           "(its coordinates)")
    if text in CLIMATOLOGIES or _MUNICIPALITY.match(text):
        return _from_climatology(site, text)
    if text in online.ONLINE_SOURCES:
        frame, meta = online.fetch(text, site.latitude, site.longitude, _years(site, text))
        return place_at_site(frame, meta, site, meta.elevation_m)
    raise WeatherError(f"{text!r}: no such file, and not a source name "
                       f"({', '.join(CLIMATOLOGIES + online.ONLINE_SOURCES)}) or a "
                       "municipality 'Name, UF'")


def _years(site: Site, source: str) -> tuple[int, int] | None:
    """The calendar years a site file asks of an online source of real years."""
    spec = site.weather
    if spec.years is not None:
        return spec.years[0], spec.years[1]
    if spec.year is not None and source in online.SERIES_SOURCES:
        return spec.year, spec.year
    return None


def weather_for_site(site: Site) -> tuple[pd.DataFrame, WeatherMeta]:
    """The weather series a site file names, moved to the site.

    Reads the file, downloads or looks up the named source, or synthesises the year; then
    corrects the air temperature for the elevation difference between the series and the
    site with the site's lapse rate, and records distance and elevation difference.

    Returns
    -------
    frame, meta
        Frame under the weather contract and its metadata, including every correction.
    """
    spec = site.weather
    if spec.file is not None:
        frame, meta = read_weather_file(_resolve(site, spec.file), spec.format, spec.label)
        return place_at_site(frame, meta, site, meta.elevation_m)
    if spec.synthetic is not None:
        return _from_monthly_climate(site)
    if spec.source is not None:
        return load(spec.source, site)
    if spec.municipality is not None:
        return _from_climatology(site, spec.municipality)
    return _from_climatology(site, _default_climatology(site))


def weather_key(site: Site) -> str:
    """What determines a site's weather: its file's folder, weather section and place."""
    return json.dumps([site.path, site.weather.model_dump(), site.latitude, site.longitude,
                       site.elevation_m, site.timezone], sort_keys=True, default=str)


def weather_path(site: Site, meta: WeatherMeta) -> str:
    """What names a site's weather in messages: its file, else the source's description."""
    if site.weather.file is not None:
        return str(_resolve(site, site.weather.file))
    return meta.source


def place_at_site(
    frame: pd.DataFrame, meta: WeatherMeta, site: Site, temp_elevation_m: float
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Record distance and elevation difference, warn when far, correct the temperature.

    ``temp_elevation_m`` is where the temperatures were measured [m]; NaN (unknown) skips
    the lapse-rate correction with a warning.
    """
    spec = site.weather
    distance = haversine_km(site.latitude, site.longitude, meta.latitude, meta.longitude)
    meta = dataclasses.replace(
        meta,
        licence=spec.attribution or meta.licence,
        distance_km=distance,
        elevation_difference_m=meta.elevation_m - site.elevation_m,
    )
    if distance > DISTANCE_WARNING_KM:
        meta = meta.with_warning(
            f"the weather applies {distance:.0f} km from the site (more than "
            f"{DISTANCE_WARNING_KM:g} km): expect a larger error")
    if temp_elevation_m != temp_elevation_m:  # NaN: elevation of the series unknown
        meta = meta.with_warning("elevation of the weather unknown: no lapse-rate correction")
        frame_meta = frame, meta
    else:
        frame_meta = _lapse_rate_correction(frame, meta, temp_elevation_m - site.elevation_m,
                                            spec.temperature_lapse_rate_c_per_km)
    for text in frame_meta[1].warnings:
        log.warning("%s: %s", site.name, text)
    return frame_meta


def _default_climatology(site: Site, nearest: dict | None = None) -> str:
    """LABREN in Brazil (country BR, or a seat within reach of the point), else MERRA-2."""
    if site.country == "BR":
        return "labren"
    try:
        _climatology(site, "labren", nearest)
    except WeatherError:
        return "merra2"
    return "labren"


def _from_climatology(site: Site, name: str) -> tuple[pd.DataFrame, WeatherMeta]:
    climate = _climatology(site, name)
    frame, meta = synthetic_years(**vars(_climatology_request(site, climate)))
    return _climatology_placed(site, climate, frame, meta)


def _climatology(site: Site, name: str, nearest: dict | None = None) -> MonthlyGhi:
    """The climatology ``name`` at a site; ``nearest`` holds LABREN look-ups made before
    (:func:`labren_nearest_many`, keyed on latitude and longitude)."""
    if name == "labren":
        found = (nearest or {}).get((site.latitude, site.longitude))
        if found is None:
            return labren_nearest(site.latitude, site.longitude)
        if isinstance(found, WeatherError):
            raise found
        return found
    if name == "merra2":
        return merra2_monthly(site.latitude, site.longitude)
    return labren_municipality(name)


def _climatology_request(site: Site, climate: MonthlyGhi) -> SyntheticRequest:
    """The synthetic year a climatology gives at a site."""
    return SyntheticRequest(
        site.latitude, site.longitude, site.elevation_m, site.timezone,
        climate.ghi_kwh_m2_day, [DEFAULT_TEMP_AIR_C] * 12, seed=site.weather.seed,
        source=f"{climate.source}, {climate.distance_km:.0f} km from the site, air "
        f"temperature assumed {DEFAULT_TEMP_AIR_C:g} °C",
    )


def _climatology_placed(site: Site, climate: MonthlyGhi, frame: pd.DataFrame,
                        meta: WeatherMeta) -> tuple[pd.DataFrame, WeatherMeta]:
    """A climatology's synthetic year with its place, licence and warnings, at the site."""
    meta = dataclasses.replace(meta, latitude=climate.latitude, longitude=climate.longitude,
                               licence=climate.licence)
    if climate.warning:
        meta = meta.with_warning(climate.warning)
    meta = meta.with_warning(
        f"no temperature climatology offline: air temperature assumed {DEFAULT_TEMP_AIR_C:g} "
        "°C in every month (give weather.synthetic with temp_air_c to do better)")
    # the temperature is an assumption at the site itself: no lapse-rate correction
    return place_at_site(frame, meta, site, site.elevation_m)


def _from_monthly_climate(site: Site) -> tuple[pd.DataFrame, WeatherMeta]:
    frame, meta = synthetic_years(**vars(_monthly_climate_request(site)))
    return _monthly_climate_placed(site, frame, meta)


def _monthly_climate_request(site: Site) -> SyntheticRequest:
    """The synthetic year of a site's ``weather.synthetic`` monthly means."""
    climate = site.weather.synthetic
    return SyntheticRequest(
        site.latitude, site.longitude, site.elevation_m, site.timezone,
        climate.ghi_kwh_m2_day, climate.temp_air_c, climate.temp_range_c,
        climate.wind_speed_m_s, seed=climate.seed, source=climate.source,
        dhi_kwh_m2_day=climate.dhi_kwh_m2_day,
    )


def _monthly_climate_placed(site: Site, frame: pd.DataFrame,
                            meta: WeatherMeta) -> tuple[pd.DataFrame, WeatherMeta]:
    climate = site.weather.synthetic
    place = climate.ghi_location
    if place is not None:
        meta = dataclasses.replace(meta, latitude=place.latitude, longitude=place.longitude,
                                   elevation_m=place.elevation_m)
    station = climate.temperature_station
    temp_elevation = station.elevation_m if station is not None else site.elevation_m
    return place_at_site(frame, meta, site, temp_elevation)


def weather_for_sites(
    sites: Sequence[Site],
) -> list[tuple[pd.DataFrame, WeatherMeta] | PvyieldError]:
    """:func:`weather_for_site` for many sites at once, per site the same answer.

    Sites asking for the same weather at the same place (:func:`weather_key`: the designs
    of one site) share one frame object, read or synthesised once.

    Synthetic years (``weather.synthetic``, the climatologies, a municipality, the default)
    are made together by :func:`pvyield.weather.synthetic.synthetic_years_many`, which
    shares the site-independent work between sites and vectorises the rest; each site's
    year still depends on its own seed only, not on the other sites of the call. A weather
    file is read once per call (keyed on its resolved path, format and label) and placed at
    each site that names it. Online sources go through :func:`weather_for_site`.

    Parameters
    ----------
    sites : list of Site

    Returns
    -------
    list
        One entry per site, in order: ``(frame, meta)`` equal to what
        :func:`weather_for_site` returns for it (frames to rounding, about 1e-13 relative,
        from the sun position of :mod:`pvyield.model.solar`), or the
        :class:`~pvyield.errors.PvyieldError` it raises for that site.
    """
    keys = [weather_key(site) for site in sites]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    unique = sorted(set(first.values()))
    got = dict(zip(unique, _weather_for_distinct_sites([sites[i] for i in unique]),
                   strict=True))
    return [got[first[key]] for key in keys]


def _weather_for_distinct_sites(
    sites: list[Site],
) -> list[tuple[pd.DataFrame, WeatherMeta] | PvyieldError]:
    """:func:`weather_for_sites` of sites whose weather differs."""
    out: list = [None] * len(sites)
    files: dict[tuple, tuple[pd.DataFrame, WeatherMeta] | PvyieldError] = {}
    pending: list[tuple[int, SyntheticRequest, object]] = []
    # the LABREN seats of every site that may need one, in one look-up
    points = sorted({(s.latitude, s.longitude) for s in sites if s.weather.file is None
                     and s.weather.synthetic is None and s.weather.municipality is None})
    nearest = dict(zip(points, labren_nearest_many([p[0] for p in points],
                                                   [p[1] for p in points]), strict=True))
    for i, site in enumerate(sites):
        try:
            planned = _plan(site, files, nearest)
        except PvyieldError as exc:
            out[i] = exc
            continue
        if isinstance(planned, tuple) and isinstance(planned[0], SyntheticRequest):
            pending.append((i, *planned))
        else:
            out[i] = planned
    years = synthetic_years_many([request for _, request, _ in pending])
    for (i, _, finish), year in zip(pending, years, strict=True):
        if isinstance(year, PvyieldError):
            out[i] = year
            continue
        try:
            out[i] = finish(*year)
        except PvyieldError as exc:
            out[i] = exc
    return out


def _plan(site: Site, files: dict, nearest: dict):
    """A site's weather now (file, online), or its synthetic request and how to finish it."""
    spec = site.weather
    if spec.file is not None:
        path = _resolve(site, spec.file)
        return _file_at_site(site, files, (str(path), spec.format, spec.label),
                             lambda: read_weather_file(path, spec.format, spec.label))
    if spec.synthetic is not None:
        return (_monthly_climate_request(site),
                lambda frame, meta: _monthly_climate_placed(site, frame, meta))
    if spec.source is not None:
        text = str(spec.source)
        if Path(text).is_file():
            return _file_at_site(site, files, (text,), lambda: read_weather_file(text))
        if not (text in CLIMATOLOGIES or _MUNICIPALITY.match(text)):
            return load(spec.source, site)
        name = text
    elif spec.municipality is not None:
        name = spec.municipality
    else:
        name = _default_climatology(site, nearest)
    climate = _climatology(site, name, nearest)
    return (_climatology_request(site, climate),
            lambda frame, meta: _climatology_placed(site, climate, frame, meta))


def _file_at_site(site: Site, files: dict, key: tuple, read_file):
    """A weather file read once per :func:`weather_for_sites` call (``key``: its path and
    reading options), placed at the site."""
    if key not in files:
        try:
            files[key] = read_file()
        except PvyieldError as exc:
            files[key] = exc
    read = files[key]
    if isinstance(read, PvyieldError):
        raise read
    frame, meta = read
    # each site its own frame object (copy-on-write: no data copied unless changed)
    return place_at_site(frame.copy(deep=False), meta, site, meta.elevation_m)


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
