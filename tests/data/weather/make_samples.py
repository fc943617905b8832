"""Write the small weather samples of this folder from the bundled Palmdale TMY3 file.

Each sample holds real Palmdale values (NREL TMY3, 34.633 N, 118.083 W, 769 m) laid out
in another provider's documented format, so that every reader is checked against the
same numbers. Run from the repository root: ``python tests/data/weather/make_samples.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import xarray as xr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
LAT, LON, ELEV = 34.633, -118.083, 769.0


def palmdale() -> pd.DataFrame:
    from pvyield.weather.readers import read_weather_file

    frame, _ = read_weather_file(ROOT / "weather" / "CA-Palmdale_Airport.tmy3")
    return frame.tz_convert("UTC")  # stamps at hh:30 UTC (centres of local hours, UTC-8)


def two_days(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc["2019-06-10":"2019-06-11"]


def _pvgis_hourly_rows(frame: pd.DataFrame):
    sun = pvlib.solarposition.get_solarposition(frame.index, LAT, LON, ELEV)
    height = (90 - sun["zenith"]).clip(lower=0)
    for (t, r), h in zip(frame.iterrows(), height, strict=True):
        beam_h = max(r.ghi - r.dhi, 0.0) if h > 0 else 0.0
        yield {"time": t.strftime("%Y%m%d:%H%M"), "Gb(i)": round(beam_h, 2),
               "Gd(i)": round(r.dhi, 2), "Gr(i)": 0.0, "H_sun": round(h, 2),
               "T2m": round(r.temp_air, 2), "WS10m": round(r.wind_speed, 2), "Int": 0}


def pvgis_hourly(frame: pd.DataFrame) -> None:
    rows = list(_pvgis_hourly_rows(frame))
    names = list(rows[0])
    lines = [f"Latitude (decimal degrees):\t{LAT}", f"Longitude (decimal degrees):\t{LON}",
             f"Elevation (m):\t{ELEV:.0f}", "Radiation database:\tPVGIS-NSRDB", "", "",
             "Slope: 0 deg. ", "Azimuth: 0 deg. ", ",".join(names)]
    lines += [",".join(str(row[n]) for n in names) for row in rows]
    lines += ["",
              "Gb(i): Beam (direct) irradiance on the inclined plane (plane of the array) (W/m2)",
              "Gd(i): Diffuse irradiance on the inclined plane (plane of the array) (W/m2)",
              "Gr(i): Reflected irradiance on the inclined plane (plane of the array) (W/m2)",
              "H_sun: Sun height (degree)", "T2m: 2-m air temperature (degree Celsius)",
              "WS10m: 10-m total wind speed (m/s)",
              "Int: 1 means solar radiation values are reconstructed", "",
              "PVGIS (c) European Union, 2001-2025"]
    (HERE / "palmdale_pvgis_hourly.csv").write_text("\r\n".join(lines) + "\r\n")
    doc = {"inputs": {"location": {"latitude": LAT, "longitude": LON, "elevation": ELEV},
                      "meteo_data": {"radiation_db": "PVGIS-NSRDB", "meteo_db": "ERA5",
                                     "year_min": 2019, "year_max": 2019},
                      "mounting_system": {"fixed": {"slope": {"value": 0, "optimal": False},
                                                    "azimuth": {"value": 0, "optimal": False},
                                                    "type": "free-standing"}}},
           "outputs": {"hourly": rows},
           "meta": {"inputs": {"location": {"description": "Selected location"}},
                    "outputs": {"hourly": {"type": "time series", "timestamp": "hourly"}}}}
    (HERE / "palmdale_pvgis_hourly.json").write_text(json.dumps(doc, indent=1))


POWER_NAMES = {"ghi": "ALLSKY_SFC_SW_DWN", "dni": "ALLSKY_SFC_SW_DNI",
               "dhi": "ALLSKY_SFC_SW_DIFF", "temp_air": "T2M", "wind_speed": "WS10M",
               "relative_humidity": "RH2M", "pressure": "PS"}


def nasa_power(frame: pd.DataFrame) -> None:
    start = frame.index - pd.Timedelta(minutes=30)  # POWER stamps the start of the hour
    values = frame.copy()
    values["pressure"] = values["pressure"] / 1000.0  # Pa -> kPa
    lines = ["-BEGIN HEADER-", "NASA/POWER CERES/MERRA2 Native Resolution Hourly Data ",
             "Dates (month/day/year): 06/10/2019 through 06/11/2019 in UTC ",
             f"Location: Latitude  {LAT}   Longitude {LON} ",
             "Elevation from MERRA-2: Average for 0.5 x 0.625 degree lat/lon region = "
             f"{ELEV:.2f} meters",
             "The value for missing source data that cannot be computed or is outside of the "
             "sources availability range: -999 ",
             "Parameter(s): ",
             "ALLSKY_SFC_SW_DWN     CERES SYN1deg All Sky Surface Shortwave Downward "
             "Irradiance (Wh/m^2) ",
             "ALLSKY_SFC_SW_DNI     CERES SYN1deg All Sky Surface Shortwave Downward Direct "
             "Normal Irradiance (Wh/m^2) ",
             "ALLSKY_SFC_SW_DIFF    CERES SYN1deg All Sky Surface Shortwave Diffuse "
             "Irradiance (Wh/m^2) ",
             "T2M                   MERRA-2 Temperature at 2 Meters (C) ",
             "WS10M                 MERRA-2 Wind Speed at 10 Meters (m/s) ",
             "RH2M                  MERRA-2 Relative Humidity at 2 Meters (%) ",
             "PS                    MERRA-2 Surface Pressure (kPa) ",
             "-END HEADER-", "YEAR,MO,DY,HR," + ",".join(POWER_NAMES.values())]
    for t, (_, r) in zip(start, values.iterrows(), strict=True):
        lines.append(f"{t.year},{t.month},{t.day},{t.hour}," + ",".join(
            f"{r[n]:.2f}" for n in POWER_NAMES))
    (HERE / "palmdale_nasa_power.csv").write_text("\n".join(lines) + "\n")
    parameter = {code: {t.strftime("%Y%m%d%H"): round(float(values.loc[c, n]), 2)
                        for t, c in zip(start, values.index, strict=True)}
                 for n, code in POWER_NAMES.items()}
    doc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [LON, LAT, ELEV]},
           "properties": {"parameter": parameter},
           "header": {"title": "NASA/POWER CERES/MERRA2 Native Resolution Hourly Data",
                      "api": {"version": "v2.5.0", "name": "POWER Hourly API"},
                      "sources": ["merra2", "syn1deg"], "fill_value": -999.0,
                      "time_standard": "UTC", "start": "20190610", "end": "20190611"},
           "messages": [],
           "parameters": {code: {"units": "Wh/m^2" if n in ("ghi", "dni", "dhi") else "",
                                 "longname": code} for n, code in POWER_NAMES.items()},
           "times": {"data": 0.5, "process": 0.1}}
    (HERE / "palmdale_nasa_power.json").write_text(json.dumps(doc, indent=1))


def era5(frame: pd.DataFrame) -> None:
    """Hourly accumulations ending at each stamp; state variables at the stamps."""
    ends = frame.index + pd.Timedelta(minutes=30)
    stamps = ends.insert(0, ends[0] - pd.Timedelta(hours=1))
    ghi = np.r_[0.0, frame["ghi"].to_numpy()] * 3600.0
    sun = pvlib.solarposition.get_solarposition(frame.index, LAT, LON)
    beam_h = np.r_[0.0, (frame["dni"] * np.cos(np.radians(sun["zenith"])).clip(lower=0))
                   .clip(upper=frame["ghi"]).to_numpy()] * 3600.0
    # state variables at the stamps: interpolated between the centres on either side
    temp = np.interp(stamps.asi8, frame.index.asi8, frame["temp_air"].to_numpy()) + 273.15
    wind = np.interp(stamps.asi8, frame.index.asi8, frame["wind_speed"].to_numpy())
    lats = np.array([35.0, 34.75, 34.5])  # ERA5 grids run north to south
    lons = np.array([-118.25, -118.0, -117.75])
    shape = (len(stamps), 3, 3)
    # temperature falls 1 K per 0.25 deg northwards, so a bilinear point can be checked
    gradient = (lats - 34.75)[None, :, None] / 0.25 * -1.0
    dims = ("valid_time", "latitude", "longitude")

    def grid(values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(values[:, None, None], shape).copy()

    ds = xr.Dataset(
        {"ssrd": (dims, grid(ghi), {"units": "J m**-2",
                                    "long_name": "Surface short-wave radiation downwards"}),
         "fdir": (dims, grid(beam_h), {"units": "J m**-2",
                                       "long_name": "Total sky direct solar radiation"}),
         "t2m": (dims, grid(temp) + gradient, {"units": "K", "long_name": "2 metre temperature"}),
         "u10": (dims, grid(0.6 * wind), {"units": "m s**-1"}),
         "v10": (dims, grid(0.8 * wind), {"units": "m s**-1"})},
        coords={"valid_time": stamps.tz_convert(None).to_numpy(), "latitude": lats,
                "longitude": lons})
    ds.to_netcdf(HERE / "palmdale_era5.nc", engine="h5netcdf")


def generic(frame: pd.DataFrame) -> None:
    local = frame.tz_convert("Etc/GMT+8")
    ends = local.index + pd.Timedelta(minutes=30)
    out = pd.DataFrame({"timestamp": ends.strftime("%Y-%m-%d %H:%M"),
                        "GHI_kW": (local["ghi"] / 1000).round(4).to_numpy(),
                        "DNI_kW": (local["dni"] / 1000).round(4).to_numpy(),
                        "DHI_kW": (local["dhi"] / 1000).round(4).to_numpy(),
                        "T_F": (local["temp_air"] * 9 / 5 + 32).round(2).to_numpy(),
                        "wind_kmh": (local["wind_speed"] * 3.6).round(2).to_numpy()})
    out.to_csv(HERE / "palmdale_generic_kw.csv", index=False)


def epw(frame: pd.DataFrame) -> None:
    local = frame.tz_convert("Etc/GMT+8")
    head = [f"LOCATION,Palmdale,CA,USA,TMY3,723820,{LAT},{LON},-8.0,{ELEV:.1f}",
            "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0",
            "GROUND TEMPERATURES,0", "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
            "COMMENTS 1,Palmdale TMY3 values laid out as EPW (pvyield test sample)",
            "COMMENTS 2,", "DATA PERIODS,1,1,Data,Sunday, 6/10,6/11"]
    rows = []
    for t, r in local.iterrows():
        end = t + pd.Timedelta(minutes=30)
        hour = end.hour if end.hour else 24
        day = end if end.hour else end - pd.Timedelta(days=1)
        flags = "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9"
        fields = [day.year, day.month, day.day, hour, 60, flags,
                  f"{r.temp_air:.1f}", "5.0", f"{r.relative_humidity:.0f}",
                  f"{r.pressure:.0f}", "0", "0", "300", f"{r.ghi:.0f}", f"{r.dni:.0f}",
                  f"{r.dhi:.0f}", "0", "0", "0", "0", "180", f"{r.wind_speed:.1f}", "0", "0",
                  "9999", "77777", "9", "999999999", "0", "0.1", "0", "88", "0.2", "0", "0"]
        rows.append(",".join(str(f) for f in fields))
    (HERE / "palmdale.epw").write_text("\r\n".join(head + rows) + "\r\n")


def main() -> None:
    frame = palmdale()
    short = two_days(frame)
    pvgis_hourly(short)
    nasa_power(short)
    era5(short)
    generic(short)
    epw(short)


if __name__ == "__main__":
    main()
