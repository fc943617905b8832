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
import calendar
import contextlib
import json
import logging
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pvyield import __version__, interrupt
from pvyield.errors import PvyieldError
from pvyield.estimate import ENGINES, estimate
from pvyield.files import atomic_path, check_output_dir, check_output_file, write_atomic
from pvyield.reconcile import Reconciliation, reconcile
from pvyield.results import Result
from pvyield.results.uncertainty import CONDITIONAL_LABEL, DESIGN_RULE, INCLUDING_DESIGN_LABEL
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
    est.add_argument("--engine", choices=tuple(ENGINES), default="batch",
                     help="model chain implementation: the compiled engine (default) or "
                     "the per-site pvlib reference, for checking; both give the same figures")
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
               steps: _Steps | None = None
               ) -> tuple[list[Result], list[Reconciliation | None]]:
    """Estimate every site (all before any output: errors come first), and reconcile each
    on the same weather when asked."""
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
        results.append(estimate(site, weather, engine=engine))
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
        sites = [{**r.to_dict(), **({"reconciliation": rec.to_dict()} if rec else {})}
                 for r, rec in zip(results, reconciled, strict=True)]
        document = {"pvyield_version": __version__, "sites": sites}
        text = dumps_json(document)
    for result, rec in zip(results, reconciled, strict=True):
        print(summary_text(result) if args.quiet else full_text(result, rec))
    if out is not None:
        write_atomic(out, text)
        print(f"wrote {args.out}")
    if series is not None:
        write_timeseries(results[0], series)
        print(f"wrote {args.timeseries}")
    return 0


#: Hourly columns of ``--timeseries``: chain column -> exported name with its unit.
TIMESERIES_COLUMNS = {
    "ghi": "ghi_w_m2",
    "poa_global": "poa_global_w_m2",
    "effective_irradiance": "effective_irradiance_w_m2",
    "temp_air": "temp_air_c",
    "temp_cell": "temp_cell_c",
    "p_dc": "p_dc_w",
    "p_ac": "p_ac_w",
}


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


def timeseries_frame(result: Result) -> pd.DataFrame:
    """The chain's hourly stages with units in the column names, in the site's local time.

    Irradiances in W/m^2 (``effective_irradiance_w_m2``: front and rear after shading,
    IAM, spectral and soiling, as the DC model sees it), temperatures in degrees C, powers
    in W for the whole plant (``p_dc_w`` after mismatch, DC wiring and LID; ``p_ac_w`` at
    the grid after clipping, AC losses and availability), each the mean over its interval.
    The index ``time`` is the chain's stamps, the centre of each interval, in the site's
    time zone.
    """
    frame = result.timeseries[list(TIMESERIES_COLUMNS)].rename(columns=TIMESERIES_COLUMNS)
    frame.index = frame.index.rename("time")
    return frame


def write_timeseries(result: Result, path: Path) -> None:
    """Write :func:`timeseries_frame` atomically: Parquet for ``.parquet``, else CSV with
    ISO 8601 stamps carrying their UTC offset."""
    frame = timeseries_frame(result)
    if path.suffix.lower() == ".parquet":
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp)
        return
    text = frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S%z", float_format="%.6g")
    # %z gives +0300; ISO 8601 extended form (+03:00) is what readers parse everywhere
    text = re.sub(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d)(\d\d),", r"\1:\2,",
                  text, flags=re.MULTILINE)
    write_atomic(path, text)


def finite_json(value: Any) -> Any:
    """A copy of JSON-ready data with NaN and infinities as None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            return finite_json(value.item())
        except (TypeError, ValueError):
            return value
    return value


def dumps_json(document: Any) -> str:
    """Strict JSON (RFC 8259: NaN and infinities written as null), UTF-8, indented."""
    return json.dumps(finite_json(document), indent=2, ensure_ascii=False,
                      allow_nan=False, default=str) + "\n"


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
    print(f"{args.file}: {report['format']}, {report['source']}")
    print(f"  at {report['latitude']:.4f}, {report['longitude']:.4f}, "
          f"{report['elevation_m']:.0f} m; {report['rows']} rows every "
          f"{report['time_step_minutes']:g} min, {report['start']} .. {report['end']}")
    print(f"  annual GHI {report['annual_ghi_kwh_m2']:,.0f} kWh/m2; stamps were "
          f"'{report['source_label']}', now interval centres")
    by_year = report["annual_ghi_kwh_m2_by_year"]
    if by_year:
        print("  GHI by year: " + ", ".join(f"{y} {v:,.0f}" for y, v in by_year.items())
              + " kWh/m2")
    shift = report["qc"]["time_shift_minutes"]
    print("  time shift: " + ("not measurable (too few clear days)" if shift is None
                              else f"{shift:+.0f} min against clear-sky noon"))
    flags = report["qc"]["flags"]
    print(f"  {len(flags)} flag(s)" + (":" if flags else ""))
    for flag in flags:
        print(f"    [{flag['severity']}] {flag['code']}: {flag['message']}")
    if any(flag["severity"] == "error" for flag in flags):
        print("  an estimate refuses this weather unless the site file accepts each error "
              "(weather.accept; see 'What the weather gate refuses' in the README)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pvyield.report.write import report_files, report_name, write_files  # matplotlib

    check_output_dir(args.out, "report folder")
    paths = _site_files(args.sites, "report")
    steps = _Steps(args.progress)
    results, reconciled = _estimates(paths, "reference", args.reconcile, steps)
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
    val.add_argument("--engine", choices=tuple(ENGINES), default="reference",
                     help="model chain implementation, as for 'estimate'")
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


def summary_text(r: Result) -> str:
    """One line per site."""
    if r.partial_period:
        return (f"{r.site.name}: {r.annual_energy_gwh:,.1f} GWh per 8,760 h scaled from "
                f"{r.qc.coverage.describe()}, NOT annual; "
                f"{r.specific_yield_kwh_per_kwp:,.0f} kWh/kWp per 8,760 h")
    return (f"{r.site.name}: {r.annual_energy_gwh:,.1f} GWh/yr, "
            f"{r.specific_yield_kwh_per_kwp:,.0f} kWh/kWp, CF(AC) {r.capacity_factor_ac:.1%}, "
            f"PR {r.performance_ratio:.1%}, {households_text(r)}")


def households_text(r: Result) -> str:
    """'123,456 households', or why there is no figure."""
    if not math.isfinite(r.households_served):
        return f"no household consumption figure for {r.site.country}"
    return f"{r.households_served:,.0f} households"


def _equipment_lines(plant) -> list[str]:
    """The real module and inverter, when the site names them."""
    eq = plant.equipment
    if eq is None:
        return []
    lines = []
    if eq.module is not None:
        lines.append(f"module:   {eq.module.describe()}, {eq.modules:,.0f} modules")
    if eq.inverter is not None:
        lines.append(f"inverter: {eq.inverter.describe()}, {eq.inverters:,.1f} inverters")
    return lines


def full_text(r: Result, rec: Reconciliation | None = None) -> str:
    """A readable report of one estimate (and its reconciliation) for the terminal."""
    site, w = r.site, r.weather
    plant = site.plant
    lines = [
        "=" * 78,
        f"{site.name} ({site.region + ', ' if site.region else ''}{site.country})  "
        f"{site.latitude:.4f}, {site.longitude:.4f}, {site.elevation_m:.0f} m, {site.timezone}",
        f"{plant.dc_capacity_mwp:g} MWp / {plant.ac_capacity_mwac:g} MWac "
        f"(DC/AC {plant.dc_ac_ratio:.2f}), {plant.mounting.type} mounting, "
        f"bifaciality {plant.bifaciality:g}",
        *_equipment_lines(plant),
        f"weather: {w.source}" + (" [SYNTHETIC]" if w.synthetic else ""),
        f"         {w.distance_km:.0f} km from the site, {w.elevation_difference_m:+.0f} m",
        *(f"         warning: {text}" for text in w.warnings),
        "-" * 78,
        *_energy_lines(r),
        f"specific yield       {r.specific_yield_kwh_per_kwp:10,.0f} kWh/kWp",
        f"capacity factor      {r.capacity_factor_ac:10.1%} AC   {r.capacity_factor_dc:.1%} DC",
        f"performance ratio    {r.performance_ratio:10.1%}",
        *_households_lines(r),
        "",
        "month        " + " ".join(f"{calendar.month_abbr[m]:>6}" for m in range(1, 13)),
        "energy GWh   " + " ".join(f"{v:6.1f}" for v in r.monthly["energy_gwh"]),
        "GHI kWh/m2   " + " ".join(f"{v:6.0f}" for v in r.monthly["ghi_kwh_m2"]),
        "PR           " + " ".join(f"{v:6.1%}" for v in r.monthly["performance_ratio"]),
        "",
        "loss chain (relative to the stage before; positive = loss, negative = gain)",
    ]
    # a fixed loss (mismatch 1.495 %) comes back from the energy ratio with float noise in
    # its last bits, which would decide the printed rounding: round that noise away first
    lines += [f"  {stage:<14}{round(row.loss_pct, 9):+7.2f} %   -> {row.energy_gwh:9,.1f} GWh"
              for stage, row in r.losses.iterrows()]
    lines += ["", *check_lines(r, rec)]
    lines += ["", *uncertainty_lines(r, rec)]
    if rec is not None:
        lines += ["", *reconciliation_lines(rec)]
    lines += ["", f"assumptions ({len(r.assumptions)}):"]
    lines += [f"  - {a}" for a in r.assumptions]
    return "\n".join(lines)


def _energy_lines(r: Result) -> list[str]:
    """The headline energy: annual, or scaled to a year from a partial period (stated)."""
    if not r.partial_period:
        return [f"annual energy        {r.annual_energy_gwh:10,.1f} GWh/yr (first year)"]
    c = r.qc.coverage
    return [f"energy, scaled       {r.annual_energy_gwh:10,.1f} GWh per 8,760 h (first year): "
            "NOT an annual figure",
            f"                     = energy of {c.describe()} x 8,760 h / "
            f"{c.present_hours:,.0f} h; the seasons missing are not in it; figures per year "
            "below are scaled the same way"]


def _households_lines(r: Result) -> list[str]:
    h = r.households
    if not math.isfinite(h.households):
        return [f"households served    {households_text(r)} (give households: in the site "
                "file)"]
    return [f"households served    {h.households:10,.0f}  at "
            f"{h.kwh_per_household_year:,.0f} kWh/yr each ({h.source})",
            f"                     range {h.households_low:,.0f}-"
            f"{h.households_high:,.0f} ({h.range_note})"]


def check_lines(r: Result, rec: Reconciliation | None = None) -> list[str]:
    """Each reported figure: verdict, basis, the model quantity it was set against."""
    lines = ["checks against reported figures (deviation = reported / model - 1; verdicts: "
             "consistent within ±10 %, questionable within ±20 %, inconsistent beyond)"]
    ranked = next((c.depends_on for c in rec.claims if c.depends_on), ()) if rec else ()
    for c in r.checks:
        est = "" if c.estimate is None else f"model {_num(c.estimate)}"
        dev = "" if c.deviation_pct is None else f"{c.deviation_pct:+6.1f} %"
        implied = ", ".join(f"{k} {_num(v)}" for k, v in c.implied.items())
        lines.append(f"  {c.metric:<18} reported {_num(c.reported)}  {est}  {dev}  "
                     f"-> {c.verdict.upper()}")
        lines.append(f"      basis: {c.basis}"
                     + (f"; compared with: {c.compared_with}" if c.compared_with else ""))
        if c.note:
            lines.append(f"      {c.note}")
        if implied:
            lines.append(f"      implies: {implied}")
        if c.drivers and c.metric == "households":
            lines.append("      depends on: the consumption per household (a claim about "
                         "consumption, not about the plant)")
        elif c.drivers and ranked:
            lines.append(f"      depends most on (measured effect): {'; '.join(ranked[:4])}")
        elif c.drivers:
            lines.append(f"      rests on (unranked; the reconciliation ranks them): "
                         f"{', '.join(c.drivers)}")
        lines.append(f"      source: {c.source}" + (f" ({c.date})" if c.date else " (undated)"))
    return lines


def uncertainty_lines(r: Result, rec: Reconciliation | None = None) -> list[str]:
    """P-values of the four labelled periods, conditional on the assumed design and, with
    the reconciliation's runs, including the design's measured spread; the lifetime."""
    u = r.uncertainty
    # a partial period is scaled to 8,760 h: its P-values are not of a year either
    unit = "GWh per 8,760 h, scaled" if r.partial_period else "GWh/yr"
    lines = [f"exceedance (normal): model and data {u.model_sigma_pct:.1f} %, inter-annual "
             f"{u.interannual.sigma_pct:.1f} % ({u.interannual.source})"
             + (" -- from a partial period scaled to 8,760 h, NOT annual"
                if r.partial_period else "")]
    design = rec.design if rec is not None else None
    if u.conditional_on:
        lines.append(f"  {CONDITIONAL_LABEL}: " + ", ".join(u.conditional_on)
                     + " (other designs are not in sigma)")
    lines += _exceedance_rows(u, unit)
    lines.append("  (degradation lowers the P50 of the degraded rows: their P90 can lie below "
                 "year 1's)")
    if design is not None:
        lines.append(f"  {INCLUDING_DESIGN_LABEL}: design {design.item.sigma_pct:.2f} % = "
                     + " (+) ".join(f"{p.name} {p.sigma_pct:.2f} %" for p in design.parts)
                     + f"; model and data with it {design.uncertainty.model_sigma_pct:.2f} %")
        lines.append(f"      rule: {DESIGN_RULE}")
        if design.not_run:
            lines.append("      not in the item: " + "; ".join(design.not_run))
        lines += _exceedance_rows(design.uncertainty, unit)
    elif u.conditional_on:
        lines.append(f"  {INCLUDING_DESIGN_LABEL}: needs the reconciliation's runs "
                     "(not run: --no-reconcile)" if rec is None else
                     f"  {INCLUDING_DESIGN_LABEL}: no assumed design field has a run")
    lines.append(f"  lifetime: {len(u.lifetime_gwh)} years at "
                 f"{r.site.losses.degradation_pct_per_year:g} %/yr degradation, average "
                 f"{u.lifetime_average_gwh:,.1f} {unit} (year 1: {u.lifetime_gwh[0]:,.1f}, "
                 f"year {len(u.lifetime_gwh)}: {u.lifetime_gwh[-1]:,.1f})")
    return lines


def _exceedance_rows(u, unit: str) -> list[str]:
    """The header and one row per labelled period of a set of P-values."""
    lines = [f"  {'':<34}" + "".join(f"{'P' + str(level):>9}" for level in (50, 75, 90, 99))
             + "    sigma"]
    for ex in u.periods:
        lines.append(f"  {ex.label:<34}" + "".join(f"{ex.at(level):9,.1f}" for level in
                                                  (50, 75, 90, 99))
                     + f"  {ex.sigma_pct:5.1f} %  {unit}")
    return lines


_DIRECTION = {"understated": "the claim understates the supply",
              "overstated": "the claim overstates the supply",
              "within": "consumption inside the published figures"}


def reconciliation_lines(rec: Reconciliation, years: int | None = None) -> list[str]:
    """Each claim with its check's verdict and basis, what would meet it, and the
    one-at-a-time sensitivities."""
    lines = ["reconciliation (same verdicts and basis as the checks; P(exceed) = chance the "
             "matching period's energy exceeds the claim)"]
    for c in rec.claims:
        if c.axis == "consumption":
            lines.append(f"  {c.metric:<18} {_num(c.reported):>9}  = "
                         f"{c.implied_kwh_per_household:7,.0f} kWh/household/yr  "
                         f"-> {c.verdict.upper()} ({_DIRECTION[c.direction]})")
        else:
            lines.append(f"  {c.metric:<18} {_num(c.reported):>9}  = "
                         f"{c.implied_energy_gwh:7,.1f} GWh/yr vs {c.model_gwh:7,.1f}  "
                         f"P(exceed) {c.exceedance_pct:3.0f} %  -> {c.verdict.upper()}")
        lines.append(f"      basis: {c.basis}; compared with: {c.compared_with}")
        label = "explained by" if c.axis == "consumption" else "met by"
        lines += [f"      {label if i == 0 else 'or':<12} {need}"
                  for i, need in enumerate(c.needs)]
    lines.append("  sensitivities, one at a time (annual energy, base "
                 f"{rec.base_energy_gwh:,.1f} GWh):")
    for s in rec.sensitivities:
        low = s.low if isinstance(s.low, str) else _num(s.low)
        high = s.high if isinstance(s.high, str) else _num(s.high)
        base = s.base if isinstance(s.base, str) else _num(s.base)
        lines.append(f"    {s.parameter:<28} {low:>11} -> {s.energy_low_gwh:7,.1f}   "
                     f"{high:>11} -> {s.energy_high_gwh:7,.1f}   (base {base}; {s.why})")
    ranked = next((c.depends_on for c in rec.claims if c.depends_on), ())
    if ranked:
        lines.append("  depends most on (ranked by measured effect; below "
                     "0.5 % left out): " + "; ".join(ranked))
    lines += [f"    skipped: {text}" for text in rec.skipped]
    return lines


def _num(value: float) -> str:
    """Numbers for people: thousands separators for large values, 4 digits for small."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
