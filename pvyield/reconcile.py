"""Reconciling reported figures with an estimate: what would make a claim true?

Every reported figure of energy or households gets the same verdict as its check
(:mod:`pvyield.results.checks`: ``consistent``, ``questionable``, ``inconsistent``, ``not
comparable``), against the same model quantity, with the figure's basis beside it. The
reconciliation adds what would make the claim true, on the claim's own axis:

- an energy claim (annual or daily energy, AC capacity factor): the chance that the matching
  period's energy exceeds it, the value of each plant assumption, within its stated range,
  at which the matching model quantity equals the claim, the alternative designs that put it
  within ±10 %, and other readings of the claim (year 1, a degraded mean, a P90) that do;
- a household claim: the consumption per household it implies, the published figures it
  sits between and the direction (the claim understates or overstates the supply). A
  household count is a statement about consumption, so no plant assumption is offered.

The sensitivities are one-at-a-time model runs between stated low and high values
(:data:`RANGES`; the mounting alternatives are always the labelled designs, never the
site's own), so they double as a tornado chart; ``depends_on`` ranks them by measured effect.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from pvyield import units
from pvyield.errors import SiteError
from pvyield.estimate import estimate
from pvyield.results import Result
from pvyield.results.checks import (
    CONSISTENT_PCT,
    Check,
    consumption_reading,
    matching_quantity,
    published_consumption,
)
from pvyield.results.uncertainty import (
    DesignUncertainty,
    design_uncertainty,
    exceedance,
    validation_mounting,
)
from pvyield.site.overrides import site_variant
from pvyield.site.schema import Site
from pvyield.weather import WeatherMeta, weather_for_site

ENERGY_METRICS = ("annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac")
CLAIM_METRICS = (*ENERGY_METRICS, "households")
#: A sensitivity that moves the annual energy by less than this [% of the base, high minus
#: low] is left out of ``depends_on``: it does not move the result.
MOVES_PCT = 0.5


@dataclasses.dataclass(frozen=True)
class Range:
    """Stated low and high values of one assumption, with the reason for them."""

    parameter: str
    low: Any
    high: Any
    why: Any  # text, or a callable of the site giving it


def _dc_ac(site: Site, ratio: float) -> float:
    return site.plant.dc_capacity_mwp / ratio


#: One-at-a-time ranges: (parameter, low, high, reason). Callables get the site.
RANGES: tuple[Range, ...] = (
    Range("losses.soiling_pct", 0.5, 5.0, "weekly cleaning vs. a dry season without"),
    Range("plant.bifaciality", 0.0, 0.85, "monofacial vs. the best TOPCon/HJT modules"),
    Range("plant.albedo", 0.15, 0.35, "dark vegetation vs. bright sand"),
    Range("plant.gamma_pdc_pct_per_c", -0.40, -0.26, "older PERC vs. heterojunction"),
    Range("plant.ac_capacity_mwac", lambda s: _dc_ac(s, 1.4), lambda s: _dc_ac(s, 1.1),
          "DC/AC ratio 1.4 vs. 1.1"),
    Range("losses.availability_pct", 97.0, 99.5, "a poor vs. an excellent operating year"),
    Range("losses.dc_wiring_pct", 3.0, 0.8, "long thin strings vs. generous cabling"),
    Range("plant.mounting", "fixed", "single_axis",
          lambda s: f"fixed racking facing the equator at latitude tilt "
                    f"({round(abs(s.latitude)):.0f} deg), GCR 0.45 vs. a horizontal 1P "
                    "single-axis tracker, GCR 0.35, +-60 deg"),
)


@dataclasses.dataclass(frozen=True)
class Sensitivity:
    """Annual energy [GWh] with one assumption at its low and its high value."""

    parameter: str
    base: Any
    low: Any
    high: Any
    energy_low_gwh: float
    energy_high_gwh: float
    why: str

    def swing_pct(self, base_gwh: float) -> float:
        """Largest move of the annual energy from the base [% of the base]."""
        return max(abs(self.energy_low_gwh - base_gwh),
                   abs(self.energy_high_gwh - base_gwh)) / base_gwh * 100.0


@dataclasses.dataclass(frozen=True)
class ClaimCheck:
    """One reported figure reconciled with the estimate.

    ``verdict``, ``basis`` and ``compared_with`` are those of the figure's check.
    ``axis`` is ``energy`` or ``consumption``. For energy: ``implied_energy_gwh`` is the
    claim as energy on the matched basis (a part's figure for that part), ``model_gwh`` the
    matching model quantity and ``exceedance_pct`` the probability that the matching
    period's energy exceeds the claim. For households: ``implied_kwh_per_household`` and
    ``direction`` (``understated``, ``overstated``, ``within``). ``needs`` says what would
    meet the claim; ``depends_on`` ranks the assumptions by measured effect.
    """

    metric: str
    reported: float
    implied_energy_gwh: float | None
    exceedance_pct: float | None
    verdict: str
    needs: tuple[str, ...]
    source: str
    basis: str = "expected"
    compared_with: str = ""
    axis: str = "energy"
    model_gwh: float | None = None
    implied_kwh_per_household: float | None = None
    direction: str | None = None
    depends_on: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    """Sensitivities of the estimate and the reconciliation of every claim."""

    base_energy_gwh: float
    sensitivities: tuple[Sensitivity, ...]
    claims: tuple[ClaimCheck, ...]
    #: Sensitivities not run, each "parameter: why" (a variant the schema refuses, such as
    #: a bifacial fixed plant without a GCR): they never invalidate the site itself.
    skipped: tuple[str, ...] = ()
    #: The P-values including the measured spread of the assumed design
    #: (:func:`design_of`); ``None`` when nothing in the design is assumed.
    design: DesignUncertainty | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        out = dataclasses.asdict(dataclasses.replace(self, design=None))
        out["design"] = None if self.design is None else self.design.to_dict()
        return out


def reconcile(
    result: Result,
    engine: str = "batch",
    weather: tuple[pd.DataFrame, WeatherMeta] | None = None,
) -> Reconciliation:
    """Run the one-at-a-time sensitivities and reconcile every reported figure.

    ``engine`` names the model chain implementation of the sensitivity runs (see
    :data:`pvyield.estimate.ENGINES`); ``weather`` is the site's weather as
    :func:`pvyield.weather.weather_for_site` returned it for the estimate (read again
    when omitted).
    """
    site = result.site
    weather = weather if weather is not None else weather_for_site(site)
    runs, skipped = [], []
    for spec in RANGES:
        if not _applies(site, spec):
            continue
        if spec.parameter == "plant.mounting" and site.plant.blocks is not None:
            skipped.append("plant.mounting: the plant is made of blocks of different "
                           "mountings (plant.blocks), each stated in the site file; no "
                           "single alternative mounting replaces them")
            continue
        low, high = _value(site, spec.low), _value(site, spec.high)
        try:
            runs.append((spec, low, high, variant(site, spec.parameter, low),
                         variant(site, spec.parameter, high)))
        except SiteError as exc:
            skipped.append(f"{spec.parameter}: {_first_problem(exc)}")
    energies = variant_energies([v for run in runs for v in run[3:]], weather, engine)
    sensitivities = [Sensitivity(spec.parameter, _get(site, spec.parameter), low, high,
                                 *energies[2 * k:2 * k + 2], _value(site, spec.why))
                     for k, (spec, low, high, _, _) in enumerate(runs)]
    claimed = [(r, check) for r, check in zip(site.reported, result.checks, strict=True)
               if r.metric in CLAIM_METRICS and check.verdict != "not comparable"]
    if claimed and not result.annual_energy_gwh > 0:  # no distribution to set them against
        skipped.append("claims: the estimate is 0 GWh/yr; no claim can be reconciled")
        claimed = []
    ranked = depends_on(sensitivities, result.annual_energy_gwh) if claimed else ()
    claims = tuple(_claim(result, r, check, tuple(sensitivities), ranked)
                   for r, check in claimed)
    return Reconciliation(result.annual_energy_gwh, tuple(sensitivities), claims,
                          tuple(skipped), design_of(result, sensitivities))


def design_of(result: Result, sensitivities: list[Sensitivity]) -> DesignUncertainty | None:
    """The design item of the P-values from the sensitivities of the assumed design.

    A design field of :attr:`Uncertainty.conditional_on` enters with its runs when the
    site file assumes the field itself (or a section holding it): the runs replace the whole
    field (the mounting runs are other designs). A field assumed only in part (CEME1's
    sourced east-west mounting with an assumed tilt and GCR) or without a run (the module
    efficiency) is listed as not run, with why. See
    :func:`pvyield.results.uncertainty.design_uncertainty` for the rule.
    """
    unc, assumptions = result.uncertainty, result.site.assumptions
    spans: dict[str, tuple[float, ...]] = {}
    not_run: list[str] = []
    for field in unc.conditional_on:
        whole = any(field == a or field.startswith(a + ".") for a in assumptions)
        runs = [s for s in sensitivities if s.parameter == field]
        if whole and runs:
            spans[field] = tuple(e for s in runs for e in (s.energy_low_gwh, s.energy_high_gwh))
        elif not whole:
            parts = sorted(a for a in assumptions if a.startswith(field + "."))
            not_run.append(f"{field} (only {', '.join(parts)} assumed; the runs vary the "
                           "whole field)")
        else:
            not_run.append(f"{field} (no sensitivity run)")
    return design_uncertainty(unc, spans, result.annual_energy_gwh, tuple(not_run))


def depends_on(sensitivities: list[Sensitivity], base_gwh: float) -> tuple[str, ...]:
    """Parameters ranked by measured effect on the annual energy, largest first, with the
    energy at their low and high values; those moving it by less than :data:`MOVES_PCT`
    are left out."""
    moving = [s for s in sensitivities if s.swing_pct(base_gwh) >= MOVES_PCT]
    moving.sort(key=lambda s: s.swing_pct(base_gwh), reverse=True)
    return tuple(f"{s.parameter} ({(s.energy_low_gwh / base_gwh - 1) * 100:+.1f} % at "
                 f"{_text(s.low)}, {(s.energy_high_gwh / base_gwh - 1) * 100:+.1f} % at "
                 f"{_text(s.high)})" for s in moving)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


def _first_problem(exc: SiteError) -> str:
    """The first problem of a variant's validation error, without the file name line."""
    lines = [line.strip() for line in str(exc).splitlines()]
    return (lines[1] if len(lines) > 1 else lines[0]) + " (variant not run)"


def _applies(site: Site, spec: Range) -> bool:
    return not (spec.parameter == "plant.ac_capacity_mwac" and site.plant.dc_ac_ratio < 1.05)


def _value(site: Site, spec: Any) -> Any:
    return spec(site) if callable(spec) else spec


def variant_energies(sites: list[Site], weather: tuple[pd.DataFrame, WeatherMeta],
                     engine: str) -> list[float]:
    """First-year annual energy [GWh/yr] of variants of one site on the site's weather.

    The compiled engine runs them all in one call on the one weather frame; the reference
    chain (``engine="reference"``) estimates them one by one, for checking.
    """
    if engine != "batch" or not sites:
        return [estimate(s, weather=weather, engine=engine).annual_energy_gwh for s in sites]
    from pvyield.model.engine import run_sites

    # the variants share the weather and its gate: the base estimate passed it
    frame = weather[0]
    ds = run_sites(sites, [frame] * len(sites))
    return [units.annual_energy_gwh(row) for row in ds["monthly_energy"].to_numpy()]


#: How the site's own mounting is named beside the alternatives (by
#: :func:`~pvyield.results.uncertainty.validation_mounting`).
MOUNTING_NAMES = {"tracker": "single_axis", "east_west": "fixed east-west", "fixed": "fixed"}


def _get(site: Site, path: str) -> Any:
    node: Any = site
    for part in path.split("."):
        node = getattr(node, part)
    if path == "plant.mounting":
        return MOUNTING_NAMES[validation_mounting(node)]
    return node


def variant(site: Site, path: str, value: Any) -> Site:
    """A copy of the site with one value replaced; ``plant.mounting`` by the name of a
    labelled design (:func:`alternative_mounting`)."""
    if path == "plant.mounting":
        value = alternative_mounting(site, value)
    overrides = {path: value}
    if path == "plant.ac_capacity_mwac" and site.plant.blocks is not None:
        # a plant of blocks: every block at the same DC/AC ratio, so that they still add
        # up to the plant
        ratio = site.plant.dc_capacity_mwp / value
        overrides["plant.blocks"] = [
            {**b.model_dump(exclude_unset=True), "ac_capacity_mwac": b.dc_capacity_mwp / ratio}
            for b in site.plant.blocks]
    return site_variant(site, overrides, "one-at-a-time sensitivity of the reconciliation")


def alternative_mounting(site: Site, kind: str) -> dict[str, Any]:
    """The labelled alternative design of a mounting type, never the site's own mounting.

    ``fixed``: one plane facing the equator at latitude tilt (rounded to a degree), GCR
    0.45; ``single_axis``: a horizontal north-south tracker, GCR 0.35, +-60 deg, the
    schema's defaults otherwise. The rest of the site (module, heights) is kept.
    """
    if kind == "single_axis":
        return {"type": "single_axis", "gcr": 0.35, "max_angle_deg": 60.0}
    azimuth = 0.0 if site.latitude < 0 else 180.0
    tilt = float(round(abs(site.latitude)))
    return {"type": "fixed", "gcr": 0.45,
            "orientations": [{"tilt_deg": tilt, "azimuth_deg": azimuth}]}


def _claim_energy(result: Result, reported, matched_gwh: float) -> float:
    """The claim as annual energy on the matched basis [GWh/yr] (a part's figure: the part's
    energy, like ``matched_gwh``)."""
    plant, value = result.site.plant, reported.value
    if reported.metric == "daily_energy_mwh":
        return units.energy_of_daily_mwh_gwh(value)
    if reported.metric == "capacity_factor_ac":
        share = (1.0 if reported.scope_ac_capacity_mwac is None
                 else reported.scope_ac_capacity_mwac / plant.ac_capacity_mwac)
        return units.energy_of_capacity_factor_gwh(value, plant.ac_capacity_mwac * share)
    return value


def _claim(result: Result, reported, check: Check, sensitivities: tuple[Sensitivity, ...],
           ranked: tuple[str, ...]) -> ClaimCheck:
    common = dict(basis=check.basis, compared_with=check.compared_with)
    if reported.metric == "households":
        implied = check.implied["kwh_per_household_year"]
        figures = published_consumption(result.site, result.households)
        direction, text = consumption_reading(implied, figures)
        return ClaimCheck("households", reported.value, None, None, check.verdict, (text,),
                          reported.source, **common, axis="consumption",
                          implied_kwh_per_household=implied, direction=direction)
    e1 = result.annual_energy_gwh
    matched, _ = matching_quantity(result.site, reported, e1, result.uncertainty)
    claim = _claim_energy(result, reported, matched)
    # the matched quantity is a fixed multiple of the first-year energy (degradation, P90,
    # scope): the sensitivities' first-year energies scale by it
    ratio = matched / e1
    # P(exceed): the claim in the distribution of the matching period around its P50
    median, _ = matching_quantity(result.site, reported.model_copy(update={"exceedance": None}),
                                  e1, result.uncertainty)
    exceed = float(exceedance(median, _period_of(result, reported).sigma_pct, 1)
                   .exceedance_pct(claim))
    needs: list[str] = []
    if check.verdict != "consistent":
        needs = [n for n in (_needed(s, e1, claim / ratio) for s in sensitivities) if n]
        needs += _other_readings(result, reported, claim, check.compared_with)
    return ClaimCheck(reported.metric, reported.value, claim, exceed, check.verdict,
                      tuple(needs), reported.source, **common, axis="energy",
                      model_gwh=matched, depends_on=ranked)


def _period_of(result: Result, reported):
    """The exceedance period whose distribution a claim is read in (P(exceed))."""
    unc = result.uncertainty
    if reported.period == "lifetime_mean" or reported.years is not None:
        return unc.average
    return unc.one_year


def _needed(s: Sensitivity, base_gwh: float, target_gwh: float) -> str:
    """The value of one assumption, within its stated range, at which the first-year energy
    equals ``target_gwh`` (the claim brought back to first-year energy); '' when none does.

    A categorical alternative (a mounting) is named when its energy puts the claim within
    ±:data:`~pvyield.results.checks.CONSISTENT_PCT` %.
    """
    if isinstance(s.base, str):  # categorical: the labelled alternatives
        found = [f"{s.parameter} = {alt} ({energy:,.1f} GWh in year 1)"
                 for alt, energy in ((s.low, s.energy_low_gwh), (s.high, s.energy_high_gwh))
                 if alt != s.base and abs(target_gwh / energy - 1.0) * 100.0 <= CONSISTENT_PCT]
        return "; ".join(found)
    points = sorted([(s.energy_low_gwh, float(s.low)), (base_gwh, float(s.base)),
                     (s.energy_high_gwh, float(s.high))])
    energies, values = zip(*points, strict=True)
    if not energies[0] <= target_gwh <= energies[-1] or energies[0] == energies[-1]:
        return ""
    return f"{s.parameter} = {float(np.interp(target_gwh, energies, values)):.3g}"


def _other_readings(result: Result, reported, claim: float, used: str) -> list[str]:
    """Readings of the claim on another basis that put it within ±10 % of the model."""
    unc, site = result.uncertainty, result.site
    share = 1.0 if reported.scope_ac_capacity_mwac is None else (
        reported.scope_ac_capacity_mwac / site.plant.ac_capacity_mwac)
    readings = [(f"P50 of {p.label}", p.p50_gwh) for p in unc.periods]
    readings += [(f"P90 of {p.label}", p.at(90)) for p in unc.periods]
    out = []
    for label, energy in readings:
        if label == used or label.startswith(used):
            continue
        deviation = (claim / (energy * share) - 1.0) * 100.0
        if abs(deviation) <= CONSISTENT_PCT:
            out.append(f"read as the {label} ({energy * share:,.1f} GWh/yr): "
                       f"{deviation:+.1f} %")
    return out
