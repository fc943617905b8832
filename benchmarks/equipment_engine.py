"""Time the batch engine on real equipment against nameplate (PVWatts) plants.

Runs :func:`pvyield.model.engine.run_sites` on ``--sites`` copies (default 100) of a fixed
bifacial plant on the bundled Palmdale TMY3 year, once with the PAN module and OND
inverter of ``sites/equipment`` (28 modules a string, 18 strings per inverter, 3
inverters) and once with nameplate fields (PVWatts module and inverter); same geometry,
same losses. Compilation is done before the clock starts; the best of ``--repeat`` runs
(default 3) is kept. Prints seconds per call and the ratio equipment / nameplate: the cost
of two single-diode maximum power points (cell temperature and 25 °C) and three Sandia
evaluations per interval.

Run from the repository root::

    .venv/bin/python benchmarks/equipment_engine.py [--sites N] [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pvyield.model.engine import run_sites
from pvyield.site import site_from_mapping
from pvyield.weather.readers import read_weather_file

ROOT = Path(__file__).resolve().parent.parent
EQUIPMENT = ROOT / "sites" / "equipment"
WEATHER = ROOT / "weather" / "CA-Palmdale_Airport.tmy3"


def site(equipment: bool):
    plant = {"mounting": {"type": "fixed", "gcr": 0.4,
                          "orientations": [{"tilt_deg": 25.0, "azimuth_deg": 180.0}]}}
    if equipment:
        plant.update(module={"pan": str(EQUIPMENT / "ET-M772BH550GL.PAN")},
                     inverter={"ond": str(EQUIPMENT /
                                          "CPS SCH275KTL-DO-US-800-250kW_275kVA_1.OND")},
                     layout={"modules_per_string": 28, "strings_per_inverter": 18,
                             "inverters": 3})
    else:
        plant.update(dc_capacity_mwp=0.83, ac_capacity_mwac=0.75, bifaciality=0.7)
    return site_from_mapping({
        "name": "equipment" if equipment else "nameplate", "country": "US",
        "latitude": 34.633, "longitude": -118.083, "elevation_m": 769.0,
        "timezone": "America/Los_Angeles", "plant": plant,
        "losses": {"soiling_pct": 1.0, "mismatch_pct": 1.0, "dc_wiring_pct": 1.5,
                   "lid_pct": 1.0, "ac_losses_pct": 1.0, "availability_pct": 99.0},
        "weather": {"file": str(WEATHER)}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    weather = read_weather_file(WEATHER)[0]
    sites = {"nameplate": site(False), "equipment": site(True)}
    run_sites(list(sites.values()), [weather] * 2)  # compile or load the kernels
    seconds = {}
    for name, one in sites.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            run_sites([one] * args.sites, [weather] * args.sites)
            times.append(time.perf_counter() - start)
        seconds[name] = min(times)
        print(f"{name:10s} {args.sites} sites: {seconds[name]:.3f} s "
              f"({seconds[name] / args.sites * 1e3:.2f} ms per site-year)")
    print(f"ratio equipment / nameplate: {seconds['equipment'] / seconds['nameplate']:.1f}")


if __name__ == "__main__":
    main()
