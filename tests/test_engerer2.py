"""Engerer2 (Engerer 2015; hourly coefficients of Bright & Engerer 2019) against a hand
calculation of the published equation and the authors' public implementation."""

import numpy as np
import pandas as pd
import pvlib
import pytest

from pvyield.errors import WeatherError
from pvyield.weather import synthetic
from pvyield.weather.engerer2 import apparent_solar_time_h, engerer2


def test_engerer2_matches_hand_calculation_of_the_published_equation():
    # k_d = C + (1 - C) / (1 + exp(b0 + b1 kt + b2 AST + b3 zen + b4 dktc)) + b5 kde,
    # 1-hour row: C -0.0097539, b0 -5.3169, b1 8.5084, b2 0.013241, b3 0.0074356,
    # b4 -3.0329, b5 0.56403. Worked by hand (6 digits):
    # 1) GHI 200, zen 60, AST 10, clear 500, E0n 1400: E0h 700, kt 0.285714,
    #    dktc 0.428571, kde 0, exponent -3.607197 -> kd 0.973331
    # 2) GHI 900, zen 30, AST 12.5, clear 850, E0n 1360: E0h 1177.7945, kt 0.764140,
    #    dktc -0.042452, kde 50/900 = 0.055556, exponent 1.702043 -> kd 0.177284
    # 3) GHI 50, zen 80, AST 16, clear 120, E0n 1410: E0h 244.8439, kt 0.204212,
    #    dktc 0.285896, kde 0, exponent -3.639776 -> kd 0.974164
    out = engerer2(np.array([200.0, 900.0, 50.0]), np.array([60.0, 30.0, 80.0]),
                   np.array([10.0, 12.5, 16.0]), np.array([500.0, 850.0, 120.0]),
                   np.array([1400.0, 1360.0, 1410.0]))
    np.testing.assert_allclose(out["diffuse_fraction"], [0.973331, 0.177284, 0.974164],
                               atol=2e-6)
    # DNI = GHI (1 - kd) / cos(zen), DHI = GHI kd
    np.testing.assert_allclose(out["dni"], [10.668, 854.992, 7.439], atol=2e-3)
    np.testing.assert_allclose(out["dhi"], [194.666, 159.556, 48.708], atol=2e-3)


def test_engerer2_matches_the_authors_implementation():
    # Engerer2Separation.py of JamieMBright/Engerer2-separation-model, commit
    # bf2ab60f5dbf39c8fb1a8b03aca62264815eb35c, run with averaging_period = 60 on its own
    # example (GHI 400, 1000, 600 W/m^2); its zenith, apparent solar time, clear-sky GHI
    # and horizontal extraterrestrial irradiance printed with its outputs.
    zenith = np.array([37.549283129437, 50.155745226633, 60.746020573391])
    solar_time = np.array([9.720113126795, 14.668937785794, 7.455926097381])
    clear = np.array([850.595736287672, 634.607022027766, 503.654849876278])
    e0h = np.array([1100.218488700439, 863.406844075263, 689.858308697104])
    out = engerer2(np.array([400.0, 1000.0, 600.0]), zenith, solar_time, clear,
                   e0h / np.cos(np.radians(zenith)))
    np.testing.assert_allclose(out["diffuse_fraction"],
                               [0.954679138927, 0.198033462292, 0.126160675997], rtol=1e-9)
    np.testing.assert_allclose(out["dni"], [22.865378094166, 1251.697951542877,
                                            1072.893553305055], rtol=1e-9)
    np.testing.assert_allclose(out["dhi"], [381.871655570925, 198.033462291528,
                                            75.696405598164], rtol=1e-9)


def test_engerer2_night_and_zero_ghi():
    out = engerer2(np.array([0.0, 5.0]), np.array([50.0, 95.0]), np.array([9.0, 20.0]),
                   np.array([300.0, 0.0]), np.array([1400.0, 1400.0]))
    assert np.isnan(out["diffuse_fraction"]).all()
    np.testing.assert_array_equal(out["dni"], [0.0, 0.0])
    np.testing.assert_array_equal(out["dhi"], [0.0, 5.0])


def test_apparent_solar_time_is_noon_at_pvlib_transit():
    times = pd.DatetimeIndex(["2021-01-15", "2021-07-01"], tz="Etc/GMT+8")
    transit = pvlib.solarposition.sun_rise_set_transit_spa(times, 47.5, -122.3)["transit"]
    ast = apparent_solar_time_h(pd.DatetimeIndex(transit), -122.3)
    np.testing.assert_allclose(ast, 12.0, atol=1.0 / 60.0)  # equation-of-time models: < 1 min


def test_decompose_engerer2_needs_longitude_and_closes():
    times = pd.date_range("2021-06-01 06:30", periods=12, freq="1h", tz="Etc/GMT+8")
    solpos = pvlib.solarposition.get_solarposition(times, 37.0, -120.0)
    clear = pvlib.location.Location(37.0, -120.0).get_clearsky(times, solar_position=solpos)
    ghi = 0.6 * clear["ghi"].to_numpy()
    zenith = solpos["zenith"].to_numpy()
    with pytest.raises(WeatherError, match="longitude"):
        synthetic.decompose(ghi, times, zenith, clear, 100.0, "engerer2")
    dni, dhi = synthetic.decompose(ghi, times, zenith, clear, 100.0, "engerer2",
                                   longitude=-120.0)
    direct = engerer2(ghi, zenith, apparent_solar_time_h(times, -120.0),
                      clear["ghi"].to_numpy(),
                      pvlib.irradiance.get_extra_radiation(times).to_numpy())
    np.testing.assert_allclose(dni, direct["dni"], rtol=1e-12)
    np.testing.assert_allclose(dhi + dni * np.cos(np.radians(zenith)), ghi, atol=1e-9)


def test_stacked_engerer2_equals_decompose_per_site_with_its_longitude():
    calendar = synthetic._calendar(synthetic.standard_time_zone("America/Fortaleza"), 2019, 1)
    times = calendar.times
    sites = [(-7.37, -38.79), (-3.1, -60.0)]
    rows = []
    for lat, lon in sites:
        solpos = pvlib.solarposition.get_solarposition(times, lat, lon, 300.0)
        clear = synthetic._clear_sky(times, solpos, lat, lon, 300.0)
        rows.append((clear["ghi"].to_numpy() * 0.7, solpos["zenith"].to_numpy(), clear))
    dni, dhi = synthetic._decompose_stacked(
        np.array([r[0] for r in rows]), calendar, np.array([r[1] for r in rows]),
        np.array([r[2]["ghi"].to_numpy() for r in rows]),
        np.array([r[2]["dni"].to_numpy() for r in rows]), np.array([300.0, 300.0]),
        "engerer2", longitude=np.array([lon for _, lon in sites]))
    for s, (ghi, zenith, clear) in enumerate(rows):
        one = synthetic.decompose(ghi, times, zenith, clear, 300.0, "engerer2",
                                  longitude=sites[s][1])
        assert (one[0] > 0).sum() > 3000
        np.testing.assert_allclose(dni[s], one[0], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(dhi[s], one[1], rtol=1e-12, atol=1e-9)
