"""Online sources through pvlib's fetchers: recorded responses replayed by a mocked HTTP
transport (``requests.adapters.HTTPAdapter.send``), never a real request; the on-disk
cache; one-line errors offline, on refusal and without NSRDB credentials."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
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
