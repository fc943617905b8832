"""Units and the figures derived from energy: one definition for every output.

The estimate (:func:`pvyield.results.summarise`), the batch records built from the engine's
Dataset (:mod:`pvyield.batch.runner`), the batch netCDF (:mod:`pvyield.batch.dataset`) and
the checks of reported figures all take specific yield, capacity factors, performance ratio
and unit conversions from here. Every function works on floats and on numpy arrays alike.

Definitions: IEC 61724-1:2021, *Photovoltaic system performance - Part 1: Monitoring*
(final yield, reference yield, performance ratio); the capacity factor is the energy over
the rated capacity times the hours of a year of 8,760 h (365 days; a leap day is not
counted, as in the per-year figures of the chain, which are scaled to 8,760 h).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

#: Hours of the year the per-year figures and capacity factors refer to [h].
HOURS_PER_YEAR = 8760.0
#: Days of the year of the daily figures [d].
DAYS_PER_YEAR = 365.0
KWH_PER_GWH = 1e6
KWH_PER_MWH = 1e3
KW_PER_MW = 1e3
W_PER_MW = 1e6
WH_PER_KWH = 1e3


def kwh_to_gwh(energy_kwh: Any) -> Any:
    """Energy [kWh] in GWh."""
    return energy_kwh / KWH_PER_GWH


def gwh_to_kwh(energy_gwh: Any) -> Any:
    """Energy [GWh] in kWh."""
    return energy_gwh * KWH_PER_GWH


def annual_energy_gwh(monthly_energy_kwh: Iterable[float]) -> float:
    """Annual energy [GWh/yr] as the sum of its months [kWh/yr].

    Summed exactly rounded (:func:`math.fsum`), so that the same months give the same
    figure whatever holds them (a table of an estimate, a row of the engine's Dataset).
    """
    return kwh_to_gwh(math.fsum(monthly_energy_kwh))


def specific_yield_kwh_per_kwp(energy_gwh: Any, dc_capacity_mwp: Any) -> Any:
    """Final yield: energy per DC capacity at STC [kWh/kWp] (IEC 61724-1, Y_f)."""
    return energy_gwh * KWH_PER_GWH / (dc_capacity_mwp * KW_PER_MW)


def capacity_factor(energy_gwh: Any, capacity_mw: Any) -> Any:
    """Annual energy [GWh/yr] over a capacity [MW] times 8,760 h [-]."""
    return energy_gwh * KWH_PER_MWH / (capacity_mw * HOURS_PER_YEAR)


def energy_of_capacity_factor_gwh(capacity_factor_: Any, capacity_mw: Any) -> Any:
    """The annual energy [GWh/yr] a capacity factor [-] of a capacity [MW] implies."""
    return capacity_factor_ * capacity_mw * HOURS_PER_YEAR / KWH_PER_MWH


def daily_energy_mwh(energy_gwh: Any) -> Any:
    """Mean daily energy [MWh/d] of an annual energy [GWh/yr]."""
    return energy_gwh * KWH_PER_MWH / DAYS_PER_YEAR


def energy_of_daily_mwh_gwh(daily_mwh: Any) -> Any:
    """The annual energy [GWh/yr] a mean daily energy [MWh/d] implies."""
    return daily_mwh * DAYS_PER_YEAR / KWH_PER_MWH


def performance_ratio(energy_gwh: Any, poa_kwh_m2: Any, dc_capacity_mwp: Any) -> Any:
    """Final yield over reference yield (IEC 61724-1): energy over front plane-of-array
    irradiation [kWh/m^2] times DC capacity at 1 kW/m^2 [-]."""
    return energy_gwh * KWH_PER_GWH / (poa_kwh_m2 * dc_capacity_mwp * KW_PER_MW)


def annual_figures(energy_gwh: Any, poa_kwh_m2: Any, dc_capacity_mwp: Any,
                   ac_capacity_mwac: Any) -> dict[str, Any]:
    """The figures of :data:`FIGURES` but households, from annual energy [GWh/yr] and
    front plane-of-array irradiation [kWh/m^2/yr]."""
    return {
        "annual_energy_gwh": energy_gwh,
        "specific_yield_kwh_per_kwp": specific_yield_kwh_per_kwp(energy_gwh, dc_capacity_mwp),
        "capacity_factor_ac": capacity_factor(energy_gwh, ac_capacity_mwac),
        "capacity_factor_dc": capacity_factor(energy_gwh, dc_capacity_mwp),
        "performance_ratio": performance_ratio(energy_gwh, poa_kwh_m2, dc_capacity_mwp),
    }


#: The scalar figures of an estimate: units (as a reader writes them: ``GWh/yr``, ``kWh/kWp``
#: rather than UDUNITS' ``GW h yr-1``, since xarray puts them verbatim into plot labels)
#: and long names. The batch netCDF writes them as variable attributes.
FIGURES = {
    "annual_energy_gwh": ("GWh/yr", "annual AC energy at the grid, first year"),
    "specific_yield_kwh_per_kwp": ("kWh/kWp", "annual AC energy per DC capacity, first year"),
    "capacity_factor_ac": ("1", "annual energy over AC capacity x 8760 h"),
    "capacity_factor_dc": ("1", "annual energy over DC capacity x 8760 h"),
    "performance_ratio": ("1", "energy over front POA irradiation x DC capacity (IEC 61724)"),
    "households_served": ("1", "annual energy over electricity per household"),
}
#: Plant ratings written beside the figures.
RATINGS = {
    "dc_capacity_mwp": ("MWp", "DC capacity at STC"),
    "ac_capacity_mwac": ("MWac", "AC capacity (inverter rating)"),
}
#: Monthly energy and losses by stage.
MONTHLY_ENERGY = ("GWh", "AC energy per month, first year")
LOSS_PCT = ("%", "loss of each stage relative to the stage before (negative: gain)")
