"""Hourly years synthesised from monthly means, for sites without an hourly series.

The generator follows the structure of the classic synthetic-year methods (daily values
drawn with serial correlation, then hours within each day; Aguiar, Collares-Pereira & Conde
1988; Aguiar & Collares-Pereira 1992), in a simpler form:

1. clear-sky GHI from the Ineichen-Perez model with the site's climatological Linke
   turbidity (pvlib), at the centre of every hour of local standard time;
2. a daily clear-sky index for every day, drawn from a beta distribution whose mean is the
   month's ratio of measured to clear-sky irradiation, with lag-one autocorrelation between
   days (a Gaussian AR(1) process mapped through the beta quantile function);
3. hourly fluctuations around the daily index (an AR(1) process, largest on half-cloudy
   days, none on clear ones), with GHI kept between 0 and the extraterrestrial value;
4. each month rescaled so that its mean daily GHI equals the given value;
5. DNI and DHI from GHI with the Erbs et al. (1982) decomposition;
6. air temperature as a daily cosine between the monthly mean minus and plus half the
   daily range (minimum near sunrise, maximum at 15:00), the range widening on clear days;
   wind speed constant at the monthly mean.

Every number above that is not an input is a module constant, reported with the output.

References
----------
.. [1] Aguiar, R., Collares-Pereira, M., Conde, J.P. (1988). Simple procedure for generating
   sequences of daily radiation values using a library of Markov transition matrices.
   Solar Energy 40(3), 269-279. doi:10.1016/0038-092X(88)90049-7
.. [2] Aguiar, R., Collares-Pereira, M. (1992). TAG: a time-dependent, autoregressive,
   Gaussian model for generating synthetic hourly radiation. Solar Energy 49(3), 167-174.
   doi:10.1016/0038-092X(92)90068-L
.. [3] Ineichen, P., Perez, R. (2002). A new airmass independent formulation for the Linke
   turbidity coefficient. Solar Energy 73(3), 151-157. doi:10.1016/S0038-092X(02)00045-2
.. [4] Erbs, D.G., Klein, S.A., Duffie, J.A. (1982). Estimation of the diffuse radiation
   fraction for hourly, daily and monthly-average global radiation. Solar Energy 28(4),
   293-302. doi:10.1016/0038-092X(82)90302-4
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pvlib
from scipy import stats

from pvyield.errors import WeatherError
from pvyield.weather.frame import TYPICAL_YEAR, WeatherMeta, validate_frame

#: Upper bound of the daily clear-sky index (days slightly clearer than the model).
DAILY_INDEX_MAX = 1.05
#: Concentration (alpha + beta) of the beta distribution of the daily clear-sky index.
DAILY_INDEX_CONCENTRATION = 6.0
#: Lag-one autocorrelation of daily values (Aguiar et al. 1988 report 0.2-0.4).
DAILY_AUTOCORRELATION = 0.3
#: Lag-one autocorrelation and scale of the hourly fluctuation around the daily index.
HOURLY_AUTOCORRELATION = 0.7
HOURLY_SCALE = 0.6
#: Defaults when a monthly series is not given.
DEFAULT_TEMP_RANGE_C = 10.0
DEFAULT_WIND_SPEED_M_S = 1.0
#: Hour of the daily temperature maximum, local solar time [h].
TEMP_MAX_HOUR = 15.0


def standard_time_zone(timezone: str, year: int = TYPICAL_YEAR) -> datetime.timezone:
    """Fixed-offset zone of a place's local standard time (daylight saving removed)."""
    zone = ZoneInfo(timezone)
    jan, jul = (datetime.datetime(year, m, 1, tzinfo=zone) for m in (1, 7))
    offset = min(jan.utcoffset() - jan.dst(), jul.utcoffset() - jul.dst())
    return datetime.timezone(offset)


def hourly_centres(timezone: str, year: int = TYPICAL_YEAR) -> pd.DatetimeIndex:
    """Centres of the 8,760 hours of a non-leap year in local standard time."""
    zone = standard_time_zone(timezone, year)
    start = pd.Timestamp(year=year, month=1, day=1, hour=0, minute=30, tz=zone)
    return pd.date_range(start, periods=8760, freq="h")


def synthetic_year(
    latitude: float,
    longitude: float,
    elevation_m: float,
    timezone: str,
    ghi_kwh_m2_day: Sequence[float],
    temp_air_c: Sequence[float],
    temp_range_c: Sequence[float] | None = None,
    wind_speed_m_s: Sequence[float] | None = None,
    seed: int = 0,
    source: str = "monthly means",
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Synthesise an hourly year from monthly means.

    Parameters
    ----------
    latitude, longitude : float
        Site [degrees].
    elevation_m : float
        Site elevation [m].
    timezone : str
        IANA time zone; the series uses its standard time (no daylight saving).
    ghi_kwh_m2_day : sequence of 12 float
        Mean daily global horizontal irradiation per month [kWh/m^2/day].
    temp_air_c : sequence of 12 float
        Mean air temperature per month [°C].
    temp_range_c : sequence of 12 float, optional
        Mean daily range Tmax - Tmin per month [°C]; default :data:`DEFAULT_TEMP_RANGE_C`.
    wind_speed_m_s : sequence of 12 float, optional
        Mean wind speed per month [m/s]; default :data:`DEFAULT_WIND_SPEED_M_S`.
    seed : int
        Seed of the random generator: the same inputs and seed give the same year.
    source : str
        Where the monthly means come from, carried into the metadata.

    Returns
    -------
    frame, meta
        Hourly frame under the weather contract (``ghi``, ``dni``, ``dhi`` [W/m^2],
        ``temp_air`` [°C], ``wind_speed`` [m/s]) and metadata with ``synthetic=True``.
    """
    ghi_month = _twelve(ghi_kwh_m2_day, "ghi_kwh_m2_day")
    temp_month = _twelve(temp_air_c, "temp_air_c")
    range_month = _twelve(temp_range_c or [DEFAULT_TEMP_RANGE_C] * 12, "temp_range_c")
    wind_month = _twelve(wind_speed_m_s or [DEFAULT_WIND_SPEED_M_S] * 12, "wind_speed_m_s")
    rng = np.random.default_rng(seed)
    times = hourly_centres(timezone)
    solpos = pvlib.solarposition.get_solarposition(times, latitude, longitude, elevation_m)
    clear = _clear_sky_ghi(times, solpos, latitude, longitude, elevation_m)
    extra = pvlib.irradiance.get_extra_radiation(times) * np.maximum(
        np.cos(np.radians(solpos["zenith"].to_numpy())), 0.0
    )
    month = times.month.to_numpy() - 1
    day = times.day_of_year.to_numpy() - 1
    day_month = month[::24]  # the month of each day (the index holds whole days)
    daily_k = _daily_clear_sky_index(clear, ghi_month, day, day_month, rng)
    ghi = _hourly_ghi(clear, extra, daily_k[day], rng)
    ghi = _match_monthly_means(ghi, ghi_month, month, extra)
    parts = pvlib.irradiance.erbs(ghi, solpos["zenith"].to_numpy(), times)
    # clear days have a wider temperature range than overcast ones
    month_mean_k = np.bincount(day_month, weights=daily_k) / np.bincount(day_month)
    relative_k = (daily_k / month_mean_k[day_month])[day]
    temp = _temperature(times, longitude, temp_month, range_month, relative_k)
    frame = pd.DataFrame(
        {
            "ghi": ghi,
            "dni": np.nan_to_num(np.asarray(parts["dni"], dtype=float)),
            "dhi": np.nan_to_num(np.asarray(parts["dhi"], dtype=float)),
            "temp_air": temp,
            "wind_speed": wind_month[month],
        },
        index=times,
    )
    meta = WeatherMeta(
        format="synthetic",
        source=f"synthetic hourly year from {source} (pvyield synthetic_year, seed {seed})",
        latitude=latitude,
        longitude=longitude,
        elevation_m=elevation_m,
        time_step_minutes=60.0,
        synthetic=True,
        typical_year=True,
    )
    return validate_frame(frame, "synthetic year"), meta


def _twelve(values: Sequence[float], name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape != (12,) or not np.isfinite(array).all():
        raise WeatherError(f"synthetic year: {name} needs 12 finite monthly values")
    return array


def _clear_sky_ghi(times, solpos, latitude, longitude, elevation_m) -> np.ndarray:
    linke = pvlib.clearsky.lookup_linke_turbidity(times, latitude, longitude)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    airmass_abs = pvlib.atmosphere.get_absolute_airmass(
        airmass, pvlib.atmosphere.alt2pres(elevation_m)
    )
    clear = pvlib.clearsky.ineichen(
        solpos["apparent_zenith"], airmass_abs, linke, altitude=elevation_m,
        dni_extra=pvlib.irradiance.get_extra_radiation(times),
    )
    return clear["ghi"].fillna(0.0).to_numpy()


def _daily_clear_sky_index(clear, ghi_month, day, day_month, rng) -> np.ndarray:
    """One clear-sky index per day: beta marginals, AR(1) correlation between days."""
    clear_daily = np.bincount(day, weights=clear)  # [Wh/m^2/day]
    clear_month = np.array([clear_daily[day_month == m].mean() for m in range(12)])
    mean_index = ghi_month * 1000.0 / clear_month
    if (mean_index > DAILY_INDEX_MAX).any():
        worst = int(np.argmax(mean_index))
        raise WeatherError(
            f"synthetic year: mean GHI of month {worst + 1} is {mean_index[worst]:.2f} times "
            "the clear-sky value; check the units (kWh/m^2/day expected)"
        )
    z = _ar1(len(clear_daily), DAILY_AUTOCORRELATION, rng)
    mean = np.clip(mean_index[day_month] / DAILY_INDEX_MAX, 0.02, 0.98)
    a = mean * DAILY_INDEX_CONCENTRATION
    b = (1 - mean) * DAILY_INDEX_CONCENTRATION
    return DAILY_INDEX_MAX * stats.beta.ppf(stats.norm.cdf(z), a, b)


def _ar1(n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Standard-normal AR(1) series of length ``n`` with lag-one correlation ``rho``."""
    shocks = rng.standard_normal(n)
    z = np.empty(n)
    z[0] = shocks[0]
    innovation = np.sqrt(1 - rho**2)
    for i in range(1, n):
        z[i] = rho * z[i - 1] + innovation * shocks[i]
    return z


def _hourly_ghi(clear, extra, k_day, rng) -> np.ndarray:
    """Hourly GHI around the daily index, with AR(1) fluctuations, within [0, extra]."""
    noise = _ar1(len(clear), HOURLY_AUTOCORRELATION, rng)
    spread = HOURLY_SCALE * np.clip(k_day, 0, 1) * (1 - np.clip(k_day, 0, 1))
    k_hour = np.clip(k_day * (1 + spread * noise), 0.0, None)
    return np.minimum(clear * k_hour, extra)


def _match_monthly_means(ghi, ghi_month, month, extra) -> np.ndarray:
    """Scale every month to its target mean, keeping GHI under the extraterrestrial value."""
    days = np.bincount(month, minlength=12) / 24.0
    target = ghi_month * 1000.0 * days  # [Wh/m^2/month]
    for _ in range(20):
        total = np.bincount(month, weights=ghi, minlength=12)
        scale = np.divide(target, total, out=np.zeros(12), where=total > 0)
        if np.allclose(scale, 1.0, rtol=1e-6):
            break
        ghi = np.minimum(ghi * scale[month], 0.98 * extra)
    return ghi


def _temperature(times, longitude, temp_month, range_month, relative_k) -> np.ndarray:
    """Daily cosine cycle around the monthly mean, range scaled by the day's clearness."""
    month = times.month.to_numpy() - 1
    offset_h = times[0].utcoffset().total_seconds() / 3600.0
    solar_hour = (times.hour + times.minute / 60.0 + longitude / 15.0 - offset_h) % 24
    amplitude = 0.5 * range_month[month] * np.clip(relative_k, 0.3, 1.7)
    cycle = np.cos(2 * np.pi * (np.asarray(solar_hour) - TEMP_MAX_HOUR) / 24.0)
    temp = temp_month[month] + amplitude * cycle
    # restore each month's mean exactly: the clearness scaling is not symmetric in a month
    counts = np.bincount(month, minlength=12)
    correction = temp_month - np.bincount(month, weights=temp, minlength=12) / counts
    return temp + correction[month]
