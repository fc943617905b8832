"""Beam shading between fixed rows against the textbook profile-angle geometry.

A fixed row is handed to :func:`pvlib.shading.shaded_fraction1d` as a tracker frozen at
rotation = tilt about an axis 90 degrees left of the surface azimuth; this checks that
convention, at the validation corpus' First Solar rack geometry (tilt 25 degrees, GCR 0.45,
azimuth 195 degrees as at Agua Caliente, and due south), against the shadow of one row on
the next written out by hand (Appelbaum, J., Bany, J. (1979). Shadow effect of adjacent
solar collectors in large scale systems. Solar Energy 23(6), 497-507,
doi:10.1016/0038-092X(79)90073-2): with the sun's profile angle ``alpha`` in the plane
across the rows, ``tan(alpha) = tan(elevation) / cos(sun azimuth - surface azimuth)``, the
shaded share of the row's slant width is ``1 - sin(alpha) / (gcr * sin(alpha + tilt))``,
clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pvyield.model import chain
from pvyield.site import site_from_mapping

from .conftest import WEATHER

LAT, LON, ELEV = 32.967, -113.5, 150.0  # Agua Caliente Solar Project


def _site(tilt: float, azimuth: float, gcr: float):
    return site_from_mapping({
        "name": "fixed rows", "country": "US", "latitude": LAT, "longitude": LON,
        "elevation_m": ELEV, "timezone": "Etc/GMT+7",
        "plant": {"dc_capacity_mwp": 10.0, "ac_capacity_mwac": 7.3, "bifaciality": 0.0,
                  "module_technology": "cdte", "mounting": {
                      "type": "fixed", "gcr": gcr,
                      "orientations": [{"tilt_deg": tilt, "azimuth_deg": azimuth}]}},
        "weather": {"file": str(WEATHER / "CA-Palmdale_Airport.tmy3")},
    })


def _hand_shaded_fraction(solpos: pd.DataFrame, tilt: float, azimuth: float, gcr: float):
    elevation = np.radians(90.0 - solpos["apparent_zenith"].to_numpy())
    across = np.cos(np.radians(solpos["azimuth"].to_numpy() - azimuth))
    alpha = np.arctan2(np.tan(elevation), across)  # profile angle, 0-180 degrees
    beta = np.radians(tilt)
    return np.clip(1.0 - np.sin(alpha) / (gcr * np.sin(alpha + beta)), 0.0, 1.0)


@pytest.mark.parametrize("azimuth", [180.0, 195.0])
def test_fixed_row_beam_shading_is_the_profile_angle_geometry(azimuth):
    tilt, gcr = 25.0, 0.45
    site = _site(tilt, azimuth, gcr)
    times = pd.date_range("2019-01-01 00:30", periods=8760, freq="h", tz="Etc/GMT+7")
    solpos = chain.solar_position(times, site)
    plane = chain.planes(site, solpos)[0]
    ours = chain.beam_shaded_fraction(plane, solpos).to_numpy()
    # only where the beam reaches the front of the row: elsewhere there is nothing to shade
    aoi = chain.pvlib.irradiance.aoi(tilt, azimuth, solpos["apparent_zenith"],
                                     solpos["azimuth"]).to_numpy()
    lit = (solpos["apparent_zenith"].to_numpy() < 89.0) & (aoi < 89.0)
    hand = _hand_shaded_fraction(solpos, tilt, azimuth, gcr)
    np.testing.assert_allclose(ours[lit], hand[lit], atol=1e-9)
    # the check has teeth: rows shade each other in winter mornings and evenings
    assert (hand[lit] > 0.05).sum() > 100
