"""Words and number formats shared by the figures and the documents.

Only presentation lives here: names of stages and metrics as people read them, and how each
quantity is printed with its unit.
"""

from __future__ import annotations

import calendar
import math
import re
import textwrap

MONTHS = [calendar.month_abbr[m] for m in range(1, 13)]

#: Loss-chain stages as a reader names them (PVsyst's vocabulary where it has one).
STAGE_LABELS = {
    "transposition": "Irradiance on the plane (transposition)",
    "shading": "Row-to-row beam shading",
    "row_masking": "Row-to-row masking of diffuse and ground light",
    "iam": "Angle of incidence (IAM)",
    "spectral": "Spectral correction",
    "soiling": "Soiling",
    "bifacial": "Rear-side gain (bifacial)",
    "rear_losses": "Rear structure shading and IAM",
    "low_irradiance": "PV loss due to irradiance level",
    "temperature": "Module temperature",
    "mismatch": "Module mismatch",
    "dc_wiring": "DC wiring",
    "lid": "Light-induced degradation (LID)",
    "inverter": "Inverter efficiency",
    "clipping": "Inverter clipping (AC limit)",
    "night_consumption": "Inverter night consumption",
    "ac_losses": "AC losses up to the grid",
    "availability": "Availability",
}

#: Reported metrics: a reader's name and the unit of the reported value.
METRIC_LABELS = {
    "annual_energy_gwh": ("Annual energy", "GWh/yr"),
    "daily_energy_mwh": ("Daily energy", "MWh/day"),
    "capacity_factor_ac": ("AC capacity factor", ""),
    "households": ("Households", ""),
    "module_count": ("Module count", ""),
    "land_area_ha": ("Land area", "ha"),
}

#: Quantities that checks imply: a short name and how to print the value.
QUANTITY_FORMATS = {
    "annual_energy_gwh": ("annual energy", "{:,.0f} GWh/yr"),
    "daily_energy_mwh": ("daily energy", "{:,.0f} MWh/day"),
    "specific_yield_kwh_per_kwp": ("specific yield", "{:,.0f} kWh/kWp"),
    "capacity_factor_ac": ("CF(AC)", "{:.1%}"),
    "capacity_factor_dc": ("CF(DC)", "{:.1%}"),
    "kwh_per_household_year": ("use per household", "{:,.0f} kWh/yr"),
    "dc_density_mwp_per_ha": ("DC density", "{:.2f} MWp/ha"),
    "dc_density_median_mwp_per_ha": ("median DC density of the mounting", "{:.2f} MWp/ha"),
    "gcr_minimum": ("smallest GCR the area allows", "{:.2f}"),
    "gcr_assumed": ("GCR assumed", "{:.2f}"),
    "households_low": ("households at the highest published use", "{:,.0f}"),
    "households_high": ("households at the lowest published use", "{:,.0f}"),
    "dc_capacity_mwp": ("DC capacity", "{:,.1f} MWp"),
    "households": ("households", "{:,.0f}"),
    "module_count": ("modules", "{:,.0f}"),
    "land_area_ha": ("land area", "{:,.0f} ha"),
}


def stage_label(stage: str) -> str:
    """Reader's name of a loss-chain stage (the stage key itself when unknown)."""
    return STAGE_LABELS.get(stage, stage.replace("_", " "))


def metric_label(metric: str) -> str:
    """Reader's name of a reported metric."""
    return METRIC_LABELS.get(metric, (metric.replace("_", " "), ""))[0]


def quantity(key: str, value: float | None) -> str:
    """A value printed with its unit, by its key (``capacity_factor_ac`` -> ``31.1%``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    fmt = QUANTITY_FORMATS.get(key, (key, ""))[1]
    return fmt.format(value) if fmt else number(value)


def quantity_name(key: str) -> str:
    """Short name of a quantity by its key (``capacity_factor_ac`` -> ``CF(AC)``)."""
    return QUANTITY_FORMATS.get(key, (key.replace("_", " "), ""))[0]


def number(value: float) -> str:
    """Numbers for people: thousands separators for large values, 4 digits for small."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def signed_pct(value: float, digits: int = 1) -> str:
    """A change in percent with its sign, using a true minus (``−1.9 %``).

    Float noise in the last bits (a fixed 1.495 % mismatch loss back from an energy ratio as
    1.4949999999999 or 1.4950000000001) is rounded away first, so that it does not decide the
    printed rounding, as in the terminal text.
    """
    text = f"{round(value, 9):+.{digits}f} %"
    if float(text[1:-2]) == 0.0:  # no "-0.00 %" for a stage that changes nothing
        return f"{0.0:.{digits}f} %"
    return text.replace("-", "\N{MINUS SIGN}")


def short_source(source: str, width: int = 34, lines: int = 2) -> str:
    """A source shortened to a few wrapped lines for a figure label.

    Long sources keep what precedes their first ``": "`` (the site files name who said it
    there), without parenthetical remarks; words (web addresses) are never split.
    """
    head = source
    if len(head) > width * lines:
        head = re.sub(r"\s*\([^)]*\)", "", head.split(": ", 1)[0]) or head
    wrapped = textwrap.wrap(head, width, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], textwrap.shorten(
            " ".join(wrapped[lines - 1:]), width, placeholder=" …")]
    return "\n".join(wrapped)
