"""The synthetic year of the foundation: monthly means kept, reproducible, physical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest

import pvyield
from pvyield.weather.climatology import (
    LABREN_PATH,
    inmet_monthly_means,
    labren_monthly_ghi,
    read_inmet_daily,
)
from pvyield.weather.synthetic import synthetic_year

from .conftest import WEATHER

GHI = [6.053, 5.966, 5.997, 5.705, 5.085, 4.800, 5.089, 5.865, 6.562, 6.568, 6.666, 6.274]
TEMP = [26.5, 26.4, 26.1, 25.6, 25.5, 25.0, 25.0, 25.8, 27.2, 28.4, 28.2, 27.5]


def _year(seed: int = 7):
    return synthetic_year(-7.37, -38.79, 380, "America/Fortaleza", GHI, TEMP, seed=seed)


def test_monthly_means_matched_within_one_percent():
    frame, meta = _year()
    days = frame.groupby(frame.index.month).size() / 24
    mean_daily = frame["ghi"].groupby(frame.index.month).sum() / days / 1000  # kWh/m2/day
    np.testing.assert_allclose(mean_daily.to_numpy(), GHI, rtol=0.01)
    temp = frame["temp_air"].groupby(frame.index.month).mean()
    np.testing.assert_allclose(temp.to_numpy(), TEMP, atol=0.01)
    assert meta.synthetic and "synthetic" in meta.source
    assert "dirindex_disc decomposition" in meta.source


def test_same_seed_same_year_other_seed_other_year():
    a, _ = _year(seed=3)
    b, _ = _year(seed=3)
    c, _ = _year(seed=4)
    assert a.equals(b)
    assert not np.allclose(a["ghi"], c["ghi"])


def test_physical_limits_and_closure():
    frame, _meta = _year()
    solpos = pvlib.solarposition.get_solarposition(frame.index, -7.37, -38.79, 380)
    cosz = np.cos(np.radians(solpos["zenith"]))
    extra = pvlib.irradiance.get_extra_radiation(frame.index) * cosz.clip(lower=0)
    assert (frame["ghi"] >= 0).all() and (frame["ghi"] <= extra + 1e-6).all()
    day = frame["ghi"] > 50
    closure = frame["dni"][day] * cosz[day] + frame["dhi"][day]
    np.testing.assert_allclose(closure, frame["ghi"][day], rtol=0.02, atol=2.0)
    # days differ: a year of copies of one day would not be a weather series
    daily = frame["ghi"].resample("D").sum()
    assert daily.std() / daily.mean() > 0.05


def test_mauriti_site_file_values_come_from_the_bundled_sources(mauriti_path):
    """The monthly means written into sites/mauriti.yaml are what the bundled LABREN and
    INMET files give (no hand-typed drift)."""
    climate = pvyield.load_site(mauriti_path).weather.synthetic
    labren = labren_monthly_ghi(LABREN_PATH, "Mauriti", "CE")
    np.testing.assert_allclose(climate.ghi_kwh_m2_day, labren, atol=5e-4)
    inmet = inmet_monthly_means(
        read_inmet_daily(WEATHER / "BRA_INMET_A315_daily_2010-2026_dados_A315_D.csv"),
        "2010-01-01", "2020-12-31",
    )
    np.testing.assert_allclose(climate.temp_air_c, inmet["temp_air"], atol=5e-3)
    np.testing.assert_allclose(climate.temp_range_c, inmet["temp_range"], atol=5e-3)
    np.testing.assert_allclose(climate.wind_speed_m_s, inmet["wind_speed"], atol=5e-3)


def test_mauriti_diffuse_is_the_atlas_row_and_reaches_the_estimate(mauriti_path,
                                                                  mauriti_result):
    """The LABREN diffuse row is not bundled (it is cited in the site file): its twelve
    typed values must give the row's own ANNUAL, 2,061 Wh/m2/day (the atlas's annual is
    the mean of its months, to 1), and the estimate's hourly year must carry them:
    every month's diffuse over global equals the typed ratio (1e-9)."""
    climate = pvyield.load_site(mauriti_path).weather.synthetic
    assert abs(np.mean(climate.dhi_kwh_m2_day) * 1000 - 2061) <= 1.0
    assert "44089" in pvyield.load_site(mauriti_path).sources[
        "weather.synthetic.dhi_kwh_m2_day"]
    from pvyield.weather import weather_for_site

    hourly, _ = weather_for_site(pvyield.load_site(mauriti_path))
    # the year the estimate ran on
    np.testing.assert_allclose(mauriti_result.timeseries["ghi"].to_numpy(),
                               hourly["ghi"].to_numpy(), rtol=1e-12)
    month = hourly.index.month
    share = hourly["dhi"].groupby(month).sum() / hourly["ghi"].groupby(month).sum()
    np.testing.assert_allclose(share, np.array(climate.dhi_kwh_m2_day)
                               / np.array(climate.ghi_kwh_m2_day), rtol=1e-9)


def test_monthly_mean_above_clear_sky_is_refused():
    with pytest.raises(pvyield.WeatherError, match="clear-sky"):
        synthetic_year(-7.37, -38.79, 380, "America/Fortaleza", [60.0] * 12, TEMP)


def test_decomposition_keeps_the_clear_sky_beam_and_closes():
    """On clear-sky GHI (a month at clear-sky index 1: DIRINDEX), the generator's
    decomposition returns pvlib's clear-sky DNI (within 1 % where the sun is above 20
    degrees), and DNI cos(zenith) + DHI = GHI."""
    from pvyield.weather.synthetic import DECOMPOSITION, decompose

    assert DECOMPOSITION == "dirindex_disc"
    location = pvlib.location.Location(35.0, -120.0, altitude=100)
    times = pd.date_range("2019-06-01 00:30", periods=48, freq="h", tz="Etc/GMT+8")
    solpos = location.get_solarposition(times)
    clear = location.get_clearsky(times, model="ineichen", solar_position=solpos)
    zenith = solpos["zenith"].to_numpy()
    dni, dhi = decompose(clear["ghi"].to_numpy(), times, zenith, clear, 100.0)
    high = zenith < 70
    np.testing.assert_allclose(dni[high], clear["dni"].to_numpy()[high], rtol=0.01)
    cosz = np.cos(np.radians(zenith))
    lit = zenith < 87.5
    np.testing.assert_allclose(dni[lit] * cosz[lit] + dhi[lit], clear["ghi"].to_numpy()[lit],
                               atol=1e-6)
    assert (dni[~lit] == 0).all()


def test_dark_months_get_disc_bright_ones_dirindex_and_between_a_linear_blend():
    """The blend against pvlib's DISC and DIRINDEX called directly: a month at clear-sky
    index 0.6 (below 0.7) is DISC, one at 0.8 the mean of the two (halfway in 0.7-0.9)."""
    from pvyield.weather.synthetic import DIRINDEX_MONTH_INDEX_RANGE, decompose

    assert DIRINDEX_MONTH_INDEX_RANGE == (0.7, 0.9)
    location = pvlib.location.Location(47.5, -122.3, altitude=100)
    times = pd.date_range("2019-01-01 00:30", "2019-02-28 23:30", freq="h", tz="Etc/GMT+8")
    solpos = location.get_solarposition(times)
    clear = location.get_clearsky(times, model="ineichen", solar_position=solpos)
    zenith = solpos["zenith"].to_numpy()
    ghi = clear["ghi"].to_numpy() * np.where(times.month == 1, 0.6, 0.8)
    dni, _ = decompose(ghi, times, zenith, clear, 100.0)
    pressure = pvlib.atmosphere.alt2pres(100.0)
    disc = pvlib.irradiance.disc(ghi, zenith, times, pressure=pressure)["dni"].to_numpy()
    dirindex = pvlib.irradiance.dirindex(ghi, clear["ghi"], clear["dni"], zenith, times,
                                         pressure=pressure).to_numpy()
    check = (zenith < 80) & (ghi > 20)
    jan, feb = check & (times.month == 1), check & (times.month == 2)
    np.testing.assert_allclose(dni[jan], disc[jan], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dni[feb], 0.5 * (disc[feb] + dirindex[feb]), rtol=1e-6,
                               atol=1e-6)
    assert np.abs(disc[feb] - dirindex[feb]).max() > 10  # the two differ: the test can fail


def test_unknown_decomposition_is_refused():
    with pytest.raises(pvyield.WeatherError, match="decomposition"):
        synthetic_year(-7.37, -38.79, 380, "America/Fortaleza", GHI, TEMP,
                       decomposition="nope")


def test_bcr_quantiles_have_the_published_mean_and_bounds():
    """Bendt et al. (1981): density proportional to exp(g K) on [0.05, Kmax(K)], Kmax =
    0.6313 + 0.267 K - 11.9 (K - 0.75)^8; the mean of the quantiles is the monthly mean
    (checked against a direct numerical integration of the density)."""
    from scipy import integrate

    from pvyield.weather.synthetic import _exp_rate, bcr_kt_max, bcr_quantile

    q = (np.arange(2000) + 0.5) / 2000
    for kt_mean in (0.3, 0.5, 0.7):
        k = bcr_quantile(q, kt_mean)
        k_max = 0.6313 + 0.267 * kt_mean - 11.9 * (kt_mean - 0.75) ** 8
        assert bcr_kt_max(kt_mean) == pytest.approx(k_max)
        assert k.min() >= 0.05 and k.max() <= k_max
        assert k.mean() == pytest.approx(kt_mean, abs=1e-3)
        g = _exp_rate((kt_mean - 0.05) / (k_max - 0.05))[0] / (k_max - 0.05)
        norm = integrate.quad(lambda x, g=g: np.exp(g * x), 0.05, k_max)[0]
        mean = integrate.quad(lambda x, g=g: x * np.exp(g * x), 0.05, k_max)[0] / norm
        assert mean == pytest.approx(kt_mean, abs=1e-6)
        # the median of the quantiles is the analytic median of the density
        median = np.log((np.exp(g * 0.05) + np.exp(g * k_max)) / 2) / g
        assert np.median(k) == pytest.approx(median, abs=1e-3)


def test_every_month_has_the_distribution_shape_whatever_the_seed():
    """Stratified daily probabilities: in every month of n days, exactly one day falls in
    each [r/n, (r+1)/n), whatever the seed; the seed changes which day gets which."""
    from pvyield.weather.synthetic import _ar1, _stratified_quantiles

    day_period = np.repeat(np.arange(12), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    qs = []
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        z = _ar1(len(day_period), 0.3, rng)
        q = _stratified_quantiles(z, day_period, rng)
        for p in range(12):
            month = np.sort(q[day_period == p])
            n = len(month)
            assert (np.floor(month * n) == np.arange(n)).all()
            # the days rank as the AR(1) series does: its serial correlation survives
            members = day_period == p
            assert (np.argsort(q[members]) == np.argsort(z[members])).all()
        qs.append(q)
    assert np.mean(np.floor(qs[0] * 31) == np.floor(qs[1] * 31)) < 0.2


def test_unknown_daily_distribution_is_refused():
    with pytest.raises(pvyield.WeatherError, match="daily distribution"):
        synthetic_year(-7.37, -38.79, 380, "America/Fortaleza", GHI, TEMP,
                       daily_distribution="nope")
