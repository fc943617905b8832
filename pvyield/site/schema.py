"""The site-file schema: one source of truth for site files and their JSON Schema.

Every field carries its unit in its name (``dc_capacity_mwp``, ``tilt_deg``) and its allowed
range in the schema. Values that have a documented default may be left out of a file; the
estimate then lists the default among the assumptions it rests on.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: DC/AC ratios outside this range are almost certainly a unit or typing mistake.
DC_AC_RATIO_RANGE = (0.8, 2.0)
#: Allowed relative gap between module_count x module_power_wp and dc_capacity_mwp.
MODULE_CAPACITY_TOLERANCE = 0.05

#: Allowed relative gap between the ratings a layout of real equipment gives (modules x STC
#: power, inverters x AC limit) and the capacities the site file states: a layout and a
#: capacity that disagree by more describe two different plants, so it is an error.
LAYOUT_CAPACITY_TOLERANCE = 0.02

#: Relative amount by which a month's given diffuse irradiation may exceed its GHI (both
#: rounded in a source's table); the month is then taken as all diffuse.
DIFFUSE_ROUNDING = 0.01

#: Module technologies a site file may name (``plant.module_technology``).
MODULE_TECHNOLOGIES = ("mono_si_perc", "topcon", "hjt", "multi_si", "cdte")
#: The technology assumed when a site file names none.
DEFAULT_MODULE_TECHNOLOGY = "mono_si_perc"

_PVEL_2025 = ("Kiwa PVEL 2025 PV Module Reliability Scorecard, PAN performance: mean Pmp "
              "temperature coefficient of the tested bills of materials")
_CEC_MODULES = ("median gamma_r of the CEC module list (California Energy Commission, as "
                "distributed with SAM and pvlib.pvsystem.retrieve_sam('cecmod'))")
_PVWATTS_LID = "Dobos 2014, PVWatts Version 5 Manual, NREL/TP-6A20-62641, Table 3 (LID 1.5 %)"
_FLEET_DEGRADATION = ("Jordan et al. 2022, Photovoltaic fleet degradation insights, Prog. "
                      "Photovolt. 30(10):1166-1175, doi:10.1002/pip.3566: median system "
                      "performance loss rate 0.75 %/yr of the US PV Fleet data set "
                      "(all technologies; no technology-specific rate is used)")
_NTYPE_LID = ("assumption: n-type (phosphorus-doped) wafers have no boron-oxygen LID "
              "(Lindroos & Savin 2016, Sol. Energy Mater. Sol. Cells 147:115-126, "
              "doi:10.1016/j.solmat.2015.11.047); 0.5 % kept for other first-year "
              "stabilisation, not a measured value")
_THIN_FILM_LID = ("PVsyst FAQ 'What is the LID loss?' (forum.pvsyst.com/topic/1046): LID "
                  "is specific to crystalline modules with p-type wafers; thin-film modules, "
                  "CdTe among them, settle in their first months and their sold nominal "
                  "power is the STC power after that stabilisation, so no further loss "
                  "applies (PVWatts' 1.5 % is one value for all technologies)")
#: Defaults each technology sets when the site file leaves the field out:
#: technology -> dotted field path -> (value, source).
TECHNOLOGY_DEFAULTS: dict[str, dict[str, tuple[float, str]]] = {
    "mono_si_perc": {
        "plant.gamma_pdc_pct_per_c": (-0.32, f"{_PVEL_2025}, PERC: -0.32 %/°C"),
        "losses.lid_pct": (1.5, _PVWATTS_LID + "; p-type boron-doped cells"),
        "losses.degradation_pct_per_year": (0.75, _FLEET_DEGRADATION),
    },
    "topcon": {
        "plant.gamma_pdc_pct_per_c": (-0.29, f"{_PVEL_2025}, TOPCon: -0.29 %/°C"),
        "losses.lid_pct": (0.5, _NTYPE_LID),
        "losses.degradation_pct_per_year": (0.75, _FLEET_DEGRADATION),
    },
    "hjt": {
        "plant.gamma_pdc_pct_per_c": (-0.25, f"{_PVEL_2025}, HJT: -0.25 %/°C"),
        "losses.lid_pct": (0.5, _NTYPE_LID),
        "losses.degradation_pct_per_year": (0.75, _FLEET_DEGRADATION),
    },
    "multi_si": {
        "plant.gamma_pdc_pct_per_c": (-0.45, f"{_CEC_MODULES}, 11,221 Multi-c-Si entries: "
                                             "-0.45 %/°C"),
        "losses.lid_pct": (1.5, _PVWATTS_LID + "; p-type boron-doped cells"),
        "losses.degradation_pct_per_year": (0.75, _FLEET_DEGRADATION),
    },
    "cdte": {
        "plant.gamma_pdc_pct_per_c": (-0.25, f"{_CEC_MODULES}, 20 CdTe entries: -0.25 %/°C"),
        "losses.lid_pct": (0.0, _THIN_FILM_LID),
        "losses.degradation_pct_per_year": (0.75, _FLEET_DEGRADATION),
    },
}
#: Structure shading of the rear side by mounting when the site file gives none [%].
REAR_SHADING_DEFAULTS: dict[str, tuple[float, str]] = {
    "single_axis": (6.0, "mean of the structure shading factors IES-UPM measured on "
                         "single-axis trackers (10.0 % one module in portrait, 2.7 % two in "
                         "portrait; reported by pv magazine 2025-04-11; method: Merodio, "
                         "Martinez-Moreno & Lorenzo, Bifacial gain for 1P and 2P trackers, "
                         "38th EU PVSEC 2021, doi:10.4229/EUPVSEC20212021-5CV.2.27), as the "
                         "layout is not known; inside the 0.1-12 % Ayala Pelaez et al. 2019 "
                         "(IEEE PVSC 46, torque-tube parameters and rear-shading loss) "
                         "computed for torque tubes"),
    "fixed": (2.0, "pvlib.bifacial.infinite_sheds.get_irradiance default shade_factor -0.02 "
                   "(racking without a torque tube)"),
}
#: Rear mismatch when the site file gives none [% of DC power of a bifacial plant].
REAR_MISMATCH_DEFAULT = (0.5, "Deline et al. 2020, Estimating and parameterizing mismatch "
                              "power loss in bifacial photovoltaic systems, Prog. Photovolt. "
                              "28:691-703, doi:10.1002/pip.3259: annual mismatch loss from "
                              "rear non-uniformity below 0.5 % for single-axis trackers and "
                              "high-clearance arrays; the bound is used")



class StrictModel(BaseModel):
    """Base of every schema section: unknown keys are errors, values are not coerced."""

    # strict: a quoted number or a yes/no where a number belongs is a mistake, not a value;
    # .nan and .inf are never a plant's property and would reach the output as non-JSON
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _twelve(name: str, low: float, high: float) -> list:
    return Field(
        min_length=12,
        max_length=12,
        description=f"{name}, one value per month January..December, each in [{low}, {high}].",
    )


class Orientation(StrictModel):
    """One orientation of a fixed array."""

    tilt_deg: float = Field(ge=0, le=90, description="Surface tilt from horizontal [degrees].")
    azimuth_deg: float = Field(
        ge=0, lt=360, description="Surface azimuth, clockwise from north (E=90, S=180) [degrees]."
    )
    share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Fraction of the plant's DC capacity with this orientation [0-1].",
    )


class FixedMount(StrictModel):
    """Fixed racking with one or more orientations (east-west domes have two)."""

    type: Literal["fixed"] = Field(description="Mounting type.")
    orientations: list[Orientation] = Field(min_length=1, max_length=8)
    gcr: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description=(
            "Ground coverage ratio of rows of one orientation (collector width / pitch) [-]. "
            "When given, beam shading between rows is modelled; when omitted, no row shading."
        ),
    )
    height_m: float = Field(
        default=1.0, gt=0, le=10, description="Height of the row centre above ground [m]."
    )
    collector_width_m: float = Field(
        default=2.3, gt=0, le=10, description="Slant width of one row [m]."
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> FixedMount:
        total = sum(o.share for o in self.orientations)
        if abs(total - 1.0) > 1e-3:
            raise ValueError(f"orientation shares must sum to 1 (got {total:.4g})")
        return self


class SingleAxisMount(StrictModel):
    """Horizontal or tilted single-axis tracker, optionally backtracking."""

    type: Literal["single_axis"] = Field(description="Mounting type.")
    axis_tilt_deg: float = Field(default=0.0, ge=0, le=45, description="Axis tilt [degrees].")
    axis_azimuth_deg: float = Field(
        default=180.0,
        ge=0,
        lt=360,
        description="Azimuth of the axis direction (180: north-south axis) [degrees].",
    )
    max_angle_deg: float = Field(
        default=60.0, gt=0, le=90, description="Maximum rotation angle [degrees]."
    )
    gcr: float = Field(gt=0, lt=1, description="Ground coverage ratio (width / pitch) [-].")
    backtrack: bool = Field(default=True, description="Backtracking to avoid row shading.")
    height_m: float = Field(
        default=2.0, gt=0, le=10, description="Height of the rotation axis above ground [m]."
    )
    collector_width_m: float = Field(
        default=2.4, gt=0, le=10, description="Slant width of the tracker table [m]."
    )


Mounting = Annotated[FixedMount | SingleAxisMount, Field(discriminator="type")]

#: Allowed relative gap between the sum of the blocks' DC (or AC) capacities and the
#: plant's: the blocks are the plant, so they must add up to it (rounding allowed).
BLOCK_CAPACITY_TOLERANCE = 1e-3
#: Loss fields a block may set for itself; the others are the plant's (technology-bound:
#: LID and degradation follow the module, which the blocks share).
BLOCK_LOSS_FIELDS = ("soiling_pct", "mismatch_pct", "dc_wiring_pct", "inverter_efficiency_pct",
                     "ac_losses_pct", "availability_pct")


class BlockLosses(StrictModel):
    """Losses of one block that differ from the plant's ``losses`` (each field optional:
    what a block leaves out is the plant's value)."""

    soiling_pct: float | list[float] | None = Field(
        default=None, description="As losses.soiling_pct, for this block [%].")
    mismatch_pct: float | None = Field(default=None, ge=0, le=20,
                                       description="As losses.mismatch_pct [%].")
    dc_wiring_pct: float | None = Field(default=None, ge=0, le=20,
                                        description="As losses.dc_wiring_pct [%].")
    inverter_efficiency_pct: float | None = Field(
        default=None, ge=80, le=100, description="As losses.inverter_efficiency_pct [%].")
    ac_losses_pct: float | None = Field(default=None, ge=0, le=20,
                                        description="As losses.ac_losses_pct [%].")
    availability_pct: float | None = Field(default=None, ge=50, le=100,
                                           description="As losses.availability_pct [%].")


class Block(StrictModel):
    """One sub-array of a plant with its own mounting and its own inverters.

    A plant of several blocks (``plant.blocks``) is modelled block by block: each block's
    modules see its own mounting's irradiance, its DC power goes to its own inverters
    (clipping at the block's AC capacity) and the plant's energy after every stage is the
    sum of the blocks'. Everything else of ``plant`` (module, thermal model, albedo, ...)
    and of ``losses`` is shared, unless the block's ``losses`` sets a field.
    """

    name: str = Field(min_length=1, max_length=80,
                      description="Name of the block, shown in the outputs ('phase 1').")
    dc_capacity_mwp: float = Field(gt=0, le=20000,
                                   description="DC capacity of the block at STC [MWp].")
    ac_capacity_mwac: float = Field(gt=0, le=20000,
                                    description="AC capacity of the block's inverters [MWac].")
    mounting: Mounting
    losses: BlockLosses | None = Field(
        default=None, description="Losses of this block that differ from the plant's "
        "(fields: " + ", ".join(BLOCK_LOSS_FIELDS) + ").")


class Thermal(StrictModel):
    """PVsyst cell-temperature model coefficients (Faiman form)."""

    u_c: float = Field(
        default=29.0, gt=0, le=100, description="Constant heat-loss factor [W/(m^2 K)]."
    )
    u_v: float = Field(
        default=0.0, ge=0, le=20, description="Wind heat-loss factor [W/(m^2 K) / (m/s)]."
    )


class PanModule(StrictModel):
    """A module described by its PVsyst .PAN file (PVsyst single-diode model)."""

    pan: str = Field(min_length=1, max_length=500,
                     description="PVsyst .PAN file of the module, relative to the site "
                     "file's folder.")


class CecModule(StrictModel):
    """A module of the CEC module database (CEC single-diode model)."""

    cec: str = Field(min_length=1, max_length=200,
                     description="Exact entry name in the CEC module database as pvlib "
                     "ships it (pvlib.pvsystem.retrieve_sam('CECMod')), e.g. "
                     "'Heliene_96M470'.")


class OndInverter(StrictModel):
    """An inverter described by its PVsyst .OND file (Sandia model fitted to its curves)."""

    ond: str = Field(min_length=1, max_length=500,
                     description="PVsyst .OND file of the inverter, relative to the site "
                     "file's folder.")


class CecInverter(StrictModel):
    """An inverter of the CEC inverter database (Sandia model)."""

    cec: str = Field(min_length=1, max_length=200,
                     description="Exact entry name in the CEC inverter database as pvlib "
                     "ships it (pvlib.pvsystem.retrieve_sam('CECInverter')).")


class Layout(StrictModel):
    """How the modules are strung and how many inverters there are."""

    modules_per_string: int = Field(ge=1, le=200,
                                    description="Modules in series in one string [-].")
    strings_per_inverter: float | None = Field(
        default=None, gt=0, le=100000,
        description="Strings in parallel on one inverter (a mean when they differ) [-]; "
        "give this or 'strings'.")
    strings: int | None = Field(default=None, ge=1, le=10_000_000,
                                description="Strings of the whole plant [-]; give this or "
                                "'strings_per_inverter'.")
    inverters: int = Field(ge=1, le=1_000_000, description="Inverters of the plant [-].")

    @model_validator(mode="after")
    def _one_string_count(self) -> Layout:
        if (self.strings is None) == (self.strings_per_inverter is None):
            raise ValueError("give either 'strings' (whole plant) or 'strings_per_inverter'")
        return self

    @property
    def module_count(self) -> float:
        """Modules of the plant [-]."""
        return self.modules_per_string * self.strings_total

    @property
    def strings_total(self) -> float:
        """Strings of the plant [-]."""
        return (self.strings if self.strings is not None
                else self.strings_per_inverter * self.inverters)


class Plant(StrictModel):
    """Electrical and mechanical description of the plant."""

    dc_capacity_mwp: float | None = Field(
        default=None, gt=0, le=20000,
        description="DC capacity at STC [MWp]. Required, unless plant.layout and a real "
        "module (plant.module) give it: modules x STC power; when both are given they "
        f"must agree within {LAYOUT_CAPACITY_TOLERANCE:.0%}.")
    ac_capacity_mwac: float | None = Field(
        default=None, gt=0, le=20000,
        description="AC capacity, the inverter output limit [MWac]. Required, unless "
        "plant.layout and a real inverter (plant.inverter) give it: inverters x AC limit; "
        f"when both are given they must agree within {LAYOUT_CAPACITY_TOLERANCE:.0%}.")
    export_limit_mwac: float | None = Field(
        default=None, gt=0, le=20000,
        description="Power limit at the point of interconnection (grid export limit) "
        "[MWac], applied to the plant's AC power after the AC losses; optional. Give it "
        "when the inverters' AC capacity exceeds what the plant may deliver (e.g. an "
        "inverter nameplate above the interconnection agreement); its loss is reported "
        "in the clipping stage. Default: none, the inverters' AC limit is the only one "
        "(a limit at or above it seldom binds). Not for plants of blocks.")
    module: PanModule | CecModule | None = Field(
        default=None,
        description="Real module: {pan: file} or {cec: database name}. Then DC power "
        "comes from its single-diode model (PVsyst or CEC), and module_efficiency_pct, "
        "module_power_wp, gamma_pdc_pct_per_c and (PAN) bifaciality default to its "
        "values; when omitted, the PVWatts model of the nameplate fields.")
    inverter: OndInverter | CecInverter | None = Field(
        default=None,
        description="Real inverter: {ond: file} or {cec: database name}; AC power from "
        "the Sandia model (King et al. 2007) per inverter. When omitted, the PVWatts "
        "inverter of losses.inverter_efficiency_pct.")
    layout: Layout | None = Field(
        default=None,
        description="Strings and inverters. With a real module and inverter it gives the "
        "string voltage and the plant's DC and AC ratings; without it the stated "
        "capacities scale the equipment (an assumption the output lists).")
    module_count: int | None = Field(default=None, gt=0, description="Number of modules [-].")
    module_power_wp: float | None = Field(
        default=None, ge=50, le=1000, description="Module power at STC [Wp]."
    )
    module_efficiency_pct: float = Field(
        default=21.0, gt=5, le=30, description="Module efficiency at STC [%]."
    )
    module_technology: Literal["mono_si_perc", "topcon", "hjt", "multi_si", "cdte"] = Field(
        default="mono_si_perc",
        description="Cell technology: sets the defaults of gamma_pdc_pct_per_c, "
        "losses.lid_pct and losses.degradation_pct_per_year (each with its source in the "
        "output) and the spectral model (cdte: First Solar's precipitable-water model, Lee & "
        "Panchula 2016; crystalline silicon: none). Default mono_si_perc, the most shipped "
        "technology of 2018-2023 (assumption).",
    )
    bifaciality: float = Field(
        default=0.0, ge=0, le=1, description="Rear/front efficiency ratio; 0 = monofacial [-]."
    )
    gamma_pdc_pct_per_c: float | None = Field(
        default=None, ge=-1, le=0,
        description="Temperature coefficient of power [%/°C]; default by module_technology: "
        "mono_si_perc -0.32, topcon -0.29, hjt -0.25 (Kiwa PVEL 2025 Scorecard, PAN data), "
        "multi_si -0.45, cdte -0.25 (medians of the CEC module list).",
    )
    rear_shading_pct: float | None = Field(
        default=None, ge=0, le=50,
        description="Rear irradiance blocked by the mounting structure (torque tube, rails) "
        "[% of rear irradiance]; default by mounting: single_axis 6 (mean of 10.0 % 1P and "
        "2.7 % 2P measured by IES-UPM 2025; Ayala Pelaez et al. 2019: 0.1-12 %), fixed 2 "
        "(pvlib infinite_sheds default).",
    )
    rear_mismatch_pct: float | None = Field(
        default=None, ge=0, le=10,
        description="Electrical mismatch from non-uniform rear irradiance [% of DC power], "
        "bifacial plants only; default 0.5 (Deline et al. 2020, doi:10.1002/pip.3259: below "
        "0.5 % for trackers and high-clearance arrays).",
    )
    albedo: float = Field(default=0.2, ge=0, le=1, description="Ground albedo [-].")
    iam_a_r: float = Field(
        default=0.16,
        gt=0,
        le=0.5,
        description="Martin-Ruiz angular losses coefficient a_r of the module glass [-].",
    )
    thermal: Thermal = Field(default_factory=Thermal)
    mounting: Mounting | None = Field(
        default=None,
        description="Mounting of the whole plant. Give either this or 'blocks'.")
    blocks: list[Block] | None = Field(
        default=None, min_length=2, max_length=20,
        description="Sub-arrays of different mountings, each with its DC and AC capacity "
        "(which must add up to the plant's dc_capacity_mwp and ac_capacity_mwac) and its "
        "own inverters; give either this or 'mounting'. Stages are reported as plant "
        "totals (the blocks' energies add) and block by block.")

    _equipment: object = PrivateAttr(default=None)
    _filled: dict = PrivateAttr(default_factory=dict)

    @property
    def equipment(self):
        """The resolved real equipment (:class:`pvyield.site.equipment.Equipment`), or None
        for a plant described by nameplate parameters only."""
        return self._equipment

    @model_validator(mode="after")
    def _real_equipment(self, info: ValidationInfo) -> Plant:
        """Read the module and inverter the plant names and fill the fields they give.

        Files resolve against ``base_dir`` of the validation context (the site file's
        folder), else the working folder.
        """
        if self.module is None and self.inverter is None:
            if self.layout is not None:
                raise ValueError("layout: needs a real module or inverter (plant.module or "
                                 "plant.inverter) to give the plant's ratings")
            if self.dc_capacity_mwp is None or self.ac_capacity_mwac is None:
                missing = "dc_capacity_mwp" if self.dc_capacity_mwp is None else \
                    "ac_capacity_mwac"
                raise ValueError(f"plant.{missing}: required field is missing (or give a layout "
                                 "with real equipment)")
            return self
        from pvyield.errors import SiteError
        from pvyield.site.equipment import resolve

        base = (info.context or {}).get("base_dir") if info is not None else None
        try:
            equipment, update, filled = resolve(self, base)
        except SiteError as exc:
            raise ValueError(str(exc)) from None
        plant = self
        if update:
            plant = self.model_copy(update=update)
            # filled values stay defaults: a variant of the site re-derives them
            object.__setattr__(plant, "__pydantic_fields_set__", set(self.model_fields_set))
        plant._equipment = equipment
        plant._filled = filled
        return plant

    @model_validator(mode="after")
    def _consistent_capacities(self) -> Plant:
        if self.dc_capacity_mwp is None or self.ac_capacity_mwac is None:
            return self  # the equipment check names what is missing
        ratio = self.dc_capacity_mwp / self.ac_capacity_mwac
        low, high = DC_AC_RATIO_RANGE
        if not low <= ratio <= high:
            raise ValueError(
                f"DC/AC ratio dc_capacity_mwp / ac_capacity_mwac = {ratio:.3g} is outside "
                f"[{low}, {high}]; check the units of both capacities"
            )
        for where, mount in self.mountings():
            if self.bifaciality > 0 and isinstance(mount, FixedMount) and mount.gcr is None:
                origin = (f" (bifaciality {self.bifaciality:g} from the module file; set "
                          "plant.bifaciality: 0 to model the module as monofacial)"
                          if "plant.bifaciality" in self._filled else "")
                raise ValueError(f"a bifacial plant on fixed racking needs {where}.gcr "
                                 "(rear irradiance depends on the row spacing)" + origin)
        if self.module_count is not None and self.module_power_wp is not None:
            implied = self.module_count * self.module_power_wp / 1e6
            gap = abs(implied - self.dc_capacity_mwp) / self.dc_capacity_mwp
            if gap > MODULE_CAPACITY_TOLERANCE:
                raise ValueError(
                    f"module_count x module_power_wp = {implied:.4g} MWp differs from "
                    f"dc_capacity_mwp = {self.dc_capacity_mwp:.4g} by {gap:.1%} "
                    f"(allowed {MODULE_CAPACITY_TOLERANCE:.0%})"
                )
        return self

    @model_validator(mode="after")
    def _mounting_or_blocks(self) -> Plant:
        if (self.mounting is None) == (self.blocks is None):
            raise ValueError("give either 'mounting' (one mounting for the whole plant) or "
                             "'blocks' (sub-arrays with their own mountings), not both"
                             if self.mounting is not None else
                             "'mounting' is missing (or give 'blocks': sub-arrays with their "
                             "own mountings)")
        if self.blocks is None:
            return self
        if self.export_limit_mwac is not None:
            raise ValueError("export_limit_mwac: a limit on the sum of several blocks is not "
                             "modelled (the blocks run as separate plants); leave it out or "
                             "describe the plant with one mounting")
        if self.module is not None or self.inverter is not None or self.layout is not None:
            raise ValueError("blocks: a plant of several blocks is modelled with the PVWatts "
                             "module and inverter only (no plant.module, plant.inverter or "
                             "plant.layout yet)")
        names = [b.name for b in self.blocks]
        if len(set(names)) != len(names):
            raise ValueError(f"blocks: names must differ (got {names})")
        low, high = DC_AC_RATIO_RANGE
        for i, block in enumerate(self.blocks):
            ratio = block.dc_capacity_mwp / block.ac_capacity_mwac
            if not low <= ratio <= high:
                raise ValueError(f"blocks.{i} ({block.name}): DC/AC ratio {ratio:.3g} is "
                                 f"outside [{low}, {high}]; check the units")
        for field, total in (("dc_capacity_mwp", self.dc_capacity_mwp),
                             ("ac_capacity_mwac", self.ac_capacity_mwac)):
            if total is None:
                continue
            added = sum(getattr(b, field) for b in self.blocks)
            if abs(added - total) > BLOCK_CAPACITY_TOLERANCE * total:
                raise ValueError(f"blocks: the blocks' {field} add up to {added:.6g}, not "
                                 f"the plant's {total:.6g} (the blocks are the plant)")
        return self

    def mountings(self) -> list[tuple[str, FixedMount | SingleAxisMount]]:
        """Every mounting of the plant with its field path: the plant's one, or each
        block's (``plant.blocks.0.mounting``)."""
        if self.blocks is None:
            return [] if self.mounting is None else [("plant.mounting", self.mounting)]
        return [(f"plant.blocks.{i}.mounting", b.mounting) for i, b in enumerate(self.blocks)]

    def mounting_shares(self) -> list[tuple[FixedMount | SingleAxisMount, float]]:
        """Every mounting of the plant with its share of the DC capacity [-]."""
        if self.blocks is None:
            return [(self.mounting, 1.0)]
        total = sum(b.dc_capacity_mwp for b in self.blocks)
        return [(b.mounting, b.dc_capacity_mwp / total) for b in self.blocks]

    @property
    def dc_ac_ratio(self) -> float:
        """DC/AC ratio [-]."""
        return self.dc_capacity_mwp / self.ac_capacity_mwac

    @property
    def rear_losses_pct(self) -> tuple[float, float]:
        """Rear structure shading [% of rear irradiance] and rear mismatch [% of DC power]:
        the site's values, else the defaults of its mounting (also for a copy whose
        bifaciality was raised after validation, as sensitivity runs do)."""
        # a plant of blocks: each block's own copy (pvyield.site.blocks) has its mounting
        mount = "single_axis" if isinstance(self.mounting, SingleAxisMount) else "fixed"
        shading = (self.rear_shading_pct if self.rear_shading_pct is not None
                   else REAR_SHADING_DEFAULTS[mount][0])
        mismatch = (self.rear_mismatch_pct if self.rear_mismatch_pct is not None
                    else REAR_MISMATCH_DEFAULT[0])
        return shading, mismatch


class Losses(StrictModel):
    """Losses and efficiencies applied along the chain, in percent."""

    soiling_pct: float | list[float] = Field(
        default=2.0,
        description="Soiling loss on the effective irradiance: one value or 12 monthly, "
        "each in [0, 50] [%]. Default 2 (Dobos 2014, PVWatts Version 5 Manual, "
        "NREL/TP-6A20-62641, Table 3); one value for every climate, as no climate-dependent "
        "default was found (measured annual losses range from under 1 % to over 6 %: "
        "NREL soiling map, Deceglie, Micheli & Muller 2018, IEEE J. Photovolt. 8(2)).",
    )
    mismatch_pct: float = Field(
        default=2.0, ge=0, le=20,
        description="Module mismatch [% of DC power]. Default 2 (Dobos 2014, PVWatts "
        "Version 5 Manual, NREL/TP-6A20-62641, Table 3).",
    )
    dc_wiring_pct: float = Field(
        default=2.0, ge=0, le=20,
        description="DC ohmic losses [% of DC power]. Default 2 (Dobos 2014, PVWatts "
        "Version 5 Manual, NREL/TP-6A20-62641, Table 3, wiring).",
    )
    lid_pct: float | None = Field(
        default=None, ge=0, le=10,
        description="Light-induced degradation, first year [%]; default by "
        "plant.module_technology: 1.5 for p-type c-Si (Dobos 2014, PVWatts v5 Table 3), "
        "0.5 for n-type topcon and hjt (assumption: no boron-oxygen LID), 0 for cdte "
        "(nameplate after stabilisation: PVsyst FAQ 'What is the LID loss?').",
    )
    inverter_efficiency_pct: float = Field(
        default=97.0,
        ge=80,
        le=100,
        description="Nominal inverter efficiency (PVWatts eta_inv_nom) [%]. Default 97.0: "
        "median Paco/Pdco of the 166 inverters of 1 MWac or more in the CEC inverter list "
        "(California Energy Commission, as distributed with SAM and "
        "pvlib.pvsystem.retrieve_sam('cecinverter')).",
    )
    ac_losses_pct: float = Field(
        default=1.5, ge=0, le=20,
        description="AC wiring, transformer and line losses up to the grid meter [% of AC "
        "power]. Default 1.5 (assumption: no published central value for utility plants "
        "was found; kept from earlier versions).",
    )
    availability_pct: float = Field(
        default=97.0, ge=50, le=100,
        description="Plant availability, energy-based [%]. Default 97 (Dobos 2014, PVWatts "
        "Version 5 Manual, NREL/TP-6A20-62641, Table 3: 3 % availability loss; kWh "
        "Analytics, Rasmussen & Browne 2023, 'Bringing solar availability assumptions back "
        "down to earth: the case for adjusting to 97%', PV Tech Power, from US fleet data).",
    )
    degradation_pct_per_year: float | None = Field(
        default=None, ge=0, le=5,
        description="Annual power degradation after year one [%/yr]; default by "
        "plant.module_technology: 0.75 (Jordan et al. 2022, Prog. Photovolt. 30:1166-1175, "
        "doi:10.1002/pip.3566, PV Fleet median).",
    )

    @field_validator("soiling_pct")
    @classmethod
    def _soiling_range(cls, value: float | list[float]) -> float | list[float]:
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and len(value) != 12:
            raise ValueError(f"give one value or 12 monthly values (got {len(value)})")
        if any(not 0 <= v <= 50 for v in values):
            raise ValueError(f"soiling must be within [0, 50] % (got {value})")
        return value

    def soiling_monthly_pct(self) -> list[float]:
        """Soiling loss for each month January..December [%]."""
        if isinstance(self.soiling_pct, list):
            return list(self.soiling_pct)
        return [self.soiling_pct] * 12


class Station(StrictModel):
    """Where a weather series was measured or modelled, when that is not the site."""

    name: str = Field(description="Station or data set name.")
    latitude: float = Field(ge=-90, le=90, description="[degrees north]")
    longitude: float = Field(ge=-180, le=180, description="[degrees east]")
    elevation_m: float = Field(ge=-500, le=9000, description="[m]")


class MonthlyClimate(StrictModel):
    """Monthly means from which an hourly year is synthesised."""

    ghi_kwh_m2_day: list[Annotated[float, Field(ge=0, le=12)]] = _twelve(
        "Mean daily global horizontal irradiation [kWh/m^2/day]", 0, 12
    )
    temp_air_c: list[Annotated[float, Field(ge=-60, le=60)]] = _twelve(
        "Mean air temperature [°C]", -60, 60
    )
    temp_range_c: list[Annotated[float, Field(ge=0, le=40)]] | None = Field(
        default=None,
        min_length=12,
        max_length=12,
        description="Mean daily temperature range Tmax - Tmin per month [°C]; default 10.",
    )
    wind_speed_m_s: list[Annotated[float, Field(ge=0, le=40)]] | None = Field(
        default=None,
        min_length=12,
        max_length=12,
        description="Mean wind speed per month [m/s]; default 1.",
    )
    dhi_kwh_m2_day: list[Annotated[float, Field(ge=0, le=12)]] | None = Field(
        default=None,
        min_length=12,
        max_length=12,
        description="Mean daily diffuse horizontal irradiation per month [kWh/m^2/day], "
        "each at most the month's GHI; optional. When given, each month's beam from the "
        "decomposition is scaled by one factor so that the month's diffuse matches "
        "(tables that give it: PVGIS monthly radiation as Kd x H(h), NASA POWER "
        "ALLSKY_SFC_SW_DIFF, the LABREN atlas, Meteonorm); without it the decomposition "
        "alone splits GHI. weather/README.md measures both.",
    )
    source: str = Field(min_length=3, description="Where the monthly means come from.")
    ghi_location: Station | None = Field(
        default=None, description="Where the GHI means apply, when not the site itself."
    )
    temperature_station: Station | None = Field(
        default=None, description="Station of the temperatures, when not the site itself."
    )
    seed: int = Field(default=0, ge=0, description="Random seed of the generator.")

    @field_validator("ghi_kwh_m2_day")
    @classmethod
    def _some_sun(cls, value: list[float]) -> list[float]:
        # the synthetic year scales each day to its month's mean: a year without sun has
        # nothing to scale and no plant to estimate
        if not any(v > 0 for v in value):
            raise ValueError("every month is 0; give the mean daily irradiation of at least "
                             "one month")
        return value

    @model_validator(mode="after")
    def _diffuse_within_global(self) -> MonthlyClimate:
        if self.dhi_kwh_m2_day is None:
            return self
        wrong = [m + 1 for m, (d, g) in enumerate(zip(self.dhi_kwh_m2_day,
                                                      self.ghi_kwh_m2_day, strict=True))
                 if d > g * (1 + DIFFUSE_ROUNDING)]
        if wrong:
            raise ValueError(f"dhi_kwh_m2_day: the diffuse irradiation exceeds the global "
                             f"(ghi_kwh_m2_day) in month(s) {wrong}; it is a part of it")
        return self


#: Named weather sources: offline climatologies and online services.
WEATHER_SOURCES = ("labren", "merra2", "pvgis", "pvgis_hourly", "nasa_power", "nsrdb",
                   "nsrdb_hourly")


#: Quality-control findings (stable codes of :mod:`pvyield.weather.qc`) that a site file may
#: accept on purpose in ``weather.accept``, with a reason: a real outage, a measured series
#: of part of a year, a station whose sensor reads slightly negative at night, a horizon
#: that moves the irradiance peak. Accepted, they are listed as warnings with the reason.
ACCEPTABLE_FINDINGS = (
    "gap", "coverage", "time_step", "negative", "above_extraterrestrial", "time_shift",
    "closure", "dark_daytime", "dim", "distance",
)
#: Findings no site file can accept, and why: no energy computed from such a series means
#: anything, so the series must be repaired, not the finding accepted.
UNACCEPTABLE_FINDINGS = {
    "non_finite": "an infinite or missing value makes the model chain's sums infinite or "
                  "NaN; fill or drop the values in the file",
    "duplicate_stamps": "an interval counted twice counts its energy twice",
    "non_monotonic": "stamps going back in time make the intervals' lengths meaningless",
    "units_kw": "irradiance in kW/m^2 is 1,000 times too small for the model",
    "units_daily_kwh": "daily irradiation is not the mean irradiance the model needs",
    "units_kelvin": "air temperature in kelvin is 273 degrees too hot for the model",
    "negated": "a sign-flipped irradiance series gives no energy",
    "impossible_irradiance": "irradiance above the physically possible limits is not weather",
    "temp_range": "air temperatures no place on Earth has seen are fill values or wrong units",
    "wind_negative": "a negative wind speed is a fill value or a wrong sign",
    "humidity_range": "relative humidity outside 0-100 % is a fill value or another "
                      "quantity, and it sets the spectral model's precipitable water",
    "precipitable_water_range": "precipitable water above 10 cm is in millimetres or a fill "
                                "value, and it sets the spectral correction",
    "no_sun": "a series with no sunlight in it gives no energy and no performance ratio",
}


class AcceptedFinding(StrictModel):
    """A quality-control finding of the weather accepted on purpose, with the reason."""

    finding: Literal[ACCEPTABLE_FINDINGS] = Field(  # type: ignore[valid-type]
        description="Code of the finding as `pvyield weather inspect` prints it. Not "
        "acceptable: " + ", ".join(UNACCEPTABLE_FINDINGS) + ".",
    )
    reason: str = Field(
        min_length=10,
        description="Why the finding does not make the estimate wrong, or what was done "
        "about it (shown with every result).",
    )

    @field_validator("finding", mode="before")
    @classmethod
    def _acceptable(cls, value: object) -> object:
        if isinstance(value, str) and value in UNACCEPTABLE_FINDINGS:
            raise ValueError(f"the finding {value!r} cannot be accepted: "
                             f"{UNACCEPTABLE_FINDINGS[value]}")
        return value


class Weather(StrictModel):
    """The weather series: a file, a year synthesised from monthly means, a named source,
    a Brazilian municipality, or nothing (then chosen from the site's coordinates)."""

    file: str | None = Field(
        default=None, description="Weather file, relative to the site file's folder."
    )
    format: Literal[
        "auto", "sam_csv", "nsrdb_csv", "tmy3", "epw", "pvgis_tmy", "pvgis_hourly",
        "nasa_power", "era5_netcdf",
    ] = Field(
        default="auto", description="File format; 'auto' detects it from the content."
    )
    label: Literal["start", "center", "end"] | None = Field(
        default=None,
        description="Where each stamp sits in its interval; default: the format's documented "
        "convention (TMY3: end; EPW as read by pvlib: start; NSRDB: center). Required for "
        "SAM CSV; not allowed for PVGIS, NASA POWER and ERA5, whose providers fix it.",
    )
    attribution: str | None = Field(
        default=None, description="Licence or attribution of the weather data, to cite."
    )
    synthetic: MonthlyClimate | None = None
    source: Literal[
        "labren", "merra2", "pvgis", "pvgis_hourly", "nasa_power", "nsrdb", "nsrdb_hourly",
    ] | None = Field(
        default=None,
        description="A named source at the site's coordinates: 'labren' (Brazil) or "
        "'merra2' (global, 3 deg) monthly means from which a year is synthesised offline; "
        "'pvgis' (TMY), 'pvgis_hourly' (hourly years), 'nasa_power' (hourly years), "
        "'nsrdb' (PSM4 TMY) or 'nsrdb_hourly' (PSM4 hourly years; both NSRDB sources need "
        "NSRDB_API_KEY and NSRDB_EMAIL in the environment) downloaded once and cached.",
    )
    municipality: str | None = Field(
        default=None,
        pattern=r"^[^,]+,\s*[A-Z]{2}$",
        description="Brazilian municipality as 'Name, UF' (\"Petrolina, PE\"): LABREN monthly "
        "means of its seat.",
    )
    year: int | None = Field(
        default=None, ge=1981, le=2100,
        description="Calendar year to download for 'nasa_power', 'pvgis_hourly' or "
        "'nsrdb_hourly' (default: two years ago; every year of the database for "
        "'pvgis_hourly'); 'years' gives several.",
    )
    years: list[Annotated[int, Field(ge=1981, le=2100)]] | None = Field(
        default=None, min_length=2, max_length=2,
        description="First and last calendar year, inclusive, to download for a source of "
        "real years ('pvgis_hourly', 'nasa_power', 'nsrdb_hourly'): the model runs over "
        "every year and reports the mean year; the years' spread is the series' own "
        "inter-annual variability.",
    )
    seed: int = Field(
        default=0, ge=0, description="Seed of the synthetic year made from a climatology."
    )
    temperature_lapse_rate_c_per_km: float = Field(
        default=6.5,
        ge=0,
        le=12,
        description="Lapse rate used to move air temperature from the weather's "
        "elevation to the site's [°C/km].",
    )
    accept: list[AcceptedFinding] = Field(
        default_factory=list,
        description="Quality-control findings of the weather accepted on purpose, each "
        "with a reason (e.g. {finding: gap, reason: 'station outage in March, filled "
        "by ...'}). A finding of severity error refuses the estimate unless accepted here; "
        "an accepted finding is still listed as a warning with its reason.",
    )

    @model_validator(mode="after")
    def _years_in_order(self) -> Weather:
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(f"years {list(self.years)}: the first year is after the last")
        if self.years is not None and self.year is not None:
            raise ValueError("give 'year' or 'years', not both")
        return self

    @model_validator(mode="after")
    def _one_source(self) -> Weather:
        given = [name for name in ("file", "synthetic", "source", "municipality")
                 if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of 'file', 'synthetic', 'source' or "
                             f"'municipality' (got {given}); with none, the weather comes "
                             "from the site's coordinates (LABREN in Brazil, else MERRA-2)")
        return self


class Reported(StrictModel):
    """One published figure about the plant, with its source and its basis.

    The basis says what the figure is, so that it is compared like with like: ``measured``
    output (metered net generation over stated calendar ``years``) or an ``expected`` figure
    (a developer's or owner's forecast, a press claim); which years and whether it is a
    first-year figure or a mean; P50, P90 or firm energy; and whether it covers the whole
    plant of the site file or a named part of it. Only measured figures validate the model
    (``pvyield validate``).
    """

    metric: Literal[
        "annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac", "households",
        "land_area_ha", "module_count",
    ] = Field(description="What the figure measures; the unit is in the name.")
    value: float = Field(gt=0, description="The figure, in the metric's unit.")
    source: str = Field(min_length=3, description="Who published it, where (URL or title).")
    date: str | None = Field(
        description="Publication date, YYYY, YYYY-MM or YYYY-MM-DD; null when unknown."
    )
    note: str | None = Field(default=None, description="Context that qualifies the figure.")
    doubts: str | None = Field(
        default=None, min_length=3, max_length=600,
        description="For measured figures: what is documented (with its source) that can "
        "make a model miss this figure: curtailment, a configuration in doubt, a part "
        "year, a rounded or derived figure; 'unexplained' when nothing is. "
        "`pvyield validate` shows it beside every plant beyond its threshold.")
    basis: Literal["measured", "expected"] = Field(
        default="expected",
        description="'measured': metered output of past operating years (give 'years'); "
        "'expected': a forecast, target or claim (the default: a figure not stated as "
        "measured is taken as a claim).",
    )
    years: list[Annotated[int, Field(ge=1950, le=2100)]] | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="First and last calendar year the figure covers, inclusive "
        "([2015, 2017]: three years; [2018, 2018]: one year); required for measured figures.",
    )
    cod: str | None = Field(
        default=None,
        description="Commercial operation date of the plant (or of the part the figure "
        "covers), YYYY, YYYY-MM or YYYY-MM-DD.",
    )
    first_operating_year: int | None = Field(
        default=None,
        ge=1950,
        le=2100,
        description="Calendar year counted as operating year 1 (degradation index 0); "
        "default: the year of 'cod' when it falls in January-June, else the year after.",
    )
    period: Literal["first_year", "period_mean", "lifetime_mean"] | None = Field(
        default=None,
        description="'first_year': the plant's first operating year; 'period_mean': the "
        "mean of the calendar 'years' (a single year is a mean of one); 'lifetime_mean': "
        "the mean over the plant's life; null when the source does not say.",
    )
    exceedance: Literal["P50", "P90", "firm"] | None = Field(
        default=None,
        description="For expected figures: the exceedance level the figure stands for "
        "(P50, P90 or firm energy); null when the source does not say.",
    )
    scope: str | None = Field(
        default=None,
        description="The part of the plant the figure covers ('unit 1'), when not the whole "
        "plant of the site file; null: the whole plant.",
    )
    scope_ac_capacity_mwac: float | None = Field(
        default=None, gt=0, le=20000,
        description="AC capacity of the part named in 'scope' [MWac].",
    )

    @field_validator("date", "cod", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        # YAML and TOML read 2024-07-08 as a date and 2024 as an integer
        if isinstance(value, (int, datetime.date)) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("date", "cod")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise ValueError("date must be YYYY, YYYY-MM or YYYY-MM-DD")
        parts = [int(p) for p in value.split("-")]
        try:  # a real calendar date: no month 13, no 30 February
            datetime.date(parts[0], *(parts[1:] + [1] * (3 - len(parts)))[:2])
        except ValueError as exc:
            raise ValueError(f"date is not a calendar date ({exc})") from None
        return value

    @model_validator(mode="after")
    def _basis_complete(self) -> Reported:
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(f"years: first year after last year ({self.years})")
        if self.basis == "measured":
            if self.years is None:
                raise ValueError("a measured figure needs 'years': [first, last] calendar "
                                 "year it covers")
            if self.exceedance is not None:
                raise ValueError("'exceedance' (P50, P90, firm) applies to expected figures, "
                                 "not to measured ones")
            if self.period in ("first_year", "lifetime_mean"):
                raise ValueError(f"a measured figure of calendar years is a 'period_mean' "
                                 f"(got period {self.period!r})")
        if self.scope is None and self.scope_ac_capacity_mwac is not None:
            raise ValueError("'scope_ac_capacity_mwac' needs 'scope' (the part it is the "
                             "capacity of)")
        return self

    @property
    def operating_year_one(self) -> int | None:
        """Calendar year that is operating year 1: given, or derived from ``cod``."""
        if self.first_operating_year is not None:
            return self.first_operating_year
        if self.cod is None:
            return None
        year = int(self.cod[:4])
        month = int(self.cod[5:7]) if len(self.cod) >= 7 else 1
        # a plant that started in the second half ran for less than half of that year
        return year if month <= 6 else year + 1

    def basis_text(self) -> str:
        """The basis in words: 'measured, mean 2015-2017, whole plant'."""
        parts = [self.basis]
        if self.years is not None:
            first, last = self.years
            span = str(first) if first == last else f"{first}-{last}"
            parts.append(f"mean {span}" if self.period in (None, "period_mean") else span)
        if self.period in ("first_year", "lifetime_mean"):
            parts.append(self.period.replace("_", " "))
        if self.exceedance is not None:
            parts.append(self.exceedance)
        if self.cod is not None:
            parts.append(f"COD {self.cod}")
        if self.scope is not None:
            cap = ("" if self.scope_ac_capacity_mwac is None
                   else f" ({self.scope_ac_capacity_mwac:g} MWac)")
            parts.append(f"{self.scope}{cap}")
        return ", ".join(parts)


class Households(StrictModel):
    """Electricity used by one household, to turn energy into households served."""

    kwh_per_household_year: float = Field(
        gt=100, le=20000, description="Electricity per household [kWh/household/yr]."
    )
    source: str = Field(min_length=3, description="Where the figure comes from.")


class UncertaintyItem(StrictModel):
    """One standard uncertainty with its source."""

    sigma_pct: float = Field(ge=0, le=50, description="One standard deviation [% of energy].")
    source: str = Field(min_length=3, description="Where the value comes from.")


#: Uncertainty items a site file may set (pvyield.results.uncertainty has their defaults).
UNCERTAINTY_ITEMS = ("irradiance", "transposition", "temperature", "soiling",
                     "mismatch_and_wiring", "inverter", "availability", "synthetic_weather",
                     "bifacial")


class UncertaintySpec(StrictModel):
    """Replacements for pvyield's default uncertainty budget."""

    items: dict[str, UncertaintyItem] = Field(
        default_factory=dict,
        description="Item name -> value and source; names: " + ", ".join(UNCERTAINTY_ITEMS),
    )
    interannual: UncertaintyItem | None = Field(
        default=None,
        description="Inter-annual variability of yearly energy, when the weather holds one "
        "year; default 4 % (Gueymard & Wilcox 2011).",
    )
    average_years: int = Field(
        default=10, ge=1, le=40, description="Years of the multi-year average P-values."
    )

    @field_validator("items")
    @classmethod
    def _known_items(cls, items: dict[str, UncertaintyItem]) -> dict[str, UncertaintyItem]:
        unknown = sorted(set(items) - set(UNCERTAINTY_ITEMS))
        if unknown:
            raise ValueError(f"unknown uncertainty item(s) {unknown}; allowed: "
                             f"{', '.join(UNCERTAINTY_ITEMS)}")
        return items


class Site(StrictModel):
    """A PV plant and where it stands: the root of a site file."""

    name: str = Field(min_length=1, description="Plant name, used in outputs.")
    country: str = Field(
        pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code (BR, CL)."
    )
    region: str | None = Field(default=None, description="State or region.")
    latitude: float = Field(ge=-90, le=90, description="[degrees north]")
    longitude: float = Field(ge=-180, le=180, description="[degrees east]")
    elevation_m: float = Field(ge=-500, le=9000, description="Elevation above sea level [m].")
    timezone: str | None = Field(
        default=None,
        description="IANA time zone (America/Fortaleza); derived from the coordinates "
        "when omitted.",
    )
    plant: Plant
    losses: Losses = Field(default_factory=Losses)
    weather: Weather = Field(
        default_factory=Weather,
        description="Weather series; when omitted, monthly means at the site's coordinates "
        "(LABREN in Brazil, else MERRA-2) give a synthetic year.",
    )
    households: Households | None = Field(
        default=None,
        description="Household consumption; when omitted, the country's figure from "
        "pvyield's table is used.",
    )
    uncertainty: UncertaintySpec = Field(default_factory=UncertaintySpec)
    reported: list[Reported] = Field(default_factory=list)
    sources: dict[str, str] = Field(
        default_factory=dict, description="Dotted field path -> source of its value."
    )
    assumptions: dict[str, str] = Field(
        default_factory=dict,
        description="Dotted field path -> one-line reason for a value without a source.",
    )

    _path: str | None = PrivateAttr(default=None)
    _derived: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def path(self) -> str | None:
        """The file this site was loaded from, if any."""
        return self._path

    @property
    def derived(self) -> dict[str, str]:
        """Fields the loader filled in, mapped to how it derived them."""
        return dict(self._derived)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        # looked up in the list of zones, never opened by name: a folder ('America'), a
        # path or a very long name must be refused, not passed to the file system
        if value is None or value in _timezone_names():
            return value
        raise ValueError("unknown IANA time zone (use names like 'America/Santiago' or "
                         "'Etc/GMT+4' for UTC-4)")

    @model_validator(mode="after")
    def _technology_defaults(self) -> Site:
        """Fill the fields left out whose default depends on the technology or mounting.

        Each filled field is recorded in :attr:`derived` with its source, so the output
        lists which default came from where; explicit values are never replaced.
        """
        plant, losses = self.plant, self.losses
        self._derived.update(plant._filled)
        mount = "single_axis" if isinstance(plant.mounting, SingleAxisMount) else "fixed"
        wanted = dict(TECHNOLOGY_DEFAULTS[plant.module_technology])
        # rear losses mean nothing to a monofacial plant; a plant of blocks of different
        # mountings takes each block's mounting default (pvyield.site.blocks)
        if plant.bifaciality > 0 and plant.blocks is None:
            wanted["plant.rear_shading_pct"] = REAR_SHADING_DEFAULTS[mount]
        if plant.bifaciality > 0:
            wanted["plant.rear_mismatch_pct"] = REAR_MISMATCH_DEFAULT
        if plant.bifaciality > 0 and plant.blocks is not None and plant.rear_shading_pct is None:
            kinds = ["single_axis" if isinstance(b.mounting, SingleAxisMount) else "fixed"
                     for b in plant.blocks]
            self._derived["plant.rear_shading_pct"] = "default by each block's mounting: " + \
                "; ".join(f"{b.name} ({k}) {REAR_SHADING_DEFAULTS[k][0]:g} % "
                          f"({REAR_SHADING_DEFAULTS[k][1]})"
                          for b, k in zip(plant.blocks, kinds, strict=True))
        updates: dict[str, dict[str, float]] = {"plant": {}, "losses": {}}
        for path, (value, source) in wanted.items():
            section, name = path.split(".")
            if getattr(getattr(self, section), name) is None:
                updates[section][name] = value
                how = (f"default for module_technology {plant.module_technology}: {source}"
                       if path in TECHNOLOGY_DEFAULTS[plant.module_technology]
                       else f"default for {mount} mounting: {source}"
                       if path == "plant.rear_shading_pct" else f"default: {source}")
                self._derived[path] = how
        if updates["plant"]:
            copied = plant.model_copy(update=updates["plant"])
            copied._equipment, copied._filled = plant._equipment, plant._filled
            object.__setattr__(self, "plant", copied)
        if updates["losses"]:
            object.__setattr__(self, "losses", losses.model_copy(update=updates["losses"]))
        return self

    @model_validator(mode="after")
    def _block_losses_valid(self) -> Site:
        """A block's own losses, merged into the plant's, must be valid plant losses."""
        for i, block in enumerate(self.plant.blocks or []):
            if block.losses is None:
                continue
            changed = {k: v for k, v in block.losses.model_dump().items() if v is not None}
            try:
                Losses.model_validate({**self.losses.model_dump(), **changed})
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"plant.blocks.{i}.losses.{field}: {first['msg']}") from None
        return self

    @model_validator(mode="after")
    def _provenance_paths_exist(self) -> Site:
        for kind in ("sources", "assumptions"):
            for path in getattr(self, kind):
                if not _path_exists(self, path):
                    raise ValueError(f"{kind}: {path!r} names no field of this site")
        return self


@functools.cache
def _timezone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows (system tzdata or the tzdata package)."""
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def _path_exists(model: object, dotted: str) -> bool:
    """Whether a dotted path (``plant.mounting.gcr``, ``reported.0``) names a field."""
    node: object = model
    for part in dotted.split("."):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        elif isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        else:
            return False
    return True


def field_description(dotted: str, model: type[BaseModel] = Site) -> str:
    """The schema's description of a field named by a dotted path ('' when none)."""
    node: type[BaseModel] | None = model
    description = ""
    for part in dotted.split("."):
        if node is None or part.isdigit():
            continue
        field = node.model_fields.get(part)
        if field is None:
            return ""
        description = field.description or ""
        node = _model_in(field.annotation)
    return description


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The schema model inside an annotation (``Thermal``, ``list[Orientation]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
