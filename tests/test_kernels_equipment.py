"""Compiled single-diode module models and inverter curves against pvlib.

Every comparison is with the pvlib function called directly, on grids of effective
irradiance 0-1400 W/m^2 (with 0, 1e-6 and 1e-3 W/m^2) and cell temperature -20..85 °C,
for the bundled PAN and OND files (``tests/data/equipment/``) and entries of the SAM
libraries bundled with pvlib. Tolerance: 1e-6 relative on every output
(``RTOL``; measured deviations are at rounding level, ~1e-15).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from scipy import constants

from pvyield.errors import ModelError
from pvyield.model import kernels_equipment as ke

DATA = Path(__file__).resolve().parent / "data" / "equipment"
PAN = DATA / "ET-M772BH550GL.PAN"
OND = DATA / "CPS SCH275KTL-DO-US-800-250kW_275kVA_1.OND"

#: Relative tolerance of every comparison with pvlib.
RTOL = 1e-6

#: CEC modules of several technologies (``retrieve_sam('CECMod')``).
CEC_MODULES = [
    "Canadian_Solar_Inc__CS5P_220M",  # mono-Si
    "A10Green_Technology_A10J_M60_220",  # multi-Si
    "First_Solar__Inc__FS_6385",  # CdTe
    "Miasole_FLEX_03_290W",  # CIGS
]
#: CEC inverters with Sandia coefficients (``retrieve_sam('CECInverter')``).
CEC_INVERTERS = [
    "ABB__MICRO_0_25_I_OUTD_US_208__208V_",
    "SMA_America__SC_2500_EV_US__550V_",
    "Sungrow_Power_Supply_Co___Ltd___SG_60KU_M__480V_",
]
#: Inverters of the ADR library (``retrieve_sam('ADRInverter')``).
ADR_INVERTERS = [
    "Ablerex_Electronics_Co___Ltd___ES_2200_US_240__240_Vac__240V__CEC_2011_",
    "Motech_Industries__PVMate_6500U__208V_",
    "SMA_America__SC_2500_EV_US__550V_",
]


def conditions() -> tuple[np.ndarray, np.ndarray]:
    """Every pair of irradiance [W/m^2] and cell temperature [°C] of the grid."""
    g = np.concatenate([[0.0, 1e-6, 1e-3, 0.1, 1.0, 5.0], np.linspace(10.0, 1400.0, 40)])
    t = np.linspace(-20.0, 85.0, 8)
    gg, tt = np.meshgrid(g, t)
    return gg.ravel(), tt.ravel()


def pan_parameters() -> dict[str, float]:
    """calcparams_pvsyst keyword arguments of the bundled PAN file.

    The PAN file holds Isc, Voc, RSerie, RShunt, Rp_0, Rp_Exp, Gamma, muGamma and muISC
    [mA/K] at GRef, TRef; PVsyst's photocurrent and saturation current at reference
    conditions follow from the single-diode equation at short circuit and open circuit,
    which is linear in both (Mermoud & Lejeune 2010). This is a test fixture: only its
    use in both pvlib and the kernels matters here.
    """
    m = pvlib.iotools.read_panond(PAN)["PVObject_"]
    n_s = m["NCelS"]
    a = m["Gamma"] * constants.k / constants.e * n_s * (m["TRef"] + 273.15)
    r_s, r_sh, i_sc, v_oc = m["RSerie"], m["RShunt"], m["Isc"], m["Voc"]
    e_sc, e_oc = np.exp(i_sc * r_s / a), np.exp(v_oc / a)
    i_o = (i_sc - (v_oc - i_sc * r_s) / r_sh) / (e_oc - e_sc)
    i_l = i_o * (e_oc - 1.0) + v_oc / r_sh
    return {"alpha_sc": m["muISC"] / 1000.0, "gamma_ref": m["Gamma"],
            "mu_gamma": m["muGamma"], "I_L_ref": i_l, "I_o_ref": i_o, "R_sh_ref": r_sh,
            "R_sh_0": m["Rp_0"], "R_sh_exp": m["Rp_Exp"], "R_s": r_s,
            "cells_in_series": n_s, "irrad_ref": m["GRef"], "temp_ref": m["TRef"]}


def ond_sandia() -> dict[str, float]:
    """Sandia parameters fitted by :func:`pvlib.inverter.fit_sandia` to the three
    efficiency curves of the bundled OND file (input power [W] -> output power [W] at the
    voltages of ``VNomEff``); rated AC power ``PMaxOUT`` [kW], night tare ``Night_Loss``."""
    o = pvlib.iotools.read_panond(OND)
    o = next(iter(o.values()))
    conv = o["Converter"]
    p_dc, p_ac, v_dc, level = [], [], [], []
    for k, name in enumerate(("Vmin", "Vnom", "Vmax")):
        curve = conv[f"ProfilPIOV{k + 1}"]
        for j in range(1, curve["NPtsEff"] + 1):
            p_in, p_out = curve[f"Point_{j}"]
            p_dc.append(p_in)
            p_ac.append(p_out)
            v_dc.append(conv["VNomEff"][k])
            level.append(name)
    return pvlib.inverter.fit_sandia(
        np.array(p_ac), np.array(p_dc), np.array(v_dc), np.array(level),
        p_ac_0=conv["PMaxOUT"] * 1000.0, p_nt=o["Night_Loss"])


@pytest.fixture(scope="module")
def cec_modules() -> pd.DataFrame:
    return pvlib.pvsystem.retrieve_sam("CECMod")[CEC_MODULES]


@pytest.fixture(scope="module")
def cec_inverters() -> pd.DataFrame:
    return pvlib.pvsystem.retrieve_sam("CECInverter")[CEC_INVERTERS]


@pytest.fixture(scope="module")
def adr_inverters() -> pd.DataFrame:
    return pvlib.pvsystem.retrieve_sam("ADRInverter")[ADR_INVERTERS]


def cec_kwargs(column: pd.Series) -> dict[str, float]:
    return {k: float(column[k]) for k in
            ("alpha_sc", "a_ref", "I_L_ref", "I_o_ref", "R_sh_ref", "R_s", "Adjust")}


def assert_close(actual, desired) -> None:
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=0.0)


# ---------------------------------------------------------------------------------------
# module parameters and maximum power point


def test_equipment_files_match_their_checksums():
    import hashlib

    lines = (DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    sums = dict(reversed(line.split("  ", 1)) for line in lines if line.strip())
    assert sorted(sums) == sorted(p.name for p in DATA.glob("*.[PO][AN][ND]"))
    for name, digest in sums.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest


def test_pan_file_has_no_recombination_terms():
    """pvlib gives a PAN file's d2mutau only when the file has it; this one has none, so
    the kernel's recombination term is off (0) for it."""
    m = pvlib.iotools.read_panond(PAN)["PVObject_"]
    assert not any("mutau" in k.lower() or "vbi" in k.lower() for k in m)
    assert m["Technol"] == "mtSiMono"


def test_calcparams_pvsyst_matches_pvlib():
    g, t = conditions()
    params = pan_parameters()
    ref = pvlib.pvsystem.calcparams_pvsyst(g, t, **params)
    ours = ke.calcparams_pvsyst_array(g, t, **params)
    for r, o in zip(ref, ours, strict=True):
        assert_close(o, r)


def test_pvsyst_mpp_matches_pvlib_and_the_datasheet():
    g, t = conditions()
    params = pan_parameters()
    sdm = pvlib.pvsystem.calcparams_pvsyst(g, t, **params)
    ref = pvlib.pvsystem.max_power_point(*sdm)
    i_mp, v_mp, p_mp = ke.max_power_point_array(*sdm)
    assert_close(p_mp, ref["p_mp"])
    assert_close(i_mp, ref["i_mp"])
    assert_close(v_mp, ref["v_mp"])
    assert np.all(p_mp[g == 0.0] == 0.0)
    assert np.all(p_mp[g == 1e-6] > 0.0)
    # the fixture's parameters reproduce the PAN file's nominal power (550 W) at STC
    stc = ke.max_power_point(*ke.calcparams_pvsyst(1000.0, 25.0, **params))
    assert stc[2] == pytest.approx(550.0, rel=0.005)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's optimiser at 0 W/m^2
def test_pvsyst_mpp_matches_pvlib_singlediode_lambertw():
    """pvlib's ``singlediode`` (Lambert W, the method of ``PVSystem.singlediode``) finds
    the same maximum: p_mp to rounding, v_mp and i_mp to its optimiser's tolerance on
    the flat top of the power curve (~1e-8), within RTOL where the module is lit."""
    g, t = conditions()
    sdm = pvlib.pvsystem.calcparams_pvsyst(g, t, **pan_parameters())
    ref = pvlib.pvsystem.singlediode(*sdm)
    i_mp, v_mp, p_mp = ke.max_power_point_array(*sdm)
    np.testing.assert_allclose(p_mp, ref["p_mp"], rtol=RTOL, atol=1e-20)
    lit = g > 0
    assert_close(v_mp[lit], ref["v_mp"][lit])
    assert_close(i_mp[lit], ref["i_mp"][lit])


@pytest.mark.parametrize("name", CEC_MODULES)
def test_cec_matches_pvlib(cec_modules, name):
    g, t = conditions()
    kwargs = cec_kwargs(cec_modules[name])
    ref = pvlib.pvsystem.calcparams_cec(g, t, **kwargs)
    ours = ke.calcparams_cec_array(g, t, **kwargs)
    for r, o in zip(ref, ours, strict=True):
        assert_close(o, r)  # the shunt resistance is inf at 0 W/m^2 in both
    mpp = pvlib.pvsystem.max_power_point(*ref)
    i_mp, v_mp, p_mp = ke.max_power_point_array(*ref)
    assert_close(p_mp, mpp["p_mp"])
    assert_close(i_mp, mpp["i_mp"])
    assert_close(v_mp, mpp["v_mp"])


def test_mpp_with_recombination_matches_pvlib(cec_modules):
    """PVsyst's thin-film recombination term (d2mutau, NsVbi) on CdTe-like parameters;
    d2mutau = 1.4 V and 0.9 V built-in voltage per cell are illustrative values (pvlib's
    VOLTAGE_BUILTIN), not a default of the model."""
    g, t = conditions()
    column = cec_modules["First_Solar__Inc__FS_6385"]
    sdm = pvlib.pvsystem.calcparams_cec(g, t, **cec_kwargs(column))
    d2mutau, nsvbi = 1.4, 0.9 * float(column["N_s"])
    ref = pvlib.pvsystem.max_power_point(*sdm, d2mutau=d2mutau, NsVbi=nsvbi)
    i_mp, v_mp, p_mp = ke.max_power_point_array(*sdm, d2mutau=d2mutau, NsVbi=nsvbi)
    assert_close(p_mp, ref["p_mp"])
    assert_close(i_mp, ref["i_mp"])
    assert_close(v_mp, ref["v_mp"])
    without = ke.max_power_point_array(*sdm)[2]
    lit = g > 0
    assert np.all(p_mp[lit] < without[lit])  # the term is a loss


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pvlib's, before it raises
def test_mpp_outside_pvlib_domain():
    """Negative irradiance: 0 W here, pvlib raises; NaN: NaN here, pvlib raises."""
    params = pan_parameters()
    sdm = ke.calcparams_pvsyst(-5.0, 25.0, **params)
    assert ke.max_power_point(*sdm) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        pvlib.pvsystem.max_power_point(*pvlib.pvsystem.calcparams_pvsyst(-5.0, 25.0,
                                                                         **params))
    sdm = ke.calcparams_pvsyst(np.nan, 25.0, **params)
    assert all(np.isnan(ke.max_power_point(*sdm)))


# ---------------------------------------------------------------------------------------
# inverters


def inverter_grid(v_low: float, v_high: float, p_max: float, p_start: float):
    """DC voltage [V] x DC power [W]: 0, below and at the start power, up to 1.3 x the
    rating (clipping), and the voltage range widened by 20 %."""
    v = np.linspace(0.8 * v_low, 1.2 * v_high, 9)
    p = np.concatenate([[0.0, 0.5 * p_start, p_start], np.linspace(0.01, 1.3, 30) * p_max])
    vv, pp = np.meshgrid(v, p)
    return vv.ravel(), pp.ravel()


@pytest.mark.parametrize("name", CEC_INVERTERS)
def test_sandia_matches_pvlib(cec_inverters, name):
    inv = cec_inverters[name]
    v, p = inverter_grid(inv["Mppt_low"], inv["Mppt_high"], inv["Pdco"], inv["Pso"])
    ref = pvlib.inverter.sandia(v, p, inv)
    ours = ke.sandia_inverter_array(v, p, inv)
    assert_close(ours, ref)
    assert np.all(ours[p < inv["Pso"]] == -inv["Pnt"])  # night tare
    assert np.any(ours == inv["Paco"])  # clipped


def test_sandia_fit_of_ond_matches_pvlib():
    inv = ond_sandia()
    # the fit is a sane inverter: efficiency near the OND's 99 % at nominal voltage
    eta = pvlib.inverter.sandia(inv["Vdco"], 0.5 * inv["Pdco"], inv) / (0.5 * inv["Pdco"])
    assert 0.97 < eta < 0.995
    v, p = inverter_grid(880.0, 1300.0, inv["Pdco"], inv["Pso"])
    ref = pvlib.inverter.sandia(v, p, inv)
    ours = ke.sandia_inverter_array(v, p, inv)
    assert_close(ours, ref)
    assert np.all(ours[p < inv["Pso"]] == -5.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pvlib's 0/0 at zero voltage
@pytest.mark.parametrize("name", ADR_INVERTERS)
def test_adr_matches_pvlib(adr_inverters, name):
    inv = adr_inverters[name]
    v, p = inverter_grid(inv["MPPTLow"], inv["MPPTHi"], inv["Pnom"], 0.01 * inv["Pnom"])
    v = np.concatenate([v, [0.0, 0.0]])
    p = np.concatenate([p, [0.0, 100.0]])
    ref = pvlib.inverter.adr(v, p, inv)
    ours = ke.adr_inverter_array(v, p, inv)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    assert np.isnan(ref).any() and (~np.isnan(ref)).any()  # both sides of the limits
    assert_close(ours[~np.isnan(ref)], ref[~np.isnan(ref)])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pvlib's, on NaN input
def test_inverters_propagate_nan_like_pvlib(cec_inverters, adr_inverters):
    sandia = cec_inverters[CEC_INVERTERS[1]]
    v = np.array([np.nan, 500.0, np.nan])
    p = np.array([1e5, np.nan, 0.0])
    np.testing.assert_array_equal(ke.sandia_inverter_array(v, p, sandia),
                                  pvlib.inverter.sandia(v, p, sandia))
    adr = adr_inverters[ADR_INVERTERS[0]]
    v = np.array([np.nan, 300.0])
    p = np.array([1000.0, np.nan])
    np.testing.assert_array_equal(ke.adr_inverter_array(v, p, adr),
                                  pvlib.inverter.adr(v, p, adr))


# ---------------------------------------------------------------------------------------
# per-site records and the (site, time) entry point


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pvlib's ADR at zero voltage
def test_dc_ac_singlediode_matches_a_pvlib_chain(cec_modules, adr_inverters):
    """Two sites: PAN module + OND Sandia fit, CEC module + ADR inverter; DC voltage, DC
    power and AC power against pvlib's functions strung together."""
    g, t = conditions()
    pan = pan_parameters()
    ond = ond_sandia()
    cec = cec_kwargs(cec_modules["Canadian_Solar_Inc__CS5P_220M"])
    adr = adr_inverters["Motech_Industries__PVMate_6500U__208V_"]
    modules = np.array([
        ke.pvsyst_module_record(pan, modules_per_string=28, strings_per_inverter=18,
                                dc_factor=0.98),
        ke.cec_module_record(cec, modules_per_string=9, strings_per_inverter=3),
    ])
    inverters = np.array([ke.sandia_inverter_record(ond, n_inverters=4),
                          ke.adr_inverter_record(adr, n_inverters=2)])
    v_dc, p_dc, p_ac = ke.dc_ac_singlediode(np.vstack([g, g]), np.vstack([t, t]), modules,
                                            inverters)

    mpp = pvlib.pvsystem.max_power_point(*pvlib.pvsystem.calcparams_pvsyst(g, t, **pan))
    ref_v = mpp["v_mp"] * 28
    ref_p = mpp["p_mp"] * 28 * 18 * 0.98
    assert_close(v_dc[0], ref_v)
    assert_close(p_dc[0], ref_p)
    assert_close(p_ac[0], pvlib.inverter.sandia(ref_v, ref_p, ond) * 4)

    mpp = pvlib.pvsystem.max_power_point(*pvlib.pvsystem.calcparams_cec(g, t, **cec))
    ref_v = mpp["v_mp"] * 9
    ref_p = mpp["p_mp"] * 9 * 3
    ref_ac = pvlib.inverter.adr(ref_v, ref_p, adr) * 2
    assert_close(v_dc[1], ref_v)
    assert_close(p_dc[1], ref_p)
    np.testing.assert_array_equal(np.isnan(p_ac[1]), np.isnan(ref_ac))
    assert_close(p_ac[1][~np.isnan(ref_ac)], ref_ac[~np.isnan(ref_ac)])


def test_records_refuse_missing_or_bad_parameters(adr_inverters):
    pan = pan_parameters()
    del pan["R_sh_0"]
    with pytest.raises(ModelError, match="PVsyst module parameters: 'R_sh_0' is missing"):
        ke.pvsyst_module_record(pan)
    with pytest.raises(ModelError, match="'Paco' must be a number"):
        ke.sandia_inverter_record({**ond_sandia(), "Paco": "big"})
    adr = adr_inverters[ADR_INVERTERS[0]].to_dict()
    adr["ADRCoefficients"] = adr["ADRCoefficients"][:8]
    with pytest.raises(ModelError, match="'ADRCoefficients' must hold 9 numbers"):
        ke.adr_inverter_record(adr)
    with pytest.raises(ModelError, match="modules_per_string must be > 0"):
        ke.pvsyst_module_record(pan_parameters(), modules_per_string=0)
