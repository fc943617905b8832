"""The report of one estimate: one content, rendered as self-contained HTML and as Markdown.

:func:`build_report` turns a :class:`~pvyield.results.Result` into sections of paragraphs,
tables, lists and figures; :func:`to_html` and :func:`to_markdown` render the same sections,
so the two documents cannot drift apart. The HTML embeds its figures as PNG data URIs and
needs no network; the Markdown links the PNG and SVG files written beside it.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import math
import re
from typing import Any

from matplotlib.figure import Figure as MplFigure

from pvyield.report.figures import FIGURES, figure_png, figure_svg
from pvyield.report.labels import (
    MONTHS,
    metric_label,
    quantity,
    quantity_name,
    signed_pct,
    stage_label,
)
from pvyield.results import Result
from pvyield.results.uncertainty import (
    CONDITIONAL_LABEL,
    DESIGN_RULE,
    INCLUDING_DESIGN_LABEL,
    LEVELS,
)
from pvyield.site.schema import FixedMount, Site

__all__ = ["Contents", "Figure", "Report", "Section", "Table", "build_report", "to_html",
           "to_markdown"]


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of text cells; ``numeric`` marks right-aligned columns."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclasses.dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG bytes, SVG text and its caption."""

    key: str
    caption: str
    png: bytes
    svg: str

    @classmethod
    def render(cls, key: str, caption: str, fig: MplFigure) -> Figure:
        """Render a matplotlib figure as PNG and SVG."""
        return cls(key, caption, figure_png(fig), figure_svg(fig))


@dataclasses.dataclass(frozen=True)
class Bullets:
    """A list of short lines."""

    items: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Contents:
    """The table of contents: (anchor, title) of each section after it."""

    entries: tuple[tuple[str, str], ...]


Block = str | Table | Figure | Bullets | Contents


@dataclasses.dataclass(frozen=True)
class Section:
    """A titled part of the report."""

    title: str
    blocks: tuple[Block, ...]

    @property
    def anchor(self) -> str:
        """The id of the section's heading: its title in lower case, words joined by ``-``
        (the slug GitHub and most Markdown viewers give a heading)."""
        return anchor(self.title)


def anchor(title: str) -> str:
    """``"Checks against reported figures"`` -> ``"checks-against-reported-figures"``."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).strip().replace(" ", "-")


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything the documents say about one estimate."""

    name: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in order of appearance."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


def build_report(result: Result, name: str, reconciliation=None) -> Report:
    """The content of the report of one estimate.

    Parameters
    ----------
    result : Result
        The estimate.
    name : str
        Short name used for the figure files (``mauriti`` -> ``figures/mauriti-losses.png``).
    reconciliation : Reconciliation, optional
        :func:`pvyield.reconcile.reconcile` of ``result``: adds its table and tornado chart.
    """
    from pvyield import __version__  # the package's own version, resolved at call time

    figures = {}
    for key, (make, caption) in FIGURES.items():
        figures[key] = Figure.render(key, caption, make(result))
    site = result.site
    where = f"site file {site.path}" if site.path else "site given in code"
    # the answer first, then where to find the detail; sources and assumptions last
    detail = (
        _results_section(result, reconciliation),
        _monthly_section(result, figures["monthly"], figures["heatmap"]),
        _losses_section(result, figures["losses"]),
        _checks_section(result, figures["checks"], figures["exceedance"]),
        _households_section(result),
        *((_reconciliation_section(result, reconciliation),) if reconciliation else ()),
        _weather_section(result, figures["weather"]),
        _site_section(result),
        _sources_section(result),
    )
    contents = Section("Contents", (Contents(tuple((s.anchor, s.title) for s in detail)),))
    return Report(
        name=name,
        title=f"{site.name}: yield estimate",
        subtitle=f"pvyield {__version__}; {where}",
        sections=(_summary_section(result, reconciliation), contents, *detail),
    )


def _summary_section(result: Result, rec=None) -> Section:
    """Energy, yield, PR, the P50/P90 of year 1 and of the N-year mean (conditional on the
    assumed design, and including its spread when the reconciliation measured it), the
    check verdicts."""
    u = result.uncertainty
    one, mean = u.one_year, u.average
    annual = "GWh per 8,760 h, NOT annual" if result.partial_period else "GWh/yr"
    cond = f", {CONDITIONAL_LABEL}" if u.conditional_on else ""
    rows = [
        ("Energy at the grid, year 1", f"{result.annual_energy_gwh:,.1f} {annual}"),
        ("Specific yield, year 1", f"{result.specific_yield_kwh_per_kwp:,.0f} kWh/kWp"),
        ("Performance ratio (IEC 61724)", f"{result.performance_ratio:.1%}"),
        (f"P50 / P90, year 1{cond}", f"{one.at(50):,.1f} / {one.at(90):,.1f} GWh/yr"),
        (f"P50 / P90, {mean.label or f'mean of {mean.years} years, with degradation'}{cond}",
         f"{mean.at(50):,.1f} / {mean.at(90):,.1f} GWh/yr"),
    ]
    design = getattr(rec, "design", None)
    if design is not None:
        d = design.uncertainty
        rows += [(f"P50 / P90, year 1, {INCLUDING_DESIGN_LABEL}",
                  f"{d.one_year.at(50):,.1f} / {d.one_year.at(90):,.1f} GWh/yr"),
                 (f"P50 / P90, {d.average.label}, {INCLUDING_DESIGN_LABEL}",
                  f"{d.average.at(50):,.1f} / {d.average.at(90):,.1f} GWh/yr")]
    blocks: list[Block] = [Table(("", ""), tuple(rows), (False, True))]
    if result.checks:
        blocks.append("**Checks against reported figures** (detail and the model quantity "
                      "each is set against: see the checks below):")
        blocks.append(Table(
            ("figure", "reported", "verdict", "deviation", "basis"),
            tuple((metric_label(c.metric), quantity(c.metric, c.reported), c.verdict,
                   "" if c.deviation_pct is None else signed_pct(c.deviation_pct), c.basis)
                  for c in result.checks),
            (False, True, False, True, False)))
    else:
        blocks.append("No reported figures to check against.")
    return Section("Summary", tuple(blocks))


def _reconciliation_section(result: Result, rec) -> Section:
    from pvyield.report.figures import tornado_figure

    def implied(c) -> str:
        if c.axis == "consumption":
            return f"{c.implied_kwh_per_household:,.0f} kWh/household/yr"
        return f"{c.implied_energy_gwh:,.1f} vs model {c.model_gwh:,.1f} GWh/yr"

    claims = Table(
        ("figure", "reported", "basis", "compared with", "claim implies", "P(exceed)",
         "verdict", "what would meet or explain it"),
        tuple((metric_label(c.metric), quantity(c.metric, c.reported), c.basis,
               c.compared_with, implied(c),
               "" if c.exceedance_pct is None else f"{c.exceedance_pct:.0f} %", c.verdict,
               "; ".join(c.needs)) for c in rec.claims),
        (False, True, False, False, True, True, False, False))
    sensitivities = Table(
        ("assumption", "now", "low", "energy at low", "high", "energy at high", "why"),
        tuple((s.parameter, _short(s.base), _short(s.low), f"{s.energy_low_gwh:,.1f}",
               _short(s.high), f"{s.energy_high_gwh:,.1f}", s.why)
              for s in rec.sensitivities),
        (False, True, True, True, True, True, False))
    tornado = Figure.render("tornado", "One-at-a-time sensitivities of the annual energy, "
                            "widest first; the mounting rows are the labelled alternative "
                            "designs; dotted lines: the energy each energy claim implies on "
                            "its matched basis.", tornado_figure(result, rec))
    skipped = getattr(rec, "skipped", ())
    notes = (("Sensitivities not run (the variant is not a valid site; the estimate "
              "stands): " + "; ".join(skipped) + "."),) if skipped else ()
    ranked = next((c.depends_on for c in rec.claims if c.depends_on), ())
    if ranked:
        notes += ("**Depends most on** (ranked by measured effect; parameters moving the "
                  "energy by less than 0.5 % left out): " + "; ".join(ranked) + ".",)
    return Section("Reconciliation of the reported figures", (
        "Each claim keeps the verdict of its check (*consistent* within ±10 % of the "
        "matching model quantity, *questionable* within ±20 %, *inconsistent* beyond), with "
        "its basis and the model quantity it is set against. An energy claim shows the "
        "chance that the matching period exceeds it and the value of each assumption, within "
        "its stated range, that would meet it. A household claim is a statement about "
        "consumption: it shows the consumption per household it implies against the "
        "published figures, and whether it understates or overstates the supply.",
        claims, sensitivities, *notes, tornado))


def _short(value: Any) -> str:
    """A sensitivity's value: text as is, numbers to four significant digits."""
    return value if isinstance(value, str) else f"{value:.4g}"


def _pct(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f} %"


def _site_section(result: Result) -> Section:
    site, plant = result.site, result.site.plant
    losses = site.losses
    soiling = losses.soiling_pct
    rows = [
        ("Location", f"{site.latitude:.4f}, {site.longitude:.4f}, {site.elevation_m:,.0f} m"
                     f" ({site.region + ', ' if site.region else ''}{site.country})"),
        ("Time zone", site.timezone or "n/a"),
        ("DC capacity", f"{plant.dc_capacity_mwp:,.2f} MWp"),
        ("AC capacity", f"{plant.ac_capacity_mwac:,.2f} MWac (DC/AC {plant.dc_ac_ratio:.2f})"
                        + (f"; export limit {plant.export_limit_mwac:,.2f} MWac at the grid"
                           if plant.export_limit_mwac is not None else "")),
        ("Modules", _modules(site)),
        ("Mounting", mounting_text(site)),
        ("Bifaciality", f"{plant.bifaciality:g}" + (" (monofacial)" if not plant.bifaciality
                                                    else "")),
        ("Temperature coefficient", f"{plant.gamma_pdc_pct_per_c:g} %/°C"),
        ("Albedo", f"{plant.albedo:g}"),
        ("Soiling", _pct(soiling) if not isinstance(soiling, list)
         else "monthly " + ", ".join(f"{v:g}" for v in soiling) + " %"),
        ("DC losses", f"mismatch {_pct(losses.mismatch_pct)}, wiring "
                      f"{_pct(losses.dc_wiring_pct)}, LID {_pct(losses.lid_pct)}"),
        ("Inverter, AC", ("Sandia model of the inverter below" if _real_inverter(site)
                          else f"efficiency {_pct(losses.inverter_efficiency_pct)}")
         + f", AC losses {_pct(losses.ac_losses_pct)}, availability "
           f"{_pct(losses.availability_pct)}"),
    ]
    return Section("Site", (Table(("", ""), tuple(rows)), *_equipment_blocks(site)))


def _real_inverter(site: Site) -> bool:
    eq = site.plant.equipment
    return eq is not None and eq.inverter is not None


def _equipment_blocks(site: Site) -> tuple[Block, ...]:
    """The real module and inverter, their models and where each parameter came from."""
    eq = site.plant.equipment
    if eq is None:
        return ()
    rows: list[tuple[str, str, str]] = []
    intro = ["**Equipment**:"]
    if eq.module is not None:
        m = eq.module
        kind = "PVsyst" if m.dc_model == "pvsyst" else "CEC"
        intro.append(f"module {m.describe()}, {eq.modules:,.0f} modules, {kind} "
                     "single-diode model;")
        values = {**m.sdm, "p_stc_w": m.p_stc_w, "area_m2": m.area_m2,
                  "bifaciality": m.bifaciality, "gamma_pmp_pct_per_c": m.gamma_pmp_pct_per_c}
        rows += [(f"module {k}", "" if values.get(k) is None else _short(values[k]), v)
                 for k, v in m.provenance.items()]
    if eq.inverter is not None:
        i = eq.inverter
        intro.append(f"inverter {i.describe()}, {eq.inverters:,.1f} inverters, Sandia "
                     "inverter model;")
        rows += [(f"inverter {k}", _short(i.sandia[k]) if k in i.sandia else "", v)
                 for k, v in i.provenance.items()]
    intro += [f"{text}." for text in eq.scaled]
    return (" ".join(intro), Table(("parameter", "value", "source"), tuple(rows)))


def _sources_section(result: Result) -> Section:
    sources = Table(("field", "source"), tuple(result.site.sources.items()))
    assumptions = Table(
        ("parameter", "value", "kind", "why"),
        tuple((a.parameter, "" if a.value is None else _value_text(a.value), a.kind, a.reason)
              for a in result.assumptions),
    )
    return Section("Sources and assumptions", (
        "**Sources** of the site file's values:",
        sources,
        f"**Assumptions**: every value the estimate rests on without a source "
        f"({len(result.assumptions)}); kinds: *assumption* (stated with a reason), *derived*, "
        "*default* (a documented pvyield default), *unsourced*, *weather*, *model*.",
        assumptions,
    ))


def _modules(site: Site) -> str:
    plant = site.plant
    parts = []
    if plant.module_count:
        parts.append(f"{plant.module_count:,} modules")
    if plant.module_power_wp:
        parts.append(f"{plant.module_power_wp:g} Wp")
    parts.append(f"efficiency {plant.module_efficiency_pct:g} %")
    return ", ".join(parts)


def mounting_text(site: Site) -> str:
    """The mounting in one line (orientation, row spacing, tracking limits); a plant of
    blocks names each block's."""
    if site.plant.blocks is not None:
        return "; ".join(f"{b.name} ({b.dc_capacity_mwp:g} MWp / {b.ac_capacity_mwac:g} "
                         f"MWac): {mounting_words(b.mounting)}" for b in site.plant.blocks)
    return mounting_words(site.plant.mounting)


def mounting_words(mount) -> str:
    """One mounting in one line (orientation, row spacing, tracking limits)."""
    if isinstance(mount, FixedMount):
        faces = "; ".join(f"tilt {o.tilt_deg:g}°, azimuth {o.azimuth_deg:g}° "
                          f"({o.share:.0%} of DC)" for o in mount.orientations)
        gcr = f", GCR {mount.gcr:g}" if mount.gcr else ", no row shading modelled"
        return f"fixed: {faces}{gcr}"
    return (f"single-axis tracker: axis tilt {mount.axis_tilt_deg:g}°, axis azimuth "
            f"{mount.axis_azimuth_deg:g}°, ±{mount.max_angle_deg:g}°, GCR {mount.gcr:g}, "
            f"{'with' if mount.backtrack else 'without'} backtracking")


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _weather_section(result: Result, figure: Figure) -> Section:
    w = result.weather
    kind = ("synthetic (generated from monthly means)" if w.synthetic
            else "typical year" if w.typical_year else "measured or modelled series")
    rows = [
        ("Source", w.source),
        ("Kind", kind),
        ("Format", w.format),
        ("Location of the series", f"{w.latitude:.4f}, {w.longitude:.4f}, "
                                   f"{w.elevation_m:,.0f} m"),
        ("Distance from the site", "n/a" if w.distance_km is None
         else f"{w.distance_km:,.1f} km"),
        ("Elevation difference", "n/a" if w.elevation_difference_m is None
         else f"{w.elevation_difference_m:+,.0f} m (series minus site)"),
        ("Time step", f"{w.time_step_minutes:g} min; " + (
            f"stamps at the {w.label} of each interval" if w.source_label == w.label else
            f"stamps at the {w.source_label} of each interval in the source, moved to the "
            f"{w.label}")),
        ("Years of the data", _years_text(w.years)),
        ("Licence / attribution", w.licence or "not stated"),
    ]
    blocks: list[Block] = [Table(("", ""), tuple(rows))]
    if w.synthetic:
        blocks.append("**This series is synthetic**: its hourly variability is generated, "
                      "only its monthly means come from the source.")
    blocks.append("Corrections applied after reading:")
    blocks.append(Bullets(tuple(w.corrections) or ("none",)))
    if w.warnings:
        blocks.append("**Warnings** about the series:")
        blocks.append(Bullets(tuple(w.warnings)))
    blocks.append(figure)
    return Section("Weather", tuple(blocks))


def _years_text(years: tuple[int, ...]) -> str:
    if not years:
        return "not stated"
    if len(years) > 2 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


def _exceedance_table(u) -> Table:
    """P-values of each labelled period of one set of P-values."""
    return Table(
        ("period", *(f"P{level} [GWh/yr]" for level in LEVELS), "P10 [GWh/yr]", "σ"),
        tuple((e.label, *(f"{e.at(level):,.1f}" for level in LEVELS), f"{e.p10_gwh:,.1f}",
               f"{e.sigma_pct:.1f} %") for e in u.periods),
        (False, *[True] * 6))


def _design_blocks(u, rec) -> tuple[Block, ...]:
    """The P-values including the design item, with the item's parts and rule; or why
    there are none."""
    if not u.conditional_on:
        return ()
    design = getattr(rec, "design", None)
    if design is None:
        return (f"**{INCLUDING_DESIGN_LABEL.capitalize()}**: needs the reconciliation's runs "
                "(not in this report)." if rec is None else
                f"**{INCLUDING_DESIGN_LABEL.capitalize()}**: no assumed design field has a "
                "run.",)
    rows = [(p.name, f"{p.sigma_pct:.2f} %", p.source) for p in design.parts]
    rows.append(("design (quadrature sum)", f"{design.item.sigma_pct:.2f} %", ""))
    parts = Table(("assumed design parameter", "σ [% of energy]", "from"), tuple(rows),
                  (False, True, False))
    text = (f"**Exceedance {INCLUDING_DESIGN_LABEL}** (model and data "
            f"{design.uncertainty.model_sigma_pct:.2f} % with the design item "
            f"{design.item.sigma_pct:.2f} %). Rule: {DESIGN_RULE}."
            + (" Not in the item: " + "; ".join(design.not_run) + "." if design.not_run
               else ""))
    return (text, parts, _exceedance_table(design.uncertainty))


def _results_section(result: Result, rec=None) -> Section:
    h = result.households
    rows = (
        ("Annual energy at the grid (first year)", f"{result.annual_energy_gwh:,.1f} GWh/yr"),
        ("Daily energy (annual / 365)", f"{result.annual_energy_gwh * 1e3 / 365:,.0f} MWh/day"),
        ("Specific yield", f"{result.specific_yield_kwh_per_kwp:,.0f} kWh/kWp"),
        ("Capacity factor, AC", f"{result.capacity_factor_ac:.1%}"),
        ("Capacity factor, DC", f"{result.capacity_factor_dc:.1%}"),
        ("Performance ratio (IEC 61724)", f"{result.performance_ratio:.1%}"),
        ("Global horizontal irradiation", f"{result.annual_ghi_kwh_m2:,.0f} kWh/m²"),
        ("Front plane-of-array irradiation", f"{result.annual_poa_kwh_m2:,.0f} kWh/m²"),
        ("Households served", quantity("households", h.households)),
    )
    u = result.uncertainty
    rows += tuple((f"P50 / P90, {e.label}", f"{e.at(50):,.1f} / {e.at(90):,.1f} GWh/yr")
                  for e in u.periods)
    exceedance = _exceedance_table(u)
    lifetime = (f"Lifetime: {len(u.lifetime_gwh)} years at "
                f"{result.site.losses.degradation_pct_per_year:g} %/yr degradation, "
                f"{u.lifetime_average_gwh:,.1f} GWh/yr on average. Model and data "
                f"uncertainty {u.model_sigma_pct:.1f} %, inter-annual variability "
                f"{u.interannual.sigma_pct:.1f} % ({u.interannual.source}). Degradation "
                "lowers the P50 of the degraded rows, so their P90 can lie below year 1's.")
    heading = ("**Exceedance** (P90: the energy exceeded with 90 % probability)"
               + (f", {CONDITIONAL_LABEL} (" + ", ".join(u.conditional_on)
                  + "): other designs are not in σ" if u.conditional_on else "") + ":")
    design = _design_blocks(u, rec)
    if result.partial_period:  # not whole years: the per-year figures are scaled
        rows = (("Energy x 8,760 h / hours covered (first year), NOT annual",
                 f"{result.annual_energy_gwh:,.1f} GWh per 8,760 h"), *rows[2:])
        return Section("Results", (f"**Not an annual estimate**: {result.period['scaling']}.",
                                   Table(("quantity", "value"), rows, (False, True)),
                                   heading, exceedance, *design, lifetime))
    return Section("Results", (Table(("quantity", "value"), rows, (False, True)),
                               heading, exceedance, *design, lifetime))


def _monthly_section(result: Result, monthly: Figure, heatmap: Figure) -> Section:
    m = result.monthly
    rows = [
        (MONTHS[i], f"{r.energy_gwh:,.1f}", f"{r.ghi_kwh_m2:,.0f}", f"{r.poa_kwh_m2:,.0f}",
         f"{r.temp_air_c:.1f}", f"{r.specific_yield_kwh_per_kwp:,.0f}",
         f"{r.performance_ratio:.1%}")
        for i, r in enumerate(m.itertuples())
    ]
    rows.append(("Year", f"{m['energy_gwh'].sum():,.1f}", f"{m['ghi_kwh_m2'].sum():,.0f}",
                 f"{m['poa_kwh_m2'].sum():,.0f}", f"{result.timeseries['temp_air'].mean():.1f}",
                 f"{m['specific_yield_kwh_per_kwp'].sum():,.0f}",
                 f"{result.performance_ratio:.1%}"))
    table = Table(("month", "energy [GWh]", "GHI [kWh/m²]", "POA [kWh/m²]", "T air [°C]",
                   "yield [kWh/kWp]", "PR"), tuple(rows), (False, *[True] * 6))
    return Section("Monthly", (table, monthly, heatmap))


def _losses_section(result: Result, figure: Figure) -> Section:
    rows = [("Horizontal irradiation (at STC efficiency)", "",
             f"{result.ghi_energy_gwh:,.1f}")]
    rows += [(stage_label(stage), signed_pct(row.loss_pct, 2), f"{row.energy_gwh:,.1f}")
             for stage, row in result.losses.iterrows()]
    table = Table(("stage", "loss [%]", "energy after [GWh/yr]"), tuple(rows),
                  (False, True, True))
    return Section("Losses", (
        figure,
        "Each loss is relative to the energy before the stage (positive: a loss, negative: "
        "a gain, as in the terminal, the JSON and the batch netCDF). "
        "Irradiance stages are counted as energy at STC efficiency.",
        table,
        *_block_tables(result),
    ))


def _block_tables(result: Result) -> tuple[Block, ...]:
    """A plant of blocks: each block's capacities, mounting and energy, and the loss of
    every stage block by block (the plant's loss chain above is their sum)."""
    blocks = result.blocks
    if blocks is None:
        return ()
    overview = Table(
        ("block", "DC [MWp]", "AC [MWac]", "mounting", "energy [GWh/yr]", "share [%]",
         "specific yield [kWh/kWp]"),
        tuple((name, f"{b.dc_capacity_mwp:g}", f"{b.ac_capacity_mwac:g}", b.mounting,
               f"{b.energy_gwh:,.1f}", f"{b.share_pct:.1f}",
               f"{b.specific_yield_kwh_per_kwp:,.0f}") for name, b in blocks.iterrows()),
        (False, True, True, False, True, True, True))
    stages = [c[5:-4] for c in blocks.columns if c.startswith("loss_")]
    losses = Table(
        ("stage", *(f"{name} [%]" for name in blocks.index)),
        tuple((stage_label(stage), *(signed_pct(blocks.loc[name, f"loss_{stage}_pct"], 2)
                                     for name in blocks.index)) for stage in stages),
        (False, *(True for _ in blocks.index)))
    return ("**Blocks**: each block runs with its own mounting and inverters (clipping at "
            "its own AC capacity); the plant's energies are their sums.", overview,
            "Loss of every stage, block by block:", losses)


def _checks_section(result: Result, figure: Figure, exceedance: Figure) -> Section:
    rows, notes = [], []
    for c in result.checks:
        implied = ", ".join(f"{quantity_name(k)} {quantity(k, v)}"
                            for k, v in c.implied.items() if k != c.metric)
        rows.append((
            metric_label(c.metric), quantity(c.metric, c.reported),
            "" if c.estimate is None else quantity(c.metric, c.estimate),
            "" if c.deviation_pct is None else signed_pct(c.deviation_pct),
            c.verdict, c.basis, c.compared_with, implied,
            c.source + (f" ({c.date})" if c.date else " (undated)"),
        ))
        if c.note or c.drivers:
            text = f"{metric_label(c.metric)} {quantity(c.metric, c.reported)}: {c.note}"
            if c.drivers and c.metric == "households":
                text += ("; " if c.note else "") + "depends on the consumption per household"
            elif c.drivers:
                text += (("; " if c.note else "") + "rests on (unranked; the reconciliation "
                         "ranks them by measured effect) " + ", ".join(c.drivers))
            notes.append(text)
    table = Table(("figure", "reported", "model", "deviation", "verdict", "basis",
                   "compared with", "implies", "source"), tuple(rows),
                  (False, True, True, True, False, False, False, False, False))
    blocks: list[Block] = [
        "Deviation = reported / model − 1, where the model quantity matches the figure's "
        "basis (year 1 when no period is stated, the degraded mean of stated years, the "
        "lifetime mean, the P90 for P90 and firm-energy figures, a part's share of the AC "
        "capacity for a part of the plant). *consistent*: within ±10 % (households: the "
        "consumption the claim implies lies inside the published figures); *questionable*: "
        "within ±20 %; *inconsistent*: further away; *not comparable*: no model quantity. "
        "The same verdicts are used by the reconciliation. The figure also shades the "
        "P90–P10 range of the energy (see Results).",
        table,
    ]
    if notes:
        blocks += ["Notes:", Bullets(tuple(notes))]
    blocks += [figure, exceedance]
    return Section("Checks against reported figures", tuple(blocks))


def _households_section(result: Result) -> Section:
    h = result.households
    if math.isnan(h.households):
        return Section("Households served", (h.source,))
    rows = (
        ("Households served", quantity("households", h.households)),
        ("Consumption per household", f"{h.kwh_per_household_year:,.0f} kWh/yr"),
        ("Source of that figure", h.source),
        ("Range", f"{h.households_low:,.0f} to {h.households_high:,.0f} households "
                  f"({h.range_note})"),
    )
    claims = [c for c in result.checks if c.metric == "households"]
    blocks: list[Block] = [
        "Households served = annual energy / electricity used by one household in a year. "
        "The consumption figure moves the result by up to a third, so it is named here.",
        Table(("", ""), rows),
    ]
    if claims:
        blocks.append(Bullets(tuple(
            f"The claim of {c.reported:,.0f} households implies "
            f"{c.implied['kwh_per_household_year']:,.0f} kWh per household per year "
            f"({c.source}): {c.verdict}" + _direction(c) + "." for c in claims)))
    return Section("Households served", tuple(blocks))


def _direction(check) -> str:
    """', the claim understates the supply' from a household check's note, or ''."""
    for words in ("understates the supply", "overstates the supply"):
        if words in check.note:
            return f", the claim {words}"
    return ""


# --- rendering ------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.1em}.subtitle{color:#666;margin-top:0}
h2{border-bottom:2px solid #4c72b0;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;vertical-align:top;text-align:left}
th{background:#eef2f8}td.num{text-align:right;white-space:nowrap}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{color:#555;font-size:.9em}
.consistent{color:#2e7d32;font-weight:bold}.questionable{color:#ef6c00;font-weight:bold}
.inconsistent{color:#c62828;font-weight:bold}
"""


def to_html(report: Report) -> str:
    """The report as one self-contained HTML page (figures as PNG data URIs)."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>", f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="subtitle">{html.escape(report.subtitle)}</p>',
    ]
    for section in report.sections:
        parts.append(f'<h2 id="{section.anchor}">{html.escape(section.title)}</h2>')
        parts += [_html_block(block) for block in section.blocks]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _html_inline(text: str) -> str:
    """Escape text and turn the Markdown emphasis used in paragraphs into tags."""
    out = html.escape(text)
    for mark, tag in (("**", "strong"), ("*", "em")):
        pieces = out.split(mark)
        if len(pieces) % 2 == 1:  # balanced marks only
            out = "".join(p if i % 2 == 0 else f"<{tag}>{p}</{tag}>"
                          for i, p in enumerate(pieces))
    return out


def _html_block(block: Block) -> str:
    if isinstance(block, str):
        return f"<p>{_html_inline(block)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Contents):
        return ('<ul class="toc">' + "".join(
            f'<li><a href="#{html.escape(key)}">{html.escape(title)}</a></li>'
            for key, title in block.entries) + "</ul>")
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure id="fig-{block.key}"><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(block.caption)}"><figcaption>'
                f"{html.escape(block.caption)}</figcaption></figure>")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
    rows = []
    for row in block.rows:
        cells = []
        for i, cell in enumerate(row):
            numeric = i < len(block.numeric) and block.numeric[i]
            verdict = cell if cell in ("consistent", "questionable", "inconsistent") else ""
            cls = "num" if numeric else verdict
            cells.append(f'<td class="{cls}">{html.escape(cell)}</td>' if cls
                         else f"<td>{html.escape(cell)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    thead = f"<thead><tr>{head}</tr></thead>" if any(block.header) else ""
    return f"<table>{thead}<tbody>{''.join(rows)}</tbody></table>"


def to_markdown(report: Report, figure_dir: str = "figures") -> str:
    """The report as Markdown; figures link ``figure_dir/<name>-<key>.png`` and ``.svg``.

    Text (much of it from the site file: names, notes, sources) is escaped like the HTML
    report's: HTML tags and entities stay text, and brackets cannot form links, so a site
    file cannot put a script, an event handler or a ``javascript:`` link into the page a
    Markdown viewer renders.
    """
    lines = [f"# {md_text(report.title)}", "", f"*{md_text(report.subtitle)}*", ""]
    for section in report.sections:
        lines += [f"## {md_text(section.title)}", ""]
        for block in section.blocks:
            lines += [*_markdown_block(block, report.name, figure_dir), ""]
    return "\n".join(lines).rstrip() + "\n"


def md_text(text: str) -> str:
    """Text for a Markdown document: ``<`` and an ``&`` that would start an entity
    written as entities (raw HTML and entity tricks become visible text), a ``]`` that
    would close a link or a link definition (``](``, ``][``, ``]:``) escaped, so no link or
    image can be formed; one line."""
    out = re.sub(r"&(?=#?\w+;)", "&amp;", str(text)).replace("<", "&lt;")
    out = re.sub(r"\](?=\s*[(\[:])", r"\\]", out)
    return out.replace("\r", " ").replace("\n", " ")


def _md_cell(text: str) -> str:
    return md_text(text).replace("|", "\\|")


def _markdown_block(block: Block, name: str, figure_dir: str) -> list[str]:
    if isinstance(block, str):
        return [md_text(block)]
    if isinstance(block, Bullets):
        return [f"- {md_text(item)}" for item in block.items]
    if isinstance(block, Contents):
        # anchors are slugs of fixed section titles, not text from the site file
        return [f"- [{md_text(title)}](#{key})" for key, title in block.entries]
    if isinstance(block, Figure):
        stem = f"{figure_dir}/{name}-{block.key}"
        caption = md_text(block.caption)
        return [f"![{caption}]({stem}.png)", "",
                f"*{caption}* ([SVG]({stem}.svg))"]
    header = [_md_cell(h) or " " for h in block.header]
    align = ["---:" if i < len(block.numeric) and block.numeric[i] else "---"
             for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
    return lines
