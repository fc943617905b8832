"""The Sun's time-only terms of a set of time stamps, computed once per process for every user.

The engine (:mod:`pvyield.model.engine`), the weather checks (:mod:`pvyield.weather.qc`) and
the synthetic years (:mod:`pvyield.weather.synthetic`) all need, for the same stamps, the
part of the NREL Solar Position Algorithm (Reda & Andreas 2004) that does not depend on
the site (:func:`pvyield.model._pvlib_compat.spa_time_terms`) and the extraterrestrial
normal irradiance; in a batch they are the synthetic years' stamps, one set per time zone.
:func:`time_terms` keeps them for the last :data:`TIME_TERMS_KEPT` sets, keyed by the
instants and the time zone.

This module loads neither numba nor the engine: a single weather check in a fresh process
stays quick (:mod:`pvyield.model.solar` builds its compiled sun position on these terms).

References
----------
.. [1] Reda, I., Andreas, A. (2004). Solar position algorithm for solar radiation
   applications. Solar Energy 76(5), 577-589. doi:10.1016/j.solener.2003.12.003
.. [2] Spencer, J.W. (1971). Fourier series representation of the position of the Sun.
   Search 2(5), 172 (pvlib's default extraterrestrial irradiance).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from pvyield._kept import Kept

#: Difference between terrestrial time and UT1 [s], pvlib's default for ``nrel_numpy``.
DELTA_T_S = 67.0
#: Distinct sets of time stamps whose terms are kept (a batch uses one per time zone).
TIME_TERMS_KEPT = 16


@dataclasses.dataclass(frozen=True)
class TimeTerms:
    """Site-independent terms of one set of time stamps, arrays of shape ``(time,)``
    (``stacked``: ``(5, time)``), read-only.

    Attributes
    ----------
    hour_angle_0_deg : ndarray
        Hour angle of the Sun at longitude 0 (apparent sidereal time minus geocentric right
        ascension) [degrees].
    declination_deg : ndarray
        Geocentric declination of the Sun [degrees].
    parallax_deg : ndarray
        Equatorial horizontal parallax of the Sun [degrees].
    stacked : ndarray
        cos and sin of the hour angle, sin and cos of the declination, sin of the parallax,
        in the order of :class:`pvyield.model.solar.SunTerms` [-].
    extra_normal : ndarray
        Extraterrestrial normal irradiance, pvlib's default
        (``pvlib.irradiance.get_extra_radiation``, Spencer 1971) [W/m^2].
    """

    hour_angle_0_deg: np.ndarray
    declination_deg: np.ndarray
    parallax_deg: np.ndarray
    stacked: np.ndarray
    extra_normal: np.ndarray


_KEPT: Kept[TimeTerms] = Kept(TIME_TERMS_KEPT)


def stamps_key(times: pd.DatetimeIndex) -> bytes:
    """What identifies a set of stamps: its time zone and its instants [ns]."""
    return str(times.tz).encode() + b"|" + times.as_unit("ns").asi8.tobytes()


def time_terms(times: pd.DatetimeIndex, key: bytes | None = None) -> TimeTerms:
    """The :class:`TimeTerms` of a set of stamps, computed once and kept.

    Parameters
    ----------
    times : DatetimeIndex
        Time stamps; without a time zone they are read as UTC.
    key : bytes, optional
        :func:`stamps_key` of ``times`` when the caller has it already.
    """
    key = stamps_key(times) if key is None else key
    return _KEPT.get(key, functools.partial(_compute, times))


def clear() -> None:
    """Forget the kept terms (for timing a first call)."""
    _KEPT.clear()


def _compute(times: pd.DatetimeIndex) -> TimeTerms:
    import pvlib

    from pvyield.model import _pvlib_compat

    utc = times.tz_convert("UTC") if times.tz is not None else times.tz_localize("UTC")
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    unixtime = np.asarray((utc - epoch) / pd.Timedelta("1s"), dtype=float)
    # pvlib's SPA building blocks, stopped before the observer enters
    ha0_deg, decl_deg, xi_deg = _pvlib_compat.spa_time_terms(unixtime, DELTA_T_S)
    ha0, decl, xi = np.radians(ha0_deg), np.radians(decl_deg), np.radians(xi_deg)
    stacked = np.stack([np.cos(ha0), np.sin(ha0), np.sin(decl), np.cos(decl), np.sin(xi)])
    extra = np.asarray(pvlib.irradiance.get_extra_radiation(times), dtype=float)
    out = TimeTerms(np.asarray(ha0_deg, dtype=float), np.asarray(decl_deg, dtype=float),
                    np.asarray(xi_deg, dtype=float), stacked, extra)
    for field in dataclasses.fields(out):
        getattr(out, field.name).flags.writeable = False
    return out
