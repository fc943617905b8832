"""ERA5 single-level reanalysis in netCDF, read through xarray at one point.

ERA5 radiation (``ssrd``, ``fdir``) is accumulated over the hour that *ends* at the stamp
[J/m^2]; dividing by 3,600 s gives the hour's mean irradiance [W/m^2], stamped here at the
hour's centre (30 minutes earlier). Instantaneous fields (``t2m`` [K], ``u10``, ``v10``
[m/s], ``sp`` [Pa]) are averaged over the two stamps that bound each hour, so they belong to
the same centre. Times are UTC.

References
----------
.. [1] Hersbach, H. et al. (2020). The ERA5 global reanalysis. Q. J. R. Meteorol. Soc.
   146(730), 1999-2049. doi:10.1002/qj.3803
.. [2] ECMWF, ERA5 data documentation: accumulations and the mean rates, parameter
   tables (ssrd 169, fdir 228021).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import pvlib

from pvyield.errors import WeatherError
from pvyield.weather.frame import WeatherMeta, time_step_minutes, validate_frame

LICENCE = ("Contains modified Copernicus Climate Change Service information; "
           "Hersbach et al. (2020), doi:10.1002/qj.3803")
ZERO_CELSIUS_K = 273.15

if TYPE_CHECKING:
    import xarray as xr


def read_era5_netcdf(
    path: str | Path,
    latitude: float | None = None,
    longitude: float | None = None,
    method: Literal["nearest", "linear"] = "nearest",
) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read an ERA5 single-level netCDF file at one point.

    Parameters
    ----------
    path : str or Path
        netCDF file with ``ssrd`` and ``t2m``, ``u10``, ``v10`` (``fdir``, ``sp`` used when
        present) on a latitude/longitude grid; time coordinate ``time`` or ``valid_time``.
    latitude, longitude : float, optional
        Point [degrees]; default the centre of the grid.
    method : {'nearest', 'linear'}
        Nearest grid point, or bilinear interpolation between the four around the point.

    Returns
    -------
    frame, meta
        Hourly frame under the weather contract (UTC, interval centres). When ``fdir`` is
        missing, DNI and DHI come from the Erbs decomposition, recorded as a correction.
    """
    import xarray as xr  # only this reader needs it; kept out of `import pvyield`

    where = str(path)
    try:
        ds = xr.open_dataset(path)
    except (OSError, ValueError) as exc:
        raise WeatherError(f"{where}: cannot open as netCDF ({exc})") from None
    with ds:
        ds = _standard_names(ds, where)
        lat = float(ds.latitude.mean()) if latitude is None else latitude
        lon = float(ds.longitude.mean()) if longitude is None else longitude
        point = _at_point(ds, lat, lon, method, where)
        frame, corrections = _convert(point, lat, lon, where)
    meta = WeatherMeta(
        format="era5_netcdf",
        source=f"ERA5 single levels, {method} point of the 0.25 deg grid ({Path(path).name})",
        latitude=lat,
        longitude=lon,
        # surface geopotential z [m^2/s^2] / g; without it the elevation is unknown
        elevation_m=float(point["z"].mean()) / 9.80665 if "z" in point else float("nan"),
        time_step_minutes=time_step_minutes(frame.index),
        licence=LICENCE,
        years=tuple(sorted(set(frame.index.year))),
        source_label="end (accumulations), instant (state variables)",
        corrections=corrections,
    )
    return frame, meta


def _standard_names(ds: xr.Dataset, where: str) -> xr.Dataset:
    renames = {old: new for old, new in (("valid_time", "time"), ("lat", "latitude"),
                                         ("lon", "longitude")) if old in ds.variables}
    ds = ds.rename(renames)
    missing = [v for v in ("ssrd", "t2m", "u10", "v10") if v not in ds]
    if missing or "time" not in ds.coords:
        raise WeatherError(f"{where}: not an ERA5 single-level file: missing variable(s) "
                           f"{missing or ['time']}")
    return ds


def _at_point(ds: xr.Dataset, lat: float, lon: float, method: str, where: str) -> xr.Dataset:
    lat_range = (float(ds.latitude.min()), float(ds.latitude.max()))
    lon_range = (float(ds.longitude.min()), float(ds.longitude.max()))
    if method == "linear":
        inside = lat_range[0] <= lat <= lat_range[1] and lon_range[0] <= lon <= lon_range[1]
        if not inside:
            raise WeatherError(f"{where}: point {lat}, {lon} is outside the grid "
                               f"{lat_range} x {lon_range} for bilinear interpolation")
        return ds.interp(latitude=lat, longitude=lon, method="linear")
    if method != "nearest":
        raise WeatherError(f"{where}: unknown point method {method!r} (nearest, linear)")
    return ds.sel(latitude=lat, longitude=lon, method="nearest")


def _convert(point: xr.Dataset, lat: float, lon: float, where: str):
    stamps = pd.DatetimeIndex(point["time"].values).tz_localize("UTC")
    step = stamps[1:] - stamps[:-1]
    if len(stamps) < 2 or (step != pd.Timedelta(hours=1)).any():
        raise WeatherError(f"{where}: ERA5 stamps must be hourly and consecutive")
    centres = stamps[1:] - pd.Timedelta(minutes=30)
    ghi = point["ssrd"].values[1:] / 3600.0  # J/m^2 over the hour ending at the stamp

    def mid(name: str) -> np.ndarray:
        values = point[name].values
        return 0.5 * (values[1:] + values[:-1])

    wind = 0.5 * (np.hypot(point["u10"].values[1:], point["v10"].values[1:])
                  + np.hypot(point["u10"].values[:-1], point["v10"].values[:-1]))
    frame = pd.DataFrame({"ghi": np.clip(ghi, 0.0, None),
                          "temp_air": mid("t2m") - ZERO_CELSIUS_K,
                          "wind_speed": wind}, index=centres)
    if "sp" in point:
        frame["pressure"] = mid("sp")
    solpos = pvlib.solarposition.get_solarposition(centres, lat, lon)
    corrections: tuple[str, ...] = ()
    if "fdir" in point:
        beam_h = np.clip(point["fdir"].values[1:] / 3600.0, 0.0, frame["ghi"].to_numpy())
        frame["dhi"] = frame["ghi"] - beam_h
        parts = pvlib.irradiance.complete_irradiance(
            solpos["zenith"], ghi=frame["ghi"], dhi=frame["dhi"])
        frame["dni"] = parts["dni"].fillna(0.0).clip(lower=0.0)
    else:
        parts = pvlib.irradiance.erbs(frame["ghi"], solpos["zenith"], centres)
        frame["dni"], frame["dhi"] = parts["dni"].fillna(0.0), parts["dhi"].fillna(0.0)
        corrections = ("dni, dhi from GHI with Erbs et al. (1982): the file has no fdir",)
    return validate_frame(frame, where), corrections
