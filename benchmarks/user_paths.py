"""Time the user paths end to end, side by side with a pvlib ModelChain loop.

What a user runs, from a fresh process each (imports, numba's cached kernels, weather,
writing the results included):

- ``pvyield batch`` on 1,000 Brazilian municipal seats x 2 designs (a subset of
  ``benchmarks/brazil-screening``, every fifth seat), in one process, with ``--workers 1``
  and with ``--workers 2`` (forced);
- ``pvyield batch sites/example-batch.yaml`` (2 plants x 16 designs);
- ``pvyield estimate`` of the bundled plants with and without the reconciliation.

Against: a loop of pvlib ``ModelChain.run_model`` with the chain's models where ModelChain
has them (as in ``run_benchmark.py``; monofacial, one array per fixed orientation) on
hourly weather made before the clock starts, for the same designs. Also: where the time of a
batch chunk goes (site validation, synthetic years from the LABREN atlas, the weather
gate, the engine and the records), measured in process on a sample of seats; with
``--full``, the whole screening (11,138 runs) in one process and on two workers.

Run from the repository root: ``.venv/bin/python benchmarks/user_paths.py [--full]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCREENING = ROOT / "benchmarks" / "brazil-screening"
PVYIELD = str(Path(sys.executable).with_name("pvyield"))


def subset_study(folder: Path, seats: int) -> Path:
    """The screening study on every fifth seat (``seats`` of them) in ``folder``."""
    with open(SCREENING / "municipalities.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:][::5][:seats]
    with open(folder / "municipalities.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *body])
    shutil.copy(SCREENING / "template.yaml", folder / "template.yaml")
    text = (SCREENING / "screening.yaml").read_text(encoding="utf-8")
    text = text.replace("name: Brazil screening, LABREN municipal seats",
                        f"name: Brazil screening, {len(body)} seats")
    (folder / "screening.yaml").write_text(text, encoding="utf-8")
    return folder / "screening.yaml"


def timed(args: list[str], cwd: Path = ROOT) -> float:
    """Wall clock of a fresh ``pvyield`` process [s]; stops on failure (exit 0 or 3: some
    runs refused is a result)."""
    return timed_cpu(args, cwd)[0]


def timed_cpu(args: list[str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """Wall clock, user and system CPU time [s] of a fresh ``pvyield`` process and of
    every process it started (Dask's workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([PVYIELD, *args], cwd=cwd, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 3):
        sys.exit(f"pvyield {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def modelchain_energy(site, frame) -> float:
    """Annual AC energy [kWh] of one run with pvlib ModelChain (monofacial)."""
    from pvlib import pvsystem
    from pvlib.location import Location
    from pvlib.modelchain import ModelChain

    from pvyield.model.chain import CELL_ABSORPTANCE, INVERTER_ETA_REF

    plant, losses, mount = site.plant, site.losses, site.plant.mounting
    module = {"pdc0": 0.0, "gamma_pdc": plant.gamma_pdc_pct_per_c / 100, "a_r": plant.iam_a_r}
    thermal = {"u_c": plant.thermal.u_c, "u_v": plant.thermal.u_v,
               "module_efficiency": plant.module_efficiency_pct / 100,
               "alpha_absorption": CELL_ABSORPTANCE}
    pdc0 = plant.dc_capacity_mwp * 1e6
    if mount.type == "single_axis":
        mounts = [(pvsystem.SingleAxisTrackerMount(
            mount.axis_tilt_deg, mount.axis_azimuth_deg, mount.max_angle_deg, mount.backtrack,
            mount.gcr), 1.0)]
    else:
        total = sum(o.share for o in mount.orientations)
        mounts = [(pvsystem.FixedMount(o.tilt_deg, o.azimuth_deg), o.share / total)
                  for o in mount.orientations]
    arrays = [pvsystem.Array(m, albedo=plant.albedo,
                             module_parameters={**module, "pdc0": pdc0 * share},
                             temperature_model_parameters=thermal) for m, share in mounts]
    eta = losses.inverter_efficiency_pct / 100
    system = pvsystem.PVSystem(
        arrays=arrays,
        inverter_parameters={"pdc0": plant.ac_capacity_mwac * 1e6 / eta, "eta_inv_nom": eta,
                             "eta_inv_ref": INVERTER_ETA_REF},
        losses_parameters={"soiling": losses.soiling_pct, "mismatch": losses.mismatch_pct,
                           "wiring": losses.dc_wiring_pct, "lid": losses.lid_pct,
                           "shading": 0, "snow": 0, "connections": 0, "nameplate_rating": 0,
                           "age": 0, "availability": 0})
    location = Location(site.latitude, site.longitude, site.timezone, site.elevation_m)
    mc = ModelChain(system, location, aoi_model="martin_ruiz", spectral_model="no_loss",
                    temperature_model="pvsyst", transposition_model="perez",
                    dc_model="pvwatts", ac_model="pvwatts", losses_model="pvwatts")
    mc.run_model([frame] * len(arrays) if len(arrays) > 1 else frame)
    ac = mc.results.ac
    return float(np.nansum(ac.to_numpy())) * (1 - losses.ac_losses_pct / 100) * (
        losses.availability_pct / 100) / 1e3


def study_runs(path: Path, limit: int | None = None):
    """(site, weather frame) of the ok runs of a study, the weather made now."""
    from pvyield.batch import load_scenario
    from pvyield.batch.runner import run_specs
    from pvyield.site import site_from_mapping
    from pvyield.weather import weather_for_sites

    specs = [s for chunk in run_specs(load_scenario(path)) for s in chunk
             if s.mapping is not None][:limit]
    sites = [site_from_mapping(s.mapping, source=s.path) for s in specs]
    weather = weather_for_sites(sites)
    return [(site, w[0]) for site, w in zip(sites, weather, strict=True)
            if not isinstance(w, BaseException)]


def modelchain_ms(runs) -> tuple[float, float]:
    """Milliseconds per run of the ModelChain loop, weather made before: wall clock and
    this process's CPU time (less sensitive than the wall clock to other work on the
    cores)."""
    start, cpu = time.perf_counter(), time.process_time()
    for site, frame in runs:
        modelchain_energy(site.model_copy(update={}), frame)
    return ((time.perf_counter() - start) / len(runs) * 1e3,
            (time.process_time() - cpu) / len(runs) * 1e3)


#: The parts of a batch chunk timed by :func:`chunk_split`: functions of
#: ``pvyield.batch.runner`` and what they do.
CHUNK_PARTS = {"site_from_mapping": "site validation", "_weather": "synthetic year",
               "_gated": "weather gate", "_engine_records": "engine and records"}


def chunk_split(path: Path, seats: int) -> dict[str, float]:
    """Seconds per run of each part of a batch chunk (:data:`CHUNK_PARTS`) and in all
    (``"total"``), in process, on the first ``seats`` seats of a study (two designs each),
    after a chunk of other seats (as in a batch past its first chunk: tables read, the
    Sun's terms of the stamps kept)."""
    from pvyield.batch import load_scenario, runner
    from pvyield.model.engine import warm_up

    warm_up()
    every = [s for chunk in runner.run_specs(load_scenario(path)) for s in chunk]
    runner.run_chunk(every[2 * seats:4 * seats])
    spent = dict.fromkeys(CHUNK_PARTS, 0.0)
    originals = {name: getattr(runner, name) for name in CHUNK_PARTS}

    def timed_part(name):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return call

    specs = every[:2 * seats]
    try:
        for name in CHUNK_PARTS:
            setattr(runner, name, timed_part(name))
        start = time.perf_counter()
        runner.run_chunk(specs)
        total = time.perf_counter() - start
    finally:
        for name, function in originals.items():
            setattr(runner, name, function)
    return {**{name: s / len(specs) for name, s in spent.items()},
            "total": total / len(specs)}


def estimate_in_process(path: Path, repeat: int = 5) -> tuple[float, float]:
    """Median seconds of an estimate alone and of an estimate with its reconciliation
    (weather read before), in a warm process; the Sun's terms of the weather's stamps are
    forgotten before each, as in a user's first estimate."""
    import pvyield
    from pvyield.model.engine import clear_time_bases
    from pvyield.reconcile import reconcile
    from pvyield.weather import weather_for_site

    site = pvyield.load_site(path)
    weather = weather_for_site(site)
    reconcile(pvyield.estimate(site, weather), weather=weather)
    alone, both = [], []
    for _ in range(repeat):
        clear_time_bases()
        start = time.perf_counter()
        result = pvyield.estimate(site, weather)
        alone.append(time.perf_counter() - start)
        reconcile(result, weather=weather)
        both.append(time.perf_counter() - start)
    return statistics.median(alone), statistics.median(both)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=1000)
    parser.add_argument("--mc-runs", type=int, default=40,
                        help="runs of the ModelChain loops (default 40)")
    parser.add_argument("--full", action="store_true",
                        help="also run the whole screening (11,138 runs) in one process "
                             "and on two workers")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)  # weather warnings of the in-process cases
    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} at the start")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        study = subset_study(folder, args.seats)
        n_brazil = 2 * args.seats
        # numba's cache and the weather tables warm, as for a user's second run
        timed(["estimate", "sites/ceme1.yaml", "--no-reconcile", "--quiet"])
        batch = timed_cpu(["batch", str(study), "--out", str(folder / "a.nc")])
        rows.append(("pvyield batch, 1 process", n_brazil, batch))
        w1 = timed_cpu(["batch", str(study), "--out", str(folder / "w1.nc"), "--workers",
                        "1", "--force-workers"])
        rows.append(("pvyield batch --workers 1", n_brazil, w1))
        w2 = timed_cpu(["batch", str(study), "--out", str(folder / "w2.nc"), "--workers",
                        "2", "--force-workers"])
        rows.append(("pvyield batch --workers 2", n_brazil, w2))
        example = timed_cpu(["batch", "sites/example-batch.yaml", "--out",
                             str(folder / "e.nc")])
        rows.append(("pvyield batch example study", 32, example))
        brazil_runs = study_runs(study, args.mc_runs)
        mc_brazil = modelchain_ms(brazil_runs)
        example_runs = study_runs(ROOT / "sites" / "example-batch.yaml")
        mc_example = modelchain_ms(example_runs[:args.mc_runs])
        split = chunk_split(study, 100)
        est = {}
        for name in ("ceme1", "mauriti"):
            est[name] = (
                timed(["estimate", f"sites/{name}.yaml", "--no-reconcile", "--quiet"]),
                timed(["estimate", f"sites/{name}.yaml", "--quiet"]),
                timed(["estimate", f"sites/{name}.yaml", "--quiet", "--engine", "reference"]),
                *estimate_in_process(ROOT / "sites" / f"{name}.yaml"))
        full = {}
        if args.full:
            for label, extra in (("one process", []), ("--workers 2", ["--workers", "2"])):
                full[label] = timed_cpu(["batch", str(SCREENING / "screening.yaml"), "--out",
                                         str(folder / "full.nc"), *extra])
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work shares the cores)\n")
    print(f"{'case':40s} {'runs':>6s} {'wall s':>8s} {'ms/run':>8s} {'vs ModelChain':>14s}"
          f" {'user s':>7s} {'sys s':>6s} {'CPU ms/run':>10s} {'vs MC, CPU':>10s}")
    for label, runs, (seconds, user, system) in rows:
        ms, cpu_ms = seconds / runs * 1e3, (user + system) / runs * 1e3
        mc, mc_cpu = mc_example if "example" in label else mc_brazil
        print(f"{label:40s} {runs:6d} {seconds:8.2f} {ms:8.2f} {mc / ms:13.1f}x"
              f" {user:7.1f} {system:6.1f} {cpu_ms:10.2f} {mc_cpu / cpu_ms:9.1f}x")
    print(f"{'pvlib ModelChain loop, Brazil designs':40s} {len(brazil_runs):6d} "
          f"{'':8s} {mc_brazil[0]:8.2f} {1.0:13.1f}x {'':7s} {'':6s} {mc_brazil[1]:10.2f}"
          "   (weather made before)")
    print(f"{'pvlib ModelChain loop, example designs':40s} "
          f"{min(len(example_runs), args.mc_runs):6d} {'':8s} {mc_example[0]:8.2f} "
          f"{1.0:13.1f}x {'':7s} {'':6s} {mc_example[1]:10.2f}   (weather made before; "
          "monofacial)")
    print(f"\nworkers: 1 -> 2 speed-up {w1[0] / w2[0]:.2f}x, one process -> 2 workers "
          f"{batch[0] / w2[0]:.2f}x (wall clock, cluster start included); user and system "
          "CPU of the command and every process it started")
    parts = ", ".join(f"{label} {split[name] * 1e3:.2f}" for name, label in CHUNK_PARTS.items())
    other = split["total"] - sum(split[name] for name in CHUNK_PARTS)
    print(f"a chunk in process, 100 seats x 2 designs: {split['total'] * 1e3:.2f} ms/run = "
          f"{parts}, other {other * 1e3:.2f} ms/run (the synthetic year is made once per "
          "seat for its two designs)")
    print("\nestimate (fresh process, wall s: alone / with reconciliation / reference engine "
          "with reconciliation; in a warm process, median s: alone / with reconciliation)")
    for name, (alone, rec, ref, warm, warm_rec) in est.items():
        print(f"  {name:8s} {alone:6.2f} / {rec:6.2f} / {ref:6.2f}   warm {warm:6.3f} / "
              f"{warm_rec:6.3f}  (reconciliation x{warm_rec / warm:.2f})")
    if full:
        print()
    for label, (seconds, user, system) in full.items():
        print(f"full screening, 11,138 runs, {label}: {seconds:.1f} s wall clock "
              f"({seconds / 11138 * 1e3:.2f} ms/run), {user:.1f} s user, {system:.1f} s "
              "system CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
