"""Results: the figures people read, built from the model chain's output.

This is the one place where estimated meets reported: annual and monthly energy, specific
yield, capacity factors, performance ratio, the loss chain, households served, checks against
published figures, and the assumptions the estimate rests on.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from pydantic import BaseModel

from pvyield import units
from pvyield.model.chain import MODEL_CONSTANTS, STAGES, ChainOutput
from pvyield.results.checks import Check, check_all
from pvyield.results.households import HouseholdsServed, households_served
from pvyield.results.uncertainty import (
    BIFACIAL_RELATIVE,
    DEFAULT_ITEMS,
    Item,
    Uncertainty,
    interannual_default,
    synthetic_weather_item,
    uncertainty,
)
from pvyield.site.load import defaults_used
from pvyield.site.schema import Site, field_description
from pvyield.weather.frame import WeatherMeta, time_step_minutes
from pvyield.weather.qc import QcReport, period_text

__all__ = ["Assumption", "ChainTotals", "Check", "HouseholdsServed", "Result", "Uncertainty",
           "summarise"]

#: Fields that are not model parameters and need no source.
_NOT_PARAMETERS = ("name", "country", "region", "reported", "sources", "assumptions",
                   "weather.file", "weather.format", "weather.attribution", "weather.accept",
                   "weather.synthetic.source",
                   "weather.synthetic.seed", "households.source")


@dataclasses.dataclass(frozen=True)
class Result:
    """The estimate for one site.

    Attributes
    ----------
    site : Site
        The validated site.
    weather : WeatherMeta
        Provenance of the weather series, with corrections, distance and elevation gap.
    annual_energy_gwh : float
        First-year AC energy at the grid [GWh/yr] (LID included, no later degradation).
    specific_yield_kwh_per_kwp : float
        Annual energy per DC capacity [kWh/kWp/yr].
    capacity_factor_ac, capacity_factor_dc : float
        Annual energy over AC or DC capacity times 8,760 h [-].
    performance_ratio : float
        Energy over front plane-of-array irradiation times DC capacity (IEC 61724) [-].
    households : HouseholdsServed
        Households supplied, with the consumption figure used and the range.
    monthly : DataFrame
        Months 1..12 (site local time): ``energy_gwh``, ``ghi_kwh_m2``, ``poa_kwh_m2``,
        ``specific_yield_kwh_per_kwp``, ``performance_ratio``, ``temp_air_c`` (mean air
        temperature the chain used [°C]).
    losses : DataFrame
        One row per stage in chain order: ``energy_gwh`` after the stage and ``loss_pct``
        relative to the stage before (negative: a gain).
    checks : list of Check
        Every reported figure against the estimate.
    uncertainty : Uncertainty
        P50/P75/P90/P99 of one year and of a multi-year average, the budget behind them,
        and the year-by-year lifetime energy.
    assumptions : list of Assumption
        Every value the estimate rests on that has no source, every default used, every
        derived value, every weather correction and the model's fixed constants.
    timeseries : DataFrame
        The chain's time series in the site's local time (a property: an estimate made
        without them computes them when first read).
    qc : QcReport or None
        The weather's quality checks (time shift, period covered, findings); None for a
        result not made by :func:`pvyield.estimate`.
    accepted_findings : tuple of (code, reason)
        Findings of the checks the site file accepted (``weather.accept``).
    """

    site: Site
    weather: WeatherMeta
    annual_energy_gwh: float
    specific_yield_kwh_per_kwp: float
    capacity_factor_ac: float
    capacity_factor_dc: float
    performance_ratio: float
    households: HouseholdsServed
    monthly: pd.DataFrame
    losses: pd.DataFrame
    checks: list[Check]
    uncertainty: Uncertainty
    assumptions: list[Assumption]
    qc: QcReport | None = None
    accepted_findings: tuple[tuple[str, str], ...] = ()
    #: A plant of blocks (``plant.blocks``): one row per block (:func:`block_table`);
    #: None for a plant of one mounting.
    blocks: pd.DataFrame | None = None
    #: The time series, or a function of no argument computing them (kept once computed).
    series: pd.DataFrame | Callable[[], pd.DataFrame] | None = dataclasses.field(
        default=None, repr=False, compare=False)

    @property
    def timeseries(self) -> pd.DataFrame:
        """The chain's time series in the site's local time [W/m^2, °C, W]."""
        if callable(self.series):
            # frozen dataclass: the computed series replace the function once
            object.__setattr__(self, "series", self.series())
        if self.series is None:
            raise ValueError(f"{self.site.name}: this result holds no time series")
        return self.series

    @property
    def partial_period(self) -> bool:
        """True when the weather is not whole years (accepted): the per-year figures are
        the period's energy scaled to 8,760 h, not annual figures."""
        return any(code == "coverage" for code, _ in self.accepted_findings)

    @property
    def period(self) -> dict[str, Any] | None:
        """The period the weather covers and how per-year figures were scaled (JSON-ready)."""
        if self.qc is None or self.qc.coverage is None:
            return None
        c = self.qc.coverage
        return {"start": str(c.start), "end": str(c.end), "span_hours": c.span_hours,
                "hours_present": c.present_hours, "whole_years": c.whole_years,
                "partial": self.partial_period,
                "scaling": period_text(c) if self.partial_period else None}

    @property
    def annual_ghi_kwh_m2(self) -> float:
        """Global horizontal irradiation of the weather year [kWh/m^2/yr]."""
        return float(self.monthly["ghi_kwh_m2"].sum())

    @property
    def annual_poa_kwh_m2(self) -> float:
        """Front plane-of-array irradiation before shading [kWh/m^2/yr]."""
        return float(self.monthly["poa_kwh_m2"].sum())

    @property
    def ghi_energy_gwh(self) -> float:
        """Start of the loss chain: horizontal irradiation as energy at STC efficiency.

        Annual GHI [kWh/m^2] times DC capacity [kWp] over 1 kW/m^2 [GWh/yr]; the first row
        of :attr:`losses` is relative to it.
        """
        return units.kwh_to_gwh(self.annual_ghi_kwh_m2 * self.site.plant.dc_capacity_mwp
                                * units.KW_PER_MW)

    @property
    def equipment(self) -> dict[str, Any] | None:
        """The real module and inverter the estimate ran (:func:`equipment_summary`)."""
        return equipment_summary(self.site)

    @property
    def households_served(self) -> float:
        """Central estimate of households supplied [-]."""
        return self.households.households

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data, in the documented JSON layout."""
        w = self.weather
        return {
            "name": self.site.name,
            "country": self.site.country,
            "dc_capacity_mwp": self.site.plant.dc_capacity_mwp,
            "ac_capacity_mwac": self.site.plant.ac_capacity_mwac,
            "annual_energy_gwh": self.annual_energy_gwh,
            "daily_energy_mwh": units.daily_energy_mwh(self.annual_energy_gwh),
            "specific_yield_kwh_per_kwp": self.specific_yield_kwh_per_kwp,
            "capacity_factor_ac": self.capacity_factor_ac,
            "capacity_factor_dc": self.capacity_factor_dc,
            "performance_ratio": self.performance_ratio,
            # the denominators: PR = energy / (poa_kwh_m2 x DC kWp), the loss chain starts
            # at ghi_kwh_m2 x DC kWp (irradiation as energy at STC efficiency)
            "ghi_kwh_m2": self.annual_ghi_kwh_m2,
            "poa_kwh_m2": self.annual_poa_kwh_m2,
            "households_served": _finite(self.households.households),
            "households": {
                "kwh_per_household_year": _finite(self.households.kwh_per_household_year),
                "source": self.households.source,
                "low": _finite(self.households.households_low),
                "high": _finite(self.households.households_high),
                "range": self.households.range_note,
            },
            "equipment": self.equipment,
            "blocks": None if self.blocks is None else [
                {"name": name, **{k: (v if isinstance(v, str) else float(v))
                                  for k, v in row.items() if not k.startswith("loss_")},
                 "losses_pct": {k[5:-4]: float(v) for k, v in row.items()
                                if k.startswith("loss_")}}
                for name, row in self.blocks.iterrows()],
            "monthly_energy_gwh": [float(v) for v in self.monthly["energy_gwh"]],
            "losses_pct": {k: float(v) for k, v in self.losses["loss_pct"].items()},
            "checks": [c.to_dict() for c in self.checks],
            **{k: v for k, v in self.uncertainty.to_dict().items() if k.endswith("_gwh")
               and k.startswith("p")},
            "lifetime_average_gwh": self.uncertainty.lifetime_average_gwh,
            "uncertainty": self.uncertainty.to_dict(),
            "assumptions": [dataclasses.asdict(a) for a in self.assumptions],
            "period": self.period,
            "weather": {
                "source": w.source,
                "format": w.format,
                "synthetic": w.synthetic,
                "typical_year": w.typical_year,
                "latitude": w.latitude,
                "longitude": w.longitude,
                "elevation_m": w.elevation_m,
                "distance_km": w.distance_km,
                "elevation_difference_m": w.elevation_difference_m,
                "time_step_minutes": w.time_step_minutes,
                "corrections": list(w.corrections),
                "warnings": list(w.warnings),
                "licence": w.licence,
                "qc": None if self.qc is None else {
                    **self.qc.to_dict(), "accepted": dict(self.accepted_findings)},
            },
        }


def equipment_summary(site: Site) -> dict[str, Any] | None:
    """The real equipment of a site, JSON-ready; None for a nameplate (PVWatts) plant.

    ``module`` and ``inverter`` each hold ``source`` (``pan``/``ond`` file or ``cec``
    database), ``reference`` (the file as the site names it, or the database entry),
    ``manufacturer``, ``model``, ``model_kind`` (the pvlib model), the rating, ``parameters``
    (the model's parameter set) and ``provenance`` (parameter -> file key, database column
    or default); None where the site uses the PVWatts model. ``modules``, ``inverters``
    and ``modules_per_string`` give the scaling, ``scaled`` what the stated capacities
    scaled when the site has no layout.
    """
    eq = site.plant.equipment
    if eq is None:
        return None
    module = inverter = None
    if eq.module is not None:
        m = eq.module
        module = {"source": m.source, "reference": m.reference, "manufacturer": m.manufacturer,
                  "model": m.model, "model_kind": f"{m.dc_model} single-diode",
                  "p_stc_w": m.p_stc_w, "area_m2": m.area_m2,
                  "efficiency_pct": m.efficiency * 100.0, "bifaciality": m.bifaciality,
                  "technology": m.technology, "parameters": dict(m.sdm),
                  "provenance": dict(m.provenance)}
    if eq.inverter is not None:
        i = eq.inverter
        inverter = {"source": i.source, "reference": i.reference,
                    "manufacturer": i.manufacturer, "model": i.model, "model_kind": "sandia",
                    "paco_w": i.paco_w, "pnom_w": i.pnom_w, "pdc_max_w": i.pdc_max_w,
                    "mppt_low_v": i.mppt_low_v,
                    "mppt_high_v": i.mppt_high_v,
                    "night_consumption_w": i.night_consumption_w,
                    "parameters": dict(i.sandia), "provenance": dict(i.provenance)}
    return {"module": module, "inverter": inverter, "modules": eq.modules,
            "inverters": eq.inverters, "modules_per_string": eq.modules_per_string,
            "scaled": list(eq.scaled)}


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclasses.dataclass(frozen=True)
class ChainTotals:
    """What a :class:`Result` needs of the model chain's output: sums, no time series.

    Attributes
    ----------
    stage_energy_kwh : dict
        ``"ghi"`` then the energy after each of :data:`~pvyield.model.chain.STAGES` over
        the whole series [kWh].
    years : float
        Length of the weather series in years of 8,760 hours.
    monthly : DataFrame
        Local calendar months present in the series (index 1..12): ``energy_kwh`` (AC at
        the grid), ``ghi_kwh_m2``, ``poa_kwh_m2`` (front, before shading), each per year
        of the series, ``temp_air_c`` (mean air temperature the chain used [°C]).
    yearly : DataFrame
        Local calendar years present in the series: ``energy_kwh`` (AC) and ``hours``.
    notes : dict
        The chain's notes (:attr:`pvyield.model.chain.ChainOutput.notes`).
    """

    stage_energy_kwh: dict[str, float]
    years: float
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    #: A plant of blocks: block name -> its energy after each stage [kWh] (the plant's
    #: ``stage_energy_kwh`` are their sums); empty for one mounting.
    blocks: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of_chain(cls, chain: ChainOutput, timezone: str) -> ChainTotals:
        """The totals of a chain's time series, by month and year in ``timezone``."""
        ts = chain.timeseries.tz_convert(timezone)
        dt_h = time_step_minutes(ts.index) / 60.0
        month = ts.index.month
        sums = ts[["p_ac", "ghi", "poa_global"]].groupby(month).sum() * dt_h / chain.years
        monthly = pd.DataFrame({"energy_kwh": sums["p_ac"] / units.WH_PER_KWH,
                                "ghi_kwh_m2": sums["ghi"] / units.WH_PER_KWH,
                                "poa_kwh_m2": sums["poa_global"] / units.WH_PER_KWH,
                                "temp_air_c": ts["temp_air"].groupby(month).mean()})
        groups = ts["p_ac"].groupby(ts.index.year)
        yearly = pd.DataFrame({"energy_kwh": groups.sum() * dt_h / units.WH_PER_KWH,
                               "hours": groups.size() * dt_h})
        return cls(dict(chain.stage_energy_kwh), chain.years, monthly, yearly,
                   dict(chain.notes), dict(chain.blocks))

    @classmethod
    def of_engine(cls, ds: Any, notes: dict[str, str]) -> ChainTotals:
        """The totals of one site of :func:`pvyield.model.engine.run_sites`'s Dataset
        (``ds.isel(site=i)``)."""
        years = float(ds["years"])
        stage = ds["stage_energy"]
        present = ds["monthly_hours"].to_numpy() > 0
        monthly = pd.DataFrame(
            {"energy_kwh": ds["monthly_energy"].to_numpy(),
             "ghi_kwh_m2": ds["monthly_ghi"].to_numpy(),
             "poa_kwh_m2": ds["monthly_poa"].to_numpy(),
             "temp_air_c": ds["monthly_temp_air"].to_numpy()},
            index=pd.Index(ds["month"].to_numpy(), name="month"))[present]
        hours = ds["year_hours"].to_numpy()
        yearly = pd.DataFrame({"energy_kwh": ds["year_energy"].to_numpy()[hours > 0],
                               "hours": hours[hours > 0]},
                              index=ds["year"].to_numpy()[hours > 0])
        blocks = {}
        if "block_name" in ds:  # a plant of blocks (pvyield.model.engine._add_blocks)
            blocks = {str(name): {str(s): float(v) * years for s, v in
                                  zip(stage["stage"].to_numpy(), row, strict=True)}
                      for name, row in zip(ds["block_name"].to_numpy(),
                                           ds["block_stage_energy"].to_numpy(), strict=True)
                      if name}
        return cls({str(name): float(value) * years for name, value in
                    zip(stage["stage"].to_numpy(), stage.to_numpy(), strict=True)},
                   years, monthly, yearly, dict(notes), blocks)

    @property
    def annual_energy_gwh(self) -> float:
        """AC energy at the grid per year of 8,760 h [GWh/yr]."""
        return units.annual_energy_gwh(self.monthly["energy_kwh"])

    @property
    def annual_poa_kwh_m2(self) -> float:
        """Front plane-of-array irradiation per year of 8,760 h [kWh/m^2/yr]."""
        return math.fsum(self.monthly["poa_kwh_m2"])


def summarise(site: Site, weather: WeatherMeta, chain: ChainOutput | ChainTotals, *,
              qc: QcReport | None = None,
              accepted: tuple[tuple[str, str], ...] = (),
              timeseries: pd.DataFrame | Callable[[], pd.DataFrame] | None = None) -> Result:
    """Turn the chain's output into a :class:`Result`.

    ``chain`` is the chain's output with its time series, or only its totals
    (:class:`ChainTotals`); ``timeseries`` then gives the time series in the site's local
    time, or a function computing them when first read (None: the result has none). The
    time step is the chain's stamps' own, never the metadata's. ``qc`` and ``accepted``
    are the weather gate's report and the findings the site file accepted; with an
    accepted ``coverage`` finding (not whole years) the monthly table holds each month's
    energy as the series has it, while per-year figures are the period's energy scaled to
    8,760 h, and an assumption says so.
    """
    if isinstance(chain, ChainOutput):
        timeseries = chain.timeseries.tz_convert(site.timezone)
        chain = ChainTotals.of_chain(chain, site.timezone)
    plant = site.plant
    partial = any(code == "coverage" for code, _ in accepted)
    energy_gwh = chain.annual_energy_gwh
    figures = units.annual_figures(energy_gwh, chain.annual_poa_kwh_m2, plant.dc_capacity_mwp,
                                   plant.ac_capacity_mwac)
    households = households_served(site, units.gwh_to_kwh(energy_gwh))
    losses = loss_table(chain.stage_energy_kwh, chain.years)
    unc = uncertainty(energy_gwh, site.losses.degradation_pct_per_year,
                      uncertainty_items(site, weather, losses),
                      interannual_variability(site, chain.yearly, chain.years),
                      site.uncertainty.average_years, assumed_design(site))
    return Result(
        site=site,
        weather=weather,
        **figures,
        households=households,
        # a partial year: each month's own energy, not divided by a fraction of a year
        monthly=monthly_table(chain.monthly, chain.years if partial else 1.0,
                              plant.dc_capacity_mwp),
        losses=losses,
        checks=check_all(site, energy_gwh, households, weather.synthetic, unc),
        uncertainty=unc,
        assumptions=list_assumptions(site, weather) + _period_assumptions(qc, partial) + [
            Assumption(name, None, "model", text) for name, text in chain.notes.items()],
        qc=qc,
        accepted_findings=accepted,
        blocks=block_table(site, chain.blocks, chain.years),
        series=timeseries,
    )


def block_table(site: Site, blocks: dict[str, dict[str, float]], years: float
                ) -> pd.DataFrame | None:
    """One row per block of a plant of blocks: ``dc_capacity_mwp``, ``ac_capacity_mwac``,
    ``mounting`` (in words), ``energy_gwh`` (AC at the grid, per year), ``share_pct`` (of
    the plant's energy), ``specific_yield_kwh_per_kwp`` and the loss of every stage
    (``loss_<stage>_pct``, relative to the stage before, as :func:`loss_table`); None
    without blocks."""
    if site.plant.blocks is None or not blocks:
        return None
    from pvyield.report.document import mounting_words

    total = math.fsum(blocks[b.name]["availability"] for b in site.plant.blocks)
    rows = []
    for block in site.plant.blocks:
        energy = blocks[block.name]
        losses = loss_table(energy, years)["loss_pct"]
        gwh = units.kwh_to_gwh(energy["availability"] / years)
        rows.append({"block": block.name, "dc_capacity_mwp": block.dc_capacity_mwp,
                     "ac_capacity_mwac": block.ac_capacity_mwac,
                     "mounting": mounting_words(block.mounting), "energy_gwh": gwh,
                     "share_pct": energy["availability"] / total * 100.0 if total else 0.0,
                     "specific_yield_kwh_per_kwp": units.specific_yield_kwh_per_kwp(
                         gwh, block.dc_capacity_mwp),
                     **{f"loss_{k}_pct": float(v) for k, v in losses.items()}})
    return pd.DataFrame(rows).set_index("block")


def _period_assumptions(qc: QcReport | None, partial: bool) -> list[Assumption]:
    if not partial or qc is None or qc.coverage is None:
        return []
    return [Assumption("weather period", qc.coverage.describe(), "weather",
                       period_text(qc.coverage))]


def _monthly_diffuse(site: Site) -> bool:
    """Whether the site's synthetic year was given monthly mean diffuse irradiation."""
    climate = site.weather.synthetic
    return climate is not None and climate.dhi_kwh_m2_day is not None


def uncertainty_items(site: Site, weather: WeatherMeta, losses: pd.DataFrame) -> list[Item]:
    """The model and data uncertainty budget: defaults, conditional items, site overrides."""
    budget = {name: Item(name, sigma, source) for name, (sigma, source) in DEFAULT_ITEMS.items()}
    if weather.synthetic:
        budget["synthetic_weather"] = synthetic_weather_item(site.plant, _monthly_diffuse(site))
    gain_pct = -float(losses.loc["bifacial", "loss_pct"])
    if gain_pct > 0:
        budget["bifacial"] = Item("bifacial", BIFACIAL_RELATIVE * gain_pct,
                                  f"{BIFACIAL_RELATIVE:.0%} of the modelled bifacial gain "
                                  f"({gain_pct:.1f} %): rear irradiance models disagree by "
                                  "that much")
    for name, item in site.uncertainty.items.items():
        budget[name] = Item(name, item.sigma_pct, f"site file: {item.source}")
    return list(budget.values())


#: Design fields whose assumption makes the P-values conditional on the design.
DESIGN_FIELDS = ("plant.mounting", "plant.blocks", "plant.ac_capacity_mwac",
                 "plant.module_technology", "plant.bifaciality", "plant.module_efficiency_pct",
                 "plant.gamma_pdc_pct_per_c")


def assumed_design(site: Site) -> tuple[str, ...]:
    """The design items (mounting, AC rating, module) the site file states as assumptions.

    An assumption on a field or on any field below it counts (``plant.mounting.gcr``
    makes the mounting assumed); the P-values are conditional on each.
    """
    return tuple(f for f in DESIGN_FIELDS
                 if any(a == f or a.startswith(f + ".") for a in site.assumptions))


def interannual_variability(site: Site, yearly: pd.DataFrame, years: float) -> Item:
    """Year-to-year variability of energy: measured on multi-year weather, else stated.

    Measured: the standard deviation of the complete local calendar years the chain
    simulated (``yearly``: ``energy_kwh`` and ``hours`` per year, see
    :class:`ChainTotals`), when it ran on several years: a continuous multi-year series
    (an online source over several years, an NSRDB or PVGIS multi-year download) stays
    multi-year through the readers; a TMY holds only the months chosen from different
    years and gives one year. Otherwise the site file's figure is used, else the default
    of the mounting (:data:`~pvyield.results.uncertainty.DEFAULT_INTERANNUAL_BY_MOUNTING`).
    """
    if years >= 2:
        complete = yearly.loc[yearly["hours"] >= 8700, "energy_kwh"]
        if len(complete) >= 2:
            cov = float(complete.std(ddof=1) / complete.mean() * 100.0)
            return Item("interannual", cov, f"standard deviation of {len(complete)} "
                                            "simulated years of the weather series")
    if site.uncertainty.interannual is not None:
        spec = site.uncertainty.interannual
        return Item("interannual", spec.sigma_pct, f"site file: {spec.source}")
    return Item("interannual", *interannual_default(site.plant))


def monthly_table(monthly: pd.DataFrame, years: float, dc_capacity_mwp: float
                  ) -> pd.DataFrame:
    """The monthly table of a :class:`Result` from :attr:`ChainTotals.monthly`.

    ``years`` multiplies the per-year sums (1: averaged over the years of the series; the
    series' length in years: each month's own total).
    """
    energy_gwh = units.kwh_to_gwh(monthly["energy_kwh"] * years)
    table = pd.DataFrame(
        {
            "energy_gwh": energy_gwh,
            "ghi_kwh_m2": monthly["ghi_kwh_m2"] * years,
            "poa_kwh_m2": monthly["poa_kwh_m2"] * years,
        }
    )
    table["specific_yield_kwh_per_kwp"] = units.specific_yield_kwh_per_kwp(energy_gwh,
                                                                           dc_capacity_mwp)
    table["performance_ratio"] = table["specific_yield_kwh_per_kwp"] / table["poa_kwh_m2"]
    table["temp_air_c"] = monthly["temp_air_c"]
    table.index.name = "month"
    return table.reindex(range(1, 13), fill_value=0.0)


def loss_table(stage_energy_kwh: dict[str, float], years: float) -> pd.DataFrame:
    """Energy after each stage and its loss relative to the stage before."""
    names = ["ghi", *STAGES]
    energy = pd.Series([stage_energy_kwh[n] for n in names], index=names) / years
    loss = (1.0 - energy / energy.shift(1)) * 100.0
    table = pd.DataFrame({"energy_gwh": units.kwh_to_gwh(energy), "loss_pct": loss}).iloc[1:]
    table.index.name = "stage"
    return table


@dataclasses.dataclass(frozen=True)
class Assumption:
    """One value the estimate rests on without a source.

    ``kind`` is ``assumption`` (stated in the site file with a reason), ``derived`` (filled
    in by pvyield), ``default`` (a documented pvyield default), ``unsourced`` (given in the
    file with neither source nor reason), ``weather`` or ``model``.
    """

    parameter: str
    value: Any
    kind: str
    reason: str

    def __str__(self) -> str:
        value = "" if self.value is None else f" = {_format_value(self.value)}"
        return f"{self.parameter}{value} [{self.kind}] {self.reason}".rstrip()


def _format_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def list_assumptions(site: Site, weather: WeatherMeta) -> list[Assumption]:
    """Everything the estimate rests on that is not backed by a source."""
    found = []
    for path, reason in site.assumptions.items():
        leaves = _leaves_under(site, path)
        value = leaves[0][1] if leaves == [(path, leaves[0][1])] else {
            leaf.removeprefix(path + "."): v for leaf, v in leaves}
        found.append(Assumption(path, value, "assumption", reason))
    found += [Assumption(path, _value_at(site, path), "derived", how)
              for path, how in site.derived.items()]
    found += [Assumption(path, value, "default", field_description(path))
              for path, value in defaults_used(site).items()
              if not _covered(site, path) and not path.startswith(_NOT_PARAMETERS)
              and path not in site.derived  # filled from real equipment: listed as derived
              and not _replaced_by_equipment(site, path)]
    found += [Assumption(path, value, "unsourced", "no source or assumption in the site file")
              for path, value in _explicit_leaves(site)
              if not _covered(site, path) and path not in site.derived
              and not path.startswith(_NOT_PARAMETERS) and not _BLOCK_NAME.fullmatch(path)]
    if weather.synthetic:
        found.append(Assumption("weather", None, "weather", weather.source))
        # the synthetic year's own error, as measured: where the uncertainty item comes from
        item = synthetic_weather_item(site.plant, _monthly_diffuse(site))
        found.append(Assumption("synthetic weather uncertainty", None, "weather", item.source))
    found += [Assumption("weather correction", None, "weather", c) for c in weather.corrections]
    found += [Assumption("weather warning", None, "weather", c) for c in weather.warnings]
    found += [Assumption(name, None, "model", text) for name, text in MODEL_CONSTANTS.items()]
    return found


#: A block's name labels it; it is not a model parameter.
_BLOCK_NAME = re.compile(r"plant\.blocks\.\d+\.name")


def _replaced_by_equipment(site: Site, path: str) -> bool:
    """Whether a nameplate default is not used because a real inverter replaces it."""
    eq = site.plant.equipment
    return (eq is not None and eq.inverter is not None
            and path == "losses.inverter_efficiency_pct")


def _value_at(site: Site, path: str) -> Any:
    """The value of a dotted field path (``losses.lid_pct``)."""
    node: Any = site
    for part in path.split("."):
        node = getattr(node, part)
    return node


def _covered(site: Site, path: str) -> bool:
    """Whether a path or one of its parents has a source or an assumption."""
    parts = path.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return bool(prefixes & (site.sources.keys() | site.assumptions.keys()))


def _leaves_under(site: Site, path: str) -> list[tuple[str, Any]]:
    """Every leaf value at or below a dotted path, with its own path."""
    node: Any = site
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else getattr(node, part)
    if isinstance(node, BaseModel):
        node = node.model_dump()
    return list(_flatten(path, node))


def _flatten(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{path}.{key}", item)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for i, item in enumerate(value):
            yield from _flatten(f"{path}.{i}", item)
    else:
        yield path, value


def _explicit_leaves(model: BaseModel, prefix: str = "") -> list[tuple[str, Any]]:
    """Fields given in the file, down to leaves (list items of models included)."""
    found: list[tuple[str, Any]] = []
    for name in model.model_fields_set:
        value, path = getattr(model, name), f"{prefix}{name}"
        if isinstance(value, BaseModel):
            found += _explicit_leaves(value, path + ".")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                found += _explicit_leaves(item, f"{path}.{i}.")
        else:
            found.append((path, value))
    return sorted(found)
