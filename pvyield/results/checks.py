"""Checks of an estimate against the figures published about a plant.

For each reported figure: the model quantity that MATCHES its basis (see
:func:`matching_quantity`), the deviation ``reported / model - 1`` in percent (positive: the
claim is above the model), what the figure implies (specific yield, capacity factors, kWh per
household, the ground cover ratio) and a verdict. The verdicts are the one vocabulary of the
checks and of the reconciliation (:mod:`pvyield.reconcile`):

- ``consistent``: within ±10 % of the matching model quantity (households: the consumption
  the claim implies lies inside the range of the published figures);
- ``questionable``: within ±20 % (households: of the nearest end of that range);
- ``inconsistent``: further away;
- ``not comparable``: no model quantity to set it against (no consumption figure for the
  country, a model energy of 0).

Each check carries the figure's basis (``basis``: 'expected, firm, Mauriti 3/4/10') and the
model quantity it was compared with (``compared_with``: 'P90 of year 1 x 0.4286 for ...').
Land area is read as power density against the published median of plants of the same
mounting (:func:`land_area_ha`), with the smallest GCR the area allows beside the assumed one.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from pvyield import units
from pvyield.results.households import CONSUMPTION, HouseholdsServed
from pvyield.results.uncertainty import (
    LIFETIME_YEARS,
    Uncertainty,
    lifetime_energy,
    validation_mounting,
    z_score,
)
from pvyield.site.schema import Reported, Site

CONSISTENT_PCT = 10.0
QUESTIONABLE_PCT = 20.0
HOURS_PER_YEAR = units.HOURS_PER_YEAR
#: The verdicts of checks and reconciliation, in order of agreement.
VERDICTS = ("consistent", "questionable", "inconsistent", "not comparable")
#: Hectares in one acre (international acre, 4,046.8564224 m^2).
HA_PER_ACRE = 0.40468564224
#: Median DC power density of US utility-scale PV plants built in 2019 [MWdc per acre], by
#: mounting: Bolinger, M., Bolinger, G. (2022). Land requirements for utility-scale PV: an
#: empirical update on power and energy density. IEEE Journal of Photovoltaics 12(2),
#: 589-594, doi:10.1109/JPHOTOV.2021.3136805: 0.35 MWdc/acre for fixed-tilt and 0.24
#: MWdc/acre for single-axis tracking plants (0.87 and 0.59 MWdc/ha; in AC terms 0.28 and
#: 0.18 MWac/acre), from polygons drawn around satellite imagery of 736 plants of more than
#: 5 MWac built 2007-2019. The check compares power per area with power per area, so no
#: share of the area taken by the rows is assumed; whether a reported area is drawn the
#: same way as those polygons (fence, parcel or arrays) is seldom stated, and the verdict
#: cannot correct for it.
MEDIAN_POWER_DENSITY_MWDC_PER_ACRE: dict[str, float] = {"fixed": 0.35, "tracker": 0.24}
#: How the checks name that source (no colon: the figures cut labels at one).
POWER_DENSITY_SOURCE = ("Bolinger & Bolinger 2022, IEEE J. Photovoltaics 12(2), "
                        "doi 10.1109/JPHOTOV.2021.3136805, median of US plants built in 2019")


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
    #: The model quantity the figure was set against: 'P50 of year 1', 'P90 of year 1 x ...'
    compared_with: str = ""

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


def matching_quantity(
    site: Site, reported: Reported, first_year_gwh: float, unc: Uncertainty | None = None
) -> tuple[float, str]:
    """The model's annual energy [GWh/yr] that matches a figure's basis, and what it is.

    - the period: stated calendar ``years`` with a known operating year 1 -> the degraded
      mean of those years (:func:`operating_years_factor`); ``lifetime_mean`` -> the mean of
      the :data:`~pvyield.results.uncertainty.LIFETIME_YEARS`-year lifetime; ``first_year`` or
      unstated -> year 1 (the label says when the period was not stated);
    - the exceedance: ``P90`` -> the P90 of that period; ``firm`` (firm energy, such as a
      Brazilian physical guarantee) -> the same P90, the nearest model quantity (said so);
      ``P50`` or unstated -> the P50;
    - the scope: a part of the plant -> times its share of the AC capacity
      (:func:`scope_factor`).

    The P90 of a period of ``n`` years uses :meth:`Uncertainty.sigma_for` (``n``, degraded
    when the period is later than year 1). Without ``unc`` a P90 figure is compared with the
    P50 and the label says so.
    """
    rate_pct = site.losses.degradation_pct_per_year
    period_years, degraded, factor = 1, False, 1.0
    if reported.years is not None and reported.operating_year_one is not None:
        factor = operating_years_factor(reported, rate_pct)
        first, last = reported.years
        period_years, degraded = last - first + 1, True
        what = (f"mean of {first}-{last} (operating year 1 = {reported.operating_year_one}; "
                f"x {factor:.4f} degradation)")
    elif reported.period == "lifetime_mean":
        factor = sum(lifetime_energy(1.0, rate_pct)) / LIFETIME_YEARS
        period_years, degraded = LIFETIME_YEARS, True
        what = f"{LIFETIME_YEARS}-year lifetime mean (x {factor:.4f} degradation)"
    elif reported.years is not None:
        what = "year 1 (operating years unknown)"
    elif reported.period == "first_year":
        what = "year 1"
    else:
        what = "year 1 (period not stated)"
    energy = first_year_gwh * factor
    level = 90 if reported.exceedance in ("P90", "firm") else 50
    label = f"P{level} of {what}"
    if level == 90:
        if unc is None:
            label = f"P50 of {what} (no uncertainty given: not the P{level})"
        else:
            energy *= 1.0 - z_score(90) * unc.sigma_for(period_years, degraded) / 100.0
        if reported.exceedance == "firm":
            label += ": firm energy set against the P90, the nearest model quantity"
    scale = scope_factor(site, reported)
    if scale != 1.0:
        label += (f"; x {scale:.4f} for {reported.scope} ({reported.scope_ac_capacity_mwac:g} "
                  f"of {site.plant.ac_capacity_mwac:g} MWac)")
    return energy * scale, label


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
        "specific_yield_kwh_per_kwp": units.specific_yield_kwh_per_kwp(energy_gwh,
                                                                       plant.dc_capacity_mwp),
        "capacity_factor_ac": units.capacity_factor(energy_gwh, plant.ac_capacity_mwac),
        "capacity_factor_dc": units.capacity_factor(energy_gwh, plant.dc_capacity_mwp),
    }


def check_all(
    site: Site, annual_energy_gwh: float, households: HouseholdsServed, synthetic_weather: bool,
    unc: Uncertainty | None = None,
) -> list[Check]:
    """Check every reported figure of a site against the matching model quantity.

    Checks that are not ``consistent`` name the unsourced inputs their estimate rests on
    (``drivers``, unranked: the reconciliation ranks them by measured effect): the site
    file's assumptions the model uses for this site (:func:`used_assumptions`), the weather
    when it is synthetic, and the household consumption for household figures.
    """
    checks = [check_one(site, r, annual_energy_gwh, households, unc) for r in site.reported]
    energy_drivers = used_assumptions(site) + (("weather (synthetic)",) if synthetic_weather
                                               else ())
    out = []
    for check in checks:
        if check.verdict in ("consistent", "not comparable") or check.metric in (
                "module_count", "land_area_ha"):
            out.append(check)
            continue
        drivers = energy_drivers
        if check.metric == "households":
            drivers = ("kwh_per_household_year",)
        out.append(dataclasses.replace(check, drivers=drivers))
    return out


def used_assumptions(site: Site) -> tuple[str, ...]:
    """The site file's assumptions that the model uses for this site.

    ``plant.mounting.height_m`` and ``collector_width_m`` set only the rear irradiance (the
    front's view factors depend on the GCR alone), so they are dropped for a monofacial
    plant, and the albedo's rear share with them.
    """
    unused = () if site.plant.bifaciality > 0 else ("plant.mounting.height_m",
                                                    "plant.mounting.collector_width_m")
    # a block's mounting (plant.blocks.0.mounting.height_m) as the plant's
    return tuple(a for a in site.assumptions
                 if re.sub(r"^plant\.blocks\.\d+\.mounting", "plant.mounting", a) not in unused)


def check_one(
    site: Site, reported: Reported, energy_gwh: float, households: HouseholdsServed,
    unc: Uncertainty | None = None,
) -> Check:
    """Check one reported figure against the model quantity that matches its basis."""
    metric, value = reported.metric, reported.value
    note, basis = reported.note or "", reported.basis_text()
    if metric == "module_count":
        return dataclasses.replace(_module_check(site, reported), basis=basis,
                                   compared_with="DC capacity / module power")
    if metric == "land_area_ha":
        return dataclasses.replace(_land_check(site, reported), basis=basis)
    matched, label = matching_quantity(site, reported, energy_gwh, unc)
    if metric == "households":
        return dataclasses.replace(_households_check(site, reported, matched, households),
                                   basis=basis, compared_with=label)
    ac_mwac = site.plant.ac_capacity_mwac * scope_factor(site, reported)
    if metric == "annual_energy_gwh":
        estimate, implied = matched, implied_by_energy(site, value / scope_factor(site, reported))
    elif metric == "daily_energy_mwh":
        estimate = matched * 1e3 / 365.0
        implied = implied_by_energy(site, value * 365.0 / 1e3 / scope_factor(site, reported))
    else:  # capacity_factor_ac: on the part's own capacity (the energy is scaled to it)
        estimate = matched * 1e3 / (ac_mwac * HOURS_PER_YEAR)
        # the whole plant at the same capacity factor: what the figure says of the plant
        implied = implied_by_energy(site, value * site.plant.ac_capacity_mwac
                                    * HOURS_PER_YEAR / 1e3)
    if scope_factor(site, reported) != 1.0:
        note = "; ".join(t for t in (f"implied values are the whole plant's at the same "
                                     f"specific yield ({reported.scope} scaled up)", note) if t)
    if not estimate > 0:  # a year without energy: no ratio to state
        return Check(metric, value, None, None, "not comparable", implied, reported.source,
                     reported.date, note or "the estimate is 0", (), basis, label)
    deviation = (value / estimate - 1.0) * 100.0
    return Check(metric, value, estimate, deviation, verdict_for(deviation), implied,
                 reported.source, reported.date, note, (), basis, label)


def published_consumption(site: Site, households: HouseholdsServed) -> list[float]:
    """Household consumption figures [kWh/household/yr] of the site's country (and the site
    file's own), the range a household claim is read against."""
    figures = [c.kwh_per_household_year for c in CONSUMPTION if c.country == site.country]
    if site.households is not None:
        figures.append(site.households.kwh_per_household_year)
    if not figures and households.kwh_per_household_year > 0:
        figures.append(households.kwh_per_household_year)
    return figures


def consumption_reading(implied_kwh: float, figures: list[float]) -> tuple[str, str]:
    """Where the consumption a household claim implies sits among the published figures.

    Returns (direction, text): direction ``understated`` (the claim implies more per
    household than every published figure: the plant supplies more households than
    claimed), ``overstated`` (less than every figure) or ``within``.
    """
    low, high = min(figures), max(figures)
    monthly = implied_kwh / 12.0
    span = f"{low:,.0f}-{high:,.0f} kWh/household/yr, {low / 12:.0f}-{high / 12:.0f} kWh/month"
    if implied_kwh > high:
        return "understated", (f"the claim implies {implied_kwh:,.0f} kWh/household/yr "
                               f"({monthly:.0f} kWh/month), above every published figure "
                               f"({span}): it understates the supply")
    if implied_kwh < low:
        return "overstated", (f"the claim implies {implied_kwh:,.0f} kWh/household/yr "
                              f"({monthly:.0f} kWh/month), below every published figure "
                              f"({span}): it overstates the supply")
    return "within", (f"the claim implies {implied_kwh:,.0f} kWh/household/yr "
                      f"({monthly:.0f} kWh/month), inside the published figures ({span})")


def _households_check(
    site: Site, reported: Reported, energy_gwh: float, households: HouseholdsServed
) -> Check:
    """A household claim read on the consumption axis: the kWh per household it implies at
    the matching model energy, against the published consumption figures."""
    value = reported.value
    implied = {"kwh_per_household_year": energy_gwh * 1e6 / value}
    figures = published_consumption(site, households)
    if not figures or not households.households > 0:  # no consumption figure for the country
        return Check("households", value, None, None, "not comparable", implied,
                     reported.source, reported.date,
                     "; ".join(filter(None, [reported.note, households.source])))
    central = energy_gwh * 1e6 / households.kwh_per_household_year
    deviation = (value / central - 1.0) * 100.0
    direction, text = consumption_reading(implied["kwh_per_household_year"], figures)
    # households the published figures give: the claim is judged from the nearest end
    low_hh, high_hh = energy_gwh * 1e6 / max(figures), energy_gwh * 1e6 / min(figures)
    nearest = low_hh if value < low_hh else high_hh if value > high_hh else value
    verdict = "consistent" if direction == "within" else verdict_for(
        (value / nearest - 1.0) * 100.0)
    implied["households_low"], implied["households_high"] = low_hh, high_hh
    note = (f"{text}; the estimate's {central:,.0f} households use "
            f"{households.kwh_per_household_year:,.0f} kWh/household/yr")
    if reported.note:
        note = f"{reported.note}; {note}"
    return Check("households", value, central, deviation, verdict, implied, reported.source,
                 reported.date, note)


def module_area_m2(site: Site) -> float:
    """Total module area [m^2]: DC capacity over module efficiency at 1,000 W/m^2 (STC)."""
    plant = site.plant
    return plant.dc_capacity_mwp * 1e6 / (plant.module_efficiency_pct / 100.0 * 1000.0)


def density_class(site: Site) -> str:
    """The mounting class of the published density medians: ``tracker`` or ``fixed``.

    Bolinger & Bolinger 2022 split plants into fixed-tilt and single-axis tracking only: a
    fixed east-west array is read against the fixed-tilt median (said so in the check).
    """
    kinds = {"tracker" if validation_mounting(m) == "tracker" else "fixed"
             for m, _ in site.plant.mounting_shares()}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def median_power_density_mwdc_per_ha(site: Site) -> float:
    """Median DC power density of plants of the site's mounting class [MWdc/ha]
    (:data:`MEDIAN_POWER_DENSITY_MWDC_PER_ACRE` / :data:`HA_PER_ACRE`)."""
    return site.plant.dc_capacity_mwp / land_area_ha(site)


def land_area_ha(site: Site) -> float:
    """Land area [ha] a plant of the site's DC capacity takes at the published median power
    density of its mounting class: ``DC [MWdc] / median density [MWdc/ha]``.

    Examples
    --------
    425 MWdc on single-axis trackers: 425 / (0.24 / 0.40468564) = 716.6 ha.
    """
    # a plant of blocks: each block's DC at the median of its own mounting class
    return math.fsum(
        site.plant.dc_capacity_mwp * share / (MEDIAN_POWER_DENSITY_MWDC_PER_ACRE[
            "tracker" if validation_mounting(m) == "tracker" else "fixed"] / HA_PER_ACRE)
        for m, share in site.plant.mounting_shares())


def minimum_gcr(site: Site, area_ha: float) -> float:
    """The smallest GCR at which the modules fit in an area [-]: module area / area.

    The rows' footprint (module area / GCR) cannot exceed the whole area, so the GCR of a
    plant on ``area_ha`` is at least this (equal only if rows covered every square metre).
    """
    return module_area_m2(site) / (area_ha * 1e4)


def _land_check(site: Site, reported: Reported) -> Check:
    """A reported land area read as power density, against the published median of plants
    of the same mounting class, with the smallest GCR it implies beside the assumed GCR."""
    # a plant of blocks has one GCR per block: none is set beside the implied minimum
    value = reported.value
    gcr = None if site.plant.blocks is not None else site.plant.mounting.gcr
    estimate = land_area_ha(site)
    deviation = (value / estimate - 1.0) * 100.0
    density = site.plant.dc_capacity_mwp / value
    median = median_power_density_mwdc_per_ha(site)
    kind = density_class(site)
    implied = {"dc_density_mwp_per_ha": density, "dc_density_median_mwp_per_ha": median,
               "gcr_minimum": minimum_gcr(site, value)}
    if gcr is not None:
        implied["gcr_assumed"] = gcr
    label = {"fixed": "fixed-tilt", "tracker": "single-axis tracking",
             "mixed": "fixed-tilt and single-axis tracking (by block, DC-weighted)"}[kind]
    east_west = any(validation_mounting(m) == "east_west"
                    for m, _ in site.plant.mounting_shares())
    note = (f"{site.plant.dc_capacity_mwp:g} MWdc on {value:,.0f} ha = {density:.2f} MWdc/ha "
            f"against the median {median:.2f} MWdc/ha of {label} plants "
            + (f"({MEDIAN_POWER_DENSITY_MWDC_PER_ACRE[kind]:g} MWdc/acre" if kind != "mixed"
               else "(each block at the median of its class")
            + ("; an east-west array is read as fixed-tilt, which the source does not "
               "separate" if east_west else "")
            + f"); the modules ({module_area_m2(site) / 1e4:,.1f} ha) fit only at a GCR of at "
            f"least {implied['gcr_minimum']:.2f}")
    if gcr is not None:
        note += (f", beside the assumed GCR {gcr:g}"
                 + (": the reported area cannot hold the modules at the assumed GCR"
                    if implied["gcr_minimum"] > gcr else ""))
    note += ("; the verdict bands are the checks' ±10/±20 % (the plant-to-plant spread of "
             "the published densities is not used)")
    if reported.note:
        note = f"{reported.note}; {note}"
    return Check("land_area_ha", value, estimate, deviation, verdict_for(deviation), implied,
                 reported.source, reported.date, note,
                 compared_with=f"DC capacity / median power density of {label} plants "
                               f"({POWER_DENSITY_SOURCE})")


def _module_check(site: Site, reported: Reported) -> Check:
    plant, value = site.plant, reported.value
    if plant.module_power_wp is None:
        return Check("module_count", value, None, None, "not comparable", {}, reported.source,
                     reported.date, "module_power_wp not given in the site file")
    estimate = plant.dc_capacity_mwp * 1e6 / plant.module_power_wp
    deviation = (value / estimate - 1.0) * 100.0
    implied = {"dc_capacity_mwp": value * plant.module_power_wp / 1e6}
    return Check("module_count", value, estimate, deviation, verdict_for(deviation), implied,
                 reported.source, reported.date, reported.note or "")
