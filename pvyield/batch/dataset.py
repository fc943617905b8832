"""Batch results as one xarray Dataset: dimensions ``site`` x ``scenario`` (x ``month``,
``stage``), units in attributes (CF conventions where they fit), written atomically.

Each parameter the design matrix varies is its own typed coordinate on ``scenario`` (float
for numbers, text for names), named after its dotted path (``plant.bifaciality`` ->
``plant_bifaciality``); the attribute ``scenario_parameters`` lists them. netCDF and Zarr
cannot store a pandas MultiIndex, so the file keeps these plain coordinates and
:func:`open_results` rebuilds the index::

    ds = open_results("results.nc")                  # scenario indexed by its parameters
    ds.sel(plant_bifaciality=0.7)                    # every run with bifaciality 0.7
    ds.unstack("scenario")                           # one dimension per parameter

(by hand: ``read_dataset(path).set_index(scenario=ds.attrs["scenario_parameters"].split())``).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from pvyield import __version__, units
from pvyield.batch.scenario import WEATHER_SOURCE, Design, Study
from pvyield.errors import PvyieldError
from pvyield.files import atomic_path
from pvyield.model.chain import STAGES

#: Variables per (site, scenario): units and long name, those of every output
#: (:mod:`pvyield.units`).
VARIABLES = {**units.FIGURES, **units.RATINGS}


TEXT_VARIABLES = ("status", "error", "warnings")


@dataclasses.dataclass(frozen=True)
class Block:
    """Results of some runs as arrays, one row per run: what a chunk sends back.

    ``numbers`` holds the :data:`VARIABLES` in their order, ``monthly`` the energy per
    month [GWh], ``loss`` the loss per stage of :data:`pvyield.model.STAGES` [%], ``text``
    the :data:`TEXT_VARIABLES`; NaN and ``""`` where a run has no value (failed runs).
    """

    numbers: np.ndarray
    monthly: np.ndarray
    loss: np.ndarray
    text: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.numbers)


def block_of_records(records: list[dict[str, Any]]) -> Block:
    """The :class:`Block` of run records (:mod:`pvyield.batch.runner`), in their order."""
    nan = float("nan")
    numbers = np.array([[r.get(name, nan) for name in VARIABLES] for r in records],
                       dtype=float).reshape(len(records), len(VARIABLES))
    return Block(numbers, _rows(records, "monthly_energy_gwh", 12),
                 _rows(records, "loss_pct", len(STAGES)),
                 {name: [str(r.get(name, "")) for r in records] for name in TEXT_VARIABLES})


def _rows(records: list[dict[str, Any]], name: str, length: int) -> np.ndarray:
    out = np.full((len(records), length), np.nan)
    for k, record in enumerate(records):
        row = record.get(name)
        if row is not None:
            out[k, :] = row
    return out


class ResultArrays:
    """The results of a study as they arrive: arrays of the output Dataset, ``site`` x
    ``scenario`` (x ``month``, ``stage``), filled block by block; runs not filled stay NaN
    and ``""``."""

    def __init__(self, study: Study) -> None:
        self.study = study
        shape = (len(study.sites), len(study.designs))
        self.numbers = np.full((*shape, len(VARIABLES)), np.nan)
        self.monthly = np.full((*shape, 12), np.nan)
        self.loss = np.full((*shape, len(STAGES)), np.nan)
        self.text = {name: np.full(shape, "", dtype=object) for name in TEXT_VARIABLES}

    def put(self, block: Block, sites: np.ndarray, scenarios: np.ndarray) -> None:
        """Store a block whose run ``k`` is site ``sites[k]``, scenario ``scenarios[k]``."""
        self.numbers[sites, scenarios] = block.numbers
        self.monthly[sites, scenarios] = block.monthly
        self.loss[sites, scenarios] = block.loss
        for name, values in block.text.items():
            column = np.empty(len(values), dtype=object)
            column[:] = values
            self.text[name][sites, scenarios] = column

    def put_sites(self, block: Block, first_site: int) -> None:
        """Store the block of consecutive sites from ``first_site``, every scenario of
        each (the order of :func:`pvyield.batch.runner.run_specs`)."""
        designs = len(self.study.designs)
        count = len(block) // designs
        self.put(block, np.repeat(np.arange(first_site, first_site + count), designs),
                 np.tile(np.arange(designs), count))

    def dataset(self) -> xr.Dataset:
        """The results Dataset (see :func:`to_dataset`)."""
        return _assemble(self.study, self)


def to_dataset(study: Study, records: list[dict[str, Any]]) -> xr.Dataset:
    """Assemble run records into the results Dataset.

    Failed and invalid runs keep their place with NaN values, ``status`` and ``error``.
    """
    arrays = ResultArrays(study)
    sites = {s.label: i for i, s in enumerate(study.sites)}
    scenarios = {d.name: j for j, d in enumerate(study.designs)}
    arrays.put(block_of_records(records), np.array([sites[r["site"]] for r in records], int),
               np.array([scenarios[r["scenario"]] for r in records], int))
    return arrays.dataset()


def _assemble(study: Study, arrays: ResultArrays) -> xr.Dataset:
    sites = [s.label for s in study.sites]
    scenarios = [d.name for d in study.designs]
    data: dict[str, Any] = {}
    for k, (name, (unit, long_name)) in enumerate(VARIABLES.items()):
        data[name] = (("site", "scenario"), np.ascontiguousarray(arrays.numbers[:, :, k]),
                      {"units": unit, "long_name": long_name})
    data["monthly_energy_gwh"] = (("site", "scenario", "month"), arrays.monthly,
                                  dict(zip(("units", "long_name"), units.MONTHLY_ENERGY,
                                           strict=True)))
    data["loss_pct"] = (("site", "scenario", "stage"), arrays.loss,
                        dict(zip(("units", "long_name"), units.LOSS_PCT, strict=True)))
    for name, text in (("status", "ok, invalid (site or combination rejected) or failed"),
                       ("error", "why a run did not complete"),
                       ("warnings", "what the run's weather warned about")):
        # text variables carry no units (CF: units apply to numbers only)
        data[name] = (("site", "scenario"), arrays.text[name], {"long_name": text})
    coords: dict[str, Any] = {
        "site": ("site", sites, {"long_name": "site name"}),
        "scenario": ("scenario", scenarios, {"long_name": "scenario name (its parameter "
                                                          "labels)"}),
        "month": ("month", np.arange(1, 13), {"long_name": "calendar month, site local time",
                                              "units": "1"}),
        "stage": ("stage", list(STAGES), {"long_name": "model chain stage"}),
        "site_file": ("site", [s.path for s in study.sites], {"long_name": "site file"}),
        "design": ("scenario", [_design_name(d) for d in study.designs],
                   {"long_name": "design (scenario without the weather source)"}),
    }
    parameters = scenario_parameters(study.designs)
    for name, (values, attrs_) in parameters.items():
        coords[name] = ("scenario", values, attrs_)
    if WEATHER_SOURCE not in coords:
        coords[WEATHER_SOURCE] = ("scenario", [d.weather_source for d in study.designs],
                                  {"long_name": "weather source ('site': the site file's "
                                                "own weather)"})
    attrs = {
        "Conventions": "CF-1.10",
        "title": f"pvyield batch results: {study.name}",
        "source": f"pvyield {__version__}",
        "scenario_file": str(study.path),
        "history": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ} pvyield batch",
        # netCDF attributes hold no lists: names separated by spaces, as CF's "coordinates"
        "scenario_parameters": " ".join(parameters),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def scenario_parameters(designs: list[Design]) -> dict[str, tuple[list[Any], dict[str, str]]]:
    """One typed coordinate per parameter the design matrix varies, in matrix order.

    Returns
    -------
    dict
        Coordinate name (dotted path with ``_``) -> (one value per design, attributes).
        Numbers (every design sets a real number) become floats with the unit the field
        name ends with (``_pct`` -> "%", ``_deg`` -> "degree"), "1" for names without a
        unit suffix (the site file names every dimensioned field with its unit);
        anything else, and numbers the matrix named (``{low: 0.5, high: 0.9}``), keeps the
        design's text label.
    """
    keys = list(dict.fromkeys(k for d in designs for k in d.labels))
    out: dict[str, tuple[list[Any], dict[str, str]]] = {}
    for key in keys:
        name = key.replace(".", "_")
        if key == WEATHER_SOURCE:
            out[name] = ([d.weather_source for d in designs],
                         {"long_name": "weather source ('site': the site file's own weather)"})
            continue
        raw = [d.overrides.get(key) for d in designs]
        labels = [d.labels.get(key, "") for d in designs]
        long_name = f"site file {key}"
        # numbers labelled by themselves, and distinct as floats (1 and 1.0 would collide
        # in the index)
        if all(isinstance(v, int | float) and not isinstance(v, bool) and label == str(v)
               for v, label in zip(raw, labels, strict=True)) and (
                len({float(v) for v in raw}) == len(set(labels))):
            out[name] = ([float(v) for v in raw], {"long_name": long_name,
                                                  "units": _units_of(key)})
        else:
            out[name] = (labels, {"long_name": f"{long_name} (label)"})
    return out


#: Unit implied by the end of a site-file field name (the site file's naming convention).
_SUFFIX_UNITS = {"_pct_per_c": "%/degC", "_pct": "%", "_deg": "degree", "_m": "m",
                 "_w": "W", "_kw": "kW", "_mw": "MW", "_c": "degC"}


def _units_of(key: str) -> str:
    field = key.rsplit(".", 1)[-1]
    for suffix, unit in _SUFFIX_UNITS.items():
        if field.endswith(suffix):
            return unit
    return "1"


def open_results(path: str | Path) -> xr.Dataset:
    """Read batch results with ``scenario`` indexed by the varied parameters (a MultiIndex).

    ``ds.sel(plant_bifaciality=0.7)`` then selects by parameter and ``ds.unstack("scenario")``
    gives one dimension per parameter. The scenario names stay as the coordinate
    ``scenario_name``. Results without varied parameters are returned as read.
    """
    ds = read_dataset(path)
    names = [n for n in str(ds.attrs.get("scenario_parameters", "")).split() if n in ds.coords]
    if not names:
        return ds
    ds = ds.assign_coords(scenario_name=("scenario", ds["scenario"].to_numpy(),
                                         dict(ds["scenario"].attrs)))
    return ds.drop_vars("scenario").set_index(scenario=names)


def _design_name(design) -> str:
    parts = [f"{k.rsplit('.', 1)[-1]}={v}" for k, v in design.labels.items()
             if k != WEATHER_SOURCE]
    return ",".join(parts) or "as-built"


def write_dataset(ds: xr.Dataset, path: str | Path) -> None:
    """Write netCDF (``.nc``) or Zarr (``.zarr``) through a temporary name, then rename.

    A killed run leaves either the previous file or the new one, never a truncated file;
    the written file has the permissions the umask gives.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise PvyieldError(f"{path}: folder {path.parent} does not exist")
    if path.suffix == ".zarr":
        _write_zarr(ds, path)
        return
    with atomic_path(path) as tmp:
        _write_netcdf(ds, tmp)


def _write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` as netCDF4 (HDF5) to ``path``: the file ``ds.to_netcdf(path,
    engine="netcdf4")`` writes, with variable-length strings for the text variables.

    netCDF4 by name, the declared dependency: variable-length strings need it. Arrays in
    memory (the batch's results) go through xarray's netCDF4 store directly, under
    xarray's lock of the netCDF-C and HDF5 libraries: ``to_netcdf`` asks Dask which
    scheduler would write the arrays, which imports ``distributed`` when it is installed
    (about 0.2 s per process, for arrays that have no scheduler). Dask arrays, and a
    dataset read with unlimited dimensions, keep ``to_netcdf``.
    """
    encoding = {name: {"dtype": str} for name in TEXT_VARIABLES}
    if ds.encoding.get("unlimited_dims") or any(
            variable.chunks is not None for variable in ds.variables.values()):
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
        return
    try:
        from xarray.backends import NetCDF4DataStore
        from xarray.backends.netCDF4_ import NETCDF4_PYTHON_LOCK
    except ImportError:  # an xarray that moved its store's lock: its public writer, slower
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
        return
    store = NetCDF4DataStore.open(path, mode="w", format="NETCDF4", lock=NETCDF4_PYTHON_LOCK)
    try:
        ds.dump_to_store(store, encoding=encoding)
    finally:
        store.close()


def _write_zarr(ds: xr.Dataset, path: Path) -> None:
    try:
        import zarr  # noqa: F401  (optional dependency)
    except ImportError:
        raise PvyieldError(f"{path}: writing Zarr needs the zarr package "
                           "(pip install 'pvyield[zarr]')") from None
    with atomic_path(path, directory=True) as tmp:
        # format 2: string variables have no stable Zarr v3 encoding yet
        ds.to_zarr(tmp, mode="w", zarr_format=2, consolidated=True)


def read_dataset(path: str | Path) -> xr.Dataset:
    """Read batch results written by :func:`write_dataset` (netCDF or Zarr)."""
    path = Path(path)
    if not path.exists():
        raise PvyieldError(f"{path}: results file not found")
    if path.suffix == ".zarr":
        return xr.open_zarr(path).load()
    with xr.open_dataset(path) as ds:
        return ds.load()


def summary_frame(ds: xr.Dataset) -> pd.DataFrame:
    """One row per (site, scenario) with the scalar figures, status and scenario labels."""
    names = [*VARIABLES, *TEXT_VARIABLES]
    frame = ds[names].to_dataframe().reset_index()
    labels = [c for c in ds.coords if ds[c].dims == ("scenario",) and c != "scenario"]
    extra = ds[labels].to_dataframe().reset_index() if labels else None
    if extra is not None:
        frame = frame.merge(extra, on="scenario", how="left", suffixes=("", "_coord"))
    return frame[["site", "scenario", *labels, *names]]


#: A cell a spreadsheet would run as a formula: = + - @ first, or a tab or carriage return.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (CSV injection).

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP,
    "CSV Injection"); plain numbers written as text (``-0.35``) are left as they are.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_neutralise)
    return out


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(
            value):
        return "'" + value
    return value
