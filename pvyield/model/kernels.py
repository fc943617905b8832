"""Compiled per-(time, site) kernels of the batch engine.

Each function here computes, for one site and one time step, what a pvlib function of the
reference chain (:mod:`pvyield.model.chain`) computes for a whole series; the docstring of
each names the pvlib function it follows. Angles that pvlib passes through ``arccos`` or
``arctan2`` only to take their cosine again are kept as direction cosines (unit vectors in
east, north, up coordinates); the formulas are otherwise pvlib's, including its treatment
of missing values, so that the engine reproduces the reference chain to rounding.
``tests/test_engine.py`` checks every kernel against its pvlib function.

:func:`chain_kernel` strings them together for a block of sites and accumulates the energy
after every stage; :mod:`pvyield.model.engine` prepares its inputs.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pvyield.model.kernels_equipment import module_mpp, sandia_inverter
from pvyield.model.solar import refracted_zenith, sun_direction

#: Records of per-site constants passed to :func:`chain_kernel`.
SITE_DTYPE = np.dtype([
    # observer (see pvyield.model.solar.Observer)
    ("sin_lat", "f8"), ("cos_lat", "f8"), ("sin_lon", "f8"), ("cos_lon", "f8"),
    ("x_term", "f8"), ("y_term", "f8"), ("refraction_scale", "f8"),
    # layout
    ("month_row", "i8"), ("n_planes", "i8"), ("tracker", "i8"), ("table", "i8"),
    ("share_total", "f8"),
    # plant
    ("albedo", "f8"), ("a_r", "f8"), ("iam_norm", "f8"), ("bifaciality", "f8"),
    ("rear_shading", "f8"), ("spectral", "i8"), ("pressure_ratio", "f8"),
    ("heat_factor", "f8"), ("u_c", "f8"), ("u_v", "f8"), ("pdc0_w", "f8"),
    ("gamma_pdc", "f8"), ("dc_factor", "f8"), ("inv_pdc0_w", "f8"), ("inv_pac0_w", "f8"),
    ("eta_scale", "f8"), ("ac_factor", "f8"), ("availability", "f8"),
    # grid export limit referred to the inverter output [W] (inf: none)
    ("export_w", "f8"),
    # real equipment (pvyield.site.equipment): 0/1 flags; the module count; the modules
    # in series (0: no string length, the inverter's Vdco is the DC voltage); the count
    # of inverters
    ("module", "i8"), ("inverter", "i8"), ("n_modules", "f8"),
    ("modules_per_string", "f8"), ("n_inverters", "f8"),
    # single-axis tracker
    ("backtrack", "i8"), ("gcr", "f8"),
    ("cos_max", "f8"), ("sin_max", "f8"),
    ("cos_axis_az", "f8"), ("sin_axis_az", "f8"), ("cos_axis_tilt", "f8"),
    ("sin_axis_tilt", "f8"), ("stow_sin", "f8"), ("stow_cos", "f8"),
    ("flat_sin", "f8"), ("flat_cos", "f8"),
])
#: Records of per-plane constants (fixed orientations; one plane for a tracker).
PLANE_DTYPE = np.dtype([
    ("share", "f8"), ("tilt", "f8"), ("cos_tilt", "f8"), ("sin_tilt", "f8"),
    ("az_sin", "f8"), ("az_cos", "f8"),
    ("shade", "i8"), ("gcr", "f8"), ("shade_axis_cos", "f8"), ("shade_axis_sin", "f8"),
    ("iam_sky", "f8"), ("iam_ground", "f8"), ("vf_ground_sky", "f8"), ("vf_row_ground", "f8"),
    ("vf_row_ground_front", "f8"), ("iam_back_sky", "f8"), ("iam_back_ground", "f8"),
])
#: Sums accumulated per site, in this order.
SUMS = ("ghi", "poa", "shading", "row_masking", "iam", "spectral", "soiling", "bifacial",
        "rear_losses", "dc", "inverter", "clipping", "ac", "low_irradiance", "night")
N_SUMS = len(SUMS)
#: Sums per site and period bin (local calendar month of a local year, see
#: :func:`chain_kernel`'s ``bins``), in this order: AC power [W], front plane-of-array
#: irradiance [W/m^2], GHI [W/m^2], air temperature [°C] and the number of intervals.
BINNED = ("p_ac", "poa_global", "ghi", "temp_air", "count")
N_BINNED = len(BINNED)
#: Time series kept per site when asked for, in this order.
SERIES = ("poa_global", "effective_irradiance", "temp_cell", "p_dc", "p_ac")
#: Weather rows the kernel reads: ghi, dni, dhi, temp_air, wind_speed, precipitable water.
N_WEATHER = 6
#: pvlib's First Solar spectral coefficients for CdTe
#: (:func:`pvlib.spectrum.spectral_factor_firstsolar`, ``module_type='cdte'``).
FIRSTSOLAR_CDTE = np.array([0.86273, -0.038948, -0.012506, 0.098871, 0.084658, -0.0042948])
#: View-factor tables of trackers, by back-side tilt (front tilt = 180 - back tilt):
#: ground to sky, back of the row to the ground, front of the row to the ground.
TABLE_COLUMNS = 3
#: Rear view-factor tables: back-side tilt from 90 to 180 degrees in this step [degrees].
TABLE_START_DEG = 90.0
TABLE_STEP_DEG = 0.025
TABLE_SIZE = 3601

_COS_85 = math.cos(math.radians(85.0))
_TAN_85 = math.tan(math.radians(85.0))

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def relative_airmass(zenith, cos_zenith):
    """Kasten & Young (1989) relative airmass; NaN below the horizon
    (:func:`pvlib.atmosphere.get_relative_airmass`)."""
    if zenith > 90.0:
        return np.nan
    return 1.0 / (cos_zenith + 0.50572 * (6.07995 + (90.0 - zenith)) ** -1.6364)


@_jit
def perez_factors(dhi, dni, dni_extra, zenith, airmass, f1c, f2c):
    """Perez (1990) circumsolar and horizon brightening coefficients F1, F2
    (the plane-independent part of :func:`pvlib.irradiance.perez`); NaN where pvlib's
    clearness bin is undefined (``dhi = dni = 0``)."""
    z = math.radians(zenith)
    delta = dhi * airmass / dni_extra
    kz3 = 1.041 * z ** 3
    eps = ((dhi + dni) / dhi + kz3) / (1.0 + kz3)
    if not eps >= 0.0:  # below the first bin edge or NaN: pvlib's row of NaN
        return np.nan, np.nan
    edges = (1.065, 1.23, 1.5, 1.95, 2.8, 4.5, 6.2)
    b = 0
    for edge in edges:
        if eps >= edge:
            b += 1
    f1 = f1c[b, 0] + f1c[b, 1] * delta + f1c[b, 2] * z
    f2 = f2c[b, 0] + f2c[b, 1] * delta + f2c[b, 2] * z
    return max(f1, 0.0), f2


@_jit
def perez_sky(dhi, f1, f2, projection, cos_zenith, cos_tilt, sin_tilt, airmass):
    """Sky diffuse irradiance on a plane, :func:`pvlib.irradiance.perez` [W/m^2].

    ``projection`` is the cosine of the angle of incidence. NaN propagates as in pvlib;
    zero where the airmass is NaN (Sun below the horizon).
    """
    if math.isnan(airmass):
        return 0.0
    a = max(projection, 0.0)
    b = max(cos_zenith, _COS_85)
    sky = dhi * (0.5 * (1.0 - f1) * (1.0 + cos_tilt) + f1 * a / b + f2 * sin_tilt)
    return sky if not sky < 0.0 else 0.0


@_jit
def perez_parts(dhi, f1, f2, projection, cos_zenith, cos_tilt, sin_tilt, airmass):
    """Isotropic, circumsolar and horizon parts of :func:`perez_sky` (pvlib's
    ``return_components``); all 0 where the total is 0 or missing [W/m^2]."""
    if math.isnan(airmass):
        return 0.0, 0.0, 0.0
    a = max(projection, 0.0)
    b = max(cos_zenith, _COS_85)
    iso = dhi * 0.5 * (1.0 - f1) * (1.0 + cos_tilt)
    circ = dhi * f1 * a / b
    hor = dhi * f2 * sin_tilt
    total = iso + circ + hor
    if not total > 0.0:
        return 0.0, 0.0, 0.0
    return iso, circ, hor


@_jit
def martin_ruiz(projection, a_r, norm):
    """Martin & Ruiz (2001) beam IAM from the cosine of incidence,
    :func:`pvlib.iam.martin_ruiz`; ``norm = 1 - exp(-1/a_r)``."""
    if projection <= 0.0:
        return 0.0
    return (1.0 - math.exp(-projection / a_r)) / norm


@_jit
def martin_ruiz_diffuse(surface_tilt, a_r):
    """Sky and ground IAM of Martin & Ruiz, :func:`pvlib.iam.martin_ruiz_diffuse`."""
    if surface_tilt == 0.0:
        surface_tilt = 1e-06
    elif surface_tilt == 180.0:
        surface_tilt = 180.0 - 1e-06
    beta = math.radians(surface_tilt)
    sin_beta = math.sin(beta) if surface_tilt < 90.0 else math.sin(math.pi - beta)
    return martin_ruiz_diffuse_trig(beta, sin_beta, math.cos(beta), a_r)


@_jit
def martin_ruiz_diffuse_trig(beta, sin_beta, cos_beta, a_r):
    """:func:`martin_ruiz_diffuse` from the tilt in radians [rad] with its sine and cosine
    already known (0 < tilt < 180 degrees)."""
    c1 = 0.4244
    c2 = 0.5 * a_r - 0.154
    trig_sky = sin_beta + (math.pi - beta - sin_beta) / (1.0 + cos_beta)
    trig_gnd = sin_beta + (beta - sin_beta) / (1.0 - cos_beta)
    iam_sky = 1.0 - math.exp(-(c1 + c2 * trig_sky) * trig_sky / a_r)
    iam_gnd = 1.0 - math.exp(-(c1 + c2 * trig_gnd) * trig_gnd / a_r)
    return iam_sky, iam_gnd


@_jit
def shaded_fraction(sxp, szp, cos_rotation, sin_rotation, gcr):
    """Beam-shaded fraction of a row, :func:`pvlib.shading.shaded_fraction1d` with
    collector width 1, pitch 1/gcr and no offsets.

    ``sxp``, ``szp`` are the Sun's coordinates across and normal to the row axis (their
    ``atan2`` is pvlib's projected solar zenith angle). NaN (grazing) becomes 0 as in the
    chain.
    """
    den = gcr * abs(cos_rotation * szp + sin_rotation * sxp)
    if den == 0.0:
        return 0.0
    f = 1.0 - szp / den
    return min(max(f, 0.0), 1.0)


@_jit
def tracker_orientation(sx, sy, sz, zenith, site):
    """Single-axis tracker with optional backtracking, :func:`pvlib.tracking.singleaxis`
    and :func:`pvlib.tracking.calc_surface_orientation`; stowed flat when the Sun is below
    the horizon, as the chain does.

    Returns
    -------
    surface_tilt : float
        [degrees]
    cos_tilt, sin_tilt, az_sin, az_cos : float
        Direction cosines of the surface normal [-].
    cos_theta, sin_theta : float
        Rotation angle of the tracker [-].
    sxp, szp : float
        Sun coordinates across and normal to the axis [-].
    """
    ca, sa = site.cos_axis_az, site.sin_axis_az
    ct, st = site.cos_axis_tilt, site.sin_axis_tilt
    sxp = sx * ca - sy * sa
    szp = sx * sa * st + sy * st * ca + sz * ct
    if zenith > 90.0:
        return 0.0, 1.0, 0.0, site.stow_sin, site.stow_cos, 1.0, 0.0, sxp, szp
    # ideal rotation omega = atan2(sxp, szp), kept as its cosine and sine
    r = math.sqrt(sxp * sxp + szp * szp)
    cos_th, sin_th = szp / r, sxp / r
    if site.backtrack:
        temp = abs(cos_th / site.gcr)
        if temp < 1.0:
            # theta = omega - sign(omega) acos(temp), by the angle-difference identities
            if sxp != 0.0:
                sign = math.copysign(1.0, sxp)
            else:
                sign = 0.0 if szp >= 0.0 else math.copysign(1.0, sxp)
            root = math.sqrt(1.0 - temp * temp)
            cos_th, sin_th = (cos_th * temp + sign * sin_th * root,
                              sin_th * temp - sign * cos_th * root)
    # |theta| < 180 degrees, so |theta| > max_angle (<= 90) exactly when its cosine is less
    if cos_th < site.cos_max:
        cos_th, sin_th = site.cos_max, math.copysign(site.sin_max, sin_th)
    # unit normal R = Rz(-axis_azimuth) Rx(-axis_tilt) Ry(theta) (0, 0, 1)
    nx = -sa * -st * cos_th + ca * sin_th
    ny = -sa * sin_th - ca * -st * cos_th
    nz = ct * cos_th
    tilt = math.degrees(math.acos(nz))
    h = math.sqrt(nx * nx + ny * ny)
    if tilt == 0.0:
        return 0.0, nz, h, site.flat_sin, site.flat_cos, cos_th, sin_th, sxp, szp
    return tilt, nz, h, nx / h, ny / h, cos_th, sin_th, sxp, szp


@_jit
def sheds_sky(ghi, dhi, dni, dni_extra, cos_zenith, sin_zenith, sin_az, cos_az, cos_tilt,
              sin_tilt, az_sin, az_cos, gcr):
    """What the front and back of a row share in the infinite-sheds model with the
    Hay-Davies sky (:func:`pvlib.bifacial.infinite_sheds.get_irradiance`).

    Returns
    -------
    dhi_b, dni_b : float
        Isotropic sky diffuse on the horizontal and beam plus circumsolar on the normal
        [W/m^2].
    tan_phi : float
        Tangent of the Sun's projection on the plane across the rows, towards the back [-].
    f_gnd_beam : float
        Sunlit fraction of the ground between rows [-] (pvlib's sum over 22 rows in closed
        form; the same for the front and the back).
    """
    ai = dni / dni_extra
    rb_h = max(min(cos_zenith, 1.0), 0.0) / max(cos_zenith, 0.01745)
    circ_h = max(dhi * (ai * rb_h), 0.0)
    proj_n = max(min(cos_zenith * cos_zenith + sin_zenith * sin_zenith, 1.0), 0.0)
    circ_n = max(dhi * (ai * (proj_n / max(cos_zenith, 0.01745))), 0.0)
    dhi_b = dhi - circ_h
    dni_b = dni + circ_n
    cos_b, sin_b = -cos_tilt, sin_tilt
    tan_phi = -(sin_az * az_sin + cos_az * az_cos) * (sin_zenith / cos_zenith)
    if abs(tan_phi) > _TAN_85:
        f_gnd_beam = 0.0
    else:
        pitch = 1.0 / gcr
        cp = 0.5 * cos_b + (1.0 + 0.5 * sin_b) * tan_phi
        dp = -0.5 * cos_b + (1.0 - 0.5 * sin_b) * tan_phi
        if dp > cp:
            cp, dp = dp, cp
        covered = max(min(cp, 11.0 * pitch) - max(dp, -11.0 * pitch), 0.0)
        f_gnd_beam = 1.0 - min(max(covered / pitch, 0.0), 1.0)
    return dhi_b, dni_b, tan_phi, f_gnd_beam


@_jit
def row_sky_view(cos_tilt, gcr):
    """Row-to-sky view factor integrated over the slant height,
    :func:`pvlib.bifacial.utils.vf_row_sky_2d_integ` from 0 to 1, in closed form [-]."""
    a = 1.0 / gcr
    return 0.5 * (1.0 + a - math.sqrt(a * a - 2.0 * a * cos_tilt + 1.0))


@_jit
def rear_components(ghi, dhi_b, dni_b, tan_phi, f_gnd_beam, cos_tilt, sin_tilt, projection,
                    gcr, albedo, vf_ground_sky, vf_row_ground):
    """Rear beam, sky diffuse and ground-reflected irradiance of the infinite-sheds model
    (``poa_back_direct``, ``poa_back_sky_diffuse``, ``poa_back_ground_diffuse`` of
    :func:`pvlib.bifacial.infinite_sheds.get_irradiance`) [W/m^2].

    The back side has tilt 180 - surface_tilt and the opposite azimuth; ``projection`` is
    the front's cosine of incidence. ``vf_ground_sky`` and ``vf_row_ground`` are pvlib's
    integrated view factors (ground to sky, back of the row to the ground) at the back
    tilt.
    """
    cos_b, sin_b = -cos_tilt, sin_tilt
    proj_b = min(max(-projection, -1.0), 1.0)
    x = gcr * (sin_b * tan_phi + cos_b)
    f_x = 1.0 - 1.0 / x
    if not proj_b > 0.0:
        f_x = 1.0
    if not x > 1.0:
        f_x = 0.0
    poa_sky = dhi_b * row_sky_view(cos_b, gcr)
    poa_ground = albedo * (f_gnd_beam * (ghi - dhi_b) + vf_ground_sky * dhi_b) * vf_row_ground
    poa_direct = max(dni_b * proj_b, 0.0) * (1.0 - f_x)
    return poa_direct, poa_sky, poa_ground


@_jit
def spectral_firstsolar(precipitable_water, airmass_absolute, coefficients):
    """:func:`pvlib.spectrum.spectral_factor_firstsolar` with its default limits; 1 where
    it is undefined (airmass NaN, precipitable water above 8 cm), as the chain does."""
    if math.isnan(airmass_absolute) or math.isnan(precipitable_water):
        return 1.0
    pw = max(precipitable_water, 0.1)
    if pw > 8.0:
        return 1.0
    ama = max(min(airmass_absolute, 10.0), 0.58)
    c = coefficients
    return (c[0] + c[1] * ama + c[2] * pw + c[3] * math.sqrt(ama) + c[4] * math.sqrt(pw)
            + c[5] * ama / math.sqrt(pw))


@_jit
def _table_value(tables, table, column, back_tilt):
    """Linear interpolation in a rear view-factor table (see TABLE_*)."""
    pos = (back_tilt - TABLE_START_DEG) / TABLE_STEP_DEG
    i = min(max(int(pos), 0), TABLE_SIZE - 2)
    w = pos - i
    return tables[table, i, column] * (1.0 - w) + tables[table, i + 1, column] * w


@_jit
def chain_kernel(terms, dni_extra, months, bins, weather, sites, planes, soiling, tables,
                 modules, inverters, f1c, f2c, spectral_coefficients, sums, binned, series):
    """The reference chain for a block of sites sharing their time stamps.

    Parameters
    ----------
    terms : ndarray (5, time)
        :meth:`pvyield.model.solar.SunTerms.stacked`.
    dni_extra : ndarray (time,)
        Extraterrestrial irradiance [W/m^2].
    months : ndarray (rows, time) of int
        Local month 0-11 of each time stamp, one row per time zone.
    bins : ndarray (rows, time) of int
        Period bin of each time stamp, one row per time zone (the rows of ``months``):
        12 x (local year - first local year) + local month 0-11.
    weather : ndarray (site, N_WEATHER, time)
        ghi, dni, dhi [W/m^2], temp_air [°C], wind_speed [m/s], precipitable water [cm].
    sites : ndarray (site,) of SITE_DTYPE
    planes : ndarray (site, plane) of PLANE_DTYPE
    soiling : ndarray (site, 12)
        Soiling factor per local month [-].
    tables : ndarray (table, TABLE_SIZE, TABLE_COLUMNS)
        View factors of trackers by back tilt (see :data:`TABLE_COLUMNS`).
    modules : ndarray (site,) of :data:`pvyield.model.kernels_equipment.MODULE_DTYPE`
        Single-diode module of the sites with ``module`` set (others: unread).
    inverters : ndarray (site,) of :data:`pvyield.model.kernels_equipment.INVERTER_DTYPE`
        Sandia inverter of the sites with ``inverter`` set (others: unread).
    f1c, f2c : ndarray (8, 3)
        Perez coefficients.
    spectral_coefficients : ndarray (6,)
        First Solar spectral model coefficients of the sites with ``spectral`` set.
    sums : ndarray (site, len(SUMS)), output
        Sums over time of the quantities in :data:`SUMS` [W/m^2 or W].
    binned : ndarray (site, N_BINNED, bins), output
        Sums of :data:`BINNED` per period bin; nothing else needs time series (monthly
        table, calendar years).
    series : ndarray (site, len(SERIES), time) or (site, len(SERIES), 0), output
        Time series of :data:`SERIES` when its last axis has the length of time.
    """
    n_time = terms.shape[1]
    keep = series.shape[2] == n_time
    # the chain runs in passes over a site's lit intervals: short loops overlap better in
    # the processor than one long one
    lit = np.empty(n_time, dtype=np.int64)
    sun = np.empty((8, n_time))
    geo = np.empty((13, n_time))
    for s in range(sites.shape[0]):
        site = sites[s]
        n_lit = _lit_intervals(weather[s], site.share_total, keep, lit, series[s])
        _sun_pass(terms, dni_extra, weather[s], site, lit[:n_lit], f1c, f2c, sun)
        if site.tracker:
            _tracker_pass(site, planes[s, 0], n_lit, sun, geo)
        sums[s, 0] = 0.0
        site_bins = bins[site.month_row]
        binned[s] = 0.0
        for t in range(n_time):
            sums[s, 0] += weather[s, 0, t]
            b = site_bins[t]
            binned[s, 2, b] += weather[s, 0, t]
            binned[s, 3, b] += weather[s, 3, t]
            binned[s, 4, b] += 1.0
        _plant_pass(dni_extra, months[site.month_row], weather[s], site, planes[s],
                    soiling[s], tables, modules[s], inverters[s], spectral_coefficients,
                    lit[:n_lit], sun, geo, keep, sums[s], site_bins, binned[s], series[s])
        if site.inverter:
            _dark_pass(site, inverters[s], lit[:n_lit], n_time, keep, sums[s], site_bins,
                       binned[s], series[s])


@_jit
def _dark_pass(site, inverter, lit, n_time, keep, sums, bins, binned, series):
    """A real inverter's output in the intervals without irradiance (no DC power): the
    night tare it draws there, as the chain's :func:`pvlib.inverter.sandia` gives it."""
    p_inv, p_clip, p_night = sandia_stages(0.0, 0.0, site, inverter)
    p_ac = p_night * site.ac_factor * site.availability
    j = 0
    for t in range(n_time):
        if j < lit.size and lit[j] == t:
            j += 1
            continue
        sums[10] += p_inv
        sums[11] += p_clip
        sums[12] += p_ac
        sums[14] += p_night
        binned[0, bins[t]] += p_ac
        if keep:
            series[4, t] = p_ac


@_jit
def sandia_stages(v_mp, p_dc, site, inverter):
    """A plant's real inverters at its DC power: the chain's
    :func:`pvyield.model.chain.inverter_ac` for one interval [W].

    The DC power ``p_dc`` [W] is shared by ``site.n_inverters`` inverters, each at the
    string voltage (``v_mp`` [V], the module's, DC-share weighted over planes, times
    ``site.modules_per_string``), or at ``Vdco`` without a string length or without DC
    power. Returns the Sandia output (King et al. 2007) of the plant without its AC limit
    and night tare (0 below ``Pso``), with the AC limit (:func:`sandia_inverter` with
    ``Pnt`` 0), and with both (:func:`pvlib.inverter.sandia`).
    """
    n = site.n_inverters
    p_in = p_dc / n
    v_dc = inverter.Vdco
    if site.module and site.modules_per_string > 0.0 and p_in > 0.0:
        v_dc = v_mp * site.modules_per_string
    dv = v_dc - inverter.Vdco
    a = inverter.Pdco * (1 + inverter.C1 * dv)
    b = inverter.Pso * (1 + inverter.C2 * dv)
    c = inverter.C0 * (1 + inverter.C3 * dv)
    p = p_in - b
    unclipped = 0.0
    if not p_in < inverter.Pso:
        unclipped = (inverter.Paco / (a - b) - c * (a - b)) * p + c * p ** 2
    clipped = sandia_inverter(v_dc, p_in, inverter.Paco, inverter.Pdco, inverter.Vdco,
                              inverter.Pso, inverter.C0, inverter.C1, inverter.C2,
                              inverter.C3, 0.0)
    night = sandia_inverter(v_dc, p_in, inverter.Paco, inverter.Pdco, inverter.Vdco,
                            inverter.Pso, inverter.C0, inverter.C1, inverter.C2,
                            inverter.C3, inverter.Pnt)
    return unclipped * n, clipped * n, night * n


@_jit
def _lit_intervals(weather, share_total, keep, lit, series):
    """Indices of the intervals with any irradiance into ``lit``; their number.

    In the others nothing reaches the plant: every stage is 0 and the cells are at air
    temperature (written to ``series`` when ``keep``).
    """
    n_lit = 0
    for t in range(weather.shape[1]):
        if weather[0, t] == 0.0 and weather[1, t] == 0.0 and weather[2, t] == 0.0:
            if keep:
                series[:, t] = 0.0
                series[2, t] = weather[3, t] * share_total
        else:
            lit[n_lit] = t
            n_lit += 1
    return n_lit


@_jit
def _sun_pass(terms, dni_extra, weather, site, lit, f1c, f2c, sun):
    """Sun position, airmass and Perez coefficients of the lit intervals into ``sun``:
    zenith, cos and sin zenith, sin and cos azimuth, airmass, F1, F2."""
    for k in range(lit.size):
        t = lit[k]
        sun[1, k], sun[3, k], sun[4, k] = sun_direction(
            terms[0, t], terms[1, t], terms[2, t], terms[3, t], terms[4, t],
            site.sin_lat, site.cos_lat, site.sin_lon, site.cos_lon, site.x_term, site.y_term)
    for k in range(lit.size):
        sun[0, k], sun[1, k], sun[2, k] = refracted_zenith(sun[1, k], site.refraction_scale)
    for k in range(lit.size):
        t = lit[k]
        sun[5, k] = relative_airmass(sun[0, k], sun[1, k])
        sun[6, k], sun[7, k] = perez_factors(weather[2, t], weather[1, t], dni_extra[t],
                                             sun[0, k], sun[5, k], f1c, f2c)


@_jit
def _tracker_pass(site, plane, n_lit, sun, geo):
    """Tracker orientation (:func:`tracker_orientation`) and diffuse IAM of the front and
    the back of the lit intervals into ``geo``."""
    for k in range(n_lit):
        (geo[0, k], geo[1, k], geo[2, k], geo[3, k], geo[4, k], geo[5, k], geo[6, k],
         geo[7, k], geo[8, k]) = tracker_orientation(
            sun[2, k] * sun[3, k], sun[2, k] * sun[4, k], sun[1, k], sun[0, k], site)
    for k in range(n_lit):
        if geo[0, k] == 0.0:  # flat: pvlib's values at tilt 0 and 180, kept in the plane
            geo[9, k], geo[10, k] = plane.iam_sky, plane.iam_ground
            geo[11, k], geo[12, k] = plane.iam_back_sky, plane.iam_back_ground
        else:
            beta = math.radians(geo[0, k])
            geo[9, k], geo[10, k] = martin_ruiz_diffuse_trig(beta, geo[2, k], geo[1, k],
                                                             site.a_r)
            geo[11, k], geo[12, k] = martin_ruiz_diffuse_trig(math.pi - beta, geo[2, k],
                                                              -geo[1, k], site.a_r)


@_jit
def _plant_pass(dni_extra, months, weather, site, planes, soiling, tables, module,
                inverter, spectral_coefficients, lit, sun, geo, keep, sums, bins, binned,
                series):
    """Plane of array to the grid for the lit intervals; sums into ``sums[1:]`` and the
    AC power and front irradiance per period bin into ``binned[:2]``.

    With a real module (``site.module``) the DC power is the single-diode maximum power
    of ``site.n_modules`` modules (:func:`pvyield.model.kernels_equipment.module_mpp`),
    and the same at 25 °C is summed as the low-irradiance stage; with a real inverter
    (``site.inverter``) the AC stages are :func:`sandia_stages`."""
    for k in range(lit.size):
        t = lit[k]
        ghi, dni, dhi, temp_air = weather[0, t], weather[1, t], weather[2, t], weather[3, t]
        cz, sz, saz, caz = sun[1, k], sun[2, k], sun[3, k], sun[4, k]
        am, f1, f2 = sun[5, k], sun[6, k], sun[7, k]
        sx, sy = sz * saz, sz * caz
        soil = soiling[months[t]]
        spectral = 1.0
        if site.spectral:
            spectral = spectral_firstsolar(weather[5, t], am * site.pressure_ratio,
                                           spectral_coefficients)
        loss_factor = site.u_c + site.u_v * weather[4, t]
        poa_w = eff_w = temp_w = p_dc = v_mp_w = 0.0
        for j in range(site.n_planes):
            plane = planes[j]
            if site.tracker:
                tilt, cos_t, sin_t = geo[0, k], geo[1, k], geo[2, k]
                az_sin, az_cos = geo[3, k], geo[4, k]
                cos_r, sin_r, sxp, szp = geo[5, k], geo[6, k], geo[7, k], geo[8, k]
                iam_sky, iam_gnd = geo[9, k], geo[10, k]
                iam_back_sky, iam_back_gnd = geo[11, k], geo[12, k]
            else:
                tilt, cos_t, sin_t = plane.tilt, plane.cos_tilt, plane.sin_tilt
                az_sin, az_cos = plane.az_sin, plane.az_cos
                cos_r, sin_r, szp = cos_t, sin_t, cz
                sxp = sx * plane.shade_axis_cos - sy * plane.shade_axis_sin
                iam_sky, iam_gnd = plane.iam_sky, plane.iam_ground
                iam_back_sky, iam_back_gnd = plane.iam_back_sky, plane.iam_back_ground
            proj = cos_t * cz + sin_t * (sx * az_sin + sy * az_cos)
            proj = min(max(proj, -1.0), 1.0)
            # front plane of array, NaN and negative values as the chain treats them
            direct = max(dni * proj, 0.0)
            sky = perez_sky(dhi, f1, f2, proj, cz, cos_t, sin_t, am)
            ground = ghi * site.albedo * (1.0 - cos_t) * 0.5
            poa = direct + sky + ground
            if math.isnan(sky):
                sky, poa = 0.0, 0.0
            poa = max(poa, 0.0)
            ground = max(ground, 0.0)
            shaded = 0.0
            if plane.shade:
                shaded = shaded_fraction(sxp, szp, cos_r, sin_r, plane.gcr)
            beam = direct * (1.0 - shaded)
            st_shading = beam + sky + ground
            # rows in front: masked sky diffuse and ground reflection (infinite sheds)
            sky_m, ground_m = sky, ground
            dhi_b = dni_b = tan_phi = f_gnd = vf_gs = 0.0
            if plane.shade:
                dhi_b, dni_b, tan_phi, f_gnd = sheds_sky(
                    ghi, dhi, dni, dni_extra[t], cz, sz, saz, caz, cos_t, sin_t, az_sin,
                    az_cos, plane.gcr)
                if site.tracker:
                    vf_gs = _table_value(tables, site.table, 0, 180.0 - tilt)
                    vf_rgf = _table_value(tables, site.table, 2, 180.0 - tilt)
                else:
                    vf_gs, vf_rgf = plane.vf_ground_sky, plane.vf_row_ground_front
                iso, circ, hor = perez_parts(dhi, f1, f2, proj, cz, cos_t, sin_t, am)
                ratio = row_sky_view(cos_t, plane.gcr) / (0.5 * (1.0 + cos_t))
                sky_m = 0.0
                if sky > 0.0:
                    sky_m = max((iso + hor) * ratio + circ * (1.0 - shaded), 0.0)
                ground_m = site.albedo * (f_gnd * (ghi - dhi_b) + vf_gs * dhi_b) * vf_rgf
                if math.isnan(ground_m):
                    ground_m = 0.0
            st_masking = beam + sky_m + ground_m
            st_iam = (beam * martin_ruiz(proj, site.a_r, site.iam_norm)
                      + sky_m * iam_sky + ground_m * iam_gnd)
            st_spectral = st_iam * spectral
            st_soiling = st_spectral * soil
            st_bifacial = st_rear = effective = st_soiling
            thermal = st_masking
            if site.bifaciality > 0.0:
                if site.tracker:
                    vf_rg = _table_value(tables, site.table, 1, 180.0 - tilt)
                else:
                    vf_rg = plane.vf_row_ground
                r_direct, r_sky, r_ground = rear_components(
                    ghi, dhi_b, dni_b, tan_phi, f_gnd, cos_t, sin_t, proj, plane.gcr,
                    site.albedo, vf_gs, vf_rg)
                rear = max(r_direct + r_sky + r_ground, 0.0)
                rear_eff = ((r_direct * martin_ruiz(-proj, site.a_r, site.iam_norm)
                             + r_sky * iam_back_sky + r_ground * iam_back_gnd)
                            * (1.0 - site.rear_shading))
                rear_eff = max(rear_eff, 0.0)
                st_bifacial = st_soiling + site.bifaciality * rear
                st_rear = effective = st_soiling + site.bifaciality * rear_eff
                thermal = st_masking + rear * (1.0 - site.rear_shading)
            temp_cell = temp_air + thermal * site.heat_factor / loss_factor
            share = plane.share
            if site.module:
                # the chain's module_dc: maximum power of the plane's modules, 0 without
                # irradiance; the same at 25 °C for the irradiance-level stage
                count = site.n_modules * share
                _, v_mp, p_mp = module_mpp(effective, temp_cell, module)
                _, _, p_25 = module_mpp(effective, 25.0, module)
                if not effective > 0.0:
                    v_mp = p_mp = p_25 = 0.0
                dc = max(p_mp, 0.0) * count
                sums[13] += max(p_25, 0.0) * count
                v_mp_w += share * max(v_mp, 0.0)
            else:
                dc = max(effective * 0.001 * site.pdc0_w * plane.share
                         * (1.0 + site.gamma_pdc * (temp_cell - 25.0)), 0.0)
            sums[1] += share * poa
            sums[2] += share * st_shading
            sums[3] += share * st_masking
            sums[4] += share * st_iam
            sums[5] += share * st_spectral
            sums[6] += share * st_soiling
            sums[7] += share * st_bifacial
            sums[8] += share * st_rear
            sums[9] += dc
            poa_w += share * poa
            eff_w += share * effective
            temp_w += share * temp_cell
            p_dc += dc
        p_dc_net = p_dc * site.dc_factor
        if site.inverter:
            p_inv, p_clip, p_night = sandia_stages(v_mp_w, p_dc_net, site, inverter)
        else:
            p_inv, p_clip = pvwatts_inverter(p_dc_net, site.inv_pdc0_w, site.inv_pac0_w,
                                             site.eta_scale)
            p_night = p_clip
        # the grid export limit (its loss joins the clipping stage)
        p_clip = min(p_clip, site.export_w)
        p_night = min(p_night, site.export_w)
        p_ac = p_night * site.ac_factor * site.availability
        sums[10] += p_inv
        sums[11] += p_clip
        sums[12] += p_ac
        sums[14] += p_night
        binned[0, bins[t]] += p_ac
        binned[1, bins[t]] += poa_w
        if keep:
            series[0, t], series[1, t], series[2, t] = poa_w, eff_w, temp_w
            series[3, t], series[4, t] = p_dc_net, p_ac


@_jit
def pvwatts_inverter(pdc, pdc0, pac0, eta_scale):
    """PVWatts inverter output before and after the AC limit [W].

    :func:`pvyield.model.chain.pvwatts_inverter_unclipped` and
    :func:`pvlib.inverter.pvwatts`; ``eta_scale = eta_inv_nom / eta_inv_ref`` and
    ``pac0 = eta_inv_nom * pdc0``.
    """
    if pdc == 0.0:
        return 0.0, 0.0
    zeta = pdc / pdc0
    eta = eta_scale * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)
    power = eta * pdc
    unclipped = max(power, 0.0) if pdc > 0.0 else 0.0
    return unclipped, max(0.0, min(pac0, power))
