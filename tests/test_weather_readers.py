"""Every reader: format detected from content, a known row, totals against a hand sum."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

import pvyield
from pvyield.weather import gate
from pvyield.weather.generic import CsvMapping, read_generic_csv
from pvyield.weather.qc import qc_report
from pvyield.weather.readers import detect_format, read_weather_file

ROOT = Path(__file__).resolve().parent.parent
WEATHER = ROOT / "weather"
SAMPLES = ROOT / "tests" / "data" / "weather"
RECORDED = ROOT / "tests" / "data" / "recorded"
PVGIS_TMY = "tmy_45.000_8.000_2005_2023"
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
    lines = (RECORDED / "tmy_45.000_8.000_2005_2023.csv").read_text().splitlines()
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


# --- real recorded responses (tests/data/recorded/README.md) --------------------------------

@pytest.fixture(scope="module")
def pvgis_tmy():
    return {kind: read_weather_file(RECORDED / f"{PVGIS_TMY}.{kind}")
            for kind in ("csv", "json", "epw")}


@pytest.mark.parametrize("kind", ["json", "epw"])
def test_pvgis_tmy_formats_of_one_response_give_the_same_frame(kind, pvgis_tmy):
    """CSV, JSON and EPW of one PVGIS response: identical stamps (hh:10:34 UTC, the stated
    irradiance time offset 0.1761 h) and values within the rounding of each format (EPW:
    two decimals, wind speed one decimal)."""
    want, _ = pvgis_tmy["csv"]
    got, meta = pvgis_tmy[kind]
    assert got.index.equals(want.index)
    # 00:00 + 0.1761 h, kept to the minute when the typical year is given one calendar year
    assert str(want.index[0]) == "2019-01-01 00:10:00+00:00"
    tolerance = {"ghi": 0.006, "dni": 0.006, "dhi": 0.006, "temp_air": 0.006,
                 "wind_speed": 0.051, "relative_humidity": 0.006, "pressure": 0.5}
    for column, atol in tolerance.items():
        np.testing.assert_allclose(got[column], want[column], atol=atol, err_msg=column)
    assert meta.typical_year and meta.latitude == 45.0 and meta.longitude == 8.0


@pytest.mark.parametrize("kind", ["csv", "json", "epw"])
def test_pvgis_tmy_passes_the_gate_at_clear_sky_noon(kind, pvgis_tmy):
    """Each format reads within 10 min of clear-sky noon with no finding the gate refuses
    (the EPW read 40 min early with 58 hours above the extraterrestrial irradiance when its
    header's time zone was taken for the UTC rows)."""
    frame, meta = pvgis_tmy[kind]
    report = qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m)
    assert abs(report.time_shift_minutes) < 10
    _, verdict = gate.check(frame, meta, [], kind)
    assert not verdict.refused, verdict.refused


def test_pvgis_tmy_annual_ghi_matches_hand_sum(pvgis_tmy):
    frame, meta = pvgis_tmy["csv"]
    hand = _hand_sum_csv(RECORDED / f"{PVGIS_TMY}.csv", "G(h)", skip=17) / 1000.0
    np.testing.assert_allclose(frame["ghi"].sum() / 1000.0, hand, rtol=1e-9)
    assert meta.years == (2006, 2007, 2008, 2009, 2010, 2011, 2013, 2016, 2018, 2020)


@pytest.mark.parametrize(("name", "year"), [("test_read_psm3.csv", 2017),
                                            ("test_read_psm4.csv", 2023)])
def test_nsrdb_raw_downloads(name, year):
    """NSRDB PSM3 and PSM4 raw downloads (30 min, local standard time UTC-7): one real year,
    GHI sum equal to the hand sum, at clear-sky noon, passing the gate."""
    path = RECORDED / name
    assert detect_format(path) == "nsrdb_csv"
    frame, meta = read_weather_file(path)
    assert len(frame) == 17520 and meta.time_step_minutes == 30 and not meta.typical_year
    assert meta.years == (year,) and meta.annual_ghi_kwh_m2_by_year == ()
    hand = _hand_sum_csv(path, "GHI", skip=2) * 0.5 / 1000.0
    np.testing.assert_allclose(frame["ghi"].sum() * 0.5 / 1000.0, hand, rtol=1e-9)
    report = qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m)
    assert abs(report.time_shift_minutes) < 10
    assert not gate.check(frame, meta, [], name)[1].refused


def test_pvgis_hourly_tilted_response_is_refused_naming_the_slope():
    """The recorded seriescalc CSV is a 30 deg plane (stamps hh:10): not horizontal weather."""
    path = RECORDED / "pvgis_hourly_Timeseries_45.000_8.000_SA_30deg_0deg_2016_2016.csv"
    assert detect_format(path) == "pvgis_hourly"
    data, _ = pvlib.iotools.read_pvgis_hourly(path)
    assert str(data.index[0]) == "2016-01-01 00:10:00+00:00"
    with pytest.raises(pvyield.WeatherError, match=r"SA_30deg.*found slope 30\.0"):
        read_weather_file(path)


@pytest.mark.parametrize("name", ["test_read_pvgis_horizon.csv", "cams_radiation_monthly.csv",
                                  "cams_radiation_1min_verbose.csv"])
def test_files_that_are_not_weather_are_one_line_errors(name):
    """A PVGIS horizon profile and CAMS irradiation (no temperature or wind) are not weather
    series: reading one gives a one-line error, not a crash."""
    with pytest.raises(pvyield.WeatherError) as info:
        read_weather_file(RECORDED / name)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_cams_and_horizon_parse_with_pvlib():
    """What the files hold, read with pvlib (the project models no horizon and takes no CAMS
    file as weather): 1-min CAMS GHI in Wh/m^2 per minute, a horizon every 7.5 deg."""
    data, meta = pvlib.iotools.read_cams(RECORDED / "cams_radiation_1min_verbose.csv",
                                         integrated=False, label="right")
    assert meta["time_step"] == "1min" and data["ghi"].max() > 0
    horizon = pd.read_csv(RECORDED / "test_read_pvgis_horizon.csv")
    assert list(horizon.columns) == ["horizon_azimuth", "horizon_elevation"]
    assert np.allclose(np.diff(horizon["horizon_azimuth"]), 7.5)


def _two_year_psm4(tmp_path: Path, factor: float) -> Path:
    """The real PSM4 2023 download preceded by a 2022 copy with irradiance x ``factor``:
    a continuous two-year series (neither year is leap)."""
    path = RECORDED / "test_read_psm4.csv"
    header = path.read_text().splitlines()[:2]
    data = pd.read_csv(path, skiprows=2)
    first = data.copy()
    first["Year"] = 2022
    for column in ("GHI", "DNI", "DHI"):
        first[column] = first[column] * factor
    out = tmp_path / "psm4_2022_2023.csv"
    out.write_text("\n".join(header) + "\n" + pd.concat([first, data]).to_csv(index=False))
    return out


def test_multi_year_series_stays_multi_year_with_per_year_ghi(tmp_path):
    frame, meta = read_weather_file(_two_year_psm4(tmp_path, 0.9))
    assert len(frame) == 2 * 17520 and not meta.typical_year and meta.years == (2022, 2023)
    hand_2023 = _hand_sum_csv(RECORDED / "test_read_psm4.csv", "GHI", skip=2) * 0.5 / 1000.0
    by_year = dict(meta.annual_ghi_kwh_m2_by_year)
    np.testing.assert_allclose(by_year[2023], hand_2023, rtol=1e-9)
    np.testing.assert_allclose(by_year[2022], 0.9 * hand_2023, rtol=1e-9)
    assert meta.to_dict()["annual_ghi_kwh_m2_by_year"] == {"2022": by_year[2022],
                                                           "2023": by_year[2023]}


def test_multi_year_energy_is_the_mean_of_its_years(tmp_path):
    """The model runs over both years and reports their mean: the two-year estimate's
    energy per year equals the mean of the two one-year estimates (both 8,760 h years, so
    the chain's years = hours / 8,760 is exactly 2)."""
    two = _two_year_psm4(tmp_path, 0.9)
    frame, meta = read_weather_file(two)
    site = _nsrdb_site(two)
    both = pvyield.estimate(site, (frame, meta))
    singles = [pvyield.estimate(site, (frame[frame.index.year == y], meta))
               for y in (2022, 2023)]
    mean = (singles[0].annual_energy_gwh + singles[1].annual_energy_gwh) / 2
    np.testing.assert_allclose(both.annual_energy_gwh, mean, rtol=2e-3)
    batch = pvyield.estimate(site, (frame, meta), engine="batch")  # the numba chain too
    np.testing.assert_allclose(batch.annual_energy_gwh, both.annual_energy_gwh, rtol=1e-6)
    assert singles[0].annual_energy_gwh < singles[1].annual_energy_gwh  # the dimmer year gives less
    # the inter-annual variability is measured on the two simulated years, not the default:
    # std (ddof 1) of the two years' energy over their mean, by hand from the single-year runs
    # (local calendar years, 7 h off the UTC years of the file: 5 % tolerance)
    energies = np.array([r.annual_energy_gwh for r in singles])
    hand_pct = energies.std(ddof=1) / energies.mean() * 100.0
    item = both.uncertainty.interannual
    assert "simulated years" in item.source
    np.testing.assert_allclose(item.sigma_pct, hand_pct, rtol=0.05)


def _nsrdb_site(weather: Path):
    from pvyield.site import site_from_mapping

    return site_from_mapping({
        "name": "psm4 point", "country": "US", "latitude": 40.53, "longitude": -108.54,
        "elevation_m": 2168, "timezone": "Etc/GMT+7",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8,
                  "mounting": {"type": "fixed", "orientations": [
                      {"tilt_deg": 30, "azimuth_deg": 180}]}},
        "weather": {"file": str(weather)}})


def test_inspect_lists_the_ghi_of_each_year(tmp_path, capsys):
    from pvyield.cli import main

    path = _two_year_psm4(tmp_path, 0.9)
    assert main(["weather", "inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_year = report["annual_ghi_kwh_m2_by_year"]
    assert list(by_year) == ["2022", "2023"]
    np.testing.assert_allclose(by_year["2022"], 0.9 * by_year["2023"], rtol=1e-9)
    assert abs(report["qc"]["time_shift_minutes"]) < 10


# Precipitable water feeds the CdTe spectral model: kept in cm when the file has it whole.

def test_tmy3_keeps_precipitable_water_in_cm_as_pvlib_reads_it():
    path = WEATHER / "CA-Palmdale_Airport.tmy3"
    frame, _ = read_weather_file(path, "tmy3")
    data, _ = pvlib.iotools.read_tmy3(str(path), coerce_year=2019, map_variables=True)
    # TMY3 'Pwat' is in cm (NSRDB 1991-2005 user manual, NREL/TP-581-43156): same values,
    # same order (the reader only moves the stamps to interval centres)
    np.testing.assert_allclose(frame["precipitable_water"].to_numpy(),
                               data["precipitable_water"].to_numpy(), rtol=0, atol=1e-12)
    assert 0.1 < frame["precipitable_water"].mean() < 3.0  # a dry Mojave station


def test_epw_precipitable_water_from_mm_or_dropped_when_missing(tmp_path):
    # the recorded PVGIS EPW leaves 'Precipitable Water' (EPW data field 29, in mm,
    # EnergyPlus Auxiliary Programs manual) at its missing value 999 on every line
    source = RECORDED / "tmy_45.000_8.000_2005_2023.epw"
    assert "precipitable_water" not in read_weather_file(source, "epw")[0]
    lines = source.read_text().splitlines(keepends=True)

    def with_pw(values_mm):
        out = lines[:8]
        for line, value in zip(lines[8:], values_mm, strict=True):
            fields = line.split(",")
            fields[28] = f"{value:g}"
            out.append(",".join(fields))
        path = tmp_path / "pw.epw"
        path.write_text("".join(out))
        return read_weather_file(path, "epw")[0]

    mm = np.round(5.0 + 20.0 * np.arange(8760) / 8760.0, 2)
    frame = with_pw(mm)
    assert pvlib.iotools.read_epw(str(tmp_path / "pw.epw"))[0]["precipitable_water"].max() > 20
    np.testing.assert_allclose(np.sort(frame["precipitable_water"].to_numpy()),
                               np.sort(mm) / 10.0, atol=1e-12)   # mm -> cm
    mm[100] = 999.0  # one missing hour: the whole column goes, humidity takes over
    assert "precipitable_water" not in with_pw(mm)


def test_precipitable_water_in_mm_is_refused_by_the_gate():
    frame, meta = read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3", "tmy3")
    place = (meta.latitude, meta.longitude, meta.elevation_m)
    # in mm the wettest Palmdale hours read above 10 "cm"
    wrong = frame.assign(precipitable_water=frame["precipitable_water"] * 10.0)
    assert wrong["precipitable_water"].max() > 10.0
    refused = {f.code for f in gate.verdict(qc_report(wrong, *place), []).refused}
    assert "precipitable_water_range" in refused
    assert "precipitable_water_range" not in {f.code for f in qc_report(frame, *place).flags}
    humid = frame.assign(relative_humidity=frame["relative_humidity"] + 200.0)
    assert "humidity_range" in {f.code for f in qc_report(humid, *place).flags}


def test_tmy3_fill_code_in_precipitable_water_drops_the_column(tmp_path):
    # TMY3 codes a missing value -9900: the column goes (humidity takes over), the file is
    # not refused as an impossible precipitable water
    lines = (WEATHER / "CA-Palmdale_Airport.tmy3").read_text().splitlines(keepends=True)
    column = lines[1].split(",").index("Pwat (cm)")
    fields = lines[10].split(",")
    fields[column] = "-9900"
    lines[10] = ",".join(fields)
    path = tmp_path / "pw_fill.tmy3"
    path.write_text("".join(lines))
    frame, meta = read_weather_file(path, "tmy3")
    assert "precipitable_water" not in frame
    place = (meta.latitude, meta.longitude, meta.elevation_m)
    assert "precipitable_water_range" not in {f.code for f in qc_report(frame, *place).flags}
