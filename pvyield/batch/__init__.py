"""Batch studies: many sites x many designs, on one machine or a Dask cluster.

>>> ds = run_batch("sites/example-batch.yaml", workers=2)     # doctest: +SKIP
>>> compare(ds).ranking                                        # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xarray as xr

from pvyield.batch.compare import Comparison, compare
from pvyield.batch.dataset import (
    open_results,
    read_dataset,
    summary_frame,
    to_dataset,
    write_dataset,
)
from pvyield.batch.runner import ChunkCache, execute
from pvyield.batch.scenario import Study, load_scenario
from pvyield.errors import PvyieldError

__all__ = ["Comparison", "Study", "compare", "load_scenario", "open_results", "read_dataset",
           "run_batch", "summary_frame", "to_dataset", "worth_a_cluster", "write_dataset"]

log = logging.getLogger(__name__)


def run_batch(
    scenario: str | Path | Study,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    client: Any = None,
    engine: str = "batch",
    dashboard_address: str = "127.0.0.1:0",
    force_workers: bool = False,
) -> xr.Dataset:
    """Run a scenario file and return its results Dataset.

    Parameters
    ----------
    scenario : path or Study
        Scenario file (see :mod:`pvyield.batch.scenario`) or a loaded study.
    workers : int, optional
        Start a Dask ``LocalCluster`` with this many single-threaded worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``) to run on.
    cache_dir : path, optional
        Folder where finished chunks are kept; needed for ``resume``.
    resume : bool
        Reuse finished chunks from ``cache_dir`` (same inputs, same hash) instead of
        computing them again.
    progress : bool
        Show a progress bar on stderr (and the dashboard link when a cluster runs).
    client : dask.distributed.Client, optional
        An existing client to use (takes precedence over ``workers`` and ``scheduler``).
    engine : str
        Model chain implementation: ``"batch"`` (the compiled engine, default) or
        ``"reference"`` (pvlib, site by site); both give the same figures.
    dashboard_address : str
        Where the dashboard of a local cluster listens, when ``progress`` is shown (it is
        not started otherwise); the default serves this machine only (``":0"`` would
        open it to every network interface).
    force_workers : bool
        Start the local cluster of ``workers`` even for a study too small to gain from it
        (:func:`worth_a_cluster`); without, such a study runs in this process and says so
        on stderr.

    Returns
    -------
    Dataset
        Dimensions ``site`` x ``scenario`` (x ``month``, ``stage``); identical whether run
        serially or distributed.
    """
    study = scenario if isinstance(scenario, Study) else load_scenario(scenario)
    cache = ChunkCache(Path(cache_dir)) if cache_dir is not None else None
    total = len(study.sites) * len(study.designs)  # one run per site and scenario
    if workers is not None and workers < 1:
        raise PvyieldError(f"workers: give a number of worker processes >= 1 (got {workers})")
    if progress:  # before the cluster starts and the engine compiles: both take a while
        sys.stderr.write(f"batch {study.name}: {len(study.sites)} site(s) x "
                         f"{len(study.designs)} scenario(s) = {total} runs\n")
        sys.stderr.flush()
    if (workers is not None and client is None and scheduler is None and not force_workers
            and not worth_a_cluster(total, workers, engine)):
        sys.stderr.write(
            f"pvyield: {total} runs take about {total * RUN_SECONDS[engine]:.0f} s here, "
            f"less than starting {workers} Dask workers gains: running in this process "
            "(--force-workers starts them anyway)\n")
        sys.stderr.flush()
        workers = None
    with _client(client, workers, scheduler, progress, dashboard_address) as active, \
            _progress(total, progress) as bar:
        results, reused = execute(study, client=active, cache=cache, resume=resume,
                                  on_chunk=bar, engine=engine)
    if reused:
        log.info("reused %d finished chunk(s) from %s", reused, cache_dir)
    return results.dataset()


#: Estimated wall clock of one run [s]: the compiled engine takes 1-5 ms per site-year; the
#: weather, read or synthesised once per site and shared by its designs, from a few ms per
#: run (a file, many designs) to 100 ms or more (a synthetic year and its checks for two
#: designs); the reference chain about 0.3 s. Measured on 2 shared cores
#: (benchmarks/README.md); an estimate for planning work, not a promise.
RUN_SECONDS = {"batch": 0.02, "reference": 0.3}
#: Wall clock of starting a local Dask cluster and warming its workers [s] (measured
#: 3-6 s on 2 cores, with the engine's compiled kernels cached on disk).
CLUSTER_START_SECONDS = 5.0
#: Dask settings of the local cluster's worker processes. Dask's nanny sets
#: ``MALLOC_TRIM_THRESHOLD_`` in their environment, and glibc then stops raising its mmap
#: threshold as it sees large blocks freed (mallopt(3): setting any of these thresholds
#: turns the dynamic threshold off): every array above 128 KiB (a chunk's site-by-hour
#: arrays) is mapped, faulted in page by page and unmapped again. On the Brazil screening
#: that was 3.2 million page faults and a fifth of the workers' CPU time in the kernel
#: (benchmarks/README.md); unset, the workers allocate as the single process does.
#: Dask's sampling profiler (every 10 ms, for the dashboard's profile page) took about 4 %
#: of a worker's CPU time in its event loop and competes with the task for the GIL: off;
#: the system monitor (CPU, memory, network and disk counters read from /proc for the
#: dashboard) every 2 s instead of 0.5 s. The event loops' tick (which only detects a
#: blocked loop) and the memory monitor (which enforces each worker's memory limit, half
#: the machine's memory for two workers: a worker of a batch grows by a few hundred MiB,
#: not per 0.1 s) every second instead of every 20 and 100 ms: idle, the process running
#: the scheduler and the nannies then spends 0.7 % of a core instead of 4.2 %, each worker
#: 0.3 % instead of 1.5 % (measured over 10 s on 2 shared cores), time the tasks get back.
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.worker.profile.enabled": False,
                 "distributed.admin.system-monitor.interval": "2s",
                 "distributed.admin.tick.interval": "1s",
                 "distributed.worker.memory.monitor-interval": "1s"}


def worth_a_cluster(runs: int, workers: int, engine: str = "batch") -> bool:
    """Whether ``workers`` local processes can save more than starting them costs.

    With ``workers`` processes the runs take at best ``1 / workers`` of their serial time:
    the cluster pays when the time it saves exceeds :data:`CLUSTER_START_SECONDS`.
    """
    serial = runs * RUN_SECONDS.get(engine, RUN_SECONDS["reference"])
    return workers > 1 and serial * (1.0 - 1.0 / workers) > CLUSTER_START_SECONDS


@contextlib.contextmanager
def _client(client: Any, workers: int | None, scheduler: str | None,
            progress: bool, dashboard_address: str = "127.0.0.1:0") -> Iterator[Any]:
    if client is not None or (workers is None and scheduler is None):
        yield client
        return
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            remote = Client(scheduler)
        except (OSError, ValueError, TypeError, TimeoutError) as exc:
            raise PvyieldError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler "
                               f"({type(exc).__name__}: {str(exc)[:200]})") from None
        with remote:
            _announce(remote, progress)
            yield remote
        return
    # scheduler and dashboard on the loopback interface: a batch is nobody else's business;
    # the worker processes ignore Ctrl-C (a terminal sends it to the whole process group):
    # this process catches it and shuts the cluster down in order
    import dask

    # the dashboard (bokeh) only when progress is shown, the only time its link is given:
    # starting it costs the scheduler's process a second or more; the scheduler's HTTP
    # server (health and metrics) stays on the loopback address either way
    with _sigint_ignored(), dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=dashboard_address,
                               scheduler_kwargs={"dashboard": progress})
    with cluster, Client(cluster) as local:
        _announce(local, progress)
        yield local


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes start (they inherit it); main thread only."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _announce(client: Any, progress: bool) -> None:
    if progress:
        link = client.dashboard_link if _has_bokeh() else "(install bokeh for the dashboard)"
        sys.stderr.write(f"dask: {len(client.scheduler_info()['workers'])} workers, "
                         f"dashboard {link}\n")


@contextlib.contextmanager
def _progress(total: int, show: bool) -> Iterator[Any]:
    if not show:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update


def clear_cache(cache_dir: str | Path) -> None:
    """Remove a batch's chunk cache once its results are safely written."""
    shutil.rmtree(cache_dir, ignore_errors=True)
