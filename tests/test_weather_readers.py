"""Every reader: format detected from content, a known row, totals against a hand sum."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import pvyield
from pvyield.weather.generic import CsvMapping, read_generic_csv
from pvyield.weather.readers import detect_format, read_weather_file

ROOT = Path(__file__).resolve().parent.parent
WEATHER = ROOT / "weather"
SAMPLES = ROOT / "tests" / "data" / "weather"
# a known row: 2019-06-10 20:30 UTC is 12:30 local standard time in Palmdale
ROW = "2019-06-10 20:30+00:00"


@pytest.fixture(scope="module")
def palmdale():
    frame, _ = read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3")
    return frame.tz_convert("UTC")


def _hand_sum_csv(path, column, skip, stop_at_blank=True):
    total = 0.0
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[skip]
    k = header.index(column)
    for row in rows[skip + 1:]:
        if not row or not row[0].strip():
            if stop_at_blank:
                break
            continue
        total += float(row[k])
    return total


@pytest.mark.parametrize(("name", "fmt", "dni_tol"), [
    ("palmdale_pvgis_tmy.csv", "pvgis_tmy", 0.01),
    ("palmdale_pvgis_tmy.json", "pvgis_tmy", 0.01),
    ("palmdale_pvgis_hourly.csv", "pvgis_hourly", 3.0),  # DNI from beam / sin(H_sun)
    ("palmdale_pvgis_hourly.json", "pvgis_hourly", 3.0),
    ("palmdale_nasa_power.csv", "nasa_power", 0.01),
    ("palmdale_nasa_power.json", "nasa_power", 0.01),
    ("palmdale_era5.nc", "era5_netcdf", 3.0),  # DNI from fdir / cos(zenith)
    ("palmdale.epw", "epw", 0.5),
])
def test_sample_reads_the_palmdale_row(name, fmt, dni_tol, palmdale):
    path = SAMPLES / name
    assert detect_format(path) == fmt
    frame, meta = read_weather_file(path)
    assert meta.format == fmt and frame.index.tz is not None
    assert abs(meta.latitude - 34.63) < 0.2 and abs(meta.longitude + 118.08) < 0.2
    got, want = frame.tz_convert("UTC").loc[ROW], palmdale.loc[ROW]
    np.testing.assert_allclose(got["ghi"], want["ghi"], atol=0.5)
    np.testing.assert_allclose(got["dhi"], want["dhi"], atol=1.5)
    np.testing.assert_allclose(got["dni"], want["dni"], atol=dni_tol)
    # ERA5's instantaneous temperature is averaged over the hour's two bounding stamps
    np.testing.assert_allclose(got["temp_air"], want["temp_air"], atol=0.6)


def test_pvgis_tmy_csv_annual_ghi_matches_hand_sum():
    path = SAMPLES / "palmdale_pvgis_tmy.csv"
    frame, meta = read_weather_file(path)
    hand = _hand_sum_csv(path, "G(h)", skip=17) / 1000.0
    assert len(frame) == 8760 and meta.typical_year
    np.testing.assert_allclose(frame["ghi"].sum() / 1000.0, hand, rtol=0.01)
    assert frame.index[0].strftime("%m-%d %H:%M") == "01-01 00:30"


@pytest.mark.parametrize(("name", "label", "column", "skip"), [
    ("CA-Palmdale_Airport.tmy3", None, "GHI (W/m^2)", 1),
    ("CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv", "center", "GHI", 2),
    ("CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv", None, "GHI", 2),
])
def test_full_year_files_annual_ghi_matches_hand_sum(name, label, column, skip):
    frame, _ = read_weather_file(WEATHER / name, "auto", label)
    hand = _hand_sum_csv(WEATHER / name, column, skip) / 1000.0
    np.testing.assert_allclose(frame["ghi"].sum() / 1000.0, hand, rtol=0.01)
    assert len(frame) == 8760


def test_json_samples_total_matches_hand_sum():
    doc = json.loads((SAMPLES / "palmdale_nasa_power.json").read_text())
    hand = sum(doc["properties"]["parameter"]["ALLSKY_SFC_SW_DWN"].values())
    frame, _ = read_weather_file(SAMPLES / "palmdale_nasa_power.json")
    np.testing.assert_allclose(frame["ghi"].sum(), hand, rtol=0.01)


def test_generic_csv_converts_units(palmdale):
    mapping = CsvMapping(
        time_column="timestamp", timezone="Etc/GMT+8", label="end",
        columns={"ghi": "GHI_kW", "dni": "DNI_kW", "dhi": "DHI_kW", "temp_air": "T_F",
                 "wind_speed": "wind_kmh"},
        units={"ghi": "kW/m2", "dni": "kW/m2", "dhi": "kW/m2", "temp_air": "degF",
               "wind_speed": "km/h"},
        latitude=34.633, longitude=-118.083, elevation_m=769)
    frame, meta = read_generic_csv(SAMPLES / "palmdale_generic_kw.csv", mapping)
    got = frame.tz_convert("UTC").loc[ROW]
    for column in ("ghi", "dni", "temp_air", "wind_speed"):
        np.testing.assert_allclose(got[column], palmdale.loc[ROW, column], atol=0.1)
    assert meta.source_label == "end"


def test_era5_bilinear_point_interpolates_the_grid():
    nearest, _ = read_weather_file(SAMPLES / "palmdale_era5.nc")  # cell at 34.75 N
    from pvyield.weather.era5 import read_era5_netcdf

    # the sample's t2m falls 1 K per 0.25 deg northwards: half a cell south is +0.5 K
    point, meta = read_era5_netcdf(SAMPLES / "palmdale_era5.nc", 34.625, -118.0, "linear")
    np.testing.assert_allclose(point["temp_air"] - nearest["temp_air"], 0.5, atol=1e-6)
    assert meta.latitude == 34.625 and "C3S" not in meta.licence


def test_truncated_file_names_file_and_line(tmp_path):
    lines = (SAMPLES / "palmdale_pvgis_tmy.csv").read_text().splitlines()
    cut = tmp_path / "cut_pvgis_tmy.csv"
    cut.write_text("\n".join(lines[:500]) + "\n")
    with pytest.raises(pvyield.WeatherError, match=r"cut_pvgis_tmy\.csv: line 500:"):
        read_weather_file(cut)


def test_garbled_line_names_file_and_line(tmp_path):
    lines = (SAMPLES / "palmdale_nasa_power.csv").read_text().splitlines()
    lines[25] = "2019,6,10,9,12x.5,0,0,20,3,40,92"
    bad = tmp_path / "garbled_power.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(pvyield.WeatherError, match=r"garbled_power\.csv.*line 26"):
        read_weather_file(bad)


def test_unknown_content_is_refused(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(pvyield.WeatherError, match="line 1: unrecognised weather format"):
        read_weather_file(path)
