"""Quality checks of weather series, and the repairs a user may ask for.

:func:`qc_report` flags gaps, a series that does not cover whole years, duplicate or
backward stamps, non-finite values, impossible values (negative irradiance, irradiance above
the physically possible limits, GHI above the extraterrestrial irradiance, air temperatures
no place on Earth has seen, negative wind), GHI far from DNI cos(zenith) + DHI, unit
mistakes (kW/m^2 for W/m^2, daily kWh/m^2, Kelvin, a negated series) and shifted stamps.
Severity ``error`` marks what makes an energy estimate wrong (:mod:`pvyield.weather.gate`
refuses it unless the site file accepts it), ``warning`` what a user should know. It never
alters the data; :func:`shift_stamps` and :func:`clip_negative` repair only when called, and
record what they did in the metadata.

The time-shift check compares when the measured irradiance of clear days peaks with when
the clear-sky model says it should, at the same stamps. A wrong time zone, a wrong interval
label or a daylight-saving mix-up shows as a shift of whole or half hours.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading
import weakref
from collections.abc import Callable

import numpy as np
import pandas as pd
import pvlib

from pvyield._kept import Kept
from pvyield.weather.frame import WeatherMeta, time_step_minutes

#: Periods of each time unit an index may have, per second (its ``asi8`` over this is
#: ``total_seconds``, as pandas computes it).
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _seconds(index: pd.DatetimeIndex) -> np.ndarray | None:
    """Seconds since 1970-01-01 UTC of every stamp, as ``(index - epoch).total_seconds()``
    gives them (the integer stamps over the periods per second), or None when the index has
    missing stamps (NaT) or an unknown unit: then pandas' own arithmetic is used."""
    per_second = _PER_SECOND.get(getattr(index, "unit", "ns"))
    if per_second is None or index.hasnans:
        return None
    return index.asi8 / per_second


def _steps_seconds(index: pd.DatetimeIndex) -> np.ndarray:
    """``(index[1:] - index[:-1]).total_seconds()`` as an array [s]."""
    per_second = _PER_SECOND.get(getattr(index, "unit", "ns"))
    if per_second is None or index.hasnans:
        return (index[1:] - index[:-1]).total_seconds().to_numpy()
    return np.diff(index.asi8) / per_second


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float values (read-only use)."""
    return frame[name].to_numpy(dtype=float)


class _Columns(dict):
    """The frame's columns as float arrays, each taken from the frame once per report."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__()
        self.frame = frame
        # a frame of float columns only (every series the readers and the generator make)
        # gives all of them in one array, without a Series per column
        self.values = None
        if frame.columns.is_unique and all(dtype == np.float64 for dtype in frame.dtypes):
            self.values = frame.to_numpy(dtype=float, copy=False)

    def __missing__(self, name: str) -> np.ndarray:
        if self.values is not None and name in self.frame.columns:
            values = self.values[:, self.frame.columns.get_loc(name)]
        else:
            values = _column(self.frame, name)
        self[name] = values
        return values


#: A day counts as clear when its GHI is at least this fraction of the clear-sky GHI.
CLEAR_DAY_INDEX = 0.75
#: Fewer clear days than this and the shift cannot be told.
MIN_CLEAR_DAYS = 5


def clear_sky_ghi(
    times: pd.DatetimeIndex, latitude: float, longitude: float, elevation_m: float
) -> pd.Series:
    """Ineichen-Perez clear-sky GHI with climatological Linke turbidity [W/m^2].

    pvlib's own path (``Location.get_clearsky``, with its SPA and a reading of the Linke
    turbidity file per call): the reference :func:`fast_clear_sky_ghi` is held equal to.
    """
    location = pvlib.location.Location(latitude, longitude, altitude=elevation_m)
    return location.get_clearsky(times, model="ineichen")["ghi"]


@dataclasses.dataclass(frozen=True)
class Sky:
    """What the checks need of the sun at a series' stamps, arrays of shape ``(time,)``.

    Attributes
    ----------
    zenith : ndarray
        Topocentric zenith without refraction, pvlib's ``zenith`` [degrees].
    clear_ghi : ndarray
        Ineichen-Perez clear-sky GHI with pvlib's climatological Linke turbidity [W/m^2].
    extra_normal : ndarray
        Extraterrestrial normal irradiance, pvlib's default (Spencer 1971) [W/m^2].
    cos_zenith : ndarray, optional
        ``np.cos(np.radians(zenith))`` when the giver has it already [-].
    """

    zenith: np.ndarray
    clear_ghi: np.ndarray
    extra_normal: np.ndarray
    cos_zenith: np.ndarray | None = None


def sky_pvlib(times: pd.DatetimeIndex, latitude: float, longitude: float,
              elevation_m: float) -> Sky:
    """:class:`Sky` by pvlib's functions, called per series (the reference path).

    pvlib's SPA (``get_solarposition``, ``nrel_numpy``, pressure from the elevation) twice,
    for the zenith and inside ``Location.get_clearsky``, and the Linke turbidity file read
    per call: about 0.1 s per hourly year.
    """
    solpos = pvlib.solarposition.get_solarposition(times, latitude, longitude, elevation_m)
    return Sky(zenith=solpos["zenith"].to_numpy(dtype=float),
               clear_ghi=clear_sky_ghi(times, latitude, longitude, elevation_m).to_numpy(
                   dtype=float),
               extra_normal=pvlib.irradiance.get_extra_radiation(times).to_numpy(
                   dtype=float))


#: Annual mean air temperature of pvlib's SPA refraction correction [°C], its default.
SPA_TEMPERATURE_C = 12.0
#: Refraction at sunrise and sunset, pvlib's SPA default [degrees].
SPA_ATMOS_REFRACT_DEG = 0.5667


class _TimeBase:
    """What :func:`sky_fast` needs of a set of stamps whatever the site: the
    site-independent SPA terms (the steps of :func:`pvlib.spa.solar_position_numpy` before
    the observer enters) and the extraterrestrial irradiance, kept per process for the
    engine and the synthetic years too (:func:`pvyield.model.sun_time.time_terms`), and the
    UTC days at which pvlib interpolates the Linke turbidity."""

    def __init__(self, times: pd.DatetimeIndex, key: bytes | None = None):
        from pvyield.model import sun_time

        self.terms = sun_time.time_terms(times, key)
        #: hour angle at longitude 0, geocentric declination, parallax [degrees]
        self.hour_angle_0 = self.terms.hour_angle_0_deg
        self.declination = self.terms.declination_deg
        self.parallax = self.terms.parallax_deg
        self.extra_normal = self.terms.extra_normal
        utc = times.tz_convert("UTC") if times.tz is not None else times.tz_localize("UTC")
        # pvlib interpolates the monthly Linke turbidity at the UTC day of year of each
        # stamp (clearsky._interpolate_turbidity): one interpolation per distinct UTC day
        days = utc.normalize().asi8
        unique_days, self.day_index = np.unique(days, return_inverse=True)
        first = np.searchsorted(days, unique_days) if utc.is_monotonic_increasing else (
            np.array([np.flatnonzero(days == d)[0] for d in unique_days]))
        self.day_of_year = utc.day_of_year.to_numpy()[first]
        self.is_leap = np.asarray(utc.is_leap_year)[first]


#: Time bases kept by :func:`_time_base` (the sites of a batch chunk share a few sets of
#: stamps, one per time zone).
TIME_BASES_KEPT = 8
_BASES: Kept[_TimeBase] = Kept(TIME_BASES_KEPT)
_LAST_LOCK = threading.Lock()  # Dask workers may run chunks in threads of one process


def _time_base(times: pd.DatetimeIndex) -> _TimeBase:
    """The :class:`_TimeBase` of a set of stamps, kept for the last few sets."""
    from pvyield.model import sun_time

    # the synthetic years of a batch share one index object: known by identity (an index
    # is immutable; the kept object keeps its id from being reused) before hashing stamps
    known = _LAST_INDEX.get(id(times))
    if known is not None and known[0] is times:
        return known[1]
    key = sun_time.stamps_key(times)
    base = _BASES.get(key, functools.partial(_TimeBase, times, key))
    with _LAST_LOCK:
        _LAST_INDEX.clear()
        _LAST_INDEX[id(times)] = (times, base)
    return base


#: The last index object :func:`_time_base` was given, and its base.
_LAST_INDEX: dict[int, tuple[pd.DatetimeIndex, _TimeBase]] = {}


def _linke(base: _TimeBase, latitude: float, longitude: float) -> np.ndarray:
    """pvlib's ``lookup_linke_turbidity`` (interpolated daily) at the stamps [-]."""
    from pvyield.model import _pvlib_compat

    # the table is read by tiles kept per process (the synthetic years of a batch chunk
    # read the same cells just before)
    monthly = _pvlib_compat.linke_monthly_cell(*_pvlib_compat.linke_cell(latitude, longitude))
    leap_days, common_days = _pvlib_compat.linke_month_middles()
    padded = np.concatenate([[monthly[-1]], monthly, [monthly[0]]])
    per_day = np.where(base.is_leap, np.interp(base.day_of_year, leap_days, padded),
                       np.interp(base.day_of_year, common_days, padded))
    return per_day[base.day_index] / 20.0


def _zeniths(base: _TimeBase, latitude: float, longitude: float, elevation_m: float,
             compiled: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Zenith without and with refraction [degrees] from kept time terms.

    ``compiled``: with the engine's compiled split SPA (:func:`pvyield.model.solar.zeniths`,
    about 2 ms faster per hourly year), or with the observer's steps of
    :func:`pvlib.spa.solar_position_numpy` by pvlib's functions. By default compiled when
    the engine's module is already loaded (a batch, an estimate): loading numba and the
    compiled function first takes about 0.5 s, ten single checks' worth.
    """
    if compiled is None:
        compiled = "pvyield.model.solar" in sys.modules
    if compiled:
        from pvyield.model import solar

        terms = solar.SunTerms(*base.terms.stacked)
        zenith, apparent = solar.zeniths(terms, latitude, longitude, elevation_m)
        return zenith[0], apparent[0]
    from pvyield.model import _pvlib_compat

    # pvlib's get_solarposition: pressure from the elevation, in mbar for the SPA
    pressure_mbar = pvlib.atmosphere.alt2pres(elevation_m) / 100.0
    return _pvlib_compat.spa_observer_zeniths(
        base.hour_angle_0, base.declination, base.parallax, latitude, longitude,
        elevation_m, pressure_mbar, SPA_TEMPERATURE_C, SPA_ATMOS_REFRACT_DEG)


def sky_fast(times: pd.DatetimeIndex, latitude: float, longitude: float,
             elevation_m: float) -> Sky:
    """:class:`Sky` as :func:`sky_pvlib` gives it, with the time-only work done once.

    The sun position is pvlib's NREL SPA (``nrel_numpy``) split in two: the time-only
    terms computed once per set of stamps and kept (:func:`pvyield.model._pvlib_compat.
    spa_time_terms`), the observer's steps by pvlib's functions per site (no compiled code
    to load: a single check stays quick in a fresh process), equal to
    ``get_solarposition`` to about 1e-10 degrees; the Linke turbidity
    is pvlib's table, read by tiles kept per process and interpolated to the UTC day of
    year as pvlib does; airmass and the Ineichen-Perez model are pvlib's functions on
    arrays.

    References
    ----------
    .. [1] Reda, I., Andreas, A. (2004). Solar position algorithm for solar radiation
       applications. Solar Energy 76(5), 577-589. doi:10.1016/j.solener.2003.12.003
    .. [2] Ineichen, P., Perez, R. (2002). A new airmass independent formulation for the
       Linke turbidity coefficient. Solar Energy 73(3), 151-157.
    """
    base = _time_base(times)
    zenith, apparent = _zeniths(base, latitude, longitude, elevation_m)
    pressure = pvlib.atmosphere.alt2pres(elevation_m)
    airmass = pvlib.atmosphere.get_absolute_airmass(
        pvlib.atmosphere.get_relative_airmass(apparent), pressure)
    # on arrays numpy warns of the night's division by cos(zenith) = 0 that pandas hides;
    # the GHI is 0 there either way
    with np.errstate(divide="ignore", invalid="ignore"):
        clear = pvlib.clearsky.ineichen(apparent, airmass, _linke(base, latitude, longitude),
                                        altitude=elevation_m, dni_extra=base.extra_normal)
    return Sky(zenith=zenith, clear_ghi=np.asarray(clear["ghi"], dtype=float),
               extra_normal=base.extra_normal)


#: Skies given for a series (:func:`give_sky`), by ``id`` of its frame: the frame (weakly,
#: the entry goes with it), its index, the place and the sky.
_GIVEN: dict[int, tuple[weakref.ref, pd.DatetimeIndex, tuple[float, float, float], Sky]] = {}
# Dask workers may run chunks in threads of one process; reentrant, since a frame's
# weakref callback (below) may run in a garbage collection started while the lock is held
_GIVEN_LOCK = threading.RLock()


def give_sky(frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float,
             sky: Sky) -> None:
    """Let the checks of ``frame`` at this place take ``sky`` instead of computing it.

    For a caller that computed the sun and the clear sky at the frame's stamps and place
    already (:func:`pvyield.weather.synthetic.synthetic_years_many` makes them for its
    series), with arrays equal bit for bit to what :func:`sky_fast` computes with the
    compiled sun position there: the caller vouches for that, so that no finding of
    :func:`qc_report` depends on whether the sky was given. Kept as long as the frame
    object lives, for that object only and as long as its index is the same object.
    """
    key = id(frame)

    def forget(_ref, key=key):
        with _GIVEN_LOCK:
            entry = _GIVEN.get(key)
            if entry is not None and entry[0]() is None:
                del _GIVEN[key]

    with _GIVEN_LOCK:
        _GIVEN[key] = (weakref.ref(frame, forget), frame.index,
                       (latitude, longitude, elevation_m), sky)


def given_sky(frame: pd.DataFrame, latitude: float, longitude: float,
              elevation_m: float) -> Sky | None:
    """The sky :func:`give_sky` kept for this frame object at this place, if any.

    None unless the frame still has the index it had then, the place is the same (exactly)
    and :func:`sky_fast` would take the compiled sun position (the engine's module loaded:
    the giver computed with it).
    """
    with _GIVEN_LOCK:
        entry = _GIVEN.get(id(frame))
    if (entry is None or entry[0]() is not frame or entry[1] is not frame.index
            or entry[2] != (latitude, longitude, elevation_m)
            or "pvyield.model.solar" not in sys.modules):
        return None
    return entry[3]


def fast_clear_sky_ghi(times: pd.DatetimeIndex, latitude: float, longitude: float,
                       elevation_m: float) -> np.ndarray:
    """:func:`clear_sky_ghi` by :func:`sky_fast` [W/m^2]."""
    return sky_fast(times, latitude, longitude, elevation_m).clear_ghi


def time_shift_minutes(
    frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float,
    sky: Sky | None = None, step_minutes: float | None = None,
    ghi: np.ndarray | None = None,
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

    ``sky`` is the clear sky at the frame's stamps when already computed (:func:`sky_fast`
    otherwise), ``step_minutes`` the frame's :func:`~pvyield.weather.frame.time_step_minutes`,
    ``ghi`` the frame's GHI column as float values when already taken [W/m^2].

    Returns
    -------
    float
        Shift in minutes, or NaN when the series has fewer than :data:`MIN_CLEAR_DAYS`
        clear days.
    """
    if len(frame) < MIN_SHIFT_INTERVALS:  # the lag search spans 13 h each way
        return float("nan")
    if sky is None:
        sky = sky_fast(frame.index, latitude, longitude, elevation_m)
    clear = sky.clear_ghi
    ghi = np.nan_to_num(_column(frame, "ghi") if ghi is None else ghi)
    step_min = time_step_minutes(frame.index) if step_minutes is None else step_minutes
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
    hours, utc_hours = _of_index(index, "hours", _hours)
    solar_hours = utc_hours + longitude / 15.0
    # days from solar midnight to solar midnight: a day's bump is not cut in two
    days = np.floor(solar_hours / 24.0)
    if len(days) > 1 and (np.diff(days) >= 0).all():  # sorted: each new value a new day
        day = np.concatenate([[0], np.cumsum(np.diff(days) != 0)])
    else:
        _, day = np.unique(days, return_inverse=True)
    daily_ghi = np.bincount(day, weights=ghi)
    daily_clear = np.bincount(day, weights=clear)
    clear_days = (daily_clear > 0) & (daily_ghi >= CLEAR_DAY_INDEX * daily_clear)
    if clear_days.sum() < MIN_CLEAR_DAYS:
        return float("nan")
    centroid_ghi = np.bincount(day, weights=hours * ghi)[clear_days] / daily_ghi[clear_days]
    centroid_clear = (np.bincount(day, weights=hours * clear)[clear_days]
                      / daily_clear[clear_days])
    return float(np.median(centroid_ghi - centroid_clear) * 60.0)


def _hours(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Hours since the first stamp and since 1970-01-01 UTC of every stamp [h]."""
    seconds = _seconds(index)
    if seconds is None:
        # hours since the first stamp: continuous across midnight and time zones
        hours = (index - index[0]).total_seconds().to_numpy() / 3600.0
        epoch = pd.Timestamp("1970-01-01", tz="UTC")
        utc_hours = (index - epoch).total_seconds().to_numpy() / 3600.0
    else:  # the same numbers from the integer stamps
        per_second = _PER_SECOND[getattr(index, "unit", "ns")]
        hours = (index.asi8 - index.asi8[0]) / per_second / 3600.0
        utc_hours = seconds / 3600.0
    for array in (hours, utc_hours):
        array.flags.writeable = False  # kept per index (_of_index)
    return hours, utc_hours


#: Facts of index objects :func:`_of_index` keeps (four per index: the synthetic years of a
#: batch chunk share one index per time zone).
INDEX_FACTS_KEPT = 32
_INDEX_FACTS: Kept[tuple[pd.DatetimeIndex, object]] = Kept(INDEX_FACTS_KEPT)


def _of_index(index: pd.DatetimeIndex, name: str, compute: Callable, *args):
    """``compute(index, *args)``, kept per index object under ``name``.

    For the checks that read the stamps alone (their steps, coverage, hours): an index is
    immutable, and the kept value holds the index, so that its ``id`` is not reused while
    kept; the series of a batch share a few index objects, so each fact is computed once
    per index, not once per series.
    """
    return _INDEX_FACTS.get((id(index), name, *args),
                            lambda: (index, compute(index, *args)))[1]


#: Fewer intervals than this and the time shift is not measured (the lag search spans
#: 13 hours each way).
MIN_SHIFT_INTERVALS = 48
#: Below this ratio of GHI to the extraterrestrial irradiance on the horizontal, summed over
#: the series, there is no sunlight in it: annual clearness indices range from about 0.3
#: (overcast maritime and polar sites) to 0.75 (high deserts) (Duffie & Beckman 2013, ch. 2).
MIN_CLEARNESS = 0.05
#: A time shift at least this large [min] is a warning (hourly data resolve about 10 min)...
SHIFT_WARNING_MINUTES = 20.0
#: ... and at least this large an error: half an hour, the smallest shift a wrong interval
#: label makes in hourly data, moves a plant's energy by a few percent (a 3-hour shift by
#: about 17 %).
SHIFT_ERROR_MINUTES = 30.0
#: Closure check: only with the sun this high [degrees], and this far off [W/m^2, -].
CLOSURE_MIN_ELEVATION_DEG = 10.0
CLOSURE_TOLERANCE_W_M2 = 50.0
CLOSURE_TOLERANCE_REL = 0.10
#: Share of daytime intervals failing closure above which the series is flagged...
CLOSURE_FLAG_SHARE = 0.05
#: ... and above which it is an error: with a quarter of the daytime hours off, DNI and DHI
#: do not describe the sky GHI does (swapped columns, one column in other units or on
#: another time base), and the plane-of-array irradiance, which the chain builds from DNI
#: and DHI, is wrong. The real files measured (weather/README.md: 13 TMY and satellite
#: files, pvlib's and the recorded responses) fail closure in at most 0.1 % of them.
CLOSURE_ERROR_SHARE = 0.25
#: Dim sky: the 99th percentile of GHI over clear-sky GHI, over the hours with the sun
#: higher than :data:`DIM_MIN_ELEVATION_DEG` (at least :data:`DIM_MIN_HOURS` of them), below
#: this is an error. A year of real weather has clear hours: the files measured
#: (weather/README.md) reach 0.97 (NASA POWER, a coarse model) to 1.24, Sand Point's
#: overcast year 1.03; a series scaled down (Wh per half hour read as W/m^2, a wrong unit
#: or factor) does not, and the chain would take it as a cloudier climate.
DIM_CLEAR_SKY_RATIO = 0.8
DIM_MIN_ELEVATION_DEG = 20.0
DIM_MIN_HOURS = 200
#: Dark daytime: GHI at or below this [W/m^2] with the sun higher than
#: :data:`DARK_MIN_ELEVATION_DEG` is not weather (the thickest overcast leaves tens of
#: W/m^2 of diffuse light at that elevation) but missing values written as zeros...
DARK_GHI_W_M2 = 1.0
DARK_MIN_ELEVATION_DEG = 15.0
#: ... which the chain counts as hours without sun: the share of the series' clear-sky
#: irradiation that falls in them is (about) the share of energy lost. A warning above
#: this share (a few hours of a year stay unmentioned: a TMY3 file has one)...
DARK_WARNING_SHARE = 0.005
#: ... and an error above this one, the largest annual error pvyield accepts of its own
#: synthetic years (3 %, weather/README.md).
DARK_ERROR_SHARE = 0.03
#: GHI may exceed the extraterrestrial irradiance on the horizontal by this much [W/m^2]
#: (cloud enhancement over averaging intervals, refraction at low sun).
EXTRA_SLACK_W_M2 = 50.0
#: Irradiance below minus this is more than sensor noise [W/m^2]: the "physically possible"
#: minimum of Long, C.N. and Dutton, E.G. (2002), BSRN Global Network recommended QC tests,
#: V2.0 (thermal offsets of pyranometers at night stay above it).
NEGATIVE_NOISE_W_M2 = 4.0
#: Physically possible maxima of Long & Dutton (2002) with the sun at the zenith, as
#: (multiple of the extraterrestrial irradiance E0, offset [W/m^2]): GHI <= 1.5 E0 + 100,
#: DHI <= 0.95 E0 + 50, DNI <= E0. They hold at any sun position, so wrong time stamps
#: cannot trip them; a value above them is not weather.
POSSIBLE_MAXIMUM = {"ghi": (1.5, 100.0), "dhi": (0.95, 50.0), "dni": (1.0, 0.0)}
#: Air temperatures outside this range [°C] have never been measured on Earth (extremes
#: -89.2 °C, Vostok 1983, and 56.7 °C, Death Valley 1913: WMO World Weather and Climate
#: Extremes Archive); values beyond it are fill values or wrong units.
TEMP_AIR_RANGE_C = (-90.0, 70.0)
#: Relative humidity [%] a hygrometer can report: 0-100, a few % above 100 at saturation
#: (WMO-No. 8, 2018, Guide to Instruments and Methods of Observation, vol. I ch. 4);
#: outside it the column is a fraction (0-1 reads as below 1 %, not caught here), a fill
#: value or another quantity. It feeds the spectral model's precipitable water.
RELATIVE_HUMIDITY_RANGE_PCT = (0.0, 105.0)
#: Precipitable water [cm] of the Earth's atmosphere: 0 to about 7 cm in the wettest tropics
#: (Gueymard 1994, doi:10.1016/0038-092X(94)90610-6); First Solar's spectral model is
#: defined to 8 cm (Lee & Panchula 2016). Values above 10 cm are millimetres or fill values.
PRECIPITABLE_WATER_RANGE_CM = (0.0, 10.0)
#: Hours in a (non-leap) year [h].
HOURS_PER_YEAR = 8760.0
#: Missing share of a whole-year series tolerated, as a fraction of its hours (about 3.7
#: days a year). Assumption: the chain scales the energy of the hours present to whole
#: years, so a gap this small moves annual energy by at most about 1 %.
GAP_ALLOWANCE = 0.01
#: Longest time step the model chain is meant for [min]: it takes the sun's position at
#: the centre of each interval, which over longer intervals misplaces the sun.
MAX_STEP_MINUTES = 60.0
#: Columns the model chain reads; a non-finite value in any of them poisons the sums.
CHAIN_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")


@dataclasses.dataclass(frozen=True)
class QcFlag:
    """One finding of the quality checks.

    ``code`` is stable for scripts and for ``weather.accept`` in site files (``gap``,
    ``coverage``, ``time_step``, ``duplicate_stamps``, ``non_monotonic``, ``non_finite``,
    ``negative``, ``negated``, ``impossible_irradiance``, ``above_extraterrestrial``,
    ``temp_range``, ``wind_negative``, ``humidity_range``, ``precipitable_water_range``,
    ``closure``, ``dark_daytime``, ``dim``, ``units_kw``, ``units_daily_kwh``,
    ``units_kelvin``, ``time_shift``); ``severity`` is ``error`` (the energy would be
    wrong) or ``warning``; ``count`` is the number of intervals concerned.
    """

    code: str
    severity: str
    message: str
    count: int = 0


@dataclasses.dataclass(frozen=True)
class Coverage:
    """The period a series covers.

    Attributes
    ----------
    start, end : Timestamp
        Start of the first and end of the last interval (stamps are interval centres).
    span_hours : float
        From ``start`` to ``end`` [h].
    present_hours : float
        Intervals present times the time step [h]; less than ``span_hours`` with gaps.
    whole_years : int
        Number of whole years the span makes within :data:`GAP_ALLOWANCE` (leap days
        allowed); 0 when it is not a whole number of years.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    span_hours: float
    present_hours: float
    whole_years: int

    @property
    def years(self) -> float:
        """Hours present over :data:`HOURS_PER_YEAR` [yr]."""
        return self.present_hours / HOURS_PER_YEAR

    def describe(self) -> str:
        """``2019-01-01 00:00 .. 2019-07-01 00:00 (181.0 days, 0.50 of a year)``."""
        return (f"{self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M} "
                f"({self.span_hours / 24:.1f} days, {self.span_hours / HOURS_PER_YEAR:.2f} "
                "of a year)")


def period_text(span: Coverage) -> str:
    """How the figures of a series that is not whole years were scaled, in words."""
    return (f"the weather covers {span.describe()}, not whole years: energies per year are "
            f"the period's energy x 8,760 h / {span.present_hours:,.0f} h; the seasons "
            "missing are not in them, so they are not annual figures")


def coverage(index: pd.DatetimeIndex, step_minutes: float | None = None) -> Coverage:
    """The period a sorted index of interval centres covers, and whether it is whole years.

    A span of ``n`` years passes when it lies between ``n`` x 8,760 h and ``n`` x 8,760 h
    plus the leap days, each end widened by :data:`GAP_ALLOWANCE` of ``n`` years; a typical
    year (12 months from different years, given one calendar year by the readers) is one.
    """
    if step_minutes is None and len(index) > 1:
        step_minutes = time_step_minutes(index)
    step = pd.Timedelta(minutes=step_minutes) if len(index) > 1 else pd.Timedelta(hours=1)
    start, end = index[0] - step / 2, index[-1] + step / 2
    span_h = (end - start).total_seconds() / 3600.0
    present_h = len(index) * step.total_seconds() / 3600.0
    n = round(span_h / (HOURS_PER_YEAR + 6.0))  # mean year length with leap days
    allowance = GAP_ALLOWANCE * max(n, 1) * HOURS_PER_YEAR
    low = n * HOURS_PER_YEAR - allowance
    high = n * HOURS_PER_YEAR + 24.0 * -(-n // 4) + allowance
    whole = n if n >= 1 and low <= span_h <= high else 0
    return Coverage(start, end, span_h, present_h, whole)


@dataclasses.dataclass(frozen=True)
class QcReport:
    """Result of :func:`qc_report`: the time shift [min], the period covered, every flag."""

    time_shift_minutes: float
    flags: tuple[QcFlag, ...]
    coverage: Coverage | None = None

    @property
    def errors(self) -> tuple[QcFlag, ...]:
        """Flags of severity ``error``."""
        return tuple(f for f in self.flags if f.severity == "error")

    def to_dict(self) -> dict:
        shift = self.time_shift_minutes
        out = {"time_shift_minutes": None if np.isnan(shift) else round(shift, 1),
               "flags": [dataclasses.asdict(f) for f in self.flags]}
        if self.coverage is not None:
            c = self.coverage
            out["coverage"] = {"start": str(c.start), "end": str(c.end),
                               "span_hours": c.span_hours, "present_hours": c.present_hours,
                               "whole_years": c.whole_years}
        return out


def qc_report(
    frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float,
    sky: Callable[[pd.DatetimeIndex, float, float, float], Sky] = sky_fast,
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
    sky : callable
        Gives the sun position, clear sky and extraterrestrial irradiance at the stamps:
        :func:`sky_fast` (the time-only work kept between calls), or :func:`sky_pvlib`,
        pvlib called per series, the reference the findings are held equal to. With
        :func:`sky_fast`, a sky given for this frame object (:func:`give_sky`, the same
        arrays) is taken instead of computed.

    Returns
    -------
    QcReport
        The clear-sky time shift, the period covered and the flags, each with a message
        naming the first offending stamp.
    """
    elevation_m = 0.0 if np.isnan(elevation_m) else elevation_m
    columns = _Columns(frame)
    flags = [*_of_index(frame.index, "stamp_flags", _stamp_flag_tuple),
             *_finite_flags(frame, columns)]
    ordered = frame
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        ordered = frame[~frame.index.duplicated()].sort_index()
        columns = _Columns(ordered)
    # the other checks read the finite values only: one inf must not hide the rest
    if columns.values is not None:  # float columns only: all of them are the numbers
        finite = np.isfinite(columns.values).all()
    else:
        finite = np.isfinite(ordered.select_dtypes("number").to_numpy(dtype=float)).all()
    if not finite:
        numeric = ordered.select_dtypes("number")
        ordered = ordered.assign(**{c: numeric[c].where(np.isfinite(numeric[c]))
                                    for c in numeric.columns})
        columns = _Columns(ordered)
    step_min = (_of_index(ordered.index, "step", time_step_minutes) if len(ordered) > 1
                else 60.0)
    span = _of_index(ordered.index, "coverage", coverage, step_min)
    flags += _coverage_flags(span, flags)
    flags += _unit_flags(ordered, step_min, columns)
    given = None
    if sky is sky_fast and ordered.index is frame.index:
        # the sun and clear sky of a synthetic series, computed when it was made
        given = given_sky(frame, latitude, longitude, elevation_m)
    sun = sky(ordered.index, latitude, longitude, elevation_m) if given is None else given
    flags += _value_flags(ordered, sun, "units_kelvin" in {f.code for f in flags}, columns)
    shift = time_shift_minutes(ordered, latitude, longitude, elevation_m, sky=sun,
                               step_minutes=step_min, ghi=columns["ghi"])
    if not np.isnan(shift) and abs(shift) >= SHIFT_WARNING_MINUTES:
        flags.append(QcFlag(
            "time_shift", "error" if abs(shift) >= SHIFT_ERROR_MINUTES else "warning",
            f"GHI peaks {shift:+.0f} min from clear-sky noon: the stamps are shifted (wrong "
            "time zone, interval label or daylight saving); subtract the shift to repair",
        ))
    return QcReport(shift, tuple(flags), span)


def _stamp_flag_tuple(index: pd.DatetimeIndex) -> tuple[QcFlag, ...]:
    return tuple(_stamp_flags(index))


def _stamp_flags(index: pd.DatetimeIndex) -> list[QcFlag]:
    flags = []
    if index.has_duplicates:
        dup = index[index.duplicated()]
        flags.append(QcFlag("duplicate_stamps", "error",
                            f"{len(dup)} duplicate stamp(s), first {dup[0]}", len(dup)))
    steps = _steps_seconds(index)
    back = np.flatnonzero(steps < 0)
    if len(back):
        flags.append(QcFlag("non_monotonic", "error",
                            f"stamps go back in time {len(back)} time(s), first "
                            f"after {index[back[0]]}", len(back)))
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


def _finite_flags(frame: pd.DataFrame, columns: _Columns) -> list[QcFlag]:
    """Infinite or missing values in the columns the chain reads."""
    flags = []
    for column in CHAIN_COLUMNS:
        if column in frame:
            bad = ~np.isfinite(columns[column])
            if bad.any():
                flags.append(QcFlag("non_finite", "error",
                                    f"{column} is infinite or missing in {int(bad.sum())} "
                                    f"interval(s), first {frame.index[bad.argmax()]}",
                                    int(bad.sum())))
    return flags


def _coverage_flags(span: Coverage, flags: list[QcFlag]) -> list[QcFlag]:
    """Not whole years: an error; gaps beyond :data:`GAP_ALLOWANCE`: the gap flag an error."""
    out = []
    if span.whole_years == 0:
        out.append(QcFlag(
            "coverage", "error",
            f"the series covers {span.describe()}, not whole years: an annual figure from "
            "it would miss or double seasons", round(span.span_hours)))
    missing_h = span.span_hours - span.present_hours
    for i, flag in enumerate(flags):
        if flag.code == "gap" and missing_h > GAP_ALLOWANCE * span.span_hours:
            flags[i] = dataclasses.replace(
                flag, severity="error",
                message=f"{flag.message}: {missing_h / span.span_hours:.1%} of the hours "
                        f"missing, more than the {GAP_ALLOWANCE:.0%} tolerated")
    return out


def _nan_mean(values: np.ndarray) -> tuple[np.ndarray, float]:
    """The values with NaN set to 0, and their mean without the NaN (NaN if all are)."""
    missing = np.isnan(values)
    filled = np.where(missing, 0.0, values)
    count = len(values) - int(missing.sum())
    return filled, float(filled.sum() / count) if count else float("nan")


def _unit_flags(frame: pd.DataFrame, step_min: float, columns: _Columns) -> list[QcFlag]:
    flags = []
    # pandas' skipna statistics as pandas computes them (nanops): NaN set to 0 in sums,
    # means over the count of the others, NaN when there are none
    ghi = columns["ghi"]
    filled, mean = _nan_mean(ghi)
    present = ghi[~np.isnan(ghi)]
    if step_min >= 1440 and 0.5 < mean < 12:
        flags.append(QcFlag("units_daily_kwh", "error",
                            f"daily values averaging {mean:.2f}: GHI looks like daily "
                            "irradiation in kWh/m^2, not mean irradiance in W/m^2"))
    elif 0 < (highest := present.max() if len(present) else np.nan) < 2.0:
        flags.append(QcFlag("units_kw", "error",
                            f"GHI never exceeds {highest:.3g}: the values look like kW/m^2 "
                            "(or kWh/m^2 per hour), not W/m^2"))
    if step_min > MAX_STEP_MINUTES:
        flags.append(QcFlag("time_step", "error",
                            f"time step {step_min:g} min: the model chain needs intervals of "
                            f"at most {MAX_STEP_MINUTES:g} min (it places the sun at each "
                            "interval's centre)"))
    positive, negative = np.maximum(filled, 0).sum(), -np.minimum(filled, 0).sum()
    if negative > positive:
        flags.append(QcFlag("negated", "error",
                            f"GHI sums to {filled.sum():.3g} W/m^2 x intervals: the series is "
                            "mostly negative, its sign is flipped"))
    if "temp_air" in frame:
        temp_mean = _nan_mean(columns["temp_air"])[1]
        if temp_mean > 150:
            flags.append(QcFlag("units_kelvin", "error",
                                f"mean air temperature {temp_mean:.1f}: Kelvin, not °C"))
    return flags


def _value_flags(frame: pd.DataFrame, sun: Sky, kelvin: bool, columns: _Columns
                 ) -> list[QcFlag]:
    flags = []
    extra_normal = sun.extra_normal
    for column in ("ghi", "dni", "dhi"):
        if column in frame:
            values = columns[column]
            negative = values < -NEGATIVE_NOISE_W_M2
            if negative.any():
                flags.append(QcFlag("negative", "error",
                                    f"{column} below -{NEGATIVE_NOISE_W_M2:g} W/m^2 in "
                                    f"{int(negative.sum())} interval(s), first "
                                    f"{frame.index[negative.argmax()]} "
                                    f"({values[negative.argmax()]:.3g})",
                                    int(negative.sum())))
            factor, offset = POSSIBLE_MAXIMUM[column]
            above = values > factor * extra_normal + offset
            if above.any():
                flags.append(QcFlag("impossible_irradiance", "error",
                                    f"{column} above the physically possible {factor:g} E0 + "
                                    f"{offset:g} W/m^2 in {int(above.sum())} interval(s), "
                                    f"first {frame.index[above.argmax()]} "
                                    f"({values[above.argmax()]:.3g})", int(above.sum())))
    cosz = np.cos(np.radians(sun.zenith)) if sun.cos_zenith is None else sun.cos_zenith
    extra = extra_normal * np.maximum(cosz, 0)
    ghi = np.nan_to_num(columns["ghi"])
    no_sun = extra.sum() == 0 or ghi.clip(min=0).sum() < MIN_CLEARNESS * extra.sum()
    if no_sun:
        clearness = ghi.clip(min=0).sum() / extra.sum() if extra.sum() > 0 else 0.0
        flags.append(QcFlag("no_sun", "error",
                            f"GHI is {clearness:.1%} of the extraterrestrial irradiance on the "
                            f"horizontal over the series (below {MIN_CLEARNESS:.0%}; the "
                            "cloudiest climates keep about 30 %): the irradiance columns are "
                            "empty, zero or not irradiance"))
    else:  # a series without sun is named so, not also dim
        flags += _dim_flags(ghi, sun)
    above = ghi > extra + EXTRA_SLACK_W_M2
    if above.any():
        flags.append(QcFlag("above_extraterrestrial", "error",
                            f"GHI above the extraterrestrial irradiance in {int(above.sum())} "
                            f"interval(s), first {frame.index[above.argmax()]}",
                            int(above.sum())))
    if not kelvin:  # kelvin has its own finding
        flags += _range_flags(frame, "temp_air", TEMP_AIR_RANGE_C, "°C", "temp_range",
                              "air temperature", columns)
    flags += _range_flags(frame, "relative_humidity", RELATIVE_HUMIDITY_RANGE_PCT, "%",
                          "humidity_range", "relative humidity", columns)
    flags += _range_flags(frame, "precipitable_water", PRECIPITABLE_WATER_RANGE_CM, "cm",
                          "precipitable_water_range", "precipitable water", columns)
    if "wind_speed" in frame:
        wind = columns["wind_speed"]
        below = wind < 0
        if below.any():
            flags.append(QcFlag("wind_negative", "error",
                                f"wind speed negative in {int(below.sum())} interval(s), first "
                                f"{frame.index[below.argmax()]} ({wind[below.argmax()]:.3g})",
                                int(below.sum())))
    if {"dni", "dhi"} <= set(frame.columns):
        day = (90.0 - sun.zenith) > CLOSURE_MIN_ELEVATION_DEG
        sum_ = columns["dni"] * cosz + columns["dhi"]
        ghi = columns["ghi"]
        off = day & (np.abs(ghi - sum_) > np.maximum(CLOSURE_TOLERANCE_W_M2,
                                                     CLOSURE_TOLERANCE_REL * ghi))
        if day.any() and off.sum() > CLOSURE_FLAG_SHARE * day.sum():
            error = off.sum() > CLOSURE_ERROR_SHARE * day.sum()
            flags.append(QcFlag("closure", "error" if error else "warning",
                                f"GHI differs from DNI cos(zenith) + DHI by more than "
                                f"{CLOSURE_TOLERANCE_W_M2:g} W/m^2 and "
                                f"{CLOSURE_TOLERANCE_REL:.0%} in {int(off.sum())} of "
                                f"{int(day.sum())} daytime intervals, first "
                                f"{frame.index[off.argmax()]}"
                                + (f" (more than {CLOSURE_ERROR_SHARE:.0%}: DNI and DHI do "
                                   "not describe the sky GHI does; swapped columns, units "
                                   "or time base?)" if error else ""), int(off.sum())))
    flags += _dark_flags(frame, sun, columns)
    return flags


def _dim_flags(ghi: np.ndarray, sun: Sky) -> list[QcFlag]:
    """The brightest hours far below the clear sky: a scaled series
    (:data:`DIM_CLEAR_SKY_RATIO`)."""
    up = (90.0 - sun.zenith) > DIM_MIN_ELEVATION_DEG
    clear = np.asarray(sun.clear_ghi, dtype=float)[up]
    if up.sum() < DIM_MIN_HOURS or not (clear > 0).all():
        return []
    ratio = float(np.percentile(ghi[up] / clear, 99))
    if ratio >= DIM_CLEAR_SKY_RATIO:
        return []
    return [QcFlag("dim", "error",
                   f"the brightest hours reach only {ratio:.2f} of the clear-sky GHI (99th "
                   f"percentile over the {int(up.sum())} hours with the sun more than "
                   f"{DIM_MIN_ELEVATION_DEG:g} deg up; real years reach 0.97-1.24): the "
                   "irradiance looks scaled down (a unit, a factor, Wh per interval "
                   "shorter than an hour?)", int(up.sum()))]


def _dark_flags(frame: pd.DataFrame, sun: Sky, columns: _Columns) -> list[QcFlag]:
    """Daytime intervals without light: missing values written as zeros
    (:data:`DARK_GHI_W_M2`, :data:`DARK_WARNING_SHARE`, :data:`DARK_ERROR_SHARE`)."""
    ghi = columns["ghi"]
    dark = ((90.0 - sun.zenith) > DARK_MIN_ELEVATION_DEG) & (ghi <= DARK_GHI_W_M2)
    if not dark.any():
        return []
    clear = np.nan_to_num(np.asarray(sun.clear_ghi, dtype=float))
    share = clear[dark].sum() / clear.sum() if clear.sum() > 0 else 1.0
    if share <= DARK_WARNING_SHARE:
        return []
    error = share > DARK_ERROR_SHARE
    return [QcFlag("dark_daytime", "error" if error else "warning",
                   f"GHI at or below {DARK_GHI_W_M2:g} W/m^2 with the sun more than "
                   f"{DARK_MIN_ELEVATION_DEG:g} deg up in {int(dark.sum())} interval(s), "
                   f"first {frame.index[dark.argmax()]}: missing values written as zeros? "
                   f"They hold {share:.1%} of the series' clear-sky irradiation, counted as "
                   "hours without sun" + (f" (more than {DARK_ERROR_SHARE:.0%})" if error
                                          else ""), int(dark.sum()))]


def _range_flags(frame: pd.DataFrame, column: str, bounds: tuple[float, float], unit: str,
                 code: str, name: str, columns: _Columns | None = None) -> list[QcFlag]:
    """A flag when a column leaves its physical range (none when the frame lacks it)."""
    if column not in frame:
        return []
    low, high = bounds
    values = _column(frame, column) if columns is None else columns[column]
    out = (values < low) | (values > high)
    if not out.any():
        return []
    return [QcFlag(code, "error", f"{name} outside {low:g}..{high:g} {unit} in "
                   f"{int(out.sum())} interval(s), first {frame.index[out.argmax()]} "
                   f"({values[out.argmax()]:.4g})", int(out.sum()))]


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
