"""Time the weather quality checks (:func:`pvyield.weather.qc.qc_report`) per series.

Two paths give the checks the sun position, the clear sky and the extraterrestrial
irradiance: ``sky_pvlib`` (pvlib called per series: its SPA twice, the Linke turbidity file
read per call) and ``sky_fast`` (the split NREL SPA with the time-only terms kept per set
of stamps, each Linke turbidity cell read once per process). For each it times
``qc_report`` on synthetic LABREN years of Brazilian municipal seats (as a batch screening
makes them, sharing their stamps within a time zone) and on a TMY3 file, and prints where
the time goes (cProfile, by the checks' own functions) and the median time per series.

With ``--other path/to/qc.py`` it also times the ``qc_report`` of another version of the
module (e.g. an earlier commit's, ``git show <commit>:pvyield/weather/qc.py > /tmp/qc.py``).

Run from the repository root::

    .venv/bin/python benchmarks/qc_gate.py [--seats 20] [--profile] [--other /tmp/qc.py]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import logging
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from synthetic_weather import seats  # noqa: E402

from pvyield.weather import weather_for_sites  # noqa: E402
from pvyield.weather.qc import qc_report, sky_fast, sky_pvlib  # noqa: E402
from pvyield.weather.readers import read_weather_file  # noqa: E402

TMY3 = HERE.parent / "weather" / "CA-Palmdale_Airport.tmy3"


def per_series_ms(series: list, sky, report=None) -> list[float]:
    """Wall clock of ``qc_report`` (or ``report``, without a sky) on each series [ms]."""
    out = []
    for frame, meta in series:
        start = time.perf_counter()
        if report is None:
            qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m, sky=sky)
        else:
            report(frame, meta.latitude, meta.longitude, meta.elevation_m)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def profile(frame, meta, sky, label: str) -> None:
    """Cumulative time of the checks' steps on one series."""
    profiler = cProfile.Profile()
    profiler.enable()
    qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m, sky=sky)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(r"pvyield/weather/qc\.py|solarposition\.py:\d+\(get_solarposition|"
                      r"lookup_linke|ineichen|get_extra_radiation|zeniths")
    print(f"--- {label}")
    print("\n".join(line for line in text.getvalue().splitlines()
                    if "qc.py" in line or "pvlib" in line or "solar.py" in line
                    or "ncalls" in line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--other", type=Path, help="another qc.py to time")
    args = parser.parse_args()
    other = None
    if args.other is not None:
        spec = importlib.util.spec_from_file_location("qc_other", args.other)
        other = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = other  # dataclasses look their module up
        spec.loader.exec_module(other)
    logging.disable(logging.WARNING)
    synthetic = [w for w in weather_for_sites(seats(args.seats)) if isinstance(w, tuple)]
    tmy = read_weather_file(TMY3)[:2]
    # warm up: imports, compiled kernels, the time terms of the first stamps
    for sky in (sky_pvlib, sky_fast):
        per_series_ms([*synthetic[:1], tmy], sky)
    if args.profile:
        for sky in (sky_pvlib, sky_fast):
            profile(*synthetic[1], sky, f"synthetic LABREN year, {sky.__name__}")
            profile(*tmy, sky, f"TMY3 {TMY3.name}, {sky.__name__}")
    for label, series in ((f"synthetic LABREN years ({len(synthetic) - 1} seats)",
                           synthetic[1:]), (f"TMY3 {TMY3.name} (5 times)", [tmy] * 5)):
        slow = statistics.median(per_series_ms(series, sky_pvlib))
        fast = statistics.median(per_series_ms(series, sky_fast))
        print(f"{label}: qc_report median {slow:.1f} ms (sky_pvlib) -> {fast:.1f} ms "
              f"(sky_fast), x{slow / fast:.1f}")
        if other is not None:
            per_series_ms(series[:1], None, other.qc_report)  # warm
            then = statistics.median(per_series_ms(series, None, other.qc_report))
            print(f"    {args.other}: {then:.1f} ms, x{then / fast:.1f} of sky_fast")


if __name__ == "__main__":
    main()
