"""Time the synthetic weather years of LABREN municipal seats: one site at a time against
many at once.

For each count of seats (default 100 and 1,000, taken evenly from the seats of
``brazil-screening/municipalities.csv``, each with its own time zone and the screening's
template), it times:

- ``one at a time``: :func:`pvyield.weather.weather_for_site` in a loop (pvlib's SPA,
  clear sky and DIRINDEX per site), on the first ``--loop-sites`` seats only (its cost per
  site does not depend on the count);
- ``many at once``: :func:`pvyield.weather.weather_for_sites` on all the seats, in chunks
  of ``--chunk`` sites as a batch run would call it;

and prints the time per site and the ratio. It also times the LABREN look-up as it was
before the table was cached (the table parsed and scanned for every site). Code is warmed
up (imports, compiled kernels, the cached tables, the calendar and sun terms of every time
zone of the seats) before the clock starts, so the figures are those of a long screening
run.

Run from the repository root::

    .venv/bin/python benchmarks/synthetic_weather.py [--counts 100 1000] [--loop-sites 40]
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pvyield.site.load import read_mapping, site_from_mapping  # noqa: E402
from pvyield.weather import weather_for_site, weather_for_sites  # noqa: E402
from pvyield.weather.climatology import LABREN_PATH, read_labren  # noqa: E402
from pvyield.weather.frame import haversine_km  # noqa: E402


def seats(count: int) -> list:
    """``count`` seats spread evenly over the screening table, as sites."""
    table = pd.read_csv(HERE / "brazil-screening" / "municipalities.csv")
    rows = table.iloc[np.linspace(0, len(table) - 1, count).round().astype(int)]
    template = read_mapping(HERE / "brazil-screening" / "template.yaml")
    out = []
    for row in rows.itertuples(index=False):
        data = copy.deepcopy(template)
        data.update(name=str(row.name), latitude=float(row.latitude),
                    longitude=float(row.longitude), timezone=str(row.timezone))
        out.append(site_from_mapping(data))
    return out


def old_labren_lookup(site) -> None:
    """The LABREN look-up as it was: the table read and scanned for every site."""
    table = read_labren(LABREN_PATH)
    distance = haversine_km(site.latitude, site.longitude, table["latitude"].to_numpy(),
                            table["longitude"].to_numpy())
    table.iloc[int(np.argmin(distance))]


def per_site(function, items) -> tuple[float, float]:
    """Wall-clock and CPU time of the process per item [s]."""
    start, cpu = time.perf_counter(), time.process_time()
    function(items)
    return ((time.perf_counter() - start) / len(items),
            (time.process_time() - cpu) / len(items))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--loop-sites", type=int, default=40)
    parser.add_argument("--chunk", type=int, default=100)
    args = parser.parse_args(argv)
    # every seat carries the same temperature warning; a batch run does not log them either
    logging.getLogger("pvyield.weather").setLevel(logging.ERROR)

    def loop(items):
        for site in items:
            weather_for_site(site)

    def many(items):
        for first in range(0, len(items), args.chunk):
            results = weather_for_sites(items[first:first + args.chunk])
            assert all(isinstance(r, tuple) for r in results)

    def labren_old(items):
        for site in items:
            old_labren_lookup(site)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the start")
    # every time zone of the seats: its calendar and sun terms are made once per process
    warm = seats(60)
    loop(warm[:2])
    many(warm)
    rows = []
    for count in args.counts:
        sites = seats(count)
        t_loop = per_site(loop, sites[:args.loop_sites])
        t_many = per_site(many, sites)
        t_labren = per_site(labren_old, sites[:args.loop_sites])
        rows.append((count, t_loop, t_many, t_labren))
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work shares the cores)")
    print(f"{'':>6} {'one at a time':>20} {'many at once':>20} {'ratio':>14} "
          f"{'old LABREN look-up':>20}")
    print(f"{'seats':>6} {'ms/site wall (CPU)':>20} {'ms/site wall (CPU)':>20} "
          f"{'wall (CPU)':>14} {'ms/site wall (CPU)':>20}")
    for count, t_loop, t_many, t_labren in rows:
        print(f"{count:>6} {_pair(t_loop):>20} {_pair(t_many):>20} "
              f"{t_loop[0] / t_many[0]:>6.1f}x ({t_loop[1] / t_many[1]:.1f}x) "
              f"{_pair(t_labren):>20}")
    print(f"    one at a time: weather_for_site on the first {args.loop_sites} seats "
          f"(cached LABREN table); many at once: weather_for_sites in chunks of "
          f"{args.chunk}; old LABREN look-up: the table parsed and scanned per site, as "
          "every synthetic LABREN year did before the table was cached (not in the "
          "one-at-a-time figure); CPU: the process's CPU time, less sensitive than the "
          "wall clock to other work on the cores")


def _pair(seconds: tuple[float, float]) -> str:
    return f"{seconds[0] * 1e3:.2f} ({seconds[1] * 1e3:.2f})"


if __name__ == "__main__":
    main(sys.argv[1:])
