"""Command line: ``pvyield estimate SITE_FILE... [--out FILE.json]`` and ``pvyield schema``.

Thin by design: parse, call the API, print, exit. A user mistake (:class:`PvyieldError`)
prints one clear message and exits with code 2; nothing is written half-way.
"""

from __future__ import annotations

import argparse
import calendar
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pvyield import __version__
from pvyield.errors import PvyieldError
from pvyield.estimate import ENGINES, estimate
from pvyield.results import Result
from pvyield.site.schema import Site

EXIT_USER_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pvyield`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="pvyield: %(message)s")
    try:
        return args.handler(args)
    except PvyieldError as exc:
        print(f"pvyield: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvyield", description="Yield estimates for photovoltaic plants."
    )
    parser.add_argument("--version", action="version", version=f"pvyield {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    est = commands.add_parser("estimate", help="estimate the yield of one or more sites")
    est.add_argument("sites", nargs="+", type=Path, help="site files (.yaml, .yml, .toml)")
    est.add_argument("--out", type=Path, help="write the results as JSON to this file")
    est.add_argument("--quiet", action="store_true", help="print only the summary lines")
    est.add_argument("--engine", choices=tuple(ENGINES), default="reference",
                     help="model chain implementation: the per-site pvlib reference "
                     "(default) or the compiled batch engine; both give the same figures")
    est.set_defaults(handler=_estimate)

    schema = commands.add_parser("schema", help="print the JSON Schema of site files")
    schema.add_argument("--out", type=Path, help="write it to this file instead")
    schema.set_defaults(handler=_schema)
    return parser


def _estimate(args: argparse.Namespace) -> int:
    # all or nothing: errors come first
    results = [estimate(path, engine=args.engine) for path in args.sites]
    for result in results:
        print(summary_text(result) if args.quiet else full_text(result))
    if args.out is not None:
        document = {"pvyield_version": __version__, "sites": [r.to_dict() for r in results]}
        write_atomic(args.out, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    text = json.dumps(Site.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.out, text)
    return 0


def write_atomic(path: Path, text: str) -> None:
    """Write a file through a temporary file in the same folder, then rename it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise PvyieldError(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary_text(r: Result) -> str:
    """One line per site."""
    return (f"{r.site.name}: {r.annual_energy_gwh:,.1f} GWh/yr, "
            f"{r.specific_yield_kwh_per_kwp:,.0f} kWh/kWp, CF(AC) {r.capacity_factor_ac:.1%}, "
            f"PR {r.performance_ratio:.1%}, {r.households_served:,.0f} households")


def full_text(r: Result) -> str:
    """A readable report of one estimate for the terminal."""
    site, w = r.site, r.weather
    plant = site.plant
    lines = [
        "=" * 78,
        f"{site.name} ({site.region + ', ' if site.region else ''}{site.country})  "
        f"{site.latitude:.4f}, {site.longitude:.4f}, {site.elevation_m:.0f} m, {site.timezone}",
        f"{plant.dc_capacity_mwp:g} MWp / {plant.ac_capacity_mwac:g} MWac "
        f"(DC/AC {plant.dc_ac_ratio:.2f}), {plant.mounting.type} mounting, "
        f"bifaciality {plant.bifaciality:g}",
        f"weather: {w.source}" + (" [SYNTHETIC]" if w.synthetic else ""),
        f"         {w.distance_km:.0f} km from the site, {w.elevation_difference_m:+.0f} m",
        "-" * 78,
        f"annual energy        {r.annual_energy_gwh:10,.1f} GWh/yr (first year)",
        f"specific yield       {r.specific_yield_kwh_per_kwp:10,.0f} kWh/kWp",
        f"capacity factor      {r.capacity_factor_ac:10.1%} AC   {r.capacity_factor_dc:.1%} DC",
        f"performance ratio    {r.performance_ratio:10.1%}",
        f"households served    {r.households_served:10,.0f}  at "
        f"{r.households.kwh_per_household_year:,.0f} kWh/yr each ({r.households.source})",
        f"                     range {r.households.households_low:,.0f}-"
        f"{r.households.households_high:,.0f} ({r.households.range_note})",
        "",
        "month        " + " ".join(f"{calendar.month_abbr[m]:>6}" for m in range(1, 13)),
        "energy GWh   " + " ".join(f"{v:6.1f}" for v in r.monthly["energy_gwh"]),
        "GHI kWh/m2   " + " ".join(f"{v:6.0f}" for v in r.monthly["ghi_kwh_m2"]),
        "PR           " + " ".join(f"{v:6.1%}" for v in r.monthly["performance_ratio"]),
        "",
        "loss chain (relative to the stage before; negative = gain)",
    ]
    lines += [f"  {stage:<14}{row.loss_pct:+7.2f} %   -> {row.energy_gwh:9,.1f} GWh"
              for stage, row in r.losses.iterrows()]
    lines += ["", "checks against reported figures (deviation = reported / estimate - 1)"]
    for c in r.checks:
        est = "" if c.estimate is None else f"estimate {_num(c.estimate)}"
        dev = "" if c.deviation_pct is None else f"{c.deviation_pct:+6.1f} %"
        implied = ", ".join(f"{k} {_num(v)}" for k, v in c.implied.items())
        lines.append(f"  {c.metric:<18} reported {_num(c.reported)}  {est}  {dev}  "
                     f"-> {c.verdict.upper()}")
        if implied:
            lines.append(f"      implies: {implied}")
        if c.drivers:
            lines.append(f"      depends most on: {', '.join(c.drivers)}")
        lines.append(f"      source: {c.source}" + (f" ({c.date})" if c.date else " (undated)"))
    lines += ["", f"assumptions ({len(r.assumptions)}):"]
    lines += [f"  - {a}" for a in r.assumptions]
    return "\n".join(lines)


def _num(value: float) -> str:
    """Numbers for people: thousands separators for large values, 4 digits for small."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
