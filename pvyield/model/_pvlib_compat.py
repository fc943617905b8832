"""Every use of a pvlib function outside pvlib's documented, stable API, in one place.

pvlib's public functions keep their names and signatures across minor versions; what this
module wraps does not have that promise (a leading underscore, or building blocks whose
signatures pvlib changed between versions). Keeping them here means a pvlib release that
renames or re-signs one of them breaks one function of this module, found by
``tests/test_pvlib_compat.py``, and never ``import pvyield``: nothing here runs at import
time, and pvlib's submodules are imported inside the functions.

Tested range: the ``pvlib`` bounds of ``pyproject.toml``; CI runs the engine and reader
tests at the lower bound as well as at the newest release the bounds allow.

What is wrapped, and why pvyield needs it:

- :func:`perez_coefficients`: ``pvlib.irradiance._get_perez_coefficients``, the table of
  Perez et al. (1990) that :func:`pvlib.irradiance.perez` uses; the compiled engine needs
  the numbers themselves (pvlib has no public accessor).
- :func:`spa_time_terms`, :func:`spa_observer_terms`: the building blocks of
  :mod:`pvlib.spa` (Julian days, heliocentric terms, nutation, obliquity, aberration,
  sidereal time, geocentric right ascension and declination, parallax terms), so that the
  engine computes the time-only part of the NREL SPA once for all sites;
  :func:`spa_observer_zeniths`: the observer's steps with those blocks, so that the weather
  checks keep the time-only part per set of stamps without loading compiled code.
- :func:`linke_cell`: the row and column ``pvlib.tools._degrees_to_index`` gives a point
  in the Linke turbidity table, so that the weather checks find the cell of a site in a
  kept tile (:func:`linke_monthly_cell`).
- :func:`dirint_coefficients`, :func:`linke_turbidity_monthly`, :func:`linke_monthly_cell`:
  the DIRINT coefficient table (``pvlib.irradiance._get_dirint_coeffs``) and the monthly
  Linke turbidity values of pvlib's ``LinkeTurbidities.h5`` at many points (cells found
  with ``pvlib.tools._degrees_to_index``), read by tiles kept per process, so that
  synthetic years of many sites run the DIRINDEX decomposition and the Ineichen-Perez
  clear sky over stacked arrays, and the weather checks of many series read the table
  once per tile instead of opening the file per cell.
- :func:`disc_dni`: the steps of :func:`pvlib.irradiance.disc` with its extraterrestrial
  irradiance given (``pvlib.irradiance._disc_kn``, the DISC coefficients of Maxwell
  1987): DISC computes it from the day of year of every element, about half its time,
  where the synthetic years have it per day of their calendar.
- :func:`vf_row_sky_integ`, :func:`vf_ground_sky_integ`, :func:`vf_row_ground_integ`:
  the integrated view factors of :mod:`pvlib.bifacial.utils` (their signatures changed in
  pvlib 0.16, which computes them exactly instead of on 100 points).

Elsewhere, and not wrapped here: ``pvlib.iotools.nasa_power.VARIABLE_MAP`` (its names
changed between pvlib revisions) is read by :mod:`pvyield.weather.nasa_power`, which owns
that file format.
"""

from __future__ import annotations

import functools

import numpy as np

#: pvlib's name of the Perez coefficient set of :func:`pvlib.irradiance.perez`'s default.
PEREZ_DEFAULT_MODEL = "allsitescomposite1990"


def perez_coefficients(model: str = PEREZ_DEFAULT_MODEL) -> tuple[np.ndarray, np.ndarray]:
    """Brightness coefficients of the Perez sky diffuse model, as pvlib uses them.

    Parameters
    ----------
    model : str
        Coefficient set, a ``model`` name of :func:`pvlib.irradiance.perez`.

    Returns
    -------
    f1, f2 : ndarray of shape (8, 3)
        Rows: the eight sky clearness bins; columns: ``F11, F12, F13`` and ``F21, F22, F23``
        of Perez et al. (1990), Table 6 [-]. Fresh copies on each call.

    References
    ----------
    .. [1] Perez, R., Ineichen, P., Seals, R., Michalsky, J., Stewart, R. (1990). Modeling
       daylight availability and irradiance components from direct and global irradiance.
       Solar Energy 44(5), 271-289. doi:10.1016/0038-092X(90)90055-H
    """
    f1, f2 = _perez_table(model)
    return f1.copy(), f2.copy()


@functools.lru_cache(maxsize=8)
def _perez_table(model: str) -> tuple[np.ndarray, np.ndarray]:
    from pvlib import irradiance

    f1, f2 = irradiance._get_perez_coefficients(model)
    return np.array(f1, dtype=float), np.array(f2, dtype=float)


def spa_time_terms(unixtime_s: np.ndarray, delta_t_s: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site-independent terms of the NREL SPA, with pvlib's building blocks.

    The steps of :func:`pvlib.spa.solar_position_numpy` up to where the observer enters.

    Parameters
    ----------
    unixtime_s : ndarray
        Seconds since 1970-01-01 UTC [s].
    delta_t_s : float
        Terrestrial time minus UT1 [s].

    Returns
    -------
    hour_angle_0 : ndarray
        Hour angle of the Sun at longitude 0: apparent sidereal time minus geocentric right
        ascension [degrees].
    declination : ndarray
        Geocentric declination of the Sun [degrees].
    parallax : ndarray
        Equatorial horizontal parallax of the Sun [degrees].

    References
    ----------
    .. [1] Reda, I., Andreas, A. (2004). Solar position algorithm for solar radiation
       applications. Solar Energy 76(5), 577-589. doi:10.1016/j.solener.2003.12.003
    """
    from pvlib import spa

    jd = spa.julian_day(np.asarray(unixtime_s, dtype=float))
    jde = spa.julian_ephemeris_day(jd, delta_t_s)
    jc = spa.julian_century(jd)
    jce = spa.julian_ephemeris_century(jde)
    jme = spa.julian_ephemeris_millennium(jce)
    radius_au = spa.heliocentric_radius_vector(jme)
    theta = spa.geocentric_longitude(spa.heliocentric_longitude(jme))
    beta = spa.geocentric_latitude(spa.heliocentric_latitude(jme))
    nutation = np.empty((2, len(jd)))
    spa.longitude_obliquity_nutation(
        jce, spa.mean_elongation(jce), spa.mean_anomaly_sun(jce), spa.mean_anomaly_moon(jce),
        spa.moon_argument_latitude(jce), spa.moon_ascending_longitude(jce), nutation)
    delta_psi, delta_epsilon = nutation
    epsilon = spa.true_ecliptic_obliquity(spa.mean_ecliptic_obliquity(jme), delta_epsilon)
    lamd = spa.apparent_sun_longitude(theta, delta_psi, spa.aberration_correction(radius_au))
    sidereal = spa.apparent_sidereal_time(spa.mean_sidereal_time(jd, jc), delta_psi, epsilon)
    right_ascension = spa.geocentric_sun_right_ascension(lamd, epsilon, beta)
    declination = spa.geocentric_sun_declination(lamd, epsilon, beta)
    return (sidereal - right_ascension, declination,
            spa.equatorial_horizontal_parallax(radius_au))


def spa_observer_terms(latitude, elevation_m) -> tuple[np.ndarray, np.ndarray]:
    """The SPA's parallax terms ``x`` and ``y`` of an observer (Reda & Andreas 2004, eq. 38-39).

    Parameters
    ----------
    latitude : float or ndarray
        [degrees]
    elevation_m : float or ndarray
        [m]

    Returns
    -------
    x_term, y_term : ndarray
        [-]
    """
    from pvlib import spa

    latitude = np.asarray(latitude, dtype=float)
    elevation_m = np.asarray(elevation_m, dtype=float)
    u = spa.uterm(latitude)
    return spa.xterm(u, latitude, elevation_m), spa.yterm(u, latitude, elevation_m)


#: :func:`pvlib.irradiance.disc`'s defaults: smallest cos(zenith) of the clearness index,
#: largest zenith with a beam [degrees], largest airmass of the DISC coefficients.
DISC_MIN_COS_ZENITH = 0.065
DISC_MAX_ZENITH_DEG = 87.0
DISC_MAX_AIRMASS = 12.0


def disc_dni(ghi, zenith, extra, pressure) -> np.ndarray:
    """DNI of :func:`pvlib.irradiance.disc` (its defaults), given its extraterrestrial
    irradiance [W/m^2].

    pvlib's steps, in its order, with its functions: the clearness index with
    ``max_clearness_index=1``, Kasten (1966) airmass at the pressure, ``_disc_kn`` and the
    limits; equal to ``disc(ghi, zenith, doy, pressure=pressure)["dni"]`` bit for bit when
    ``extra`` is ``get_extra_radiation(doy, 1370, "spencer")`` (tested).

    Parameters
    ----------
    ghi, zenith : ndarray
        Global horizontal irradiance [W/m^2] and true solar zenith [degrees].
    extra : ndarray
        Extraterrestrial normal irradiance as DISC takes it (Spencer 1971, solar constant
        1370 W/m^2) [W/m^2].
    pressure : ndarray or float
        Air pressure [Pa].

    References
    ----------
    .. [1] Maxwell, E.L. (1987). A quasi-physical model for converting hourly global
       horizontal to direct normal insolation. Solar Energy Research Institute,
       SERI/TR-215-3087.
    """
    from pvlib import atmosphere, irradiance

    kt = irradiance.clearness_index(ghi, zenith, extra, min_cos_zenith=DISC_MIN_COS_ZENITH,
                                    max_clearness_index=1)
    airmass = atmosphere.get_relative_airmass(zenith, model="kasten1966")
    airmass = atmosphere.get_absolute_airmass(airmass, pressure)
    kn, _ = irradiance._disc_kn(kt, airmass, max_airmass=DISC_MAX_AIRMASS)
    dni = kn * extra
    bad = (zenith > DISC_MAX_ZENITH_DEG) | (ghi < 0) | (dni < 0)
    return np.where(bad, 0, dni)


def vf_row_sky_integ(surface_tilt, gcr: float):
    """Row-to-sky view factor averaged over a row's slant height, between rows [-].

    :func:`pvlib.bifacial.utils.vf_row_sky_2d_integ` from ``x0 = 0`` to ``x1 = 1``.

    Parameters
    ----------
    surface_tilt : float or ndarray
        [degrees]
    gcr : float
        Ground coverage ratio [-].
    """
    from pvlib.bifacial import utils

    return utils.vf_row_sky_2d_integ(surface_tilt, gcr, 0.0, 1.0)


def vf_ground_sky_integ(surface_tilt, gcr: float, height_m: float, pitch_m: float,
                        max_rows: int):
    """Ground-to-sky view factor averaged over the ground between two rows [-].

    :func:`pvlib.bifacial.utils.vf_ground_sky_2d_integ` over the whole ground period
    (``g0 = 0``, ``g1 = 1``), computed exactly (pvlib >= 0.16).

    Parameters
    ----------
    surface_tilt : float or ndarray
        Tilt (tracker rotation) of the rows [degrees].
    gcr : float
        Ground coverage ratio [-].
    height_m, pitch_m : float
        Height of the row centre and row pitch [m].
    max_rows : int
        Rows considered on either side.
    """
    from pvlib.bifacial import utils

    return utils.vf_ground_sky_2d_integ(surface_tilt, gcr, height_m, pitch_m, g0=0, g1=1,
                                        max_rows=max_rows)


def vf_row_ground_integ(surface_tilt, gcr: float):
    """Row-to-ground view factor averaged over a row's slant height [-].

    :func:`pvlib.bifacial.utils.vf_row_ground_2d_integ` over the whole row and ground
    period (``x0 = g0 = 0``, ``x1 = g1 = 1``).

    Parameters
    ----------
    surface_tilt : float or ndarray
        [degrees]
    gcr : float
        Ground coverage ratio [-].
    """
    from pvlib.bifacial import utils

    return utils.vf_row_ground_2d_integ(surface_tilt, gcr, x0=0.0, x1=1.0, g0=0.0, g1=1.0)


@functools.lru_cache(maxsize=1)
def _dirint_table() -> np.ndarray:
    from pvlib import irradiance

    table = np.array(irradiance._get_dirint_coeffs(), dtype=float)
    table.flags.writeable = False
    return table


def dirint_coefficients() -> np.ndarray:
    """The DIRINT coefficients :func:`pvlib.irradiance.dirint` multiplies DISC's DNI by.

    Returns
    -------
    ndarray of shape (6, 6, 7, 5)
        Indexed ``[kt_prime_bin, zenith_bin, delta_kt_prime_bin, w_bin]`` (bins from 0)
        [-]; read-only.

    References
    ----------
    .. [1] Perez, R., Ineichen, P., Maxwell, E., Seals, R., Zelenka, A. (1992). Dynamic
       global-to-direct irradiance conversion models. ASHRAE Transactions 98(1), 354-369.
    """
    return _dirint_table()


#: Cells of the Linke turbidity table read together [rows, columns]: one row of the storage
#: chunks of pvlib's ``LinkeTurbidities.h5`` (135 x 270 cells x 2 months, gzip), so that
#: a tile costs what one cell costs (every chunk holding the cell is inflated either way).
LINKE_TILE = (135, 270)
#: Tiles kept per process: 437 kB each (12 months of uint8), 14 MB in all; the sites of a
#: country span a few.
LINKE_TILES_KEPT = 32


def linke_turbidity_monthly(latitudes, longitudes) -> np.ndarray:
    """Monthly Linke turbidity of pvlib's climatology at many points, 20 times the value.

    The numbers :func:`pvlib.clearsky.lookup_linke_turbidity` reads (it divides them by 20
    after interpolating to the day of year), at the cell ``pvlib.tools._degrees_to_index``
    finds for each point, read by tiles kept per process (:func:`linke_monthly_cell`).

    Parameters
    ----------
    latitudes, longitudes : array-like of shape (n,)
        [degrees]

    Returns
    -------
    ndarray of shape (n, 12), uint8
        January..December, 20 times the Linke turbidity [-].
    """
    from pvlib import tools

    rows = [tools._degrees_to_index(float(v), coordinate="latitude") for v in latitudes]
    cols = [tools._degrees_to_index(float(v), coordinate="longitude") for v in longitudes]
    out = np.empty((len(rows), 12), dtype=np.uint8)
    for i, (row, col) in enumerate(zip(rows, cols, strict=True)):
        out[i] = linke_monthly_cell(row, col)
    return out


def linke_monthly_cell(row: int, col: int) -> np.ndarray:
    """The 12 monthly values x 20 of one cell of pvlib's Linke turbidity table (a read-only
    view of its kept tile), ``row`` and ``col`` as :func:`linke_cell` gives them."""
    tile = _linke_tile(row // LINKE_TILE[0], col // LINKE_TILE[1])
    return tile[row % LINKE_TILE[0], col % LINKE_TILE[1]]


@functools.lru_cache(maxsize=LINKE_TILES_KEPT)
def _linke_tile(tile_row: int, tile_col: int) -> np.ndarray:
    """One tile of ``LinkeTurbidities.h5`` (rows, columns, 12 months), read-only."""
    import os

    import h5py
    from pvlib import clearsky

    path = os.path.join(os.path.dirname(os.path.abspath(clearsky.__file__)), "data",
                        "LinkeTurbidities.h5")
    r0, c0 = tile_row * LINKE_TILE[0], tile_col * LINKE_TILE[1]
    with h5py.File(path, "r") as h5:
        tile = np.asarray(h5["LinkeTurbidity"][r0:r0 + LINKE_TILE[0], c0:c0 + LINKE_TILE[1]],
                          dtype=np.uint8)
    tile.flags.writeable = False
    return tile


def linke_cell(latitude: float, longitude: float) -> tuple[int, int]:
    """Row and column of pvlib's Linke turbidity table holding a point, as
    :func:`pvlib.clearsky.lookup_linke_turbidity` finds them."""
    from pvlib import tools

    return (tools._degrees_to_index(float(latitude), coordinate="latitude"),
            tools._degrees_to_index(float(longitude), coordinate="longitude"))


def spa_observer_zeniths(hour_angle_0, declination, parallax, latitude: float,
                         longitude: float, elevation_m: float, pressure_mbar: float,
                         temperature_c: float, atmos_refract_deg: float
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The observer's steps of :func:`pvlib.spa.solar_position_numpy`, with pvlib's
    building blocks, from the time terms of :func:`spa_time_terms`.

    Parameters
    ----------
    hour_angle_0, declination, parallax : ndarray
        :func:`spa_time_terms` [degrees].
    latitude, longitude : float
        [degrees]
    elevation_m : float
        [m]
    pressure_mbar, temperature_c, atmos_refract_deg : float
        Of the refraction correction [mbar, °C, degrees].

    Returns
    -------
    zenith, apparent_zenith : ndarray
        Topocentric zenith without and with refraction [degrees]; pvlib's ``zenith`` and
        ``apparent_zenith`` to rounding (pvlib adds the longitude to the sidereal time
        before subtracting the right ascension, here after).
    """
    from pvlib import spa

    hour_angle = spa.local_hour_angle(hour_angle_0, longitude, 0.0)
    u = spa.uterm(latitude)
    x = spa.xterm(u, latitude, elevation_m)
    y = spa.yterm(u, latitude, elevation_m)
    delta_alpha = spa.parallax_sun_right_ascension(x, parallax, hour_angle, declination)
    delta_prime = spa.topocentric_sun_declination(declination, x, y, parallax, delta_alpha,
                                                  hour_angle)
    h_prime = spa.topocentric_local_hour_angle(hour_angle, delta_alpha)
    e0 = spa.topocentric_elevation_angle_without_atmosphere(latitude, delta_prime, h_prime)
    delta_e = spa.atmospheric_refraction_correction(pressure_mbar, temperature_c, e0,
                                                    atmos_refract_deg)
    e = spa.topocentric_elevation_angle(e0, delta_e)
    return spa.topocentric_zenith_angle(e0), spa.topocentric_zenith_angle(e)


@functools.lru_cache(maxsize=1)
def linke_month_middles() -> tuple[np.ndarray, np.ndarray]:
    """Days of year at which :func:`pvlib.clearsky.lookup_linke_turbidity` places the
    monthly values (with the December before and the January after), leap and common year.

    Returns
    -------
    leap, common : ndarray of shape (14,)
        [day of year]; read-only.
    """
    from pvlib import clearsky

    out = (np.array(clearsky._calendar_month_middles(2016), dtype=float),
           np.array(clearsky._calendar_month_middles(2015), dtype=float))
    for array in out:
        array.flags.writeable = False
    return out
