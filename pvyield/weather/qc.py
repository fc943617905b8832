"""Quality checks of weather series.

The time-shift check compares when the measured irradiance of clear days peaks with when
the clear-sky model says it should, at the same stamps. A wrong time zone, a wrong interval
label or a daylight-saving mix-up shows as a shift of whole or half hours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

#: A day counts as clear when its GHI is at least this fraction of the clear-sky GHI.
CLEAR_DAY_INDEX = 0.75
#: Fewer clear days than this and the shift cannot be told.
MIN_CLEAR_DAYS = 5


def clear_sky_ghi(
    times: pd.DatetimeIndex, latitude: float, longitude: float, elevation_m: float
) -> pd.Series:
    """Ineichen-Perez clear-sky GHI with climatological Linke turbidity [W/m^2]."""
    location = pvlib.location.Location(latitude, longitude, altitude=elevation_m)
    return location.get_clearsky(times, model="ineichen")["ghi"]


def time_shift_minutes(
    frame: pd.DataFrame, latitude: float, longitude: float, elevation_m: float
) -> float:
    """How much later the measured GHI peaks than clear-sky GHI at the same stamps [min].

    For every clear day, the irradiance-weighted mean time (the centroid) of measured GHI
    is compared with that of the clear-sky model evaluated at the same stamps; the median
    difference over clear days is returned. About 0 for a correctly stamped series; +60
    when the stamps are one hour too late for their values (a value stamped 13:00 belongs
    to 12:00); +30 when end-of-interval stamps are read as interval centres. Subtract the
    shift from the stamps to repair them.

    Returns
    -------
    float
        Shift in minutes, or NaN when the series has fewer than :data:`MIN_CLEAR_DAYS`
        clear days.
    """
    clear = clear_sky_ghi(frame.index, latitude, longitude, elevation_m).to_numpy()
    ghi = frame["ghi"].to_numpy(dtype=float)
    # hours since the first stamp: continuous across midnight and time zones
    hours = (frame.index - frame.index[0]).total_seconds().to_numpy() / 3600.0
    day = pd.Index(frame.index.date)
    table = pd.DataFrame({"day": day, "t": hours, "ghi": ghi, "clear": clear})
    table["t_ghi"] = table["t"] * table["ghi"]
    table["t_clear"] = table["t"] * table["clear"]
    daily = table.groupby("day")[["ghi", "clear", "t_ghi", "t_clear"]].sum()
    clear_days = daily[(daily["clear"] > 0) & (daily["ghi"] >= CLEAR_DAY_INDEX * daily["clear"])]
    if len(clear_days) < MIN_CLEAR_DAYS:
        return float("nan")
    centroid_ghi = clear_days["t_ghi"] / clear_days["ghi"]
    centroid_clear = clear_days["t_clear"] / clear_days["clear"]
    return float(np.median(centroid_ghi - centroid_clear) * 60.0)
