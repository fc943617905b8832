"""Any CSV weather file, read through an explicit column and unit mapping.

Nothing is guessed: the mapping names the time column, its time zone and interval label,
and for every pvlib variable the file's column and its unit. Units are converted to the
contract's (W/m^2, °C, m/s, Pa, %, -).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pvyield.errors import WeatherError
from pvyield.weather.frame import Label, WeatherMeta, finish_frame, time_step_minutes

#: Units accepted per variable kind, as (scale, offset) to the contract's unit:
#: value_contract = value * scale + offset. Energies per interval are divided by its
#: length in hours separately (marked with a scale of None).
UNITS: dict[str, dict[str, tuple[float | None, float]]] = {
    "irradiance": {"W/m2": (1.0, 0.0), "kW/m2": (1000.0, 0.0),
                   "Wh/m2": (None, 1.0), "kWh/m2": (None, 1000.0),
                   "J/m2": (None, 1.0 / 3600.0), "MJ/m2": (None, 1e6 / 3600.0)},
    "temperature": {"degC": (1.0, 0.0), "K": (1.0, -273.15), "degF": (5.0 / 9.0, -160.0 / 9.0)},
    "speed": {"m/s": (1.0, 0.0), "km/h": (1.0 / 3.6, 0.0), "kn": (0.514444, 0.0)},
    "pressure": {"Pa": (1.0, 0.0), "hPa": (100.0, 0.0), "mbar": (100.0, 0.0),
                 "kPa": (1000.0, 0.0)},
    "percent": {"%": (1.0, 0.0), "fraction": (100.0, 0.0)},
    "ratio": {"-": (1.0, 0.0)},
}
KIND = {"ghi": "irradiance", "dni": "irradiance", "dhi": "irradiance",
        "temp_air": "temperature", "wind_speed": "speed", "pressure": "pressure",
        "relative_humidity": "percent", "albedo": "ratio"}


@dataclasses.dataclass(frozen=True)
class CsvMapping:
    """How to read a CSV weather file.

    Attributes
    ----------
    time_column : str
        Column of the time stamps (any format pandas parses).
    timezone : str
        Time zone of naive stamps (IANA name or ``Etc/GMT+4``); ignored for stamps that
        carry an offset.
    label : {'start', 'center', 'end'}
        Where each stamp sits in its interval.
    columns : mapping
        pvlib name -> column of the file (``{"ghi": "GHI", "temp_air": "T"}``).
    units : mapping
        pvlib name -> unit among :data:`UNITS` (default: the contract's unit).
    latitude, longitude, elevation_m : float
        Where the series applies [degrees, m].
    sep : str
        Field separator.
    """

    time_column: str
    timezone: str
    label: Label
    columns: Mapping[str, str]
    latitude: float
    longitude: float
    elevation_m: float
    units: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sep: str = ","


def read_generic_csv(path: str | Path, mapping: CsvMapping) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read a CSV file with a :class:`CsvMapping`.

    Raises
    ------
    WeatherError
        Naming the file and the column or unit that does not fit.
    """
    where = str(path)
    unknown = sorted(set(mapping.columns) - set(KIND))
    if unknown:
        raise WeatherError(f"{where}: unknown variable(s) {unknown}; expected {sorted(KIND)}")
    try:
        raw = pd.read_csv(path, sep=mapping.sep)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise WeatherError(f"{where}: cannot parse CSV ({text})") from None
    needed = [mapping.time_column, *mapping.columns.values()]
    missing = [c for c in needed if c not in raw]
    if missing:
        raise WeatherError(f"{where}: line 1: missing column(s) {missing}; "
                           f"the file has {list(raw.columns)}")
    stamps = _stamps(raw[mapping.time_column], mapping.timezone, where)
    step_h = pd.Series(stamps).diff().dt.total_seconds().median() / 3600.0
    if not step_h > 0:  # NaN (one row) or 0 (repeated stamps): no interval to divide by
        raise WeatherError(f"{where}: column {mapping.time_column!r}: the stamps give no "
                           "interval length (fewer than two distinct, increasing stamps)")
    frame = pd.DataFrame(index=stamps)
    for name, column in mapping.columns.items():
        values = pd.to_numeric(raw[column], errors="coerce")
        bad = values.isna() & raw[column].notna()
        if bad.any():
            line = int(bad.to_numpy().argmax()) + 2
            raise WeatherError(f"{where}: line {line}: column {column!r} is not a number "
                               f"({raw[column].iloc[line - 2]!r})")
        frame[name] = _convert(values.to_numpy(), name, mapping.units.get(name), step_h, where)
    frame, typical = finish_frame(frame, mapping.label, where)
    return frame, WeatherMeta(
        format="generic_csv",
        source=f"CSV file {Path(path).name} (column mapping)",
        latitude=mapping.latitude,
        longitude=mapping.longitude,
        elevation_m=mapping.elevation_m,
        time_step_minutes=time_step_minutes(frame.index),
        typical_year=typical,
        years=tuple(sorted(set(frame.index.year))),
        source_label=mapping.label,
    )


def _stamps(column: pd.Series, timezone: str, where: str) -> pd.DatetimeIndex:
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(column, format="mixed"))
    except (ValueError, TypeError) as exc:
        raise WeatherError(f"{where}: time column cannot be parsed ({exc})") from None
    if stamps.tz is None:
        try:
            stamps = stamps.tz_localize(timezone)
        except Exception as exc:  # zoneinfo and pytz raise different types
            raise WeatherError(f"{where}: time zone {timezone!r} ({exc})") from None
    return stamps


def _convert(values, name: str, unit: str | None, step_h: float, where: str):
    table = UNITS[KIND[name]]
    unit = unit or next(iter(table))
    if unit not in table:
        raise WeatherError(f"{where}: unit {unit!r} of {name} not known; "
                           f"expected one of {list(table)}")
    scale, offset = table[unit]
    if scale is None:  # an energy per interval: divide by the interval's length
        return values * offset / step_h
    return values * scale + offset
