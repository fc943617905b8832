"""Real equipment: PAN/OND files and CEC entries read, scaled and run, checked against pvlib.

The parsed parameters are compared with :func:`pvlib.iotools.read_panond` and with values read
by hand from the bundled files; the chain with real equipment is compared with a pvlib
``ModelChain`` built from the same parameters.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pvlib
import pytest

import pvyield
from pvyield.errors import SiteError
from pvyield.model.chain import STAGES, run_chain, sandia_unclipped
from pvyield.site import site_from_mapping
from pvyield.site.equipment import (
    cec_inverter,
    cec_module,
    module_max_power,
    ond_inverter,
    pan_module,
)
from pvyield.weather.readers import read_weather_file

from .conftest import ROOT, WEATHER

EQUIPMENT = ROOT / "sites" / "equipment"
PAN = EQUIPMENT / "ET-M772BH550GL.PAN"
OND = EQUIPMENT / "CPS SCH275KTL-DO-US-800-250kW_275kVA_1.OND"
CEC_MODULE = "Heliene_96M470"
CEC_INVERTER = "Advanced_Energy_Industries__AE_250NX__3159200_XXXX___480V_"
EXAMPLE = ROOT / "sites" / "examples" / "mauriti_pan_ond.yaml"


def test_bundled_files_match_their_checksums():
    import hashlib

    for line in (EQUIPMENT / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((EQUIPMENT / name).read_bytes()).hexdigest() == digest


def test_pan_parameters_against_read_panond_and_the_file():
    raw = pvlib.iotools.read_panond(PAN)["PVObject_"]
    m = pan_module(PAN)
    # as pvlib's reader gives them
    assert m.sdm["R_s"] == raw["RSerie"] and m.sdm["R_sh_ref"] == raw["RShunt"]
    assert m.sdm["R_sh_0"] == raw["Rp_0"] and m.sdm["R_sh_exp"] == raw["Rp_Exp"]
    assert m.sdm["gamma_ref"] == raw["Gamma"] and m.sdm["mu_gamma"] == raw["muGamma"]
    assert m.sdm["cells_in_series"] == raw["NCelS"]
    # read by hand from the file: muISC=7.28 mA/K, PNom=550.0, Width=1.134, Height=2.278,
    # BifacialityFactor=0.700, Vmp=41.96, Imp=13.110
    assert m.sdm["alpha_sc"] == pytest.approx(7.28e-3)
    assert m.p_stc_w == 550.0 and m.area_m2 == pytest.approx(1.134 * 2.278)
    assert m.bifaciality == 0.7 and m.v_mp_ref_v == 41.96 and m.i_mp_ref_a == 13.11
    assert (m.manufacturer, m.model) == ("ET SOLAR", "ET-M772BH550GL")
    # the derived I_L_ref and I_o_ref reproduce the file's STC point: Isc at V=0, Voc at I=0
    il, io, rs, rsh, nnsvth = pvlib.pvsystem.calcparams_pvsyst(1000.0, 25.0, **m.sdm)
    assert pvlib.pvsystem.i_from_v(0.0, il, io, rs, rsh, nnsvth) == pytest.approx(14.0, 1e-6)
    assert pvlib.pvsystem.v_from_i(0.0, il, io, rs, rsh, nnsvth) == pytest.approx(49.9, 1e-6)
    # and its maximum power is the nameplate's within 0.5 % (PVsyst's own model fit of the
    # datasheet: Pmp and Vmp are not forced through the model by the file's Gamma)
    mpp = module_max_power(m, [1000.0], [25.0])
    assert mpp["p_mp"][0] == pytest.approx(550.0, rel=0.005)
    assert mpp["v_mp"][0] == pytest.approx(41.96, rel=0.02)


def test_pan_iam_profile_sets_the_martin_ruiz_coefficient():
    # the profile read by hand from the file (PVObject_IAM), 90 degrees left out
    aoi = np.array([0.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0])
    iam = np.array([1.0, 1.0, 1.0, 0.99, 0.98, 0.96, 0.89, 0.66])
    a_r = pan_module(PAN).iam_a_r
    assert a_r == pytest.approx(pvlib.iam.fit(aoi, iam, "martin_ruiz")["a_r"], rel=1e-6)
    # one coefficient follows the profile within 0.03 up to 80 degrees
    np.testing.assert_allclose(pvlib.iam.martin_ruiz(aoi, a_r), iam, atol=0.03)


def test_ond_fit_reproduces_the_file_curves():
    raw = pvlib.iotools.read_panond(OND)
    conv = next(iter(raw.values()))["Converter"]
    inv = ond_inverter(OND)
    # read by hand: PMaxOUT=250.000 kW, Night_Loss=5.00 W, VNomEff 880/1174/1300 V
    assert inv.paco_w == 250e3 and inv.night_consumption_w == 5.0
    assert inv.pnom_w == 250e3 and inv.pdc_max_w == 375e3  # PNomConv, PMaxDC
    assert inv.sandia["Vdco"] == 1174.0
    assert (inv.mppt_low_v, inv.mppt_high_v) == (500.0, 1500.0)
    for k, volt in enumerate(conv["VNomEff"][:3]):
        points = [p for key, p in conv[f"ProfilPIOV{k + 1}"].items()
                  if key.startswith("Point_") and p[0] > 0]
        dc = np.array([p[0] for p in points])
        ac = np.array([p[1] for p in points])
        model = pvlib.inverter.sandia(np.full(dc.shape, volt), dc, inv.sandia)
        above_10pct = (ac > 0.1 * inv.paco_w) & (ac < inv.paco_w)
        # a three-voltage quadratic fit: within 0.5 % of every listed point from 10 % load
        # up to the AC limit
        np.testing.assert_allclose(model[above_10pct], ac[above_10pct], rtol=0.005)


def test_sandia_unclipped_is_pvlib_below_the_limit():
    inv = ond_inverter(OND)
    dc = np.linspace(1e3, 240e3, 50)
    volt = np.linspace(600.0, 1400.0, 50)
    np.testing.assert_allclose(sandia_unclipped(volt, dc, inv.sandia),
                               pvlib.inverter.sandia(volt, dc, inv.sandia), rtol=1e-12)


def test_cec_entries_and_misspelt_names():
    m = cec_module(CEC_MODULE)
    row = pvlib.pvsystem.retrieve_sam("CECMod")[CEC_MODULE]
    assert m.sdm["a_ref"] == row["a_ref"] and m.p_stc_w == row["STC"]
    inv = cec_inverter(CEC_INVERTER)
    assert inv.sandia["Paco"] == pvlib.pvsystem.retrieve_sam("CECInverter")[CEC_INVERTER]["Paco"]
    with pytest.raises(SiteError, match=r"plant.module.cec.*CEC module database.*"
                                        r"'Heliene_96M470'"):
        cec_module("Heliene_96M47")
    with pytest.raises(SiteError, match=r"plant.inverter.cec.*closest: '" + CEC_INVERTER):
        cec_inverter(CEC_INVERTER[:-3])
    # through a site file: the whole message, closest names included, in one error line
    data = _mapping({"cec": "Heliene_96M47"}, None, dc_capacity_mwp=1.0,
                    ac_capacity_mwac=0.8)
    with pytest.raises(SiteError) as info:
        site_from_mapping(data)
    assert "'Heliene_96M470'" in str(info.value) and "..." not in str(info.value)


def _mapping(module: dict, inverter: dict | None, layout: dict | None = None,
             **plant) -> dict:
    data = {
        "name": "equipment test", "country": "US", "latitude": 34.633, "longitude": -118.083,
        "elevation_m": 769.0, "timezone": "America/Los_Angeles",
        "plant": {"module": module, "mounting": {"type": "fixed", "orientations": [
            {"tilt_deg": 25.0, "azimuth_deg": 180.0}], "gcr": 0.4}, **plant},
        "losses": {"soiling_pct": 0.0, "mismatch_pct": 0.0, "dc_wiring_pct": 0.0,
                   "lid_pct": 0.0, "ac_losses_pct": 0.0, "availability_pct": 100.0},
        "weather": {"file": str(WEATHER / "CA-Palmdale_Airport.tmy3")},
    }
    if inverter is not None:
        data["plant"]["inverter"] = inverter
    if layout is not None:
        data["plant"]["layout"] = layout
    return data


def test_missing_file_is_named(tmp_path):
    data = _mapping({"pan": "nowhere.PAN"}, None, dc_capacity_mwp=1.0, ac_capacity_mwac=0.8)
    with pytest.raises(SiteError, match=r"(?s)site.yaml.*plant.module.pan: file .*nowhere.PAN"
                                        r".* not found"):
        site_from_mapping(data, source=tmp_path / "site.yaml")
    # relative to the site file's folder
    shutil.copy(PAN, tmp_path / "m.PAN")
    site = site_from_mapping(_mapping({"pan": "m.PAN"}, None, dc_capacity_mwp=1.0,
                                      ac_capacity_mwac=0.8), source=tmp_path / "site.yaml")
    assert site.plant.equipment.module.p_stc_w == 550.0


def test_layout_gives_and_checks_the_ratings():
    layout = {"modules_per_string": 28, "strings_per_inverter": 20, "inverters": 4}
    site = site_from_mapping(_mapping({"pan": str(PAN)}, {"ond": str(OND)}, layout))
    assert site.plant.dc_capacity_mwp == pytest.approx(28 * 20 * 4 * 550 / 1e6)
    assert site.plant.ac_capacity_mwac == pytest.approx(4 * 0.25)
    assert "plant.dc_capacity_mwp" in site.derived
    # the PAN's bifaciality, efficiency and power fill the fields left out
    assert site.plant.bifaciality == 0.7
    assert site.plant.iam_a_r == pytest.approx(pan_module(PAN).iam_a_r)
    assert "pvlib.iam.fit" in site.derived["plant.iam_a_r"]
    assert site.plant.module_efficiency_pct == pytest.approx(550 / (1.134 * 2.278) / 10)
    # a stated capacity 5 % away from the layout's is an error naming both
    with pytest.raises(SiteError, match=r"(?s)plant.dc_capacity_mwp = 1.3 differs from the "
                                        r"layout's 2,240 modules"):
        site_from_mapping(_mapping({"pan": str(PAN)}, {"ond": str(OND)}, layout,
                                   dc_capacity_mwp=1.3))
    # within 2 %: accepted
    site_from_mapping(_mapping({"pan": str(PAN)}, {"ond": str(OND)}, layout,
                               dc_capacity_mwp=1.25))
    # without a layout the stated capacities scale the equipment, said in the output
    site = site_from_mapping(_mapping({"pan": str(PAN)}, {"ond": str(OND)},
                                      dc_capacity_mwp=1.1, ac_capacity_mwac=1.0))
    assert site.plant.equipment.modules == pytest.approx(2000.0)
    assert site.plant.equipment.inverters == pytest.approx(4.0)
    assert any("no layout" in s for s in site.plant.equipment.scaled)


@pytest.fixture(scope="module")
def weather():
    return read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3")[0]


@pytest.mark.parametrize("kind", ["pan_ond", "cec"])
def test_chain_agrees_with_pvlib_modelchain(kind, weather):
    """The chain's DC and AC physics against a pvlib ModelChain with the same parameters.

    ModelChain applies its IAM to the beam only and has no row masking or rear side, so it
    runs from the chain's own effective irradiance and cell temperature
    (``run_model_from_effective_irradiance``): what is compared is the single-diode DC power
    of the array and the Sandia AC power of the inverters, the new physics. All fixed
    losses are 0. Tolerance 0.5 % of annual energy: the two use different solvers of the
    single-diode equation (max_power_point, Newton, against ModelChain's singlediode,
    Lambert W) and ModelChain clips nothing else, so any larger gap is a modelling
    difference (voltage, scaling, clipping, night tare), not round-off.
    """
    if kind == "pan_ond":
        module, inverter, mps, spi = {"pan": str(PAN)}, {"ond": str(OND)}, 28, 18
        dc_model = "pvsyst"
    else:
        module, inverter, mps, spi = {"cec": CEC_MODULE}, {"cec": CEC_INVERTER}, 14, 44
        dc_model = "cec"
    inverters = 3
    site = site_from_mapping(_mapping(module, inverter, {"modules_per_string": mps,
                                                         "strings_per_inverter": spi,
                                                         "inverters": inverters},
                                      bifaciality=0.0))
    out = run_chain(site, weather)
    eq = site.plant.equipment
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=25.0, surface_azimuth=180.0,
        module_parameters=(
            {**eq.module.sdm} if dc_model == "pvsyst"
            else {**eq.module.sdm, "gamma_r": 0.0}),
        inverter_parameters=eq.inverter.sandia,
        modules_per_string=mps, strings_per_inverter=spi,
        temperature_model_parameters={"u_c": 29.0, "u_v": 0.0},
    )
    location = pvlib.location.Location(34.633, -118.083, altitude=769.0)
    mc = pvlib.modelchain.ModelChain(system, location, dc_model=dc_model, ac_model="sandia",
                                     aoi_model="no_loss", spectral_model="no_loss",
                                     losses_model="no_loss")
    ts = out.timeseries
    mc.run_model_from_effective_irradiance(pd.DataFrame(
        {"effective_irradiance": ts["effective_irradiance"], "cell_temperature": ts["temp_cell"]},
        index=ts.index))
    reference_kwh = float(mc.results.ac.sum()) * inverters / 1e3
    ours_kwh = float(ts["p_ac"].sum()) / 1e3
    assert ours_kwh == pytest.approx(reference_kwh, rel=0.005)
    # the DC power too (per module, before the inverter)
    ours_dc = float(ts["p_dc"].sum()) / (mps * spi * inverters)
    assert ours_dc == pytest.approx(float(mc.results.dc["p_mp"].sum()) / (mps * spi),
                                    rel=0.005)
    # the stages tell the same story: conversion, clipping and the night tare are losses
    losses = {s: out.stage_energy_kwh[s] for s in STAGES}
    assert losses["inverter"] < losses["lid"]
    assert losses["night_consumption"] < losses["clipping"]
    night_hours = float((ts["p_dc"] / inverters < eq.inverter.sandia["Pso"]).sum())
    assert losses["clipping"] - losses["night_consumption"] == pytest.approx(
        night_hours * eq.inverter.sandia["Pnt"] * inverters / 1e3, rel=1e-9)


def test_low_irradiance_and_temperature_split(weather):
    site = site_from_mapping(_mapping({"pan": str(PAN)}, {"ond": str(OND)},
                                      {"modules_per_string": 28, "strings": 40,
                                       "inverters": 2}, bifaciality=0.0))
    out = run_chain(site, weather)
    e = out.stage_energy_kwh
    # the split reproduces the module's power at 25 °C by hand (pvlib directly)
    eff = out.timeseries["effective_irradiance"]
    m = site.plant.equipment.module
    il, io, rs, rsh, nn = pvlib.pvsystem.calcparams_pvsyst(eff[eff > 0], 25.0, **m.sdm)
    p25 = pvlib.pvsystem.singlediode(il, io, rs, rsh, nn)["p_mp"].sum() * 28 * 40 / 1e3
    assert e["low_irradiance"] == pytest.approx(p25, rel=1e-4)
    # a hot desert plant loses energy to temperature
    assert e["temperature"] < e["low_irradiance"]


def _engine_case(kind: str):
    """Equipment sites of every kind the engine runs, with every fixed loss non-zero."""
    module, inverter, plant = {"pan": str(PAN)}, {"ond": str(OND)}, {}
    layout = {"modules_per_string": 28, "strings_per_inverter": 18, "inverters": 3}
    if kind == "cec_cec":
        module, inverter = {"cec": CEC_MODULE}, {"cec": CEC_INVERTER}
        layout = {"modules_per_string": 14, "strings_per_inverter": 44, "inverters": 3}
    elif kind == "pan_nameplate_inverter":
        inverter, layout = None, None
        plant = {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8}
    elif kind == "tracker_cec_ond":
        module = {"cec": CEC_MODULE}
        layout = {"modules_per_string": 14, "strings_per_inverter": 40, "inverters": 2}
    elif kind == "cec_ond_no_layout":  # no string length: the inverter runs at its Vdco
        module, layout = {"cec": CEC_MODULE}, None
        plant = {"dc_capacity_mwp": 1.2, "ac_capacity_mwac": 1.0}
    data = _mapping(module, inverter, layout, **plant)
    data["losses"] = {"soiling_pct": 1.0, "mismatch_pct": 1.0, "dc_wiring_pct": 1.5,
                      "lid_pct": 1.0, "ac_losses_pct": 1.0, "availability_pct": 99.0}
    if kind == "nameplate_module_ond":
        data["plant"] = {"dc_capacity_mwp": 1.2, "ac_capacity_mwac": 1.0, "inverter": inverter,
                         "mounting": data["plant"]["mounting"]}
    elif kind == "east_west_pan_ond":
        data["plant"]["mounting"] = {"type": "fixed", "gcr": 0.6, "orientations": [
            {"tilt_deg": 10.0, "azimuth_deg": 90.0, "share": 0.5},
            {"tilt_deg": 10.0, "azimuth_deg": 270.0, "share": 0.5}]}
    elif kind == "tracker_cec_ond":
        data["plant"]["mounting"] = {"type": "single_axis", "gcr": 0.35,
                                     "max_angle_deg": 55.0, "backtrack": True}
    return site_from_mapping(data)


ENGINE_CASES = ("pan_ond", "cec_cec", "pan_nameplate_inverter", "nameplate_module_ond",
                "east_west_pan_ond", "tracker_cec_ond", "cec_ond_no_layout")


def test_engine_runs_equipment_as_the_reference_chain(weather):
    """The compiled engine against the reference chain (pvlib) on real equipment: every
    stage's energy, the monthly AC energy and the time series within 1e-6 relative (the
    engine agrees to rounding; trackers read view factors from tables, error < 1e-6)."""
    from pvyield.model.engine import STAGE_NAMES, run_sites

    sites = [_engine_case(kind) for kind in ENGINE_CASES]
    ds = run_sites(sites, [weather] * len(sites), timeseries=True)
    for i, (kind, site) in enumerate(zip(ENGINE_CASES, sites, strict=True)):
        equipment = site.plant.equipment
        assert (equipment.module is None) == (kind == "nameplate_module_ond")
        assert (equipment.inverter is None) == (kind == "pan_nameplate_inverter")
        ref = run_chain(site, weather)
        years = float(ds["years"][i])
        ref_energy = np.array([ref.stage_energy_kwh[n] for n in STAGE_NAMES])
        np.testing.assert_allclose(ds["stage_energy"].isel(site=i) * years, ref_energy,
                                   rtol=1e-6, err_msg=kind)
        assert float(ds["annual_energy"][i]) * years == pytest.approx(
            ref.stage_energy_kwh["availability"], rel=1e-6)
        # the stages real equipment adds are there to compare
        e = ref.stage_energy_kwh
        if equipment.module is not None:
            assert e["low_irradiance"] != e["rear_losses"], kind
        if equipment.inverter is not None:
            assert e["night_consumption"] < e["clipping"], kind
        local = ref.timeseries.tz_convert(site.timezone)
        by_month = local.groupby(local.index.month)["p_ac"].sum() / 1e3 / years
        np.testing.assert_allclose(ds["monthly_energy"].isel(site=i), by_month, rtol=1e-6,
                                   err_msg=kind)
        for column in ("p_dc", "p_ac", "temp_cell", "effective_irradiance"):
            np.testing.assert_allclose(ds[column].isel(site=i), ref.timeseries[column],
                                       rtol=1e-6, atol=1e-6, err_msg=f"{kind} {column}")


def test_engine_keeps_nameplate_sites_bit_identical_beside_equipment(weather):
    """A nameplate site gives the same numbers alone and in a block with equipment sites."""
    from pvyield.model.engine import run_sites

    data = _mapping({"pan": str(PAN)}, None)
    data["plant"] = {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8, "bifaciality": 0.0,
                     "mounting": data["plant"]["mounting"]}
    nameplate = site_from_mapping(data)
    alone = run_sites([nameplate], [weather])
    mixed = run_sites([_engine_case("pan_ond"), nameplate], [weather, weather])
    np.testing.assert_array_equal(alone["stage_energy"][0], mixed["stage_energy"][1])
    np.testing.assert_array_equal(alone["monthly_energy"][0], mixed["monthly_energy"][1])


@pytest.fixture(scope="module")
def example_result():
    return pvyield.estimate(EXAMPLE)  # the default engine, the compiled one


def test_example_site_engine_equals_reference(example_result):
    ref = pvyield.estimate(EXAMPLE, engine="reference")
    assert example_result.annual_energy_gwh == pytest.approx(ref.annual_energy_gwh, rel=1e-6)
    pd.testing.assert_frame_equal(example_result.monthly, ref.monthly, rtol=1e-6)
    # a tracker: view factors from tables (error < 1e-6), 1e-5 percentage points of loss
    pd.testing.assert_frame_equal(example_result.losses, ref.losses, rtol=1e-6, atol=1e-5)


def test_cli_estimates_the_example_on_the_default_engine(capsys):
    from pvyield.cli import main

    assert main(["estimate", str(EXAMPLE)]) == 0
    engine = capsys.readouterr().out
    assert main(["estimate", str(EXAMPLE), "--engine", "reference"]) == 0
    assert engine == capsys.readouterr().out
    assert "ET-M772BH550GL" in engine


def test_example_site_end_to_end(example_result):
    result = example_result
    data = result.to_dict()
    eq = data["equipment"]
    assert eq["module"]["manufacturer"] == "ET SOLAR"
    assert eq["inverter"]["model"] == "CPS SCH275KTL-DO/US-800"
    assert eq["module"]["provenance"]["R_s"].endswith("RSerie")
    assert data["dc_capacity_mwp"] == pytest.approx(27600 * 28 * 550 / 1e6)
    text = [str(a) for a in result.assumptions]
    assert any(t.startswith("module [model] ET SOLAR ET-M772BH550GL") for t in text)
    assert any("fit_sandia" in t for t in text)
    assert result.losses.loc["clipping", "loss_pct"] > 0
    # a variant of an equipment site re-derives what the equipment gives
    mono = pvyield.variant(result.site, **{"plant.bifaciality": 0.0})
    assert mono.plant.bifaciality == 0.0 and mono.plant.equipment.module.bifaciality == 0.7


def test_batch_swaps_modules(tmp_path, example_result):
    from pvyield.batch import run_batch

    scenario = tmp_path / "study.yaml"
    scenario.write_text(
        f"name: module swap\nsites: [{EXAMPLE}]\nmatrix:\n  plant.module:\n"
        f"    pan: {{pan: \"{PAN}\"}}\n    cec: {{cec: {CEC_MODULE}}}\n", "utf-8")
    ds = run_batch(scenario)
    assert list(ds["status"].values.ravel()) == ["ok", "ok"]
    energy = ds["annual_energy_gwh"].sel(site=ds.site[0])
    # the PAN run is the example site itself, estimated the ordinary way
    assert float(energy.sel(scenario="module=pan")) == pytest.approx(
        example_result.annual_energy_gwh, rel=1e-9)
    # the CEC module on the same layout is another plant: 472 W modules, 364.7 MWp
    assert float(ds["dc_capacity_mwp"].sel(site=ds.site[0], scenario="module=cec")) == \
        pytest.approx(27600 * 28 * cec_module(CEC_MODULE).p_stc_w / 1e6)


def test_report_names_the_equipment_and_its_sources():
    from pvyield.report import document
    from pvyield.report.labels import stage_label

    site = site_from_mapping(_mapping({"cec": CEC_MODULE}, {"ond": str(OND)},
                                      dc_capacity_mwp=1.2, ac_capacity_mwac=1.0))
    weather = read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3")
    result = pvyield.estimate(site, weather=weather)
    # the site section as the Markdown report prints it (the figures are not needed here)
    text = "\n".join(line for block in document._site_section(result).blocks
                     for line in document._markdown_block(block, "equipment", "figures"))
    assert f"CEC module database entry '{CEC_MODULE}'" in text
    assert "ChintPower CPS SCH275KTL-DO/US-800" in text
    assert f"| module a_ref | {result.site.plant.equipment.module.sdm['a_ref']:.4g} |" in text
    assert "no layout: plant.dc_capacity_mwp = 1.2 scales the module" in text
    assert stage_label("low_irradiance") == "PV loss due to irradiance level"


def test_nameplate_sites_have_no_new_losses(weather):
    """PVWatts plants: the new stages are exactly zero, so their figures do not move."""
    data = _mapping({"pan": str(PAN)}, None)
    data["plant"] = {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8, "bifaciality": 0.0,
                     "mounting": data["plant"]["mounting"]}
    out = run_chain(site_from_mapping(data), weather)
    e = out.stage_energy_kwh
    assert e["low_irradiance"] == e["rear_losses"]
    assert e["night_consumption"] == e["clipping"]


def test_a_pan_file_cut_short_is_refused(tmp_path):
    """A PAN file that lost its end (its IAM profile here) is an error, not a default IAM."""
    from pvyield.site.equipment import _read_panond

    whole = (ROOT / "sites" / "equipment" / "ET-M772BH550GL.PAN").read_bytes()
    cut = tmp_path / "cut.PAN"
    cut.write_bytes(whole[: whole.index(b"PVObject_IAM")])
    with pytest.raises(SiteError, match="cut short: no line 'End of PVObject pvModule'"):
        _read_panond(cut, "plant.module.pan")
    assert _read_panond(ROOT / "sites" / "equipment" / "ET-M772BH550GL.PAN",
                        "plant.module.pan")["PNom"] == 550.0
