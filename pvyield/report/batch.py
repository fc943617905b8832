"""Figures and the report of a batch study, from its results Dataset.

The Dataset is what :func:`pvyield.batch.run_batch` returns (dimensions ``site`` x
``scenario``, coordinates ``design`` and ``weather_source`` on ``scenario``, a ``status``
per run); the ranking and the spread across weather sources come from
:func:`pvyield.batch.compare`. Runs whose status is not ``ok`` are left out of the figures
and listed in the report.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pvyield.batch import Comparison, compare
from pvyield.report.document import Figure as ReportFigure
from pvyield.report.document import Report, Section, Table
from pvyield.report.figures import FLOW, LOSS
from pvyield.report.write import document_files

__all__ = ["BATCH_FIGURES", "batch_report", "batch_report_files", "ranking_figure",
           "weather_spread_figure", "yield_capacity_factor_figure"]

METRIC = "specific_yield_kwh_per_kwp"
HOURS_PER_YEAR = 8760.0
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def _ok_runs(results: xr.Dataset) -> pd.DataFrame:
    """One row per run that completed: site, scenario, design, weather source, figures."""
    names = [METRIC, "capacity_factor_ac", "annual_energy_gwh", "dc_capacity_mwp",
             "ac_capacity_mwac"]
    frame = results[[*names, "status"]].to_dataframe().reset_index()
    frame["design"] = results["design"].sel(scenario=frame["scenario"].to_numpy()).to_numpy()
    frame["weather_source"] = results["weather_source"].sel(
        scenario=frame["scenario"].to_numpy()).to_numpy()
    return frame[frame["status"] == "ok"].reset_index(drop=True)


def _not_ok(results: xr.Dataset) -> int:
    return int((results["status"] != "ok").sum())


def _study_title(results: xr.Dataset) -> str:
    return results.attrs.get("title", "batch results").removeprefix("pvyield batch results: ")


def _title(fig: Figure, results: xr.Dataset, what: str) -> None:
    fig.suptitle(f"{_study_title(results)}: {what}", fontsize=12, fontweight="bold")


def _skipped_note(fig: Figure, results: xr.Dataset) -> None:
    count = _not_ok(results)
    if count:
        fig.supxlabel(f"{count} run(s) did not complete and are not shown (see the report's "
                      "table of runs not ok)", fontsize=8)


def ranking_figure(results: xr.Dataset, comparison: Comparison | None = None) -> Figure:
    """Designs ranked within each site by specific yield, mean over weather sources.

    One panel per site, best design on top; the whisker spans the lowest and highest value
    across weather sources; the right-hand labels give the rank within the site and overall.

    Returns
    -------
    Figure
        One axes per site with one bar per design [kWh/kWp].
    """
    comparison = comparison or compare(results, METRIC)
    ranking = comparison.ranking.merge(comparison.spread, on=["site", "design"])
    sites = list(dict.fromkeys(ranking["site"]))
    rows = [int((ranking["site"] == s).sum()) for s in sites] or [1]
    fig = Figure(figsize=(10.0, 1.2 + 0.32 * sum(rows) + 0.6 * len(rows)), layout="constrained")
    if not sites:
        fig.text(0.5, 0.5, "no completed run to rank", ha="center")
        return fig
    axes = fig.subplots(len(sites), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": rows})[:, 0]
    for ax, site in zip(axes, sites, strict=True):
        part = ranking[ranking["site"] == site].sort_values("rank")
        y = np.arange(len(part))
        mean = part[METRIC].to_numpy()
        ax.barh(y, mean, color=FLOW, height=0.65)
        ax.errorbar(mean, y, xerr=[mean - part["min"], part["max"] - mean], fmt="none",
                    ecolor="#222222", capsize=3, linewidth=1)
        ax.set_yticks(y, part["design"], fontsize=8)
        ax.invert_yaxis()
        right = ax.secondary_yaxis("right")
        right.set_yticks(y, [f"{v:,.0f}  (#{r} here, #{o} overall)" for v, r, o in
                             zip(mean, part["rank"], part["overall_rank"], strict=True)],
                         fontsize=8)
        ax.set_title(site, fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    low = float(ranking["min"].min())
    axes[-1].set_xlim(low * 0.8, float(ranking["max"].max()) * 1.03)
    axes[-1].set_xlabel("specific yield [kWh/kWp per year], mean over weather sources; "
                        "whisker: lowest to highest source")
    _skipped_note(fig, results)
    _title(fig, results, "designs ranked by specific yield")
    return fig


def yield_capacity_factor_figure(results: xr.Dataset) -> Figure:
    """Specific yield against AC capacity factor, one point per completed run.

    Colour: design; marker: site; filled: the first weather source, hollow: the others. The
    grey lines are constant DC/AC ratios (CF(AC) = yield x DC/AC / 8,760 h): points off
    them differ in how much of their DC capacity the inverters can pass.

    Returns
    -------
    Figure
        One axes: x specific yield [kWh/kWp], y AC capacity factor [%].
    """
    runs = _ok_runs(results)
    fig = Figure(figsize=(10.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    designs = list(dict.fromkeys(runs["design"]))
    sites = list(dict.fromkeys(runs["site"]))
    sources = list(dict.fromkeys(results["weather_source"].to_numpy()))
    colours = dict(zip(designs, itertools.cycle(
        [f"C{i}" for i in range(10)]), strict=False))
    markers = dict(zip(sites, itertools.cycle(MARKERS), strict=False))
    for run in runs.itertuples():
        colour = colours[run.design]
        filled = run.weather_source == sources[0]
        ax.plot(getattr(run, METRIC), run.capacity_factor_ac * 100, linestyle="none",
                marker=markers[run.site], markersize=8, markeredgecolor=colour,
                markerfacecolor=colour if filled else "none", markeredgewidth=1.5)
    if len(runs):
        x = np.linspace(runs[METRIC].min() * 0.97, runs[METRIC].max() * 1.03, 50)
        ratios = sorted({round(r, 2) for r in runs["dc_capacity_mwp"] / runs["ac_capacity_mwac"]})
        for i, ratio in enumerate(ratios):
            ax.plot(x, x * ratio / HOURS_PER_YEAR * 100, color="grey", linewidth=0.8,
                    linestyle=":")
            # alternate ends, so that near-equal ratios do not print on top of each other
            end = x[-1] if i % 2 == 0 else x[0]
            ax.annotate(f"DC/AC {ratio:.2f}", (end, end * ratio / HOURS_PER_YEAR * 100),
                        fontsize=7, color="grey", ha="right" if i % 2 == 0 else "left",
                        va="bottom" if i % 2 == 0 else "top")
    handles = [Line2D([], [], color=colours[d], marker="o", linestyle="none", label=d)
               for d in designs]
    handles += [Line2D([], [], color="#444444", marker=markers[s], linestyle="none", label=s)
                for s in sites]
    handles += [Line2D([], [], color="#444444", marker="o", linestyle="none",
                       markerfacecolor="#444444" if i == 0 else "none",
                       label=f"weather: {source}") for i, source in enumerate(sources)]
    fig.legend(handles=handles, loc="outside right center", fontsize=8)
    ax.set_xlabel("specific yield [kWh/kWp per year]")
    ax.set_ylabel("AC capacity factor [%]")
    ax.grid(alpha=0.3)
    _skipped_note(fig, results)
    _title(fig, results, "specific yield against capacity factor")
    return fig


def weather_spread_figure(results: xr.Dataset, comparison: Comparison | None = None) -> Figure:
    """Each design's specific yield under every weather source, and the spread between them.

    One row per (site, design): a marker per weather source joined by a line; the right-hand
    label gives the spread ``(max - min) / mean``. Rows whose rank within their site changes
    with the weather source are labelled in red.

    Returns
    -------
    Figure
        One axes with one row per (site, design) [kWh/kWp].
    """
    comparison = comparison or compare(results, METRIC)
    runs = _ok_runs(results)
    spread = comparison.spread
    unstable = set(zip(comparison.unstable.get("site", []), comparison.unstable.get("design", []),
                       strict=True))
    sources = list(dict.fromkeys(results["weather_source"].to_numpy()))
    markers = dict(zip(sources, itertools.cycle(MARKERS), strict=False))
    fig = Figure(figsize=(10.0, 1.6 + 0.3 * max(len(spread), 1)), layout="constrained")
    ax = fig.add_subplot()
    labels = []
    for y, row in enumerate(spread.itertuples()):
        these = runs[(runs["site"] == row.site) & (runs["design"] == row.design)]
        ax.plot([row.min, row.max], [y, y], color="#999999", linewidth=2, zorder=1)
        for source, group in these.groupby("weather_source", sort=False):
            ax.plot(group[METRIC], [y] * len(group), linestyle="none",
                    marker=markers[source], color=FLOW, markersize=7, zorder=2)
        labels.append(f"{row.site}: {row.design}")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for tick, row in zip(ax.get_yticklabels(), spread.itertuples(), strict=True):
        if (row.site, row.design) in unstable:
            tick.set_color(LOSS)
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(len(labels)), [_spread_text(row, len(sources))
                                          for row in spread.itertuples()], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("specific yield [kWh/kWp per year]")
    ax.grid(axis="x", alpha=0.3)
    handles = [Line2D([], [], color=FLOW, marker=markers[s], linestyle="none",
                      label=f"weather: {s}") for s in sources]
    if unstable:
        handles.append(Line2D([], [], color=LOSS, linestyle="none", marker="$A$",
                              label="red label: rank within the site changes with the source"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    _title(fig, results, "spread across weather sources")
    return fig


def _spread_text(row, n_sources: int) -> str:
    text = f"spread {row.spread_pct:.1f} %" if row.n_sources > 1 else "no spread"
    if row.n_sources < n_sources:
        text += f" ({row.n_sources} of {n_sources} sources completed)"
    return text


#: Every figure of a batch report: key -> (function, caption).
BATCH_FIGURES = {
    "ranking": (ranking_figure, "Designs ranked within each site by specific yield (mean over "
                                "weather sources; whisker: lowest to highest source)."),
    "yield-cf": (lambda results, _: yield_capacity_factor_figure(results),
                 "Specific yield against AC capacity factor, one point per run."),
    "weather-spread": (weather_spread_figure, "Specific yield of each design under each "
                                              "weather source."),
}


def batch_report(results: xr.Dataset, name: str,
                 comparison: Comparison | None = None) -> Report:
    """The content of the report of a batch study (ranked by specific yield)."""
    from pvyield import __version__

    comparison = comparison or compare(results, METRIC)
    figures = {}
    for key, (make, caption) in BATCH_FIGURES.items():
        figures[key] = ReportFigure.render(key, caption, make(results, comparison))
    return Report(
        name=name,
        title=f"{_study_title(results)}: batch study",
        subtitle=f"pvyield {__version__}; scenario file {results.attrs.get('scenario_file', '')}",
        sections=(
            _study_section(results),
            Section("Ranking", (figures["ranking"], _ranking_table(comparison))),
            Section("Yield and capacity factor", (figures["yield-cf"],)),
            _weather_section(comparison, figures["weather-spread"]),
            _failures_section(results),
        ),
    )


def _study_section(results: xr.Dataset) -> Section:
    sources = list(dict.fromkeys(results["weather_source"].to_numpy()))
    designs = list(dict.fromkeys(results["design"].to_numpy()))
    ok = int((results["status"] == "ok").sum())
    rows = (
        ("Sites", str(results.sizes["site"])),
        ("Designs", str(len(designs))),
        ("Weather sources", ", ".join(str(s) for s in sources)),
        ("Runs", f"{results['status'].size} ({ok} ok, {results['status'].size - ok} not ok)"),
    )
    sites = Table(("site", "site file"), tuple(
        (str(s), str(f)) for s, f in zip(results["site"].to_numpy(),
                                         results["site_file"].to_numpy(), strict=True)))
    return Section("Study", (Table(("", ""), rows), sites))


def _ranking_table(comparison: Comparison) -> Table:
    rows = tuple((str(r.site), str(r.design), f"{getattr(r, METRIC):,.0f}", str(r.rank),
                  str(r.overall_rank)) for r in comparison.ranking.itertuples())
    return Table(("site", "design", "specific yield [kWh/kWp]", "rank in site",
                  "rank overall"), rows, (False, False, True, True, True))


def _weather_section(comparison: Comparison, figure: ReportFigure) -> Section:
    rows = tuple((str(r.site), str(r.design), str(r.n_sources), f"{r.min:,.0f}",
                  f"{r.max:,.0f}", f"{r.spread_pct:.1f} %")
                 for r in comparison.spread.itertuples())
    blocks: list = [figure, Table(("site", "design", "sources", "lowest", "highest", "spread"),
                                  rows, (False, False, True, True, True, True))]
    if len(comparison.unstable):
        blocks.append("Designs whose rank within their site changes with the weather source:")
        blocks.append(Table(tuple(str(c) for c in comparison.unstable.columns), tuple(
            tuple(str(v) for v in row) for row in comparison.unstable.itertuples(index=False))))
    else:
        blocks.append("No design changes rank with the weather source.")
    return Section("Weather sources", tuple(blocks))


def _failures_section(results: xr.Dataset) -> Section:
    status = results["status"].to_series()
    bad = status[status != "ok"]
    if bad.empty:
        return Section("Runs not ok", ("Every run completed.",))
    rows = tuple((str(site), str(scenario), str(state),
                  str(results["error"].sel(site=site, scenario=scenario).item()))
                 for (site, scenario), state in bad.items())
    return Section("Runs not ok", (Table(("site", "scenario", "status", "why"), rows),))


def batch_report_files(results: xr.Dataset, name: str | None = None,
                       comparison: Comparison | None = None) -> dict[str, bytes]:
    """Every file of a batch report (relative path -> content), named after the scenario
    file unless ``name`` is given; see :func:`pvyield.report.write.report_files`."""
    name = name or Path(str(results.attrs.get("scenario_file", "batch"))).stem or "batch"
    return document_files(batch_report(results, name, comparison))
