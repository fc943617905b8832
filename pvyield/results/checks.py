"""Checks of an estimate against the figures published about a plant.

For each reported figure: the estimate of the same quantity, the deviation
``reported / estimate - 1`` in percent (positive: the claim is above the estimate), what the
figure implies (specific yield, capacity factors, kWh per household) and a verdict:

- ``consistent``: within ±10 % of the estimate (or, for households, inside the range that
  the published consumption figures give);
- ``questionable``: within ±20 %, reachable only with different assumptions;
- ``inconsistent``: further away;
- ``not modelled``: the figure (land area) is shown with what it implies, not judged.

A figure of calendar years (``years``; required for ``basis: measured``) is set against the
modelled mean of those operating years, not the first-year estimate (see
:func:`operating_years_factor`), an expected lifetime mean against the modelled lifetime mean,
and a figure for a named part of the plant (``scope`` with its AC capacity) against the
estimate scaled by that capacity (:func:`like_for_like`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pvyield.results.households import HouseholdsServed
from pvyield.results.uncertainty import LIFETIME_YEARS, lifetime_energy
from pvyield.site.schema import Reported, Site

CONSISTENT_PCT = 10.0
QUESTIONABLE_PCT = 20.0
HOURS_PER_YEAR = 8760.0


@dataclasses.dataclass(frozen=True)
class Check:
    """One reported figure set against the estimate."""

    metric: str
    reported: float
    estimate: float | None
    deviation_pct: float | None
    verdict: str
    implied: dict[str, float]
    source: str
    date: str | None
    note: str
    drivers: tuple[str, ...] = ()
    #: What the figure is (``Reported.basis_text``): 'expected', 'measured, mean 2015-2017, ...'
    basis: str = "expected"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return dataclasses.asdict(self)


def operating_years_factor(reported: Reported, degradation_pct_per_year: float) -> float:
    """Mean degradation factor over the operating years a measured figure covers [-].

    ``factor = mean over y in years of (1 - d) ** i(y)``, with ``d`` the annual degradation
    rate [fraction] and ``i(y) = max(0, y - Y1)`` the index of calendar year ``y`` counted
    from operating year 1 ``Y1`` (``Reported.operating_year_one``: given, or the year of the
    commercial operation date when it falls in January-June, else the year after). The
    modelled mean of those years is the first-year estimate times this factor, the same
    compounding as the lifetime energy of :func:`pvyield.results.uncertainty.lifetime_energy`
    (year 1 carries LID, no degradation yet).

    Returns 1.0 when the figure has no ``years`` or the operating years are unknown (the
    figure is then compared with the first-year estimate).

    Examples
    --------
    Years 2015-2017 of a plant whose operating year 1 is 2014, at 0.5 %/yr:
    (0.995 + 0.995**2 + 0.995**3) / 3 = 0.990033.
    """
    year_one = reported.operating_year_one
    if reported.years is None or year_one is None:
        return 1.0
    rate = degradation_pct_per_year / 100.0
    first, last = reported.years
    indices = [max(0, year - year_one) for year in range(first, last + 1)]
    return sum((1.0 - rate) ** i for i in indices) / len(indices)


def scope_factor(site: Site, reported: Reported) -> float:
    """Share of the site's AC capacity that a figure for a named part covers [-] (1: whole)."""
    if reported.scope_ac_capacity_mwac is None:
        return 1.0
    return reported.scope_ac_capacity_mwac / site.plant.ac_capacity_mwac


def like_for_like(site: Site, reported: Reported, first_year_gwh: float) -> tuple[float, str]:
    """The modelled annual energy comparable with a reported energy figure [GWh/yr], and how.

    - a figure of stated calendar ``years`` (measured, or expected for those years) with a
      known first operating year: first-year estimate x :func:`operating_years_factor`;
    - an expected ``lifetime_mean``: first-year estimate x the mean of (1 - d)^i over the
      :data:`~pvyield.results.uncertainty.LIFETIME_YEARS` years of the lifetime energy;
    - otherwise (``first_year`` or unstated): the first-year estimate;

    each times :func:`scope_factor` for a figure about a part of the plant.
    """
    rate_pct = site.losses.degradation_pct_per_year
    scale = scope_factor(site, reported)
    how = [] if scale == 1.0 else [f"x {scale:.4g} for {reported.scope}"]
    if reported.years is not None:
        if reported.operating_year_one is None:
            how.append("operating years unknown: first-year estimate")
        else:
            factor = operating_years_factor(reported, rate_pct)
            first, last = reported.years
            how.append(f"x {factor:.4f} = mean of (1 - {rate_pct:g} %)^(year - "
                       f"{reported.operating_year_one}) over {first}-{last}")
            scale *= factor
    elif reported.period == "lifetime_mean":
        factor = sum(lifetime_energy(1.0, rate_pct)) / LIFETIME_YEARS
        how.append(f"x {factor:.4f} = mean of (1 - {rate_pct:g} %)^i over a "
                   f"{LIFETIME_YEARS}-year lifetime")
        scale *= factor
    return first_year_gwh * scale, "; ".join(how)


def verdict_for(deviation_pct: float) -> str:
    """Verdict for a deviation in percent (see module docstring)."""
    size = abs(deviation_pct)
    if size <= CONSISTENT_PCT:
        return "consistent"
    if size <= QUESTIONABLE_PCT:
        return "questionable"
    return "inconsistent"


def implied_by_energy(site: Site, energy_gwh: float) -> dict[str, float]:
    """Specific yield and capacity factors that an annual energy [GWh] implies."""
    plant = site.plant
    return {
        "annual_energy_gwh": energy_gwh,
        "specific_yield_kwh_per_kwp": energy_gwh * 1e6 / (plant.dc_capacity_mwp * 1e3),
        "capacity_factor_ac": energy_gwh * 1e3 / (plant.ac_capacity_mwac * HOURS_PER_YEAR),
        "capacity_factor_dc": energy_gwh * 1e3 / (plant.dc_capacity_mwp * HOURS_PER_YEAR),
    }


def check_all(
    site: Site, annual_energy_gwh: float, households: HouseholdsServed, synthetic_weather: bool
) -> list[Check]:
    """Check every reported figure of a site against the estimate.

    Checks that are not ``consistent`` name the unsourced inputs their estimate rests on
    (``drivers``): the site file's assumptions, the weather when it is synthetic, and the
    household consumption for household figures.
    """
    checks = [dataclasses.replace(check_one(site, r, annual_energy_gwh, households),
                                  basis=r.basis_text()) for r in site.reported]
    energy_drivers = tuple(site.assumptions) + (("weather (synthetic)",) if synthetic_weather
                                                else ())
    out = []
    for check in checks:
        if (check.verdict in ("consistent", "not modelled", "not comparable")
                or check.metric == "module_count"):
            out.append(check)
            continue
        drivers = energy_drivers
        if check.metric == "households":
            drivers = ("kwh_per_household_year", *energy_drivers)
        out.append(dataclasses.replace(check, drivers=drivers))
    return out


def check_one(
    site: Site, reported: Reported, energy_gwh: float, households: HouseholdsServed
) -> Check:
    """Check one reported figure."""
    metric, value = reported.metric, reported.value
    note = reported.note or ""
    if metric in ("annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac"):
        energy_gwh, how = like_for_like(site, reported, energy_gwh)
        if reported.basis_text() != "expected" or how:  # the basis says more than the default
            note = "; ".join(t for t in (reported.basis_text(),
                                          f"estimate {how}" if how else "", note) if t)
    if metric == "annual_energy_gwh":
        estimate, implied = energy_gwh, implied_by_energy(site, value)
    elif metric == "daily_energy_mwh":
        estimate = energy_gwh * 1e3 / 365.0
        implied = implied_by_energy(site, value * 365.0 / 1e3)
    elif metric == "capacity_factor_ac":
        # a part's capacity factor is on the part's capacity (the energy is scaled to it)
        ac_mwac = site.plant.ac_capacity_mwac * scope_factor(site, reported)
        estimate = energy_gwh * 1e3 / (ac_mwac * HOURS_PER_YEAR)
        implied = implied_by_energy(site, value * ac_mwac * HOURS_PER_YEAR / 1e3)
    elif metric == "households":
        return _households_check(reported, energy_gwh, households)
    elif metric == "module_count":
        return _module_check(site, reported)
    else:  # land_area_ha
        implied = {"dc_density_mwp_per_ha": site.plant.dc_capacity_mwp / value}
        return Check(metric, value, None, None, "not modelled", implied, reported.source,
                     reported.date, note)
    if not estimate > 0:  # a year without energy: no ratio to state
        return Check(metric, value, None, None, "not comparable", implied,
                     reported.source, reported.date, note or "the estimate is 0")
    deviation = (value / estimate - 1.0) * 100.0
    return Check(metric, value, estimate, deviation, verdict_for(deviation), implied,
                 reported.source, reported.date, note)


def _households_check(
    reported: Reported, energy_gwh: float, households: HouseholdsServed
) -> Check:
    value = reported.value
    implied = {"kwh_per_household_year": energy_gwh * 1e6 / value}
    if not households.households > 0:  # NaN: no consumption figure for the country
        return Check("households", value, None, None, "not comparable", implied,
                     reported.source, reported.date,
                     "; ".join(filter(None, [reported.note, households.source])))
    deviation = (value / households.households - 1.0) * 100.0
    inside = households.households_low <= value <= households.households_high
    verdict = "consistent" if inside else verdict_for(deviation)
    note = (f"estimate uses {households.kwh_per_household_year:,.0f} kWh/household/yr; "
            f"published figures give {households.households_low:,.0f}-"
            f"{households.households_high:,.0f} households ({households.range_note})")
    if reported.note:
        note = f"{reported.note}; {note}"
    return Check("households", value, households.households, deviation, verdict, implied,
                 reported.source, reported.date, note)


def _module_check(site: Site, reported: Reported) -> Check:
    plant, value = site.plant, reported.value
    if plant.module_power_wp is None:
        return Check("module_count", value, None, None, "not modelled", {}, reported.source,
                     reported.date, "module_power_wp not given in the site file")
    estimate = plant.dc_capacity_mwp * 1e6 / plant.module_power_wp
    deviation = (value / estimate - 1.0) * 100.0
    implied = {"dc_capacity_mwp": value * plant.module_power_wp / 1e6}
    return Check("module_count", value, estimate, deviation, verdict_for(deviation), implied,
                 reported.source, reported.date, reported.note or "")
