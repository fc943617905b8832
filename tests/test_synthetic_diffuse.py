"""Synthetic years given monthly mean diffuse irradiation (``dhi_kwh_m2_day``).

The beam of every month is scaled by one factor so that the month's diffuse share of GHI
is the given one (:func:`pvyield.weather.synthetic.match_monthly_diffuse`). Checked here
against hand calculations and pvlib; the validation against real hourly files is in
``tests/test_weather_synthetic_validation.py``.
"""

from __future__ import annotations

import numpy as np
import pvlib
import pytest

from pvyield.weather import synthetic
from pvyield.weather.synthetic import SyntheticRequest, match_monthly_diffuse

GHI = [6.053, 5.966, 5.997, 5.705, 5.085, 4.800, 5.089, 5.865, 6.562, 6.568, 6.666, 6.274]
DHI = [2.314, 2.370, 2.262, 2.100, 1.940, 1.773, 1.776, 1.825, 1.907, 2.044, 2.144, 2.276]
PLACE = (-7.37, -38.79, 380.0, "America/Fortaleza")


def test_one_factor_per_period_reaches_the_target_by_hand():
    """Two periods of three hours; by hand: period 0 has GHI 600 and beam 300 on the
    horizontal (DNI 200, 400 at cos z 0.5; DNI 0); a diffuse share of 0.25 asks for a beam
    of 450, factor 1.5: DNI 300 and 600, under their caps (1,000 and 900)."""
    ghi = np.array([200.0, 300.0, 100.0, 500.0, 500.0, 0.0])
    dni = np.array([200.0, 400.0, 0.0, 500.0, 100.0, 0.0])
    cos_zenith = np.array([0.5, 0.5, 0.5, 0.8, 0.8, 0.0])
    dni_max = np.array([400.0, 600.0, 200.0, 625.0, 625.0, 0.0])
    period = np.array([0, 0, 0, 1, 1, 1])
    out, dhi, shortfall = match_monthly_diffuse(ghi, dni, cos_zenith, dni_max, period,
                                                np.array([0.25, 0.5]))
    # period 0: the cap of the first hour is 400, so the factor 1.5 gives 300 (< 400) and
    # 600 (= cap): beam (300 + 600) x 0.5 = 450 = 0.75 x 600
    np.testing.assert_allclose(out[:3], [300.0, 600.0, 0.0], rtol=1e-12)
    # period 1: beam asked 0.5 x 1,000 = 500 from 0.8 x (500 + 100) = 480: factor 500/480
    np.testing.assert_allclose(out[3:5], np.array([500.0, 100.0]) * 500 / 480, rtol=1e-12)
    np.testing.assert_allclose(dhi, ghi - out * cos_zenith, atol=1e-9)
    assert (shortfall == 0).all()
    # an hour the decomposition left without beam keeps none
    assert out[2] == 0.0


def test_caps_hold_and_a_target_beyond_them_is_reported():
    ghi = np.array([400.0, 400.0])
    dni = np.array([100.0, 0.0])
    cos_zenith = np.array([0.5, 0.5])
    dni_max = np.array([800.0, 800.0])
    out, dhi, shortfall = match_monthly_diffuse(ghi, dni, cos_zenith, dni_max,
                                                np.array([0, 0]), np.array([0.0]))
    # all 800 W/m2 of GHI asked as beam; only the first hour may carry it: 400 at its cap
    np.testing.assert_allclose(out, [800.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(dhi, [0.0, 400.0], atol=1e-9)
    np.testing.assert_allclose(shortfall, [400.0], rtol=1e-12)
    # all diffuse: no beam left
    out, dhi, _ = match_monthly_diffuse(ghi, dni, cos_zenith, dni_max, np.array([0, 0]),
                                        np.array([1.0]))
    assert out.max() < 1e-9 and dhi == pytest.approx(ghi)


def test_synthetic_year_keeps_the_given_diffuse_share_and_its_ghi():
    frame, meta = synthetic.synthetic_year(*PLACE, GHI, [27.0] * 12, seed=3,
                                           dhi_kwh_m2_day=DHI)
    plain, _ = synthetic.synthetic_year(*PLACE, GHI, [27.0] * 12, seed=3)
    month = frame.index.month
    share = frame["dhi"].groupby(month).sum() / frame["ghi"].groupby(month).sum()
    np.testing.assert_allclose(share.to_numpy(), np.array(DHI) / np.array(GHI), rtol=1e-9)
    # only the split changes: the same GHI and temperature, hour by hour
    np.testing.assert_array_equal(frame["ghi"], plain["ghi"])
    np.testing.assert_array_equal(frame["temp_air"], plain["temp_air"])
    # closure against pvlib's solar position (the zenith the generator used)
    zenith = pvlib.solarposition.get_solarposition(frame.index, *PLACE[:3])["zenith"]
    cos_zenith = np.maximum(np.cos(np.radians(zenith.to_numpy())), 0.0)
    np.testing.assert_allclose(frame["dhi"] + frame["dni"] * cos_zenith, frame["ghi"],
                               atol=1e-6)
    extra = pvlib.irradiance.get_extra_radiation(frame.index).to_numpy()
    assert (frame["dni"].to_numpy() <= extra + 1e-9).all()
    assert "monthly diffuse given" in meta.source and not meta.warnings
    # within one month the beam keeps the decomposition's proportions where not capped
    ratio = (frame["dni"] / plain["dni"]).where(plain["dni"] > 50).groupby(month)
    assert (ratio.quantile(0.9) / ratio.quantile(0.1)).max() < 1.0 + 1e-9


def test_many_sites_equal_one_at_a_time_with_and_without_diffuse():
    requests = [SyntheticRequest(*PLACE, GHI, [27.0] * 12, seed=1, dhi_kwh_m2_day=DHI),
                SyntheticRequest(-7.0, -38.0, 300.0, "America/Fortaleza", GHI, [26.0] * 12,
                                 seed=2),
                SyntheticRequest(-6.5, -39.5, 500.0, "America/Fortaleza", GHI, [25.0] * 12,
                                 seed=5, dhi_kwh_m2_day=[d * 1.1 for d in DHI])]
    many = synthetic.synthetic_years_many(requests)
    for request, (frame, meta) in zip(requests, many, strict=True):
        alone, alone_meta = synthetic.synthetic_years(**vars(request))
        np.testing.assert_allclose(frame.to_numpy(), alone.to_numpy(), rtol=1e-9, atol=1e-9)
        assert meta == alone_meta


def test_unreachable_diffuse_is_a_warning_and_bad_values_an_error():
    _, meta = synthetic.synthetic_year(*PLACE, GHI, [27.0] * 12, dhi_kwh_m2_day=[0.0] * 12)
    assert len(meta.warnings) == 1 and "below what the synthetic hours can hold" in (
        meta.warnings[0])
    with pytest.raises(synthetic.WeatherError, match=r"months \[2\]"):
        synthetic.synthetic_year(*PLACE, GHI, [27.0] * 12,
                                 dhi_kwh_m2_day=[2.0, 7.0] + [2.0] * 10)
    with pytest.raises(synthetic.WeatherError, match="12 finite"):
        synthetic.synthetic_year(*PLACE, GHI, [27.0] * 12, dhi_kwh_m2_day=[2.0] * 11)


def test_uncertainty_item_reads_the_spread_measured_with_diffuse():
    import json

    from pvyield.results.uncertainty import synthetic_weather_item
    from pvyield.site.schema import SingleAxisMount

    stored = json.loads(synthetic.SPREAD_FILE.read_text())["with_monthly_diffuse"]
    item = synthetic_weather_item(SingleAxisMount(type="single_axis", gcr=0.35), True)
    assert item.sigma_pct == stored["rms_annual_deviation_pct"]["tracker"]
    assert "monthly diffuse given" in item.source
