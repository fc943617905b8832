"""Time the batch engine against pvlib ModelChain, PySAM PVWatts v8 and the reference path.

One command runs every case on the same machine, each in a fresh child process (so that
each peak memory is its own), on the same N distinct sites with hourly weather:

(a) a loop of pvlib ``ModelChain.run_model`` with equivalent models,
(b) a loop of PySAM ``Pvwattsv8`` with equivalent settings,
(c) a loop of pvyield's reference path (``pvyield.model.chain.run_chain``),
(d) the batch engine in one process (``pvyield.model.engine.run_sites``),
(e) the batch engine on a two-worker Dask ``LocalCluster``,
(f) the batch engine on a larger number of site-years, for peak memory.

The loops (a)-(c) run on the first ``--loop-sites`` sites only (they take minutes on all of
them); every figure is per site-year, so the rates compare directly.

Sites: three bundled hourly weather files (Palmdale TMY3, an NSRDB PSM3 TMY and an
Explorador Solar TMY of northern Chile), each site moved up to 1 degree from its file's
place and given its own weather by scaling irradiance (0.9-1.1), shifting air temperature
(-3 to +3 °C) and scaling wind speed (0.7-1.3); 60 % horizontal single-axis trackers with
backtracking, 40 % fixed racks facing the equator; monofacial, DC/AC 1.1-1.4, 2 % soiling.
Weather and site objects are built before the clock starts, in every case.

Run from the repository root::

    .venv/bin/pip install -e '.[bench,dask]'
    .venv/bin/python benchmarks/run_benchmark.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BASE_FILES = [
    ("CA-Palmdale_Airport.tmy3", "tmy3", None, "America/Los_Angeles"),
    ("CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv", "nsrdb_csv", None, "America/Santiago"),
    ("CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv", "sam_csv", "center",
     "America/Santiago"),
]
CASES = {
    "a": "pvlib ModelChain loop",
    "b": "PySAM Pvwattsv8 loop",
    "c": "pvyield reference path loop",
    "d": "pvyield engine, 1 process",
    "e": "pvyield engine, Dask 2 workers",
    "f": "pvyield engine, memory run",
}


# ---------------------------------------------------------------------------------------
# inputs, identical in every child process


def base_weather():
    """The bundled files: (frame, latitude, longitude, elevation, zone) each."""
    from pvyield.weather import read_weather_file

    out = []
    for name, fmt, label, zone in BASE_FILES:
        frame, meta = read_weather_file(ROOT / "weather" / name, fmt, label)
        out.append((frame, meta.latitude, meta.longitude, meta.elevation_m, zone))
    return out


class SiteWeather:
    """Weather of site i, made on demand: a base file scaled and shifted per site."""

    def __init__(self, n: int, seed: int = 1):
        self.bases = base_weather()
        rng = np.random.default_rng(seed)
        # row by row, so that site i gets the same weather whatever n is
        self.factors = rng.uniform([0.9, -3.0, 0.7], [1.1, 3.0, 1.3], size=(n, 3))
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> pd.DataFrame:
        frame = self.bases[i % len(self.bases)][0]
        irr, dtemp, wind = self.factors[i]
        values = frame[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].to_numpy() * [
            irr, irr, irr, 1.0, wind] + [0.0, 0.0, 0.0, dtemp, 0.0]
        return pd.DataFrame(values, index=frame.index,
                            columns=["ghi", "dni", "dhi", "temp_air", "wind_speed"])


def make_sites(n: int, seed: int = 2):
    """N distinct monofacial plants near the base files' places."""
    from pvyield.site.schema import Site

    bases = base_weather()
    rng = np.random.default_rng(seed)
    sites = []
    for i in range(n):
        _, lat, lon, elev, zone = bases[i % len(bases)]
        lat, lon = lat + rng.uniform(-1, 1), lon + rng.uniform(-1, 1)
        dc = rng.uniform(10, 300)
        if rng.random() < 0.6:
            mounting = {"type": "single_axis", "gcr": rng.uniform(0.3, 0.45),
                        "max_angle_deg": rng.uniform(55, 60), "backtrack": True}
        else:
            mounting = {"type": "fixed", "orientations": [{
                "tilt_deg": abs(lat) * 0.8 + rng.uniform(-5, 5),
                "azimuth_deg": 180.0 if lat > 0 else 0.0}]}
        sites.append(Site.model_validate({
            "name": f"site {i}", "country": "XX", "latitude": lat, "longitude": lon,
            "elevation_m": elev + rng.uniform(-100, 100), "timezone": zone,
            "plant": {"dc_capacity_mwp": dc, "ac_capacity_mwac": dc / rng.uniform(1.1, 1.4),
                      "mounting": mounting},
            "weather": {"file": "unused.csv", "format": "tmy3"},
        }, strict=False))
    return sites


# ---------------------------------------------------------------------------------------
# the cases; each returns annual AC energies [kWh/yr] of the sites it ran


def run_modelchain(sites, weather) -> list[float]:
    """(a) pvlib ModelChain with the chain's models where ModelChain has them."""
    from pvlib import pvsystem
    from pvlib.location import Location
    from pvlib.modelchain import ModelChain

    from pvyield.model.chain import CELL_ABSORPTANCE, INVERTER_ETA_REF

    energies = []
    for site, frame in zip(sites, weather, strict=True):
        plant, losses, mount = site.plant, site.losses, site.plant.mounting
        if mount.type == "single_axis":
            pv_mount = pvsystem.SingleAxisTrackerMount(
                mount.axis_tilt_deg, mount.axis_azimuth_deg, mount.max_angle_deg,
                mount.backtrack, mount.gcr)
        else:
            o = mount.orientations[0]
            pv_mount = pvsystem.FixedMount(o.tilt_deg, o.azimuth_deg)
        array = pvsystem.Array(
            pv_mount, albedo=plant.albedo,
            module_parameters={"pdc0": plant.dc_capacity_mwp * 1e6,
                               "gamma_pdc": plant.gamma_pdc_pct_per_c / 100,
                               "a_r": plant.iam_a_r},
            temperature_model_parameters={
                "u_c": plant.thermal.u_c, "u_v": plant.thermal.u_v,
                "module_efficiency": plant.module_efficiency_pct / 100,
                "alpha_absorption": CELL_ABSORPTANCE})
        eta = losses.inverter_efficiency_pct / 100
        system = pvsystem.PVSystem(
            arrays=[array],
            inverter_parameters={"pdc0": plant.ac_capacity_mwac * 1e6 / eta,
                                 "eta_inv_nom": eta, "eta_inv_ref": INVERTER_ETA_REF},
            losses_parameters={"soiling": losses.soiling_pct, "mismatch": losses.mismatch_pct,
                               "wiring": losses.dc_wiring_pct, "lid": losses.lid_pct,
                               "shading": 0, "snow": 0, "connections": 0,
                               "nameplate_rating": 0, "age": 0, "availability": 0})
        location = Location(site.latitude, site.longitude, site.timezone, site.elevation_m)
        mc = ModelChain(system, location, aoi_model="martin_ruiz", spectral_model="no_loss",
                        temperature_model="pvsyst", transposition_model="perez",
                        dc_model="pvwatts", ac_model="pvwatts", losses_model="pvwatts")
        mc.run_model(frame)
        ac = np.nansum(mc.results.ac.to_numpy()) * (1 - losses.ac_losses_pct / 100) * (
            losses.availability_pct / 100)
        energies.append(ac / 1e3)  # hourly W -> kWh
    return energies


def run_pysam(sites, weather) -> list[float]:
    """(b) PySAM PVWatts v8 with the same plant, losses and albedo."""
    from PySAM import Pvwattsv8

    stamps: dict[int, dict[str, list]] = {}
    energies = []
    for site, frame in zip(sites, weather, strict=True):
        index = frame.index
        if id(index) not in stamps:  # calendar columns of a shared index, made once
            stamps[id(index)] = {
                "tz": index[0].utcoffset().total_seconds() / 3600,
                "year": index.year.tolist(), "month": index.month.tolist(),
                "day": index.day.tolist(), "hour": index.hour.tolist(),
                "minute": index.minute.tolist()}
        plant, losses, mount = site.plant, site.losses, site.plant.mounting
        model = Pvwattsv8.new()
        model.SolarResource.solar_resource_data = {
            **stamps[id(index)], "lat": site.latitude, "lon": site.longitude,
            "elev": site.elevation_m, "dn": frame["dni"].tolist(),
            "df": frame["dhi"].tolist(), "gh": frame["ghi"].tolist(),
            "tdry": frame["temp_air"].tolist(), "wspd": frame["wind_speed"].tolist()}
        model.SolarResource.use_wf_albedo = 0
        model.SolarResource.albedo_default = plant.albedo
        design = model.SystemDesign
        design.system_capacity = plant.dc_capacity_mwp * 1e3
        design.dc_ac_ratio = plant.dc_ac_ratio
        if mount.type == "single_axis":
            design.array_type, design.tilt, design.azimuth = 3, 0, mount.axis_azimuth_deg
            design.gcr, design.rotlim = mount.gcr, mount.max_angle_deg
        else:
            o = mount.orientations[0]
            design.array_type, design.tilt, design.azimuth = 0, o.tilt_deg, o.azimuth_deg
        kept = np.prod([1 - p / 100 for p in (losses.mismatch_pct, losses.dc_wiring_pct,
                                              losses.lid_pct, losses.ac_losses_pct,
                                              100 - losses.availability_pct)])
        design.losses = (1 - kept) * 100
        design.soiling = losses.soiling_monthly_pct()
        design.inv_eff = losses.inverter_efficiency_pct
        design.module_type, design.bifaciality = 0, 0.0
        model.Lifetime.analysis_period = 1
        model.execute(0)
        energies.append(model.Outputs.annual_energy)
    return energies


def run_reference(sites, weather) -> list[float]:
    """(c) pvyield's per-site reference chain on pvlib."""
    from pvyield.model.chain import run_chain

    energies = []
    for site, frame in zip(sites, weather, strict=True):
        out = run_chain(site, frame)
        energies.append(out.stage_energy_kwh["availability"] / out.years)
    return energies


def run_engine(sites, weather) -> list[float]:
    """(d, f) the batch engine in this process."""
    from pvyield.model.engine import run_sites

    return run_sites(sites, weather)["annual_energy"].values.tolist()


def _prepare_part(start: int, stop: int, n: int):
    """On a worker: its share of the sites and their weather, and warm kernels."""
    weather = SiteWeather(n)
    sites = make_sites(stop)[start:stop]  # site i does not depend on how many follow
    frames = [weather[i] for i in range(start, stop)]
    run_engine(sites[:2], frames[:2])
    return sites, frames


def _run_part(part) -> tuple[list[float], float, float]:
    """On a worker: the engine on its share; annual energies, peak memory, CPU time."""
    sites, frames = part
    cpu = time.process_time()
    energies = run_engine(sites, frames)
    return energies, peak_rss_mb(), time.process_time() - cpu


def run_dask(n_sites: int) -> tuple[list[float], float, float, list[float]]:
    """(e) the engine on a 2-worker LocalCluster, inputs prepared on the workers first."""
    from dask.distributed import Client, LocalCluster, wait

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        workers = sorted(client.scheduler_info()["workers"])
        half = n_sites // 2
        bounds = [(0, half), (half, n_sites)]
        parts = [client.submit(_prepare_part, a, b, n_sites, workers=[w], pure=False)
                 for (a, b), w in zip(bounds, workers, strict=True)]
        wait(parts)
        t0 = time.perf_counter()
        runs = [client.submit(_run_part, part, workers=[w], pure=False)
                for part, w in zip(parts, workers, strict=True)]
        results = client.gather(runs)
        seconds = time.perf_counter() - t0
    energies = [e for part in results for e in part[0]]
    return energies, seconds, max(part[1] for part in results), [part[2] for part in results]


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MiB] (Linux reports kiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Resident memory of this process now [MiB]."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(case: str, n_sites: int, loop_sites: int) -> dict:
    """Run one case in this process and report it."""
    if case == "e":
        energies, seconds, worker_peak, worker_cpu = run_dask(n_sites)
        return {"case": case, "site_years": n_sites, "seconds": seconds,
                "peak_mb": worker_peak, "worker_cpu": worker_cpu,
                "energies": energies[:loop_sites]}
    n = loop_sites if case in "abc" else n_sites
    weather = SiteWeather(n)
    sites = make_sites(n)
    # (f) keeps the weather lazy: frames are made block by block, as a study would read them
    frames = weather if case == "f" else [weather[i] for i in range(n)]
    run = {"a": run_modelchain, "b": run_pysam, "c": run_reference, "d": run_engine,
           "f": run_engine}[case]
    run(sites[:2], [weather[0], weather[1]])  # warm up: imports, compiled kernels, caches
    inputs_mb = current_rss_mb()  # after the warm-up, before the clock
    t0 = time.perf_counter()
    energies = run(sites, frames)
    seconds = time.perf_counter() - t0
    return {"case": case, "site_years": n, "seconds": seconds, "peak_mb": peak_rss_mb(),
            "inputs_mb": inputs_mb, "energies": energies[:loop_sites]}


# ---------------------------------------------------------------------------------------
# the parent: one child per case, then the table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000, help="distinct sites (d, e)")
    parser.add_argument("--loop-sites", type=int, default=40,
                        help="sites of the loops (a)-(c), the first of the same list")
    parser.add_argument("--memory-site-years", type=int, default=10000,
                        help="site-years of the memory run (f)")
    parser.add_argument("--cases", default="abcdef", help="which cases to run")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        n = args.memory_site_years if args.case == "f" else args.sites
        print(json.dumps(child(args.case, n, args.loop_sites)))
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the start")
    print(f"sites: {args.sites} distinct, hourly weather (8760 h); loops (a)-(c) on the "
          f"first {args.loop_sites} of them; memory run (f) on {args.memory_site_years} "
          "site-years; every case in its own process, all in this run\n")
    results = {}
    for case in args.cases:
        command = [sys.executable, __file__, "--case", case, "--sites", str(args.sites),
                   "--loop-sites", str(args.loop_sites),
                   "--memory-site-years", str(args.memory_site_years)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"({case}) failed:\n{done.stderr[-2000:]}")
            return 1
        results[case] = json.loads(done.stdout.strip().splitlines()[-1])
        r = results[case]
        print(f"  ran ({case}) {CASES[case]}: {r['site_years']} site-years in "
              f"{r['seconds']:.2f} s", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other work shares the cores)")
    print(report(results, args.loop_sites))
    return 0


def report(results: dict, loop_sites: int) -> str:
    base = results.get("a")
    base_ms = base["seconds"] / base["site_years"] * 1e3 if base else None
    lines = [f"{'case':<36}{'site-years':>11}{'time s':>9}{'site-years/s':>14}"
             f"{'ms/site-year':>14}{'vs (a)':>9}{'peak MiB':>10}"]
    for case, r in results.items():
        ms = r["seconds"] / r["site_years"] * 1e3
        ratio = f"{base_ms / ms:8.1f}x" if base_ms else "        -"
        lines.append(f"({case}) {CASES[case]:<32}{r['site_years']:>11}{r['seconds']:>9.2f}"
                     f"{1e3 / ms:>14.1f}{ms:>14.3f}{ratio}{r['peak_mb']:>10.0f}")
    lines.append("    time: wall clock of the model runs, inputs built before; (e) from "
                 "submitting to gathering, peak MiB of one worker; (f) makes each site's "
                 "weather on demand inside the run")
    if "e" in results:
        lines.append("    (e): CPU time of the two workers " + " and ".join(
            f"{c:.2f} s" for c in results["e"]["worker_cpu"]) + "; wall clock beyond the "
            "larger is scheduling, transfer and time the cores gave to other work")
    lines.append("    peak MiB: the process's peak resident memory, inputs included; "
                 "after building the inputs: " + ", ".join(
                     f"({c}) {r['inputs_mb']:.0f} MiB" for c, r in results.items()
                     if r.get("inputs_mb")))
    if "d" in results:
        engine = np.array(results["d"]["energies"][:loop_sites])
        lines.append("")
        lines.append(f"annual AC energy of the engine (d) against, on the first {loop_sites} "
                     "sites:")
        notes = {
            "c": "same chain: differences are rounding",
            "a": "ModelChain applies the IAM to beam only (the chain also applies Martin-Ruiz "
                 "diffuse IAM to sky and ground diffuse); trackers: no row-shading model "
                 "(backtracking leaves almost none)",
            "b": "PVWatts v8: Fuentes-NOCT cell temperature (chain: PVsyst/Faiman), "
                 "air-glass Fresnel IAM (chain: Martin-Ruiz), its own sun position and "
                 "Perez implementation and self-shading model",
        }
        for case in ("c", "a", "b"):
            if case in results:
                other = np.array(results[case]["energies"])
                diff = (engine / other - 1) * 100
                lines.append(f"  ({case}) mean {diff.mean():+.3f} %, range {diff.min():+.3f} "
                             f"to {diff.max():+.3f} %  [{notes[case]}]")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
