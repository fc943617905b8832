"""Online sources through pvlib's fetchers: recorded responses replayed by a mocked HTTP
transport (``requests.adapters.HTTPAdapter.send``), never a real request; the on-disk
cache; one-line errors offline, on refusal and without NSRDB credentials."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pvlib
import pytest
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPResponse

import pvyield
from pvyield.weather import online
from pvyield.weather.readers import read_weather_file

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "data" / "recorded"
SAMPLES = ROOT / "tests" / "data" / "weather"


class Transport:
    """Answers every HTTP request with a recorded body; remembers what was asked."""

    def __init__(self, bodies: list[bytes], status: int = 200) -> None:
        self.bodies, self.status, self.requests = list(bodies), status, []

    def send(self, request):
        self.requests.append(request)
        body = self.bodies[min(len(self.requests), len(self.bodies)) - 1]
        response = requests.Response()
        response.status_code, response._content = self.status, body
        response.url, response.request, response.reason = request.url, request, "OK"
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.encoding = "utf-8"
        response.raw = HTTPResponse(body=io.BytesIO(body), status=self.status,
                                    headers=dict(response.headers), preload_content=False,
                                    request_url=request.url)
        return response

    def query(self, i: int = 0) -> dict:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.requests[i].url).query).items()}


def _offline(adapter, request, **kwargs):
    raise requests.ConnectionError("network unreachable")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PVYIELD_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _replay(monkeypatch, bodies, status=200) -> Transport:
    transport = Transport(bodies, status)
    monkeypatch.setattr(HTTPAdapter, "send",
                        lambda adapter, request, **kwargs: transport.send(request))
    return transport


def test_pvgis_tmy_download_equals_the_file_then_runs_from_the_cache(cache, monkeypatch):
    """get_pvgis_tmy replays the recorded JSON: same frame as reading the file; the second
    call is served from the on-disk cache with the network gone."""
    body = (RECORDED / "tmy_45.000_8.000_2005_2023.json").read_bytes()
    transport = _replay(monkeypatch, [body])
    frame, meta = online.fetch("pvgis", 45.0, 8.0)
    assert len(transport.requests) == 1
    query = transport.query()
    assert urlsplit(transport.requests[0].url).path.endswith("/tmy")
    assert (float(query["lat"]), float(query["lon"]), query["outputformat"]) == (45, 8, "json")
    want, _ = read_weather_file(RECORDED / "tmy_45.000_8.000_2005_2023.json")
    pd.testing.assert_frame_equal(frame, want)
    assert meta.format == "pvgis_tmy" and meta.typical_year and "0.1761 h" in meta.source_label
    assert any(cache.rglob("*")), "nothing written to the cache"

    monkeypatch.setattr(HTTPAdapter, "send", _offline)
    again, _ = online.fetch("pvgis", 45.0, 8.0)
    pd.testing.assert_frame_equal(again, want)


def test_offline_without_cache_is_one_line(cache, monkeypatch):
    monkeypatch.setattr(HTTPAdapter, "send", _offline)
    with pytest.raises(pvyield.WeatherError) as info:
        online.fetch("pvgis", 45.0, 8.0)
    text = str(info.value)
    assert "\n" not in text and "re.jrc.ec.europa.eu" in text and "nothing is cached" in text


def test_service_refusal_is_one_line(cache, monkeypatch):
    _replay(monkeypatch, [b'{"message": "Location over the sea. Please, check your input."}'],
            status=400)
    with pytest.raises(pvyield.WeatherError, match="refused the request: Location over the sea"):
        online.fetch("pvgis", 40.0, -30.0)


def test_pvgis_hourly_plane_of_array_response_is_refused(cache, monkeypatch):
    """The recorded seriescalc response is a two-axis plane with G(i) only: no horizontal
    components, so it cannot be weather; the refusal names the columns found."""
    body = (RECORDED / "pvgis_hourly_Timeseries_45.000_8.000_SA2_10kWp_CIS_5_2a_2013_2014"
            ".json").read_bytes()
    transport = _replay(monkeypatch, [body])
    with pytest.raises(pvyield.WeatherError, match="no horizontal irradiance"):
        online.fetch("pvgis_hourly", 45.0, 8.0, (2013, 2014))
    query = transport.query()
    assert urlsplit(transport.requests[0].url).path.endswith("/seriescalc")
    assert (query["startyear"], query["endyear"], query["angle"], query["components"]) == (
        "2013", "2014", "0", "1")


def test_nsrdb_psm4_years_send_the_key_which_is_not_cached(cache, monkeypatch):
    """get_nsrdb_psm4_aggregated replays the recorded PSM4 download (2023, 30 min): the
    key and e-mail go to the service but are neither in the cache key nor stored."""
    monkeypatch.setenv("NSRDB_API_KEY", "secret-key-123")
    monkeypatch.setenv("NSRDB_EMAIL", "someone@example.org")
    body = (RECORDED / "test_read_psm4.csv").read_bytes()
    transport = _replay(monkeypatch, [body])
    frame, meta = online.fetch("nsrdb_hourly", 40.53, -108.54, (2023, 2023))
    query = transport.query()
    assert query["api_key"] == "secret-key-123" and query["names"] == "2023"
    assert query["wkt"].startswith("POINT(-108.54")
    want, _ = read_weather_file(RECORDED / "test_read_psm4.csv")
    pd.testing.assert_frame_equal(frame, want)
    assert meta.years == (2023,)
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert stored and b"secret-key-123" not in stored and b"someone@example.org" not in stored

    monkeypatch.setenv("NSRDB_API_KEY", "another-key")  # a new key finds the same entry
    monkeypatch.setattr(HTTPAdapter, "send", _offline)
    again, _ = online.fetch("nsrdb_hourly", 40.53, -108.54, (2023, 2023))
    pd.testing.assert_frame_equal(again, want)


def test_nsrdb_without_a_key_names_the_variables(cache, monkeypatch):
    monkeypatch.delenv("NSRDB_API_KEY", raising=False)
    with pytest.raises(pvyield.WeatherError, match="NSRDB_API_KEY and NSRDB_EMAIL"):
        online.fetch("nsrdb", 40.53, -108.54)


def test_nasa_power_download_reads_like_the_file(cache, monkeypatch):
    """No recorded NASA POWER response exists: the JSON sample (the API's layout, written by
    tests/data/weather/make_samples.py) goes through get_nasa_power and must give what the
    file reader gives."""
    body = (SAMPLES / "palmdale_nasa_power.json").read_bytes()
    transport = _replay(monkeypatch, [body])
    frame, meta = online.fetch("nasa_power", 34.633, -118.083, (2019, 2019))
    query = transport.query()
    assert (query["start"], query["end"], query["time-standard"]) == ("20190101", "20191231",
                                                                     "utc")
    want, _ = read_weather_file(SAMPLES / "palmdale_nasa_power.json")
    pd.testing.assert_frame_equal(frame[want.columns], want, check_exact=False, atol=1e-9)
    np.testing.assert_allclose(meta.latitude, 34.633, atol=0.01)


def test_a_typical_year_takes_no_years(cache):
    with pytest.raises(pvyield.WeatherError, match="takes no 'years'"):
        online.fetch("pvgis", 45.0, 8.0, (2015, 2016))


def _site(**weather):
    from pvyield.site import site_from_mapping

    return site_from_mapping({
        "name": "online", "country": "US", "latitude": 40.53, "longitude": -108.54,
        "elevation_m": 2168, "timezone": "Etc/GMT+7",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8,
                  "mounting": {"type": "fixed", "orientations": [
                      {"tilt_deg": 30, "azimuth_deg": 180}]}},
        "weather": weather})


def test_site_file_years_reach_the_fetcher_and_the_site(cache, monkeypatch):
    """weather.source and weather.years of a site file: the request asks for those years and
    the series is placed at the site (distance, elevation difference)."""
    from pvyield.weather import weather_for_site

    monkeypatch.setenv("NSRDB_API_KEY", "k")
    monkeypatch.setenv("NSRDB_EMAIL", "e@example.org")
    transport = _replay(monkeypatch, [(RECORDED / "test_read_psm4.csv").read_bytes()])
    frame, meta = weather_for_site(_site(source="nsrdb_hourly", years=[2023, 2023]))
    assert transport.query()["names"] == "2023" and len(frame) == 17520
    assert meta.distance_km < 1 and abs(meta.elevation_difference_m) < 1


def test_site_file_years_must_be_in_order():
    with pytest.raises(pvyield.SiteError, match="first year is after the last"):
        _site(source="nasa_power", years=[2020, 2019])


def test_pvgis_hourly_download_reads_like_the_file(cache, monkeypatch):
    """No recorded horizontal seriescalc response exists: the JSON sample (the API's layout,
    horizontal plane, components) goes through get_pvgis_hourly and must give what the file
    reader gives, stamps at the slot minute kept."""
    body = (SAMPLES / "palmdale_pvgis_hourly.json").read_bytes()
    _replay(monkeypatch, [body])
    frame, meta = online.fetch("pvgis_hourly", 34.633, -118.083, (2019, 2019))
    want, _ = read_weather_file(SAMPLES / "palmdale_pvgis_hourly.json")
    pd.testing.assert_frame_equal(frame, want)
    assert meta.format == "pvgis_hourly" and not meta.typical_year


def test_nsrdb_tmy_download_reads_like_the_file(cache, monkeypatch):
    """get_nsrdb_psm4_tmy replays the recorded PSM4 download. It is a single-year response
    (2023, 30 min; no recorded response of the TMY endpoint exists), which the TMY endpoint
    sends in the same layout: the request goes to the TMY endpoint with names=tmy and the
    frame equals what reading the recorded file gives."""
    monkeypatch.setenv("NSRDB_API_KEY", "k")
    monkeypatch.setenv("NSRDB_EMAIL", "e@example.org")
    transport = _replay(monkeypatch, [(RECORDED / "test_read_psm4.csv").read_bytes()])
    frame, meta = online.fetch("nsrdb", 40.53, -108.54)
    assert len(transport.requests) == 1
    assert urlsplit(transport.requests[0].url).path.endswith("tmy-v4-0-0-download.csv")
    query = transport.query()
    assert query["names"] == "tmy" and query["interval"] == "60"
    want, want_meta = read_weather_file(RECORDED / "test_read_psm4.csv")
    pd.testing.assert_frame_equal(frame, want)
    assert (meta.latitude, meta.longitude, meta.elevation_m) == (
        want_meta.latitude, want_meta.longitude, want_meta.elevation_m)


def _site_file(tmp_path, source: str) -> Path:
    """A site file whose weather comes from an online source (years where it takes them)."""
    import yaml

    weather = {"source": source}
    if source in online.SERIES_SOURCES:
        weather["years"] = [2023, 2023]
    path = tmp_path / f"{source}.yaml"
    path.write_text(yaml.safe_dump({
        "name": "online", "country": "US", "latitude": 40.53, "longitude": -108.54,
        "elevation_m": 2168, "timezone": "Etc/GMT+7",
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8,
                  "mounting": {"type": "fixed", "orientations": [
                      {"tilt_deg": 30, "azimuth_deg": 180}]}},
        "weather": weather}), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", online.ONLINE_SOURCES)
def test_cli_offline_exits_2_with_one_line_naming_the_service(source, cache, monkeypatch,
                                                             tmp_path, capsys):
    """Every fetcher, no network and nothing cached: `pvyield estimate` prints one line
    naming the source, its host and the way out, exits 2 and writes nothing."""
    from pvyield.cli import main

    monkeypatch.setenv("NSRDB_API_KEY", "k")
    monkeypatch.setenv("NSRDB_EMAIL", "e@example.org")
    monkeypatch.setattr(HTTPAdapter, "send", _offline)
    out = tmp_path / "out.json"
    code = main(["estimate", str(_site_file(tmp_path, source)), "--quiet", "--no-reconcile",
                 "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("pvyield: error:")
    assert f"{source}: cannot reach {online.HOSTS[source]}" in err
    assert "nothing is cached" in err and "'labren'" in err
    assert not out.exists()


def _power_response(ghi: list[float]) -> bytes:
    """A NASA POWER hourly JSON response holding the GHI values (Wh/m^2 in each hour) and
    the metadata that pvlib's test of the live API asserts for 44.76 N, 7.64 E on
    2 February 2025 (pvlib-python, tests/iotools/test_nasa_power.py at commit
    7ca29e6b1a02b3468960d275fc27d1ec233a805d, BSD-3-Clause): real values of a real response.
    The envelope around them (keys, header layout) is written here after the API's
    documentation, not recorded."""
    import json

    stamps = pd.date_range("2025-02-02 00:00", periods=24, freq="1h")
    return json.dumps({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [7.64, 44.76, 705.88]},
        "properties": {"parameter": {"ALLSKY_SFC_SW_DWN": {
            f"{t:%Y%m%d%H}": v for t, v in zip(stamps, ghi, strict=True)}}},
        "header": {"title": "NASA/POWER Source Native Resolution Hourly Data",
                   "fill_value": -999.0, "time_standard": "UTC",
                   "start": "20250202", "end": "20250202"},
        "messages": [],
        "parameters": {"ALLSKY_SFC_SW_DWN": {"units": "Wh/m^2"}},
        "times": {},
    }).encode()


#: GHI of NASA POWER at 44.76 N, 7.64 E, 2 February 2025, 00 to 23 UTC [Wh/m^2 per hour],
#: as the live API answered pvlib's test (see _power_response).
POWER_GHI_20250202 = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 50.25, 184.2, 281.55, 368.3, 406.48,
                      386.45, 316.05, 210.1, 109.05, 12.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_nasa_power_hour_start_stamps_hold_solar_noon(cache, monkeypatch):
    """The real hourly GHI of NASA POWER, replayed through get_nasa_power and centred as
    pvyield centres POWER stamps (start of the hour): the hour with the most GHI is the one
    whose centre is nearest solar noon (pvlib's SPA transit, about 11:43 UTC there), and the
    morning and afternoon halves balance around that centre; read as hour-end stamps, the
    peak hour would miss noon by more than half an hour."""
    from pvyield.weather.frame import to_center

    _replay(monkeypatch, [_power_response(POWER_GHI_20250202)])
    data, meta = pvlib.iotools.get_nasa_power(
        44.76, 7.64, pd.Timestamp("2025-02-02 00:00", tz="UTC"),
        pd.Timestamp("2025-02-02 23:00", tz="UTC"), parameters=["ghi"])
    assert (meta["latitude"], meta["longitude"], meta["altitude"]) == (44.76, 7.64, 705.88)
    assert data["ghi"].tolist() == POWER_GHI_20250202
    centred = to_center(data[["ghi"]], "start")["ghi"]
    transit = pvlib.solarposition.sun_rise_set_transit_spa(
        pd.DatetimeIndex([pd.Timestamp("2025-02-02", tz="UTC")]), 44.76, 7.64)["transit"].iloc[0]
    peak = centred.idxmax()
    assert abs(peak - transit) < pd.Timedelta(minutes=30)
    assert abs(peak - pd.Timedelta(hours=1) - transit) > pd.Timedelta(minutes=30)
    # irradiance-weighted mean time of the day within 15 min of transit (a symmetric day)
    seconds = (centred.index - transit).total_seconds()
    assert abs((seconds * centred).sum() / centred.sum()) < 15 * 60
