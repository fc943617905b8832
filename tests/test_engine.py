"""The batch engine against the reference chain and against pvlib, kernel by kernel."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from pvlib.bifacial import infinite_sheds

from pvyield.cli import main
from pvyield.errors import ModelError
from pvyield.estimate import estimate
from pvyield.model import kernels
from pvyield.model.chain import STAGES, run_chain
from pvyield.model.engine import (
    STAGE_NAMES,
    rear_view_factor_table,
    rear_view_factors,
    run_sites,
)
from pvyield.model.solar import solar_position
from pvyield.site.schema import Site
from pvyield.weather import read_weather_file, synthetic_year

WEATHER = Path(__file__).resolve().parent.parent / "weather"

# ---------------------------------------------------------------------------------------
# random plants on real and synthetic weather

#: Real files with the IANA zone of their place (soiling is read by local month).
WEATHER_FILES = {
    "CA-Palmdale_Airport.tmy3": ("tmy3", None, "America/Los_Angeles"),
    "CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv": ("nsrdb_csv", None, "America/Santiago"),
    "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv":
        ("sam_csv", "center", "America/Santiago"),
}
#: Synthetic years: latitude, longitude, elevation, zone, clear-sky index of the months.
SYNTHETIC = [
    (-45.0, -70.0, 300.0, "America/Argentina/Buenos_Aires", 0.55),
    (-30.0, 25.0, 1200.0, "Africa/Johannesburg", 0.8),
    (12.0, 8.0, 450.0, "Africa/Lagos", 0.7),
    (45.0, 12.0, 50.0, "Europe/Rome", 0.6),
    (60.0, 25.0, 20.0, "Europe/Helsinki", 0.5),
]


@pytest.fixture(scope="module")
def weather_sets() -> list[tuple[pd.DataFrame, float, float, float, str]]:
    """Frames with the place they belong to: (frame, latitude, longitude, elevation, zone)."""
    sets = []
    for name, (fmt, label, zone) in WEATHER_FILES.items():
        frame, meta = read_weather_file(WEATHER / name, fmt, label)
        sets.append((frame, meta.latitude, meta.longitude, meta.elevation_m, zone))
    month = np.arange(12)
    for lat, lon, elev, zone, index in SYNTHETIC:
        times = pd.date_range("2019-01-01 00:30", periods=8760, freq="h", tz=zone)
        clear = pvlib.location.Location(lat, lon, zone, elev).get_clearsky(times)["ghi"]
        ghi = index * clear.groupby(times.month).sum().to_numpy() / 1e3 / times.days_in_month[
            ::24].to_series().groupby(times.month[::24]).first().to_numpy()
        temp = 15 + 8 * np.sign(lat) * np.cos(2 * np.pi * (month - 6) / 12)
        frame, _ = synthetic_year(lat, lon, elev, zone, list(ghi), list(temp),
                                  wind_speed_m_s=[2.0] * 12, seed=int(abs(lat)))
        if lat == 12.0:  # a weather column of precipitable water, as some sources give
            frame = frame.assign(precipitable_water=2.5 + 2.0 * np.sin(
                2 * np.pi * frame.index.day_of_year.to_numpy() / 365.0))
        sets.append((frame, lat, lon, elev, zone))
    return sets


def random_site(rng: np.random.Generator, kind: str, place) -> Site:
    """A random but physically sensible plant of one kind of mounting at a place."""
    _, lat, lon, elev, zone = place
    bifacial = bool(rng.random() < 0.5)
    equator = 180.0 if lat >= 0 else 0.0
    if kind == "tracker":
        width = rng.uniform(2.0, 2.4)
        mounting = {
            "type": "single_axis", "gcr": rng.uniform(0.25, 0.5),
            "axis_tilt_deg": float(rng.choice([0.0, rng.uniform(0, 10)])),
            "axis_azimuth_deg": float(rng.choice([180.0, rng.uniform(160, 200)])),
            "max_angle_deg": rng.uniform(45, 60), "backtrack": bool(rng.random() < 0.6),
            "height_m": rng.uniform(1.5, 2.5), "collector_width_m": width,
        }
    else:
        gcr = rng.uniform(0.3, 0.6) if bifacial or rng.random() < 0.7 else None
        if kind == "fixed1":
            orientations = [{"tilt_deg": rng.uniform(0, 40),
                             "azimuth_deg": (equator + rng.uniform(-40, 40)) % 360}]
        else:
            tilt, east = rng.uniform(5, 20), 90 + rng.uniform(-15, 15)
            share = float(rng.choice([0.5, 0.4]))
            orientations = [{"tilt_deg": tilt, "azimuth_deg": east, "share": share},
                            {"tilt_deg": tilt, "azimuth_deg": east + 180, "share": 1 - share}]
        mounting = {"type": "fixed", "orientations": orientations, "gcr": gcr,
                    "height_m": rng.uniform(1.0, 2.0), "collector_width_m": rng.uniform(2, 2.4)}
    dc = rng.uniform(5, 500)
    soiling = (list(rng.uniform(0, 6, 12)) if rng.random() < 0.5
               else float(rng.uniform(0, 4)))
    # every technology (CdTe has a spectral model); rear losses given or left to defaults
    technology = str(rng.choice(["mono_si_perc", "topcon", "hjt", "multi_si", "cdte", "cdte"]))
    rear = ({"rear_shading_pct": rng.uniform(0, 12), "rear_mismatch_pct": rng.uniform(0, 1)}
            if bifacial and rng.random() < 0.5 else {})
    return Site.model_validate({
        "name": f"{kind} {lat:.1f} {lon:.1f}", "country": "XX",
        "latitude": float(np.clip(lat + rng.uniform(-0.5, 0.5), -89, 89)),
        "longitude": lon + rng.uniform(-0.5, 0.5), "elevation_m": elev + rng.uniform(-50, 50),
        "timezone": zone,
        "plant": {
            "dc_capacity_mwp": dc, "ac_capacity_mwac": dc / rng.uniform(1.0, 1.6),
            "module_efficiency_pct": rng.uniform(18, 23),
            "bifaciality": rng.uniform(0.6, 0.8) if bifacial else 0.0,
            "gamma_pdc_pct_per_c": -rng.uniform(0.25, 0.45), "albedo": rng.uniform(0.15, 0.35),
            "iam_a_r": rng.uniform(0.12, 0.2),
            "thermal": {"u_c": rng.uniform(20, 30), "u_v": rng.uniform(0, 2)},
            "mounting": mounting, "module_technology": technology, **rear,
        },
        "losses": {
            "soiling_pct": soiling, "mismatch_pct": rng.uniform(0, 2),
            "dc_wiring_pct": rng.uniform(0, 3), "lid_pct": rng.uniform(0, 2),
            "inverter_efficiency_pct": rng.uniform(96, 99), "ac_losses_pct": rng.uniform(0, 3),
            "availability_pct": rng.uniform(95, 100),
        },
        "weather": {"file": "unused.csv", "format": "tmy3"},
    }, strict=False)


@pytest.fixture(scope="module")
def random_plants(weather_sets):
    """54 plants: every kind of mounting on every weather set, plus random extra ones."""
    rng = np.random.default_rng(20260401)
    kinds = ("fixed1", "fixed2", "tracker")
    cases = [(kind, w) for w in range(len(weather_sets)) for kind in kinds]
    cases += [(str(rng.choice(kinds)), int(rng.integers(len(weather_sets))))
              for _ in range(54 - len(cases))]
    sites = [random_site(rng, kind, weather_sets[w]) for kind, w in cases]
    frames = [weather_sets[w][0] for _, w in cases]
    return sites, frames


def test_random_plants_cover_the_required_cases(random_plants):
    sites, _ = random_plants
    mounts = [s.plant.mounting for s in sites]
    trackers = [m for m in mounts if m.type == "single_axis"]
    assert len(sites) >= 50
    assert any(m.backtrack for m in trackers) and any(not m.backtrack for m in trackers)
    assert {len(m.orientations) for m in mounts if m.type == "fixed"} == {1, 2}
    assert any(s.plant.bifaciality > 0 for s in sites)
    assert any(s.plant.bifaciality == 0 for s in sites)
    ratios = [s.plant.dc_ac_ratio for s in sites]
    assert min(ratios) < 1.1 and max(ratios) > 1.5
    lats = [s.latitude for s in sites]
    assert min(lats) < -44 and max(lats) > 59
    # the new stages: spectral (CdTe) on weather with and without humidity, row masking
    # of fixed rows and trackers, rear losses given and by default
    frames = random_plants[1]
    cdte = [f for s, f in zip(sites, frames, strict=True)
            if s.plant.module_technology == "cdte"]
    assert any("relative_humidity" in f for f in cdte)
    assert any("relative_humidity" not in f and "precipitable_water" not in f for f in cdte)
    assert any("precipitable_water" in f for f in cdte)
    assert any(m.type == "fixed" and m.gcr is not None for m in mounts)
    rears = [s for s in sites if s.plant.bifaciality > 0]
    assert any("plant.rear_shading_pct" in s.derived for s in rears)
    assert any("plant.rear_shading_pct" not in s.derived for s in rears)


def test_engine_matches_reference_chain(random_plants):
    """Annual AC energy within 0.1 % and every stage's loss within 0.1 percentage point of
    the reference chain; in fact the engine agrees to rounding and view-factor tables."""
    sites, frames = random_plants
    ds = run_sites(sites, frames, chunk_sites=7)
    for i, (site, frame) in enumerate(zip(sites, frames, strict=True)):
        ref = run_chain(site, frame)
        ref_energy = np.array([ref.stage_energy_kwh[n] for n in STAGE_NAMES]) / ref.years
        energy = ds["stage_energy"].isel(site=i).to_numpy()
        ref_loss = (1 - ref_energy[1:] / ref_energy[:-1]) * 100
        loss = ds["loss_pct"].isel(site=i).to_numpy()[1:]
        assert ds["annual_energy"][i] == pytest.approx(ref_energy[-1], rel=1e-3), site.name
        np.testing.assert_allclose(loss, ref_loss, atol=0.1, err_msg=site.name)
        np.testing.assert_allclose(energy, ref_energy, rtol=1e-6, err_msg=site.name)


# ---------------------------------------------------------------------------------------
# the Dataset


def test_dataset_layout_units_and_time_series(random_plants):
    sites, frames = random_plants
    same = [i for i, f in enumerate(frames) if f is frames[0]][:3]
    ds = run_sites([sites[i] for i in same], [frames[i] for i in same], timeseries=True)
    assert list(ds["stage"].values) == ["ghi", *STAGES]
    assert ds.sizes == {"site": 3, "stage": len(STAGES) + 1, "time": 8760, "month": 12,
                        "year": ds.sizes["year"]}
    for name in ("annual_energy", "stage_energy"):
        assert ds[name].attrs["units"] == "kWh/yr"
    assert ds["p_ac"].attrs["units"] == "W" and ds["temp_cell"].attrs["units"] == "degC"
    ref = run_chain(sites[same[1]], frames[same[1]]).timeseries
    for column in ("ghi", "poa_global", "effective_irradiance", "temp_cell", "p_dc", "p_ac"):
        np.testing.assert_allclose(ds[column].isel(site=1), ref[column], rtol=1e-9,
                                   atol=1e-6, err_msg=column)
    # hourly energy sums to the annual figure
    assert float(ds["p_ac"].sum("time")[1]) / 1e3 == pytest.approx(
        float(ds["annual_energy"][1]), rel=1e-12)
    # the kernel's monthly and yearly sums: the reference series grouped by pandas in the
    # site's time zone
    local = ref.tz_convert(sites[same[1]].timezone)
    by_month = local.groupby(local.index.month)
    np.testing.assert_allclose(ds["monthly_energy"].isel(site=1),
                               by_month["p_ac"].sum() / 1e3, rtol=1e-9)
    np.testing.assert_allclose(ds["monthly_poa"].isel(site=1),
                               by_month["poa_global"].sum() / 1e3, rtol=1e-9)
    np.testing.assert_allclose(ds["monthly_ghi"].isel(site=1), by_month["ghi"].sum() / 1e3,
                               rtol=1e-12)
    np.testing.assert_allclose(ds["monthly_temp_air"].isel(site=1),
                               by_month["temp_air"].mean(), rtol=1e-12)
    by_year = local.groupby(local.index.year)["p_ac"]
    years = ds["year_hours"].isel(site=1).to_numpy() > 0
    np.testing.assert_array_equal(ds["year"].to_numpy()[years], by_year.size().index)
    np.testing.assert_allclose(ds["year_energy"].isel(site=1).to_numpy()[years],
                               by_year.sum() / 1e3, rtol=1e-9)
    assert ds["monthly_energy"].attrs["units"] == "kWh/yr"


def test_block_size_does_not_change_results(random_plants):
    sites, frames = random_plants
    one = run_sites(sites[:9], frames[:9], chunk_sites=1)
    many = run_sites(sites[:9], frames[:9], chunk_sites=100)
    np.testing.assert_array_equal(one["stage_energy"], many["stage_energy"])


def test_tables_reaching_the_ground_are_reported(random_plants, caplog):
    sites, frames = random_plants
    tracker = next(s for s in sites if s.plant.mounting.type == "single_axis")
    mount = tracker.plant.mounting.model_copy(update={
        "height_m": 1.0, "collector_width_m": 2.4, "max_angle_deg": 60.0})
    low = tracker.model_copy(update={"plant": tracker.plant.model_copy(update={
        "mounting": mount, "bifaciality": 0.7})})
    run_sites([low], [frames[sites.index(tracker)]])
    assert "reach the ground at 60 degrees" in caplog.text


def test_bad_batches_are_model_errors(random_plants):
    sites, frames = random_plants
    with pytest.raises(ModelError, match="2 sites but 1 weather"):
        run_sites(sites[:2], frames[:1])
    with pytest.raises(ModelError, match="lacks column"):
        run_sites(sites[:1], [frames[0].drop(columns="dhi")])
    with pytest.raises(ModelError, match="same time"):
        run_sites(sites[:4], frames[:4], timeseries=True)


# ---------------------------------------------------------------------------------------
# kernels against pvlib


@pytest.fixture(scope="module")
def sun_sample():
    """Random Sun positions and planes, from the horizon to the zenith."""
    rng = np.random.default_rng(7)
    n = 3000
    zenith = rng.uniform(0, 95, n)
    zenith[:20] = 90.0
    return {
        "zenith": zenith, "azimuth": rng.uniform(0, 360, n),
        "tilt": rng.uniform(0, 90, n), "surface_azimuth": rng.uniform(0, 360, n),
        "dni": rng.uniform(0, 1000, n) * (rng.random(n) > 0.1),
        "dhi": rng.uniform(0, 400, n) * (rng.random(n) > 0.05),
        "ghi": rng.uniform(0, 1200, n), "dni_extra": rng.uniform(1320, 1410, n),
    }


def _sun_vector(zenith, azimuth):
    z, a = np.radians(zenith), np.radians(azimuth)
    return np.cos(z), np.sin(z), np.sin(a), np.cos(a)


def test_solar_position_matches_pvlib_spa():
    times = pd.date_range("2021-01-01 00:30", periods=8760, freq="h", tz="America/Santiago")
    lat = np.array([-45.0, -22.3, 0.0, 34.6, 60.0, 78.2])
    lon = np.array([-70.0, -69.6, 10.0, -118.1, 25.0, 15.6])
    elev = np.array([0.0, 1200.0, 4000.0, 770.0, 20.0, 10.0])
    zenith, azimuth = solar_position(times, lat, lon, elev)
    for i in range(len(lat)):
        ref = pvlib.solarposition.get_solarposition(
            times, lat[i], lon[i], altitude=elev[i],
            pressure=pvlib.atmosphere.alt2pres(elev[i]))
        np.testing.assert_allclose(zenith[:, i], ref["apparent_zenith"], atol=1e-9)
        gap = (azimuth[:, i] - ref["azimuth"].to_numpy() + 180) % 360 - 180
        assert np.abs(gap).max() < 1e-9


def test_perez_and_airmass_match_pvlib(sun_sample):
    s = sun_sample
    airmass = pvlib.atmosphere.get_relative_airmass(s["zenith"])
    ref = pvlib.irradiance.perez(s["tilt"], s["surface_azimuth"], s["dhi"], s["dni"],
                                 s["dni_extra"], s["zenith"], s["azimuth"], airmass)
    f1c, f2c = pvlib.irradiance._get_perez_coefficients("allsitescomposite1990")
    projection = pvlib.irradiance.aoi_projection(s["tilt"], s["surface_azimuth"],
                                                 s["zenith"], s["azimuth"])
    out = []
    for k in range(len(s["zenith"])):
        cz = math.cos(math.radians(s["zenith"][k]))
        am = kernels.relative_airmass(s["zenith"][k], cz)
        assert am == pytest.approx(airmass[k], rel=1e-12, nan_ok=True)
        f1, f2 = kernels.perez_factors(s["dhi"][k], s["dni"][k], s["dni_extra"][k],
                                       s["zenith"][k], am, f1c, f2c)
        t = math.radians(s["tilt"][k])
        out.append(kernels.perez_sky(s["dhi"][k], f1, f2, projection[k], cz, math.cos(t),
                                     math.sin(t), am))
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9, equal_nan=True)
    assert np.isnan(ref).any()  # pvlib's undefined clearness bin (dhi = dni = 0) is covered


def test_iam_matches_pvlib(sun_sample):
    a_r = 0.16
    norm = 1 - math.exp(-1 / a_r)
    aoi = np.linspace(0, 100, 501)
    beam = [kernels.martin_ruiz(math.cos(math.radians(x)), a_r, norm) for x in aoi]
    np.testing.assert_allclose(beam, pvlib.iam.martin_ruiz(aoi, a_r), atol=1e-12)
    tilts = np.concatenate([[0.0, 90.0, 180.0], sun_sample["tilt"][:200]])
    ref = pvlib.iam.martin_ruiz_diffuse(tilts, a_r)
    out = np.array([kernels.martin_ruiz_diffuse(t, a_r) for t in tilts])
    np.testing.assert_allclose(out[:, 0], ref["sky"], rtol=1e-12)
    np.testing.assert_allclose(out[:, 1], ref["ground"], rtol=1e-12)


def test_tracker_and_row_shading_match_pvlib(sun_sample):
    s = sun_sample
    for axis_tilt, axis_azimuth, backtrack, gcr in [(0, 180, True, 0.35), (8, 170, True, 0.5),
                                                    (0, 195, False, 0.3)]:
        site = np.zeros(1, dtype=kernels.SITE_DTYPE)[0]
        engine_fields = {
            "backtrack": backtrack, "gcr": gcr,
            "cos_max": math.cos(math.radians(55)), "sin_max": math.sin(math.radians(55)),
            "cos_axis_az": math.cos(math.radians(axis_azimuth)),
            "sin_axis_az": math.sin(math.radians(axis_azimuth)),
            "cos_axis_tilt": math.cos(math.radians(axis_tilt)),
            "sin_axis_tilt": math.sin(math.radians(axis_tilt)),
        }
        for key, value in engine_fields.items():
            site[key] = value
        ref = pvlib.tracking.singleaxis(s["zenith"], s["azimuth"], axis_tilt, axis_azimuth,
                                        55.0, backtrack, gcr)
        shade = pvlib.shading.shaded_fraction1d(
            s["zenith"], s["azimuth"], axis_azimuth, ref["tracker_theta"],
            collector_width=1.0, pitch=1.0 / gcr, axis_tilt=axis_tilt)
        cz, sz, sa, ca = _sun_vector(s["zenith"], s["azimuth"])
        up = s["zenith"] <= 90
        for k in np.flatnonzero(up)[:1500]:
            (tilt, _, _, az_sin, az_cos, cos_r, sin_r, sxp,
             szp) = kernels.tracker_orientation(sz[k] * sa[k], sz[k] * ca[k], cz[k],
                                                s["zenith"][k], site)
            assert tilt == pytest.approx(ref["surface_tilt"][k], abs=1e-9)
            assert math.degrees(math.atan2(sin_r, cos_r)) == pytest.approx(
                ref["tracker_theta"][k], abs=1e-9)
            if tilt > 1e-6:
                azimuth = math.degrees(math.atan2(az_sin, az_cos)) % 360
                assert azimuth == pytest.approx(ref["surface_azimuth"][k], abs=1e-7)
            if s["zenith"][k] < 89.99:  # on the horizon both are rounding noise
                f = kernels.shaded_fraction(sxp, szp, cos_r, sin_r, gcr)
                assert f == pytest.approx(np.nan_to_num(shade[k]), abs=1e-9)


def test_sheds_kernels_match_infinite_sheds(sun_sample):
    """Front masking and rear components against pvlib's infinite sheds, 1e-9 W/m^2."""
    s = sun_sample
    gcr, height, pitch, albedo = 0.4, 1.8, 2.3 / 0.4, 0.25
    ref = infinite_sheds.get_irradiance(
        s["tilt"], s["surface_azimuth"], s["zenith"], s["azimuth"], gcr, height, pitch,
        s["ghi"], s["dhi"], s["dni"], albedo, model="haydavies", dni_extra=s["dni_extra"],
        shade_factor=0.0, bifaciality=1.0)
    vf = rear_view_factors(180.0 - s["tilt"], gcr, height, pitch)
    cz, sz, sa, ca = _sun_vector(s["zenith"], s["azimuth"])
    projection = pvlib.irradiance.aoi_projection(s["tilt"], s["surface_azimuth"],
                                                 s["zenith"], s["azimuth"])
    t, az = np.radians(s["tilt"]), np.radians(s["surface_azimuth"])
    out = []
    for k in range(len(cz)):
        dhi_b, dni_b, tan_phi, f_gnd = kernels.sheds_sky(
            s["ghi"][k], s["dhi"][k], s["dni"][k], s["dni_extra"][k], cz[k], sz[k], sa[k],
            ca[k], math.cos(t[k]), math.sin(t[k]), math.sin(az[k]), math.cos(az[k]), gcr)
        back = kernels.rear_components(s["ghi"][k], dhi_b, dni_b, tan_phi, f_gnd,
                                       math.cos(t[k]), math.sin(t[k]), projection[k], gcr,
                                       albedo, vf[0, k], vf[1, k])
        front_ground = albedo * (f_gnd * (s["ghi"][k] - dhi_b) + vf[0, k] * dhi_b) * vf[2, k]
        front_sky = dhi_b * kernels.row_sky_view(math.cos(t[k]), gcr)
        out.append((*back, front_ground, front_sky))
    out = np.array(out)
    for column, name in enumerate(("poa_back_direct", "poa_back_sky_diffuse",
                                   "poa_back_ground_diffuse", "poa_front_ground_diffuse",
                                   "poa_front_sky_diffuse")):
        np.testing.assert_allclose(out[:, column], np.nan_to_num(ref[name]), rtol=1e-9,
                                   atol=1e-9, err_msg=name)


def test_perez_parts_and_spectral_match_pvlib(sun_sample):
    s = sun_sample
    airmass = pvlib.atmosphere.get_relative_airmass(s["zenith"])
    ref = pvlib.irradiance.perez(s["tilt"], s["surface_azimuth"], s["dhi"], s["dni"],
                                 s["dni_extra"], s["zenith"], s["azimuth"], airmass,
                                 return_components=True)
    f1c, f2c = pvlib.irradiance._get_perez_coefficients("allsitescomposite1990")
    projection = pvlib.irradiance.aoi_projection(s["tilt"], s["surface_azimuth"],
                                                 s["zenith"], s["azimuth"])
    out = []
    for k in range(len(s["zenith"])):
        cz = math.cos(math.radians(s["zenith"][k]))
        f1, f2 = kernels.perez_factors(s["dhi"][k], s["dni"][k], s["dni_extra"][k],
                                       s["zenith"][k], airmass[k], f1c, f2c)
        t = math.radians(s["tilt"][k])
        out.append(kernels.perez_parts(s["dhi"][k], f1, f2, projection[k], cz, math.cos(t),
                                       math.sin(t), airmass[k]))
    out = np.array(out)
    for column, name in enumerate(("poa_isotropic", "poa_circumsolar", "poa_horizon")):
        np.testing.assert_allclose(out[:, column], np.nan_to_num(ref[name]), rtol=1e-12,
                                   atol=1e-9, err_msg=name)
    rng = np.random.default_rng(11)
    pw, ama = rng.uniform(0, 9, 2000), rng.uniform(0.3, 14, 2000)
    ama[:10] = np.nan
    expected = np.nan_to_num(pvlib.spectrum.spectral_factor_firstsolar(pw, ama, "cdte"),
                             nan=1.0)
    ours = [kernels.spectral_firstsolar(p, a, kernels.FIRSTSOLAR_CDTE)
            for p, a in zip(pw, ama, strict=True)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


@pytest.mark.parametrize("gcr, height, width", [(0.35, 2.0, 2.4), (0.5, 1.5, 2.2),
                                                (0.25, 3.0, 4.4)])
def test_rear_view_factor_table_interpolates_within_1e6(gcr, height, width):
    table = rear_view_factor_table(gcr, height, width / gcr)
    back = np.random.default_rng(3).uniform(120, 180, 4000)
    exact = rear_view_factors(back, gcr, height, width / gcr)
    grid = kernels.TABLE_START_DEG + kernels.TABLE_STEP_DEG * np.arange(kernels.TABLE_SIZE)
    for column in range(kernels.TABLE_COLUMNS):
        interpolated = np.interp(back, grid, table[:, column])
        assert np.abs(interpolated - exact[column]).max() < 1e-6


def test_inverter_matches_pvlib():
    pdc = np.concatenate([[0.0], np.linspace(1e3, 1.6e6, 400)])
    pdc0, eta = 1e6 / 0.98, 0.98
    ref = pvlib.inverter.pvwatts(pdc, pdc0, eta, 0.9637)
    out = np.array([kernels.pvwatts_inverter(p, pdc0, eta * pdc0, eta / 0.9637) for p in pdc])
    np.testing.assert_allclose(out[:, 1], ref, rtol=1e-12)
    assert (out[:, 0] >= out[:, 1]).all() and out[-1, 0] > out[-1, 1]


# ---------------------------------------------------------------------------------------
# estimate and the command line


def test_estimate_with_the_batch_engine_gives_the_same_figures(ceme1_path, ceme1_result,
                                                               mauriti_path, mauriti_result):
    # the fixtures are estimates with the default engine, the compiled one
    for path, result in ((ceme1_path, ceme1_result), (mauriti_path, mauriti_result)):
        ref = estimate(path, engine="reference")
        assert result.annual_energy_gwh == pytest.approx(ref.annual_energy_gwh, rel=1e-6)
        assert result.performance_ratio == pytest.approx(ref.performance_ratio, rel=1e-6)
        pd.testing.assert_frame_equal(result.monthly, ref.monthly, rtol=1e-6)
        # trackers read view factors from tables (error < 1e-6): 1e-5 percentage points
        pd.testing.assert_frame_equal(result.losses, ref.losses, rtol=1e-6, atol=1e-5)
        # without time series: they are computed when read, the reference's again
        pd.testing.assert_frame_equal(result.timeseries, ref.timeseries, rtol=1e-6,
                                      atol=1e-3)
    with pytest.raises(ValueError, match="valid: batch, reference"):
        estimate(ceme1_path, engine="fast")


def test_cli_engine_batch_prints_the_same_report(ceme1_path, mauriti_path, capsys):
    assert main(["estimate", str(ceme1_path), str(mauriti_path)]) == 0
    reference = capsys.readouterr().out
    assert main(["estimate", str(ceme1_path), str(mauriti_path), "--engine",
                 "reference"]) == 0
    assert capsys.readouterr().out == reference
