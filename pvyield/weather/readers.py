"""Readers of weather files, each returning ``(frame, WeatherMeta)`` under one contract.

``pvlib.iotools`` reads NSRDB, TMY3 and EPW files; pvyield adds only what pvlib lacks (the
SAM CSV layout used by Chile's Explorador Solar) and then moves every series to the same
convention: stamps at the middle of the interval, in a time zone pvlib accepts.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pandas as pd
import pvlib

from pvyield.errors import WeatherError
from pvyield.weather.frame import (
    TYPICAL_YEAR,
    WeatherMeta,
    coerce_year,
    time_step_minutes,
    validate_frame,
)

Label = Literal["start", "center", "end"]

#: Interval-label convention of each format, from its documentation. SAM CSV files carry
#: none, so a site file must state it.
FORMAT_LABELS: dict[str, Label | None] = {
    "tmy3": "end",  # NREL TMY3 user manual: value for the hour ending at the stamp
    "epw": "end",  # EnergyPlus auxiliary programs: hour 1 is 00:00-01:00
    "nsrdb_csv": "center",  # NSRDB TMY stamps sit at hh:30, the centre of the hour
    "sam_csv": None,
}

SAM_COLUMNS = {
    "GHI": "ghi",
    "DNI": "dni",
    "DHI": "dhi",
    "Tdry": "temp_air",
    "Wspd": "wind_speed",
    "Pres": "pressure",
    "RH": "relative_humidity",
    "Albedo": "albedo",
}


def fixed_offset_zone(hours: float, where: str) -> str:
    """IANA name of a whole-hour fixed offset: UTC-4 is ``Etc/GMT+4`` (sign inverted)."""
    if hours != int(hours) or not -12 <= hours <= 14:
        raise WeatherError(f"{where}: time zone offset {hours} h is not a whole hour in [-12, 14]")
    hours = int(hours)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def to_center(frame: pd.DataFrame, label: Label) -> pd.DataFrame:
    """Move stamps from ``label`` to the middle of each interval."""
    if label == "center":
        return frame
    half = pd.Timedelta(minutes=time_step_minutes(frame.index) / 2)
    shifted = frame.copy()
    shifted.index = frame.index + (half if label == "start" else -half)
    return shifted


def _typical(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Coerce a multi-year typical year into :data:`TYPICAL_YEAR`; report whether it was one."""
    if frame.index.year.nunique() == 1:
        return frame, False
    out = frame.copy()
    out.index = coerce_year(frame.index)
    return out.sort_index(), True


def _finish(frame: pd.DataFrame, label: Label, where: str) -> tuple[pd.DataFrame, bool]:
    # centre first: an end-labelled 00:00 on 1 January belongs to the last hour of the year,
    # which coercion then puts back into the typical year
    frame, typical = _typical(to_center(frame, label))
    return validate_frame(frame, where), typical


def read_sam_csv(path: str | Path, label: Label) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read a weather file in SAM's CSV layout (for instance Chile's Explorador Solar).

    Parameters
    ----------
    path : str or Path
        File with two metadata lines (names, values: ``Latitude``, ``Longitude``,
        ``Time Zone`` [h from UTC], ``Elevation`` [m]), then ``Year, Month, Day, Hour,
        Minute`` and data columns ``GHI, DNI, DHI`` [W/m^2], ``Tdry`` [°C], ``Wspd`` [m/s],
        ``Pres`` [mbar], ``RH`` [%].
    label : {'start', 'center', 'end'}
        Where in its interval each stamp lies. The format does not say, so the caller must.

    Returns
    -------
    frame, meta
        Frame under the weather contract (stamps moved to the interval centre) and metadata.

    References
    ----------
    .. [1] Blair, N. et al. (2018). System Advisor Model (SAM) General Description,
       NREL/TP-6A20-70414, weather file formats.
    """
    where = str(path)
    meta = _sam_header(path)
    try:
        raw = pd.read_csv(path, skiprows=2)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WeatherError(f"{where}: cannot parse SAM CSV data ({exc})") from None
    stamp_cols = ["Year", "Month", "Day", "Hour", "Minute"]
    missing = [c for c in (*stamp_cols, "GHI", "DNI", "DHI", "Tdry", "Wspd") if c not in raw]
    if missing:
        raise WeatherError(f"{where}: line 3: missing SAM CSV column(s) {missing}")
    try:
        stamps = pd.to_datetime(raw[stamp_cols].rename(columns=str.lower))
    except (ValueError, TypeError) as exc:
        raise WeatherError(f"{where}: invalid Year/Month/Day/Hour/Minute values ({exc})") from None
    zone = fixed_offset_zone(meta["tz_hours"], where)
    frame = raw[[c for c in SAM_COLUMNS if c in raw]].rename(columns=SAM_COLUMNS)
    frame.index = pd.DatetimeIndex(stamps).tz_localize(zone)
    frame, typical = _finish(_pressure_mbar_to_pa(frame), label, where)
    return frame, WeatherMeta(
        format="sam_csv",
        source=f"{meta['source']} ({Path(path).name})",
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        elevation_m=meta["elevation"],
        time_step_minutes=time_step_minutes(frame.index),
        typical_year=typical,
    )


def _sam_header(path: str | Path) -> dict:
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            names, values = next(reader), next(reader)
    except (OSError, StopIteration, UnicodeDecodeError) as exc:
        raise WeatherError(f"{where}: cannot read the two SAM CSV header lines ({exc})") from None
    header = dict(zip((n.strip() for n in names), (v.strip() for v in values), strict=False))
    out = {"source": header.get("Source", "unknown")}
    for key, name in (("latitude", "Latitude"), ("longitude", "Longitude"),
                      ("tz_hours", "Time Zone"), ("elevation", "Elevation")):
        try:
            out[key] = float(header[name])
        except (KeyError, ValueError):
            raise WeatherError(
                f"{where}: line 2: header field {name!r} missing or not a number"
            ) from None
    return out


def read_nsrdb_csv(path: str | Path, label: Label = "center") -> tuple[pd.DataFrame, WeatherMeta]:
    """Read an NREL NSRDB PSM3/PSM4 CSV file with :func:`pvlib.iotools.read_nsrdb_psm4`.

    NSRDB stamps are UTC (``Time Zone`` 0) or local standard time; hourly TMY stamps sit at
    hh:30, the centre of the averaging hour, hence ``label='center'``.
    """
    where = str(path)
    try:
        data, meta = pvlib.iotools.read_nsrdb_psm4(str(path), map_variables=True)
    except (OSError, KeyError, ValueError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{where}: cannot read as NSRDB CSV ({exc!r})") from None
    data = _pressure_mbar_to_pa(data)
    offset = float(meta.get("Time Zone", 0))
    data.index = data.index.tz_convert(fixed_offset_zone(offset, where))
    frame, typical = _finish(data, label, where)
    return frame, WeatherMeta(
        format="nsrdb_csv",
        source=f"NREL NSRDB {meta.get('Source', '')} v{meta.get('Version', '?')} "
        f"location {meta.get('Location ID', '?')} ({Path(path).name})",
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index),
        licence="NSRDB data are public (U.S. DOE / NREL)",
        typical_year=typical,
    )


def read_tmy3_file(path: str | Path, label: Label = "end") -> tuple[pd.DataFrame, WeatherMeta]:
    """Read an NREL TMY3 file with :func:`pvlib.iotools.read_tmy3`.

    TMY3 stamps (01:00..24:00 local standard time) mark the end of each hour.
    """
    where = str(path)
    try:
        # one calendar year at read time: pvlib turns "02/28/2000 24:00" of a leap-year
        # February into 1 March, which a later coercion would misplace
        data, meta = pvlib.iotools.read_tmy3(
            str(path), coerce_year=TYPICAL_YEAR, map_variables=True
        )
    except (OSError, KeyError, ValueError, IndexError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{where}: cannot read as TMY3 ({exc!r})") from None
    data = _pressure_mbar_to_pa(data)
    data.index = data.index.tz_convert(fixed_offset_zone(float(meta["TZ"]), where))
    frame, _ = _finish(data, label, where)
    return frame, WeatherMeta(
        format="tmy3",
        source=f"NREL TMY3 {meta.get('USAF', '')} {meta.get('Name', '')}".strip(),
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index),
        licence="Public data of the U.S. DOE / NREL (NSRDB 1991-2005 update)",
        typical_year=True,
    )


def read_epw_file(path: str | Path, label: Label = "end") -> tuple[pd.DataFrame, WeatherMeta]:
    """Read an EnergyPlus EPW file with :func:`pvlib.iotools.read_epw`."""
    where = str(path)
    try:
        data, meta = pvlib.iotools.read_epw(str(path))
    except (OSError, KeyError, ValueError, IndexError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{where}: cannot read as EPW ({exc!r})") from None
    data = data.rename(columns={"atmospheric_pressure": "pressure"})
    data.index = data.index.tz_convert(fixed_offset_zone(float(meta["TZ"]), where))
    frame, _ = _finish(data, label, where)
    return frame, WeatherMeta(
        format="epw",
        source=f"EPW {meta.get('city', '')} {meta.get('WMO_code', '')}".strip(),
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index),
        typical_year=True,
    )


def _pressure_mbar_to_pa(data: pd.DataFrame) -> pd.DataFrame:
    """Files give pressure in mbar (hPa); the contract uses Pa like pvlib."""
    if "pressure" in data:
        data = data.copy()
        data["pressure"] = data["pressure"] * 100.0
    return data


READERS: dict[str, Callable[..., tuple[pd.DataFrame, WeatherMeta]]] = {
    "sam_csv": read_sam_csv,
    "nsrdb_csv": read_nsrdb_csv,
    "tmy3": read_tmy3_file,
    "epw": read_epw_file,
}


def detect_format(path: str | Path) -> str:
    """Name the format of a weather file from its first lines (not its extension)."""
    where = str(path)
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = [fh.readline() for _ in range(3)]
    except OSError as exc:
        raise WeatherError(f"{where}: cannot read file ({exc.strerror})") from None
    first, third = head[0], head[2]
    if first.startswith("LOCATION,"):
        return "epw"
    if head[1].startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    if first.startswith("Source,") and "Local Time Zone" in first:
        return "nsrdb_csv"
    if first.startswith("Source,") and third.startswith("Year,Month,Day,Hour"):
        return "sam_csv"
    raise WeatherError(
        f"{where}: line 1: unrecognised weather format; expected one of {sorted(READERS)}"
    )


def read_weather_file(
    path: str | Path, fmt: str = "auto", label: Label | None = None
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read any supported weather file into the weather contract.

    Parameters
    ----------
    path : str or Path
        The file.
    fmt : str
        One of :data:`READERS` or ``'auto'`` to detect it from the content.
    label : {'start', 'center', 'end'}, optional
        Where stamps sit in their interval; defaults to the format's documented convention.
        Required for formats without one (SAM CSV).
    """
    if not Path(path).is_file():
        raise WeatherError(f"{path}: weather file not found")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in READERS:
        raise WeatherError(f"{path}: unknown format {fmt!r}; expected one of {sorted(READERS)}")
    if label is None:
        label = FORMAT_LABELS[fmt]
    if label is None:
        raise WeatherError(
            f"{path}: the {fmt} format does not say where stamps sit in their interval; "
            "set weather.label to 'start', 'center' or 'end'"
        )
    return READERS[fmt](path, label=label)
