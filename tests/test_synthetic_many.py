"""Weather for many sites at once: the same numbers as one site at a time, faster."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pvlib
import pytest

from pvyield.errors import PvyieldError, WeatherError
from pvyield.model import solar
from pvyield.site.load import read_mapping, site_from_mapping
from pvyield.weather import climatology, weather_for_site, weather_for_sites
from pvyield.weather import synthetic as synth
from pvyield.weather.climatology import (
    LABREN_PATH,
    labren_municipality,
    labren_nearest,
    labren_nearest_many,
    read_labren,
)
from pvyield.weather.frame import haversine_km

from .conftest import ROOT, SITES


def _nearest_by_full_scan(table, latitude: float, longitude: float):
    """The look-up as it was: great-circle distance to every seat of the table."""
    distance = haversine_km(latitude, longitude, table["latitude"].to_numpy(),
                            table["longitude"].to_numpy())
    i = int(np.argmin(distance))
    return table.iloc[i], float(distance[i])


def test_nearest_seat_many_is_the_full_scan_of_the_table():
    rng = np.random.default_rng(3)
    table = read_labren(LABREN_PATH)
    seats = table.sample(40, random_state=1)
    # points at seats, near them, between them, and outside Brazil (Atlantic, Chile, Lisbon)
    lats = np.r_[seats["latitude"], rng.uniform(-33.7, 5.2, 120), -20.0, -22.9, 38.7, 0.0]
    lons = np.r_[seats["longitude"], rng.uniform(-73.9, -34.8, 120), -20.0, -69.9, -9.1, 0.0]
    found = labren_nearest_many(lats, lons)
    assert len(found) == len(lats)
    for lat, lon, got in zip(lats, lons, found, strict=True):
        row, distance = _nearest_by_full_scan(table, lat, lon)
        if distance > climatology.LABREN_MAX_DISTANCE_KM:
            assert isinstance(got, WeatherError)
            assert "LABREN covers Brazil only" in str(got)
            continue
        assert got.distance_km == distance  # same formula, same seat: bit for bit
        assert (got.latitude, got.longitude) == (row["latitude"], row["longitude"])
        np.testing.assert_array_equal(got.ghi_kwh_m2_day, row[climatology.MONTHS].to_numpy(
            dtype=float))
        single = labren_nearest(lat, lon)
        assert (single.source, single.distance_km) == (got.source, got.distance_km)
    with pytest.raises(WeatherError, match="LABREN covers Brazil only"):
        labren_nearest(38.7, -9.1)
    assert labren_nearest_many([], []) == []


def test_table_is_read_once_per_process(monkeypatch):
    climatology._labren_index(LABREN_PATH)  # warm
    calls = []
    monkeypatch.setattr(climatology, "read_labren",
                        lambda path: calls.append(path) or read_labren(path))
    labren_nearest(-7.37, -38.79)
    labren_municipality("Petrolina, PE")
    labren_nearest_many([-9.4, -23.5], [-40.5, -46.6])
    assert calls == []
    assert labren_municipality("petrolina, pe").source.startswith("LABREN 2017 monthly GHI "
                                                                  "of Petrolina (PE)")


# --- weather for many sites ---------------------------------------------------------------


BERLIN_GHI = [0.7, 1.4, 2.5, 3.9, 5.0, 5.3, 5.2, 4.5, 3.1, 1.8, 0.8, 0.5]
SYDNEY_GHI = [7.2, 6.2, 5.2, 4.0, 3.0, 2.6, 2.9, 3.8, 5.0, 6.1, 6.8, 7.3]
TEMP = [26.5, 26.4, 26.1, 25.6, 25.5, 25.0, 25.0, 25.8, 27.2, 28.4, 28.2, 27.5]


def _site(name, lat, lon, tz, weather, country="BR", elevation_m=300.0, path=None):
    data = copy.deepcopy(read_mapping(ROOT / "benchmarks/brazil-screening/template.yaml"))
    data.update(name=name, latitude=lat, longitude=lon, timezone=tz, weather=weather,
                country=country, elevation_m=elevation_m)
    return site_from_mapping(data, source=path or "<site>")


def _monthly(ghi, seed=0, **extra):
    return {"synthetic": {"ghi_kwh_m2_day": ghi, "temp_air_c": TEMP, "source": "test means",
                          "seed": seed, **extra}}


def _varied_sites():
    ceme1 = site_from_mapping(read_mapping(SITES / "ceme1.yaml"), source=SITES / "ceme1.yaml")
    moved = ceme1.model_copy(update={"latitude": -23.6, "longitude": -70.4})
    moved._path = ceme1.path
    return [
        _site("Mauriti", -7.39, -38.77, "America/Fortaleza", {"source": "labren"}),
        _site("Sao Paulo", -23.55, -46.63, "America/Sao_Paulo", {"source": "labren",
                                                                 "seed": 4}, elevation_m=760),
        _site("Manaus", -3.1, -60.02, "America/Manaus", {"source": "labren"}),
        _site("Rio Branco", -9.97, -67.81, "America/Rio_Branco", {"source": "labren"}),
        _site("Noronha", -3.85, -32.42, "America/Noronha", {"source": "labren"}),
        _site("Porto Alegre", -30.03, -51.23, "America/Sao_Paulo", {}),  # default: LABREN
        _site("Petrolina", -9.39, -40.5, "America/Recife", {"municipality": "Petrolina, PE"}),
        _site("Boa Vista", 2.82, -60.67, "America/Boa_Vista", {"source": "labren", "seed": 9}),
        _site("MERRA-2 Chile", -21.2, -69.1, "America/Santiago", {"source": "merra2"},
              country="CL", elevation_m=1500),
        _site("LABREN in Portugal", 38.7, -9.1, "Europe/Lisbon", {"source": "labren"},
              country="PT"),
        _site("MERRA-2 uncovered", 48.1, 11.6, "Europe/Berlin", {"source": "merra2"},
              country="DE"),
        _site("Berlin", 52.5, 13.4, "Europe/Berlin", _monthly(BERLIN_GHI, seed=3),
              country="DE", elevation_m=34),
        _site("Sydney", -33.87, 151.2, "Australia/Sydney", _monthly(SYDNEY_GHI, seed=3),
              country="AU", elevation_m=40),
        _site("Kathmandu", 27.7, 85.3, "Asia/Kathmandu", _monthly(
            [4.0, 4.8, 5.6, 6.2, 6.3, 5.6, 4.8, 4.9, 4.6, 4.9, 4.4, 3.9], seed=1,
            temp_range_c=[12.0] * 12, wind_speed_m_s=[2.0] * 12), country="NP",
              elevation_m=1400),
        _site("Phoenix", 33.45, -112.07, "America/Phoenix", _monthly(
            [3.3, 4.3, 5.6, 7.1, 8.0, 8.2, 7.4, 6.9, 6.2, 5.0, 3.7, 3.0]), country="US"),
        _site("Too bright", 52.5, 13.4, "Europe/Berlin", _monthly(
            [*BERLIN_GHI[:11], 6.0]), country="DE"),
        ceme1,
        moved,
        _site("Missing file", -22.35, -69.65, "America/Santiago",
              {"file": str(ROOT / "weather/no_such_file.csv")}, country="CL"),
        _site("Mauriti again", -7.39, -38.77, "America/Fortaleza", {"source": "labren"}),
    ]


def _assert_same(one, many):
    if isinstance(one, PvyieldError):
        assert type(many) is type(one) and str(many) == str(one)
        return
    (frame, meta), (frame_many, meta_many) = one, many
    assert meta_many == meta
    assert frame_many.index.equals(frame.index)
    assert list(frame_many.columns) == list(frame.columns)
    assert (frame_many.dtypes == frame.dtypes).all()
    np.testing.assert_allclose(frame_many.to_numpy(), frame.to_numpy(), rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def sites_and_weather():
    sites = _varied_sites()
    singles = []
    for site in sites:
        try:
            singles.append(weather_for_site(site))
        except PvyieldError as exc:
            singles.append(exc)
    return sites, singles, weather_for_sites(sites)


def test_weather_for_sites_is_weather_for_site_per_site(sites_and_weather):
    sites, singles, many = sites_and_weather
    assert len(many) == len(sites)
    kinds = [type(x).__name__ for x in singles]
    assert kinds.count("WeatherError") == 4 and kinds.count("tuple") == len(sites) - 4
    for site, one, got in zip(sites, singles, many, strict=True):
        try:
            _assert_same(one, got)
        except AssertionError as exc:
            raise AssertionError(f"{site.name}: {exc}") from None


def test_a_site_alone_is_the_same_site_in_a_batch(sites_and_weather):
    sites, _, many = sites_and_weather
    for i in (0, 1, 11, 12, 13, 16):
        alone = weather_for_sites([sites[i]])[0]
        assert alone[1] == many[i][1]
        assert alone[0].equals(many[i][0]), sites[i].name  # bit for bit
    # the same site twice in one call (two designs of a site): one year, one frame object
    assert many[0][0] is many[-1][0]
    assert many[16][0] is not many[17][0]


def test_many_years_follow_each_site_seed_not_the_batch():
    requests = [synth.SyntheticRequest(-7.37, -38.79, 380.0, "America/Fortaleza", [5.5] * 12,
                                       TEMP, seed=seed) for seed in (0, 1, 0)]
    years = synth.synthetic_years_many(requests)
    assert years[0][0].equals(years[2][0])
    assert not np.allclose(years[0][0]["ghi"], years[1][0]["ghi"])
    reversed_years = synth.synthetic_years_many(requests[::-1])
    assert reversed_years[2][0].equals(years[0][0])
    # years of several calendar years with scatter, another decomposition and distribution
    options = dict(n_years=2, start_year=2020, monthly_ghi_cv=0.1, decomposition="erbs",
                   daily_distribution="bcr", seed=5)
    request = synth.SyntheticRequest(35.7, 139.7, 40.0, "Asia/Tokyo",
                                     [2.5, 3, 3.5, 4, 4.5, 4.2, 4.3, 4.5, 3.5, 3, 2.5, 2.2],
                                     TEMP, **options)
    (frame_many, meta_many), = synth.synthetic_years_many([request])
    frame, meta = synth.synthetic_years(**vars(request))
    assert meta_many == meta and len(frame) == 366 * 24 + 365 * 24
    np.testing.assert_allclose(frame_many.to_numpy(), frame.to_numpy(), rtol=1e-9, atol=1e-9)
    bad = synth.synthetic_years_many([synth.SyntheticRequest(
        0.0, 0.0, 0.0, "UTC", [5.0] * 11, TEMP)])
    assert isinstance(bad[0], WeatherError) and "12 finite monthly values" in str(bad[0])


def test_sun_position_of_the_split_spa_is_pvlib_spa_within_1e_10_degrees():
    """The vectorised generator's sun: pvyield.model.solar against pvlib's SPA directly."""
    for tz, lat, lon, elevation in [("America/Sao_Paulo", -23.5, -46.6, 760.0),
                                    ("Europe/Berlin", 52.5, 13.4, 34.0),
                                    ("Pacific/Auckland", -36.85, 174.76, 20.0),
                                    ("America/Anchorage", 71.3, -156.8, 10.0)]:
        times = synth.hourly_centres(tz)
        reference = pvlib.solarposition.get_solarposition(times, lat, lon, elevation)
        zenith, apparent = solar.zeniths(solar.sun_terms(times), [lat], [lon], [elevation])
        np.testing.assert_allclose(zenith[0], reference["zenith"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(apparent[0], reference["apparent_zenith"], rtol=0,
                                   atol=1e-10)


def test_stacked_dirindex_is_pvlib_dirindex():
    """The compiled DIRINDEX against pvlib.irradiance.dirindex called directly, on GHI
    from overcast to above clear sky, after decompose's limits."""
    rng = np.random.default_rng(2)
    sites = [(-7.37, -38.79, 380.0), (52.5, 13.4, 34.0), (-33.87, 151.2, 1200.0)]
    calendar = synth._calendar(synth.standard_time_zone("Etc/GMT-1"), 2019, 1)
    times = calendar.times
    rows = []
    for lat, lon, elevation in sites:
        solpos = pvlib.solarposition.get_solarposition(times, lat, lon, elevation)
        clear = synth._clear_sky(times, solpos, lat, lon, elevation)
        ghi = clear["ghi"].to_numpy() * rng.uniform(0.05, 1.15, len(times))
        rows.append((ghi, solpos["zenith"].to_numpy(), clear))
    ghi, zenith = (np.array([r[i] for r in rows]) for i in (0, 1))
    clear_ghi = np.array([r[2]["ghi"].to_numpy() for r in rows])
    clear_dni = np.array([r[2]["dni"].to_numpy() for r in rows])
    dni, dhi = synth._decompose_stacked(ghi, calendar, zenith, clear_ghi, clear_dni,
                                        np.array([s[2] for s in sites]), "dirindex")
    for s, (_, _, elevation) in enumerate(sites):
        raw = pvlib.irradiance.dirindex(
            pd.Series(ghi[s], index=times), rows[s][2]["ghi"], rows[s][2]["dni"],
            pd.Series(zenith[s], index=times), times,
            pressure=pvlib.atmosphere.alt2pres(elevation)).to_numpy()
        lit = np.isfinite(raw) & (zenith[s] < synth.MAX_BEAM_ZENITH_DEG)
        assert lit.sum() > 3000
        cosz = np.cos(np.radians(zenith[s]))
        limit = np.minimum(pvlib.irradiance.get_extra_radiation(times).to_numpy(),
                           ghi[s] / np.maximum(cosz, 1e-3))
        expected = np.clip(np.where(lit, raw, 0.0), 0.0, limit)
        np.testing.assert_allclose(dni[s], expected, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(dhi[s], np.maximum(ghi[s] - expected * np.maximum(
            cosz, 0.0), 0.0), rtol=1e-9, atol=1e-9)


def test_other_decompositions_run_through_decompose_itself():
    calendar = synth._calendar(synth.standard_time_zone("America/Fortaleza"), 2019, 1)
    times = calendar.times
    rows = []
    for lat, lon in [(-7.37, -38.79), (-3.1, -60.0)]:
        solpos = pvlib.solarposition.get_solarposition(times, lat, lon, 300.0)
        clear = synth._clear_sky(times, solpos, lat, lon, 300.0)
        rows.append((clear["ghi"].to_numpy() * 0.7, solpos["zenith"].to_numpy(), clear))
    for method in ("disc", "erbs"):
        dni, dhi = synth._decompose_stacked(
            np.array([r[0] for r in rows]), calendar, np.array([r[1] for r in rows]),
            np.array([r[2]["ghi"].to_numpy() for r in rows]),
            np.array([r[2]["dni"].to_numpy() for r in rows]), np.array([300.0, 300.0]),
            method)
        for s, (ghi, zenith, clear) in enumerate(rows):
            one = synth.decompose(ghi, times, zenith, clear, 300.0, method)
            np.testing.assert_array_equal(dni[s], one[0])
            np.testing.assert_array_equal(dhi[s], one[1])


def test_stratified_quantiles_rank_every_day_within_its_month():
    """Quantile (r + u) / n with r the rank of the day's AR(1) value within its month, as
    a double argsort per month gives it."""
    calendar = synth._calendar(synth.standard_time_zone("UTC"), 2020, 2)
    z = np.random.default_rng(8).standard_normal(len(calendar.day_period))
    q = synth._stratified_quantiles(z, calendar.day_period, np.random.default_rng(9))
    u = np.random.default_rng(9).random(len(z))
    for p in np.unique(calendar.day_period):
        days = np.flatnonzero(calendar.day_period == p)
        rank = np.argsort(np.argsort(z[days]))
        np.testing.assert_array_equal(q[days], (rank + u[days]) / len(days))


def test_beta_quantile_and_ar1_filter_are_scipys_bit_for_bit():
    """The synthetic years' beta quantile (``scipy.special.betaincinv``) and compiled AR(1)
    recursion give the same floats as ``scipy.stats.beta.ppf`` and ``scipy.signal.lfilter``,
    which they replace to keep scipy.stats and scipy.signal out of a process's start."""
    from scipy import signal, special, stats

    from pvyield.weather._ar1 import ar1_filter

    rng = np.random.default_rng(7)
    q = rng.uniform(size=20_000)
    a, b = rng.uniform(0.05, 60.0, size=(2, 20_000))
    assert np.array_equal(special.betaincinv(a, b, q), stats.beta.ppf(q, a, b))
    for rho in (0.0, 0.3, 0.65, 0.95):
        shocks = rng.standard_normal(8760)
        expected = np.empty_like(shocks)
        expected[0] = shocks[0]
        expected[1:] = signal.lfilter([np.sqrt(1 - rho**2)], [1.0, -rho], shocks[1:],
                                      zi=[rho * shocks[0]])[0]
        assert np.array_equal(ar1_filter(shocks, rho), expected), rho
