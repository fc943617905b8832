"""Readers of weather files, each returning ``(frame, WeatherMeta)`` under one contract.

``pvlib.iotools`` reads NSRDB, TMY3, EPW and PVGIS files; pvyield adds only what pvlib
lacks (the SAM CSV layout used by Chile's Explorador Solar, NASA POWER files, ERA5 netCDF,
generic CSV) and then moves every series to the same convention: stamps at the middle of
the interval, in a time zone pvlib accepts. :func:`detect_format` names a file's format
from its content; :func:`read_weather_file` dispatches to the reader.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from pvyield.errors import WeatherError
from pvyield.weather import pvgis
from pvyield.weather.era5 import read_era5_netcdf
from pvyield.weather.frame import (
    TYPICAL_YEAR,
    Label,
    WeatherMeta,
    annual_ghi_by_year,
    finish_frame,
    fixed_offset_zone,
    numeric_columns,
    time_step_minutes,
)
from pvyield.weather.nasa_power import read_nasa_power
from pvyield.weather.pvgis import read_pvgis_hourly, read_pvgis_tmy

#: Interval-label convention of each format, from its documentation. SAM CSV files carry
#: none, so a site file must state it.
FORMAT_LABELS: dict[str, Label | None] = {
    "tmy3": "end",  # NREL TMY3 user manual: value for the hour ending at the stamp
    # EnergyPlus: hour 1 is 00:00-01:00; pvlib.iotools.read_epw stamps it 00:00, its start
    "epw": "start",
    "nsrdb_csv": "center",  # NSRDB TMY stamps sit at hh:30, the centre of the hour
    "sam_csv": None,
    "pvgis_tmy": "center",  # satellite instant at the stamp plus the stated time offset
    "pvgis_hourly": "center",  # satellite instant at the stamp
    "nasa_power": "start",  # pvlib.iotools.get_nasa_power: index at the interval start
    "era5_netcdf": "end",  # accumulations over the hour ending at the stamp
}

#: Allowed values of the SAM CSV stamp columns (years: what a weather series can cover).
STAMP_RANGES = (("Year", 1800, 2200), ("Month", 1, 12), ("Day", 1, 31), ("Hour", 0, 24),
                ("Minute", 0, 59))

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
        with warnings.catch_warnings():
            # a first row longer than the header would otherwise become an index, shifting
            # every column silently; with index_col=False pandas warns instead: an error
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(path, skiprows=2, encoding="utf-8-sig", skipinitialspace=True,
                              index_col=False)
    except pd.errors.ParserWarning:
        raise WeatherError(f"{where}: line 4: more fields than the column names of line 3"
                           ) from None
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WeatherError(f"{where}: cannot parse SAM CSV data ({_short(exc)})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    stamp_cols = ["Year", "Month", "Day", "Hour", "Minute"]
    missing = [c for c in (*stamp_cols, "GHI", "DNI", "DHI", "Tdry", "Wspd") if c not in raw]
    if missing:
        raise WeatherError(f"{where}: line 3: missing SAM CSV column(s) {missing}")
    if len(raw) < 2:
        raise WeatherError(f"{where}: {len(raw)} data row(s) after the header (line 3); a "
                           "weather series needs at least two")
    # line 4 holds the first data row: two metadata lines, then the column names
    parts = numeric_columns(raw[stamp_cols], where, first_line=4)
    for column, low, high in STAMP_RANGES:
        outside = ~parts[column].between(low, high)
        if outside.any():
            i = int(outside.to_numpy().argmax())
            raise WeatherError(f"{where}: line {i + 4}: column {column!r} is "
                               f"{parts[column].iloc[i]:g}; expected {low}..{high}")
    try:
        stamps = pd.to_datetime(parts.rename(columns=str.lower))
    except (ValueError, TypeError, OverflowError) as exc:
        raise WeatherError(f"{where}: invalid Year/Month/Day/Hour/Minute values "
                           f"({_short(exc)})") from None
    zone = fixed_offset_zone(meta["tz_hours"], where)
    columns = [c for c in SAM_COLUMNS if c in raw]
    frame = numeric_columns(raw[columns], where, first_line=4).rename(columns=SAM_COLUMNS)
    frame.index = pd.DatetimeIndex(stamps).tz_localize(zone)
    frame, typical = finish_frame(_pressure_mbar_to_pa(frame), label, where)
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
    except (OSError, StopIteration, UnicodeDecodeError, csv.Error) as exc:
        raise WeatherError(f"{where}: cannot read the two SAM CSV header lines "
                           f"({_short(exc) or 'file ends early'})") from None
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
        if not math.isfinite(out[key]):
            raise WeatherError(f"{where}: line 2: header field {name!r} is "
                               f"{header[name]!r}; expected a finite number")
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
        if isinstance(exc, ValueError):
            _raise_bad_cell(path, header_lines=2)
        raise WeatherError(f"{where}: cannot read as NSRDB CSV ({_short(exc)})") from None
    # line 4 holds the first data row: two metadata lines, then the column names
    data = numeric_columns(_used(data), where, first_line=4)
    return nsrdb_frame(data, meta, where, Path(path).name, label)


def nsrdb_frame(data: pd.DataFrame, meta: dict, where: str, name: str,
                label: Label = "center") -> tuple[pd.DataFrame, WeatherMeta]:
    """NSRDB data as :func:`pvlib.iotools.read_nsrdb_psm4` (or a PSM4 fetcher) returns them,
    under the contract: pressure from mbar to Pa, stamps in the file's fixed offset."""
    data = _complete_precipitable_water(_pressure_mbar_to_pa(_used(data).astype(float)))
    offset = float(meta.get("Time Zone", 0))
    data.index = data.index.tz_convert(fixed_offset_zone(offset, where))
    frame, typical = finish_frame(data, label, where)
    version = str(meta.get("Version", "?")).lstrip("v")  # PSM3 writes "v3.2.2", PSM4 "4.0.1"
    return frame, WeatherMeta(
        format="nsrdb_csv",
        source=f"NREL NSRDB {meta.get('Source', '')} v{version} "
        f"location {meta.get('Location ID', '?')} ({name})",
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
        raise WeatherError(f"{where}: cannot read as TMY3 ({_short(exc)})") from None
    # line 3 holds the first data row: one metadata line, then the column names
    data = _pressure_mbar_to_pa(numeric_columns(_used(data), where, first_line=3))
    data = _complete_precipitable_water(data)  # TMY3 'Pwat' is in cm
    data.index = data.index.tz_convert(fixed_offset_zone(float(meta["TZ"]), where))
    frame, _ = finish_frame(data, label, where)
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


def read_epw_file(path: str | Path, label: Label = "start") -> tuple[pd.DataFrame, WeatherMeta]:
    """Read an EnergyPlus EPW file with :func:`pvlib.iotools.read_epw`.

    EPW hour ``N`` is the hour ending at ``N:00``; pvlib stamps it ``N-1:00``, the start of
    the interval, hence ``label='start'`` for the stamps pvlib returns.

    An EPW written by PVGIS (its ``COMMENTS 2`` line states ``Irradiance Time Offset (h)``)
    breaks the format's conventions: its rows are UTC hours although the ``LOCATION`` line
    gives the longitude's time zone, and its irradiance belongs to the end of the EPW hour
    plus that (negative) offset. Read as EPW, such a file lands the header's hours early;
    it is read here as PVGIS means it (see :func:`_pvgis_epw_offset_h`), ``label`` unused.
    """
    where = str(path)
    try:
        data, meta = pvlib.iotools.read_epw(str(path))
    except (OSError, KeyError, ValueError, IndexError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{where}: cannot read as EPW ({_short(exc)})") from None
    # EPW data start on line 9, after eight header lines
    data = data.rename(columns={"atmospheric_pressure": "pressure"})
    data = numeric_columns(_used(data), where, first_line=9)
    # EPW 'Precipitable Water' is in mm, 999 where missing (EnergyPlus Auxiliary Programs)
    data = _complete_precipitable_water(data, scale=0.1, missing=999.0)
    pvgis_offset_h = _pvgis_epw_offset_h(path)
    if pvgis_offset_h is None:
        data.index = data.index.tz_convert(fixed_offset_zone(float(meta["TZ"]), where))
        frame, _ = finish_frame(data, label, where)
        source = f"EPW {meta.get('city', '')} {meta.get('WMO_code', '')}".strip()
        source_label, licence = label, ""
    else:
        # pvlib's stamp N-1:00 is the start of the UTC hour: the hour's end plus the offset
        naive = data.index.tz_localize(None)
        data.index = (naive.tz_localize("UTC")
                      + pd.Timedelta(hours=1.0 + pvgis_offset_h))
        frame, _ = finish_frame(data, "center", where, typical=True)
        source = "PVGIS TMY, EPW"
        source_label = f"instant at EPW hour end {pvgis_offset_h:+g} h (UTC)"
        licence = pvgis.LICENCE
    return frame, WeatherMeta(
        format="epw",
        source=f"{source} ({Path(path).name})",
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index),
        typical_year=True,
        source_label=source_label,
        licence=licence,
    )


def _pvgis_epw_offset_h(path: str | Path) -> float | None:
    """The irradiance time offset [h] a PVGIS EPW states in its header, else None.

    PVGIS writes ``COMMENTS 2,Irradiance Time Offset (h):-0.8239``: relative to the EPW
    stamp (end of the hour), so the CSV of the same response says ``0.1761`` (relative to
    the start of the hour). Checked on a recorded response: the EPW's rows are the CSV's
    rows, hour for hour, in UTC.
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = [next(fh, "") for _ in range(8)]
    except OSError:
        return None
    for line in header:
        if line.startswith("COMMENTS") and "Irradiance Time Offset (h):" in line:
            text = line.split("Irradiance Time Offset (h):", 1)[1].split(",")[0].strip()
            try:
                hours = float(text)
            except ValueError:
                raise WeatherError(f"{path}: EPW header: irradiance time offset {text!r} is "
                                   "not a number of hours") from None
            if not -2.0 <= hours <= 1.0:
                raise WeatherError(f"{path}: EPW header: irradiance time offset {hours} h "
                                   "outside [-2, 1]")
            return hours
    return None


_USED = ("ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure", "relative_humidity",
         "albedo", "precipitable_water")


def _complete_precipitable_water(data: pd.DataFrame, scale: float = 1.0,
                                 missing: float | None = None) -> pd.DataFrame:
    """The frame with its ``precipitable_water`` column in cm, or without that column when
    the file leaves some of it missing.

    The CdTe spectral model reads the file's precipitable water before any estimate from
    humidity (:func:`pvyield.model.chain.precipitable_water_cm`); a column with gaps is
    dropped whole, so that the estimate then used, and named in the output, is one source
    for the whole series. ``scale`` converts the file's unit to cm (EPW: mm, 0.1);
    ``missing`` is the format's fill value (EPW: 999); negative values are fill values too.
    """
    if "precipitable_water" not in data:
        return data
    values = data["precipitable_water"].astype(float)
    if missing is not None:
        values = values.where(values != missing)
    values = values.where(values >= 0.0)  # fill codes (TMY3's -9900) are missing values
    if not np.isfinite(values.to_numpy()).all():
        return data.drop(columns="precipitable_water")
    return data.assign(precipitable_water=values * scale)


def _raise_bad_cell(path: str | Path, header_lines: int) -> None:
    """Name the line and column of the first cell that is not a number, if there is one
    (pvlib's readers report only the value)."""
    try:
        raw = pd.read_csv(path, skiprows=header_lines, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return
    # the line after the header lines holds the column names, data start on the next
    numeric_columns(raw, str(path), first_line=header_lines + 2)


def _used(data: pd.DataFrame) -> pd.DataFrame:
    """The columns the weather contract keeps (flags and uncertainties are dropped)."""
    return data[[c for c in data.columns if c in _USED]]


def _short(exc: BaseException, limit: int = 200) -> str:
    """An exception's message, cut for a one-line error."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


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
    "pvgis_tmy": read_pvgis_tmy,
    "pvgis_hourly": read_pvgis_hourly,
    "nasa_power": read_nasa_power,
    "era5_netcdf": read_era5_netcdf,
}
#: Formats whose stamps' position is fixed by the provider (see each reader's module).
FIXED_LABEL_FORMATS = ("pvgis_tmy", "pvgis_hourly", "nasa_power", "era5_netcdf")


def detect_format(path: str | Path) -> str:
    """Name the format of a weather file from its content (not its extension)."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            start = fh.read(4096)
    except OSError as exc:
        raise WeatherError(f"{where}: cannot read file ({exc.strerror})") from None
    if start.startswith((b"\x89HDF", b"CDF\x01", b"CDF\x02")):
        return "era5_netcdf"
    text = start.decode("utf-8-sig", errors="replace")
    lines = [*text.splitlines(), "", "", ""]
    first = lines[0]
    if text.lstrip().startswith("{"):
        if '"tmy_hourly"' in text or '"months_selected"' in text:
            return "pvgis_tmy"
        if '"geometry"' in text or '"properties"' in text:
            return "nasa_power"
        if '"outputs"' in text or '"inputs"' in text:
            return "pvgis_hourly"
    if first.startswith("-BEGIN HEADER-"):
        return "nasa_power"
    if first.startswith("Latitude (decimal degrees)"):
        tmy = any(line.startswith(("month,year", "Irradiance Time Offset")) for line in lines)
        return "pvgis_tmy" if tmy else "pvgis_hourly"
    if first.startswith("LOCATION,"):
        return "epw"
    if lines[1].startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    if first.startswith("Source,") and "Local Time Zone" in first:
        return "nsrdb_csv"
    if first.startswith("Source,") and lines[2].startswith("Year,Month,Day,Hour"):
        return "sam_csv"
    raise WeatherError(
        f"{where}: line 1: unrecognised weather format; expected one of {sorted(READERS)} "
        "(or a generic CSV read with a column mapping)"
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
    if Path(path).is_dir():
        raise WeatherError(f"{path}: is a folder; expected a weather file")
    if Path(path).exists() and not Path(path).is_file():  # a FIFO would block
        raise WeatherError(f"{path}: is not a regular file; expected a weather file")
    if not Path(path).is_file():
        raise WeatherError(f"{path}: weather file not found")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in READERS:
        raise WeatherError(f"{path}: unknown format {fmt!r}; expected one of {sorted(READERS)}")
    if fmt in FIXED_LABEL_FORMATS:
        if label not in (None, FORMAT_LABELS[fmt]):
            raise WeatherError(f"{path}: the {fmt} format fixes where its stamps sit; "
                               "remove weather.label")
        frame, meta = _read(fmt, path, {})
    else:
        if label is None:
            label = FORMAT_LABELS[fmt]
        if label is None:
            raise WeatherError(
                f"{path}: the {fmt} format does not say where stamps sit in their interval; "
                "set weather.label to 'start', 'center' or 'end'"
            )
        frame, meta = _read(fmt, path, {"label": label})
        if meta.source_label == "center":  # the reader did not say otherwise
            meta = dataclasses.replace(meta, source_label=label)
    _check_location(meta, str(path))
    return with_years(frame, meta)


def with_years(frame: pd.DataFrame, meta: WeatherMeta) -> tuple[pd.DataFrame, WeatherMeta]:
    """The meta with the calendar years of a real (not typical) series and, for several
    whole years, each year's GHI irradiation (its inter-annual spread)."""
    if meta.typical_year:
        return frame, meta
    years = meta.years or tuple(sorted(set(int(y) for y in frame.index.year)))
    return frame, dataclasses.replace(meta, years=years,
                                      annual_ghi_kwh_m2_by_year=annual_ghi_by_year(frame))


def _read(fmt: str, path: str | Path, options: dict) -> tuple[pd.DataFrame, WeatherMeta]:
    """Run one reader; what a malformed file makes the parsers raise is a WeatherError
    naming the file and the format (the readers name the line where they can)."""
    try:
        return READERS[fmt](path, **options)
    except WeatherError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError,
            UnicodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
            pd.errors.OutOfBoundsDatetime, csv.Error, OSError,
            RuntimeError) as exc:  # RuntimeError: netCDF4 and HDF5 on a corrupt file
        raise WeatherError(f"{path}: cannot read as {fmt} ({type(exc).__name__}: "
                           f"{_short(exc)})") from None


def _check_location(meta: WeatherMeta, where: str) -> None:
    for name, value, low, high in (("latitude", meta.latitude, -90, 90),
                                   ("longitude", meta.longitude, -180, 180),
                                   ("elevation", meta.elevation_m, -500, 9000)):
        if name == "elevation" and value != value:  # unknown elevation is allowed
            continue
        if not (math.isfinite(value) and low <= value <= high):
            raise WeatherError(f"{where}: {name} {value!r} in the file's header is outside "
                               f"[{low}, {high}]")
