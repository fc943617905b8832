"""The weather contract every reader and generator returns.

A weather frame is a :class:`pandas.DataFrame` with

- a time-zone-aware, strictly increasing ``DatetimeIndex`` whose stamps mark the *middle*
  of each averaging interval (``label="center"``), so that the sun's position computed at
  the stamp is the one the interval's mean irradiance belongs to;
- pvlib's column names: ``ghi``, ``dni``, ``dhi`` [W/m^2], ``temp_air`` [°C],
  ``wind_speed`` [m/s], and ``pressure`` [Pa], ``relative_humidity`` [%], ``albedo`` [-],
  ``precipitable_water`` [cm] when the source has them.

It travels with a :class:`WeatherMeta` that says where it came from.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
import pandas as pd

from pvyield.errors import WeatherError

Label = Literal["start", "center", "end"]

REQUIRED_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
OPTIONAL_COLUMNS = ("pressure", "relative_humidity", "albedo", "precipitable_water")
#: The year given to typical-year files whose months come from different years; any
#: non-leap year would do (TMY files carry no 29 February).
TYPICAL_YEAR = 2019


@dataclasses.dataclass(frozen=True)
class WeatherMeta:
    """Where a weather series comes from and how to read its time stamps.

    Attributes
    ----------
    format : str
        Reader that produced the frame (``sam_csv``, ``nsrdb_csv``, ``tmy3``, ``epw``,
        ``synthetic``).
    source : str
        Human-readable origin (data set, provider, file name).
    latitude, longitude : float
        Where the series applies [degrees].
    elevation_m : float
        Elevation of the series' location [m].
    time_step_minutes : float
        Averaging interval [minutes].
    label : str
        Position of the stamp in the interval: always ``"center"`` after reading.
    synthetic : bool
        True when the series was generated rather than measured or modelled from satellite.
    licence : str
        Licence or attribution to cite.
    typical_year : bool
        True for a typical (TMY) year assembled from several calendar years.
    corrections : tuple of str
        Every change applied to the data after reading, in words.
    distance_km, elevation_difference_m : float or None
        Distance from the series' location to the site [km] and the series' elevation minus
        the site's [m], once the series has been placed at a site.
    years : tuple of int
        Calendar years the values come from (for a typical year, the years its months were
        taken from when the file says so); empty when unknown.
    source_label : str
        Where the stamps sat in their interval in the source (``start``, ``center``,
        ``end``) before they were moved to the centre.
    warnings : tuple of str
        Things a user should know about the series (distance to the site, known biases).
    annual_ghi_kwh_m2_by_year : tuple of (int, float)
        For a series of several whole calendar years (not a typical year): each complete
        year and its GHI irradiation [kWh/m^2], in the order of the years; the spread of
        these is the series' own inter-annual variability. Empty for a typical year or a
        single year.
    """

    format: str
    source: str
    latitude: float
    longitude: float
    elevation_m: float
    time_step_minutes: float
    label: str = "center"
    synthetic: bool = False
    licence: str = ""
    typical_year: bool = False
    corrections: tuple[str, ...] = ()
    distance_km: float | None = None
    elevation_difference_m: float | None = None
    years: tuple[int, ...] = ()
    source_label: str = "center"
    warnings: tuple[str, ...] = ()
    annual_ghi_kwh_m2_by_year: tuple[tuple[int, float], ...] = ()

    def with_correction(self, text: str) -> WeatherMeta:
        """Copy with one more correction recorded."""
        return dataclasses.replace(self, corrections=(*self.corrections, text))

    def with_warning(self, text: str) -> WeatherMeta:
        """Copy with one more warning recorded."""
        return dataclasses.replace(self, warnings=(*self.warnings, text))

    def to_dict(self) -> dict:
        """Plain JSON-ready mapping of every field."""
        out = dataclasses.asdict(self)
        for key in ("corrections", "years", "warnings"):
            out[key] = list(out[key])
        out["annual_ghi_kwh_m2_by_year"] = {str(y): v for y, v in
                                            self.annual_ghi_kwh_m2_by_year}
        return out


#: A calendar year counts as complete when its stamps cover at least this share of its
#: hours (a year of hourly values missing a few hours still gives a usable annual sum).
COMPLETE_YEAR_SHARE = 0.99


def annual_ghi_by_year(frame: pd.DataFrame) -> tuple[tuple[int, float], ...]:
    """GHI irradiation of each complete calendar year of a multi-year series [kWh/m^2].

    Years are those of the stamps in the frame's own time zone; a year whose stamps cover
    less than :data:`COMPLETE_YEAR_SHARE` of its hours is left out (a partial first or
    last year would bias the spread). Fewer than two complete years give an empty tuple.
    """
    if len(frame.index) < 2:
        return ()
    step_h = time_step_minutes(frame.index) / 60.0
    groups = frame["ghi"].groupby(frame.index.year)
    out = []
    for year, values in groups:
        hours = (366 if _is_leap(int(year)) else 365) * 24.0
        if len(values) * step_h >= COMPLETE_YEAR_SHARE * hours:
            out.append((int(year), float(values.sum()) * step_h / 1000.0))
    return tuple(out) if len(out) >= 2 else ()


#: Periods of each time unit of an index per second (``total_seconds`` is the integer
#: stamps over this).
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def time_step_minutes(index: pd.DatetimeIndex) -> float:
    """Most common spacing of an index [minutes]."""
    # total_seconds is independent of the index's resolution (ns in pandas 2, us in 3)
    per_second = _PER_SECOND.get(getattr(index, "unit", None))
    if per_second is not None and not index.hasnans:
        # the same numbers from the integer stamps, as total_seconds forms them
        steps = np.diff(index.asi8) / per_second / 60.0
        if len(steps) and (steps == steps[0]).all():  # regular: no sort needed
            return float(steps[0])
    else:
        steps = (index[1:] - index[:-1]).total_seconds().to_numpy() / 60.0
    values, counts = np.unique(steps, return_counts=True)
    return float(values[np.argmax(counts)])


def validate_frame(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check a frame against the contract; ``where`` names the file in errors."""
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise WeatherError(f"{where}: time stamps must be time-zone aware")
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        steps = (frame.index[1:] - frame.index[:-1]) <= pd.Timedelta(0)
        first = frame.index[1:][steps][0] if steps.any() else frame.index[0]
        try:
            first = str(first)
        except (ValueError, NotImplementedError):  # beyond the standard library's years
            first = repr(first.value)
        raise WeatherError(f"{where}: time stamps must be strictly increasing; the stamp "
                           f"{first} (interval centre) repeats or goes back in time")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise WeatherError(f"{where}: missing column(s) {missing}")
    for column in REQUIRED_COLUMNS:
        bad = frame[column].isna()
        if bad.any():
            raise WeatherError(
                f"{where}: column {column!r} has {int(bad.sum())} missing value(s), "
                f"first at {frame.index[bad.argmax()]}"
            )
    columns = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in frame.columns]
    return numeric_columns(frame[columns], where)


def numeric_columns(frame: pd.DataFrame, where: str, first_line: int | None = None,
                    names: dict[str, str] | None = None) -> pd.DataFrame:
    """The frame with every column as float; a cell that is not a number is an error.

    ``first_line`` is the file line of the frame's first row (the message then names the
    line, else the time stamp); ``names`` maps a column to the file's name for it.
    """
    out = {}
    for column in frame.columns:
        values = frame[column]
        try:
            out[column] = values.astype(float)
            continue
        except (ValueError, TypeError):
            pass
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        i = int(bad.to_numpy().argmax())
        where_row = (f"line {first_line + i}" if first_line is not None
                     else f"row {i + 1} ({frame.index[i]})")
        text = repr(values.iloc[i])
        text = text if len(text) <= 40 else text[:37] + "..."
        raise WeatherError(f"{where}: {where_row}: column {(names or {}).get(column, column)!r}"
                           f" is not a number ({text})")
    return pd.DataFrame(out, index=frame.index)


def coerce_year(index: pd.DatetimeIndex, year: int = TYPICAL_YEAR) -> pd.DatetimeIndex:
    """Give every stamp of a typical-year index the same calendar year.

    The stamps keep their month, day and time in the index's own time zone; the result is
    sorted by the caller.
    """
    naive = index.tz_localize(None)
    # 29 February of a month taken from a leap year has no place in a common year: its
    # stamps go to 28 February (the caller drops a whole leap day that then collides)
    leap_day = (naive.month == 2) & (naive.day == 29) & (not _is_leap(year))
    shifted = pd.to_datetime(
        {
            "year": year,
            "month": naive.month,
            "day": np.where(leap_day, 28, naive.day),
            "hour": naive.hour,
            "minute": naive.minute,
        }
    )
    return pd.DatetimeIndex(shifted).tz_localize(index.tz)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance on a sphere of radius 6371 km [km]; numpy-vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def fixed_offset_zone(hours: float, where: str) -> str:
    """IANA name of a whole-hour fixed offset: UTC-4 is ``Etc/GMT+4`` (sign inverted)."""
    if not math.isfinite(hours) or hours != int(hours) or not -12 <= hours <= 14:
        raise WeatherError(f"{where}: time zone offset {hours} h is not a whole hour in [-12, 14]")
    hours = int(hours)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def to_center(frame: pd.DataFrame, label: Label) -> pd.DataFrame:
    """Move stamps from ``label`` to the middle of each interval."""
    if label == "center":
        return frame
    if len(frame.index) < 2:
        raise WeatherError("a series needs at least two time stamps to know its interval")
    half = pd.Timedelta(minutes=time_step_minutes(frame.index) / 2)
    shifted = frame.copy()
    shifted.index = frame.index + (half if label == "start" else -half)
    return shifted


def _typical(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Coerce a typical year stitched from several years into :data:`TYPICAL_YEAR`; report
    whether it was one.

    A series whose stamps span several calendar years but follow each other at one constant
    step is a real multi-year series (PVGIS hourly, NSRDB or NASA POWER years): it stays as
    it is, so that every year reaches the model. A typical year jumps between the years its
    months come from, which no continuous series does.
    """
    if frame.index.year.nunique() == 1 or _continuous(frame.index):
        return frame, False
    return _coerced(frame), True


def _continuous(index: pd.DatetimeIndex) -> bool:
    """True when every step between stamps is the same positive interval."""
    steps = index[1:] - index[:-1]
    return bool(len(steps)) and steps[0] > pd.Timedelta(0) and bool((steps == steps[0]).all())


def _coerced(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in :data:`TYPICAL_YEAR`; a leap day that collides with 28 February (a
    February taken from a leap year) is dropped, a lone stamp moved there is kept."""
    naive = frame.index.tz_localize(None)
    leap_day = (naive.month == 2) & (naive.day == 29)
    out = frame.copy()
    out.index = coerce_year(frame.index)
    if leap_day.any() and not _is_leap(TYPICAL_YEAR):
        out = out[~(leap_day & out.index.duplicated(keep=False))]
    return out.sort_index()


def finish_frame(
    frame: pd.DataFrame, label: Label, where: str, typical: bool | None = None
) -> tuple[pd.DataFrame, bool]:
    """Move stamps to interval centres, give a typical year one calendar year, validate.

    ``typical`` None detects a typical year (stamps from several years); True forces the
    coercion. Returns the frame and whether it is a typical year.
    """
    if len(frame.index) < 2:
        raise WeatherError(f"{where}: {len(frame.index)} data row(s); a weather series needs "
                           "at least two (a year of hourly values is 8,760)")
    # centre first: an end-labelled 00:00 on 1 January belongs to the last hour of the year,
    # which coercion then puts back into the typical year
    frame = to_center(frame, label)
    if typical:
        frame = _coerced(frame)
    else:
        frame, typical = _typical(frame)
    return validate_frame(frame, where), typical
