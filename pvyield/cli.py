"""Command line: ``pvyield estimate SITE_FILE... [--out FILE.json]``, ``pvyield weather inspect
FILE [--json]``, ``pvyield report SITE_FILE... --out DIR`` and ``pvyield schema``.

Thin by design: parse, call the API, print, exit. A user mistake (:class:`PvyieldError`)
prints one clear message and exits with code 2; nothing is written half-way, and every
output path is checked before any work starts.

Exit codes: 0 success; 1 the output could not be written (standard output closed or full, a
broken pipe); 2 a user mistake (bad option, site, scenario or weather file, output path);
3 a batch finished but some runs were invalid or failed; 70 an internal error (a bug: the
one-line message says so; ``PVYIELD_DEBUG=1`` shows the traceback); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pvyield import __version__, interrupt
from pvyield.errors import PvyieldError
from pvyield.estimate import DEFAULT_ENGINE, ENGINES, estimate
from pvyield.files import check_output_dir, check_output_file, write_atomic
from pvyield.reconcile import Reconciliation, reconcile
from pvyield.report.text import full_text, summary_text, weather_text
from pvyield.results import Result
from pvyield.results.export import dumps_json, estimates_document, write_timeseries
from pvyield.site import load_site, read_mapping
from pvyield.site.schema import Site
from pvyield.weather import weather_for_site
from pvyield.weather.inspect import inspect_weather

EXIT_OUTPUT_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_SOME_RUNS_FAILED = 3
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
#: Most Dask workers per CPU that ``pvyield batch --workers`` starts.
WORKERS_PER_CPU = 4
#: Rows of a batch ranking printed on the terminal; the CSV summary has them all.
RANKING_ROWS = 40


class _StdoutError(Exception):
    """Standard output cannot be written (closed, full, or a reader that went away)."""

    def __init__(self, error: OSError | None) -> None:
        super().__init__(error)
        self.error = error


class _CheckedStdout:
    """Standard output whose write errors are told apart from any other OSError."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _StdoutError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _StdoutError(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pvyield`` command; returns the exit code (see the module)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (code 2)
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    logging.basicConfig(level=logging.WARNING, format="pvyield: %(message)s")
    # Dask's cluster start-up and shut-down chatter is not for the terminal (read by dask's
    # configuration when distributed is first imported, which is later)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    if sys.stdout is None:  # started with standard output closed (>&-)
        _error("cannot write to standard output (it is closed)")
        return EXIT_OUTPUT_ERROR
    # a file name that is not valid in the terminal's encoding (bytes of another encoding in
    # a path) is shown escaped rather than failing the message that names it
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")
    stdout = sys.stdout
    sys.stdout = _CheckedStdout(stdout)
    try:
        with interrupt.catching():
            try:
                code = args.handler(args)
            finally:
                interrupt.check()  # an interruption a parser turned into its own error
        sys.stdout.flush()
        return code
    except PvyieldError as exc:
        _error(f"error: {_cut_lines(str(exc))}")
        return EXIT_USER_ERROR
    except _StdoutError as exc:
        return _stdout_failed(exc.error, stdout)
    except OSError as exc:  # a path the system refuses (too long, no permission, ...)
        name = str(exc.filename) if exc.filename is not None else "a file"
        name = name if len(name) <= 200 else name[:120] + f"... ({len(name):,} characters)"
        _error(f"error: {name}: {exc.strerror or exc}")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        hint = "; resume with --resume" if args.command == "batch" else ""
        _error(f"interrupted{hint}")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("PVYIELD_DEBUG"):
            raise
        text = str(exc).splitlines()[0][:300] if str(exc) else ""
        _error(f"internal error: {type(exc).__name__}: {text} (a bug in pvyield; "
               "PVYIELD_DEBUG=1 shows the traceback)")
        return EXIT_INTERNAL_ERROR
    finally:
        sys.stdout = stdout


def console() -> None:
    """The installed ``pvyield`` command: :func:`main`, then the process ends at once.

    An interpreter that has loaded the compiled engine spends 0.5-0.9 s of a command's run
    freeing its modules at exit (numba's and LLVM's objects, measured on 2 shared cores),
    work whose result nobody sees. Once :func:`main` has returned, every file it wrote is
    closed and renamed into place, so the process runs what the interpreter's exit would
    have run for others (the ``atexit`` handlers: logging's flush, Dask's and
    multiprocessing's clean-up), flushes standard output and error, and ends with
    ``os._exit`` and :func:`main`'s exit code. It takes the interpreter's own exit instead
    when a thread other than the main one would keep it waiting (a non-daemon thread
    still running) or when this Python has no way to run the handlers; an exception out
    of :func:`main` (``PVYIELD_DEBUG=1``, Ctrl-C before the command started) also leaves
    by the interpreter's way, with its traceback. :func:`main` itself never ends the
    process: tests and programs call it in their own.

    The objects that exist once the command's modules are imported (about 90,000: pvlib,
    pandas, scipy, pydantic's models) live until the process ends; ``gc.freeze`` keeps
    the garbage collector's passes from walking them again. A batch run here freezes once
    more with the compiled engine loaded (:func:`_freeze_loaded_modules`): the collector's
    passes during a batch of 1,000 seats x 2 designs took 0.33 s without, 0.08-0.10 s with
    (two runs each, measured with ``gc.callbacks``).
    """
    global _COMMAND_PROCESS
    _COMMAND_PROCESS = True
    _freeze_loaded_modules()
    code = main()
    _end_process(code)


#: Whether this process is the ``pvyield`` command (:func:`console`): its long-lived objects
#: may be frozen. False when :func:`main` runs in a caller's process.
_COMMAND_PROCESS = False


def _freeze_loaded_modules() -> None:
    """In the ``pvyield`` command's own process, exclude every object that exists now
    (imported modules) from the garbage collector's future passes (``gc.freeze``); in a
    caller's process, nothing."""
    if _COMMAND_PROCESS:
        import gc

        gc.freeze()


#: Exit code of an interpreter that could not flush standard output at exit (CPython's
#: ``Py_RunMain``/``Py_Exit``), kept for the same failure here.
EXIT_FLUSH_FAILED = 120


def _end_process(code: int) -> None:
    import atexit
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    waiting = [t for t in threading.enumerate()
               if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if run_exit_handlers is None or waiting:
        sys.exit(code)
    run_exit_handlers()  # each runs once: the call empties the list, as the exit would
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout:
                code = EXIT_FLUSH_FAILED
    os._exit(code)


#: Longest line of an error message [characters]; a longer one (a path of thousands of
#: characters) is cut and its length said.
MAX_MESSAGE_LINE = 1000


def _cut_lines(text: str) -> str:
    return "\n".join(line if len(line) <= MAX_MESSAGE_LINE else
                     f"{line[:MAX_MESSAGE_LINE - 60]}... ({len(line):,} characters)"
                     for line in text.splitlines())


def _error(text: str) -> None:
    """One line on standard error (nothing when standard error itself is gone)."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        print(f"pvyield: {text}", file=sys.stderr, flush=True)


def _stdout_failed(error: OSError | None, stdout: Any) -> int:
    if isinstance(error, BrokenPipeError):
        # the reader (| head) has what it wanted; keep Python's exit-time flush quiet
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
        except (OSError, AttributeError, ValueError):
            pass
        return EXIT_OUTPUT_ERROR
    reason = error.strerror if error is not None and error.strerror else str(error)
    _error(f"error: cannot write to standard output ({reason})")
    try:  # drop what is still buffered, so that the exit-time flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass
    return EXIT_OUTPUT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvyield", description="Yield estimates for photovoltaic plants."
    )
    parser.add_argument("--version", action="version", version=f"pvyield {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    est = commands.add_parser("estimate", help="estimate the yield of one or more sites")
    est.add_argument("sites", nargs="+", type=Path, help="site files (.yaml, .yml, .toml)")
    est.add_argument("--out", type=Path, help="write the results as JSON to this file")
    est.add_argument("--timeseries", type=Path, metavar="FILE",
                     help="write the hourly chain of one site here: CSV, or Parquet when "
                     "FILE ends in .parquet (needs pvyield[parquet]); stamps in the site's "
                     "local time with their UTC offset, units in the column names")
    est.add_argument("--quiet", action="store_true", help="print only the summary lines")
    est.add_argument("--no-reconcile", dest="reconcile", action="store_false",
                     help="skip the sensitivity runs that reconcile reported figures")
    _add_engine_option(est)
    _add_progress_option(est)
    est.set_defaults(handler=_estimate)

    batch = commands.add_parser("batch", help="run a scenario file: many sites x designs")
    batch.add_argument("scenario", type=Path, help="scenario file (.yaml, .yml, .toml)")
    batch.add_argument("--out", type=Path, required=True,
                       help="results file: .nc (netCDF) or .zarr")
    batch.add_argument("--csv", type=Path, help="summary table (default: beside --out)")
    where = batch.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int,
                       help="start a local Dask cluster of N workers (1 to 4 per CPU); a "
                       "study too small to gain from it runs in this process")
    batch.add_argument("--force-workers", action="store_true",
                       help="start the --workers cluster even for a small study")
    where.add_argument("--scheduler", help="address of an existing Dask scheduler")
    batch.add_argument("--resume", action="store_true",
                       help="reuse chunks finished by an interrupted run")
    batch.add_argument("--compare", action="store_true",
                       help="also print the spread across weather sources and unstable ranks")
    batch.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bar (default: when stderr is a terminal)")
    batch.add_argument("--engine", choices=tuple(ENGINES), default="batch",
                       help="model chain implementation (default: the compiled engine)")
    batch.add_argument("--report", type=Path,
                       help="also write an HTML and a Markdown report with figures here")
    batch.add_argument("--dashboard-address", default="127.0.0.1:0",
                       help="where the Dask dashboard of --workers listens when progress "
                       "is shown (default 127.0.0.1:0: this machine only, a free port; "
                       "':0' for every interface)")
    batch.set_defaults(handler=_batch)
    weather = commands.add_parser("weather", help="weather files: inspect")
    weather_commands = weather.add_subparsers(dest="weather_command", required=True)
    inspect = weather_commands.add_parser(
        "inspect", help="read a weather file and print its quality-control report")
    inspect.add_argument("file", type=Path, help="weather file (format detected)")
    inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    inspect.add_argument("--label", choices=["start", "center", "end"],
                         help="where stamps sit in their interval (needed for SAM CSV)")
    inspect.set_defaults(handler=_weather_inspect)

    rep = commands.add_parser(
        "report", help="write an HTML and a Markdown report with figures for each site"
    )
    rep.add_argument("sites", nargs="+", type=Path, help="site files (.yaml, .yml, .toml)")
    rep.add_argument("--out", type=Path, required=True,
                     help="folder for <site>.html, <site>.md and figures/ (created if missing)")
    rep.add_argument("--reconcile", action="store_true",
                     help="add the reconciliation of reported figures and its tornado chart")
    _add_engine_option(rep)
    _add_progress_option(rep)
    rep.set_defaults(handler=_report)

    _add_validate_parser(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of site files")
    schema.add_argument("--out", type=Path, help="write it to this file instead")
    schema.set_defaults(handler=_schema)

    example = commands.add_parser(
        "example", help="print the bundled example site file (the Mauriti plant, Brazil; "
        "its weather from monthly means in the file: runs offline, from any folder)")
    example.add_argument("--out", type=Path, help="write it to this file instead")
    example.set_defaults(handler=_example)
    return parser


def _add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=tuple(ENGINES), default=DEFAULT_ENGINE,
                        help="model chain implementation: the compiled engine (default) or "
                        "the per-site pvlib reference, for checking; both give the same "
                        "figures")


def _add_progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="one line per site and step on stderr (default: when stderr "
                        "is a terminal)")


class _Steps:
    """Progress of long work: one line per site and step on stderr, never on stdout (the
    text and JSON output stay clean); silent unless ``show``."""

    def __init__(self, show: bool | None) -> None:
        self.show = sys.stderr.isatty() if show is None else show
        self.start = time.monotonic()

    def __call__(self, step: str, i: int, n: int, what: object) -> None:
        if self.show:
            print(f"pvyield: [{step} {i}/{n}] {what} ({time.monotonic() - self.start:.0f} s "
                  "so far)", file=sys.stderr, flush=True)


def _estimates(paths: Sequence[Path], engine: str, reconciled: bool,
               steps: _Steps | None = None, timeseries: bool = False,
               ) -> tuple[list[Result], list[Reconciliation | None]]:
    """Estimate every site (all before any output: errors come first), with the time series
    when asked, and reconcile each on the same weather when asked."""
    steps = steps or _Steps(False)
    sites = [load_site(path) for path in paths]
    n = len(sites)
    weathers = []
    for i, site in enumerate(sites, 1):
        steps("weather", i, n, site.name)
        weathers.append(weather_for_site(site))
    results = []
    for i, (site, weather) in enumerate(zip(sites, weathers, strict=True), 1):
        steps("estimate", i, n, site.name)
        results.append(estimate(site, weather, engine=engine, timeseries=timeseries))
    recs: list[Reconciliation | None] = []
    for i, (r, w) in enumerate(zip(results, weathers, strict=True), 1):
        if reconciled:
            steps("reconcile", i, n, f"{r.site.name}: sensitivity runs")
        recs.append(reconcile(r, engine=engine, weather=w) if reconciled else None)
    return results, recs


def _site_files(given: Sequence[Path], command: str) -> list[Path]:
    """The site files among the paths given, with a note on stderr for each one skipped.

    A folder (sites/validation under sites/*) is skipped, not entered: 'pvyield estimate
    sites/*' stays the bundled plants, the corpus has 'pvyield validate'. A scenario file
    beside the site files is skipped too: it is run by 'pvyield batch'.
    """
    folders = [p for p in given if p.is_dir()]
    for folder in folders:
        print(f"pvyield: {folder} is a folder, skipped; {command} its files with "
              f"'pvyield {command} {folder}/*'" + (" or compare them with measured output "
              "with 'pvyield validate'" if folder.name == "validation" else ""),
              file=sys.stderr)
    paths = [p for p in given if p not in folders and not _is_scenario_file(p)]
    for skipped in sorted(set(given) - set(paths) - set(folders)):
        print(f"pvyield: {skipped} is a scenario file; run it with 'pvyield batch'",
              file=sys.stderr)
    if not paths:
        raise PvyieldError(f"no site files to {command} (only scenario files or folders "
                           "were given)")
    return paths


def _estimate(args: argparse.Namespace) -> int:
    out = check_output_file(args.out) if args.out is not None else None
    _not_an_input(out, args.sites)
    series = _timeseries_target(args.timeseries, args.sites, out)
    paths = _site_files(args.sites, "estimate")
    if series is not None and len(paths) > 1:
        raise PvyieldError(f"--timeseries {args.timeseries}: writes the hourly chain of one "
                           f"site, {len(paths)} were given; run one estimate per site")
    results, reconciled = _estimates(paths, args.engine, args.reconcile, _Steps(args.progress))
    if out is not None:
        text = dumps_json(estimates_document(results, reconciled))
    for result, rec in zip(results, reconciled, strict=True):
        print(summary_text(result) if args.quiet else full_text(result, rec))
    if out is not None:
        write_atomic(out, text)
        print(f"wrote {args.out}")
    if series is not None:
        write_timeseries(results[0], series)
        print(f"wrote {args.timeseries}")
    return 0


def _timeseries_target(path: Path | None, inputs: Sequence[Path],
                       out: Path | None) -> Path | None:
    """``--timeseries``: checked before any work (format, extra installed, not an input)."""
    if path is None:
        return None
    target = check_output_file(path, "time series file")
    _not_an_input(path, inputs)
    if out is not None and os.path.realpath(out) == os.path.realpath(path):
        raise PvyieldError(f"--timeseries {path}: is also the --out file; choose another path")
    if path.suffix.lower() == ".parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise PvyieldError(f"--timeseries {path}: Parquet needs pyarrow, which is not "
                               "installed; install it with: pip install 'pvyield[parquet]', "
                               "or write CSV (any other suffix)")
    return target


def _is_scenario_file(path: Path) -> bool:
    """Scenario files (top-level ``sites`` and ``matrix``) live beside site files."""
    try:
        data = read_mapping(path)
    except PvyieldError:
        return False  # let the estimate report the problem
    return "sites" in data and "matrix" in data


def _require_dask(option: str) -> None:
    """Dask (with distributed) is an optional dependency: say how to install it."""
    import importlib.util

    if any(importlib.util.find_spec(name) is None for name in ("dask", "distributed")):
        raise PvyieldError(f"{option} runs the batch on Dask, which is not installed; "
                           "install it with: pip install 'pvyield[dask]'")


def _batch(args: argparse.Namespace) -> int:
    from pvyield.batch import clear_cache, compare, run_batch, summary_frame, write_dataset
    from pvyield.batch.dataset import csv_safe

    workers = _worker_count(args.workers)
    if workers is not None or args.scheduler is not None:
        _require_dask("--workers" if workers is not None else "--scheduler")
    # every destination is checked before any work: a mistake found after hours of runs
    # would waste them
    out = check_output_file(args.out, "results file") if args.out.suffix != ".zarr" else (
        check_output_dir(args.out, "results store"))
    csv_path = args.csv or args.out.with_suffix(".summary.csv")
    csv_target = check_output_file(csv_path, "summary table")
    _not_an_input(out, [args.scenario])
    _not_an_input(csv_target, [args.scenario, out])
    if args.report is not None:
        check_output_dir(args.report, "report folder")
    cache_dir = args.out.with_name(args.out.name + ".parts")
    if cache_dir.exists() and not cache_dir.is_dir():
        raise PvyieldError(f"{cache_dir}: exists and is not a folder; it holds the finished "
                           "chunks of a batch")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    if _COMMAND_PROCESS and workers is None and args.scheduler is None and (
            args.engine == "batch"):
        # runs here on the compiled engine (numba), which its first chunk would import:
        # imported now, numba's objects are frozen with the others' (the collector's full
        # passes during 1,000 seats x 2 designs: 0.12 s -> 0.03 s, two runs each)
        import pvyield.model.engine  # noqa: F401

        _freeze_loaded_modules()
    results = run_batch(args.scenario, workers=workers, scheduler=args.scheduler,
                        cache_dir=cache_dir, resume=args.resume, progress=progress,
                        engine=args.engine, dashboard_address=args.dashboard_address,
                        force_workers=args.force_workers)
    write_dataset(results, out)
    write_atomic(csv_path, csv_safe(summary_frame(results)).to_csv(index=False))
    clear_cache(cache_dir)
    comparison = compare(results)
    print(comparison.to_text(max_rows=RANKING_ROWS) if args.compare else
          comparison.ranking_text(max_rows=RANKING_ROWS))
    failed = results["status"].to_series()
    failed = failed[failed != "ok"]
    for (site, scenario), status in failed.items():
        error = str(results["error"].sel(site=site, scenario=scenario).item())
        print(f"{status.upper()}: {site} / {scenario}: {error}", file=sys.stderr)
    if args.report is not None:
        from pvyield.report.batch import batch_report_files
        from pvyield.report.write import write_files

        written = write_files(batch_report_files(results, comparison=comparison), args.report)
        print(f"wrote the report {written[0]}")
    print(f"wrote {args.out} and {csv_path}: {results.sizes['site']} site(s) x "
          f"{results.sizes['scenario']} scenario(s), {len(failed)} run(s) not ok")
    return EXIT_SOME_RUNS_FAILED if len(failed) else 0


def _not_an_input(out: Path | None, inputs: Sequence[Path]) -> None:
    """Refuse an output path that names one of the inputs (it would be replaced)."""
    if out is None:
        return
    target = os.path.realpath(out)
    for path in inputs:
        if os.path.realpath(path) == target:
            raise PvyieldError(f"{out}: is also an input ({path}); choose another output path")


def _worker_count(workers: int | None) -> int | None:
    """``--workers``: at least 1, at most :data:`WORKERS_PER_CPU` per CPU (capped, said)."""
    if workers is None:
        return None
    if workers < 1:
        raise PvyieldError(f"--workers: give a number of worker processes >= 1 (got {workers})")
    cpus = os.cpu_count() or 1
    cap = WORKERS_PER_CPU * cpus
    if workers > cap:
        print(f"pvyield: --workers {workers} capped at {cap} ({WORKERS_PER_CPU} per CPU, "
              f"{cpus} CPU(s))", file=sys.stderr)
        return cap
    return workers


def _weather_inspect(args: argparse.Namespace) -> int:
    report = inspect_weather(args.file, args.label)
    if args.json:
        sys.stdout.write(dumps_json(report))
        return 0
    print(weather_text(args.file, report))
    return 0


def _report(args: argparse.Namespace) -> int:
    from pvyield.report.write import report_files, report_name, write_files  # matplotlib

    check_output_dir(args.out, "report folder")
    paths = _site_files(args.sites, "report")
    steps = _Steps(args.progress)
    # the figures draw the time series: computed with the figures, not by a second run
    results, reconciled = _estimates(paths, args.engine, args.reconcile, steps,
                                     timeseries=True)
    names = [report_name(r) for r in results]
    if len(set(names)) < len(names):
        raise PvyieldError(f"site files with the same name would overwrite each other's "
                           f"reports: {', '.join(str(p) for p in paths)}")
    files = {}
    for i, (result, name, rec) in enumerate(zip(results, names, reconciled, strict=True), 1):
        steps("figures", i, len(results), result.site.name)
        files.update(report_files(result, name, rec))
    write_files(files, args.out)
    for result, name in zip(results, names, strict=True):
        print(f"{summary_text(result)}\n  wrote {args.out / (name + '.html')} and "
              f"{args.out / (name + '.md')}")
    return 0


def _add_validate_parser(commands: argparse._SubParsersAction) -> None:
    val = commands.add_parser(
        "validate", help="estimate plants with measured output and report the deviations")
    val.add_argument("paths", nargs="*", type=Path,
                     help="site files or folders (default: the project's corpus, "
                     "sites/validation)")
    val.add_argument("--out", type=Path, help="write the results as strict JSON here")
    val.add_argument("--figure", type=Path,
                     help="write the predicted-against-measured figure as FIGURE.png and .svg")
    val.add_argument("--markdown", type=Path, help="write the tables as Markdown here")
    val.add_argument("--readme", type=Path,
                     help="rewrite the generated validation block of this README in place")
    _add_engine_option(val)
    val.add_argument("--sensitivities", action="store_true",
                     help="also list the unsourced parameters that move each plant most "
                     "(one-at-a-time runs of the reconciliation; slower)")
    val.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from pvyield.validation import update_readme, validate, write_figure

    for path in (args.out, args.markdown, args.readme):
        if path is not None:
            check_output_file(path)
    if args.figure is not None:  # a stem: .png and .svg are written beside it
        check_output_file(args.figure.with_name(args.figure.name + ".png"), "figure")
    result = validate(args.paths or None, engine=args.engine,
                      sensitivities=args.sensitivities)
    print(result.to_text())
    if args.out is not None:  # also when nothing ran: the failures and skips are in it
        write_atomic(args.out, result.to_json())
        print(f"wrote {args.out}")
    if result.table.empty:
        print("pvyield: no site with a measured figure was validated", file=sys.stderr)
        return 0
    if args.markdown is not None:
        write_atomic(args.markdown, result.to_markdown())
        print(f"wrote {args.markdown}")
    if args.readme is not None:
        try:
            text = args.readme.read_text(encoding="utf-8")
        except OSError as exc:
            raise PvyieldError(f"{args.readme}: cannot read ({exc.strerror})") from None
        write_atomic(args.readme, update_readme(text, result))
        print(f"updated {args.readme}")
    if args.figure is not None:
        png, svg = write_figure(result, args.figure)
        print(f"wrote {png} and {svg}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    text = json.dumps(Site.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.out, text)
    return 0


#: The example site shipped in the package (``pvyield/data``): a copy of the repository's
#: ``sites/mauriti.yaml`` without its editor schema line, which points into the checkout.
EXAMPLE_SITE = "mauriti.yaml"


def _example(args: argparse.Namespace) -> int:
    from pvyield.data import bundled

    text = bundled(EXAMPLE_SITE).read_text(encoding="utf-8")
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.out, text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    console()
