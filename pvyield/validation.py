"""Validation: pvyield's estimates against the measured output of real plants.

For every site file that carries a *measured* figure (``reported`` with ``basis: measured``),
the site is estimated (no reconciliation runs) and the estimate is brought to the same basis
as the figure before the two are compared:

- energy-like figures (annual energy, daily energy, AC capacity factor) are turned into an
  annual energy [GWh/yr];
- a measured mean of calendar years is compared with the **modelled mean of those operating
  years**: ``first-year estimate x mean over y in years of (1 - d) ** (y - Y1)``, with ``d``
  the site's ``losses.degradation_pct_per_year`` and ``Y1`` the plant's first operating year
  (:func:`pvyield.results.checks.operating_years_factor`);
- a figure for a named part of the plant is compared with the estimate scaled by the part's
  AC capacity.

The deviation of a plant is ``modelled / measured - 1`` [%] (positive: pvyield reads high).
Over a set of plants: bias = mean deviation, MAPE = mean absolute deviation, RMSE = root mean
square deviation, all in percent of the measured figure, each plant weighted equally.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pvyield.errors import PvyieldError
from pvyield.estimate import DEFAULT_ENGINE, ENGINES, estimate_sites
from pvyield.files import write_atomic
from pvyield.results import Result
from pvyield.results.checks import HOURS_PER_YEAR, like_for_like, operating_years_factor
from pvyield.site import load_site, read_mapping
from pvyield.site.schema import FixedMount, Reported, Site
from pvyield.weather import weather_for_sites

#: The project's own validation corpus (site files, plants.csv index, README). It lives in
#: the source repository beside the package, with the 10 MB of weather files its sites point
#: to, and is not part of the wheel: an installed pvyield validates the paths it is given.
CORPUS_DIR = Path(__file__).resolve().parent.parent / "sites" / "validation"
#: Name of the optional index beside the site files: technology of each plant.
INDEX_NAME = "plants.csv"
#: Metrics that convert to an annual energy.
ENERGY_METRICS = ("annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac")
#: Site-file fields that move an energy estimate most, with a short label for the table.
DRIVING_FIELDS = {
    "plant.dc_capacity_mwp": "DC rating",
    "plant.module_power_wp": "module rating (DC)",
    "plant.ac_capacity_mwac": "AC rating",
    "plant.mounting": "mounting",
    "plant.mounting.type": "mounting type",
    "plant.mounting.orientations": "tilt/azimuth",
    "plant.mounting.orientations.0.tilt_deg": "tilt",
    "plant.mounting.gcr": "GCR",
    "plant.mounting.max_angle_deg": "tracker limit",
    "plant.mounting.backtrack": "backtracking",
    "plant.gamma_pdc_pct_per_c": "temp. coefficient",
    "plant.bifaciality": "bifaciality",
    "plant.blocks": "block split",
    "losses": "losses",
}
#: Columns of :attr:`Validation.table`.
COLUMNS = ("plant", "file", "path", "metric", "basis", "years", "measured_gwh", "first_year_gwh",
           "degradation_factor", "modelled_gwh", "deviation_pct", "mounting", "technology",
           "dc_mwp", "ac_mwac", "weather_distance_km", "weather_elevation_difference_m",
           "assumed", "defaults", "moves_most", "explanation")
#: Plants whose deviation is beyond this [%] carry their explanation in the tables: the
#: site file's ``reported[].doubts`` (what sites/validation/README.md documents), or
#: :data:`UNEXPLAINED` when the file gives none.
EXPLAIN_BEYOND_PCT = 8.0
UNEXPLAINED = "unexplained"
#: Sensitivities listed per plant by ``validate(..., sensitivities=True)``.
TOP_SENSITIVITIES = 3
ROUND_GWH = 1
ROUND_PCT = 1


@dataclasses.dataclass(frozen=True)
class Failure:
    """A site file that could not be validated, and why."""

    file: str
    message: str


@dataclasses.dataclass(frozen=True)
class Validation:
    """Estimates against measured figures.

    Attributes
    ----------
    table : DataFrame
        One row per measured energy figure (:data:`COLUMNS`): measured and modelled annual
        energy [GWh/yr], the degradation factor applied, the deviation
        ``modelled / measured - 1`` [%], mounting, technology, capacities, the weather's
        distance [km], the assumed parameters that drive the estimate and the defaults used.
    summary : DataFrame
        Bias, MAPE and RMSE [%] and the number of plants, overall then by mounting and by
        technology (index: ``group``, ``value``).
    failures : list of Failure
        Site files that failed to load or estimate.
    skipped : list of str
        Site files without a measured figure (or not site files).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    failures: list[Failure]
    skipped: list[str]

    @property
    def bias_pct(self) -> float:
        """Mean deviation over all plants [%]."""
        return float(self.summary.loc[("all", "all"), "bias_pct"])

    @property
    def mape_pct(self) -> float:
        """Mean absolute deviation over all plants [%]."""
        return float(self.summary.loc[("all", "all"), "mape_pct"])

    @property
    def rmse_pct(self) -> float:
        """Root mean square deviation over all plants [%]."""
        return float(self.summary.loc[("all", "all"), "rmse_pct"])

    def to_dict(self) -> dict[str, Any]:
        """Plain data for strict JSON (no NaN: missing values are null)."""
        return {
            "deviation": "modelled / measured - 1 [%]; modelled = first-year estimate x mean "
                         "over the measured years of (1 - d)^(year - first operating year)",
            "plants": [{k: _plain(v) for k, v in row.items()}
                       for row in self.table.to_dict(orient="records")],
            "summary": [{"group": g, "value": v, **{k: _plain(x) for k, x in row.items()}}
                        for (g, v), row in self.summary.to_dict(orient="index").items()],
            "failures": [dataclasses.asdict(f) for f in self.failures],
            "skipped": list(self.skipped),
        }

    def to_json(self) -> str:
        """Strict JSON text (``allow_nan=False``)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def to_markdown(self) -> str:
        """The per-plant table and the summary table, rounded as :data:`ROUND_GWH` and
        :data:`ROUND_PCT` say."""
        lines = ["| plant | mounting | technology | measured GWh/yr (years) | pvyield GWh/yr "
                 "(degradation) | deviation | assumed inputs; weather distance | why beyond "
                 f"±{EXPLAIN_BEYOND_PCT:g} % |",
                 "|---|---|---|---|---|---|---|---|"]
        notes: list[str] = []
        for r in self.table.itertuples():
            mark = ""
            if r.explanation:
                notes.append(f"{len(notes) + 1}. {r.plant} ({r.deviation_pct:+.{ROUND_PCT}f} %): "
                             f"{_markdown_text(r.explanation)}")
                mark = f"note {len(notes)}"
            lines.append(
                f"| {r.plant} | {r.mounting} | {r.technology} | {r.measured_gwh:,.{ROUND_GWH}f}"
                f" ({r.years}) | {r.modelled_gwh:,.{ROUND_GWH}f} (x {r.degradation_factor:.3f}) "
                f"| {r.deviation_pct:+.{ROUND_PCT}f} % | {r.assumed or 'none'}; "
                f"{r.weather_distance_km:.0f} km | {mark} |")
        if notes:
            lines += ["", f"Plants beyond ±{EXPLAIN_BEYOND_PCT:g} %, as their site files "
                      "explain them (`reported[].doubts`, from sites/validation/README.md; "
                      f"'{UNEXPLAINED}' where nothing documented explains the gap):", "",
                      *notes]
        lines += ["", "| plants | n | bias | MAPE | RMSE |", "|---|---|---|---|---|"]
        for (group, value), row in self.summary.iterrows():
            label = "all" if group == "all" else f"{group}: {value}"
            lines.append(f"| {label} | {row.n:.0f} | {row.bias_pct:+.{ROUND_PCT}f} % | "
                         f"{row.mape_pct:.{ROUND_PCT}f} % | {row.rmse_pct:.{ROUND_PCT}f} % |")
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """Terminal report: one line per plant, the statistics, failures and skips."""
        lines = [f"{'plant':<38}{'measured':>10}{'modelled':>10}{'dev':>8}  mounting/tech  "
                 "assumed"]
        for r in self.table.itertuples():
            lines.append(f"{r.plant[:37]:<38}{r.measured_gwh:10,.1f}{r.modelled_gwh:10,.1f}"
                         f"{r.deviation_pct:+7.1f}%  {r.mounting}/{r.technology}  "
                         f"{r.assumed or 'none'}; weather {r.weather_distance_km:.0f} km")
            if r.moves_most:
                lines.append(f"{'':<38}moves most: {r.moves_most}")
            if r.explanation:
                lines.append(f"{'':<38}why: {r.explanation}")
        lines += ["", "GWh/yr; modelled = first-year estimate x mean over the measured years "
                  "of (1 - d)^(year - first operating year); dev = modelled / measured - 1", ""]
        for (group, value), row in self.summary.iterrows():
            if not row.n:
                continue  # no plant: no statistics
            label = "all plants" if group == "all" else f"{group} {value}"
            lines.append(f"{label:<34} n={row.n:<3.0f} bias {row.bias_pct:+6.1f} %  "
                         f"MAPE {row.mape_pct:5.1f} %  RMSE {row.rmse_pct:5.1f} %")
        lines += [f"skipped {s}" for s in self.skipped]
        lines += [f"FAILED {f.file}: {f.message}" for f in self.failures]
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def deviation_stats(modelled: Sequence[float], measured: Sequence[float]) -> dict[str, float]:
    """Bias, MAPE and RMSE of modelled against measured values [%], plants weighted equally.

    With ``e_i = (modelled_i / measured_i - 1) x 100``: bias = mean(e), MAPE = mean(|e|),
    RMSE = sqrt(mean(e^2)).
    """
    errors = [(m / x - 1.0) * 100.0 for m, x in zip(modelled, measured, strict=True)]
    if not errors:
        return {"n": 0, "bias_pct": math.nan, "mape_pct": math.nan, "rmse_pct": math.nan}
    n = len(errors)
    return {"n": n, "bias_pct": sum(errors) / n, "mape_pct": sum(abs(e) for e in errors) / n,
            "rmse_pct": math.sqrt(sum(e * e for e in errors) / n)}


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """Statistics overall, by mounting and by technology (see :func:`deviation_stats`)."""
    rows = {("all", "all"): deviation_stats(table["modelled_gwh"], table["measured_gwh"])}
    for column in ("mounting", "technology"):
        for value, part in table.groupby(column, sort=True):
            rows[(column, str(value))] = deviation_stats(part["modelled_gwh"],
                                                         part["measured_gwh"])
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index = pd.MultiIndex.from_tuples(summary.index, names=["group", "value"])
    return summary


def measured_annual_gwh(site: Site, reported: Reported) -> float:
    """A measured energy-like figure as annual energy [GWh/yr] (capacity factor on the AC
    capacity of the part it covers)."""
    if reported.metric == "annual_energy_gwh":
        return reported.value
    if reported.metric == "daily_energy_mwh":
        return reported.value * 365.0 / 1e3
    ac_mwac = reported.scope_ac_capacity_mwac or site.plant.ac_capacity_mwac
    return reported.value * ac_mwac * HOURS_PER_YEAR / 1e3


def site_files(paths: Iterable[str | Path]) -> list[Path]:
    """Site files among the paths; folders give their ``*.yaml``, ``*.yml``, ``*.toml``."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir()
                            if p.suffix in (".yaml", ".yml", ".toml") and p.is_file())
        elif path.exists():
            found.append(path)
        else:
            raise PvyieldError(f"{path}: no such file or folder")
    return found


def read_index(folder: Path) -> dict[str, str]:
    """Technology of each site file from the folder's ``plants.csv`` (columns ``site_file``,
    ``technology_class``), when there is one."""
    index = folder / INDEX_NAME
    if not index.is_file():
        return {}
    with index.open(encoding="utf-8", newline="") as fh:
        return {Path(row["site_file"]).name: row["technology_class"]
                for row in csv.DictReader(fh)}


def validate(paths: Iterable[str | Path] | None = None, *,
             engine: str = DEFAULT_ENGINE, sensitivities: bool = False) -> Validation:
    """Estimate every site with a measured figure and compare like with like.

    Parameters
    ----------
    paths : site files or folders, optional
        Default: the project's corpus, :data:`CORPUS_DIR`.
    engine : {"batch", "reference"}
        Model-chain implementation, as for :func:`pvyield.estimate`: the compiled engine
        (default) runs every plant in one call; the pvlib reference, one by one, is there
        for checking (both give the same deviations).
    sensitivities : bool
        Also run the one-at-a-time sensitivities of :func:`pvyield.reconcile.reconcile`
        (about 16 more model runs per plant) and list, in ``moves_most``, the
        :data:`TOP_SENSITIVITIES` parameters that are not sourced in the site file and move
        the estimate most within their stated ranges.

    Returns
    -------
    Validation
        The per-plant table, bias/MAPE/RMSE overall and by mounting and technology, and the
        files that failed or were skipped. A file that fails to load or to estimate is
        listed in ``failures``; the others still run.

    Notes
    -----
    modelled = first-year estimate x mean over y in years of (1 - d)^(y - Y1) (see
    :func:`pvyield.results.checks.operating_years_factor`); deviation = modelled /
    measured - 1.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if paths is None and not CORPUS_DIR.is_dir():
        raise PvyieldError(
            f"{CORPUS_DIR}: the validation corpus is not installed (it ships with the source "
            "repository, sites/validation/, not with the package); give the site files or "
            "folder to validate")
    files = site_files([CORPUS_DIR] if paths is None else paths)
    plants, failures, skipped = [], [], []
    for path in files:
        try:
            data = read_mapping(path)
            if "sites" in data and "matrix" in data:
                skipped.append(f"{path}: scenario file")
                continue
            site = load_site(path)
        except PvyieldError as exc:
            failures.append(Failure(str(path), str(exc)))
            continue
        measured = [r for r in site.reported
                    if r.basis == "measured" and r.metric in ENERGY_METRICS]
        if not measured:
            skipped.append(f"{path}: no measured energy figure")
            continue
        plants.append((path, site, measured))
    # the weather of every plant, then every estimate at once: the engine runs all the
    # plants in one call; a plant that fails is listed and the others still run
    weathers = weather_for_sites([site for _, site, _ in plants])
    ready = []
    for plant, weather in zip(plants, weathers, strict=True):
        if not _failed(plant[0], weather, failures):
            ready.append((plant, weather))
    results = estimate_sites([site for (_, site, _), _ in ready],
                             [weather for _, weather in ready], engine=engine)
    rows = []
    for ((path, _, measured), weather), result in zip(ready, results, strict=True):
        if _failed(path, result, failures):
            continue
        try:
            moves = moves_most(result, weather, engine) if sensitivities else ""
        except PvyieldError as exc:
            failures.append(Failure(str(path), str(exc)))
            continue
        technology = read_index(path.parent).get(path.name, "unknown")
        rows += [{**_row(path, result, r, technology), "moves_most": moves} for r in measured]
    order = {str(path): n for n, path in enumerate(files)}
    failures.sort(key=lambda f: order[f.file])  # in the order of the files
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return Validation(table, summary_table(table), failures, skipped)


def _failed(path: Path, outcome: Any, failures: list[Failure]) -> bool:
    """Whether an outcome is the error of a plant; if so, it is listed in ``failures``."""
    if isinstance(outcome, PvyieldError):
        failures.append(Failure(str(path), str(outcome)))
        return True
    return False


def _row(path: Path, result: Result, reported: Reported, technology: str) -> dict[str, Any]:
    site = result.site
    modelled, _ = like_for_like(site, reported, result.annual_energy_gwh)
    measured = measured_annual_gwh(site, reported)
    first, last = reported.years or (None, None)
    return {
        "plant": site.name if reported.scope is None else f"{site.name} ({reported.scope})",
        "file": path.name,
        "path": str(path),
        "metric": reported.metric,
        "basis": reported.basis_text(),
        "years": f"{first}" if first == last else f"{first}-{last}",
        "measured_gwh": measured,
        "first_year_gwh": result.annual_energy_gwh,
        "degradation_factor": operating_years_factor(
            reported, site.losses.degradation_pct_per_year),
        "modelled_gwh": modelled,
        "deviation_pct": (modelled / measured - 1.0) * 100.0,
        "mounting": mounting_label(site),
        "technology": technology,
        "dc_mwp": site.plant.dc_capacity_mwp,
        "ac_mwac": site.plant.ac_capacity_mwac,
        "weather_distance_km": result.weather.distance_km,
        "weather_elevation_difference_m": result.weather.elevation_difference_m,
        "assumed": ", ".join(driving_assumptions(result, "assumption")),
        "defaults": ", ".join(driving_assumptions(result, "default")),
        "explanation": explanation(reported, (modelled / measured - 1.0) * 100.0),
    }


def explanation(reported: Reported, deviation_pct: float) -> str:
    """What explains a plant's deviation beyond :data:`EXPLAIN_BEYOND_PCT`: the site
    file's ``doubts`` of the figure, else :data:`UNEXPLAINED`; '' within the threshold."""
    if abs(deviation_pct) <= EXPLAIN_BEYOND_PCT:
        return ""
    return reported.doubts or UNEXPLAINED


def mounting_label(site: Site) -> str:
    """'fixed', 'single-axis', or for a plant of blocks of different mountings their
    kinds joined ('fixed + single-axis')."""
    kinds = sorted({"fixed" if isinstance(m, FixedMount) else "single-axis"
                    for m, _ in site.plant.mounting_shares()})
    return " + ".join(kinds)


def _markdown_text(text: str) -> str:
    """Site-file text safe in a Markdown table or list (no pipes, no line breaks)."""
    return " ".join(text.replace("|", "/").split())


def moves_most(result: Result, weather: tuple, engine: str) -> str:
    """The unsourced parameters whose stated range moves the estimate most, largest first:
    'plant.mounting -12.0/+0.0 %' (energy at the low and the high value against the base)."""
    from pvyield.reconcile import reconcile  # runs the one-at-a-time sensitivities

    unsourced = {a.parameter for a in result.assumptions
                 if a.kind in ("assumption", "default", "derived", "unsourced")
                 and not (a.parameter == "plant.bifaciality" and a.value == 0)}
    # the mounting sensitivity swaps the mounting type: it counts only when the type is unsourced
    if "plant.mounting.type" in unsourced:
        unsourced.add("plant.mounting")
    base = result.annual_energy_gwh
    found = []
    for s in reconcile(result, engine=engine, weather=weather).sensitivities:
        if not any(s.parameter == p or s.parameter.startswith(p + ".") for p in unsourced):
            continue
        low, high = (s.energy_low_gwh / base - 1) * 100, (s.energy_high_gwh / base - 1) * 100
        found.append((max(abs(low), abs(high)), f"{s.parameter} {low:+.1f}/{high:+.1f} %"))
    return ", ".join(text for _, text in sorted(found, reverse=True)[:TOP_SENSITIVITIES])


def driving_assumptions(result: Result, kind: str) -> list[str]:
    """Labels of the driving fields (:data:`DRIVING_FIELDS`) that rest on an assumption of
    the given kind (``assumption``: stated in the site file; ``default``: pvyield's)."""
    labels = []
    for a in result.assumptions:
        if a.kind != kind or (a.parameter == "plant.bifaciality" and a.value == 0):
            continue  # a monofacial module is a fact of the technology, not a driver
        # a block's mounting drives as a plant's does; its capacities set the split
        parameter = re.sub(r"^plant\.blocks\.\d+\.mounting", "plant.mounting", a.parameter)
        parameter = re.sub(r"^plant\.blocks\.\d+\.(dc_capacity_mwp|ac_capacity_mwac)$",
                           "plant.blocks", parameter)
        label = DRIVING_FIELDS.get(parameter) or next(
            (DRIVING_FIELDS[p] for p in ("losses",) if parameter.startswith(p + ".")), None)
        if label and label not in labels:
            labels.append(label)
    return labels


def validation_figure(validation: Validation):  # -> matplotlib Figure
    """Modelled against measured annual energy (left: one numbered marker per plant, the 1:1
    line and the ±10 % band; marker shape by mounting, colour by technology) and each
    plant's deviation (right)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    table = validation.table.reset_index(drop=True)
    fig = Figure(figsize=(11.0, 5.6), layout="constrained")
    ax, bars = fig.subplots(1, 2, width_ratios=(1.0, 1.05))
    top = 1.08 * float(max(table["measured_gwh"].max(), table["modelled_gwh"].max()))
    line = [0.0, top]
    ax.plot(line, line, color="0.2", lw=1, label="modelled = measured")
    ax.fill_between(line, [0.0, 0.9 * top], [0.0, 1.1 * top], color="0.85", alpha=0.6,
                    lw=0, label="±10 %")
    colours = dict(zip(sorted(table["technology"].unique()),
                       ("tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple"),
                       strict=False))
    markers = {"fixed": "s", "single-axis": "o", "fixed + single-axis": "D"}
    for r in table.itertuples():
        ax.scatter(r.measured_gwh, r.modelled_gwh, s=46, zorder=3,
                   marker=markers.get(r.mounting, "^"),
                   color=colours.get(r.technology, "0.4"), edgecolor="black", lw=0.5)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    _number_points(ax, list(zip(table["measured_gwh"], table["modelled_gwh"], strict=True)))
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], ls="", marker=m, color="0.6", markeredgecolor="black",
                       label=k) for k, m in markers.items() if k in set(table["mounting"])]
    handles += [Line2D([], [], ls="", marker="o", color=c, markeredgecolor="black",
                       label=k) for k, c in colours.items()]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    ax.set_xlabel("measured annual energy [GWh/yr] (mean of the years stated)")
    ax.set_ylabel("pvyield: modelled mean of the same operating years [GWh/yr]")
    ax.grid(True, lw=0.4, alpha=0.5)

    y = list(range(len(table)))[::-1]
    bars.barh(y, table["deviation_pct"], color=[colours.get(t, "0.4")
                                                for t in table["technology"]],
              hatch=["///" if m == "fixed" else "" for m in table["mounting"]],
              edgecolor="black", lw=0.5, height=0.6)
    bars.set_yticks(y, [f"{i}. {r.plant} ({r.years})"
                        for i, r in enumerate(table.itertuples(), start=1)], fontsize=7.5)
    for value in (-10, 10):
        bars.axvline(value, color="0.4", ls="--", lw=0.8)
    bars.axvline(0, color="0.2", lw=0.8)
    for yi, dev in zip(y, table["deviation_pct"], strict=True):
        bars.annotate(f"{dev:+.1f} %", (dev, yi), xytext=(4 if dev >= 0 else -4, 0),
                      textcoords="offset points", va="center",
                      ha="left" if dev >= 0 else "right", fontsize=7)
    span = max(20.0, 1.45 * float(table["deviation_pct"].abs().max()))
    bars.set_xlim(-span, span)
    bars.set_xlabel("modelled / measured - 1 [%]\n(hatched: fixed mounting; dashed: ±10 %)")
    bars.grid(True, axis="x", lw=0.4, alpha=0.5)
    fig.suptitle(f"pvyield against measured output: {len(table)} plants, bias "
                 f"{validation.bias_pct:+.1f} %, MAPE {validation.mape_pct:.1f} %, "
                 f"RMSE {validation.rmse_pct:.1f} %", fontsize=10)
    return fig


def _number_points(ax, points: list[tuple[float, float]]) -> None:
    """Number the points 1..n, each label placed at the first of eight positions around its
    point that overlaps no point and no label placed before (display coordinates)."""
    to_px = ax.transData.transform
    centres = [tuple(to_px(p)) for p in points]
    taken: list[tuple[float, float, float, float]] = [
        (x - 5, y - 5, x + 5, y + 5) for x, y in centres]  # the markers themselves
    offsets = [(7, -3), (-7, -3), (0, 7), (0, -12), (7, 5), (-7, 5), (7, -10), (-7, -10)]
    for i, ((px, py), point) in enumerate(zip(centres, points, strict=True), start=1):
        width, height = 5.5 * len(str(i)), 8.0
        for dx, dy in offsets:
            left = px + dx - (width if dx < 0 else 0) - (width / 2 if dx == 0 else 0)
            box = (left, py + dy, left + width, py + dy + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in taken):
                break
        taken.append(box)
        points_per_px = 72.0 / ax.figure.dpi  # offsets in points scale with the saved dpi
        ax.annotate(str(i), point, xytext=((box[0] - px) * points_per_px,
                                           (box[1] - py) * points_per_px),
                    fontsize=7, textcoords="offset points")


def write_figure(validation: Validation, stem: str | Path) -> tuple[Path, Path]:
    """Write the figure as ``stem.png`` and ``stem.svg`` (each through a temporary file)."""
    from pvyield.report.figures import figure_png, figure_svg

    stem = Path(stem)
    fig = validation_figure(validation)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    write_atomic(png, figure_png(fig))
    write_atomic(svg, figure_svg(fig))
    return png, svg


README_START = "<!-- validation-table:start -->"
README_END = "<!-- validation-table:end -->"


def readme_block(text: str) -> str:
    """The generated block between :data:`README_START` and :data:`README_END`."""
    if README_START not in text or README_END not in text:
        raise PvyieldError(f"the README has no {README_START} ... {README_END} block")
    return text.split(README_START, 1)[1].split(README_END, 1)[0]


def update_readme(text: str, validation: Validation) -> str:
    """The README text with its generated block replaced by the current table."""
    readme_block(text)
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{validation.to_markdown()}{README_END}{tail}"
