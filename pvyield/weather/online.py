"""Weather downloaded by coordinates with pvlib's own fetchers, kept in an on-disk cache.

Sources (:data:`ONLINE_SOURCES`) and the :mod:`pvlib.iotools` function that fetches each:

- ``pvgis``: PVGIS typical year (:func:`~pvlib.iotools.get_pvgis_tmy`, JSON);
- ``pvgis_hourly``: PVGIS hourly series of one or several years on the horizontal plane
  (:func:`~pvlib.iotools.get_pvgis_hourly`, ``components=True``, ``surface_tilt=0``);
- ``nasa_power``: NASA POWER hourly values of one or several years
  (:func:`~pvlib.iotools.get_nasa_power`);
- ``nsrdb``: NREL NSRDB PSM4 typical year (:func:`~pvlib.iotools.get_nsrdb_psm4_tmy`);
- ``nsrdb_hourly``: NREL NSRDB PSM4 hourly years, one request per year
  (:func:`~pvlib.iotools.get_nsrdb_psm4_aggregated`).

Each response is converted by the same code as the file of that service
(:mod:`pvyield.weather.pvgis`, :mod:`pvyield.weather.readers`), so a download and a saved
file of the same response give the same frame. A series of several years stays several
years: the model runs over all of them and reports the mean year.

The HTTP responses are cached by ``requests-cache`` (pvlib's fetchers call ``requests``
directly, and ``requests_cache.enabled`` caches exactly those calls) as files under
:func:`cache_dir`, keyed by the request (URL and parameters, without the NSRDB key and
e-mail, which are also removed from what is stored). A cached response never expires, so a
second run needs no network; delete the folder to download again. Without network and
without a cached response, :func:`fetch` raises one :class:`~pvyield.errors.WeatherError`.

NSRDB needs ``NSRDB_API_KEY`` and ``NSRDB_EMAIL`` in the environment (a free key from the
NREL developer network); PVGIS and NASA POWER need no key.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pvlib
import requests

from pvyield.errors import WeatherError
from pvyield.weather import pvgis
from pvyield.weather.frame import WeatherMeta

ONLINE_SOURCES = ("pvgis", "pvgis_hourly", "nasa_power", "nsrdb", "nsrdb_hourly")
#: Sources that give real calendar years (the others give one typical year).
SERIES_SOURCES = ("pvgis_hourly", "nasa_power", "nsrdb_hourly")
#: Seconds to wait for a service before giving up.
TIMEOUT_S = 60
#: Parameters asked of NASA POWER, in pvlib's names (pvlib maps them to POWER's).
NASA_POWER_PARAMETERS = ("ghi", "dni", "dhi", "temp_air", "wind_speed", "relative_humidity",
                         "pressure")
#: Parameters asked of NSRDB PSM4, in the API's names.
NSRDB_PARAMETERS = ("ghi", "dni", "dhi", "air_temperature", "wind_speed", "surface_pressure",
                    "relative_humidity")
#: Query parameters never part of a cache key nor stored (the NSRDB credentials).
SECRET_PARAMETERS = ("api_key", "email")
HOSTS = {"pvgis": "re.jrc.ec.europa.eu", "pvgis_hourly": "re.jrc.ec.europa.eu",
         "nasa_power": "power.larc.nasa.gov", "nsrdb": "developer.nrel.gov",
         "nsrdb_hourly": "developer.nrel.gov"}


def cache_dir() -> Path:
    """Folder of cached responses: ``$PVYIELD_CACHE`` or ``~/.cache/pvyield/weather``."""
    env = os.environ.get("PVYIELD_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pvyield" / "weather"


def default_years(source: str) -> tuple[int, int] | None:
    """Years downloaded when the site file names none: two years ago for NASA POWER and
    NSRDB (the latest year surely complete), every year of the database for PVGIS hourly
    (None: PVGIS's own default); None for a typical year."""
    if source in ("nasa_power", "nsrdb_hourly"):
        year = datetime.date.today().year - 2
        return year, year
    return None


def fetch(source: str, latitude: float, longitude: float,
          years: tuple[int, int] | None = None) -> tuple[pd.DataFrame, WeatherMeta]:
    """Weather of an online source at a point, from the cache or downloaded once.

    Parameters
    ----------
    source : str
        One of :data:`ONLINE_SOURCES`.
    latitude, longitude : float
        The point [degrees].
    years : (int, int), optional
        First and last calendar year, inclusive, for the sources of real years
        (:data:`SERIES_SOURCES`); default :func:`default_years`. Not allowed for a typical
        year.

    Returns
    -------
    frame, meta
        Frame under the weather contract and its metadata (for several whole years, the
        GHI of each in ``meta.annual_ghi_kwh_m2_by_year``).

    Raises
    ------
    WeatherError
        Without network and nothing cached, when the service refuses the request, or when
        NSRDB credentials are missing.
    """
    if source not in ONLINE_SOURCES:
        raise WeatherError(f"unknown online source {source!r}; expected one of "
                           f"{ONLINE_SOURCES}")
    if years is not None and source not in SERIES_SOURCES:
        raise WeatherError(f"{source}: a typical year takes no 'years'; sources of real "
                           f"years: {SERIES_SOURCES}")
    years = years or default_years(source)
    if years is not None and years[0] > years[1]:
        raise WeatherError(f"{source}: years {list(years)}: the first is after the last")
    getter = _GETTERS[source]
    credentials = _nsrdb_credentials() if source.startswith("nsrdb") else {}
    frame, meta = _cached(source, lambda: getter(latitude, longitude, years, credentials))
    from pvyield.weather.readers import with_years

    return with_years(frame, meta)


def _cached(source: str, call: Callable[[], tuple[pd.DataFrame, WeatherMeta]]
            ) -> tuple[pd.DataFrame, WeatherMeta]:
    """Run a fetcher with requests cached on disk; network and HTTP failures as one line."""
    try:
        import requests_cache  # imported here: only online sources need it
    except ImportError:
        raise WeatherError(f"{source}: online sources need the package requests-cache "
                           "(pip install requests-cache)") from None

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WeatherError(f"{folder}: cannot create the download cache "
                           f"({exc.strerror})") from None
    host = HOSTS[source]
    try:
        with requests_cache.enabled(
            str(folder / "http"), backend="filesystem", serializer="json",
            expire_after=requests_cache.NEVER_EXPIRE, allowable_codes=(200,),
            ignored_parameters=SECRET_PARAMETERS, stale_if_error=True,
        ):
            return call()
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise WeatherError(
            f"{source}: cannot reach {host} ({type(exc).__name__}) and nothing is cached for "
            f"this request in {folder}; no network? Use a weather file or an offline source "
            "('labren', 'merra2')") from None
    except requests.HTTPError as exc:
        text = " ".join(str(exc).split())
        raise WeatherError(f"{source}: {host} refused the request: "
                           f"{text[:300]}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise WeatherError(f"{source}: unexpected response from {host} "
                           f"({type(exc).__name__}: {str(exc)[:200]})") from None


def _pvgis_tmy(latitude, longitude, years, credentials):
    data, meta = pvlib.iotools.get_pvgis_tmy(
        latitude, longitude, outputformat="json", coerce_year=None, roll_utc_offset=None,
        timeout=TIMEOUT_S)
    return pvgis.tmy_frame(data, meta, f"PVGIS TMY at {latitude:.4f}, {longitude:.4f}",
                           "downloaded")


def _pvgis_hourly(latitude, longitude, years, credentials):
    start, end = years if years is not None else (None, None)
    data, meta = pvlib.iotools.get_pvgis_hourly(
        latitude, longitude, start=start, end=end, components=True, surface_tilt=0,
        surface_azimuth=180, outputformat="json", timeout=TIMEOUT_S)
    return pvgis.hourly_frame(data, meta, f"PVGIS hourly at {latitude:.4f}, "
                              f"{longitude:.4f}", "downloaded")


def _nasa_power(latitude, longitude, years, credentials):
    from pvyield.weather.nasa_power import power_frame

    start = pd.Timestamp(f"{years[0]}-01-01")
    end = pd.Timestamp(f"{years[1]}-12-31")
    data, meta = pvlib.iotools.get_nasa_power(latitude, longitude, start, end,
                                              parameters=list(NASA_POWER_PARAMETERS))
    return power_frame(data, meta, f"NASA POWER at {latitude:.4f}, {longitude:.4f}")


def _nsrdb_tmy(latitude, longitude, years, credentials):
    from pvyield.weather.readers import nsrdb_frame

    data, meta = pvlib.iotools.get_nsrdb_psm4_tmy(
        latitude, longitude, year="tmy", time_step=60, parameters=list(NSRDB_PARAMETERS),
        map_variables=True, timeout=TIMEOUT_S, **credentials)
    return nsrdb_frame(data, meta, f"NSRDB PSM4 TMY at {latitude:.4f}, {longitude:.4f}",
                       "downloaded")


def _nsrdb_years(latitude, longitude, years, credentials):
    from pvyield.weather.readers import nsrdb_frame

    parts, meta = [], {}
    for year in range(years[0], years[1] + 1):
        # leap_day=True: a real year keeps its 29 February, else the series has a gap
        data, meta = pvlib.iotools.get_nsrdb_psm4_aggregated(
            latitude, longitude, year=str(year), time_step=60,
            parameters=list(NSRDB_PARAMETERS), leap_day=True, map_variables=True,
            timeout=TIMEOUT_S, **credentials)
        parts.append(data)
    frame, out = nsrdb_frame(pd.concat(parts), meta, f"NSRDB PSM4 {years[0]}-{years[1]} at "
                             f"{latitude:.4f}, {longitude:.4f}", "downloaded")
    return frame, dataclasses.replace(out, years=tuple(range(years[0], years[1] + 1)))


_GETTERS = {"pvgis": _pvgis_tmy, "pvgis_hourly": _pvgis_hourly, "nasa_power": _nasa_power,
            "nsrdb": _nsrdb_tmy, "nsrdb_hourly": _nsrdb_years}


def _nsrdb_credentials() -> dict:
    key, email = os.environ.get("NSRDB_API_KEY"), os.environ.get("NSRDB_EMAIL")
    if not key or not email:
        raise WeatherError("nsrdb: set NSRDB_API_KEY and NSRDB_EMAIL in the environment "
                           "(free key from the NREL developer network)")
    return {"api_key": key, "email": email}
