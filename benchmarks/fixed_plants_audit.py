"""Why the fixed plants of the validation corpus read low: the chain audited stage by stage.

For the five fixed-tilt First Solar plants of ``sites/validation/`` (and, for contrast, the
trackers that share a weather station with one of them) this script recomputes each stage of
pvyield's reference chain (:func:`pvyield.model.chain.run_chain`) that differs between fixed
racks and trackers, beside pvlib called directly on the same inputs, and the sensitivity of
the estimate to the inputs that are assumed:

1. transposition: pvyield's front plane-of-array irradiance against
   :func:`pvlib.irradiance.get_total_irradiance` (Perez 1990) called here, and the spread of
   pvlib's other sky models (isotropic, Hay-Davies, Perez-Driesse) on the same plane;
2. beam row shading: pvyield's linear beam loss against
   :func:`pvlib.shading.shaded_fraction1d` called here; the upper bound "all beam lost
   whenever any part of the row is shaded" shows how far a non-linear electrical response
   could move it (First Solar's own PlantPredict defaults CdTe modules to a linear shading
   response);
3. front row masking (sky diffuse and ground-reflected light): pvyield's shading + masking
   loss against :func:`pvlib.bifacial.infinite_sheds.get_irradiance`'s ``poa_front`` over the
   unmasked Hay-Davies plane of array (both include the beam shading);
4. clipping: pvyield's clipping loss against :func:`pvlib.inverter.pvwatts` on pvyield's DC
   power, and at EIA's AC nameplate (USPVDB ``p_cap_ac``) instead of the project's MWac;
5. cell temperature: the site's PVsyst model against pvlib's SAPM ``open_rack_glass_glass``
   (King et al. 2004, frameless glass-glass modules on open racks) and Faiman's default
   coefficients, each through PVWatts DC power;
6. weather: each fixed plant run on a second TMY3 station of the repository, and the TMY3
   files' own GHI uncertainty column and source years;
7. tilt and GCR: the estimate at the other tilts the sources give and at the USPVDB-derived
   GCR bound.

Run from the repository root (about a minute)::

    .venv/bin/python benchmarks/fixed_plants_audit.py

Numbers are first-year AC energy of the reference chain, at pvyield's defaults; no input is
changed in the site files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from pvlib.bifacial import infinite_sheds

from pvyield.model import chain
from pvyield.site import load_site
from pvyield.site.schema import Site
from pvyield.weather import place_at_site, weather_for_site
from pvyield.weather.readers import read_weather_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "sites" / "validation"
FIXED = ("agua-caliente", "antelope-valley-solar-ranch-one", "desert-sunlight",
         "moapa-southern-paiute", "topaz-solar-farm")
#: trackers on the same TMY3 station as a fixed plant (station -> tracker site file)
PAIRS = {"desert-sunlight": "mccoy-solar", "topaz-solar-farm": "california-valley-solar-ranch",
         "antelope-valley-solar-ranch-one": "solar-star"}
#: trackers run on the station of a fixed plant that no tracker shares (tracker -> fixed)
SWAPS = {"silver-state-south": "moapa-southern-paiute", "mccoy-solar": "agua-caliente"}
#: a second TMY3 station in the repository for each fixed plant (the next nearest one kept)
SECOND_STATION = {
    "agua-caliente": "weather/validation/AZ-Luke_Afb.tmy3",
    "antelope-valley-solar-ranch-one": "weather/CA-Palmdale_Airport.tmy3",
    "desert-sunlight": "weather/CA-Palm_Springs_Thermal_Ap.tmy3",
    "moapa-southern-paiute": "weather/validation/NV-Las_Vegas_Mccarran_Intl_Ap.tmy3",
    "topaz-solar-farm": "weather/CA-San_Luis_Co_Rgnl.tmy3",
}
#: tilts stated by a source for the plant (USPVDB releases, Fitch note), besides the file's
OTHER_TILTS = {"agua-caliente": (15.0, 20.0), "antelope-valley-solar-ranch-one": (30.0,),
               "desert-sunlight": (22.0, 30.0), "moapa-southern-paiute": (25.0,),
               "topaz-solar-farm": (20.0, 30.0)}
#: GCR bound from USPVDB footprints (sites/validation/README.md, "GCR, checked")
GCR_BOUND = {"agua-caliente": 0.51, "antelope-valley-solar-ranch-one": 0.49,
             "desert-sunlight": 0.53, "moapa-southern-paiute": 0.59, "topaz-solar-farm": 0.52}
SAPM_GLASS_GLASS = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][
    "open_rack_glass_glass"]


def _gwh(out: chain.ChainOutput) -> float:
    return out.stage_energy_kwh["availability"] / 1e6 / out.years


def _loss_pct(after: float, before: float) -> float:
    return (after / before - 1.0) * 100.0


def with_tilt_gcr(site: Site, tilt: float | None = None, gcr: float | None = None) -> Site:
    """The site with another fixed tilt and/or GCR (no other change)."""
    mount = site.plant.mounting
    orientations = [o.model_copy(update={"tilt_deg": tilt}) if tilt is not None else o
                    for o in mount.orientations]
    mount = mount.model_copy(update={"orientations": orientations,
                                     "gcr": gcr if gcr is not None else mount.gcr})
    return site.model_copy(update={"plant": site.plant.model_copy(update={"mounting": mount})})


def with_ac(site: Site, ac_mw: float) -> Site:
    """The site with another AC capacity."""
    return site.model_copy(update={"plant": site.plant.model_copy(
        update={"ac_capacity_mwac": ac_mw})})


def eia_ac_mw(site: Site) -> float | None:
    """EIA AC nameplate of the plant as USPVDB v3.0 lists it (sum over its EIA plants)."""
    names = {"Agua Caliente Solar Project": ["Agua Caliente"],
             "Antelope Valley Solar Ranch One": ["AV Solar Ranch"],
             "Desert Sunlight Solar Farm": None,  # only one of its two units is listed
             "Moapa Southern Paiute Solar Project": ["Moapa Southern Paiute"],
             "Topaz Solar Farm": ["Topaz"]}.get(site.name)
    if not names:
        return None
    with open(CORPUS / "uspvdb_v3_0_20250430-extract.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if any(n in r["p_name"] for n in names)]
    return sum(float(r["p_cap_ac"]) for r in rows) if rows else None


def stage_audit(site: Site, frame: pd.DataFrame) -> dict[str, float]:
    """Per fixed plant: each audited stage in pvyield and in pvlib called directly."""
    out = chain.run_chain(site, frame)
    e = out.stage_energy_kwh
    solpos = chain.solar_position(frame.index, site)
    dni_extra = pvlib.irradiance.get_extra_radiation(frame.index)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    o = site.plant.mounting.orientations[0]
    gcr = site.plant.mounting.gcr
    plane = chain.planes(site, solpos)[0]
    tilt, azimuth = o.tilt_deg, o.azimuth_deg
    zen, azi = solpos["apparent_zenith"], solpos["azimuth"]
    row: dict[str, float] = {"ghi_kwh_m2": frame["ghi"].sum() / 1e3 / out.years}

    # (1) transposition: pvyield's front POA against pvlib called here, and other sky models
    front = chain.front_irradiance(plane, solpos, frame, site.plant.albedo, dni_extra, airmass)
    poa = {}
    for model in ("perez", "isotropic", "haydavies", "perez-driesse"):
        total = pvlib.irradiance.get_total_irradiance(
            tilt, azimuth, zen, azi, frame["dni"], frame["ghi"], frame["dhi"],
            dni_extra=dni_extra, airmass=airmass, albedo=site.plant.albedo, model=model)
        poa[model] = total["poa_global"].fillna(0.0).clip(lower=0.0)
    row["poa_over_ghi"] = front["poa_global"].sum() / frame["ghi"].sum()
    row["poa_max_abs_diff_w_m2"] = float((front["poa_global"] - poa["perez"]).abs().max())
    for model in ("isotropic", "haydavies", "perez-driesse"):
        row[f"poa_{model}_vs_perez_pct"] = _loss_pct(poa[model].sum(), poa["perez"].sum())
    row["diffuse_fraction_of_poa_pct"] = 100 * (
        front["poa_sky_diffuse"].sum() + front["poa_ground_diffuse"].sum()
    ) / front["poa_global"].sum()

    # (2) beam row shading: pvyield's linear loss, pvlib's shaded fraction called here
    fraction = pd.Series(pvlib.shading.shaded_fraction1d(
        zen, azi, (azimuth - 90.0) % 360, tilt, collector_width=1.0, pitch=1.0 / gcr,
    ), index=frame.index).fillna(0.0).clip(0.0, 1.0)
    beam = front["poa_direct"]
    row["shading_pvyield_pct"] = _loss_pct(e["shading"], e["transposition"])
    row["shading_pvlib_linear_pct"] = -100 * (beam * fraction).sum() / poa["perez"].sum()
    row["shading_all_beam_lost_bound_pct"] = -100 * beam[fraction > 0].sum() / poa[
        "perez"].sum()
    lit = beam > 0
    row["shaded_beam_hours_pct"] = 100 * (lit & (fraction > 0)).sum() / lit.sum()

    # (3) front masking: pvyield shading + masking against infinite sheds (Hay-Davies)
    sheds = infinite_sheds.get_irradiance(
        tilt, azimuth, zen, azi, gcr, plane.height_m, plane.collector_width_m / gcr,
        frame["ghi"], frame["dhi"], frame["dni"], site.plant.albedo, model="haydavies",
        dni_extra=dni_extra, iam_front=1.0, iam_back=1.0, bifaciality=0.0)
    row["masking_pvyield_pct"] = _loss_pct(e["row_masking"], e["shading"])
    row["shading_masking_pvyield_pct"] = _loss_pct(e["row_masking"], e["transposition"])
    row["shading_masking_sheds_pct"] = _loss_pct(sheds["poa_front"].fillna(0).sum(),
                                                 poa["haydavies"].sum())
    row["iam_pvyield_pct"] = _loss_pct(e["iam"], e["row_masking"])
    # beam IAM alone: the site's Martin-Ruiz against pvlib's physical (Fresnel) default
    aoi = front["aoi"]
    unshaded_beam = beam * (1.0 - fraction)
    for name, iam in (("martin_ruiz", pvlib.iam.martin_ruiz(aoi, site.plant.iam_a_r)),
                      ("physical", pvlib.iam.physical(aoi))):
        row[f"beam_iam_{name}_pct"] = -100 * (unshaded_beam * (1 - iam.fillna(0))).sum() / (
            unshaded_beam.sum())
    row["temperature_pvyield_pct"] = _loss_pct(e["temperature"], e["rear_losses"])

    # (4) clipping: pvlib's PVWatts inverter on pvyield's DC power, against pvyield's
    # energy after clipping (the energy before clipping is pvyield's inverter stage)
    dc_net = out.timeseries["p_dc"].to_numpy()
    eta = site.losses.inverter_efficiency_pct / 100.0
    pac0 = site.plant.ac_capacity_mwac * 1e6
    clipped = pvlib.inverter.pvwatts(dc_net, pac0 / eta, eta, chain.INVERTER_ETA_REF)
    dt_h = out.years * 8760.0 / len(frame)
    row["dc_ac"] = site.plant.dc_capacity_mwp / site.plant.ac_capacity_mwac
    row["clipping_pvyield_pct"] = _loss_pct(e["clipping"], e["inverter"])
    row["clipping_pvlib_pct"] = _loss_pct(np.sum(clipped) * dt_h / 1e3, e["inverter"])
    row["clipped_hours_per_year"] = float((clipped >= pac0 * (1 - 1e-9)).sum() / out.years)

    # (5) cell temperature: PVsyst (site) against SAPM glass-glass open rack and Faiman
    thermal = front["poa_global"]  # the unmasked POA for all three models alike
    t_air, wind = frame["temp_air"], frame["wind_speed"]
    temps = {
        "pvsyst": pvlib.temperature.pvsyst_cell(
            thermal, t_air, wind, u_c=site.plant.thermal.u_c, u_v=site.plant.thermal.u_v,
            module_efficiency=site.plant.module_efficiency_pct / 100,
            alpha_absorption=chain.CELL_ABSORPTANCE),
        "sapm_glass_glass": pvlib.temperature.sapm_cell(thermal, t_air, wind,
                                                        **SAPM_GLASS_GLASS),
        "faiman": pvlib.temperature.faiman(thermal, t_air, wind),
    }
    gamma = site.plant.gamma_pdc_pct_per_c / 100
    dc = {k: pvlib.pvsystem.pvwatts_dc(thermal, t, 1.0, gamma).sum() for k, t in temps.items()}
    for k, t in temps.items():
        row[f"tcell_{k}_c"] = float((t * thermal).sum() / thermal.sum())
    for k in ("sapm_glass_glass", "faiman"):
        row[f"dc_{k}_vs_pvsyst_pct"] = _loss_pct(dc[k], dc["pvsyst"])
    row["energy_gwh"] = _gwh(out)
    row["yield_kwh_per_kwp"] = row["energy_gwh"] * 1e6 / (site.plant.dc_capacity_mwp * 1e3)
    return row


def sensitivities(stem: str, site: Site, frame: pd.DataFrame, base_gwh: float
                  ) -> dict[str, float]:
    """(4) EIA AC, (6) second station, (7) tilt and GCR: change of the first-year energy."""
    row: dict[str, float] = {}
    ac = eia_ac_mw(site)
    if ac is not None and abs(ac - site.plant.ac_capacity_mwac) > 0.5:
        row[f"AC {ac:g} MW (EIA)"] = _loss_pct(_gwh(chain.run_chain(with_ac(site, ac), frame)),
                                               base_gwh)
    path = ROOT / SECOND_STATION[stem]
    other, meta = read_weather_file(path, "tmy3")
    other, meta = place_at_site(other, meta, site, meta.elevation_m)
    row[f"weather {path.stem} ({meta.distance_km:.0f} km)"] = _loss_pct(
        _gwh(chain.run_chain(site, other)), base_gwh)
    for tilt in OTHER_TILTS[stem]:
        row[f"tilt {tilt:g}"] = _loss_pct(_gwh(chain.run_chain(with_tilt_gcr(site, tilt=tilt),
                                                               frame)), base_gwh)
    row[f"GCR {GCR_BOUND[stem]:g}"] = _loss_pct(
        _gwh(chain.run_chain(with_tilt_gcr(site, gcr=GCR_BOUND[stem]), frame)), base_gwh)
    return row


def tmy3_facts(path: Path) -> dict[str, str]:
    """Annual GHI, its irradiance-weighted stated uncertainty, and the source years."""
    raw = pd.read_csv(path, skiprows=1)
    ghi = raw["GHI (W/m^2)"]
    years = pd.to_datetime(raw["Date (MM/DD/YYYY)"], format="%m/%d/%Y").dt.year
    return {"ghi_kwh_m2": f"{ghi.sum() / 1e3:,.0f}",
            "ghi_uncertainty_pct": f"{(raw['GHI uncert (%)'] * ghi).sum() / ghi.sum():.1f}",
            "dni_uncertainty_pct": f"{(raw['DNI uncert (%)'] * raw['DNI (W/m^2)']).sum() / raw['DNI (W/m^2)'].sum():.1f}",  # noqa: E501
            "source_years": f"{years.min()}-{years.max()}"}


def main() -> int:
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    rows, sens = {}, {}
    for stem in FIXED:
        site = load_site(CORPUS / f"{stem}.yaml")
        frame, _ = weather_for_site(site)
        rows[site.name] = stage_audit(site, frame)
        sens[site.name] = sensitivities(stem, site, frame, rows[site.name]["energy_gwh"])
    table = pd.DataFrame(rows)
    print("Stages of the fixed plants, pvyield against pvlib called directly "
          "(losses in % of the stage before):")
    print(table.round(3).to_string())
    print("\nFirst-year energy change [%] with an input the sources leave open:")
    for name, row in sens.items():
        print(f"  {name}: " + "; ".join(f"{k} {v:+.1f}" for k, v in row.items()))
    print("\nPlants on the same TMY3 station (modelled first-year kWh/kWp, from run_chain):")
    for fixed, tracker in PAIRS.items():
        sites = [load_site(CORPUS / f"{s}.yaml") for s in (fixed, tracker)]
        yields = []
        for s in sites:
            frame, _ = weather_for_site(s)
            yields.append(_gwh(chain.run_chain(s, frame)) * 1e6
                          / (s.plant.dc_capacity_mwp * 1e3))
        print(f"  {sites[0].name} {yields[0]:,.0f} | {sites[1].name} {yields[1]:,.0f} | "
              f"tracked/fixed {yields[1] / yields[0]:.3f}")
    print("\nTrackers run on a fixed plant's station (first-year energy change [%]):")
    for tracker, fixed in SWAPS.items():
        site = load_site(CORPUS / f"{tracker}.yaml")
        frame, _ = weather_for_site(site)
        base = _gwh(chain.run_chain(site, frame))
        station = (CORPUS / load_site(CORPUS / f"{fixed}.yaml").weather.file).resolve()
        other, meta = read_weather_file(station, "tmy3")
        other, meta = place_at_site(other, meta, site, meta.elevation_m)
        print(f"  {site.name} on {station.stem} ({meta.distance_km:.0f} km): "
              f"{_loss_pct(_gwh(chain.run_chain(site, other)), base):+.1f}")
    print("\nTMY3 files of the fixed plants (irradiance-weighted stated uncertainty):")
    for stem in FIXED:
        site = load_site(CORPUS / f"{stem}.yaml")
        path = (CORPUS / site.weather.file).resolve()
        print(f"  {path.name}: {tmy3_facts(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
