"""Batch studies: expansion, failures, resume, atomic output, serial == distributed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import xarray as xr
import yaml

import pvyield
from pvyield.batch import (
    compare,
    load_scenario,
    open_results,
    read_dataset,
    run_batch,
    summary_frame,
    write_dataset,
)
from pvyield.batch import dataset as dataset_module
from pvyield.batch import runner as runner_module
from pvyield.batch.dataset import scenario_parameters
from pvyield.batch.scenario import expand_matrix
from pvyield.cli import main
from pvyield.model import STAGES

from .conftest import SITES

CEME1 = str(SITES / "ceme1.yaml")
MAURITI = str(SITES / "mauriti.yaml")


def write_scenario(tmp_path, name="study.yaml", **fields):
    data = {"name": "test study", "sites": [CEME1], "matrix": {}, **fields}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def same_results(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


def test_matrix_expands_to_the_cartesian_product():
    designs = expand_matrix({"plant.bifaciality": [0.0, 0.7],
                             "plant.mounting": {"as-built": None, "tracker": {"x": 1}},
                             "losses.soiling_pct": [1, 2, 3]})
    assert len(designs) == 12
    assert designs[0].name == "bifaciality=0.0,mounting=as-built,soiling_pct=1"
    assert "plant.mounting" not in designs[0].overrides  # null keeps the site's own value
    assert designs[-1].overrides["plant.mounting"] == {"x": 1}


def test_each_design_changes_what_it_says(tmp_path):
    path = write_scenario(tmp_path, matrix={"losses.soiling_pct": [0.0, 5.0]})
    ds = run_batch(path)
    clean, dirty = ds["annual_energy_gwh"].sel(site="CEME1").to_numpy()
    assert dirty < clean
    # the 0 % soiling run equals a direct estimate (reference chain) with the same change
    site = pvyield.load_site(CEME1)
    direct = pvyield.estimate(site.model_copy(
        update={"losses": site.losses.model_copy(update={"soiling_pct": 0.0})}))
    assert clean == pytest.approx(direct.annual_energy_gwh, rel=1e-6)
    reference = run_batch(path, engine="reference")["annual_energy_gwh"].sel(site="CEME1")
    np.testing.assert_allclose(reference, [clean, dirty], rtol=1e-6)


def test_invalid_combination_and_bad_site_are_reported_not_dropped(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\nlatitude: 95\n", encoding="utf-8")
    path = write_scenario(tmp_path, sites=[CEME1, str(bad)],
                          matrix={"plant.bifaciality": [0.0, 0.7],
                                  "plant.mounting.gcr": {"as-built": None, "dense": 0.6,
                                                         "huge": 1.5}})
    ds = run_batch(path)
    assert ds.sizes == {"site": 2, "scenario": 6, "month": 12, "stage": len(STAGES)}
    status = ds["status"].to_pandas()
    assert (status.loc["broken"] == "invalid").all()
    assert "latitude" in str(ds["error"].sel(site="broken").to_numpy()[0])
    huge = [s for s in ds.scenario.to_numpy() if "gcr=huge" in s]
    assert (status.loc["CEME1", huge] == "invalid").all()
    assert "gcr" in str(ds["error"].sel(site="CEME1", scenario=huge[0]).item())
    good = [s for s in ds.scenario.to_numpy() if "gcr=huge" not in s]
    assert (status.loc["CEME1", good] == "ok").all()
    assert np.isfinite(ds["annual_energy_gwh"].sel(site="CEME1", scenario=good)).all()


def test_undefined_weather_source_is_a_scenario_error(tmp_path):
    path = write_scenario(tmp_path, matrix={"weather_source": ["site", "nsrdb"]})
    with pytest.raises(pvyield.SiteError, match=r"nsrdb.*not defined"):
        load_scenario(path)


def test_netcdf_round_trip_keeps_values_and_units(tmp_path):
    path = write_scenario(tmp_path, sites=[CEME1, MAURITI],
                          matrix={"plant.bifaciality": [0.0, 0.7]})
    ds = run_batch(path)
    out = tmp_path / "results.nc"
    write_dataset(ds, out)
    back = read_dataset(out)
    xr.testing.assert_identical(ds, back)
    assert back["annual_energy_gwh"].attrs["units"] == "GWh/yr"
    assert back["capacity_factor_ac"].attrs["units"] == "1"
    assert back.attrs["Conventions"] == "CF-1.10"
    frame = summary_frame(back)
    assert len(frame) == 4 and set(frame["status"]) == {"ok"}


def test_interrupted_batch_resumes_without_recomputing(tmp_path, monkeypatch):
    path = write_scenario(tmp_path, sites=[CEME1, MAURITI], chunk_size=1,
                          matrix={"plant.bifaciality": [0.0, 0.7]})
    cache = tmp_path / "parts"
    calls = []
    real = runner_module.run_chunk

    def interrupted_after_one(specs, engine):
        if calls:
            raise KeyboardInterrupt
        calls.append(specs[0].site)
        return real(specs, engine)

    monkeypatch.setattr(runner_module, "run_chunk", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_batch(path, cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 1

    computed = []
    monkeypatch.setattr(runner_module, "run_chunk",
                        lambda specs, engine: computed.append(specs[0].site) or real(specs, engine))
    resumed = run_batch(path, cache_dir=cache, resume=True)
    assert computed == ["Mauriti"]  # CEME1 came from the cache
    same_results(resumed, run_batch(path))


def test_killed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    path = write_scenario(tmp_path)
    ds = run_batch(path)
    out = tmp_path / "results.nc"
    write_dataset(ds, out)
    before = out.read_bytes()

    def dies_half_way(ds, target):
        with open(target, "wb") as fh:
            fh.write(b"CDF\x01 truncated")
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset_module, "_write_netcdf", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(ds, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc", "study.yaml"]


def test_netcdf_is_the_file_xarray_writes_and_needs_no_scheduler(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\n", encoding="utf-8")  # text in the error variable
    ds = run_batch(write_scenario(tmp_path, sites=[CEME1, str(bad)],
                                  matrix={"plant.bifaciality": [0.0, 0.7]}))
    write_dataset(ds, tmp_path / "written.nc")
    # what the writer wrote before: xarray's to_netcdf with the same engine and encoding
    ds.to_netcdf(tmp_path / "xarray.nc", engine="netcdf4",
                 encoding={name: {"dtype": str} for name in dataset_module.TEXT_VARIABLES})
    assert (tmp_path / "written.nc").read_bytes() == (tmp_path / "xarray.nc").read_bytes()
    # a dataset read back (with its file's encoding) is written as to_netcdf writes it too
    back = read_dataset(tmp_path / "written.nc")
    write_dataset(back, tmp_path / "again.nc")
    back.to_netcdf(tmp_path / "again-xarray.nc", engine="netcdf4",
                   encoding={name: {"dtype": str} for name in dataset_module.TEXT_VARIABLES})
    assert (tmp_path / "again.nc").read_bytes() == (tmp_path / "again-xarray.nc").read_bytes()
    # in a fresh process, writing arrays in memory does not start on Dask's distributed
    done = subprocess.run([sys.executable, "-c", (
        "import sys\n"
        "from pvyield.batch import read_dataset, write_dataset\n"
        f"ds = read_dataset({str(tmp_path / 'written.nc')!r})\n"
        f"write_dataset(ds, {str(tmp_path / 'fresh.nc')!r})\n"
        "print('distributed' in sys.modules)\n")],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert (tmp_path / "fresh.nc").read_bytes() == (tmp_path / "again.nc").read_bytes()


def test_netcdf_written_by_xarray_when_its_store_lock_has_moved(tmp_path, monkeypatch):
    # the store's lock is xarray's internal name: an xarray without it still gets the file
    import builtins

    real_import = builtins.__import__

    def lock_moved(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "xarray.backends.netCDF4_" and "NETCDF4_PYTHON_LOCK" in (fromlist or ()):
            raise ImportError("cannot import name 'NETCDF4_PYTHON_LOCK'")
        return real_import(name, globals, locals, fromlist, level)

    ds = run_batch(write_scenario(tmp_path))
    write_dataset(ds, tmp_path / "store.nc")
    monkeypatch.setattr(builtins, "__import__", lock_moved)
    write_dataset(ds, tmp_path / "public.nc")
    assert (tmp_path / "public.nc").read_bytes() == (tmp_path / "store.nc").read_bytes()


def test_compare_flags_designs_whose_rank_changes_with_the_weather():
    ds = xr.Dataset(
        {"specific_yield_kwh_per_kwp": (("site", "scenario"), [[2000.0, 1900.0, 1800.0,
                                                                1950.0]]),
         "status": (("site", "scenario"), [["ok"] * 4])},
        coords={"site": ["A"], "scenario": ["a,x", "b,x", "a,y", "b,y"],
                "design": ("scenario", ["a", "b", "a", "b"]),
                "weather_source": ("scenario", ["x", "x", "y", "y"])})
    result = compare(ds)
    assert set(result.unstable["design"]) == {"a", "b"}
    assert result.spread.set_index("design").loc["a", "spread_pct"] == pytest.approx(
        200 / 1900 * 100)
    ranking = result.ranking.set_index("design")
    assert ranking.loc["b", "rank"] == 1  # mean 1925 beats 1900


@pytest.fixture(scope="module")
def cluster():
    # the local cluster `pvyield batch --workers 2` starts (no dashboard, as without
    # --progress)
    with pvyield.batch._client(None, 2, None, False) as client:
        yield client


def test_local_cluster_workers_are_set_up_for_batch_work(cluster):
    import dask

    parent = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    # Dask's nanny would set it (65536): glibc's mmap threshold then stops adapting
    assert set(cluster.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {parent}
    assert set(cluster.run(dask.config.get, "distributed.worker.profile.enabled").values()) \
        == {False}
    assert set(cluster.run(dask.config.get, "distributed.admin.tick.interval").values()) \
        == {"1s"}
    # no dashboard without progress: the scheduler's HTTP server has no status page
    port = cluster.scheduler_info()["services"]["dashboard"]
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10)
    info = cluster.scheduler_info()["workers"].values()
    assert len(info) == 2 and all(w["nthreads"] == 1 for w in info)


def test_distributed_equals_serial(tmp_path, cluster):
    path = write_scenario(tmp_path, sites=[CEME1, MAURITI], chunk_size=1,
                          matrix={"plant.bifaciality": [0.0, 0.7]})
    serial = run_batch(path)
    same_results(run_batch(path, client=cluster), serial)
    # both sites in one chunk: one engine call over two weather series and time zones
    together = write_scenario(tmp_path, "together.yaml", sites=[CEME1, MAURITI],
                              chunk_size=2, matrix={"plant.bifaciality": [0.0, 0.7]})
    same_results(run_batch(together, client=cluster), serial)


def test_batch_survives_a_killed_worker(tmp_path, cluster):
    path = write_scenario(tmp_path, sites=[CEME1, MAURITI], chunk_size=1,
                          matrix={"losses.soiling_pct": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    serial = run_batch(path)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(ds=run_batch(path, client=cluster)))
    thread.start()
    deadline = time.monotonic() + 30
    while not cluster.processing() or not any(cluster.processing().values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    busy = next(addr for addr, tasks in cluster.processing().items() if tasks)
    pid = cluster.run(os.getpid, workers=[busy])[busy]
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=120)
    assert "ds" in outcome, "batch did not finish after a worker was killed"
    same_results(outcome["ds"], serial)


def test_cli_example_batch_serial_and_two_workers(tmp_path, capsys):
    serial_out, dask_out = tmp_path / "serial.nc", tmp_path / "dask.nc"
    code = main(["batch", str(SITES / "example-batch.yaml"), "--out", str(serial_out)])
    printed = capsys.readouterr().out
    assert code in (0, 3)
    assert "rank" in printed and "tracker-1p" in printed
    # 32 runs: too few to gain from two workers, run here and said so
    assert main(["batch", str(SITES / "example-batch.yaml"), "--out", str(dask_out),
                 "--workers", "2"]) == code
    assert "running in this process (--force-workers" in capsys.readouterr().err
    serial, distributed = read_dataset(serial_out), read_dataset(dask_out)
    same_results(serial, distributed)
    assert serial.sizes["site"] == 2 and len(set(serial["design"].to_numpy())) >= 4
    assert (tmp_path / "serial.summary.csv").is_file()
    assert not (tmp_path / "serial.nc.parts").exists()


def test_cli_two_workers_write_the_serial_netcdf(tmp_path, capsys):
    # a real local cluster of two worker processes, as `pvyield batch --workers 2` starts it
    path = write_scenario(tmp_path, sites=[CEME1, MAURITI, str(tmp_path / "missing.yaml")],
                          chunk_size=1, matrix={"plant.bifaciality": [0.0, 0.7],
                                                "plant.mounting.gcr": [0.4, 1.5]})
    serial_out, dask_out = tmp_path / "serial.nc", tmp_path / "dask.nc"
    code = main(["batch", str(path), "--out", str(serial_out), "--no-progress"])
    assert code == 3  # the missing site and the GCR of 1.5 are runs not ok
    assert main(["batch", str(path), "--out", str(dask_out), "--workers", "2",
                 "--force-workers", "--no-progress"]) == code
    assert "running in this process" not in capsys.readouterr().err
    serial, distributed = read_dataset(serial_out), read_dataset(dask_out)
    assert set(serial.data_vars) == set(distributed.data_vars)
    for name in serial.data_vars:  # variable by variable, as written to the files
        xr.testing.assert_identical(serial[name], distributed[name])
    assert (serial["status"] == "ok").sum() == 4 and (serial["status"] == "invalid").sum() == 8
    assert not (tmp_path / "dask.nc.parts").exists()


def test_small_studies_stay_in_process_and_tasks_hold_a_second_of_work():
    assert not pvyield.batch.worth_a_cluster(32, 2)
    assert pvyield.batch.worth_a_cluster(11138, 2)
    assert not pvyield.batch.worth_a_cluster(11138, 1)  # one worker saves nothing
    assert pvyield.batch.worth_a_cluster(40, 2, "reference")
    chunks = [(f"k{i}", [None] * runs) for i, runs in enumerate([16] * 10 + [200] * 3)]
    tasks = runner_module.partitions(chunks)
    # every chunk once, in order; tasks of >= 50 runs (1 s at 20 ms) but the last
    assert [key for task in tasks for key, _ in task] == [key for key, _ in chunks]
    sizes = [sum(len(c) for _, c in task) for task in tasks]
    assert sizes == [64, 64, 32 + 200, 200, 200]


def test_cli_exit_code_says_some_runs_failed(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\n", encoding="utf-8")
    path = write_scenario(tmp_path, sites=[CEME1, str(bad)])
    assert main(["batch", str(path), "--out", str(tmp_path / "r.nc")]) == 3
    captured = capsys.readouterr()
    assert "INVALID: broken" in captured.err
    assert read_dataset(tmp_path / "r.nc")["status"].sel(site="CEME1").item() == "ok"


def test_estimate_skips_scenario_files(capsys):
    assert main(["estimate", CEME1, str(SITES / "example-batch.yaml"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "scenario file" in captured.err and "CEME1:" in captured.out


def test_zarr_round_trip(tmp_path):
    ds = run_batch(write_scenario(tmp_path, matrix={"plant.bifaciality": [0.0, 0.7]}))
    out = tmp_path / "results.zarr"
    write_dataset(ds, out)
    write_dataset(ds, out)  # replacing an existing store
    back = read_dataset(out)
    xr.testing.assert_equal(ds, back)
    assert back["annual_energy_gwh"].attrs["units"] == "GWh/yr"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_results_slice_by_typed_parameters(tmp_path, suffix):
    path = write_scenario(tmp_path, matrix={
        "plant.bifaciality": [0.0, 0.7],
        "losses.soiling_pct": [1, 3],
        "plant.mounting": {"as-built": None}})
    ds = run_batch(path)
    out = tmp_path / f"results{suffix}"
    write_dataset(ds, out)
    assert ds["plant_bifaciality"].dtype == np.float64
    assert ds["losses_soiling_pct"].attrs["units"] == "%"
    assert ds["plant_mounting"].dtype.kind in "OU"
    back = open_results(out)
    assert set(back.indexes["scenario"].names) == {
        "plant_bifaciality", "losses_soiling_pct", "plant_mounting"}
    picked = back.sel(plant_bifaciality=0.7)
    assert picked.sizes["scenario"] == 2
    cube = back["specific_yield_kwh_per_kwp"].unstack("scenario")
    assert set(cube.dims) == {"site", "plant_bifaciality", "losses_soiling_pct",
                              "plant_mounting"}
    # every run, found by its flat name in the records, against both ways of slicing
    for name in ds.scenario.to_numpy():
        run = ds.sel(scenario=name)
        expected = float(run["specific_yield_kwh_per_kwp"].sel(site="CEME1"))
        where = {"plant_bifaciality": float(run["plant_bifaciality"]),
                 "losses_soiling_pct": float(run["losses_soiling_pct"])}
        assert float(cube.sel(site="CEME1", plant_mounting="as-built", **where)) == expected
        if where["plant_bifaciality"] == 0.7:
            assert float(picked["specific_yield_kwh_per_kwp"].sel(
                site="CEME1", losses_soiling_pct=where["losses_soiling_pct"]).squeeze()) == (
                expected)
    # a bifacial plant yields more than the same plant made monofacial
    assert cube.sel(plant_bifaciality=0.7).mean() > cube.sel(plant_bifaciality=0.0).mean()


def test_every_variable_and_coordinate_is_labelled(tmp_path):
    ds = run_batch(write_scenario(tmp_path, matrix={"plant.bifaciality": [0.0, 0.7],
                                                    "weather_source": ["site"]}))
    assert ds.attrs["Conventions"].startswith("CF-") and "pvyield batch" in ds.attrs["history"]
    for name, var in {**ds.data_vars, **ds.coords}.items():
        assert var.attrs.get("long_name"), name
        if var.dtype.kind in "fiu":
            assert var.attrs.get("units"), name
    from xarray.plot.utils import label_from_attrs

    assert label_from_attrs(ds["specific_yield_kwh_per_kwp"]).endswith("[kWh/kWp]")


def test_parameters_are_numbers_only_when_the_matrix_lists_numbers():
    designs = expand_matrix({"plant.bifaciality": [0, 0.7],
                             "losses.soiling_pct": {"low": 1.0, "high": 3.0},
                             "plant.tilt_deg": [10, 10.0],
                             "plant.mounting": {"as-built": None, "tracker": {"gcr": 0.3}}})
    params = scenario_parameters(designs)
    assert list(params) == ["plant_bifaciality", "losses_soiling_pct", "plant_tilt_deg",
                            "plant_mounting"]
    values, attrs = params["plant_bifaciality"]
    assert sorted(set(values)) == [0.0, 0.7] and attrs["units"] == "1"
    assert all(type(v) is float for v in values)
    assert set(params["losses_soiling_pct"][0]) == {"low", "high"}  # the matrix named them
    assert set(params["plant_tilt_deg"][0]) == {"10", "10.0"}  # equal as numbers: kept apart
    assert set(params["plant_mounting"][0]) == {"as-built", "tracker"}
    assert "units" not in params["plant_mounting"][1]
