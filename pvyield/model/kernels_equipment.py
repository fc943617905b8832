"""Compiled single-diode module models and inverter efficiency curves.

Scalar functions compiled with numba, callable per element from inside a kernel of the
batch engine, each reproducing one pvlib function (named in its docstring), and thin
numpy wrappers (``*_array``) over them for other callers and the tests:

===============================  ==================================================
here                             pvlib
===============================  ==================================================
:func:`calcparams_pvsyst`        :func:`pvlib.pvsystem.calcparams_pvsyst`
:func:`calcparams_cec`           :func:`pvlib.pvsystem.calcparams_cec`
:func:`max_power_point`          :func:`pvlib.pvsystem.max_power_point`
                                 (``method='brentq'``, its default)
:func:`sandia_inverter`          :func:`pvlib.inverter.sandia`
:func:`adr_inverter`             :func:`pvlib.inverter.adr`
===============================  ==================================================

``tests/test_kernels_equipment.py`` compares each with pvlib (1e-6 relative on power).

Models and papers
-----------------
- PVsyst module model: A. Mermoud, T. Lejeune, "Performance assessment of a simulation
  model for PV modules of any available technology", 25th EU PVSEC, Valencia, 2010,
  doi:10.4229/25thEUPVSEC2010-4BV.1.114; K. Sauer, T. Roessler, C. W. Hansen, "Modeling
  the irradiance and temperature dependence of photovoltaic modules in PVsyst", IEEE
  J. Photovoltaics 5(1), 2015.
- CEC module model: W. De Soto, S. A. Klein, W. A. Beckman, "Improvement and validation
  of a model for photovoltaic array performance", Solar Energy 80, 78-88, 2006, with the
  ``Adjust`` parameter of A. Dobos, "An improved coefficient calculator for the California
  Energy Commission 6 parameter photovoltaic module model", J. Sol. Energy Eng. 134, 2012.
- Maximum power point: the explicit single-diode IV curve in the diode voltage of
  J. W. Bishop, "Computer simulation of the effects of electrical mismatches in
  photovoltaic cell interconnection circuits", Solar Cells 25(1), 73-89, 1988, with
  dP/dV = 0 solved by Brent's method (R. P. Brent, "Algorithms for minimization without
  derivatives", 1973, ch. 4) between 0 and the estimated open-circuit voltage, as
  ``pvlib.singlediode.bishop88_mpp`` does with :func:`scipy.optimize.brentq` (same
  tolerances: ``xtol=2e-12``, ``rtol=4*eps``, 100 iterations). The thin-film recombination
  term that PVsyst uses for CdTe and a-Si modules (``d2mutau``, ``NsVbi``; J. Merten et
  al., "Improved equivalent circuit and analytical model for amorphous silicon solar
  cells and modules", IEEE Trans. Electron Devices 45(2), 423-429, 1998) is included as
  :func:`pvlib.pvsystem.max_power_point` takes it (``calcparams_pvsyst`` does not use
  it); it is off (``d2mutau=0``, ``NsVbi=inf``, pvlib's defaults) for crystalline
  silicon. The bundled mono-Si PAN file ``ET-M772BH550GL.PAN`` holds no recombination
  parameter (:func:`pvlib.iotools.read_panond` returns none), so it is off there.
- Sandia inverter model: D. King, S. Gonzalez, G. Galbraith, W. Boyson, "Performance
  model for grid-connected photovoltaic inverters", Sandia National Laboratories,
  SAND2007-5036, 2007, doi:10.2172/920449.
- ADR inverter model: A. Driesse, "Beyond the curves: modeling the electrical efficiency
  of photovoltaic inverters", 33rd IEEE PVSC, 2008, doi:10.1109/PVSC.2008.4922827
  (the paper :func:`pvlib.inverter.adr` cites; coefficients of CEC-listed inverters in
  pvlib's ``adr-library-cec-inverters-2019-03-05.csv``, ``retrieve_sam('ADRInverter')``).
  Not to be confused with Driesse's ADR *module* efficiency model
  (:func:`pvlib.pvarray.pvefficiency_adr`), which is not used here.

Where the results differ from pvlib
-----------------------------------
- :func:`max_power_point` returns ``(0, 0, 0)`` for a photocurrent <= 0 (irradiance
  <= 0). pvlib returns the same at exactly 0, but for a negative photocurrent it raises
  ``ValueError`` (open-circuit voltage estimate NaN) or, when the photocurrent is smaller
  in magnitude than the saturation current, returns a power below 1e-20 W.
- :func:`pvlib.pvsystem.singlediode` (Lambert W, the method ``PVSystem.singlediode``
  uses) finds the same ``p_mp`` to rounding, and ``v_mp``, ``i_mp`` to about 1e-8
  relative (the tolerance of its optimiser on the flat top of the power curve).
- NaN in any parameter gives NaN outputs; pvlib raises ``ValueError`` for the whole
  series.
- If Brent's method has not converged after 100 iterations the last estimate is
  returned (scipy raises ``RuntimeError``); this does not happen for physical parameters.

Interface for the batch engine
------------------------------
One module record (:data:`MODULE_DTYPE`) and one inverter record (:data:`INVERTER_DTYPE`)
per site, built from pvlib-named parameter mappings by :func:`pvsyst_module_record`,
:func:`cec_module_record`, :func:`sandia_inverter_record` and :func:`adr_inverter_record`.
Inside a kernel, per (site, time) element::

    v_dc, p_dc, p_ac = dc_ac_element(effective_irradiance, temp_cell, modules[s],
                                     inverters[s])

with effective irradiance [W/m^2] and cell temperature [°C] as the reference chain
computes them. A site's DC side is ``strings_per_inverter`` parallel strings of
``modules_per_string`` modules behind each of ``n_inverters`` identical inverters:
``v_dc = v_mp * modules_per_string`` [V], ``p_dc = p_mp * modules_per_string *
strings_per_inverter * dc_factor`` [W per inverter] (``dc_factor`` = 1 - DC losses,
applied to power only, voltage unchanged), ``p_ac = inverter(v_dc, p_dc) * n_inverters``
[W per site]. :func:`dc_ac_singlediode` does the same over whole ``(site, time)`` arrays.

The engine's chain kernel (:func:`pvyield.model.kernels.chain_kernel`) scales as the
reference chain does instead (module count x DC share per plane, the DC losses after the
sum over planes, string voltage DC-share weighted over planes, the AC stages apart): it
calls :func:`module_mpp` per plane and its own ``sandia_stages`` (built on
:func:`sandia_inverter`) per interval, with the records above.
"""

# pvlib's parameter names (I_L_ref, Paco, nNsVth, ...) are kept so that each function
# reads against its pvlib counterpart.
# ruff: noqa: N803, N806

from __future__ import annotations

import math
from collections.abc import Mapping

import numba
import numpy as np
from scipy import constants

from pvyield.errors import ModelError

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

#: Boltzmann constant [J/K] and elementary charge [C], as pvlib takes them from scipy.
_K = constants.k
_Q = constants.e
#: Boltzmann constant [eV/K] (pvlib's ``calcparams_desoto``).
_K_EV = constants.value("Boltzmann constant in eV/K")
#: :func:`scipy.optimize.brentq` defaults, which ``bishop88_mpp`` leaves unchanged.
_XTOL = 2e-12
_RTOL = 4.0 * float(np.finfo(float).eps)
_MAXITER = 100

#: Module models of :data:`MODULE_DTYPE` ``model``.
PVSYST = 0
CEC = 1
#: Inverter models of :data:`INVERTER_DTYPE` ``model``.
SANDIA = 0
ADR = 1

#: Per-site module and string layout record of :func:`dc_ac_element`.
MODULE_DTYPE = np.dtype([
    ("model", "i8"),  # PVSYST or CEC
    # both models (pvlib names and units)
    ("alpha_sc", "f8"), ("I_L_ref", "f8"), ("I_o_ref", "f8"), ("R_sh_ref", "f8"),
    ("R_s", "f8"), ("EgRef", "f8"), ("irrad_ref", "f8"), ("temp_ref", "f8"),
    # PVsyst
    ("gamma_ref", "f8"), ("mu_gamma", "f8"), ("R_sh_0", "f8"), ("R_sh_exp", "f8"),
    ("cells_in_series", "f8"), ("d2mutau", "f8"), ("NsVbi", "f8"),
    # CEC
    ("a_ref", "f8"), ("Adjust", "f8"), ("dEgdT", "f8"),
    # layout
    ("modules_per_string", "f8"), ("strings_per_inverter", "f8"), ("dc_factor", "f8"),
])
#: Per-site inverter record of :func:`dc_ac_element`.
INVERTER_DTYPE = np.dtype([
    ("model", "i8"),  # SANDIA or ADR
    # Sandia (pvlib names)
    ("Paco", "f8"), ("Pdco", "f8"), ("Vdco", "f8"), ("Pso", "f8"),
    ("C0", "f8"), ("C1", "f8"), ("C2", "f8"), ("C3", "f8"),
    # both: night tare [W]
    ("Pnt", "f8"),
    # ADR (pvlib names); input-voltage limits from adr_voltage_limits
    ("Pnom", "f8"), ("Vnom", "f8"), ("Pacmax", "f8"), ("adr", "f8", (9,)),
    ("v_lim_lower", "f8"), ("v_lim_upper", "f8"),
    # layout
    ("n_inverters", "f8"),
])


# --- module parameters -------------------------------------------------------------------

@_jit
def calcparams_pvsyst(effective_irradiance, temp_cell, alpha_sc, gamma_ref, mu_gamma,
                      I_L_ref, I_o_ref, R_sh_ref, R_sh_0, R_s, cells_in_series,
                      R_sh_exp=5.5, EgRef=1.121, irrad_ref=1000.0, temp_ref=25.0):
    """Five single-diode parameters of the PVsyst v6 model (Mermoud & Lejeune 2010;
    Sauer et al. 2015), :func:`pvlib.pvsystem.calcparams_pvsyst`, same argument order.

    Parameters
    ----------
    effective_irradiance : float
        Irradiance converted to photocurrent [W/m^2].
    temp_cell : float
        Cell temperature [°C].
    alpha_sc : float
        Temperature coefficient of the short-circuit current [A/K].
    gamma_ref, mu_gamma : float
        Diode ideality factor [-] and its temperature coefficient [1/K].
    I_L_ref, I_o_ref : float
        Photocurrent and saturation current at reference conditions [A].
    R_sh_ref, R_sh_0 : float
        Shunt resistance at reference and at zero irradiance [ohm].
    R_s : float
        Series resistance [ohm].
    cells_in_series : float
        Number of cells in series [-].
    R_sh_exp : float
        Exponent of the shunt resistance's irradiance dependence [-] (PVsyst's 5.5).
    EgRef : float
        Band gap at reference temperature [eV].
    irrad_ref, temp_ref : float
        Reference irradiance [W/m^2] and cell temperature [°C].

    Returns
    -------
    photocurrent, saturation_current : float
        [A]
    resistance_series, resistance_shunt : float
        [ohm]
    nNsVth : float
        Ideality factor x cells in series x thermal voltage [V].
    """
    tref_k = temp_ref + 273.15
    tcell_k = temp_cell + 273.15
    gamma = gamma_ref + mu_gamma * (temp_cell - temp_ref)
    nNsVth = gamma * _K / _Q * cells_in_series * tcell_k
    il = effective_irradiance / irrad_ref * (I_L_ref + alpha_sc * (tcell_k - tref_k))
    io = I_o_ref * ((tcell_k / tref_k) ** 3) * (
        math.exp((_Q * EgRef) / (_K * gamma) * (1.0 / tref_k - 1.0 / tcell_k)))
    rsh_tmp = (R_sh_ref - R_sh_0 * math.exp(-R_sh_exp)) / (1.0 - math.exp(-R_sh_exp))
    rsh_base = rsh_tmp if rsh_tmp > 0.0 else 0.0
    rsh = rsh_base + (R_sh_0 - rsh_base) * math.exp(-R_sh_exp * effective_irradiance
                                                     / irrad_ref)
    return il, io, R_s, rsh, nNsVth


@_jit
def calcparams_cec(effective_irradiance, temp_cell, alpha_sc, a_ref, I_L_ref, I_o_ref,
                   R_sh_ref, R_s, Adjust, EgRef=1.121, dEgdT=-0.0002677, irrad_ref=1000.0,
                   temp_ref=25.0):
    """Five single-diode parameters of the CEC model (De Soto et al. 2006 with Dobos
    2012's ``Adjust``), :func:`pvlib.pvsystem.calcparams_cec`, same argument order.

    Parameters
    ----------
    effective_irradiance : float
        Irradiance converted to photocurrent [W/m^2].
    temp_cell : float
        Cell temperature [°C].
    alpha_sc : float
        Temperature coefficient of the short-circuit current [A/K].
    a_ref : float
        Modified ideality factor at reference conditions [V].
    I_L_ref, I_o_ref : float
        Photocurrent and saturation current at reference conditions [A].
    R_sh_ref, R_s : float
        Shunt resistance at reference irradiance and series resistance [ohm].
    Adjust : float
        Adjustment of the temperature coefficient of the short-circuit current [%].
    EgRef : float
        Band gap at reference temperature [eV] (SAM's library: 1.121).
    dEgdT : float
        Temperature dependence of the band gap [1/K] (SAM's library: -0.0002677).
    irrad_ref, temp_ref : float
        Reference irradiance [W/m^2] and cell temperature [°C].

    Returns
    -------
    photocurrent, saturation_current, resistance_series, resistance_shunt, nNsVth
        As :func:`calcparams_pvsyst`; the shunt resistance is infinite at zero irradiance
        (as pvlib's).
    """
    alpha = alpha_sc * (1.0 - Adjust / 100)
    tref_k = temp_ref + 273.15
    tcell_k = temp_cell + 273.15
    e_g = EgRef * (1 + dEgdT * (tcell_k - tref_k))
    nNsVth = a_ref * (tcell_k / tref_k)
    il = effective_irradiance / irrad_ref * (I_L_ref + alpha * (tcell_k - tref_k))
    io = (I_o_ref * ((tcell_k / tref_k) ** 3)
          * (math.exp(EgRef / (_K_EV * tref_k) - (e_g / (_K_EV * tcell_k)))))
    rsh = R_sh_ref * (irrad_ref / effective_irradiance)  # inf at 0 (numpy error model)
    return il, io, R_s, rsh, nNsVth


# --- maximum power point -----------------------------------------------------------------

@_jit
def _bishop88_dpdv(vd, il, io, rs, rsh, nNsVth, d2mutau, NsVbi):
    """dP/dV of the single-diode curve at diode voltage ``vd`` [W/V]: element 6 of
    ``pvlib.singlediode.bishop88(..., gradients=True)`` without reverse breakdown (its
    factor is 0 in ``max_power_point``); operations in pvlib's order."""
    v_star = vd / nNsVth
    g_sh = 1.0 / rsh
    if d2mutau > 0.0:
        v_recomb = NsVbi - vd
        i_recomb = il * d2mutau / v_recomb
        grad_i_recomb = i_recomb / v_recomb
    else:
        i_recomb = 0.0
        grad_i_recomb = 0.0
    i = il - io * math.expm1(v_star) - vd * g_sh - i_recomb
    v = vd - i * rs
    g_diode = io * math.exp(v_star) / nNsVth
    grad_i = -g_diode - g_sh - grad_i_recomb
    grad_v = 1.0 - grad_i * rs
    return v * (grad_i / grad_v) + i


@_jit
def _bishop88(vd, il, io, rs, rsh, nNsVth, d2mutau, NsVbi):
    """Current [A], voltage [V] and power [W] at diode voltage ``vd``,
    ``pvlib.singlediode.bishop88``."""
    i_recomb = il * d2mutau / (NsVbi - vd) if d2mutau > 0.0 else 0.0
    i = il - io * math.expm1(vd / nNsVth) - vd * (1.0 / rsh) - i_recomb
    v = vd - i * rs
    return i, v, i * v


@_jit
def _signbit(x):
    return math.copysign(1.0, x) < 0.0


@_jit
def _brentq_mpp(xa, xb, il, io, rs, rsh, nNsVth, d2mutau, NsVbi):
    """Root of :func:`_bishop88_dpdv` in ``[xa, xb]``: scipy's ``brentq`` (C code
    ``scipy/optimize/Zeros/brentq.c``) step for step, with its default tolerances.
    NaN where scipy raises (no sign change, NaN function value)."""
    xpre = xa
    xcur = xb
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    fpre = _bishop88_dpdv(xpre, il, io, rs, rsh, nNsVth, d2mutau, NsVbi)
    fcur = _bishop88_dpdv(xcur, il, io, rs, rsh, nNsVth, d2mutau, NsVbi)
    if math.isnan(fpre) or math.isnan(fcur):
        return np.nan
    if fpre == 0.0:
        return xpre
    if fcur == 0.0:
        return xcur
    if _signbit(fpre) == _signbit(fcur):
        return np.nan
    for _ in range(_MAXITER):
        if fpre != 0.0 and fcur != 0.0 and _signbit(fpre) != _signbit(fcur):
            xblk = xpre
            fblk = fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre = xcur
            xcur = xblk
            xblk = xpre
            fpre = fcur
            fcur = fblk
            fblk = fpre
        delta = (_XTOL + _RTOL * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                # secant (interpolation)
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                # inverse quadratic extrapolation
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = _bishop88_dpdv(xcur, il, io, rs, rsh, nNsVth, d2mutau, NsVbi)
        if math.isnan(fcur):
            return np.nan
    return xcur


@_jit
def max_power_point(photocurrent, saturation_current, resistance_series, resistance_shunt,
                    nNsVth, d2mutau=0.0, NsVbi=np.inf):
    """Maximum power point of the single-diode equation (Bishop 1988),
    :func:`pvlib.pvsystem.max_power_point` with its default ``method='brentq'``.

    Parameters
    ----------
    photocurrent, saturation_current : float
        [A]
    resistance_series, resistance_shunt : float
        [ohm]
    nNsVth : float
        Ideality factor x cells in series x thermal voltage [V].
    d2mutau : float
        PVsyst recombination parameter of CdTe and a-Si modules [V]; 0 for others.
    NsVbi : float
        Cells in series x built-in voltage of the intrinsic layer [V]; inf for others.

    Returns
    -------
    i_mp : float
        [A]
    v_mp : float
        [V]
    p_mp : float
        [W]. ``(0, 0, 0)`` for ``photocurrent <= 0``; NaN for NaN input (see the module
        docstring for pvlib's behaviour there).
    """
    if (math.isnan(photocurrent) or math.isnan(saturation_current)
            or math.isnan(resistance_series) or math.isnan(resistance_shunt)
            or math.isnan(nNsVth) or math.isnan(d2mutau) or math.isnan(NsVbi)):
        return np.nan, np.nan, np.nan
    if photocurrent <= 0.0:
        return 0.0, 0.0, 0.0
    # bound the search by the open-circuit voltage estimate; stay below the asymptote of
    # the recombination term at NsVbi
    voc_est = nNsVth * math.log(photocurrent / saturation_current + 1.0)
    xp = voc_est if voc_est < NsVbi else 0.9999 * NsVbi
    vd = _brentq_mpp(0.0, xp, photocurrent, saturation_current, resistance_series,
                     resistance_shunt, nNsVth, d2mutau, NsVbi)
    return _bishop88(vd, photocurrent, saturation_current, resistance_series,
                     resistance_shunt, nNsVth, d2mutau, NsVbi)


# --- inverters ---------------------------------------------------------------------------

@_jit
def sandia_inverter(v_dc, p_dc, Paco, Pdco, Vdco, Pso, C0, C1, C2, C3, Pnt):
    """AC power of the Sandia inverter model (King et al. 2007, SAND2007-5036),
    :func:`pvlib.inverter.sandia`.

    Parameters
    ----------
    v_dc : float
        DC input voltage [V].
    p_dc : float
        DC input power [W].
    Paco, Pdco, Vdco, Pso, C0, C1, C2, C3, Pnt : float
        Model parameters as pvlib names them (Paco, Pdco, Pso, Pnt [W]; Vdco [V]; C0
        [1/W]; C1-C3 [1/V]).

    Returns
    -------
    float
        AC power [W]: clipped at ``Paco``; ``-|Pnt|`` (night tare) where ``p_dc < Pso``.
        NaN propagates as in pvlib. As in pvlib, the input voltage is not checked against
        the MPPT window or ``Vdcmax``.
    """
    dv = v_dc - Vdco
    a = Pdco * (1 + C1 * dv)
    b = Pso * (1 + C2 * dv)
    c = C0 * (1 + C3 * dv)
    p_ac = (Paco / (a - b) - c * (a - b)) * (p_dc - b) + c * (p_dc - b) ** 2
    if p_ac > Paco:  # NaN stays NaN, as with np.minimum
        p_ac = Paco
    if p_dc < Pso:
        p_ac = -1.0 * abs(Pnt)
    return p_ac


@_jit
def adr_inverter(v_dc, p_dc, Pnom, Vnom, Pacmax, Pnt, coefficients, v_lim_lower,
                 v_lim_upper):
    """AC power of the ADR inverter model (Driesse 2008), :func:`pvlib.inverter.adr`.

    Parameters
    ----------
    v_dc : float
        DC input voltage [V].
    p_dc : float
        DC input power [W].
    Pnom, Vnom, Pacmax, Pnt : float
        Nominal DC power [W], nominal DC voltage [V], maximum AC power [W], night tare [W].
    coefficients : ndarray (9,)
        pvlib's ``ADRCoefficients`` b00, b10, b20, b01, b11, b21, b02, b12, b22.
    v_lim_lower, v_lim_upper : float
        Input-voltage limits outside which the output is NaN [V]
        (:func:`adr_voltage_limits`).

    Returns
    -------
    float
        AC power [W]: NaN outside the voltage limits, ``-|Pnt|`` at zero voltage, bounded
        below by ``-|Pnt|`` and above by ``Pacmax``.
    """
    pdc = p_dc / Pnom
    vdc = v_dc / Vnom
    dv = vdc - 1
    iv = 1.0 / vdc - 1  # inf at zero voltage, replaced by the night value below
    pdc2 = pdc ** 2
    p_loss = (coefficients[0] + coefficients[1] * pdc + coefficients[2] * pdc2
              + coefficients[3] * dv + coefficients[4] * (pdc * dv)
              + coefficients[5] * (pdc2 * dv) + coefficients[6] * iv
              + coefficients[7] * (pdc * iv) + coefficients[8] * (pdc2 * iv))
    p_ac = Pnom * (pdc - p_loss)
    p_nt = -1.0 * abs(Pnt)
    if v_lim_upper < v_dc or v_dc < v_lim_lower:
        p_ac = np.nan
    if vdc == 0.0:
        p_ac = p_nt
    if p_ac < p_nt:  # NaN stays NaN, as with np.maximum and np.minimum
        p_ac = p_nt
    if p_ac > Pacmax:
        p_ac = Pacmax
    return p_ac


def adr_voltage_limits(Vmax: float, Vdcmax: float, MPPTHi: float, Vmin: float,
                       MPPTLow: float, vtol: float = 0.1) -> tuple[float, float]:
    """Lower and upper input-voltage limits [V] of :func:`pvlib.inverter.adr`:
    ``max(Vmin, MPPTLow) * (1 - vtol)`` and ``max(Vmax, Vdcmax, MPPTHi) * (1 + vtol)``,
    missing values ignored; ``vtol`` 0.1 is pvlib's default extrapolation margin."""
    upper = float(np.nanmax([Vmax, Vdcmax, MPPTHi]) * (1 + vtol))
    lower = float(np.nanmax([Vmin, MPPTLow]) * (1 - vtol))
    return lower, upper


# --- per-site records and the engine's entry points --------------------------------------

@_jit
def module_mpp(effective_irradiance, temp_cell, module):
    """Maximum power point ``(i_mp [A], v_mp [V], p_mp [W])`` of one module of a
    :data:`MODULE_DTYPE` record at effective irradiance [W/m^2] and cell temperature [°C]."""
    if module.model == PVSYST:
        il, io, rs, rsh, nnsvth = calcparams_pvsyst(
            effective_irradiance, temp_cell, module.alpha_sc, module.gamma_ref,
            module.mu_gamma, module.I_L_ref, module.I_o_ref, module.R_sh_ref, module.R_sh_0,
            module.R_s, module.cells_in_series, module.R_sh_exp, module.EgRef,
            module.irrad_ref, module.temp_ref)
        return max_power_point(il, io, rs, rsh, nnsvth, module.d2mutau, module.NsVbi)
    il, io, rs, rsh, nnsvth = calcparams_cec(
        effective_irradiance, temp_cell, module.alpha_sc, module.a_ref, module.I_L_ref,
        module.I_o_ref, module.R_sh_ref, module.R_s, module.Adjust, module.EgRef,
        module.dEgdT, module.irrad_ref, module.temp_ref)
    return max_power_point(il, io, rs, rsh, nnsvth, 0.0, np.inf)


@_jit
def inverter_ac(v_dc, p_dc, inverter):
    """AC power of one inverter of an :data:`INVERTER_DTYPE` record [W] from its DC
    voltage [V] and power [W]."""
    if inverter.model == SANDIA:
        return sandia_inverter(v_dc, p_dc, inverter.Paco, inverter.Pdco, inverter.Vdco,
                               inverter.Pso, inverter.C0, inverter.C1, inverter.C2,
                               inverter.C3, inverter.Pnt)
    return adr_inverter(v_dc, p_dc, inverter.Pnom, inverter.Vnom, inverter.Pacmax,
                        inverter.Pnt, inverter.adr, inverter.v_lim_lower,
                        inverter.v_lim_upper)


@_jit
def dc_ac_element(effective_irradiance, temp_cell, module, inverter):
    """DC voltage [V], DC power per inverter [W] and AC power of the site [W] for one
    element (see the module docstring for the scaling)."""
    _, v_mp, p_mp = module_mpp(effective_irradiance, temp_cell, module)
    v_dc = v_mp * module.modules_per_string
    p_dc = p_mp * module.modules_per_string * module.strings_per_inverter * module.dc_factor
    p_ac = inverter_ac(v_dc, p_dc, inverter) * inverter.n_inverters
    return v_dc, p_dc, p_ac


@_jit
def dc_ac_singlediode(effective_irradiance, temp_cell, modules, inverters):
    """:func:`dc_ac_element` over ``(site, time)``.

    Parameters
    ----------
    effective_irradiance, temp_cell : ndarray (site, time)
        [W/m^2], [°C].
    modules : ndarray (site,) of MODULE_DTYPE
    inverters : ndarray (site,) of INVERTER_DTYPE

    Returns
    -------
    v_dc, p_dc, p_ac : ndarray (site, time)
        DC voltage [V], DC power per inverter [W], AC power of the site [W].
    """
    n_site, n_time = effective_irradiance.shape
    v_dc = np.empty((n_site, n_time))
    p_dc = np.empty((n_site, n_time))
    p_ac = np.empty((n_site, n_time))
    for s in range(n_site):
        module = modules[s]
        inverter = inverters[s]
        for t in range(n_time):
            v_dc[s, t], p_dc[s, t], p_ac[s, t] = dc_ac_element(
                effective_irradiance[s, t], temp_cell[s, t], module, inverter)
    return v_dc, p_dc, p_ac


def _get(params: Mapping, name: str, what: str, default: float | None = None) -> float:
    value = params.get(name, default)
    if value is None:
        raise ModelError(f"{what} parameters: {name!r} is missing")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ModelError(
            f"{what} parameters: {name!r} must be a number, got {value!r}") from None
    if math.isnan(value) and default is None:
        raise ModelError(f"{what} parameters: {name!r} must be a number, got NaN")
    return value


def _layout(record: np.ndarray, modules_per_string: float, strings_per_inverter: float,
            dc_factor: float) -> None:
    for name, value in (("modules_per_string", modules_per_string),
                        ("strings_per_inverter", strings_per_inverter)):
        if not value > 0:
            raise ModelError(f"module layout: {name} must be > 0, got {value!r}")
    if not 0 <= dc_factor <= 1:
        raise ModelError(f"module layout: dc_factor must be within 0..1, got {dc_factor!r}")
    record["modules_per_string"] = modules_per_string
    record["strings_per_inverter"] = strings_per_inverter
    record["dc_factor"] = dc_factor


def pvsyst_module_record(params: Mapping, modules_per_string: float = 1,
                         strings_per_inverter: float = 1,
                         dc_factor: float = 1.0) -> np.ndarray:
    """A :data:`MODULE_DTYPE` record of the PVsyst model from the keyword arguments of
    :func:`pvlib.pvsystem.calcparams_pvsyst` (plus optional ``d2mutau`` [V] and ``NsVbi``
    [V]); pvlib's defaults where it has them (``R_sh_exp`` 5.5, ``EgRef`` 1.121 eV,
    1000 W/m^2 and 25 °C reference conditions; no recombination term)."""
    what = "PVsyst module"
    rec = np.zeros((), dtype=MODULE_DTYPE)
    rec["model"] = PVSYST
    for name in ("alpha_sc", "gamma_ref", "mu_gamma", "I_L_ref", "I_o_ref", "R_sh_ref",
                 "R_sh_0", "R_s", "cells_in_series"):
        rec[name] = _get(params, name, what)
    for name, default in (("R_sh_exp", 5.5), ("EgRef", 1.121), ("irrad_ref", 1000.0),
                          ("temp_ref", 25.0), ("d2mutau", 0.0), ("NsVbi", np.inf)):
        rec[name] = _get(params, name, what, default)
    rec["a_ref"] = rec["Adjust"] = rec["dEgdT"] = np.nan
    _layout(rec, modules_per_string, strings_per_inverter, dc_factor)
    return rec


def cec_module_record(params: Mapping, modules_per_string: float = 1,
                      strings_per_inverter: float = 1, dc_factor: float = 1.0) -> np.ndarray:
    """A :data:`MODULE_DTYPE` record of the CEC model from the keyword arguments of
    :func:`pvlib.pvsystem.calcparams_cec` (a column of ``retrieve_sam('CECMod')`` has
    them); pvlib's defaults ``EgRef`` 1.121 eV and ``dEgdT`` -0.0002677 1/K (those SAM's
    library was fitted with, Dobos 2012), 1000 W/m^2 and 25 °C reference conditions."""
    what = "CEC module"
    rec = np.zeros((), dtype=MODULE_DTYPE)
    rec["model"] = CEC
    for name in ("alpha_sc", "a_ref", "I_L_ref", "I_o_ref", "R_sh_ref", "R_s", "Adjust"):
        rec[name] = _get(params, name, what)
    for name, default in (("EgRef", 1.121), ("dEgdT", -0.0002677), ("irrad_ref", 1000.0),
                          ("temp_ref", 25.0)):
        rec[name] = _get(params, name, what, default)
    for name in ("gamma_ref", "mu_gamma", "R_sh_0", "R_sh_exp", "cells_in_series"):
        rec[name] = np.nan
    rec["d2mutau"] = 0.0
    rec["NsVbi"] = np.inf
    _layout(rec, modules_per_string, strings_per_inverter, dc_factor)
    return rec


def _nan_inverter_record() -> np.ndarray:
    """An inverter record with every parameter NaN (those of the other model stay so)."""
    rec = np.zeros((), dtype=INVERTER_DTYPE)
    for name in INVERTER_DTYPE.names:
        if name != "model":
            rec[name] = np.nan
    return rec


def sandia_inverter_record(params: Mapping, n_inverters: float = 1) -> np.ndarray:
    """An :data:`INVERTER_DTYPE` record of the Sandia model from pvlib's parameter names
    (a column of ``retrieve_sam('CECInverter')`` or :func:`pvlib.inverter.fit_sandia`)."""
    rec = _nan_inverter_record()
    rec["model"] = SANDIA
    for name in ("Paco", "Pdco", "Vdco", "Pso", "C0", "C1", "C2", "C3", "Pnt"):
        rec[name] = _get(params, name, "Sandia inverter")
    if not n_inverters > 0:
        raise ModelError(f"inverter layout: n_inverters must be > 0, got {n_inverters!r}")
    rec["n_inverters"] = n_inverters
    return rec


def adr_inverter_record(params: Mapping, n_inverters: float = 1,
                        vtol: float = 0.1) -> np.ndarray:
    """An :data:`INVERTER_DTYPE` record of the ADR model from pvlib's parameter names (a
    column of ``retrieve_sam('ADRInverter')``); ``vtol`` as in :func:`pvlib.inverter.adr`
    (default 0.1, pvlib's)."""
    what = "ADR inverter"
    rec = _nan_inverter_record()
    rec["model"] = ADR
    for name in ("Pnom", "Vnom", "Pacmax", "Pnt"):
        rec[name] = _get(params, name, what)
    coefficients = np.asarray(params.get("ADRCoefficients", ()), dtype=float)
    if coefficients.shape != (9,):
        raise ModelError(f"{what} parameters: 'ADRCoefficients' must hold 9 numbers, "
                         f"got {params.get('ADRCoefficients')!r}")
    rec["adr"] = coefficients
    limits = [_get(params, name, what, np.nan)
              for name in ("Vmax", "Vdcmax", "MPPTHi", "Vmin", "MPPTLow")]
    rec["v_lim_lower"], rec["v_lim_upper"] = adr_voltage_limits(*limits, vtol=vtol)
    if not n_inverters > 0:
        raise ModelError(f"inverter layout: n_inverters must be > 0, got {n_inverters!r}")
    rec["n_inverters"] = n_inverters
    return rec


# --- numpy wrappers ----------------------------------------------------------------------

@_jit
def _pvsyst_loop(g, t, alpha_sc, gamma_ref, mu_gamma, I_L_ref, I_o_ref, R_sh_ref, R_sh_0,
                 R_s, cells_in_series, R_sh_exp, EgRef, irrad_ref, temp_ref, out):
    for k in range(g.size):
        out[0, k], out[1, k], out[2, k], out[3, k], out[4, k] = calcparams_pvsyst(
            g[k], t[k], alpha_sc, gamma_ref, mu_gamma, I_L_ref, I_o_ref, R_sh_ref, R_sh_0,
            R_s, cells_in_series, R_sh_exp, EgRef, irrad_ref, temp_ref)


@_jit
def _cec_loop(g, t, alpha_sc, a_ref, I_L_ref, I_o_ref, R_sh_ref, R_s, Adjust, EgRef, dEgdT,
              irrad_ref, temp_ref, out):
    for k in range(g.size):
        out[0, k], out[1, k], out[2, k], out[3, k], out[4, k] = calcparams_cec(
            g[k], t[k], alpha_sc, a_ref, I_L_ref, I_o_ref, R_sh_ref, R_s, Adjust, EgRef,
            dEgdT, irrad_ref, temp_ref)


@_jit
def _mpp_loop(il, io, rs, rsh, nnsvth, d2mutau, nsvbi, out):
    for k in range(il.size):
        out[0, k], out[1, k], out[2, k] = max_power_point(
            il[k], io[k], rs[k], rsh[k], nnsvth[k], d2mutau[k], nsvbi[k])


@_jit
def _sandia_loop(v, p, Paco, Pdco, Vdco, Pso, C0, C1, C2, C3, Pnt, out):
    for k in range(v.size):
        out[k] = sandia_inverter(v[k], p[k], Paco, Pdco, Vdco, Pso, C0, C1, C2, C3, Pnt)


@_jit
def _adr_loop(v, p, Pnom, Vnom, Pacmax, Pnt, coefficients, lower, upper, out):
    for k in range(v.size):
        out[k] = adr_inverter(v[k], p[k], Pnom, Vnom, Pacmax, Pnt, coefficients, lower,
                              upper)


def _flat(*arrays):
    b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    return b[0].shape, [np.ascontiguousarray(a).ravel() for a in b]


def calcparams_pvsyst_array(effective_irradiance, temp_cell, alpha_sc, gamma_ref, mu_gamma,
                            I_L_ref, I_o_ref, R_sh_ref, R_sh_0, R_s, cells_in_series,
                            R_sh_exp=5.5, EgRef=1.121, irrad_ref=1000.0, temp_ref=25.0):
    """:func:`calcparams_pvsyst` over broadcast arrays of irradiance [W/m^2] and cell
    temperature [°C]; five arrays of their shape."""
    shape, (g, t) = _flat(effective_irradiance, temp_cell)
    out = np.empty((5, g.size))
    _pvsyst_loop(g, t, float(alpha_sc), float(gamma_ref), float(mu_gamma), float(I_L_ref),
                 float(I_o_ref), float(R_sh_ref), float(R_sh_0), float(R_s),
                 float(cells_in_series), float(R_sh_exp), float(EgRef), float(irrad_ref),
                 float(temp_ref), out)
    return tuple(row.reshape(shape) for row in out)


def calcparams_cec_array(effective_irradiance, temp_cell, alpha_sc, a_ref, I_L_ref, I_o_ref,
                         R_sh_ref, R_s, Adjust, EgRef=1.121, dEgdT=-0.0002677,
                         irrad_ref=1000.0, temp_ref=25.0):
    """:func:`calcparams_cec` over broadcast arrays of irradiance [W/m^2] and cell
    temperature [°C]; five arrays of their shape."""
    shape, (g, t) = _flat(effective_irradiance, temp_cell)
    out = np.empty((5, g.size))
    _cec_loop(g, t, float(alpha_sc), float(a_ref), float(I_L_ref), float(I_o_ref),
              float(R_sh_ref), float(R_s), float(Adjust), float(EgRef), float(dEgdT),
              float(irrad_ref), float(temp_ref), out)
    return tuple(row.reshape(shape) for row in out)


def max_power_point_array(photocurrent, saturation_current, resistance_series,
                          resistance_shunt, nNsVth, d2mutau=0.0, NsVbi=np.inf):
    """:func:`max_power_point` over broadcast arrays; ``(i_mp [A], v_mp [V], p_mp [W])``
    arrays of their shape."""
    shape, flat = _flat(photocurrent, saturation_current, resistance_series,
                        resistance_shunt, nNsVth, d2mutau, NsVbi)
    out = np.empty((3, flat[0].size))
    _mpp_loop(*flat, out)
    return tuple(row.reshape(shape) for row in out)


def sandia_inverter_array(v_dc, p_dc, inverter: Mapping):
    """:func:`sandia_inverter` over broadcast arrays of DC voltage [V] and power [W] with
    pvlib's parameter mapping ``inverter``; AC power [W]."""
    shape, (v, p) = _flat(v_dc, p_dc)
    out = np.empty(v.size)
    _sandia_loop(v, p, *(float(inverter[k]) for k in
                         ("Paco", "Pdco", "Vdco", "Pso", "C0", "C1", "C2", "C3", "Pnt")), out)
    return out.reshape(shape)


def adr_inverter_array(v_dc, p_dc, inverter: Mapping, vtol: float = 0.1):
    """:func:`adr_inverter` over broadcast arrays of DC voltage [V] and power [W] with
    pvlib's parameter mapping ``inverter`` (as :func:`pvlib.inverter.adr`); AC power [W]."""
    rec = adr_inverter_record(inverter, vtol=vtol)
    shape, (v, p) = _flat(v_dc, p_dc)
    out = np.empty(v.size)
    _adr_loop(v, p, float(rec["Pnom"]), float(rec["Vnom"]), float(rec["Pacmax"]),
              float(rec["Pnt"]), np.ascontiguousarray(rec["adr"]), float(rec["v_lim_lower"]),
              float(rec["v_lim_upper"]), out)
    return out.reshape(shape)
