"""pvyield against plain pvlib ModelChain with PVWatts' default losses, on the validation corpus.

For every plant of ``sites/validation/`` (or the folders/files given), on the same weather
frame (``pvyield.weather.weather_for_site``: the same TMY3 year, stamps at interval centres,
air temperature moved to the site's elevation):

- **pvyield**: ``pvyield.validate`` (the project's chain and loss defaults);
- **ModelChain**: ``pvlib.modelchain.ModelChain.with_pvwatts`` (pvlib's PVWatts
  configuration: PVWatts DC and inverter, physical IAM, no spectral loss, SAPM cell
  temperature with pvlib's ``open_rack_glass_polymer`` parameters, Perez transposition,
  NREL SPA sun position, Kasten-Young airmass) with the same DC and AC capacities,
  temperature coefficient, albedo, mounting, tilt, azimuth, GCR, tracker limits and
  backtracking, and
  ``pvlib.pvsystem.pvwatts_losses()`` at its defaults (14.08 %: soiling 2, shading 3,
  mismatch 2, wiring 2, connections 0.5, LID 1.5, nameplate 1, availability 3 %). The PVWatts
  inverter gets ``pdc0 = AC capacity / 0.96`` so that its AC limit
  (``eta_inv_nom x pdc0``, eta_inv_nom = 0.96 by default) is the plant's AC capacity.

Both first-year figures are multiplied by the same degradation mean of the measured years
(``pvyield.results.checks.operating_years_factor``) before they are set against the
measured figure. Deviation = modelled / measured - 1; bias, MAPE, RMSE as in
``pvyield.validate``.

Run from the repository root (about half a minute)::

    .venv/bin/python benchmarks/validate_vs_modelchain.py [PATHS...] [--markdown FILE]

``--spectral`` prints instead, for the CdTe plants, the annual First Solar spectral factor
(Lee & Panchula 2016) of pvyield's chain beside the same factor computed with pvlib directly,
from three precipitable-water inputs: the one the chain is given (the weather frame's
``precipitable_water``, here the TMY3 file's ``Pwat`` column; Gueymard 1994 from temperature
and humidity when a file has none), Gueymard (1994) from the frame's temperature and humidity,
and the 1.42 cm of the ASTM G173 reference spectrum. Annual factors are weighted by the
plane-of-array irradiance (isotropic transposition on the site's fixed plane or backtracking
tracker).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from pvlib.location import Location
from pvlib.modelchain import ModelChain
from pvlib.pvsystem import Array, FixedMount, PVSystem, SingleAxisTrackerMount
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

import pvyield
from pvyield.model import chain as pvyield_chain
from pvyield.results.checks import operating_years_factor, scope_factor
from pvyield.site.blocks import block_sites
from pvyield.site.schema import FixedMount as SiteFixedMount
from pvyield.site.schema import Site
from pvyield.validation import ENERGY_METRICS, deviation_stats, mounting_label, validate
from pvyield.weather import weather_for_site, weather_path

#: PVWatts' default nominal inverter efficiency in pvlib.inverter.pvwatts [-].
ETA_INV_NOM = 0.96
TEMPERATURE = TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]


def modelchain_first_year_gwh(site: Site) -> float:
    """Annual AC energy of plain ModelChain with PVWatts defaults [GWh/yr].

    A plant of blocks (``plant.blocks``) is one PVSystem and ModelChain per block, each with
    its own mounting, DC and its own inverter (AC), on the same weather, summed: the blocks
    pvyield sees (:func:`pvyield.site.blocks.block_sites`), each run as a plant of one
    mounting is."""
    frame, _ = weather_for_site(site)
    return sum(_modelchain_gwh(part, frame) for part in block_sites(site))


def _modelchain_gwh(site: Site, frame: pd.DataFrame) -> float:
    """:func:`modelchain_first_year_gwh` of a plant of one mounting on a weather frame."""
    # the site's albedo, as pvyield uses it (a weather column would override it in ModelChain)
    weather = frame[["ghi", "dni", "dhi", "temp_air", "wind_speed"]]
    plant = site.plant
    dc_w = plant.dc_capacity_mwp * 1e6
    gamma = plant.gamma_pdc_pct_per_c / 100.0
    mount = plant.mounting
    if isinstance(mount, SiteFixedMount):
        arrays = [Array(FixedMount(o.tilt_deg, o.azimuth_deg), albedo=plant.albedo,
                        module_parameters={"pdc0": dc_w * o.share, "gamma_pdc": gamma},
                        temperature_model_parameters=TEMPERATURE, name=f"orientation {i}")
                  for i, o in enumerate(mount.orientations)]
    else:
        tracker = SingleAxisTrackerMount(axis_tilt=mount.axis_tilt_deg,
                                         axis_azimuth=mount.axis_azimuth_deg,
                                         max_angle=mount.max_angle_deg,
                                         backtrack=mount.backtrack, gcr=mount.gcr)
        arrays = [Array(tracker, albedo=plant.albedo,
                        module_parameters={"pdc0": dc_w, "gamma_pdc": gamma},
                        temperature_model_parameters=TEMPERATURE)]
    system = PVSystem(arrays=arrays,
                      inverter_parameters={"pdc0": plant.ac_capacity_mwac * 1e6 / ETA_INV_NOM},
                      losses_parameters={})  # {} -> pvwatts_losses() defaults
    location = Location(site.latitude, site.longitude, tz=str(frame.index.tz),
                        altitude=site.elevation_m)
    chain = ModelChain.with_pvwatts(system, location)
    chain.run_model(weather)
    ac_w = chain.results.ac.clip(lower=0.0)
    hours = len(ac_w) * (frame.index[1] - frame.index[0]) / pd.Timedelta("1h")
    return float(ac_w.sum()) * (8760.0 / hours) / 1e9  # hourly W -> GWh per year


def cdte_spectral_check(site: Site) -> dict[str, float]:
    """Annual First Solar spectral factors of a CdTe site, pvyield's and pvlib's [-].

    Each factor is weighted by the plane-of-array irradiance; night hours (factor undefined)
    carry no weight. ``pw_*_cm`` are daytime means of the precipitable water [cm].
    """
    frame, meta = weather_for_site(site)
    raw, _ = pvlib.iotools.read_tmy3(weather_path(site, meta), map_variables=True)
    if len(raw) != len(frame):
        raise ValueError(f"{site.name}: TMY3 rows and weather frame differ in length")
    solpos = pvyield_chain.solar_position(frame.index, site)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    am_abs = pvlib.atmosphere.get_absolute_airmass(
        airmass, pvlib.atmosphere.alt2pres(site.elevation_m)).to_numpy()
    # a plant of blocks: the blocks' plane-of-array irradiance weighted by their DC shares
    poa = np.zeros(len(frame))
    for mount, share in site.plant.mounting_shares():
        if isinstance(mount, SiteFixedMount):
            tilt, azimuth = mount.orientations[0].tilt_deg, mount.orientations[0].azimuth_deg
        else:
            tracker = pvlib.tracking.singleaxis(
                solpos["apparent_zenith"], solpos["azimuth"], axis_tilt=mount.axis_tilt_deg,
                axis_azimuth=mount.axis_azimuth_deg, max_angle=mount.max_angle_deg,
                backtrack=mount.backtrack, gcr=mount.gcr)
            tilt = tracker["surface_tilt"].fillna(0.0)
            azimuth = tracker["surface_azimuth"].fillna(180.0)
        poa += share * pvlib.irradiance.get_total_irradiance(
            tilt, azimuth, solpos["apparent_zenith"], solpos["azimuth"], frame["dni"],
            frame["ghi"], frame["dhi"], albedo=site.plant.albedo,
            model="isotropic")["poa_global"].fillna(0.0).to_numpy()

    def weighted(factor) -> float:
        f = np.asarray(factor, dtype=float)
        ok = np.isfinite(f) & (poa > 0)
        return float((f[ok] * poa[ok]).sum() / poa[ok].sum())

    def firstsolar(pw) -> np.ndarray:
        return pvlib.spectrum.spectral_factor_firstsolar(np.asarray(pw, dtype=float), am_abs,
                                                         module_type="cdte")

    pw_gueymard = pvlib.atmosphere.gueymard94_pw(frame["temp_air"].to_numpy(),
                                                 frame["relative_humidity"].to_numpy())
    pw_tmy3 = raw["precipitable_water"].to_numpy()
    chain_factor = pvyield_chain.spectral_factor("cdte", frame, airmass, site.elevation_m)
    # pvlib on the precipitable water the chain is given: the weather frame's column when the
    # file has one, else Gueymard (1994) from temperature and humidity
    pw_used = (frame["precipitable_water"].to_numpy() if "precipitable_water" in frame
               else pw_gueymard)
    direct = firstsolar(pw_used)
    day = frame["ghi"].to_numpy() > 0
    both = np.isfinite(direct)
    return {"pvyield": weighted(chain_factor.to_numpy()),
            "pvlib_same_pw": weighted(direct),
            "pvlib_gueymard": weighted(firstsolar(pw_gueymard)),
            "max_abs_diff": float(np.abs(chain_factor.to_numpy()[both] - direct[both]).max()),
            "pvlib_tmy3_pwat": weighted(firstsolar(pw_tmy3)),
            "pvlib_1p42cm": weighted(firstsolar(np.full(len(frame), 1.42))),
            "pw_gueymard_cm": float(pw_gueymard[day].mean()),
            "pw_tmy3_cm": float(pw_tmy3[day].mean())}


def spectral_markdown(paths: list[Path] | None) -> str:
    """Table of :func:`cdte_spectral_check` for the CdTe plants of the corpus."""
    folder = paths if paths else [Path("sites/validation")]
    files = sorted(f for p in folder for f in (p.glob("*.yaml") if p.is_dir() else [p]))
    lines = ["| plant | mounting | pvyield | pvlib, same PW | max abs diff | "
             "pvlib, Gueymard PW | pvlib, 1.42 cm | PW Gueymard / TMY3 [cm] |",
             "|---|---|---|---|---|---|---|---|"]
    for path in files:
        site = pvyield.load_site(path)
        if site.plant.module_technology != "cdte":
            continue
        c = cdte_spectral_check(site)
        kind = mounting_label(site)
        lines.append(f"| {site.name} | {kind} | {c['pvyield']:.4f} | {c['pvlib_same_pw']:.4f} "
                     f"| {c['max_abs_diff']:.1e} | {c['pvlib_gueymard']:.4f} | "
                     f"{c['pvlib_1p42cm']:.4f} | {c['pw_gueymard_cm']:.2f} / "
                     f"{c['pw_tmy3_cm']:.2f} |")
    return "\n".join(lines) + "\n"


def compare(paths: list[Path] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-plant table and the statistics of both."""
    ours = validate(paths)
    rows = []
    for row in ours.table.itertuples():
        site = pvyield.load_site(row.path)
        reported = next(r for r in site.reported
                        if r.basis == "measured" and r.metric in ENERGY_METRICS)
        factor = operating_years_factor(reported, site.losses.degradation_pct_per_year)
        mc = modelchain_first_year_gwh(site) * factor * scope_factor(site, reported)
        rows.append({"plant": row.plant, "mounting": row.mounting,
                     "technology": row.technology, "measured_gwh": row.measured_gwh,
                     "pvyield_gwh": row.modelled_gwh, "modelchain_gwh": mc,
                     "pvyield_dev_pct": row.deviation_pct,
                     "modelchain_dev_pct": (mc / row.measured_gwh - 1.0) * 100.0})
    table = pd.DataFrame(rows)
    groups = {("all", "all"): table}
    for column in ("mounting", "technology"):
        groups.update({(column, v): part for v, part in table.groupby(column)})
    stats = []
    for (group, value), part in groups.items():
        a = deviation_stats(part["pvyield_gwh"], part["measured_gwh"])
        b = deviation_stats(part["modelchain_gwh"], part["measured_gwh"])
        stats.append({"plants": "all" if group == "all" else f"{group}: {value}",
                      "n": a["n"],
                      **{f"pvyield_{k}": v for k, v in a.items() if k != "n"},
                      **{f"modelchain_{k}": v for k, v in b.items() if k != "n"}})
    return table, pd.DataFrame(stats)


def markdown(table: pd.DataFrame, stats: pd.DataFrame) -> str:
    lines = ["| plant | mounting | technology | measured GWh/yr | pvyield GWh/yr | deviation | "
             "ModelChain (PVWatts 14 %) GWh/yr | deviation |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.plant} | {r.mounting} | {r.technology} | {r.measured_gwh:,.1f} | "
              f"{r.pvyield_gwh:,.1f} | {r.pvyield_dev_pct:+.1f} % | {r.modelchain_gwh:,.1f} | "
              f"{r.modelchain_dev_pct:+.1f} % |" for r in table.itertuples()]
    lines += ["", "| plants | n | pvyield bias | MAPE | RMSE | ModelChain bias | MAPE | RMSE |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {s.plants} | {s.n} | {s.pvyield_bias_pct:+.1f} % | {s.pvyield_mape_pct:.1f} % "
              f"| {s.pvyield_rmse_pct:.1f} % | {s.modelchain_bias_pct:+.1f} % | "
              f"{s.modelchain_mape_pct:.1f} % | {s.modelchain_rmse_pct:.1f} % |"
              for s in stats.itertuples()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="site files or folders "
                        "(default: sites/validation)")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    parser.add_argument("--spectral", action="store_true",
                        help="print the CdTe spectral check instead (see the module docstring)")
    args = parser.parse_args(argv)
    if args.spectral:
        print(spectral_markdown(args.paths or None))
        return 0
    table, stats = compare(args.paths or None)
    text = markdown(table, stats)
    print(f"pvyield {pvyield.__version__}, pvlib {pvlib.__version__}; pvwatts_losses() = "
          f"{pvlib.pvsystem.pvwatts_losses():.2f} %\n")
    print(text)
    if args.markdown is not None:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
