"""Engerer2 separation model: diffuse fraction of GHI, with hourly coefficients.

Engerer, N. A. (2015). Minute resolution estimates of the diffuse fraction of global
irradiance for southeastern Australia. Solar Energy 116, 215-237 (section 4, model 2).
Bright, J. M. & Engerer, N. A. (2019). Engerer2: Global re-parameterisation, update, and
validation of an irradiance separation model at different temporal resolutions. Journal
of Renewable and Sustainable Energy 11, 033701 (coefficients per averaging period).

pvlib 0.16 does not have this model. The formula, the predictors and the coefficients
were checked against the authors' public implementation, repository
``JamieMBright/Engerer2-separation-model``, commit
``bf2ab60f5dbf39c8fb1a8b03aca62264815eb35c`` (``Engerer2Separation.py``, its 60-minute
row); ``tests/test_engerer2.py`` holds its outputs for its own example inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pvlib


class Engerer2Coefficients(NamedTuple):
    """Coefficients of the Engerer2 logistic function (Bright & Engerer 2019, table)."""

    c: float
    beta0: float
    beta1: float  # clearness index k_t
    beta2: float  # apparent solar time [h]
    beta3: float  # solar zenith [degrees]
    beta4: float  # k_tc - k_t
    beta5: float  # k_de


#: Hourly (60-minute) coefficients of Bright & Engerer (2019), JRSE 11, 033701.
ENGERER2_HOURLY = Engerer2Coefficients(
    c=-0.0097539, beta0=-5.3169, beta1=8.5084, beta2=0.013241, beta3=0.0074356,
    beta4=-3.0329, beta5=0.56403)


def engerer2(
    ghi: np.ndarray,
    zenith: np.ndarray,
    solar_time_h: np.ndarray,
    ghi_clear: np.ndarray,
    dni_extra: np.ndarray,
    coefficients: Engerer2Coefficients = ENGERER2_HOURLY,
) -> dict[str, np.ndarray]:
    """Diffuse fraction, DNI and DHI from GHI with the Engerer2 model.

    ``k_d = C + (1 - C) / (1 + exp(b0 + b1 k_t + b2 AST + b3 zenith + b4 dk_tc)) + b5 k_de``
    (Engerer 2015, Solar Energy 116, 215-237, eq. for model 2; coefficients of Bright &
    Engerer 2019, J. Renewable Sustainable Energy 11, 033701), with ``k_t = GHI / E0h``,
    ``dk_tc = GHI_clear / E0h - k_t``, ``k_de = max(GHI - GHI_clear, 0) / GHI`` (the share
    of the diffuse fraction due to cloud enhancement; below 0.015 W/m^2 of excess it is 0,
    as in the authors' code), ``E0h = dni_extra cos(zenith)``; ``k_d`` is kept in [0, 1].

    Parameters
    ----------
    ghi : array_like
        Global horizontal irradiance [W/m^2].
    zenith : array_like
        True solar zenith [degrees].
    solar_time_h : array_like
        Apparent solar time [h], 12 at solar noon (:func:`apparent_solar_time_h`).
    ghi_clear : array_like
        Clear-sky GHI [W/m^2].
    dni_extra : array_like
        Extraterrestrial normal irradiance [W/m^2].
    coefficients : Engerer2Coefficients
        Default :data:`ENGERER2_HOURLY`, for hourly means.

    Returns
    -------
    dict
        ``diffuse_fraction`` [-], ``dni`` and ``dhi`` [W/m^2]. With the sun at or below
        the horizon, or no GHI, the fraction is NaN, DNI 0 and DHI the GHI.
    """
    ghi = np.asarray(ghi, dtype=float)
    zenith = np.asarray(zenith, dtype=float)
    cosz = np.cos(np.radians(zenith))
    e0h = np.asarray(dni_extra, dtype=float) * cosz
    up = (zenith < 90.0) & (e0h > 0.0) & (ghi > 0.0)
    safe_e0h = np.where(up, e0h, 1.0)
    safe_ghi = np.where(up, ghi, 1.0)
    kt = ghi / safe_e0h
    dktc = np.asarray(ghi_clear, dtype=float) / safe_e0h - kt
    excess = ghi - np.asarray(ghi_clear, dtype=float)
    kde = np.where(excess < 0.015, 0.0, excess) / safe_ghi
    c, b0, b1, b2, b3, b4, b5 = coefficients
    exponent = b0 + b1 * kt + b2 * np.asarray(solar_time_h, dtype=float) + b3 * zenith + b4 * dktc
    with np.errstate(over="ignore"):  # exp overflow -> logistic term 0, as intended
        kd = c + (1.0 - c) / (1.0 + np.exp(exponent)) + b5 * kde
    kd = np.where(up, np.clip(kd, 0.0, 1.0), np.nan)
    dhi = np.where(up, ghi * kd, np.maximum(ghi, 0.0))
    dni = np.where(up, (ghi - dhi) / np.where(up, cosz, 1.0), 0.0)
    return {"diffuse_fraction": kd, "dni": dni, "dhi": dhi}


def apparent_solar_time_h(times: pd.DatetimeIndex, longitude) -> np.ndarray:
    """Apparent solar time [h] in [0, 24), 12 at solar noon.

    ``12 + hour angle / 15``, the hour angle of :func:`pvlib.solarposition.hour_angle`
    with Spencer's (1971) equation of time; ``longitude`` [degrees east] a scalar or one
    value per stamp.
    """
    eot_min = pvlib.solarposition.equation_of_time_spencer71(times.day_of_year)
    hour_angle = pvlib.solarposition.hour_angle(times, longitude, eot_min)
    return np.mod(12.0 + np.asarray(hour_angle, dtype=float) / 15.0, 24.0)
