"""Figures of one estimate, each a function of a :class:`~pvyield.results.Result`.

Every function returns a fresh :class:`matplotlib.figure.Figure` built without pyplot, so
it leaves no global state behind and a notebook can restyle it (``fig.axes[0].set_title``)
before showing or saving it. No function computes energy: they draw what the Result holds.
"""

from __future__ import annotations

import dataclasses
import io
import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pvyield.report.labels import (
    MONTHS,
    metric_label,
    quantity,
    quantity_name,
    short_source,
    signed_pct,
    stage_label,
)
from pvyield.results import Check, Result
from pvyield.results.checks import CONSISTENT_PCT
from pvyield.weather.synthetic import standard_time_zone

__all__ = [
    "FIGURES",
    "all_figures",
    "checks_figure",
    "exceedance_figure",
    "figure_png",
    "figure_svg",
    "loss_diagram",
    "monthly_energy_figure",
    "power_heatmap",
    "save_figure",
    "tornado_figure",
    "weather_figure",
]

#: Colours: energy flow, loss, gain, reference lines, and one per check verdict.
FLOW, LOSS, GAIN, REFERENCE = "#4c72b0", "#c44e52", "#55a868", "#333333"
VERDICT_COLOURS = {"consistent": "#2e7d32", "questionable": "#ef6c00",
                   "inconsistent": "#c62828"}
DPI = 150
#: Opacity of the one-year band and of the multi-year band drawn over it.
BAND_ALPHA = (0.15, 0.2)
#: Colour and threshold (fraction of the peak) of hours shown as at the AC limit.
CLIPPED, AT_LIMIT = "#00e5ff", 0.995


def _figure(width_in: float, height_in: float) -> Figure:
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _title(fig: Figure, result: Result, what: str) -> None:
    fig.suptitle(f"{result.site.name}: {what}", fontsize=12, fontweight="bold")


def monthly_energy_figure(result: Result) -> Figure:
    """Monthly AC energy as bars, with every reported annual energy spread evenly over months.

    Each check that implies an annual energy (annual, daily energy, capacity factor) draws
    one horizontal line at that energy / 12, so a reader sees at once which months fall
    short of the claim.

    Returns
    -------
    Figure
        One axes: 12 bars [GWh], one line per reported figure, one for the estimate's mean.
    """
    fig = _figure(9.0, 5.2 + 0.2 * len(_energy_checks(result)))
    ax = fig.add_subplot()
    energy = result.monthly["energy_gwh"].to_numpy()
    bars = ax.bar(MONTHS, energy, color=FLOW, width=0.7, label="estimate, month by month")
    # values inside the bars' feet: the reference lines cross the bars' tops
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in energy], fontsize=8, label_type="center",
                 color="white", fontweight="bold")
    ax.axhline(result.annual_energy_gwh / 12.0, color=FLOW, linestyle=":", linewidth=1.5,
               label=f"estimate: {result.annual_energy_gwh:,.1f} GWh/yr ÷ 12")
    styles = ["--", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1))]
    for i, check in enumerate(_energy_checks(result)):
        annual = check.implied["annual_energy_gwh"]
        claim = quantity(check.metric, check.reported)
        if check.metric != "annual_energy_gwh":
            claim += f" = {annual:,.0f} GWh/yr"
        ax.axhline(annual / 12.0, color=REFERENCE, linestyle=styles[i % len(styles)],
                   linewidth=1.3,
                   label=f"reported {claim} ÷ 12 ({short_source(check.source, 60, 1)})")
    ax.set_xlabel("month (site local time)")
    ax.set_ylabel("AC energy at the grid [GWh/month]")
    ax.set_ylim(0, max(energy.max(), *(c.implied["annual_energy_gwh"] / 12.0
                                       for c in _energy_checks(result)), 0.0) * 1.08)
    fig.legend(loc="outside lower center", fontsize=8, ncols=1)
    ax.grid(axis="y", alpha=0.3)
    _title(fig, result, "monthly energy against the reported annual figures")
    return fig


def _energy_checks(result: Result) -> list[Check]:
    """Checks whose reported figure implies an annual energy."""
    return [c for c in result.checks if "annual_energy_gwh" in c.implied]


def loss_diagram(result: Result) -> Figure:
    """The loss chain from horizontal irradiation to AC energy at the grid (PVsyst layout).

    One row per stage, top to bottom: the bar is the energy after the stage, its end the
    change against the stage before (red: loss, green: gain), with the loss in percent
    (positive: a loss, negative: a gain, the sign of :attr:`Result.losses`) and the energy
    after it. Irradiance stages are energies at STC efficiency (irradiation
    times DC capacity), as in the chain.

    Returns
    -------
    Figure
        One axes whose y tick labels name the start, every stage and the end.
    """
    losses = result.losses
    names = [f"Horizontal irradiation\n{result.annual_ghi_kwh_m2:,.0f} kWh/m²"]
    names += [stage_label(s) + (f"\n{result.annual_poa_kwh_m2:,.0f} kWh/m² on the front"
                                if s == "transposition" else "") for s in losses.index]
    names += ["AC energy at the grid"]
    before = np.r_[result.ghi_energy_gwh, losses["energy_gwh"].to_numpy()[:-1]]
    after = losses["energy_gwh"].to_numpy()
    fig = _figure(9.5, 0.42 * (len(names) + 2))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    top = max(result.ghi_energy_gwh, after.max())
    ax.barh(y[0], result.ghi_energy_gwh, color="#8c8c8c", height=0.6)
    ax.barh(y[1:-1], np.minimum(before, after), color=FLOW, height=0.6)
    ax.barh(y[1:-1], after - before, left=before, height=0.6,
            color=[GAIN if a > b else LOSS for a, b in zip(after, before, strict=True)])
    ax.barh(y[-1], result.annual_energy_gwh, color="#1b3a6b", height=0.6)
    texts = [f"{result.ghi_energy_gwh:,.1f} GWh at STC efficiency"]
    for _, row in losses.iterrows():
        change = signed_pct(row.loss_pct, 2 if round(abs(row.loss_pct), 1) < 1 else 1)
        texts.append(f"{change}   → {row.energy_gwh:,.1f} GWh")
    texts.append(f"{result.annual_energy_gwh:,.1f} GWh/yr   "
                 f"(PR {result.performance_ratio:.1%}, "
                 f"{result.specific_yield_kwh_per_kwp:,.0f} kWh/kWp)")
    for yi, text, end in zip(y, texts, [result.ghi_energy_gwh, *np.maximum(before, after),
                                        result.annual_energy_gwh], strict=True):
        loss_row = 0 < yi < len(names) - 1
        colour = REFERENCE
        if loss_row and abs(losses["loss_pct"].iloc[yi - 1]) >= 0.005:
            colour = LOSS if losses["loss_pct"].iloc[yi - 1] > 0 else GAIN
        ax.text(end + top * 0.01, yi, text, va="center", fontsize=8.5, color=colour,
                fontweight="bold" if yi in (0, len(names) - 1) else "normal")
    ax.set_yticks(y, names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.62)
    ax.set_xlabel("energy after each stage [GWh/yr]; irradiance stages at STC efficiency;\n"
                  "% = loss against the stage before (negative: gain)")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=[Patch(color=LOSS, label="loss against the stage before"),
                        Patch(color=GAIN, label="gain against the stage before")],
               loc="outside lower center", ncols=2, fontsize=8)
    _title(fig, result, "loss diagram, horizontal irradiation to AC energy at the grid")
    return fig


def power_heatmap(result: Result) -> Figure:
    """AC power by day of year and hour of day, in local standard time.

    Clipping shows as a flat band at the AC limit (outlined), backtracking as soft shoulders
    in the morning and evening, cloudy seasons as dark streaks. Several years of data are
    averaged per day of year and hour.

    Returns
    -------
    Figure
        One image axes and its colour bar [MW].
    """
    ts = result.timeseries
    zone = standard_time_zone(result.site.timezone)
    local = ts.index.tz_convert(zone)
    p_ac_mw = ts["p_ac"].to_numpy() / 1e6
    table = pd.DataFrame({"p": p_ac_mw, "doy": local.day_of_year, "hour": local.hour})
    grid = table.pivot_table(index="hour", columns="doy", values="p", aggfunc="mean")
    grid = grid.reindex(index=range(24), columns=range(1, 367))
    ac_mw = result.site.plant.ac_capacity_mwac
    peak = float(np.nanmax(p_ac_mw))
    limit = AT_LIMIT * peak
    fig = _figure(10.0, 4.6)
    ax = fig.add_subplot()
    # hours at the AC limit take the colour map's "over" colour, so clipping stands out
    cmap = matplotlib.colormaps["inferno"].with_extremes(over=CLIPPED)
    image = ax.imshow(grid.to_numpy(), aspect="auto", origin="lower", cmap=cmap, vmin=0.0,
                      vmax=limit, extent=(0.5, 366.5, 0.0, 24.0), interpolation="nearest")
    bar = fig.colorbar(image, ax=ax, pad=0.01, extend="max", extendfrac=0.06)
    bar.set_label(f"AC power at the grid [MW]\n(cyan: ≥ {limit:,.0f} MW, at the AC limit)")
    starts = [pd.Timestamp(2019, m, 1).day_of_year for m in range(1, 13)]
    ax.set_xticks(starts, MONTHS)
    ax.set_xlabel("day of year")
    offset = zone.utcoffset(None).total_seconds() / 3600
    ax.set_ylabel(f"hour of day\n(local standard time, UTC{offset:+g})")
    lit = grid.index[(grid.fillna(0.0) > 0).any(axis=1)]
    if len(lit):
        ax.set_ylim(max(lit.min() - 1, 0), min(lit.max() + 2, 24))
    ax.text(0.01, 0.97, f"peak {peak:,.1f} MW: AC rating {ac_mw:g} MWac less AC losses and "
            "availability; cyan: within 0.5 % of the peak (clipping)",
            transform=ax.transAxes, va="top", fontsize=8, color="white")
    _title(fig, result, "AC power by day and hour")
    return fig


def weather_figure(result: Result) -> Figure:
    """Monthly global horizontal irradiation (bars) and mean air temperature (line).

    The title names the weather source; a synthetic series is labelled as such, with the
    distance and elevation difference between the series and the site.

    Returns
    -------
    Figure
        Two axes sharing the months: GHI bars [kWh/m^2/month] above, temperature [°C]
        below.
    """
    monthly, meta = result.monthly, result.weather
    fig = _figure(9.0, 6.0)
    ax, low_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    bars = ax.bar(MONTHS, monthly["ghi_kwh_m2"], color="#f0a030", width=0.7)
    ax.bar_label(bars, labels=[f"{v:.0f}" for v in monthly["ghi_kwh_m2"]], fontsize=8,
                 padding=2)
    ax.set_ylabel("GHI [kWh/m² per month]")
    ax.set_ylim(0, monthly["ghi_kwh_m2"].max() * 1.15)
    ax.text(0.01, 0.97, f"global horizontal irradiation, {result.annual_ghi_kwh_m2:,.0f} "
            "kWh/m² per year", transform=ax.transAxes, va="top", fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.grid(axis="y", alpha=0.3)
    low_ax.plot(MONTHS, monthly["temp_air_c"], color="#c62828", marker="o")
    for x, t in enumerate(monthly["temp_air_c"]):
        low_ax.annotate(f"{t:.1f}", (x, t), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
    low, high = monthly["temp_air_c"].min(), monthly["temp_air_c"].max()
    low_ax.set_ylim(low - 0.3 * (high - low) - 0.5, high + 0.5 * (high - low) + 1.0)
    low_ax.set_ylabel("mean air\ntemperature [°C]")
    low_ax.set_xlabel("month (site local time)")
    low_ax.grid(axis="y", alpha=0.3)
    kind = "SYNTHETIC series" if meta.synthetic else (
        "typical year" if meta.typical_year else "measured or modelled series")
    where = "" if meta.distance_km is None else (
        f"; {meta.distance_km:,.0f} km from the site, "
        f"{meta.elevation_difference_m:+,.0f} m elevation")
    source = textwrap.fill(f"Source: {meta.source} ({kind}{where})", 110)
    ax.set_title(source, fontsize=8, loc="left")
    _title(fig, result, "weather, monthly irradiation and temperature")
    return fig


def checks_figure(result: Result) -> Figure:
    """Each reported figure beside the estimate of the same quantity, with what it implies.

    One panel per quantity (every energy claim is shown as the annual energy it implies;
    households; other counted figures). Energy panels shade the P90-P10 range of one year
    and of the multi-year average (:attr:`Result.uncertainty`); dashed lines mark ±10 %
    around the estimate, within which a check is called ``consistent``. Figures that are not
    modelled (land area) are named below the panels.

    Returns
    -------
    Figure
        One axes per quantity with a reported figure; the left tick labels name the
        sources, the right ones what each figure implies and its verdict.
    """
    panels = _check_panels(result)
    rows = [len(p.checks) for p in panels] or [1]
    fig = _figure(11.0, 1.5 + sum(0.75 * r + 0.75 for r in rows))
    if not panels:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no reported figure to check", ha="center", va="center")
        _title(fig, result, "checks against reported figures")
        return fig
    axes = fig.subplots(len(panels), 1, gridspec_kw={"height_ratios": [r + 1 for r in rows]},
                        squeeze=False)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        _check_panel(ax, panel)
    average = result.uncertainty.average.years
    handles = [
        Patch(color=FLOW, alpha=BAND_ALPHA[0], label="P90–P10, one year"),
        Patch(color=FLOW, alpha=BAND_ALPHA[0] + BAND_ALPHA[1],
              label=f"P90–P10, {average}-year average"),
        Line2D([], [], color=REFERENCE, linestyle="--", linewidth=1,
               label=f"±{CONSISTENT_PCT:g} % around the estimate: 'consistent'"),
        *[Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()],
    ]
    skipped = [c for c in result.checks if c.estimate is None]
    note = None if not skipped else "not comparable (see the table of checks): " + "; ".join(
        f"{metric_label(c.metric).lower()} {quantity(c.metric, c.reported)}" for c in skipped)
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, title=note,
               title_fontsize=8)
    _title(fig, result, "estimate beside the reported figures")
    return fig


@dataclasses.dataclass(frozen=True)
class _Panel:
    """One quantity of the check figure."""

    title: str
    estimate: float
    checks: list[Check]
    key: str  # the quantity every claim of the panel is shown as
    bands: tuple[tuple[float, float], ...] = ()  # (low, high), drawn on top of each other
    span: tuple[float, float] | None = None  # households: the consumption-figure range


def _check_panels(result: Result) -> list[_Panel]:
    panels = []
    energy = _energy_checks(result)
    if energy:
        u = result.uncertainty
        panels.append(_Panel(
            "Annual energy, year 1 [GWh/yr]: each claim placed by its deviation from the "
            "model quantity of its basis",
            result.annual_energy_gwh, energy, "annual_energy_gwh",
            bands=((u.one_year.at(90), u.one_year.p10_gwh),
                   (u.average.at(90), u.average.p10_gwh))))
    used = {id(c) for c in energy}
    others = [c for c in result.checks if id(c) not in used and c.estimate is not None]
    for metric in dict.fromkeys(c.metric for c in others):
        group = [c for c in others if c.metric == metric]
        if metric == "households":
            h = result.households
            panels.append(_Panel(
                "Households (a household claim is judged 'consistent' inside the range that "
                "the published consumption figures give)", float(group[0].estimate), group,
                metric, span=(h.households_low, h.households_high)))
        else:
            panels.append(_Panel(metric_label(metric), float(group[0].estimate), group,
                                 metric))
    return panels


def _check_panel(ax: Axes, panel: _Panel) -> None:
    """One quantity: the estimate, its bands and thresholds, each reported figure on a row."""
    estimate, checks, key = panel.estimate, panel.checks, panel.key
    y = np.arange(len(checks))
    # an energy claim sits at the estimate times (1 + its deviation from the model quantity
    # matching its basis: year 1, a degraded mean, a P90, a part of the plant), so the dashed
    # ±10 % lines are its verdict's bounds whatever the basis
    values = [estimate * (1.0 + c.deviation_pct / 100.0)
              if key == "annual_energy_gwh" and c.deviation_pct is not None
              else c.implied.get(key, c.reported) for c in checks]
    for (low, high), alpha in zip(panel.bands, BAND_ALPHA, strict=False):
        ax.axvspan(low, high, color=FLOW, alpha=alpha, linewidth=0)
    threshold = estimate * CONSISTENT_PCT / 100.0
    for x in (estimate - threshold, estimate + threshold):
        ax.axvline(x, color=REFERENCE, linestyle="--", linewidth=1)
    ax.axvline(estimate, color=FLOW, linewidth=2)
    ax.text(estimate, len(checks) - 0.35, f"estimate {quantity(key, estimate)}", color=FLOW,
            fontsize=8, va="bottom", ha="center",
            bbox={"facecolor": "white", "edgecolor": FLOW, "boxstyle": "round,pad=0.2"})
    if panel.span:
        low, high = panel.span
        ax.errorbar([estimate], [-0.6], xerr=[[estimate - low], [high - estimate]],
                    color="#555555", capsize=4, linewidth=1)
        ax.text(estimate, -0.75, "range from published household consumption figures",
                fontsize=7.5, ha="center", va="bottom", color="#555555")
    for yi, value, check in zip(y, values, checks, strict=True):
        ax.plot([value], [yi], marker="D", markersize=8, linestyle="none",
                color=VERDICT_COLOURS.get(check.verdict, REFERENCE))
    ax.set_yticks(y, [short_source(c.source, lines=3) + (f" ({c.date})" if c.date else "")
                      for c in checks], fontsize=8)
    ax.set_ylim(-1.0 if panel.span else -0.6, len(checks) - 0.1)
    ax.invert_yaxis()
    right = ax.secondary_yaxis("right")
    right.set_yticks(y, [_implied_text(c, key) for c in checks], fontsize=8)
    span = [*values, estimate - threshold, estimate + threshold, *(panel.span or ()),
            *(v for band in panel.bands for v in band)]
    pad = (max(span) - min(span)) * 0.08 or estimate * 0.05
    ax.set_xlim(min(span) - pad, max(span) + pad)
    ax.set_title(panel.title, fontsize=10, loc="left")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 100
                                               else f"{v:.3g}"))
    # at most six ticks: matplotlib's automatic count assumes short labels, and six-digit
    # counts with thousands separators (module counts) ran into each other
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="x", alpha=0.3)


#: Characters per line of the text right of a checks panel.
IMPLIED_WIDTH = 64


def _implied_text(check: Check, key: str) -> str:
    """'reported 2,863 MWh/day = 1,045 GWh/yr', implied values, deviation and verdict."""
    first = f"reported {quantity(check.metric, check.reported)}"
    if key in check.implied and check.metric != key:
        first += f" = {quantity(key, check.implied[key])}"
    implied = [f"{quantity_name(k)} {quantity(k, v)}" for k, v in check.implied.items()
               if k not in (key, check.metric)][:2]
    against = check.compared_with.split(":")[0].split(";")[0] or "the estimate"
    if len(against) > 2 * IMPLIED_WIDTH or against.count("(") > against.count(")"):
        # a cited source, or a cut inside brackets: the report's tables give it whole
        against = against.split(" (")[0]
    verdict = (check.verdict if check.deviation_pct is None else
               f"{signed_pct(check.deviation_pct)} against {against}: {check.verdict}")
    lines = [first, "implies " + ", ".join(implied), verdict] if implied else [first, verdict]
    # a long basis (a cited source) on one line would leave the panels no width at all
    return "\n".join(textwrap.fill(line, IMPLIED_WIDTH, subsequent_indent="  ")
                     for line in lines)


def exceedance_figure(result: Result) -> Figure:
    """Exceedance curves of one year and of the multi-year average, with P-values and claims.

    The curves are the normal distributions the Result's uncertainty states (no new
    physics): probability that the energy exceeds x against x [GWh/yr].
    """
    u = result.uncertainty
    fig = _figure(9.0, 6.6)
    ax = fig.add_subplot()
    low = min(p.at(99) for p in u.periods) * 0.97
    high = max(p.p10_gwh for p in u.periods) * 1.06
    energy = np.linspace(low, high, 400)
    styles = {"year 1": "-", u.average.label: "--"}
    for ex in u.periods:
        style = styles.get(ex.label, "-.")  # dotted lines are the claims
        # year N alone in grey: a single degraded year, not a mean
        ax.plot(energy, ex.exceedance_pct(energy), style,
                color="#999999" if ex.years == 1 and ex.degraded else FLOW,
                lw=1.5 if ex.label in styles else 1.0,
                label=f"{ex.label} (σ {ex.sigma_pct:.1f} %)")
        if ex.label not in styles:  # the other two periods: curves only, P-values in tables
            continue
        for level in (50, 90, 99):
            ax.plot(ex.at(level), level, "o", color=FLOW, ms=4)
            # year 1 labelled to the right above its point, the mean to the left below:
            # the two curves' P-values lie close together
            right = style == "-"
            ax.annotate(f"P{level} {ex.at(level):,.0f}", (ex.at(level), level),
                        textcoords="offset points", xytext=(6, 2) if right else (-6, -10),
                        ha="left" if right else "right", fontsize=8, color=FLOW)
    for check in _energy_checks(result):
        claim = check.implied.get("annual_energy_gwh", check.reported)
        ax.axvline(claim, color=VERDICT_COLOURS.get(check.verdict, REFERENCE), lw=1.2,
                   ls=":", label=f"reported {metric_label(check.metric).lower()}: "
                   f"{claim:,.0f} GWh/yr ({short_source(check.source)})"
                   + ("" if check.basis == "expected" else f"; {check.basis}"))
    ax.set_xlabel("annual AC energy at the grid [GWh/yr]")
    ax.set_ylabel("probability of exceedance [%]")
    ax.set_ylim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(alpha=0.3)
    # below the axes: inside, the legend would hide the curves' P90 and P99
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2,
               fontsize=7.5)
    _title(fig, result, "exceedance probability of the annual energy")
    return fig


def tornado_figure(result: Result, reconciliation) -> Figure:
    """One-at-a-time sensitivities as a tornado: energy at each assumption's low and high
    value [GWh/yr], widest first, with the reported annual figures marked.

    ``reconciliation`` is :func:`pvyield.reconcile.reconcile`'s result for ``result``.
    """
    rows = sorted(reconciliation.sensitivities,
                  key=lambda s: abs(s.energy_high_gwh - s.energy_low_gwh))
    base = reconciliation.base_energy_gwh
    fig = _figure(9.5, 0.55 * len(rows) + 2.2)
    ax = fig.add_subplot()
    for i, s in enumerate(rows):
        for value, energy in ((s.low, s.energy_low_gwh), (s.high, s.energy_high_gwh)):
            colour = LOSS if energy < base else GAIN
            ax.barh(i, energy - base, left=base, color=colour, height=0.6)
            text = value if isinstance(value, str) else f"{value:.3g}"
            ax.annotate(f"{text}: {energy:,.0f}", (energy, i), fontsize=8, va="center",
                        ha="left" if energy >= base else "right",
                        xytext=(4 if energy >= base else -4, 0), textcoords="offset points")
    ax.axvline(base, color=REFERENCE, lw=1)
    # claims are labelled in a band above the bars, clear of the bar labels
    ax.set_ylim(-0.6, len(rows) + 1.6)
    for claim in reconciliation.claims:
        if claim.axis != "energy":  # household claims are read on the consumption axis
            continue
        # the claim brought back to the first-year whole-plant energy the bars show
        energy = claim.implied_energy_gwh * base / claim.model_gwh
        ax.axvline(energy, color=REFERENCE, ls=":", lw=1)
        ax.annotate(f"{metric_label(claim.metric).lower()}\nclaim", (energy,
                    len(rows) + 1.5), rotation=90, fontsize=7, va="top", ha="right")
    ax.set_yticks(range(len(rows)), [s.parameter if not isinstance(s.base, str)
                                     else f"{s.parameter}\n(now {s.base})" for s in rows])
    ax.set_xlabel(f"annual AC energy, year 1 [GWh/yr]; estimate {base:,.1f} (vertical line); "
                  "claims scaled to the same basis")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(handles=[Patch(color=LOSS, label="less energy than the estimate"),
                       Patch(color=GAIN, label="more energy than the estimate")],
              loc="lower right", fontsize=8)
    _title(fig, result, "one-at-a-time sensitivities (tornado)")
    return fig


#: Every figure of a report: key -> (function, caption).
FIGURES: dict[str, tuple[Callable[[Result], Figure], str]] = {
    "weather": (weather_figure, "Monthly irradiation and air temperature of the weather "
                                "series."),
    "monthly": (monthly_energy_figure, "Monthly AC energy against each reported annual "
                                       "figure spread evenly over the months."),
    "losses": (loss_diagram, "Loss diagram from horizontal irradiation to AC energy at the "
                             "grid."),
    "heatmap": (power_heatmap, "AC power by day of year and hour: clipping, backtracking and "
                               "cloudy seasons."),
    "checks": (checks_figure, "Estimate beside each reported figure, with what the figure "
                              "implies."),
    "exceedance": (exceedance_figure, "Probability that one year, or the multi-year average, "
                                      "exceeds an energy; reported figures as dotted lines."),
}


def all_figures(result: Result) -> dict[str, Figure]:
    """Every figure of :data:`FIGURES` for one result, by key."""
    return {key: make(result) for key, (make, _) in FIGURES.items()}


def _plain_text(fig: Figure) -> Figure:
    """Draw every text as written: names and sources from site and weather files may hold
    ``$``, which mathtext would parse (and fail on, or render as formulas)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return fig


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    _plain_text(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure_svg(fig: Figure) -> str:
    """The figure as SVG text (no date, stable ids, so equal figures give equal files)."""
    _plain_text(fig)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "pvyield"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path) -> tuple[Path, Path]:
    """Save a figure as ``path`` + ``.png`` and ``.svg``; returns both paths."""
    stem = Path(path)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    from pvyield.files import write_atomic

    write_atomic(png, figure_png(fig))
    write_atomic(svg, figure_svg(fig))
    return png, svg
