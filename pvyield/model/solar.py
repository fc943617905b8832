"""Sun position for many sites at once: the NREL SPA split into time-only and per-site terms.

Most of the cost of the NREL Solar Position Algorithm (Reda & Andreas 2004) lies in the
terms that depend only on the time stamps: Julian days, the Earth's heliocentric longitude,
latitude and radius (hundreds of periodic terms), nutation, the obliquity of the ecliptic,
aberration, the apparent sidereal time and the Sun's geocentric right ascension and
declination. :func:`sun_terms` computes them once per set of time stamps with pvlib's own
SPA building blocks (:mod:`pvlib.spa`), in the order of
:func:`pvlib.spa.solar_position_numpy`.

What remains per site and time stamp is the topocentric part: the local hour angle, the
parallax in right ascension and declination, the elevation angle, the refraction correction
and the azimuth. :func:`apparent_sun` computes it from sines and cosines, using angle-sum
identities instead of inverse trigonometric round trips where the SPA only needs a sine or
a cosine; only the elevation angle (needed for refraction, airmass and the Perez model) is
taken through ``asin``. The result is the SPA's, as pvlib computes it
(:func:`pvlib.solarposition.get_solarposition` with ``method="nrel_numpy"``), to rounding.

References
----------
.. [1] Reda, I., Andreas, A. (2004). Solar position algorithm for solar radiation
   applications. Solar Energy 76(5), 577-589. doi:10.1016/j.solener.2003.12.003
"""

from __future__ import annotations

import dataclasses
import math

import numba
import numpy as np
import pandas as pd
import pvlib

from pvyield.model import _pvlib_compat, sun_time

#: Difference between terrestrial time and UT1 [s], pvlib's default for ``nrel_numpy``.
DELTA_T_S = sun_time.DELTA_T_S
#: Annual mean air temperature used by pvlib's SPA refraction correction [°C].
REFRACTION_TEMPERATURE_C = 12.0
#: Refraction at sunrise and sunset, pvlib's SPA default [degrees].
ATMOS_REFRACT_DEG = 0.5667
#: Elevation below which the SPA applies no refraction correction [degrees].
REFRACTION_LIMIT_DEG = -(0.26667 + ATMOS_REFRACT_DEG)


@dataclasses.dataclass(frozen=True)
class SunTerms:
    """Site-independent SPA terms for one set of time stamps, each of shape ``(time,)``.

    Attributes
    ----------
    cos_ha0, sin_ha0 : ndarray
        Cosine and sine of the Sun's hour angle at longitude 0 (apparent sidereal time
        minus geocentric right ascension) [-].
    sin_decl, cos_decl : ndarray
        Sine and cosine of the geocentric declination of the Sun [-].
    sin_xi : ndarray
        Sine of the equatorial horizontal parallax of the Sun [-].
    """

    cos_ha0: np.ndarray
    sin_ha0: np.ndarray
    sin_decl: np.ndarray
    cos_decl: np.ndarray
    sin_xi: np.ndarray

    def stacked(self) -> np.ndarray:
        """The terms as one ``(5, time)`` array in the order of the attributes."""
        return np.stack([self.cos_ha0, self.sin_ha0, self.sin_decl, self.cos_decl,
                         self.sin_xi])


def unixtime(times: pd.DatetimeIndex) -> np.ndarray:
    """Seconds since 1970-01-01 UTC, independent of the index's resolution [s]."""
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return np.asarray((times.tz_convert("UTC") - epoch) / pd.Timedelta("1s"), dtype=float)


def sun_terms(times: pd.DatetimeIndex) -> SunTerms:
    """Time-only SPA terms, computed once for any number of sites.

    pvlib's SPA building blocks (:mod:`pvyield.model._pvlib_compat`), stopped before the
    observer enters, kept per set of stamps for the engine, the weather checks and the
    synthetic years alike (:func:`pvyield.model.sun_time.time_terms`).

    Parameters
    ----------
    times : DatetimeIndex
        Time-zone-aware time stamps.

    Returns
    -------
    SunTerms
        Read-only arrays.
    """
    return SunTerms(*sun_time.time_terms(times).stacked)


@dataclasses.dataclass(frozen=True)
class Observer:
    """Per-site constants of the topocentric SPA terms, one value or array per attribute.

    Attributes
    ----------
    sin_lat, cos_lat, sin_lon, cos_lon : ndarray
        Sine and cosine of latitude and longitude [-].
    x_term, y_term : ndarray
        The SPA's parallax terms x and y of the observer (latitude and elevation) [-].
    refraction_scale : ndarray
        Pressure and temperature factor of the refraction correction, divided by 60
        [degrees].
    """

    sin_lat: np.ndarray
    cos_lat: np.ndarray
    sin_lon: np.ndarray
    cos_lon: np.ndarray
    x_term: np.ndarray
    y_term: np.ndarray
    refraction_scale: np.ndarray


def observer(latitude, longitude, elevation_m) -> Observer:
    """Per-site SPA constants, with the pressure pvlib's chain uses (from elevation).

    Parameters
    ----------
    latitude, longitude : float or array-like
        [degrees]
    elevation_m : float or array-like
        [m]
    """
    latitude, longitude, elevation_m = (np.asarray(x, dtype=float)
                                        for x in (latitude, longitude, elevation_m))
    x_term, y_term = _pvlib_compat.spa_observer_terms(latitude, elevation_m)
    pressure_mbar = pvlib.atmosphere.alt2pres(elevation_m) / 100.0
    lat, lon = np.radians(latitude), np.radians(longitude)
    return Observer(
        sin_lat=np.sin(lat), cos_lat=np.cos(lat), sin_lon=np.sin(lon), cos_lon=np.cos(lon),
        x_term=x_term, y_term=y_term,
        refraction_scale=(pressure_mbar / 1010.0) * (283.0 / (273 + REFRACTION_TEMPERATURE_C))
        * 1.02 / 60.0,
    )


@numba.njit(cache=True, nogil=True, error_model="numpy")
def apparent_sun(cos_ha0, sin_ha0, sin_decl, cos_decl, sin_xi,
                 sin_lat, cos_lat, sin_lon, cos_lon, x_term, y_term, refraction_scale):
    """Apparent (refracted) zenith and the azimuth of the Sun at one site and time.

    Parameters are those of :class:`SunTerms` (one time step) and :class:`Observer`.

    Returns
    -------
    zenith : float
        Apparent zenith [degrees].
    cos_zenith, sin_zenith : float
        Its cosine and sine [-].
    sin_azimuth, cos_azimuth : float
        Sine and cosine of the azimuth, clockwise from north [-].
    """
    sin_e0, sin_az, cos_az = sun_direction(cos_ha0, sin_ha0, sin_decl, cos_decl, sin_xi,
                                           sin_lat, cos_lat, sin_lon, cos_lon, x_term, y_term)
    zenith, cos_zenith, sin_zenith = refracted_zenith(sin_e0, refraction_scale)
    return zenith, cos_zenith, sin_zenith, sin_az, cos_az


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sun_direction(cos_ha0, sin_ha0, sin_decl, cos_decl, sin_xi,
                  sin_lat, cos_lat, sin_lon, cos_lon, x_term, y_term):
    """Topocentric elevation (its sine) and azimuth of the Sun, before refraction.

    Only products, square roots and divisions (no library calls), so that a loop of it
    can be vectorised.

    Returns
    -------
    sin_elevation : float
        Sine of the topocentric elevation angle without refraction [-].
    sin_azimuth, cos_azimuth : float
        Sine and cosine of the azimuth, clockwise from north [-].
    """
    # local hour angle H = (H0 + longitude), by the angle-sum identities
    sin_h = sin_ha0 * cos_lon + cos_ha0 * sin_lon
    cos_h = cos_ha0 * cos_lon - sin_ha0 * sin_lon
    # parallax in right ascension delta_alpha = atan2(num, den), den > 0
    num = -x_term * sin_xi * sin_h
    den = cos_decl - x_term * sin_xi * cos_h
    inv_r = 1.0 / math.sqrt(num * num + den * den)
    cos_da, sin_da = den * inv_r, num * inv_r
    # topocentric declination delta' = atan2(num_d, den)
    num_d = (sin_decl - y_term * sin_xi) * cos_da
    inv_rd = 1.0 / math.sqrt(num_d * num_d + den * den)
    # topocentric hour angle H' = H - delta_alpha
    sin_hp = sin_h * cos_da - cos_h * sin_da
    cos_hp = cos_h * cos_da + sin_h * sin_da
    sin_e0 = (sin_lat * num_d + cos_lat * den * cos_hp) * inv_rd
    # astronomers' azimuth gamma = atan2(sin H', cos H' sin lat - tan d' cos lat), taken
    # times den > 0 (the direction is all that is needed); azimuth = gamma + 180 degrees
    num_g = sin_hp * den
    den_g = cos_hp * sin_lat * den - num_d * cos_lat
    r_g = math.sqrt(num_g * num_g + den_g * den_g)
    # Sun exactly at the zenith: azimuth undefined, take south
    inv_rg = 1.0 / r_g if r_g > 0.0 else 0.0
    cos_az = -den_g * inv_rg if r_g > 0.0 else -1.0
    return sin_e0, -num_g * inv_rg, cos_az


@numba.njit(cache=True, nogil=True, error_model="numpy")
def refracted_zenith(sin_elevation, refraction_scale):
    """Apparent zenith with the SPA's refraction correction.

    Parameters
    ----------
    sin_elevation : float
        Sine of the topocentric elevation without refraction [-].
    refraction_scale : float
        :attr:`Observer.refraction_scale` [degrees].

    Returns
    -------
    zenith : float
        Apparent zenith [degrees].
    cos_zenith, sin_zenith : float
        Its cosine and sine [-].
    """
    e0 = math.degrees(math.asin(sin_elevation))
    delta_e = 0.0
    if e0 >= REFRACTION_LIMIT_DEG:
        delta_e = refraction_scale / math.tan(math.radians(e0 + 10.3 / (e0 + 5.11)))
    # sin and cos of e = e0 + delta_e; delta_e < 0.6 degrees, so the series is exact
    d = math.radians(delta_e)
    d2 = d * d
    sin_d = d * (1.0 - d2 * (1 / 6) * (1.0 - d2 * (1 / 20) * (1.0 - d2 * (1 / 42))))
    cos_d = 1.0 - d2 * 0.5 * (1.0 - d2 * (1 / 12) * (1.0 - d2 * (1 / 30)))
    cos_e0 = math.sqrt(max(1.0 - sin_elevation * sin_elevation, 0.0))
    cos_zenith = sin_elevation * cos_d + cos_e0 * sin_d
    sin_zenith = cos_e0 * cos_d - sin_elevation * sin_d
    return 90.0 - (e0 + delta_e), cos_zenith, sin_zenith


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _positions(terms, observers, out):
    for s in range(observers.shape[0]):
        o = observers[s]
        for t in range(terms.shape[1]):
            zen, _, _, sin_az, cos_az = apparent_sun(
                terms[0, t], terms[1, t], terms[2, t], terms[3, t], terms[4, t],
                o[0], o[1], o[2], o[3], o[4], o[5], o[6])
            out[0, t, s] = zen
            out[1, t, s] = math.degrees(math.atan2(sin_az, cos_az)) % 360.0


def solar_position(
    times: pd.DatetimeIndex, latitude, longitude, elevation_m
) -> tuple[np.ndarray, np.ndarray]:
    """Apparent zenith and azimuth for many sites, shape ``(time, site)`` [degrees].

    Parameters
    ----------
    times : DatetimeIndex
        Time-zone-aware time stamps.
    latitude, longitude, elevation_m : array-like of shape (site,)
        Sites [degrees, degrees, m].

    Returns
    -------
    apparent_zenith, azimuth : ndarray
        Same as pvlib's ``get_solarposition(..., method="nrel_numpy")`` with the pressure
        from the elevation [degrees].
    """
    site = observer(np.atleast_1d(latitude), np.atleast_1d(longitude),
                    np.atleast_1d(elevation_m))
    observers = np.column_stack(dataclasses.astuple(site))
    out = np.empty((2, len(times), observers.shape[0]))
    _positions(sun_terms(times).stacked(), observers, out)
    return out[0], out[1]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _zeniths(terms, observers, zenith, apparent_zenith):
    for s in range(observers.shape[0]):
        o = observers[s]
        for t in range(terms.shape[1]):
            sin_e0, _, _ = sun_direction(
                terms[0, t], terms[1, t], terms[2, t], terms[3, t], terms[4, t],
                o[0], o[1], o[2], o[3], o[4], o[5])
            zenith[s, t] = 90.0 - math.degrees(math.asin(sin_e0))
            apparent_zenith[s, t] = refracted_zenith(sin_e0, o[6])[0]


def zeniths(
    terms: SunTerms, latitude, longitude, elevation_m
) -> tuple[np.ndarray, np.ndarray]:
    """True and apparent zenith for many sites, shape ``(site, time)`` [degrees].

    Parameters
    ----------
    terms : SunTerms
        :func:`sun_terms` of the time stamps (computed once for any number of sites).
    latitude, longitude, elevation_m : array-like of shape (site,)
        Sites [degrees, degrees, m].

    Returns
    -------
    zenith, apparent_zenith : ndarray
        The ``zenith`` (topocentric, without refraction) and ``apparent_zenith`` of pvlib's
        ``get_solarposition(..., method="nrel_numpy")`` with the pressure from the
        elevation, to rounding [degrees].
    """
    site = observer(np.atleast_1d(latitude), np.atleast_1d(longitude),
                    np.atleast_1d(elevation_m))
    observers = np.column_stack(dataclasses.astuple(site))
    stacked = terms.stacked()
    zenith = np.empty((observers.shape[0], stacked.shape[1]))
    apparent = np.empty_like(zenith)
    _zeniths(stacked, observers, zenith, apparent)
    return zenith, apparent
