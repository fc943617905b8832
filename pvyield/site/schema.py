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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

#: DC/AC ratios outside this range are almost certainly a unit or typing mistake.
DC_AC_RATIO_RANGE = (0.8, 2.0)
#: Allowed relative gap between module_count x module_power_wp and dc_capacity_mwp.
MODULE_CAPACITY_TOLERANCE = 0.05



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


class Thermal(StrictModel):
    """PVsyst cell-temperature model coefficients (Faiman form)."""

    u_c: float = Field(
        default=29.0, gt=0, le=100, description="Constant heat-loss factor [W/(m^2 K)]."
    )
    u_v: float = Field(
        default=0.0, ge=0, le=20, description="Wind heat-loss factor [W/(m^2 K) / (m/s)]."
    )


class Plant(StrictModel):
    """Electrical and mechanical description of the plant."""

    dc_capacity_mwp: float = Field(gt=0, le=20000, description="DC capacity at STC [MWp].")
    ac_capacity_mwac: float = Field(
        gt=0, le=20000, description="AC capacity, the inverter output limit [MWac]."
    )
    module_count: int | None = Field(default=None, gt=0, description="Number of modules [-].")
    module_power_wp: float | None = Field(
        default=None, ge=50, le=1000, description="Module power at STC [Wp]."
    )
    module_efficiency_pct: float = Field(
        default=21.0, gt=5, le=30, description="Module efficiency at STC [%]."
    )
    bifaciality: float = Field(
        default=0.0, ge=0, le=1, description="Rear/front efficiency ratio; 0 = monofacial [-]."
    )
    gamma_pdc_pct_per_c: float = Field(
        default=-0.35, ge=-1, le=0, description="Temperature coefficient of power [%/°C]."
    )
    albedo: float = Field(default=0.2, ge=0, le=1, description="Ground albedo [-].")
    iam_a_r: float = Field(
        default=0.16,
        gt=0,
        le=0.5,
        description="Martin-Ruiz angular losses coefficient a_r of the module glass [-].",
    )
    thermal: Thermal = Field(default_factory=Thermal)
    mounting: Mounting

    @model_validator(mode="after")
    def _consistent_capacities(self) -> Plant:
        ratio = self.dc_capacity_mwp / self.ac_capacity_mwac
        low, high = DC_AC_RATIO_RANGE
        if not low <= ratio <= high:
            raise ValueError(
                f"DC/AC ratio dc_capacity_mwp / ac_capacity_mwac = {ratio:.3g} is outside "
                f"[{low}, {high}]; check the units of both capacities"
            )
        mount = self.mounting
        if self.bifaciality > 0 and isinstance(mount, FixedMount) and mount.gcr is None:
            raise ValueError("a bifacial plant on fixed racking needs mounting.gcr "
                             "(rear irradiance depends on the row spacing)")
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

    @property
    def dc_ac_ratio(self) -> float:
        """DC/AC ratio [-]."""
        return self.dc_capacity_mwp / self.ac_capacity_mwac


class Losses(StrictModel):
    """Losses and efficiencies applied along the chain, in percent."""

    soiling_pct: float | list[float] = Field(
        default=2.0,
        description="Soiling loss on the effective irradiance: one value or 12 monthly, "
        "each in [0, 50] [%].",
    )
    mismatch_pct: float = Field(default=1.0, ge=0, le=20, description="Module mismatch [%].")
    dc_wiring_pct: float = Field(default=1.5, ge=0, le=20, description="DC ohmic losses [%].")
    lid_pct: float = Field(
        default=1.0, ge=0, le=10, description="Light-induced degradation, first year [%]."
    )
    inverter_efficiency_pct: float = Field(
        default=98.5,
        ge=80,
        le=100,
        description="Nominal inverter efficiency (PVWatts eta_inv_nom) [%].",
    )
    ac_losses_pct: float = Field(
        default=1.5, ge=0, le=20, description="AC wiring and transformer losses [%]."
    )
    availability_pct: float = Field(
        default=99.0, ge=50, le=100, description="Plant availability [%]."
    )
    degradation_pct_per_year: float = Field(
        default=0.5, ge=0, le=5, description="Annual power degradation after year one [%/yr]."
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


#: Named weather sources: offline climatologies and online services.
WEATHER_SOURCES = ("labren", "merra2", "pvgis", "nasa_power", "nsrdb")


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
    source: Literal["labren", "merra2", "pvgis", "nasa_power", "nsrdb"] | None = Field(
        default=None,
        description="A named source at the site's coordinates: 'labren' (Brazil) or "
        "'merra2' (global, 3 deg) monthly means from which a year is synthesised offline; "
        "'pvgis' (TMY), 'nasa_power' (hourly, one year) or 'nsrdb' (TMY, API key in "
        "NSRDB_API_KEY and NSRDB_EMAIL) downloaded once and cached.",
    )
    municipality: str | None = Field(
        default=None,
        pattern=r"^[^,]+,\s*[A-Z]{2}$",
        description="Brazilian municipality as 'Name, UF' (\"Petrolina, PE\"): LABREN monthly "
        "means of its seat.",
    )
    year: int | None = Field(
        default=None, ge=1981, le=2100,
        description="Calendar year to download for 'nasa_power' (default: two years ago).",
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
    """One published figure about the plant, with its source."""

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

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        # YAML and TOML read 2024-07-08 as a date and 2024 as an integer
        if isinstance(value, (int, datetime.date)) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("date")
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
