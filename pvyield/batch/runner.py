"""Running a study: chunks of sites, locally or on a Dask cluster, with a resumable cache.

Work is split into chunks of sites; each chunk runs every scenario of its sites and returns
plain records (dicts of numbers and strings), so that the same chunk gives the same bytes
wherever it runs. A chunk's records are cached on disk under the hash of everything that
determines them (site mappings, overrides, weather file contents, pvyield version), which is
what ``--resume`` reuses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from pvyield import __version__, interrupt, units
from pvyield.batch.dataset import Block, ResultArrays, block_of_records
from pvyield.batch.scenario import OWN_WEATHER, SiteEntry, Study, apply_overrides
from pvyield.errors import PvyieldError, SiteError
from pvyield.estimate import estimate, gate_weather
from pvyield.files import write_atomic
from pvyield.model.chain import STAGES
from pvyield.results import Result
from pvyield.results.households import households_served
from pvyield.site import Site, site_from_mapping
from pvyield.weather import gate, weather_for_sites
from pvyield.weather.gate import WeatherRefusedError

log = logging.getLogger(__name__)

#: Record fields copied from a Result.
SCALAR_FIELDS = ("annual_energy_gwh", "specific_yield_kwh_per_kwp", "capacity_factor_ac",
                 "capacity_factor_dc", "performance_ratio", "households_served")


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """Everything one run needs, as plain data (picklable, hashable as JSON)."""

    site: str
    scenario: str
    path: str
    mapping: dict[str, Any] | None
    error: str | None = None

    def payload(self) -> dict[str, Any]:
        """What determines the run's result (for the cache key)."""
        return {"site": self.site, "scenario": self.scenario, "path": self.path,
                "mapping": self.mapping, "error": self.error}


def run_specs(study: Study) -> list[list[RunSpec]]:
    """The study's runs, grouped into chunks of ``study.chunk_size`` sites."""
    chunks = []
    for start in range(0, len(study.sites), study.chunk_size):
        sites = study.sites[start:start + study.chunk_size]
        chunks.append([_spec(study, site, design) for site in sites for design in study.designs])
    return chunks


def _spec(study: Study, site: SiteEntry, design) -> RunSpec:
    if site.mapping is None:
        return RunSpec(site.label, design.name, site.path, None, site.error)
    try:
        mapping = apply_overrides(site.mapping, design.overrides)
    except SiteError as exc:
        return RunSpec(site.label, design.name, site.path, None, f"{site.path}: {exc}")
    if design.weather_source != OWN_WEATHER:
        weather = study.weather_sources[design.weather_source].get(site.label)
        if weather is None:
            return RunSpec(site.label, design.name, site.path, None,
                           f"weather source {design.weather_source!r} has no entry for site "
                           f"{site.label!r} in {study.path}")
        mapping["weather"] = weather
    return RunSpec(site.label, design.name, site.path, mapping)


def run_chunk(specs: list[RunSpec], engine: str = "batch") -> list[dict[str, Any]]:
    """Run every spec of a chunk; a failing run becomes a record with its error.

    Weather is read or synthesised once per site and weather section within the chunk
    (:func:`pvyield.weather.weather_for_sites`) and gated per run as
    :func:`pvyield.estimate` does, the checks run once per distinct frame object
    (:func:`pvyield.weather.gate.frames_unchanged`); with the compiled engine
    (``engine="batch"``) every valid run of the chunk is then one call of
    :func:`pvyield.model.engine.run_sites`,
    whose Dataset gives the records directly. ``engine="reference"`` estimates run by run
    on pvlib (:data:`pvyield.estimate.ENGINES`), for checking.
    """
    # weather warnings are kept in each record; logging them too would flood a large batch
    weather_log = logging.getLogger("pvyield.weather")
    level = weather_log.level
    weather_log.setLevel(logging.ERROR)
    try:
        return _run_chunk(specs, engine)
    finally:
        weather_log.setLevel(level)


def _run_chunk(specs: list[RunSpec], engine: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any] | None] = [None] * len(specs)
    valid: list[tuple[int, Site]] = []
    for k, spec in enumerate(specs):
        record = {"site": spec.site, "scenario": spec.scenario}
        if spec.mapping is None:
            records[k] = {**record, "status": "invalid", "error": spec.error}
            continue
        try:
            valid.append((k, site_from_mapping(spec.mapping, source=spec.path)))
        except SiteError as exc:
            records[k] = {**record, "status": "invalid", "error": str(exc)}
    weathers = _weather(specs, valid)
    interrupt.check()
    # the chunk holds its frames unchanged: the gate checks each frame object once (the
    # designs of a site share one) and knows it again by identity, not by hashing it
    with gate.frames_unchanged():
        ready = _gated(specs, valid, weathers, records, engine)
    if ready:
        for k, record in _engine_records(specs, ready):
            records[k] = record
    interrupt.check()
    return records  # type: ignore[return-value]  (every run has its record now)


def _gated(specs: list[RunSpec], valid: list[tuple[int, Site]], weathers: list[Any],
           records: list, engine: str) -> list[tuple[int, Site, pd.DataFrame, tuple]]:
    """Gate every valid run's weather; the runs ready for the engine (``engine="batch"``),
    or, for other engines, each run estimated here. Failures go into ``records``."""
    ready: list[tuple[int, Site, pd.DataFrame, tuple]] = []
    for (k, site), weather in zip(valid, weathers, strict=True):
        if isinstance(weather, BaseException):
            records[k] = _failure(specs[k], weather)
            continue
        try:
            frame, meta = weather
            gated = gate_weather(site, frame, meta)
        except Exception as exc:  # the run's record says what went wrong
            records[k] = _failure(specs[k], exc)
            continue
        if engine == "batch":
            ready.append((k, site, frame, gated))
            continue
        try:
            result = estimate(site, weather=weather, engine=engine)
        except Exception as exc:
            records[k] = _failure(specs[k], exc)
        else:
            records[k] = _record_of_result(specs[k], result)
        interrupt.check()
    return ready


def _weather(specs: list[RunSpec], valid: list[tuple[int, Site]]) -> list[Any]:
    """The weather of every valid run, or what went wrong getting it."""
    sites = [site for _, site in valid]
    try:
        return weather_for_sites(sites)
    except Exception:  # not a PvyieldError: find the run(s) it belongs to
        out: list[Any] = []
        for k, site in valid:
            try:
                out += weather_for_sites([site])
            except Exception as exc:
                log.exception("weather of run %s / %s failed", specs[k].site,
                              specs[k].scenario)
                out.append(exc)
        return out


def _failure(spec: RunSpec, exc: BaseException) -> dict[str, Any]:
    """The record of a run that did not complete: ``invalid`` when the weather gate
    refused the input, ``failed`` otherwise."""
    record: dict[str, Any] = {"site": spec.site, "scenario": spec.scenario}
    if isinstance(exc, WeatherRefusedError):  # the weather gate: the input is wrong
        return {**record, "status": "invalid", "error": str(exc)}
    if isinstance(exc, PvyieldError):
        return {**record, "status": "failed", "error": str(exc)}
    # one broken run must not stop a batch of thousands
    log.error("run %s / %s failed: %s: %s", spec.site, spec.scenario, type(exc).__name__, exc)
    return {**record, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _engine_records(specs: list[RunSpec], ready: list) -> list[tuple[int, dict[str, Any]]]:
    """Records of gated runs from one engine call; a run the engine refuses is run alone
    so that it fails alone."""
    from pvyield.model.engine import run_sites

    try:
        ds = run_sites([site for _, site, _, _ in ready], [frame for _, _, frame, _ in ready])
    except Exception as exc:
        if len(ready) == 1:
            return [(ready[0][0], _failure(specs[ready[0][0]], exc))]
        return [pair for item in ready for pair in _engine_records(specs, [item])]
    return records_of_engine(specs, ready, ds)


def records_of_engine(specs: list[RunSpec], ready: list, ds: Any
                      ) -> list[tuple[int, dict[str, Any]]]:
    """Run records from :func:`pvyield.model.engine.run_sites`'s Dataset: the figures of
    :mod:`pvyield.units`, as :func:`pvyield.results.summarise` forms them."""
    monthly_kwh = ds["monthly_energy"].to_numpy()
    monthly_poa = ds["monthly_poa"].to_numpy()
    years = ds["years"].to_numpy()
    loss = ds["loss_pct"].sel(stage=list(STAGES)).to_numpy()
    out = []
    for n, (k, site, _, (meta, _, accepted)) in enumerate(ready):
        plant = site.plant
        energy_gwh = units.annual_energy_gwh(monthly_kwh[n])
        partial = any(code == "coverage" for code, _ in accepted)
        # a partial year: each month's own energy (see pvyield.results.summarise)
        monthly = units.kwh_to_gwh(monthly_kwh[n] * (years[n] if partial else 1.0))
        figures = units.annual_figures(energy_gwh, math.fsum(monthly_poa[n]),
                                       plant.dc_capacity_mwp, plant.ac_capacity_mwac)
        figures["households_served"] = households_served(
            site, units.gwh_to_kwh(energy_gwh)).households
        out.append((k, {
            "site": specs[k].site,
            "scenario": specs[k].scenario,
            "status": "ok",
            "error": "",
            "site_name": site.name,
            "dc_capacity_mwp": plant.dc_capacity_mwp,
            "ac_capacity_mwac": plant.ac_capacity_mwac,
            **{name: float(figures[name]) for name in SCALAR_FIELDS},
            "monthly_energy_gwh": [float(v) for v in monthly],
            "loss_pct": [float(v) for v in loss[n]],
            "weather_source": meta.source,
            "weather_synthetic": bool(meta.synthetic),
            "warnings": "; ".join(meta.warnings),
        }))
    return out


def _record_of_result(spec: RunSpec, result: Result) -> dict[str, Any]:
    """The record of a run estimated on its own (the reference chain)."""
    site = result.site
    return {
        "site": spec.site,
        "scenario": spec.scenario,
        "status": "ok",
        "error": "",
        "site_name": site.name,
        "dc_capacity_mwp": site.plant.dc_capacity_mwp,
        "ac_capacity_mwac": site.plant.ac_capacity_mwac,
        **{name: float(getattr(result, name)) for name in SCALAR_FIELDS},
        "monthly_energy_gwh": [float(v) for v in result.monthly["energy_gwh"]],
        "loss_pct": [float(result.losses.loc[stage, "loss_pct"]) for stage in STAGES],
        "weather_source": result.weather.source,
        "weather_synthetic": bool(result.weather.synthetic),
        "warnings": "; ".join(result.weather.warnings),
    }


def chunk_key(specs: list[RunSpec], digests: dict[str, str], engine: str) -> str:
    """Hash of everything that determines a chunk's records."""
    files = sorted({f for spec in specs for f in _weather_files(spec)})
    payload = {"version": __version__, "engine": engine, "runs": [s.payload() for s in specs],
               "files": {f: _digest(f, digests) for f in files}}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _weather_files(spec: RunSpec) -> Iterable[str]:
    weather = (spec.mapping or {}).get("weather") or {}
    if isinstance(weather, dict) and isinstance(weather.get("file"), str):
        path = Path(weather["file"])
        yield str(path if path.is_absolute() else Path(spec.path).parent / path)


def _digest(path: str, memo: dict[str, str]) -> str:
    if path not in memo:
        try:
            memo[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            memo[path] = "missing"
    return memo[path]


class ChunkCache:
    """Finished chunks on disk: ``<key>.json`` and its SHA-256 in ``<key>.sha256``.

    A chunk is reused only when its file matches the digest stored beside it and holds one
    record per run of the chunk; a truncated, edited or foreign file is computed again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def get(self, key: str, specs: list[RunSpec] | None = None) -> list[dict[str, Any]] | None:
        path = self.folder / f"{key}.json"
        digest = self.folder / f"{key}.sha256"
        try:
            if not path.is_file() or not digest.is_file():
                return None
            content = path.read_bytes()
            expected = digest.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if hashlib.sha256(content).hexdigest() != expected:
            log.warning("chunk %s does not match its digest: computing it again", path)
            return None
        try:
            records = json.loads(content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            log.warning("chunk %s is not readable: computing it again", path)
            return None
        if not _records_fit(records, specs):
            log.warning("chunk %s does not hold this chunk's runs: computing it again", path)
            return None
        return [_from_json(r) for r in records]

    def put(self, key: str, records: list[dict[str, Any]]) -> None:
        self.put_content(key, encode_records(records))

    def put_content(self, key: str, content: bytes) -> None:
        """Store a chunk already encoded by :func:`encode_records` (by the worker that ran
        it: the process gathering the results only writes)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{key}.json", content)
        write_atomic(self.folder / f"{key}.sha256", hashlib.sha256(content).hexdigest() + "\n")


def encode_records(records: list[dict[str, Any]]) -> bytes:
    """A chunk's records as the cache stores them (strict JSON, UTF-8)."""
    return json.dumps([_to_json(r) for r in records], allow_nan=False).encode("utf-8")


def _records_fit(records: Any, specs: list[RunSpec] | None) -> bool:
    """Whether cached records are one dict per run of the chunk, in order."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return False
    if specs is None:
        return True
    return ([(r.get("site"), r.get("scenario")) for r in records]
            == [(s.site, s.scenario) for s in specs])


def _to_json(record: dict[str, Any]) -> dict[str, Any]:
    """NaN and infinities as null: the cache is strict JSON like every file pvyield writes."""
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    return {k: clean(v) for k, v in record.items()}


def _from_json(record: dict[str, Any]) -> dict[str, Any]:
    def restore(value: Any) -> Any:
        if value is None:
            return math.nan
        if isinstance(value, list):
            return [restore(v) for v in value]
        return value
    return {k: (restore(v) if k in _NUMERIC_FIELDS else v) for k, v in record.items()}


_NUMERIC_FIELDS = (*SCALAR_FIELDS, "dc_capacity_mwp", "ac_capacity_mwac",
                   "monthly_energy_gwh", "loss_pct")


def execute(
    study: Study,
    client: Any = None,
    cache: ChunkCache | None = None,
    resume: bool = False,
    on_chunk: Callable[[int], None] | None = None,
    engine: str = "batch",
) -> tuple[ResultArrays, int]:
    """Run every chunk of a study; return the results (filled as chunks finish) and how
    many chunks came from the cache.

    Parameters
    ----------
    client : dask.distributed.Client, optional
        Runs chunks on its cluster (each task retried up to three times, so a lost worker
        costs only its chunks); None runs them here, one after the other.
    cache : ChunkCache, optional
        Where finished chunks are stored as they finish.
    resume : bool
        Reuse chunks already in the cache instead of computing them again.
    on_chunk : callable, optional
        Called with the number of runs in each chunk as it finishes (progress).
    engine : str
        Model chain implementation of every run (:data:`pvyield.estimate.ENGINES`).
    """
    arrays = ResultArrays(study)
    todo = list(range(chunk_count(study)))
    reused = 0
    if resume and cache is not None:
        digests: dict[str, str] = {}
        for index, chunk in enumerate(run_specs(study)):
            cached = cache.get(chunk_key(chunk, digests, engine), chunk)
            if cached is not None:
                arrays.put_sites(block_of_records(cached), index * study.chunk_size)
                todo.remove(index)
                reused += 1
    for done in _compute(study, todo, client, engine, keys=cache is not None):
        arrays.put_sites(done.block, done.chunk * study.chunk_size)
        if cache is not None:
            cache.put_content(done.key, done.content)
        if on_chunk is not None:
            on_chunk(len(done.block))
    return arrays, reused


def chunk_count(study: Study) -> int:
    """Number of chunks of :func:`run_specs`."""
    return -(-len(study.sites) // study.chunk_size)


def study_part(study: Study, chunk: int) -> Study:
    """The study cut to the sites of one chunk, with their weather sources only: what a
    worker needs to expand, run and key that chunk (a few kB per site), instead of the
    whole study or the runs' expanded site mappings."""
    sites = study.sites[chunk * study.chunk_size:(chunk + 1) * study.chunk_size]
    labels = {site.label for site in sites}
    sources = {name: {label: section for label, section in per_site.items() if label in labels}
               for name, per_site in study.weather_sources.items()}
    return dataclasses.replace(study, sites=sites, weather_sources=sources)


@dataclasses.dataclass(frozen=True)
class ChunkDone:
    """What a finished chunk sends back: its results as arrays and, when the batch keeps a
    cache, its key and the cache file's content."""

    chunk: int
    block: Block
    key: str | None = None
    content: bytes | None = None


def run_part(part: Study, chunk: int, engine: str = "batch", keys: bool = True) -> ChunkDone:
    """Expand, run and (with ``keys``) key and encode one chunk of a study, given as
    :func:`study_part`."""
    (specs,) = run_specs(part)
    records = run_chunk(specs, engine)
    if not keys:
        return ChunkDone(chunk, block_of_records(records))
    return ChunkDone(chunk, block_of_records(records), chunk_key(specs, {}, engine),
                     encode_records(records))


def run_parts(parts: list[tuple[Study, int]], engine: str = "batch",
              keys: bool = True) -> list[ChunkDone]:
    """:func:`run_part` of several chunks (one Dask task)."""
    prepare_worker()
    return [run_part(part, chunk, engine, keys) for part, chunk in parts]


def _compute(study: Study, todo: list[int], client: Any, engine: str,
             keys: bool) -> Iterator[ChunkDone]:
    if client is None:
        for chunk in todo:
            yield run_part(study_part(study, chunk), chunk, engine, keys)
        return
    from dask.distributed import as_completed

    # no warm-up round before the tasks: a worker loads the compiled engine (numba's
    # on-disk cache, shared by the workers) in its first task, as one process does
    designs = len(study.designs)
    sized = [(chunk, range(len(study_part(study, chunk).sites) * designs)) for chunk in todo]
    futures = [client.submit(run_parts, [(study_part(study, chunk), chunk) for chunk, _ in task],
                             engine, keys, key=f"pvyield-chunks-{task[0][0]}-{len(task)}",
                             retries=3, pure=False)
               for task in partitions(sized, engine)]
    for future in as_completed(futures):
        done = future.result()
        future.release()
        yield from done


#: Least work per Dask task [s]: below, scheduling and transfer cost more than they spread.
TASK_SECONDS = 1.0


def partitions(todo: list, engine: str = "batch") -> list[list]:
    """Chunks grouped into Dask tasks of at least :data:`TASK_SECONDS` of estimated work
    (:data:`pvyield.batch.RUN_SECONDS` per run), and no larger than that unless a chunk
    is: many small tasks let a fast worker take more and a lost worker lose little.

    ``todo`` holds ``(chunk, runs)`` pairs (``len(runs)`` runs); chunks keep their
    identity: the cache stores each chunk as it does without Dask.
    """
    from pvyield.batch import RUN_SECONDS

    if not todo:
        return []
    per_run = RUN_SECONDS.get(engine, RUN_SECONDS["reference"])
    target = math.ceil(TASK_SECONDS / per_run)
    tasks: list[list] = [[]]
    size = 0
    for item in todo:
        if size >= target:
            tasks.append([])
            size = 0
        tasks[-1].append(item)
        size += len(item[1])
    return tasks


#: Name multiprocessing gives the worker processes a Dask nanny starts (distributed.nanny).
NANNY_WORKER_PROCESS = "Dask Worker process (from Nanny)"
_worker_prepared = False


def prepare_worker() -> None:
    """Once per Dask worker process: let it exit without the interpreter's teardown.

    Freeing the modules of a process that has loaded the compiled engine takes 1.5-2 s
    (numba's and LLVM's objects, measured on 2 shared cores), and a local cluster waits
    for its workers to exit; past 4 s, with the cores busy, Dask kills them and says so on
    stderr. A worker process has nothing left to save once it has closed (its results
    went back over the network), so its last step is ``os._exit``. Only in a process a
    Dask nanny started: tasks run in a thread of a user's own process leave its exit alone.
    """
    global _worker_prepared
    if _worker_prepared:
        return
    _worker_prepared = True
    import atexit
    import multiprocessing

    if multiprocessing.current_process().name == NANNY_WORKER_PROCESS:
        # registered after Dask's and multiprocessing's own exit handlers: runs first
        atexit.register(_exit_now)


def _exit_now() -> None:
    import contextlib
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(0)
