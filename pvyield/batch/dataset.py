"""Batch results as one xarray Dataset: dimensions ``site`` x ``scenario`` (x ``month``,
``stage``), units in attributes (CF conventions where they fit), written atomically."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from pvyield import __version__
from pvyield.batch.scenario import WEATHER_SOURCE, Study
from pvyield.errors import PvyieldError
from pvyield.files import atomic_path
from pvyield.model.chain import STAGES

#: Variables per (site, scenario): units (UDUNITS) and long name.
VARIABLES = {
    "annual_energy_gwh": ("GW h", "annual AC energy at the grid, first year"),
    "specific_yield_kwh_per_kwp": ("kW h kW-1", "annual energy per DC capacity"),
    "capacity_factor_ac": ("1", "annual energy over AC capacity x 8760 h"),
    "capacity_factor_dc": ("1", "annual energy over DC capacity x 8760 h"),
    "performance_ratio": ("1", "energy over front POA irradiation x DC capacity (IEC 61724)"),
    "households_served": ("1", "annual energy over electricity per household"),
    "dc_capacity_mwp": ("MW", "DC capacity at STC"),
    "ac_capacity_mwac": ("MW", "AC capacity"),
}


TEXT_VARIABLES = ("status", "error", "warnings")


def to_dataset(study: Study, records: list[dict[str, Any]]) -> xr.Dataset:
    """Assemble run records into the results Dataset.

    Failed and invalid runs keep their place with NaN values, ``status`` and ``error``.
    """
    sites = [s.label for s in study.sites]
    scenarios = [d.name for d in study.designs]
    shape = (len(sites), len(scenarios))
    index = {(r["site"], r["scenario"]): r for r in records}
    data: dict[str, Any] = {}
    for name, (units, long_name) in VARIABLES.items():
        values = np.full(shape, np.nan)
        for i, site in enumerate(sites):
            for j, scenario in enumerate(scenarios):
                values[i, j] = index[(site, scenario)].get(name, np.nan)
        data[name] = (("site", "scenario"), values, {"units": units, "long_name": long_name})
    data["monthly_energy_gwh"] = (("site", "scenario", "month"),
                                  _stack(index, sites, scenarios, "monthly_energy_gwh", 12),
                                  {"units": "GW h", "long_name": "AC energy per month"})
    data["loss_pct"] = (("site", "scenario", "stage"),
                        _stack(index, sites, scenarios, "loss_pct", len(STAGES)),
                        {"units": "%", "long_name": "loss of each stage relative to the stage "
                         "before (negative: gain)"})
    for name, text in (("status", "ok, invalid (site or combination rejected) or failed"),
                       ("error", "why a run did not complete"),
                       ("warnings", "what the run's weather warned about")):
        values = np.array([[str(index[(s, c)].get(name, "")) for c in scenarios]
                           for s in sites], dtype=object)
        data[name] = (("site", "scenario"), values, {"long_name": text})
    coords = {
        "site": ("site", sites),
        "scenario": ("scenario", scenarios),
        "month": ("month", np.arange(1, 13), {"long_name": "calendar month, site local time"}),
        "stage": ("stage", list(STAGES)),
        "site_file": ("site", [s.path for s in study.sites]),
        "design": ("scenario", [_design_name(d) for d in study.designs]),
        WEATHER_SOURCE: ("scenario", [d.weather_source for d in study.designs]),
    }
    for key in {k for d in study.designs for k in d.labels if k != WEATHER_SOURCE}:
        coords[key.replace(".", "_")] = ("scenario", [d.labels.get(key, "") for d in
                                                      study.designs])
    attrs = {
        "Conventions": "CF-1.10",
        "title": f"pvyield batch results: {study.name}",
        "source": f"pvyield {__version__}",
        "scenario_file": str(study.path),
        "history": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ} pvyield batch",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _design_name(design) -> str:
    parts = [f"{k.rsplit('.', 1)[-1]}={v}" for k, v in design.labels.items()
             if k != WEATHER_SOURCE]
    return ",".join(parts) or "as-built"


def _stack(index, sites, scenarios, name, length) -> np.ndarray:
    values = np.full((len(sites), len(scenarios), length), np.nan)
    for i, site in enumerate(sites):
        for j, scenario in enumerate(scenarios):
            row = index[(site, scenario)].get(name)
            if row is not None:
                values[i, j, :] = row
    return values


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
        # netCDF4 (HDF5) by name, the declared dependency: variable-length strings need it
        ds.to_netcdf(tmp, engine="netcdf4",
                     encoding={name: {"dtype": str} for name in TEXT_VARIABLES})


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
