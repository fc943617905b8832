"""NASA POWER hourly point data (CSV and JSON responses of the hourly API).

pvlib downloads these (:func:`pvlib.iotools.get_nasa_power`) but has no file reader; the
two layouts read here are the API's ``format=csv`` (a ``-BEGIN HEADER-``/``-END HEADER-``
block, then ``YEAR,MO,DY,HR,<parameters>``) and ``format=json`` (a GeoJSON feature with
``properties.parameter.<NAME>.<YYYYMMDDHH>``). Variable names follow pvlib's
``VARIABLE_MAP``. Stamps mark the start of the hour (as pvlib documents for this API), in
UTC or local solar standard time as the file says; checked on real hourly GHI of the API
(44.76 N, 7.64 E, 2 February 2025): read so, the irradiance-weighted centre of the day falls
within a few minutes of solar transit (``tests/test_weather_online.py``).

References
----------
.. [1] NASA POWER hourly API, https://power.larc.nasa.gov/docs/services/api/temporal/hourly/
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
from pvlib.iotools.nasa_power import VARIABLE_MAP

from pvyield.errors import WeatherError
from pvyield.weather.frame import WeatherMeta, finish_frame, time_step_minutes
from pvyield.weather.pvgis import data_line_problem

LICENCE = ("NASA POWER: data obtained from the NASA Langley Research Center (LaRC) POWER "
           "Project funded through the NASA Earth Science/Applied Science Program")


def read_nasa_power(path: str | Path) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read a NASA POWER hourly file, CSV or JSON (detected from the content).

    Returns
    -------
    frame, meta
        Frame under the weather contract (``ghi``, ``dni``, ``dhi`` [W/m^2], ``temp_air``
        [°C], ``wind_speed`` at 10 m [m/s], ``pressure`` [Pa], ``relative_humidity`` [%])
        and metadata.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WeatherError(f"{where}: cannot read file ({exc})") from None
    if text.lstrip().startswith("{"):
        raw, lat, lon, elev, zone = _parse_json(text, where)
    else:
        raw, lat, lon, elev, zone = _parse_csv(text, path)
    data = raw.rename(columns=VARIABLE_MAP)
    if "wind_speed" not in data and "wind_speed_2m" in data:
        data = data.rename(columns={"wind_speed_2m": "wind_speed"})
    if "pressure" in data:
        data["pressure"] = data["pressure"] * 1000.0  # kPa -> Pa
    data.index = data.index.tz_localize(zone)
    frame, typical = finish_frame(data, "start", where)
    return frame, WeatherMeta(
        format="nasa_power",
        source=f"NASA POWER hourly ({Path(path).name})",
        latitude=lat,
        longitude=lon,
        elevation_m=elev,
        time_step_minutes=time_step_minutes(frame.index),
        licence=LICENCE,
        typical_year=typical,
        years=tuple(sorted(set(data.index.year))),
        source_label="start",
    )


def power_frame(data: pd.DataFrame, meta: dict,
                where: str) -> tuple[pd.DataFrame, WeatherMeta]:
    """A response of :func:`pvlib.iotools.get_nasa_power` under the contract.

    pvlib returns pvlib's column names, pressure in Pa and UTC stamps at the start of each
    hour; ``meta`` holds ``latitude``, ``longitude`` and ``altitude`` [m].
    """
    used = [c for c in ("ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure",
                        "relative_humidity") if c in data]
    frame, typical = finish_frame(data[used].astype(float), "start", where)
    return frame, WeatherMeta(
        format="nasa_power",
        source=f"NASA POWER hourly (downloaded at {float(meta['latitude']):.4f}, "
        f"{float(meta['longitude']):.4f})",
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index),
        licence=LICENCE,
        typical_year=typical,
        source_label="start",
    )


def _parse_json(text: str, where: str):
    try:
        src = json.loads(text)
        lon, lat, elev = (float(v) for v in src["geometry"]["coordinates"][:3])
        header = src["header"]
        table = pd.DataFrame(src["properties"]["parameter"])
        fill = float(header.get("fill_value", -999.0))
        standard = str(header.get("time_standard", "UTC")).upper()
    except json.JSONDecodeError as exc:
        raise WeatherError(f"{where}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherError(f"{where}: not a NASA POWER hourly JSON response "
                           f"(missing or invalid {exc})") from None
    table.index = pd.to_datetime(table.index, format="%Y%m%d%H")
    table = table.astype(float).replace(fill, np.nan)
    return table.sort_index(), lat, lon, elev, _zone(standard, lon, where)


def _parse_csv(text: str, path: str | Path):
    where = str(path)
    lines = text.splitlines()
    try:
        end = lines.index("-END HEADER-")
    except ValueError:
        raise WeatherError(f"{where}: line 1: no '-END HEADER-' line of a NASA POWER "
                           "CSV file") from None
    header = "\n".join(lines[:end])
    lat = _number(r"Latitude\s+(-?[\d.]+)", header, where)
    lon = _number(r"Longitude\s+(-?[\d.]+)", header, where)
    elev = _number(r"=\s*(-?[\d.]+)\s*meters", header, where)
    fill = _number(r"range:\s*(-?[\d.]+)", header, where)
    standard = "LST" if re.search(r"\bin LST\b", header) else "UTC"
    try:
        table = pd.read_csv(StringIO("\n".join(lines[end + 1:])))
        stamps = pd.to_datetime(
            table[["YEAR", "MO", "DY", "HR"]].set_axis(
                ["year", "month", "day", "hour"], axis=1)
        )
        table = table.drop(columns=["YEAR", "MO", "DY", "HR"]).astype(float)
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{where}: cannot parse NASA POWER CSV data ({exc}); "
                           f"{data_line_problem(path, 'YEAR,')}") from None
    table.index = pd.DatetimeIndex(stamps)
    return table.replace(fill, np.nan), lat, lon, elev, _zone(standard, lon, where)


def _zone(standard: str, longitude: float, where: str) -> str:
    """UTC, or local solar standard time: POWER's LST is UTC + round(longitude / 15) h."""
    if standard == "UTC":
        return "UTC"
    if standard == "LST":
        hours = round(longitude / 15.0)
        return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    raise WeatherError(f"{where}: unknown time standard {standard!r} (UTC or LST expected)")


def _number(pattern: str, text: str, where: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        raise WeatherError(f"{where}: NASA POWER header lacks {pattern!r}")
    return float(match.group(1))
