"""Checks of an estimate against the figures published about a plant.

For each reported figure: the estimate of the same quantity, the deviation
``reported / estimate - 1`` in percent (positive: the claim is above the estimate), what the
figure implies (specific yield, capacity factors, kWh per household) and a verdict:

- ``consistent``: within ±10 % of the estimate (or, for households, inside the range that
  the published consumption figures give);
- ``questionable``: within ±20 %, reachable only with different assumptions;
- ``inconsistent``: further away;
- ``not modelled``: the figure (land area) is shown with what it implies, not judged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pvyield.results.households import HouseholdsServed
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

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return dataclasses.asdict(self)


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
    checks = [check_one(site, r, annual_energy_gwh, households) for r in site.reported]
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
    if metric == "annual_energy_gwh":
        estimate, implied = energy_gwh, implied_by_energy(site, value)
    elif metric == "daily_energy_mwh":
        estimate = energy_gwh * 1e3 / 365.0
        implied = implied_by_energy(site, value * 365.0 / 1e3)
    elif metric == "capacity_factor_ac":
        estimate = energy_gwh * 1e3 / (site.plant.ac_capacity_mwac * HOURS_PER_YEAR)
        implied = implied_by_energy(
            site, value * site.plant.ac_capacity_mwac * HOURS_PER_YEAR / 1e3
        )
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
