"""The reference chain against a hand-assembled pvlib computation, and physical invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest
from pvlib.bifacial import infinite_sheds
from pvlib.bifacial import utils as bifacial_utils

import pvyield
from pvyield.model import chain
from pvyield.model.chain import run_chain
from pvyield.results import list_assumptions
from pvyield.site import site_from_mapping
from pvyield.site.schema import TECHNOLOGY_DEFAULTS
from pvyield.weather.frame import WeatherMeta
from pvyield.weather.readers import read_weather_file

from .conftest import WEATHER

PALMDALE = WEATHER / "CA-Palmdale_Airport.tmy3"
_META = WeatherMeta(format="tmy3", source="test", latitude=34.6, longitude=-118.1,
                    elevation_m=769.0, time_step_minutes=60.0)
LAT, LON, ELEV = 34.633, -118.083, 769.0


@pytest.fixture(scope="module")
def weather():
    return read_weather_file(PALMDALE)[0]


def make_site(mounting: dict, **overrides) -> pvyield.Site:
    plant = {"dc_capacity_mwp": 10.0, "ac_capacity_mwac": 8.0, "mounting": mounting,
             "bifaciality": 0.0, "gamma_pdc_pct_per_c": -0.35, "albedo": 0.2,
             "module_efficiency_pct": 21.0}
    plant.update(overrides.pop("plant", {}))
    plant = {key: value for key, value in plant.items() if value is not None}  # None: leave out
    data = {"name": "test", "country": "US", "latitude": LAT, "longitude": LON,
            "elevation_m": ELEV, "timezone": "Etc/GMT+8", "plant": plant,
            "weather": {"file": str(PALMDALE)}, **overrides}
    return site_from_mapping(data)


def hand_assembled_energy_kwh(weather: pd.DataFrame, site: pvyield.Site, tilt, azimuth,
                              gcr=None, height=None, width=None, bifaciality=0.0) -> float:
    """The same chain written out directly in pvlib calls, without pvyield's code.

    10 MWp, 8 MWac, crystalline silicon (spectral factor 1); the loss percentages are read
    from the site (its defaults), the physics is pvlib's.
    """
    losses, plant = site.losses, site.plant
    times = weather.index
    sp = pvlib.solarposition.get_solarposition(times, LAT, LON, ELEV,
                                               pressure=pvlib.atmosphere.alt2pres(ELEV))
    extra = pvlib.irradiance.get_extra_radiation(times)
    am = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, sp["apparent_zenith"], sp["azimuth"], weather["dni"], weather["ghi"],
        weather["dhi"], dni_extra=extra, airmass=am, albedo=0.2, model="perez").fillna(0)
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp["apparent_zenith"], sp["azimuth"])
    sky, ground, beam = poa["poa_sky_diffuse"], poa["poa_ground_diffuse"], poa["poa_direct"]
    thermal = poa["poa_global"]
    if gcr is not None:  # trackers with backtracking: no beam shading, rows mask diffuse
        sheds = infinite_sheds.get_irradiance(
            tilt, azimuth, sp["apparent_zenith"], sp["azimuth"], gcr, height, width / gcr,
            weather["ghi"], weather["dhi"], weather["dni"], 0.2, model="haydavies",
            dni_extra=extra, shade_factor=0.0, bifaciality=1.0).fillna(0)
        parts = pvlib.irradiance.perez(tilt, azimuth, weather["dhi"], weather["dni"], extra,
                                       sp["apparent_zenith"], sp["azimuth"], am,
                                       return_components=True).fillna(0)
        view = bifacial_utils.vf_row_sky_2d_integ(tilt, gcr, 0.0, 1.0) / (
            (1 + np.cos(np.radians(tilt))) / 2)
        sky = ((parts["poa_isotropic"] + parts["poa_horizon"]) * view
               + parts["poa_circumsolar"]).clip(lower=0).where(sky > 0, 0.0)
        ground = sheds["poa_front_ground_diffuse"]
        thermal = beam + sky + ground
    diffuse_iam = pvlib.iam.martin_ruiz_diffuse(tilt, 0.16)
    soiling = 1 - losses.soiling_pct / 100
    g_front = (beam * pvlib.iam.martin_ruiz(aoi, 0.16) + sky * diffuse_iam["sky"]
               + ground * diffuse_iam["ground"]) * soiling
    dc_kept = (1 - losses.mismatch_pct / 100) * (1 - losses.dc_wiring_pct / 100) * (
        1 - losses.lid_pct / 100)
    if bifaciality:
        shading = plant.rear_shading_pct / 100
        back_aoi = pvlib.irradiance.aoi(180 - tilt, (azimuth + 180) % 360,
                                        sp["apparent_zenith"], sp["azimuth"])
        back_iam = pvlib.iam.martin_ruiz_diffuse(180 - tilt, 0.16)
        rear = (sheds["poa_back_direct"] * pvlib.iam.martin_ruiz(back_aoi, 0.16).fillna(0)
                + sheds["poa_back_sky_diffuse"] * back_iam["sky"]
                + sheds["poa_back_ground_diffuse"] * back_iam["ground"]) * (1 - shading)
        g_front = g_front + bifaciality * rear
        thermal = thermal + sheds["poa_back"] * (1 - shading)
        dc_kept *= 1 - plant.rear_mismatch_pct / 100
    t_cell = pvlib.temperature.pvsyst_cell(thermal, weather["temp_air"],
                                           weather["wind_speed"], 29.0, 0.0, 0.21, 0.9)
    pdc = pvlib.pvsystem.pvwatts_dc(g_front, t_cell, 10e6, -0.0035).clip(lower=0) * dc_kept
    eta = losses.inverter_efficiency_pct / 100
    pac = pvlib.inverter.pvwatts(pdc, 8e6 / eta, eta, 0.9637)
    return float((pac * (1 - losses.ac_losses_pct / 100)
                  * losses.availability_pct / 100).sum()) / 1e3  # hourly W -> kWh


def test_fixed_plant_equals_hand_assembled_pvlib(weather):
    site = make_site({"type": "fixed", "orientations": [{"tilt_deg": 30, "azimuth_deg": 180}]})
    ours = run_chain(site, weather).stage_energy_kwh["availability"]
    reference = hand_assembled_energy_kwh(weather, site, 30.0, 180.0)
    assert ours == pytest.approx(reference, rel=0.005)


def test_bifacial_tracker_equals_hand_assembled_pvlib(weather):
    mount = {"type": "single_axis", "gcr": 0.35, "max_angle_deg": 60, "backtrack": True,
             "height_m": 2.0, "collector_width_m": 2.4}
    site = make_site(mount, plant={"bifaciality": 0.7})
    ours = run_chain(site, weather).stage_energy_kwh["availability"]
    sp = pvlib.solarposition.get_solarposition(weather.index, LAT, LON, ELEV,
                                               pressure=pvlib.atmosphere.alt2pres(ELEV))
    tr = pvlib.tracking.singleaxis(sp["apparent_zenith"], sp["azimuth"], 0, 180, 60, True, 0.35)
    reference = hand_assembled_energy_kwh(weather, site, tr["surface_tilt"].fillna(0),
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


# ---------------------------------------------------------------------------------------
# row masking, rear side, technology


def _tracker_geometry(weather):
    sp = pvlib.solarposition.get_solarposition(weather.index, LAT, LON, ELEV,
                                               pressure=pvlib.atmosphere.alt2pres(ELEV))
    tr = pvlib.tracking.singleaxis(sp["apparent_zenith"], sp["azimuth"], 0, 180, 60, True, 0.35)
    return sp, tr["surface_tilt"].fillna(0.0), tr["surface_azimuth"].fillna(270.0)


def test_row_masking_stage_matches_infinite_sheds(weather):
    """The reference chain's masked sky view and ground reflection against
    pvlib.bifacial.infinite_sheds.get_irradiance_poa called directly (1e-9 W/m^2)."""
    sp, tilt, azimuth = _tracker_geometry(weather)
    gcr, height, pitch = 0.35, 2.0, 2.4 / 0.35
    args = (tilt, azimuth, sp["apparent_zenith"], sp["azimuth"], gcr, height, pitch,
            weather["ghi"], weather["dhi"], weather["dni"], 0.2)
    isotropic = infinite_sheds.get_irradiance_poa(*args, model="isotropic")
    ours_sky = chain.row_sky_view_ratio(tilt, gcr) * (1 + np.cos(np.radians(tilt))) / 2 * (
        weather["dhi"])
    np.testing.assert_allclose(ours_sky, isotropic["poa_sky_diffuse"], atol=1e-9)
    hay = infinite_sheds.get_irradiance_poa(
        *args, model="haydavies", dni_extra=pvlib.irradiance.get_extra_radiation(weather.index))
    plane = chain.Plane(1.0, tilt, azimuth, 180.0, 0.0, None, gcr, height, 2.4)
    sheds = chain.sheds_irradiance(plane, sp, weather, 0.2,
                                   pvlib.irradiance.get_extra_radiation(weather.index))
    np.testing.assert_allclose(sheds["poa_front_ground_diffuse"],
                               hay["poa_ground_diffuse"].fillna(0), atol=1e-9)
    # masking only removes light: each hour's masked sky and ground are below the open ones
    front = chain.front_irradiance(plane, sp, weather, 0.2,
                                   pvlib.irradiance.get_extra_radiation(weather.index),
                                   pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"]))
    sky, ground = chain.masked_front(front, plane, pd.Series(0.0, index=weather.index), sheds)
    assert (sky <= front["poa_sky_diffuse"] + 1e-9).all()
    assert (sky + ground).sum() < 0.95 * (front["poa_sky_diffuse"]
                                          + front["poa_ground_diffuse"]).sum()


def test_mauriti_trackers_lose_front_light_to_row_masking(mauriti_result, ceme1_result):
    """Trackers at GCR 0.35 lose 1-2.5 % of front irradiance to the rows around them (an
    audit of the chain put it at 1.6 % for Mauriti); CEME1's low, open east-west rows much
    less."""
    assert 1.0 < mauriti_result.losses.loc["row_masking", "loss_pct"] < 2.5
    assert 0.0 < ceme1_result.losses.loc["row_masking", "loss_pct"] < 0.6


def test_rear_losses_and_rear_heat(weather):
    tracker = {"type": "single_axis", "gcr": 0.35}
    bifi = make_site(tracker, plant={"bifaciality": 0.7})
    clean = make_site(tracker, plant={"bifaciality": 0.7, "rear_shading_pct": 0.0,
                                      "rear_mismatch_pct": 0.0})
    mono = make_site(tracker)
    assert bifi.plant.rear_shading_pct == 6.0 and bifi.plant.rear_mismatch_pct == 0.5
    assert "plant.rear_shading_pct" in bifi.derived and "rear_shading_pct" not in clean.derived
    out = {name: run_chain(s, weather) for name, s in
           (("bifi", bifi), ("clean", clean), ("mono", mono))}
    e = {name: o.stage_energy_kwh for name, o in out.items()}
    # rear IAM alone still costs something without structure shading
    assert e["clean"]["rear_losses"] < e["clean"]["bifacial"]
    assert e["bifi"]["rear_losses"] < e["clean"]["rear_losses"]
    assert e["bifi"]["mismatch"] / e["bifi"]["temperature"] == pytest.approx(
        (1 - bifi.losses.mismatch_pct / 100) * 0.995, rel=1e-12)
    # the rear light heats the cells
    assert (out["bifi"].timeseries["temp_cell"] >= out["mono"].timeseries["temp_cell"]).all()
    assert out["bifi"].timeseries["temp_cell"].mean() > out["mono"].timeseries[
        "temp_cell"].mean() + 0.1


def test_technology_defaults_are_applied_sourced_and_overridden():
    mount = {"type": "fixed", "orientations": [{"tilt_deg": 25, "azimuth_deg": 180}]}
    cdte = make_site(mount, plant={"module_technology": "cdte", "gamma_pdc_pct_per_c": None})
    assert cdte.plant.gamma_pdc_pct_per_c == TECHNOLOGY_DEFAULTS["cdte"][
        "plant.gamma_pdc_pct_per_c"][0]
    assert cdte.losses.lid_pct == TECHNOLOGY_DEFAULTS["cdte"]["losses.lid_pct"][0]
    assert "cdte" in cdte.derived["plant.gamma_pdc_pct_per_c"]
    hjt = make_site(mount, plant={"module_technology": "hjt"}, losses={"lid_pct": 0.2})
    assert hjt.plant.gamma_pdc_pct_per_c == -0.35  # the file's value wins
    assert hjt.losses.lid_pct == 0.2 and "losses.lid_pct" not in hjt.derived
    assert hjt.losses.degradation_pct_per_year == 0.75
    listed = {a.parameter: a for a in list_assumptions(cdte, _META)}
    assert listed["losses.lid_pct"].kind == "derived"
    assert "PVWatts" in listed["losses.lid_pct"].reason
    assert listed["plant.gamma_pdc_pct_per_c"].value == -0.25


def test_spectral_factor_matches_pvlib(weather):
    sp = pvlib.solarposition.get_solarposition(weather.index, LAT, LON, ELEV)
    am = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
    # the file's own precipitable water comes first (TMY3 'Pwat' in cm)
    assert "precipitable_water" in weather
    am_abs = pvlib.atmosphere.get_absolute_airmass(am, pvlib.atmosphere.alt2pres(ELEV))
    from_file = pvlib.spectrum.spectral_factor_firstsolar(weather["precipitable_water"],
                                                          am_abs, "cdte")
    np.testing.assert_allclose(chain.spectral_factor("cdte", weather, am, ELEV),
                               pd.Series(from_file, index=weather.index).fillna(1.0),
                               rtol=1e-12)
    # without it, Gueymard 1994 from temperature and humidity
    weather = weather.drop(columns="precipitable_water")
    pw = pvlib.atmosphere.gueymard94_pw(weather["temp_air"], weather["relative_humidity"])
    expected = pvlib.spectrum.spectral_factor_firstsolar(
        pw, pvlib.atmosphere.get_absolute_airmass(am, pvlib.atmosphere.alt2pres(ELEV)), "cdte")
    ours = chain.spectral_factor("cdte", weather, am, ELEV)
    np.testing.assert_allclose(ours, pd.Series(expected, index=weather.index).fillna(1.0),
                               rtol=1e-12)
    assert (chain.spectral_factor("topcon", weather, am, ELEV) == 1.0).all()
    dry = weather.drop(columns="relative_humidity")
    assert chain.precipitable_water_cm(dry)[0].eq(1.42).all()
    mount = {"type": "fixed", "orientations": [{"tilt_deg": 25, "azimuth_deg": 180}]}
    out = run_chain(make_site(mount, plant={"module_technology": "cdte"}), weather)
    e = out.stage_energy_kwh
    assert e["spectral"] != e["iam"] and abs(e["spectral"] / e["iam"] - 1) < 0.05
    assert "relative_humidity" in out.notes["precipitable water"]  # said in the output
    assert run_chain(make_site(mount, plant={"module_technology": "cdte"}), dry).notes[
        "precipitable water"].startswith("1.42 cm")
