"""The summary ``pvyield weather inspect`` prints: what a file is, and its QC report."""

from __future__ import annotations

import math
from pathlib import Path

from pvyield.weather.frame import time_step_minutes
from pvyield.weather.qc import qc_report
from pvyield.weather.readers import read_weather_file


def inspect_weather(path: str | Path, label: str | None = None) -> dict:
    """Read a weather file and report on it (``label`` as in :func:`read_weather_file`).

    Returns
    -------
    dict
        JSON-ready: ``format``, ``source``, ``latitude``, ``longitude``, ``elevation_m``,
        ``rows``, ``time_step_minutes``, ``start``, ``end``, ``years``, ``source_label``,
        ``typical_year``, ``licence``, ``annual_ghi_kwh_m2`` (GHI summed over the series and
        scaled to 365 days) [kWh/m^2], ``annual_ghi_kwh_m2_by_year`` (each whole calendar
        year of a multi-year series, else empty) [kWh/m^2] and ``qc``
        (``time_shift_minutes`` [min] and ``flags``).
    """
    frame, meta = read_weather_file(path, "auto", label)
    step_h = time_step_minutes(frame.index) / 60.0  # the stamps', whatever the metadata says
    days = len(frame) * step_h / 24.0
    elevation = 0.0 if math.isnan(meta.elevation_m) else meta.elevation_m
    report = qc_report(frame, meta.latitude, meta.longitude, elevation)
    return {
        "file": str(path),
        "format": meta.format,
        "source": meta.source,
        "latitude": meta.latitude,
        "longitude": meta.longitude,
        "elevation_m": None if math.isnan(meta.elevation_m) else meta.elevation_m,
        "rows": len(frame),
        "time_step_minutes": step_h * 60.0,
        "start": str(frame.index[0]),
        "end": str(frame.index[-1]),
        "years": list(meta.years),
        "source_label": meta.source_label,
        "typical_year": meta.typical_year,
        "licence": meta.licence,
        "corrections": list(meta.corrections),
        "annual_ghi_kwh_m2": float(frame["ghi"].sum()) * step_h / 1000.0 * 365.0 / days,
        "annual_ghi_kwh_m2_by_year": meta.to_dict()["annual_ghi_kwh_m2_by_year"],
        "qc": report.to_dict(),
    }
