"""Quality checks of weather series, and the repairs a user may ask for.

:func:`qc_report` flags gaps, duplicate or backward stamps, impossible values (negative
irradiance, GHI above the extraterrestrial irradiance, GHI far from DNI cos(zenith) + DHI),
unit mistakes (kW/m^2 for W/m^2, daily kWh/m^2, Kelvin) and shifted stamps. It never alters
the data; :func:`shift_stamps` and :func:`clip_negative` repair only when called, and
record what they did in the metadata.

The time-shift check compares when the measured irradiance of clear days peaks with when
the clear-sky model says it should, at the same stamps. A wrong time zone, a wrong interval
label or a daylight-saving mix-up shows as a shift of whole or half hours.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pvlib

from pvyield.weather.frame import WeatherMeta, time_step_minutes

#: A day counts as clear when its GHI is at least this fraction of the clear-sky GHI.
CLEAR_DAY_INDEX = 0.75
#: Fewer clear days than this and the shift cannot be told.
MIN_CLEAR_DAYS = 5


def clear_sky_ghi(
    times: pd.DatetimeIndex, latitude: float, longitude: float, elevation_m: float
) -> pd.Series:
    """Ineichen-Perez clear-sky GHI with climatological Linke turbidity [W/m^2]."""
    location = pvlib.location.Location(latitude, longitude, altitude=elevation_m)
    return location.get_clearsky(times, model="ineichen")["ghi"]


def time_shift_minutes(
    frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float
) -> float:
    """How much later the measured GHI peaks than clear-sky GHI at the same stamps [min].

    Two steps. First the whole-interval lag that best lines measured GHI up with the
    clear-sky model (cross-correlation over up to 13 hours each way), so that shifts of
    several hours (a wrong time zone) are seen whole. Then, on the series moved by that lag,
    for every clear day the irradiance-weighted mean time (the centroid) of measured GHI is
    compared with that of the clear-sky model; the median difference is added. About 0 for
    a correctly stamped series; +60 when the stamps are one hour too late for their values
    (a value stamped 13:00 belongs to 12:00); +30 when end-of-interval stamps are read as
    interval centres; -480 for local time UTC-8 labelled UTC. Subtract the shift from the
    stamps to repair them.

    Returns
    -------
    float
        Shift in minutes, or NaN when the series has fewer than :data:`MIN_CLEAR_DAYS`
        clear days.
    """
    clear = clear_sky_ghi(frame.index, latitude, longitude, elevation_m).to_numpy()
    ghi = np.nan_to_num(frame["ghi"].to_numpy(dtype=float))
    step_min = time_step_minutes(frame.index)
    lag = _best_lag(ghi, clear, round(13 * 60 / step_min))
    aligned = np.roll(ghi, -lag)  # value at i + lag belongs to stamp i
    residual = _centroid_shift_minutes(frame.index, aligned, clear, longitude)
    return float(lag * step_min + residual)


def _best_lag(ghi: np.ndarray, clear: np.ndarray, max_lag: int) -> int:
    """Lag [intervals] maximising the overlap of measured and clear-sky GHI."""
    scores = [np.dot(ghi[max(lag, 0):len(ghi) + min(lag, 0)],
                     clear[max(-lag, 0):len(clear) + min(-lag, 0)])
              for lag in range(-max_lag, max_lag + 1)]
    return int(np.argmax(scores)) - max_lag


def _centroid_shift_minutes(index: pd.DatetimeIndex, ghi: np.ndarray, clear: np.ndarray,
                            longitude: float) -> float:
    """Median over clear days of the measured minus the clear-sky centroid time [min]."""
    # hours since the first stamp: continuous across midnight and time zones
    hours = (index - index[0]).total_seconds().to_numpy() / 3600.0
    # days from solar midnight to solar midnight: a day's bump is not cut in two
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    solar_hours = (index - epoch).total_seconds().to_numpy() / 3600.0 + longitude / 15.0
    table = pd.DataFrame({"day": np.floor(solar_hours / 24.0), "ghi": ghi, "clear": clear,
                          "t_ghi": hours * ghi, "t_clear": hours * clear})
    daily = table.groupby("day")[["ghi", "clear", "t_ghi", "t_clear"]].sum()
    clear_days = daily[(daily["clear"] > 0) & (daily["ghi"] >= CLEAR_DAY_INDEX * daily["clear"])]
    if len(clear_days) < MIN_CLEAR_DAYS:
        return float("nan")
    centroid_ghi = clear_days["t_ghi"] / clear_days["ghi"]
    centroid_clear = clear_days["t_clear"] / clear_days["clear"]
    return float(np.median(centroid_ghi - centroid_clear) * 60.0)


#: A time shift at least this large [min] is flagged (hourly data resolve about 10 min).
SHIFT_FLAG_MINUTES = 20.0
#: Closure check: only with the sun this high [degrees], and this far off [W/m^2, -].
CLOSURE_MIN_ELEVATION_DEG = 10.0
CLOSURE_TOLERANCE_W_M2 = 50.0
CLOSURE_TOLERANCE_REL = 0.10
#: Share of daytime intervals failing closure above which the series is flagged.
CLOSURE_FLAG_SHARE = 0.05
#: GHI may exceed the extraterrestrial irradiance on the horizontal by this much [W/m^2]
#: (cloud enhancement over averaging intervals, refraction at low sun).
EXTRA_SLACK_W_M2 = 50.0


@dataclasses.dataclass(frozen=True)
class QcFlag:
    """One finding of the quality checks.

    ``code`` is stable for scripts (``gap``, ``duplicate_stamps``, ``non_monotonic``,
    ``negative``, ``above_extraterrestrial``, ``closure``, ``units_kw``,
    ``units_daily_kwh``, ``units_kelvin``, ``time_shift``); ``count`` is the number of
    intervals concerned.
    """

    code: str
    severity: str
    message: str
    count: int = 0


@dataclasses.dataclass(frozen=True)
class QcReport:
    """Result of :func:`qc_report`: the time shift [min] and every flag."""

    time_shift_minutes: float
    flags: tuple[QcFlag, ...]

    def to_dict(self) -> dict:
        shift = self.time_shift_minutes
        return {"time_shift_minutes": None if np.isnan(shift) else round(shift, 1),
                "flags": [dataclasses.asdict(f) for f in self.flags]}


def qc_report(
    frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float
) -> QcReport:
    """Check a weather series; never changes it.

    Parameters
    ----------
    frame : DataFrame
        Series with a tz-aware index and pvlib column names (``ghi`` [W/m^2] at least).
    latitude, longitude : float
        Where it applies [degrees].
    elevation_m : float
        Elevation [m]; NaN is read as 0 m.

    Returns
    -------
    QcReport
        The clear-sky time shift and the flags, each with a message naming the first
        offending stamp.
    """
    elevation_m = 0.0 if np.isnan(elevation_m) else elevation_m
    flags = [*_stamp_flags(frame.index), *_unit_flags(frame)]
    ordered = frame[~frame.index.duplicated()].sort_index()
    solpos = pvlib.solarposition.get_solarposition(
        ordered.index, latitude, longitude, elevation_m
    )
    flags += _value_flags(ordered, solpos)
    shift = time_shift_minutes(ordered, latitude, longitude, elevation_m)
    if not np.isnan(shift) and abs(shift) >= SHIFT_FLAG_MINUTES:
        flags.append(QcFlag(
            "time_shift", "error",
            f"GHI peaks {shift:+.0f} min from clear-sky noon: the stamps are shifted (wrong "
            "time zone, interval label or daylight saving); subtract the shift to repair",
        ))
    return QcReport(shift, tuple(flags))


def _stamp_flags(index: pd.DatetimeIndex) -> list[QcFlag]:
    flags = []
    if index.has_duplicates:
        dup = index[index.duplicated()]
        flags.append(QcFlag("duplicate_stamps", "error",
                            f"{len(dup)} duplicate stamp(s), first {dup[0]}", len(dup)))
    steps = (index[1:] - index[:-1]).total_seconds().to_numpy()
    back = np.flatnonzero(steps <= 0)
    if (steps < 0).any():
        flags.append(QcFlag("non_monotonic", "error",
                            f"stamps go back in time {int((steps < 0).sum())} time(s), first "
                            f"after {index[back[0]]}", int((steps < 0).sum())))
    positive = steps[steps > 0]
    if len(positive):
        step = np.median(positive)
        gaps = np.flatnonzero(steps > 1.5 * step)
        if len(gaps):
            missing = int(np.sum(np.round(steps[gaps] / step) - 1))
            flags.append(QcFlag("gap", "warning",
                                f"{len(gaps)} gap(s), {missing} missing interval(s), first "
                                f"after {index[gaps[0]]}", missing))
    return flags


def _unit_flags(frame: pd.DataFrame) -> list[QcFlag]:
    flags = []
    ghi = frame["ghi"]
    step_min = np.median((frame.index[1:] - frame.index[:-1]).total_seconds()) / 60.0
    if step_min >= 1440 and 0.5 < ghi.mean() < 12:
        flags.append(QcFlag("units_daily_kwh", "error",
                            f"daily values averaging {ghi.mean():.2f}: GHI looks like daily "
                            "irradiation in kWh/m^2, not mean irradiance in W/m^2"))
    elif 0 < ghi.max() < 2.0:
        flags.append(QcFlag("units_kw", "error",
                            f"GHI never exceeds {ghi.max():.3g}: the values look like kW/m^2 "
                            "(or kWh/m^2 per hour), not W/m^2"))
    if "temp_air" in frame and frame["temp_air"].mean() > 150:
        flags.append(QcFlag("units_kelvin", "error",
                            f"mean air temperature {frame['temp_air'].mean():.1f}: Kelvin, "
                            "not °C"))
    return flags


def _value_flags(frame: pd.DataFrame, solpos: pd.DataFrame) -> list[QcFlag]:
    flags = []
    for column in ("ghi", "dni", "dhi"):
        if column in frame:
            negative = frame[column] < -1.0
            if negative.any():
                flags.append(QcFlag("negative", "warning",
                                    f"{column} negative in {int(negative.sum())} interval(s), "
                                    f"first {frame.index[negative.argmax()]}",
                                    int(negative.sum())))
    cosz = np.cos(np.radians(solpos["zenith"].to_numpy()))
    extra = pvlib.irradiance.get_extra_radiation(frame.index).to_numpy() * np.maximum(cosz, 0)
    above = frame["ghi"].to_numpy() > extra + EXTRA_SLACK_W_M2
    if above.any():
        flags.append(QcFlag("above_extraterrestrial", "error",
                            f"GHI above the extraterrestrial irradiance in {int(above.sum())} "
                            f"interval(s), first {frame.index[above.argmax()]}",
                            int(above.sum())))
    if {"dni", "dhi"} <= set(frame.columns):
        day = (90.0 - solpos["zenith"].to_numpy()) > CLOSURE_MIN_ELEVATION_DEG
        sum_ = frame["dni"].to_numpy() * cosz + frame["dhi"].to_numpy()
        ghi = frame["ghi"].to_numpy()
        off = day & (np.abs(ghi - sum_) > np.maximum(CLOSURE_TOLERANCE_W_M2,
                                                     CLOSURE_TOLERANCE_REL * ghi))
        if day.any() and off.sum() > CLOSURE_FLAG_SHARE * day.sum():
            flags.append(QcFlag("closure", "warning",
                                f"GHI differs from DNI cos(zenith) + DHI by more than "
                                f"{CLOSURE_TOLERANCE_W_M2:g} W/m^2 and "
                                f"{CLOSURE_TOLERANCE_REL:.0%} in {int(off.sum())} of "
                                f"{int(day.sum())} daytime intervals, first "
                                f"{frame.index[off.argmax()]}", int(off.sum())))
    return flags


def shift_stamps(
    frame: pd.DataFrame, meta: WeatherMeta, minutes: float
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Repair (opt-in): move every stamp ``minutes`` earlier, recorded as a correction.

    Pass the shift :func:`time_shift_minutes` found, rounded to the resolution you trust.
    """
    out = frame.copy()
    out.index = frame.index - pd.Timedelta(minutes=minutes)
    return out, meta.with_correction(
        f"stamps moved {-minutes:+g} min (time-shift repair requested)")


def clip_negative(frame: pd.DataFrame, meta: WeatherMeta) -> tuple[pd.DataFrame, WeatherMeta]:
    """Repair (opt-in): set negative irradiance to 0, recorded as a correction."""
    out = frame.copy()
    count = 0
    for column in ("ghi", "dni", "dhi"):
        count += int((out[column] < 0).sum())
        out[column] = out[column].clip(lower=0.0)
    return out, meta.with_correction(
        f"{count} negative irradiance value(s) set to 0 (repair requested)")
