"""Households served: energy divided by what one household uses, with the figure's source.

The choice of consumption moves "households served" by a third, so pvyield always names the
figure it used and shows the range the available figures give.
"""

from __future__ import annotations

import dataclasses

from pvyield.site.schema import Site


@dataclasses.dataclass(frozen=True)
class Consumption:
    """Electricity used by an average household in a year [kWh/household/yr]."""

    country: str
    scope: str
    kwh_per_household_year: float
    year: int
    source: str


#: Published household consumption figures. The first row of each country is its central
#: figure (a national average: transmission-connected plants feed the national grid); the
#: others span the range.
CONSUMPTION: tuple[Consumption, ...] = (
    Consumption("BR", "Brazil, average residential consumer unit", 2124.0, 2024,
                "EPE, Anuário Estatístico de Energia Elétrica 2025 factsheet "
                "(177 kWh/month)"),
    Consumption("BR", "Brazil, Northeast region", 1632.0, 2024,
                "EPE, Anuário Estatístico de Energia Elétrica 2025 factsheet "
                "(136 kWh/month)"),
    Consumption("BR", "Brazil, average residential consumer unit", 1936.0, 2022,
                "EPE via soudesergipe.com.br (161.3 kWh/month, Q4 2022)"),
    Consumption("CL", "Chile, average dwelling", 2077.0, 2018,
                "Ministerio de Energía / CDT, residential energy use survey 2018 "
                "(25.7 % of 8,083 kWh)"),
    Consumption("CL", "Chile, developers' press releases", 2000.0, 2023,
                "Enel and Acciona press releases (2,000-2,100 kWh)"),
    Consumption("CL", "Chile, developers' press releases", 2100.0, 2023,
                "Enel and Acciona press releases (2,000-2,100 kWh)"),
)


@dataclasses.dataclass(frozen=True)
class HouseholdsServed:
    """Households a yearly energy supplies, with the consumption used and the range."""

    households: float
    kwh_per_household_year: float
    source: str
    households_low: float
    households_high: float
    range_note: str


def households_served(site: Site, energy_kwh: float) -> HouseholdsServed:
    """Households a site's annual energy [kWh] supplies.

    Uses the site file's ``households`` figure when given, else the first figure of the
    site's country in :data:`CONSUMPTION`; the range spans every figure of the country.
    """
    rows = [c for c in CONSUMPTION if c.country == site.country]
    if site.households is not None:
        central = site.households.kwh_per_household_year
        source = f"site file: {site.households.source}"
    elif rows:
        central = rows[0].kwh_per_household_year
        source = f"{rows[0].scope} {rows[0].year}: {rows[0].source}"
    else:
        return HouseholdsServed(float("nan"), float("nan"),
                                f"no household consumption figure for country {site.country}",
                                float("nan"), float("nan"), "")
    figures = [central, *(c.kwh_per_household_year for c in rows)]
    low, high = min(figures), max(figures)
    note = f"{low:,.0f}-{high:,.0f} kWh/household/yr from {len(figures)} figure(s)"
    return HouseholdsServed(energy_kwh / central, central, source, energy_kwh / high,
                            energy_kwh / low, note)
