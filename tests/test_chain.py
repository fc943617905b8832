"""The reference chain against a hand-assembled pvlib computation, and physical invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest
from pvlib.bifacial import infinite_sheds

import pvyield
from pvyield.model.chain import run_chain
from pvyield.site import site_from_mapping
from pvyield.weather.readers import read_weather_file

from .conftest import WEATHER

PALMDALE = WEATHER / "CA-Palmdale_Airport.tmy3"
LAT, LON, ELEV = 34.633, -118.083, 769.0


@pytest.fixture(scope="module")
def weather():
    return read_weather_file(PALMDALE)[0]


def make_site(mounting: dict, **overrides) -> pvyield.Site:
    plant = {"dc_capacity_mwp": 10.0, "ac_capacity_mwac": 8.0, "mounting": mounting,
             "bifaciality": 0.0, "gamma_pdc_pct_per_c": -0.35, "albedo": 0.2,
             "module_efficiency_pct": 21.0}
    plant.update(overrides.pop("plant", {}))
    data = {"name": "test", "country": "US", "latitude": LAT, "longitude": LON,
            "elevation_m": ELEV, "timezone": "Etc/GMT+8", "plant": plant,
            "weather": {"file": str(PALMDALE)}, **overrides}
    return site_from_mapping(data)


def hand_assembled_energy_kwh(weather: pd.DataFrame, tilt, azimuth, gcr=None, height=None,
                              width=None, bifaciality=0.0) -> float:
    """The same chain written out directly in pvlib calls, without pvyield's code.

    1 MWp x 10, 8 MWac, losses: soiling 2 %, mismatch 1 %, wiring 1.5 %, LID 1 %,
    inverter 98.5 %, AC 1.5 %, availability 99 % (the schema's defaults).
    """
    times = weather.index
    sp = pvlib.solarposition.get_solarposition(times, LAT, LON, ELEV,
                                               pressure=pvlib.atmosphere.alt2pres(ELEV))
    extra = pvlib.irradiance.get_extra_radiation(times)
    am = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, sp["apparent_zenith"], sp["azimuth"], weather["dni"], weather["ghi"],
        weather["dhi"], dni_extra=extra, airmass=am, albedo=0.2, model="perez").fillna(0)
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp["apparent_zenith"], sp["azimuth"])
    diffuse_iam = pvlib.iam.martin_ruiz_diffuse(tilt, 0.16)
    g_front = (poa["poa_direct"] * pvlib.iam.martin_ruiz(aoi, 0.16)
               + poa["poa_sky_diffuse"] * diffuse_iam["sky"]
               + poa["poa_ground_diffuse"] * diffuse_iam["ground"]) * 0.98
    if bifaciality:
        rear = infinite_sheds.get_irradiance(
            tilt, azimuth, sp["apparent_zenith"], sp["azimuth"], gcr, height, width / gcr,
            weather["ghi"], weather["dhi"], weather["dni"], 0.2, model="haydavies",
            dni_extra=extra, shade_factor=-0.02)["poa_back"].fillna(0)
        g_front = g_front + bifaciality * rear
    t_cell = pvlib.temperature.pvsyst_cell(poa["poa_global"], weather["temp_air"],
                                           weather["wind_speed"], 29.0, 0.0, 0.21, 0.9)
    pdc = pvlib.pvsystem.pvwatts_dc(g_front, t_cell, 10e6, -0.0035).clip(lower=0)
    pdc = pdc * 0.99 * 0.985 * 0.99
    pac = pvlib.inverter.pvwatts(pdc, 8e6 / 0.985, 0.985, 0.9637)
    return float((pac * 0.985 * 0.99).sum()) / 1e3  # hourly W -> kWh


def test_fixed_plant_equals_hand_assembled_pvlib(weather):
    site = make_site({"type": "fixed", "orientations": [{"tilt_deg": 30, "azimuth_deg": 180}]})
    ours = run_chain(site, weather).stage_energy_kwh["availability"]
    reference = hand_assembled_energy_kwh(weather, 30.0, 180.0)
    assert ours == pytest.approx(reference, rel=0.005)


def test_bifacial_tracker_equals_hand_assembled_pvlib(weather):
    mount = {"type": "single_axis", "gcr": 0.35, "max_angle_deg": 60, "backtrack": True,
             "height_m": 2.0, "collector_width_m": 2.4}
    site = make_site(mount, plant={"bifaciality": 0.7})
    ours = run_chain(site, weather).stage_energy_kwh["availability"]
    sp = pvlib.solarposition.get_solarposition(weather.index, LAT, LON, ELEV,
                                               pressure=pvlib.atmosphere.alt2pres(ELEV))
    tr = pvlib.tracking.singleaxis(sp["apparent_zenith"], sp["azimuth"], 0, 180, 60, True, 0.35)
    reference = hand_assembled_energy_kwh(weather, tr["surface_tilt"].fillna(0),
                                          tr["surface_azimuth"].fillna(270), 0.35, 2.0, 2.4,
                                          0.7)
    assert ours == pytest.approx(reference, rel=0.005)


def test_losses_multiply_to_the_final_energy(ceme1_result):
    losses = ceme1_result.losses
    ghi_equivalent = losses["energy_gwh"].iloc[0] / (1 - losses["loss_pct"].iloc[0] / 100)
    product = ghi_equivalent * np.prod(1 - losses["loss_pct"] / 100)
    assert product == pytest.approx(ceme1_result.annual_energy_gwh, rel=1e-9)
    assert losses["energy_gwh"].iloc[-1] == pytest.approx(ceme1_result.annual_energy_gwh)


def test_annual_energy_equals_sum_of_months(mauriti_result):
    assert mauriti_result.monthly["energy_gwh"].sum() == pytest.approx(
        mauriti_result.annual_energy_gwh, rel=1e-9)


def test_more_soiling_less_energy(weather):
    """Soiling scales energy down; without clipping (DC/AC 0.83) almost proportionally
    (the inverter's part-load curve bends it slightly)."""
    mount = {"type": "fixed", "orientations": [{"tilt_deg": 25, "azimuth_deg": 180}]}
    energies = [
        run_chain(make_site(mount, plant={"ac_capacity_mwac": 12.0},
                            losses={"soiling_pct": s}), weather).stage_energy_kwh["availability"]
        for s in (0.0, 2.0, 5.0)
    ]
    assert energies[0] > energies[1] > energies[2]
    assert energies[2] / energies[0] == pytest.approx(0.95, abs=0.003)


def test_tracking_beats_flat_fixed_and_bifacial_beats_monofacial(weather):
    flat = make_site({"type": "fixed", "orientations": [{"tilt_deg": 0, "azimuth_deg": 180}]})
    tracker = {"type": "single_axis", "gcr": 0.35}
    mono = make_site(tracker)
    bifi = make_site(tracker, plant={"bifaciality": 0.7})
    e = {name: run_chain(s, weather).stage_energy_kwh["availability"]
         for name, s in (("flat", flat), ("mono", mono), ("bifi", bifi))}
    assert e["mono"] > 1.15 * e["flat"]
    assert 1.0 < e["bifi"] / e["mono"] < 1.15


def test_ac_power_never_exceeds_ac_capacity(mauriti_result):
    site = mauriti_result.site
    limit = site.plant.ac_capacity_mwac * 1e6 * (1 - site.losses.ac_losses_pct / 100) * (
        site.losses.availability_pct / 100)
    assert mauriti_result.timeseries["p_ac"].max() <= limit * (1 + 1e-9)
    assert mauriti_result.losses.loc["clipping", "loss_pct"] > 0


def test_row_shading_only_when_gcr_given(weather):
    orientation = [{"tilt_deg": 30, "azimuth_deg": 180}]
    open_rows = run_chain(make_site({"type": "fixed", "orientations": orientation}), weather)
    dense = run_chain(make_site({"type": "fixed", "orientations": orientation, "gcr": 0.7}),
                      weather)
    assert open_rows.stage_energy_kwh["shading"] == open_rows.stage_energy_kwh["transposition"]
    assert dense.stage_energy_kwh["shading"] < 0.97 * dense.stage_energy_kwh["transposition"]
