"""Reconciling reported figures with an estimate: what would make a claim true?

For every reported energy-like figure (annual or daily energy, AC capacity factor, households)
this module states the yearly energy the claim implies, where it falls in the estimate's
exceedance distribution, and, for each key assumption, how far that assumption would have to
move for the estimate to meet the claim. The sensitivities are one-at-a-time model runs
between stated low and high values (:data:`RANGES`), so they double as a tornado chart.

Verdicts:

- ``plausible``: the claim lies between P90 and P10 of the multi-year average;
- ``needs one named assumption``: outside that band, but reachable by moving one assumption
  within its stated range, or by reading the claim on another basis (first-year energy,
  capacity stated in AC, a P90 figure, another household consumption); ``needs`` lists
  each of them;
- ``implausible``: no single assumption or basis within its range reaches it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from pvyield.errors import SiteError
from pvyield.estimate import estimate
from pvyield.results import Result
from pvyield.results.households import CONSUMPTION
from pvyield.results.uncertainty import z_score
from pvyield.site.overrides import site_variant
from pvyield.site.schema import Site
from pvyield.weather import WeatherMeta, weather_for_site

ENERGY_METRICS = ("annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac", "households")


@dataclasses.dataclass(frozen=True)
class Range:
    """Stated low and high values of one assumption, with the reason for them."""

    parameter: str
    low: Any
    high: Any
    why: str


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
          "fixed racking facing the equator at latitude tilt vs. 1P single-axis tracker"),
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


@dataclasses.dataclass(frozen=True)
class ClaimCheck:
    """One reported figure reconciled with the estimate."""

    metric: str
    reported: float
    implied_energy_gwh: float
    exceedance_pct: float  # probability that the multi-year average exceeds the claim
    verdict: str
    needs: tuple[str, ...]
    source: str


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    """Sensitivities of the estimate and the reconciliation of every claim."""

    base_energy_gwh: float
    sensitivities: tuple[Sensitivity, ...]
    claims: tuple[ClaimCheck, ...]
    #: Sensitivities not run, each "parameter: why" (a variant the schema refuses, such as
    #: a bifacial fixed plant without a GCR): they never invalidate the site itself.
    skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return dataclasses.asdict(self)


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
    sensitivities, skipped = [], []
    for spec in RANGES:
        if not _applies(site, spec):
            continue
        try:
            sensitivities.append(_sensitivity(site, spec, weather, engine))
        except SiteError as exc:
            skipped.append(f"{spec.parameter}: {_first_problem(exc)}")
    reported = [r for r in site.reported if r.metric in ENERGY_METRICS
                # households without a consumption figure imply no energy
                and np.isfinite(_implied_energy(result, r.metric, r.value))]
    if reported and not result.annual_energy_gwh > 0:  # no distribution to set them against
        skipped.append("claims: the estimate is 0 GWh/yr; no claim can be reconciled")
        reported = []
    claims = tuple(_claim(result, r, tuple(sensitivities)) for r in reported)
    return Reconciliation(result.annual_energy_gwh, tuple(sensitivities), claims,
                          tuple(skipped))


def _first_problem(exc: SiteError) -> str:
    """The first problem of a variant's validation error, without the file name line."""
    lines = [line.strip() for line in str(exc).splitlines()]
    return (lines[1] if len(lines) > 1 else lines[0]) + " (variant not run)"


def _applies(site: Site, spec: Range) -> bool:
    return not (spec.parameter == "plant.ac_capacity_mwac" and site.plant.dc_ac_ratio < 1.05)


def _value(site: Site, spec: Any) -> Any:
    return spec(site) if callable(spec) else spec


def _sensitivity(site: Site, spec: Range, weather, engine: str) -> Sensitivity:
    low, high = _value(site, spec.low), _value(site, spec.high)
    energies = [estimate(_with(site, spec.parameter, v), weather=weather,
                         engine=engine).annual_energy_gwh for v in (low, high)]
    return Sensitivity(spec.parameter, _get(site, spec.parameter), low, high, *energies,
                       spec.why)


def _get(site: Site, path: str) -> Any:
    node: Any = site
    for part in path.split("."):
        node = getattr(node, part)
    return node.type if path == "plant.mounting" else node


def _with(site: Site, path: str, value: Any) -> Site:
    """A copy of the site with one value replaced (mounting by type: see :data:`RANGES`)."""
    if path == "plant.mounting":
        value = _mounting(site, value)
    return site_variant(site, {path: value}, "one-at-a-time sensitivity of the reconciliation")


def _mounting(site: Site, kind: str) -> dict[str, Any]:
    current = site.plant.mounting
    if current.type == kind:
        return current.model_dump()
    if kind == "single_axis":
        return {"type": "single_axis", "gcr": 0.35, "max_angle_deg": 60.0}
    azimuth = 0.0 if site.latitude < 0 else 180.0
    tilt = float(round(abs(site.latitude)))
    return {"type": "fixed", "gcr": 0.45,
            "orientations": [{"tilt_deg": tilt, "azimuth_deg": azimuth}]}


def _implied_energy(result: Result, metric: str, value: float) -> float:
    plant = result.site.plant
    return {
        "annual_energy_gwh": lambda: value,
        "daily_energy_mwh": lambda: value * 365.0 / 1e3,
        "capacity_factor_ac": lambda: value * plant.ac_capacity_mwac * 8760.0 / 1e3,
        "households": lambda: value * result.households.kwh_per_household_year / 1e6,
    }[metric]()


def _claim(result: Result, reported, sensitivities: tuple[Sensitivity, ...]) -> ClaimCheck:
    avg = result.uncertainty.average
    claim = _implied_energy(result, reported.metric, reported.value)
    exceed = float(avg.exceedance_pct(claim))
    if avg.at(90) <= claim <= avg.p10_gwh:
        return ClaimCheck(reported.metric, reported.value, claim, exceed,
                          "plausible within P10-P90", (), reported.source)
    needs = [_needed(s, result.annual_energy_gwh, claim, avg) for s in sensitivities]
    needs = [n for n in needs if n] + _other_bases(result, reported.metric, claim)
    verdict = "needs one named assumption" if needs else "implausible"
    return ClaimCheck(reported.metric, reported.value, claim, exceed, verdict,
                      tuple(needs), reported.source)


def _needed(s: Sensitivity, base_gwh: float, claim: float, avg) -> str:
    """The value of one assumption, within its stated range, that brings the claim inside
    the P10-P90 band of the multi-year average ('' when none does).

    Energies of the one-at-a-time runs are first-year values; they are scaled to the
    multi-year average by the same degradation factor as the base estimate. The smallest
    move is wanted, so the claim is put at the band's near edge.
    """
    scale = avg.p50_gwh / base_gwh
    half_band = z_score(90) * avg.sigma_pct / 100.0
    target = claim / (1.0 + half_band) if claim > avg.p50_gwh else claim / (1.0 - half_band)
    target /= scale  # back to first-year energy
    if isinstance(s.base, str):  # categorical: only the alternative exists
        alternative, energy = ((s.high, s.energy_high_gwh) if s.high != s.base
                               else (s.low, s.energy_low_gwh))
        inside = energy * scale * (1 - half_band) <= claim <= energy * scale * (1 + half_band)
        return f"{s.parameter} = {alternative}" if inside else ""
    points = sorted([(s.energy_low_gwh, float(s.low)), (base_gwh, float(s.base)),
                     (s.energy_high_gwh, float(s.high))])
    energies, values = zip(*points, strict=True)
    if not energies[0] <= target <= energies[-1]:
        return ""
    return f"{s.parameter} = {float(np.interp(target, energies, values)):.3g}"


def _other_bases(result: Result, metric: str, claim: float) -> list[str]:
    """Readings of the claim on another basis that put it inside the P10-P90 band."""
    unc = result.uncertainty
    one, avg = unc.one_year, unc.average
    out = []
    if one.at(90) <= claim <= one.p10_gwh and not avg.at(90) <= claim <= avg.p10_gwh:
        out.append("the claim read as a single year, not a long-term average")
    ratio = result.site.plant.dc_ac_ratio
    if avg.at(90) * ratio <= claim <= avg.p10_gwh * ratio:
        out.append(f"the stated capacity read as AC (DC x {ratio:.2f})")
    if abs(claim / avg.at(90) - 1.0) <= 0.02:
        out.append("the claim being a P90 figure")
    if metric == "households":
        figures = [c.kwh_per_household_year for c in CONSUMPTION
                   if c.country == result.site.country]
        households = claim * 1e6 / result.households.kwh_per_household_year
        needed = avg.p50_gwh * 1e6 / households  # kWh per household the claim implies
        if figures and min(figures) * 0.9 <= needed <= max(figures) * 1.1:
            out.append(f"{needed:,.0f} kWh per household (published: "
                       f"{min(figures):,.0f}-{max(figures):,.0f})")
    return out

