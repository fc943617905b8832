"""Terminal text of an estimate: the third renderer of a Result, beside the Markdown and
HTML documents (:mod:`pvyield.report.document`).

``pvyield estimate`` prints :func:`full_text` (or :func:`summary_text` with ``--quiet``),
``pvyield report`` a :func:`summary_text` per site; :func:`weather_text` is ``pvyield weather
inspect``'s report. Plain text only: no figures, nothing computed here.
"""

from __future__ import annotations

import calendar
import math
from typing import TYPE_CHECKING, Any

from pvyield.report.labels import number
from pvyield.results import Result
from pvyield.results.uncertainty import CONDITIONAL_LABEL, DESIGN_RULE, INCLUDING_DESIGN_LABEL

if TYPE_CHECKING:
    from pvyield.reconcile import Reconciliation


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


def _block_lines(r: Result) -> list[str]:
    """A plant of blocks: each block's capacities, mounting, energy and main losses."""
    if r.blocks is None:
        return []
    lines = ["blocks (own inverters; the plant's figures and loss chain are their sums)"]
    for name, b in r.blocks.iterrows():
        lines += [f"  {name}: {b.dc_capacity_mwp:g} MWp / {b.ac_capacity_mwac:g} MWac, "
                  f"{b.mounting}",
                  f"    {b.energy_gwh:,.1f} GWh/yr ({b.share_pct:.1f} % of the plant), "
                  f"{b.specific_yield_kwh_per_kwp:,.0f} kWh/kWp; transposition "
                  f"{b.loss_transposition_pct:+.2f} %, temperature "
                  f"{b.loss_temperature_pct:+.2f} %, clipping {b.loss_clipping_pct:+.2f} %"]
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
        f"(DC/AC {plant.dc_ac_ratio:.2f}), "
        + (f"export limit {plant.export_limit_mwac:g} MWac, "
           if plant.export_limit_mwac is not None else "")
        + (f"{plant.mounting.type} mounting, " if plant.blocks is None
           else f"{len(plant.blocks)} blocks of their own mounting, ")
        + f"bifaciality {plant.bifaciality:g}",
        *_block_lines(r),
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
        est = "" if c.estimate is None else f"model {number(c.estimate)}"
        dev = "" if c.deviation_pct is None else f"{c.deviation_pct:+6.1f} %"
        implied = ", ".join(f"{k} {number(v)}" for k, v in c.implied.items())
        lines.append(f"  {c.metric:<18} reported {number(c.reported)}  {est}  {dev}  "
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
            lines.append(f"  {c.metric:<18} {number(c.reported):>9}  = "
                         f"{c.implied_kwh_per_household:7,.0f} kWh/household/yr  "
                         f"-> {c.verdict.upper()} ({_DIRECTION[c.direction]})")
        else:
            lines.append(f"  {c.metric:<18} {number(c.reported):>9}  = "
                         f"{c.implied_energy_gwh:7,.1f} GWh/yr vs {c.model_gwh:7,.1f}  "
                         f"P(exceed) {c.exceedance_pct:3.0f} %  -> {c.verdict.upper()}")
        lines.append(f"      basis: {c.basis}; compared with: {c.compared_with}")
        label = "explained by" if c.axis == "consumption" else "met by"
        lines += [f"      {label if i == 0 else 'or':<12} {need}"
                  for i, need in enumerate(c.needs)]
    lines.append("  sensitivities, one at a time (annual energy, base "
                 f"{rec.base_energy_gwh:,.1f} GWh):")
    for s in rec.sensitivities:
        low = s.low if isinstance(s.low, str) else number(s.low)
        high = s.high if isinstance(s.high, str) else number(s.high)
        base = s.base if isinstance(s.base, str) else number(s.base)
        lines.append(f"    {s.parameter:<28} {low:>11} -> {s.energy_low_gwh:7,.1f}   "
                     f"{high:>11} -> {s.energy_high_gwh:7,.1f}   (base {base}; {s.why})")
    ranked = next((c.depends_on for c in rec.claims if c.depends_on), ())
    if ranked:
        lines.append("  depends most on (ranked by measured effect; below "
                     "0.5 % left out): " + "; ".join(ranked))
    lines += [f"    skipped: {text}" for text in rec.skipped]
    return lines


def weather_text(path: Any, report: dict[str, Any]) -> str:
    """The quality-control report of a weather file
    (:func:`pvyield.weather.inspect.inspect_weather`) for the terminal."""
    lines = [f"{path}: {report['format']}, {report['source']}",
             f"  at {report['latitude']:.4f}, {report['longitude']:.4f}, "
             f"{report['elevation_m']:.0f} m; {report['rows']} rows every "
             f"{report['time_step_minutes']:g} min, {report['start']} .. {report['end']}",
             f"  annual GHI {report['annual_ghi_kwh_m2']:,.0f} kWh/m2; stamps were "
             f"'{report['source_label']}', now interval centres"]
    by_year = report["annual_ghi_kwh_m2_by_year"]
    if by_year:
        lines.append("  GHI by year: " + ", ".join(f"{y} {v:,.0f}" for y, v in by_year.items())
                     + " kWh/m2")
    shift = report["qc"]["time_shift_minutes"]
    lines.append("  time shift: " + ("not measurable (too few clear days)" if shift is None
                                     else f"{shift:+.0f} min against clear-sky noon"))
    flags = report["qc"]["flags"]
    lines.append(f"  {len(flags)} flag(s)" + (":" if flags else ""))
    lines += [f"    [{flag['severity']}] {flag['code']}: {flag['message']}" for flag in flags]
    if any(flag["severity"] == "error" for flag in flags):
        lines.append("  an estimate refuses this weather unless the site file accepts each "
                     "error (weather.accept; see 'What the weather gate refuses' in the README)")
    return "\n".join(lines)
