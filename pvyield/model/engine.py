"""The batch engine: the reference chain for many sites at once, as an xarray Dataset.

The engine computes the chain of :mod:`pvyield.model.chain` (same stages, same models,
same constants) over arrays shaped (site, time) instead of one site at a time:

1. sites are taken in blocks of ``chunk_sites``, which bounds memory (six weather rows
   and, when asked for, six time series per site of a block) and reads each weather frame
   once;
2. within a block, sites are grouped by their weather's time stamps; the site-independent
   terms of a set of time stamps (the Sun's ephemeris,
   :func:`pvyield.model.solar.sun_terms`; extraterrestrial irradiance; local months per
   time zone) are computed once and kept for the next blocks;
3. a compiled kernel (:func:`pvyield.model.kernels.chain_kernel`) runs the chain for a
   block, element by element, skipping intervals without irradiance, and accumulates the
   energy after every stage.

What depends on the site but not on time is prepared here with pvlib itself: the diffuse
IAM of both sides and the view factors (row masking, rear) of fixed planes, and for
single-axis trackers a table of the view factors by tilt (0.025 degree steps, linear
interpolation; its error is below 1e-6 of the view factor, checked in
``tests/test_engine.py``).

Real equipment (:mod:`pvyield.site.equipment`: a PAN or CEC module, an OND or CEC
inverter) is passed to the kernel as one module and one inverter record per site
(:mod:`pvyield.model.kernels_equipment`), with flags in the site record; per interval the
kernel then forms the chain's stages with the single-diode maximum power at the cell
temperature and at 25 °C (``low_irradiance``), the string voltage DC-share weighted over
planes, and the Sandia model without its AC limit (``inverter``), with it (``clipping``) and
with the night tare (``night_consumption``, also drawn in the intervals without
irradiance). Sites without equipment run the PVWatts models exactly as before.

The reference chain stays the definition of truth; ``tests/test_engine.py`` checks the
engine against it on random plants, ``tests/test_equipment.py`` on real equipment.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pvlib
import xarray as xr

from pvyield._kept import Kept
from pvyield.errors import ModelError
from pvyield.model import _pvlib_compat, kernels, kernels_equipment, sun_time
from pvyield.model.chain import (
    CELL_ABSORPTANCE,
    INVERTER_ETA_REF,
    SPECTRAL_MODULE_TYPES,
    STAGES,
    ChainOutput,
    chain_notes,
    dc_mismatch_factor,
    export_limit_w,
    precipitable_water_cm,
)
from pvyield.model.solar import observer
from pvyield.site.schema import FixedMount, SingleAxisMount, Site
from pvyield.weather.frame import REQUIRED_COLUMNS, time_step_minutes

logger = logging.getLogger(__name__)

#: Sites per kernel call: six weather rows of a year are 420 kB per site.
DEFAULT_CHUNK_SITES = 64
#: Distinct sets of time stamps whose sun terms are kept (between calls too).
TIME_BASES_KEPT = 16
#: Names of the energy stages in the output, in chain order.
STAGE_NAMES = ("ghi", *STAGES)


@dataclasses.dataclass(frozen=True)
class _TimeBase:
    """What a group of sites with the same time stamps shares."""

    index: pd.DatetimeIndex
    terms: np.ndarray
    dni_extra: np.ndarray
    dt_h: float
    _months: dict[str | None, tuple[np.ndarray, np.ndarray, int]] = dataclasses.field(
        default_factory=dict)

    @property
    def years(self) -> float:
        return len(self.index) * self.dt_h / 8760.0

    def months(self, timezone: str | None) -> np.ndarray:
        """Month 0-11 of every stamp in a time zone, as the chain reads soiling."""
        return self._local(timezone)[0]

    def bins(self, timezone: str | None) -> tuple[np.ndarray, int]:
        """Period bin of every stamp in a time zone (12 x years since the first local year
        + month 0-11) and that first local calendar year."""
        _, bins, first_year = self._local(timezone)
        return bins, first_year

    def _local(self, timezone: str | None) -> tuple[np.ndarray, np.ndarray, int]:
        if timezone not in self._months:
            local = self.index.tz_convert(timezone)
            months = (local.month.to_numpy() - 1).astype(np.int64)
            year = local.year.to_numpy().astype(np.int64)
            first = int(year.min()) if len(year) else 0
            self._months[timezone] = (months, (year - first) * 12 + months, first)
        return self._months[timezone]


def _time_base(index: pd.DatetimeIndex, key: bytes | None = None) -> _TimeBase:
    # the Sun's time terms and the extraterrestrial irradiance are kept per process for
    # the weather checks and the synthetic years too (the same stamps in a batch); the
    # kernel gets its own writable copies (read-only arrays would be another signature)
    terms = sun_time.time_terms(index, key)
    return _TimeBase(
        index=index,
        terms=np.array(terms.stacked),
        dni_extra=np.array(terms.extra_normal),
        dt_h=time_step_minutes(index) / 60.0,
    )


def run_sites(
    sites: Sequence[Site],
    weather: Sequence[pd.DataFrame],
    *,
    timeseries: bool = False,
    chunk_sites: int = DEFAULT_CHUNK_SITES,
) -> xr.Dataset:
    """Run the model chain for many sites at once.

    Parameters
    ----------
    sites : sequence of Site
        Validated sites.
    weather : sequence of DataFrame
        One weather frame per site under the weather contract
        (:mod:`pvyield.weather.frame`). Sites may share a frame (the same object is read,
        not copied); any sequence works, so frames can also be read lazily.
    timeseries : bool, default False
        Also return the chain's time series (dimension ``time``); all sites must then have
        the same time stamps.
    chunk_sites : int, default 64
        Sites computed together; bounds the memory the engine uses beyond its inputs.

    Returns
    -------
    Dataset
        Dimensions ``site``, ``stage`` (``"ghi"`` then :data:`pvyield.model.chain.STAGES`),
        ``month`` (1-12, the site's local calendar months), ``year`` (local calendar years
        of the weather, over all sites) and, with ``timeseries``, ``time`` (UTC).
        Variables: ``annual_energy`` (AC energy at the grid) [kWh/yr], ``stage_energy``
        (energy after each stage, the ``ghi`` stage being GHI at STC efficiency) [kWh/yr],
        ``loss_pct`` (loss of each stage relative to the one before; negative is a gain)
        [%], ``years`` [yr]; per month, averaged over the years of the weather,
        ``monthly_energy`` (AC) [kWh/yr], ``monthly_ghi`` and ``monthly_poa`` (front, before
        shading) [kWh/m^2/yr], ``monthly_temp_air`` (mean) [°C] and ``monthly_hours`` [h];
        per year ``year_energy`` (AC) [kWh] and ``year_hours`` [h]; with ``timeseries`` also
        ``ghi``, ``poa_global``, ``effective_irradiance`` [W/m^2], ``temp_cell`` [°C],
        ``p_dc``, ``p_ac`` [W], as in :class:`pvyield.model.chain.ChainOutput`.

    Raises
    ------
    ModelError
        When the numbers of sites and frames differ, a frame lacks a required column, or
        time series are asked for sites with different time stamps.
    """
    if len(sites) != len(weather):
        raise ModelError(f"run_sites: {len(sites)} sites but {len(weather)} weather frames")
    if chunk_sites < 1:
        raise ModelError(f"run_sites: chunk_sites must be at least 1 (got {chunk_sites})")
    if any(s.plant.blocks is not None for s in sites):
        return _run_plants_of_blocks(sites, weather, timeseries, chunk_sites)
    n_sites = len(sites)
    sums = np.zeros((n_sites, kernels.N_SUMS))
    monthly = np.zeros((n_sites, kernels.N_BINNED, 12))
    yearly: list[tuple[int, np.ndarray]] = [(0, np.zeros((2, 0)))] * n_sites
    dt_h = np.zeros(n_sites)
    years = np.zeros(n_sites)
    series = None
    first_key = None
    for start in range(0, n_sites, chunk_sites):
        # each frame is read once, so that a lazy sequence is read once
        frames = {i: weather[i] for i in range(start, min(start + chunk_sites, n_sites))}
        for key, members in _groups(sites, frames).items():
            first_key = key if first_key is None else first_key
            if timeseries and key != first_key:
                raise ModelError("run_sites: time series need every site's weather on the "
                                 f"same time stamps; site {members[0]} "
                                 f"({sites[members[0]].name}) has other ones")
            base = _BASES.get(key, functools.partial(_time_base, frames[members[0]].index, key))
            out = _run_block(base, [sites[i] for i in members], [frames[i] for i in members],
                             keep_series=timeseries)
            sums[members] = out[0]
            monthly[members] = out[2]
            for k, i in enumerate(members):
                yearly[i] = out[3][k]
            if timeseries:
                if series is None:
                    series = np.zeros((n_sites, len(kernels.SERIES) + 1, len(base.index)))
                    index = base.index
                series[members] = out[1]
            dt_h[members] = base.dt_h
            years[members] = base.years
    ds = _dataset(sites, sums, dt_h, years)
    ds = ds.merge(_period_dataset(monthly, yearly, dt_h, years))
    if series is not None:
        ds = ds.merge(_series_dataset(index, series))
    return ds


class _FramesOfBlocks(Sequence):
    """The weather sequence of the block sites: each block reads its plant's frame (the
    last frame read is kept, so a plant's blocks read a lazy sequence once)."""

    def __init__(self, weather: Sequence[pd.DataFrame], owner: np.ndarray) -> None:
        self._weather, self._owner = weather, owner
        self._last: tuple[int, pd.DataFrame] | None = None

    def __len__(self) -> int:
        return len(self._owner)

    def __getitem__(self, i):  # type: ignore[override]
        plant = int(self._owner[i])
        if self._last is None or self._last[0] != plant:
            self._last = (plant, self._weather[plant])
        return self._last[1]


def _run_plants_of_blocks(sites: Sequence[Site], weather: Sequence[pd.DataFrame],
                          timeseries: bool, chunk_sites: int) -> xr.Dataset:
    """:func:`run_sites` when some plants are made of blocks (``plant.blocks``).

    Every block runs as a site of its own (:func:`pvyield.site.blocks.block_sites`: its
    mounting, capacities and losses, its own inverters), then the blocks of each plant
    are added up (:func:`_add_blocks`) as the reference chain's
    :func:`pvyield.model.chain.combine_blocks` does. The Dataset then also holds each
    block's stage energies (``block_stage_energy``, ``block_name``).
    """
    from pvyield.site.blocks import block_sites, dc_shares

    subs: list[Site] = []
    owner: list[int] = []
    weights: list[float] = []
    for i, site in enumerate(sites):
        parts = block_sites(site)
        subs += parts
        owner += [i] * len(parts)
        weights += dc_shares(site)
    owner_arr = np.array(owner)
    ds = run_sites(subs, _FramesOfBlocks(weather, owner_arr), timeseries=timeseries,
                   chunk_sites=chunk_sites)
    return _add_blocks(ds, sites, owner_arr, np.array(weights))


#: Variables of the engine's Dataset that are plant totals (the blocks' add up), that are
#: DC-weighted means of the blocks, and that are the weather's (the same for every block).
_SUMMED = ("annual_energy", "stage_energy", "monthly_energy", "year_energy", "p_dc", "p_ac")
_DC_WEIGHTED = ("monthly_poa", "poa_global", "effective_irradiance", "temp_cell")


def _add_blocks(ds: xr.Dataset, sites: Sequence[Site], owner: np.ndarray,
                weights: np.ndarray) -> xr.Dataset:
    """The Dataset of the plants from that of their blocks (site = block, ``owner``: the
    plant of each; ``weights``: its share of the plant's DC capacity)."""
    first = np.array([int(np.flatnonzero(owner == i)[0]) for i in range(len(sites))])
    out = ds.isel(site=first)
    for name in ds.data_vars:
        if name not in _SUMMED and name not in _DC_WEIGHTED:
            continue  # the weather's own (ghi, hours, air temperature) or recomputed below
        data = ds[name]
        if name in _DC_WEIGHTED:
            data = data * xr.DataArray(weights, dims="site")
        values = np.stack([data.isel(site=np.flatnonzero(owner == i)).sum(
            "site", skipna=False).to_numpy() for i in range(len(sites))],
            axis=data.get_axis_num("site"))
        out[name] = (data.dims, values, ds[name].attrs)
    stage_energy = out["stage_energy"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = (1.0 - stage_energy[:, 1:] / stage_energy[:, :-1]) * 100.0
    out["loss_pct"] = (("site", "stage"), np.concatenate(
        [np.full((len(sites), 1), np.nan), loss], axis=1), ds["loss_pct"].attrs)
    n_blocks = max(int(np.sum(owner == i)) for i in range(len(sites)))
    per_block = np.full((len(sites), n_blocks, ds.sizes["stage"]), np.nan)
    names = np.full((len(sites), n_blocks), "", dtype=object)
    for i, site in enumerate(sites):
        rows = np.flatnonzero(owner == i)
        if site.plant.blocks is None:
            continue
        per_block[i, :len(rows)] = ds["stage_energy"].to_numpy()[rows]
        names[i, :len(rows)] = [b.name for b in site.plant.blocks]
    out["block_stage_energy"] = (("site", "block", "stage"), per_block, {
        "units": "kWh/yr", "long_name": "energy after each stage per year of each block "
        "of a plant of blocks (NaN: no such block)"})
    out["block_name"] = (("site", "block"), names.astype(str))
    return out.assign_coords(site=np.arange(len(sites)),
                             name=("site", [s.name for s in sites]))


#: Time terms of the last few distinct sets of time stamps, kept between calls: an
#: estimate and its reconciliation, or the chunks of a batch, share their weather's stamps.
_BASES: Kept[_TimeBase] = Kept(TIME_BASES_KEPT)


def clear_time_bases() -> None:
    """Forget the time terms kept between calls (for timing a first call)."""
    _BASES.clear()
    sun_time.clear()


def _groups(sites, frames: dict[int, pd.DataFrame]) -> dict[bytes, list[int]]:
    """Sites by the time stamps of their weather (as instants, with the time zone)."""
    groups: dict[bytes, list[int]] = {}
    keys: dict[int, bytes] = {}  # frames often share one index object: its key once
    for i, frame in frames.items():
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise ModelError(f"run_sites: weather of site {i} ({sites[i].name}) lacks "
                             f"column(s) {missing}")
        index = frame.index
        if id(index) not in keys:
            if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
                raise ModelError(f"run_sites: weather of site {i} ({sites[i].name}) needs a "
                                 "time-zone-aware DatetimeIndex")
            keys[id(index)] = sun_time.stamps_key(index)
        groups.setdefault(keys[id(index)], []).append(i)
    return groups


def _run_block(base: _TimeBase, sites: list[Site], frames: list[pd.DataFrame],
               keep_series: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Run the kernel on sites sharing time stamps.

    Returns the kernel's sums, the series (empty unless ``keep_series``), the sums of
    :data:`~pvyield.model.kernels.BINNED` per local calendar month (site, N_BINNED, 12)
    and, per site, its first local year with the AC power and interval sums per local
    calendar year (2, years).
    """
    n_time = len(base.index)
    zones = sorted({str(s.timezone) for s in sites})
    months = np.stack([base.months(None if z == "None" else z) for z in zones])
    local_bins = [base.bins(None if z == "None" else z) for z in zones]
    bins = np.stack([b for b, _ in local_bins])
    n_bins = int(bins.max()) + 1 if bins.size else 1
    n_bins += (-n_bins) % 12  # whole local years: months fold by reshaping
    site_rec, plane_rec, soiling, tables = _site_records(sites, zones)
    module_rec, inverter_rec = _equipment_records(sites, site_rec)
    n_cols = len(REQUIRED_COLUMNS)
    weather = np.empty((len(sites), kernels.N_WEATHER, n_time))
    for k, frame in enumerate(frames):
        if tuple(frame.columns[:n_cols]) == REQUIRED_COLUMNS:
            # the readers' column order: one copy of the frame's block, no column lookups
            weather[k, :n_cols] = frame.to_numpy(dtype=float)[:, :n_cols].T
        else:
            for c, column in enumerate(REQUIRED_COLUMNS):
                weather[k, c] = frame[column].to_numpy(dtype=float)
        # precipitable water only matters to the sites with a spectral model
        weather[k, n_cols] = (precipitable_water_cm(frame)[0].to_numpy(dtype=float)
                              if site_rec[k]["spectral"] else 0.0)
    sums = np.zeros((len(sites), kernels.N_SUMS))
    binned = np.zeros((len(sites), kernels.N_BINNED, n_bins))
    series = np.zeros((len(sites), len(kernels.SERIES) + 1, n_time if keep_series else 0))
    kernels.chain_kernel(base.terms, base.dni_extra, months, bins, weather, site_rec,
                         plane_rec, soiling, tables, module_rec, inverter_rec,
                         *_pvlib_compat.perez_coefficients(),
                         kernels.FIRSTSOLAR_CDTE, sums, binned,
                         series[:, 1:])
    if keep_series:
        series[:, 0] = weather[:, 0]
    by_year = binned.reshape(len(sites), kernels.N_BINNED, n_bins // 12, 12)
    monthly = by_year.sum(axis=2)
    p_ac, count = kernels.BINNED.index("p_ac"), kernels.BINNED.index("count")
    yearly = [(local_bins[site_rec[k]["month_row"]][1],
               by_year[k][[p_ac, count]].sum(axis=2)) for k in range(len(sites))]
    return sums, series, monthly, yearly


def _site_records(sites: list[Site], zones: list[str]):
    """Kernel inputs describing the sites: records, planes, soiling and rear tables."""
    n_planes = max(_plane_count(s) for s in sites)
    site_rec = np.zeros(len(sites), dtype=kernels.SITE_DTYPE)
    plane_rec = np.zeros((len(sites), n_planes), dtype=kernels.PLANE_DTYPE)
    place = observer([s.latitude for s in sites], [s.longitude for s in sites],
                     [s.elevation_m for s in sites])
    for name, values in {**dataclasses.asdict(place), **_plant_columns(sites)}.items():
        site_rec[name] = values
    site_rec["month_row"] = [zones.index(str(s.timezone)) for s in sites]
    soiling = 1.0 - np.array([s.losses.soiling_monthly_pct() for s in sites]) / 100.0
    table_keys: dict[tuple[float, float, float], int] = {}
    for k, site in enumerate(sites):
        mount = site.plant.mounting
        if isinstance(mount, SingleAxisMount):
            _tracker_fields(site_rec[k], plane_rec[k, 0], mount, site.plant.iam_a_r)
            # every tracker row masks the next: view factors by tilt
            key = (mount.gcr, mount.height_m, mount.collector_width_m / mount.gcr)
            site_rec[k]["table"] = table_keys.setdefault(key, len(table_keys))
        else:
            _fixed_fields(site_rec[k], plane_rec[k], mount, site)
    tables = np.zeros((max(len(table_keys), 1), kernels.TABLE_SIZE, kernels.TABLE_COLUMNS))
    for key, row in table_keys.items():
        tables[row] = rear_view_factor_table(*key)
    return site_rec, plane_rec, soiling, tables


def _equipment_records(sites: list[Site], site_rec: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Single-diode module and Sandia inverter records of the sites' real equipment
    (:mod:`pvyield.site.equipment`), and their flags and counts in ``site_rec``.

    Sites without a real module or inverter keep the flag 0 and a zero record the kernel
    does not read: their numbers are those of the PVWatts models.
    """
    modules = np.zeros(len(sites), dtype=kernels_equipment.MODULE_DTYPE)
    inverters = np.zeros(len(sites), dtype=kernels_equipment.INVERTER_DTYPE)
    for k, site in enumerate(sites):
        equipment = site.plant.equipment
        if equipment is None:
            continue
        if equipment.module is not None:
            build = (kernels_equipment.pvsyst_module_record
                     if equipment.module.dc_model == "pvsyst"
                     else kernels_equipment.cec_module_record)
            modules[k] = build(equipment.module.sdm)
            site_rec[k]["module"] = 1
            site_rec[k]["n_modules"] = equipment.modules
            # the chain's Equipment.dc_voltage: string Vmp only with a string length
            site_rec[k]["modules_per_string"] = equipment.modules_per_string or 0.0
        if equipment.inverter is not None:
            inverters[k] = kernels_equipment.sandia_inverter_record(
                equipment.inverter.sandia, n_inverters=equipment.inverters)
            site_rec[k]["inverter"] = 1
            site_rec[k]["n_inverters"] = equipment.inverters
    return modules, inverters


def _plane_count(site: Site) -> int:
    mount = site.plant.mounting
    return len(mount.orientations) if isinstance(mount, FixedMount) else 1


def _plant_columns(sites: list[Site]) -> dict[str, np.ndarray]:
    """Plant and loss constants of the kernel, one array per record field."""
    def column(get) -> np.ndarray:
        return np.array([get(s) for s in sites], dtype=float)

    eta_nom = column(lambda s: s.losses.inverter_efficiency_pct) / 100.0
    inv_pdc0 = column(lambda s: s.plant.ac_capacity_mwac) * 1e6 / eta_nom
    a_r = column(lambda s: s.plant.iam_a_r)
    ac_factor = 1 - column(lambda s: s.losses.ac_losses_pct) / 100
    dc_factor = np.array([np.prod([dc_mismatch_factor(s),
                                   1 - s.losses.dc_wiring_pct / 100,
                                   1 - s.losses.lid_pct / 100]) for s in sites])
    return {
        "rear_shading": column(lambda s: s.plant.rear_losses_pct[0]) / 100.0,
        "spectral": np.array([s.plant.module_technology in SPECTRAL_MODULE_TYPES
                              for s in sites], dtype=np.int64),
        "pressure_ratio": pvlib.atmosphere.alt2pres(column(lambda s: s.elevation_m)) / 101325.0,
        "albedo": column(lambda s: s.plant.albedo),
        "a_r": a_r,
        "iam_norm": 1.0 - np.exp(-1.0 / a_r),
        "bifaciality": column(lambda s: s.plant.bifaciality),
        "heat_factor": CELL_ABSORPTANCE * (
            1.0 - column(lambda s: s.plant.module_efficiency_pct) / 100.0),
        "u_c": column(lambda s: s.plant.thermal.u_c),
        "u_v": column(lambda s: s.plant.thermal.u_v),
        "pdc0_w": column(lambda s: s.plant.dc_capacity_mwp) * 1e6,
        "gamma_pdc": column(lambda s: s.plant.gamma_pdc_pct_per_c) / 100.0,
        "dc_factor": dc_factor,
        "inv_pdc0_w": inv_pdc0,
        "inv_pac0_w": eta_nom * inv_pdc0,  # as pvlib.inverter.pvwatts forms pac0
        "eta_scale": eta_nom / INVERTER_ETA_REF,
        "ac_factor": ac_factor,
        "availability": column(lambda s: s.losses.availability_pct) / 100,
        "export_w": np.array([export_limit_w(s.plant, f) for s, f in zip(sites, ac_factor,
                                                                          strict=True)]),
    }


def _tracker_fields(rec, plane, mount: SingleAxisMount, a_r: float) -> None:
    rec["tracker"] = 1
    rec["n_planes"] = 1
    rec["share_total"] = 1.0
    rec["backtrack"] = int(mount.backtrack)
    rec["gcr"] = mount.gcr
    rec["cos_max"], rec["sin_max"] = _cos_sin(mount.max_angle_deg)
    rec["cos_axis_az"], rec["sin_axis_az"] = _cos_sin(mount.axis_azimuth_deg)
    rec["cos_axis_tilt"], rec["sin_axis_tilt"] = _cos_sin(mount.axis_tilt_deg)
    # azimuth of a flat table: the chain's night stow, and pvlib's convention at tilt 0
    rec["stow_cos"], rec["stow_sin"] = _cos_sin((mount.axis_azimuth_deg + 90.0) % 360)
    rec["flat_cos"], rec["flat_sin"] = _cos_sin(mount.axis_azimuth_deg - 90.0)
    plane["share"] = 1.0
    plane["shade"] = 1
    plane["gcr"] = mount.gcr
    plane["iam_sky"], plane["iam_ground"] = _diffuse_iam(0.0, a_r)
    plane["iam_back_sky"], plane["iam_back_ground"] = _diffuse_iam(180.0, a_r)
    max_tilt = math.degrees(math.acos(math.cos(math.radians(mount.max_angle_deg))
                                      * math.cos(math.radians(mount.axis_tilt_deg))))
    if mount.height_m <= 0.5 * mount.collector_width_m * math.sin(math.radians(max_tilt)):
        logger.warning("tracker tables %.2f m wide on a %.2f m axis reach the ground at "
                       "%.0f degrees tilt; the rear view factors are not meaningful there",
                       mount.collector_width_m, mount.height_m, max_tilt)


def _fixed_fields(rec, planes, mount: FixedMount, site: Site) -> None:
    rec["n_planes"] = len(mount.orientations)
    rec["share_total"] = sum(o.share for o in mount.orientations)
    for plane, o in zip(planes, mount.orientations, strict=False):
        plane["share"] = o.share
        plane["tilt"] = o.tilt_deg
        plane["cos_tilt"], plane["sin_tilt"] = _cos_sin(o.tilt_deg)
        plane["az_cos"], plane["az_sin"] = _cos_sin(o.azimuth_deg)
        plane["iam_sky"], plane["iam_ground"] = _diffuse_iam(o.tilt_deg, site.plant.iam_a_r)
        plane["iam_back_sky"], plane["iam_back_ground"] = _diffuse_iam(
            180.0 - o.tilt_deg, site.plant.iam_a_r)
        if mount.gcr is None:
            continue
        plane["shade"] = 1
        plane["gcr"] = mount.gcr
        plane["shade_axis_cos"], plane["shade_axis_sin"] = _cos_sin(
            (o.azimuth_deg - 90.0) % 360)
        (plane["vf_ground_sky"], plane["vf_row_ground"],
         plane["vf_row_ground_front"]) = _fixed_view_factors(
            o.tilt_deg, mount.gcr, mount.height_m, mount.collector_width_m / mount.gcr)


def _cos_sin(angle_deg: float) -> tuple[float, float]:
    rad = math.radians(angle_deg)
    return math.cos(rad), math.sin(rad)


@functools.lru_cache(maxsize=4096)
def _diffuse_iam(surface_tilt: float, a_r: float) -> tuple[float, float]:
    """pvlib's Martin-Ruiz sky and ground IAM of a fixed tilt."""
    iam = pvlib.iam.martin_ruiz_diffuse(surface_tilt, a_r)
    return float(iam["sky"]), float(iam["ground"])


@functools.lru_cache(maxsize=4096)
def _fixed_view_factors(tilt: float, gcr: float, height_m: float,
                        pitch_m: float) -> tuple[float, float, float]:
    ground_sky, row_ground, row_ground_front = rear_view_factors(180.0 - tilt, gcr, height_m,
                                                                 pitch_m)
    return float(ground_sky), float(row_ground), float(row_ground_front)


def rear_view_factors(back_tilt, gcr: float, height_m: float, pitch_m: float) -> np.ndarray:
    """Integrated view factors of the infinite-sheds model at given back-side tilts.

    The ones pvlib's ``infinite_sheds.get_irradiance_poa`` computes for the back of a row
    (ground to sky, integrated between rows, and the row to the ground) and for its front
    (the row to the ground, at the front tilt ``180 - back_tilt``). The ground-to-sky view
    factor of the front, at the front tilt, is the back's: the rows are the same
    segments.

    Parameters
    ----------
    back_tilt : float or ndarray
        Tilt of the back side, 180 minus the surface tilt [degrees].
    gcr : float
        Ground coverage ratio [-].
    height_m, pitch_m : float
        Height of the row centre and row pitch [m].

    Returns
    -------
    ndarray of shape (3,) + shape of ``back_tilt``
        Ground-to-sky, back row-to-ground and front row-to-ground view factors [-].
    """
    max_rows = np.ceil(height_m / (pitch_m * np.tan(np.radians(5))))
    ground_sky = _pvlib_compat.vf_ground_sky_integ(back_tilt, gcr, height_m, pitch_m,
                                                   max_rows=max_rows)
    row_ground = _pvlib_compat.vf_row_ground_integ(back_tilt, gcr)
    row_ground_front = _pvlib_compat.vf_row_ground_integ(
        180.0 - np.asarray(back_tilt, dtype=float), gcr)
    return np.array([ground_sky, row_ground, row_ground_front], dtype=float)


@functools.lru_cache(maxsize=512)
def rear_view_factor_table(gcr: float, height_m: float, pitch_m: float) -> np.ndarray:
    """:func:`rear_view_factors` of a tracker on the kernel's grid of back-side tilts.

    Returns
    -------
    ndarray of shape (TABLE_SIZE, TABLE_COLUMNS)
    """
    back = kernels.TABLE_START_DEG + kernels.TABLE_STEP_DEG * np.arange(kernels.TABLE_SIZE)
    table = rear_view_factors(back, gcr, height_m, pitch_m).T.copy()
    table.flags.writeable = False
    return table


def _dataset(sites, sums, dt_h, years) -> xr.Dataset:
    """Stage energies (per year) and losses from the kernel's sums, as the chain forms them."""
    idx = {name: i for i, name in enumerate(kernels.SUMS)}
    pdc0_w = np.array([s.plant.dc_capacity_mwp * 1e6 for s in sites])
    losses = [s.losses for s in sites]
    stc_kwh = dt_h / 1000.0 * pdc0_w / 1e3
    to_kwh = dt_h / 1e3
    energy = {"ghi": sums[:, idx["ghi"]] * stc_kwh}
    for stage in ("transposition", "shading", "row_masking", "iam", "spectral", "soiling",
                  "bifacial", "rear_losses"):
        key = "poa" if stage == "transposition" else stage
        energy[stage] = sums[:, idx[key]] * stc_kwh
    # the PVWatts module has no irradiance-level loss, a real module the single-diode
    # model's at 25 °C; only a real inverter has a night tare
    has_module = np.array([s.plant.equipment is not None
                           and s.plant.equipment.module is not None for s in sites])
    energy["low_irradiance"] = np.where(has_module, sums[:, idx["low_irradiance"]] * to_kwh,
                                        energy["rear_losses"])
    energy["temperature"] = sums[:, idx["dc"]] * to_kwh
    running = sums[:, idx["dc"]]
    factors = {"mismatch": np.array([dc_mismatch_factor(s) for s in sites]),
               "dc_wiring": np.array([1 - x.dc_wiring_pct / 100 for x in losses]),
               "lid": np.array([1 - x.lid_pct / 100 for x in losses])}
    for stage, factor in factors.items():
        running = running * factor
        energy[stage] = running * to_kwh
    energy["inverter"] = sums[:, idx["inverter"]] * to_kwh
    energy["clipping"] = sums[:, idx["clipping"]] * to_kwh
    energy["night_consumption"] = sums[:, idx["night"]] * to_kwh
    energy["ac_losses"] = energy["night_consumption"] * np.array([1 - x.ac_losses_pct / 100
                                                                  for x in losses])
    energy["availability"] = sums[:, idx["ac"]] * to_kwh
    stage_energy = np.stack([energy[name] for name in STAGE_NAMES], axis=1) / years[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = (1.0 - stage_energy[:, 1:] / stage_energy[:, :-1]) * 100.0
    loss_pct = np.concatenate([np.full((len(sites), 1), np.nan), loss], axis=1)
    ds = xr.Dataset(
        {
            "annual_energy": ("site", stage_energy[:, -1], {
                "units": "kWh/yr", "long_name": "AC energy at the grid per year"}),
            "stage_energy": (("site", "stage"), stage_energy, {
                "units": "kWh/yr", "long_name": "energy after each stage per year "
                "(ghi: GHI at STC efficiency)"}),
            "loss_pct": (("site", "stage"), loss_pct, {
                "units": "%", "long_name": "loss relative to the stage before "
                "(negative: a gain)"}),
            "years": ("site", years, {"units": "yr",
                                      "long_name": "length of the weather in 8760 h"}),
        },
        coords={
            "site": np.arange(len(sites)),
            "stage": list(STAGE_NAMES),
            "name": ("site", [s.name for s in sites]),
            "latitude": ("site", [s.latitude for s in sites], {"units": "degrees_north"}),
            "longitude": ("site", [s.longitude for s in sites], {"units": "degrees_east"}),
        },
        attrs={"model": "pvyield reference chain (pvyield.model.chain), batch engine"},
    )
    return ds


def _period_dataset(monthly: np.ndarray, yearly: list[tuple[int, np.ndarray]],
                    dt_h: np.ndarray, years: np.ndarray) -> xr.Dataset:
    """Monthly figures (local calendar months, averaged over the years of the series) and
    AC energy per local calendar year, from the kernel's sums per period."""
    idx = {name: i for i, name in enumerate(kernels.BINNED)}
    per_year = (dt_h / years)[:, None]
    hours = monthly[:, idx["count"]] * dt_h[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        temp_air = monthly[:, idx["temp_air"]] / monthly[:, idx["count"]]
    first = min((y0 for y0, sums in yearly if sums.shape[1]), default=0)
    last = max((y0 + sums.shape[1] for y0, sums in yearly if sums.shape[1]), default=first)
    year_energy = np.full((len(yearly), last - first), np.nan)
    year_hours = np.zeros((len(yearly), last - first))
    for k, (y0, sums) in enumerate(yearly):
        cols = slice(y0 - first, y0 - first + sums.shape[1])
        year_energy[k, cols] = sums[0] * dt_h[k] / 1e3
        year_hours[k, cols] = sums[1] * dt_h[k]
    year_energy[year_hours == 0] = np.nan
    return xr.Dataset(
        {
            "monthly_energy": (("site", "month"), monthly[:, idx["p_ac"]] / 1e3 * per_year, {
                "units": "kWh/yr", "long_name": "AC energy at the grid per local calendar "
                "month, averaged over the years of the weather"}),
            "monthly_ghi": (("site", "month"), monthly[:, idx["ghi"]] / 1e3 * per_year, {
                "units": "kWh/m^2/yr", "long_name": "global horizontal irradiation per local "
                "calendar month, averaged over the years of the weather"}),
            "monthly_poa": (("site", "month"), monthly[:, idx["poa_global"]] / 1e3 * per_year,
                            {"units": "kWh/m^2/yr", "long_name": "front plane-of-array "
                             "irradiation before shading per local calendar month, averaged "
                             "over the years of the weather"}),
            "monthly_temp_air": (("site", "month"), temp_air, {
                "units": "degC", "long_name": "mean air temperature per local calendar month "
                "(NaN: no stamp in the month)"}),
            "monthly_hours": (("site", "month"), hours, {
                "units": "h", "long_name": "hours of weather per local calendar month"}),
            "year_energy": (("site", "year"), year_energy, {
                "units": "kWh", "long_name": "AC energy at the grid per local calendar year "
                "of the weather (NaN: no stamp in the year)"}),
            "year_hours": (("site", "year"), year_hours, {
                "units": "h", "long_name": "hours of weather per local calendar year"}),
        },
        coords={"month": ("month", np.arange(1, 13), {"long_name": "local calendar month"}),
                "year": ("year", np.arange(first, last), {"long_name": "local calendar year"})},
    )


_SERIES_UNITS = {"ghi": "W/m^2", "poa_global": "W/m^2", "effective_irradiance": "W/m^2",
                 "temp_cell": "degC", "p_dc": "W", "p_ac": "W"}


def _series_dataset(index: pd.DatetimeIndex, series: np.ndarray) -> xr.Dataset:
    names = ("ghi", *kernels.SERIES)
    return xr.Dataset(
        {name: (("time", "site"), series[:, k].T, {"units": _SERIES_UNITS[name]})
         for k, name in enumerate(names)},
        coords={"time": ("time", index.tz_convert("UTC").tz_localize(None),
                         {"time_zone": "UTC", "label": "center"})},
    )


def run_chain_batch(site: Site, weather: pd.DataFrame) -> ChainOutput:
    """The engine for one site, in the form of :func:`pvyield.model.chain.run_chain`."""
    ds = run_sites([site], [weather], timeseries=True).isel(site=0)
    years = float(ds["years"])
    stage_energy = {name: float(ds["stage_energy"].sel(stage=name)) * years
                    for name in STAGE_NAMES}
    return ChainOutput(series_frame(ds, weather), stage_energy, years=years,
                       notes=chain_notes(site, weather), blocks=block_energies(ds))


def block_energies(ds: xr.Dataset) -> dict[str, dict[str, float]]:
    """Each block's energy after every stage over the series [kWh] of one site of
    :func:`run_sites` (``.isel(site=i)``); empty for a plant of one mounting."""
    if "block_name" not in ds:
        return {}
    years = float(ds["years"])
    return {str(name): {str(stage): float(v) * years for stage, v in
                        zip(ds["stage"].to_numpy(), row, strict=True)}
            for name, row in zip(ds["block_name"].to_numpy(),
                                 ds["block_stage_energy"].to_numpy(), strict=True) if name}


def series_frame(ds: xr.Dataset, weather: pd.DataFrame) -> pd.DataFrame:
    """The time series of one site of :func:`run_sites` (``timeseries=True``,
    ``.isel(site=i)``) as the reference chain's frame: same columns, same order, the
    weather's stamps."""
    timeseries = pd.DataFrame(
        {name: ds[name].to_numpy() for name in ("ghi", *kernels.SERIES)},
        index=weather.index,
    )
    timeseries.insert(timeseries.columns.get_loc("temp_cell"), "temp_air",
                      weather["temp_air"].to_numpy())
    return timeseries


def warm_up() -> None:
    """Run the engine once on one made-up site and day: compiles the kernels, or loads
    them from numba's cache on disk, before real work is timed or distributed."""
    from pvyield.site import site_from_mapping

    site = site_from_mapping({
        "name": "warm-up", "country": "BR", "latitude": -10.0, "longitude": -45.0,
        "elevation_m": 300.0, "timezone": "America/Sao_Paulo",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8,
                  "mounting": {"type": "single_axis", "gcr": 0.35}},
        "weather": {"source": "labren"}})
    index = pd.date_range("2019-06-01 00:30", periods=24, freq="h", tz="UTC")
    hour = np.arange(24.0)
    sun = np.clip(np.sin((hour - 9.0) / 12.0 * np.pi), 0.0, None)
    frame = pd.DataFrame({"ghi": 800.0 * sun, "dni": 600.0 * sun, "dhi": 200.0 * sun,
                          "temp_air": 25.0, "wind_speed": 1.0}, index=index)
    run_sites([site], [frame[list(REQUIRED_COLUMNS)]])
