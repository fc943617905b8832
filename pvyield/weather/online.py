"""Weather downloaded by coordinates (PVGIS TMY, NASA POWER hourly, NSRDB PSM4 TMY), kept in
an on-disk cache so that a second run needs no network.

The raw response is stored as the provider sent it and read with the same reader as a
downloaded file; the cache folder is ``$PVYIELD_CACHE`` or ``~/.cache/pvyield/weather``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from pathlib import Path

import requests

from pvyield.errors import WeatherError
from pvyield.files import write_atomic

#: Endpoints and fixed query parameters, as pvlib.iotools uses them.
PVGIS_TMY_URL = "https://re.jrc.ec.europa.eu/api/v5_3/tmy"
NASA_POWER_URL = "https://power.larc.nasa.gov/api/temporal/hourly/point"
NSRDB_TMY_URL = ("https://developer.nrel.gov/api/nsrdb/v2/solar/"
                 "nsrdb-GOES-tmy-v4-0-0-download.csv")
NASA_POWER_PARAMETERS = ("ALLSKY_SFC_SW_DWN", "ALLSKY_SFC_SW_DNI", "ALLSKY_SFC_SW_DIFF",
                         "T2M", "WS10M", "RH2M", "PS")
TIMEOUT_S = 60
ONLINE_SOURCES = ("pvgis", "nasa_power", "nsrdb")


def cache_dir() -> Path:
    """Folder of cached responses: ``$PVYIELD_CACHE`` or ``~/.cache/pvyield/weather``."""
    env = os.environ.get("PVYIELD_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pvyield" / "weather"


def request_for(source: str, latitude: float, longitude: float,
                year: int | None = None) -> tuple[str, dict, str]:
    """URL, query parameters (without secrets) and file suffix of a download."""
    if source == "pvgis":
        return PVGIS_TMY_URL, {"lat": round(latitude, 4), "lon": round(longitude, 4),
                               "outputformat": "json"}, "json"
    if source == "nasa_power":
        year = year or datetime.date.today().year - 2
        return NASA_POWER_URL, {
            "latitude": round(latitude, 4), "longitude": round(longitude, 4),
            "start": f"{year}0101", "end": f"{year}1231", "community": "re",
            "parameters": ",".join(NASA_POWER_PARAMETERS), "format": "json",
            "time-standard": "utc"}, "json"
    if source == "nsrdb":
        return NSRDB_TMY_URL, {"wkt": f"POINT({longitude:.4f} {latitude:.4f})",
                               "names": "tmy", "interval": 60, "utc": "false",
                               "attributes": "ghi,dni,dhi,air_temperature,wind_speed,"
                               "surface_pressure,relative_humidity"}, "csv"
    raise WeatherError(f"unknown online source {source!r}; expected one of {ONLINE_SOURCES}")


def cached_path(source: str, latitude: float, longitude: float,
                year: int | None = None) -> Path:
    """Where the response of a download is (or will be) cached."""
    _, params, suffix = request_for(source, latitude, longitude, year)
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / f"{source}_{latitude:.4f}_{longitude:.4f}_{key}.{suffix}"


def fetch(source: str, latitude: float, longitude: float, year: int | None = None) -> Path:
    """The cached response for a source and point, downloading it when not cached.

    Raises
    ------
    WeatherError
        Without network (naming the service and the cache file that would be used), when
        the service refuses the request, or when NSRDB credentials are missing.
    """
    path = cached_path(source, latitude, longitude, year)
    if path.is_file():
        return path
    url, params, _ = request_for(source, latitude, longitude, year)
    if source == "nsrdb":
        params = {**params, **_nsrdb_credentials()}
    host = url.split("/")[2]
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise WeatherError(
            f"{source}: cannot reach {host} ({type(exc).__name__}); no network? Nothing is "
            f"cached for this point yet ({path}); use a weather file or an offline source "
            "('labren', 'merra2')") from None
    if not response.ok:
        raise WeatherError(f"{source}: {host} answered HTTP {response.status_code}: "
                           f"{response.text[:300]}")
    _write_atomic(path, response.content)
    return path


def _nsrdb_credentials() -> dict:
    key, email = os.environ.get("NSRDB_API_KEY"), os.environ.get("NSRDB_EMAIL")
    if not key or not email:
        raise WeatherError("nsrdb: set NSRDB_API_KEY and NSRDB_EMAIL in the environment "
                           "(free key from the NREL developer network)")
    return {"api_key": key, "email": email}


def _write_atomic(path: Path, content: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WeatherError(f"{path.parent}: cannot create the download cache "
                           f"({exc.strerror})") from None
    write_atomic(path, content)
