"""DIRINDEX for many sites at once, compiled: pvlib's model, one pass per site.

:func:`pvlib.irradiance.dirindex` (Perez et al. 2002) runs DIRINT (Perez et al. 1992) twice,
on the measured GHI and on the clear-sky GHI, each a DISC estimate (Maxwell 1987) scaled by
a coefficient looked up from four bins. pvlib's implementation works on pandas series of
one site, about twenty passes over the data with a mask each; the synthetic years of a
screening need it for thousands of sites. :func:`dirindex` computes the same numbers with
the same formulas, in pvlib's order of operations, in one compiled pass per site and time
stamp: equal to pvlib to rounding (``tests/test_synthetic_many.py`` holds it to 1e-9).

This module imports numba, so it is imported only when many synthetic years are made.

References
----------
.. [1] Maxwell, E.L. (1987). A quasi-physical model for converting hourly global horizontal
   to direct normal insolation. Technical Report SERI/TR-215-3087, Solar Energy Research
   Institute, Golden, CO.
.. [2] Perez, R., Ineichen, P., Maxwell, E., Seals, R., Zelenka, A. (1992). Dynamic
   global-to-direct irradiance conversion models. ASHRAE Transactions 98(1), 354-369.
.. [3] Perez, R., Ineichen, P., Moore, K., Kmiecik, M., Chain, C., George, R., Vignola, F.
   (2002). A new operational model for satellite-derived irradiances: description and
   validation. Solar Energy 73(5), 307-317. doi:10.1016/S0038-092X(02)00122-6
"""

from __future__ import annotations

import math

import numba
import numpy as np

# pvlib's defaults of dirint / disc
MIN_COS_ZENITH = 0.065
MAX_ZENITH_DEG = 87.0
MAX_AIRMASS = 12.0
MAX_CLEARNESS_INDEX = 1.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sun_terms(zenith, pressure):
    """What :func:`_disc` needs of the sun alone at one stamp, computed once for the
    measured and the clear-sky GHI (the same operations as each computing them).

    Returns
    -------
    cos_zenith : float
        [-]
    airmass : float
        Kasten (1966) airmass at the given pressure, capped at 12; NaN with the sun more
        than 90 degrees from the zenith [-].
    kt_prime_divisor : float
        The divisor of DIRINT's zenith-independent clearness index, ``1.031 exp(-1.4 /
        (0.9 + 9.4 / airmass)) + 0.1`` [-].
    """
    cos_zenith = math.cos(math.radians(zenith))
    if zenith > 90.0:
        airmass = np.nan
    else:
        airmass = 1.0 / (cos_zenith + 0.15 * (93.885 - zenith) ** -1.253)
        airmass = min(airmass * pressure / 101325.0, MAX_AIRMASS)
    return cos_zenith, airmass, 1.031 * math.exp(-1.4 / (0.9 + 9.4 / airmass)) + 0.1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _disc(ghi, zenith, extra, cos_zenith, airmass, kt_prime_divisor):
    """DISC DNI and DIRINT's zenith-independent clearness index kt' of one stamp.

    As :func:`pvlib.irradiance.disc` and
    :func:`pvlib.irradiance.clearness_index_zenith_independent`, with the sun's terms of
    :func:`_sun_terms`: Kasten (1966) airmass at the given pressure, NaN (so kt' NaN) with
    the sun more than 90 degrees from the zenith, airmass capped at 12.
    """
    kt = ghi / (extra * max(cos_zenith, MIN_COS_ZENITH))
    kt = min(max(kt, 0.0), MAX_CLEARNESS_INDEX)
    if kt <= 0.6:
        a = 0.512 + kt * (-1.56 + kt * (2.286 - 2.222 * kt))
        b = 0.37 + 0.962 * kt
        c = -0.28 + kt * (0.932 - 2.048 * kt)
    else:
        a = -5.743 + kt * (21.77 + kt * (-27.49 + 11.56 * kt))
        b = 41.4 + kt * (-118.5 + kt * (66.05 + 31.9 * kt))
        c = -47.01 + kt * (184.2 + kt * (-222.0 + 73.81 * kt))
    delta_kn = a + b * math.exp(c * airmass)
    knc = 0.866 + airmass * (-0.122 + airmass * (0.0121 + airmass * (
        -0.000653 + 1.4e-05 * airmass)))
    dni = (knc - delta_kn) * extra
    if zenith > MAX_ZENITH_DEG or ghi < 0.0 or dni < 0.0:
        dni = 0.0
    kt_prime = kt / kt_prime_divisor
    if not math.isnan(kt_prime):
        kt_prime = min(max(kt_prime, 0.0), MAX_CLEARNESS_INDEX)
    return dni, kt_prime


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _bin(value, edges, upper_inclusive):
    """1-based bin of ``value`` between ``edges`` (first edge inclusive); 0 outside."""
    if not value >= edges[0]:
        return 0
    for i in range(1, edges.shape[0]):
        if value < edges[i]:
            return i
    if upper_inclusive and value == edges[edges.shape[0] - 1]:
        return edges.shape[0] - 1
    return 0


_KT_PRIME_EDGES = np.array([0.0, 0.24, 0.4, 0.56, 0.7, 0.8, 1.0])
_ZENITH_EDGES = np.array([0.0, 25.0, 40.0, 55.0, 70.0, 80.0, np.inf])
_DELTA_EDGES = np.array([0.0, 0.015, 0.035, 0.07, 0.15, 0.3, 1.0])
#: pvlib's bin of the precipitable water when no dew point is given (w = -1), 1-based
_W_BIN = 5


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _stability(kt_prime, t):
    """Delta kt' (Perez et al. 1992, eq. 2-3): mean absolute change to the neighbours
    that exist and are not NaN, as pvlib's ``_delta_kt_prime_dirint``."""
    n = kt_prime.shape[0]
    change_next = abs(kt_prime[t] - kt_prime[t + 1]) if t + 1 < n else np.nan
    change_prev = abs(kt_prime[t] - kt_prime[t - 1]) if t > 0 else np.nan
    if math.isnan(change_next):
        return change_prev
    if math.isnan(change_prev):
        return change_next
    return (change_next + change_prev) / 2


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _coefficient(kt_prime, zenith, delta, table):
    kt_bin = _bin(kt_prime, _KT_PRIME_EDGES, True)
    zenith_bin = _bin(zenith, _ZENITH_EDGES, False)
    delta_bin = _bin(delta, _DELTA_EDGES, True)
    if kt_bin == 0 or zenith_bin == 0 or delta_bin == 0:
        return np.nan
    return table[kt_bin - 1, zenith_bin - 1, delta_bin - 1, _W_BIN - 1]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def dirindex(ghi, ghi_clear, dni_clear, zenith, extra_disc, pressure, table, out):
    """DIRINDEX DNI of many sites, :func:`pvlib.irradiance.dirindex` with its defaults.

    Parameters
    ----------
    ghi, ghi_clear, dni_clear : ndarray of shape (site, time)
        GHI, clear-sky GHI and clear-sky DNI [W/m^2].
    zenith : ndarray of shape (site, time)
        True solar zenith [degrees].
    extra_disc : ndarray of shape (time,)
        Extraterrestrial normal irradiance as DISC takes it (Spencer, solar constant
        1370 W/m^2) [W/m^2].
    pressure : ndarray of shape (site,)
        Air pressure [Pa].
    table : ndarray of shape (6, 6, 7, 5)
        DIRINT coefficients (:func:`pvyield.model._pvlib_compat.dirint_coefficients`).
    out : ndarray of shape (site, time)
        Receives the DNI [W/m^2]: NaN where DIRINT has no bin (the sun more than 90
        degrees from the zenith) or its clear-sky DNI is 0, as pvlib's.
    """
    n_sites, n_times = ghi.shape
    dni_all = np.empty(n_times)
    kt_all = np.empty(n_times)
    dni_clr = np.empty(n_times)
    kt_clr = np.empty(n_times)
    for s in range(n_sites):
        for t in range(n_times):
            if zenith[s, t] > 90.0:  # no airmass: kt' NaN, DISC DNI 0 (zenith above 87)
                dni_all[t], kt_all[t], dni_clr[t], kt_clr[t] = 0.0, np.nan, 0.0, np.nan
                continue
            z = zenith[s, t]
            cos_zenith, airmass, divisor = _sun_terms(z, pressure[s])
            dni_all[t], kt_all[t] = _disc(ghi[s, t], z, extra_disc[t], cos_zenith, airmass,
                                          divisor)
            dni_clr[t], kt_clr[t] = _disc(ghi_clear[s, t], z, extra_disc[t], cos_zenith,
                                          airmass, divisor)
        for t in range(n_times):
            z = zenith[s, t]
            if z > 90.0:  # no DIRINT bin: NaN, as pvlib's
                out[s, t] = np.nan
                continue
            dirint = dni_all[t] * _coefficient(kt_all[t], z, _stability(kt_all, t), table)
            dirint_clear = dni_clr[t] * _coefficient(kt_clr[t], z, _stability(kt_clr, t),
                                                     table)
            value = dni_clear[s, t] * dirint / dirint_clear
            out[s, t] = 0.0 if value < 0.0 else value
