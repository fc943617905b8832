"""Validate the synthetic-year generator on every bundled real hourly file.

Each file is reduced to monthly means (GHI, temperature, daily temperature range, wind),
a year is synthesised from them (seed 0), and the same reference plant (1 MWp, DC/AC 1.25,
fixed, tilted at the latitude towards the equator, pvyield's default losses) is run through
the reference chain on both. Run from the repository root:
``python weather/synthetic_validation.py`` prints the Markdown table of weather/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pvyield.model.chain import run_chain
from pvyield.site import site_from_mapping
from pvyield.weather.readers import read_weather_file
from pvyield.weather.synthetic import monthly_means, synthetic_year

HERE = Path(__file__).resolve().parent
#: Every real hourly file bundled, with the interval label a SAM CSV needs.
FILES = [(p.name, None) for p in sorted(HERE.glob("*.tmy3"))] + [
    ("CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv", "center"),
    ("CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv", None),
]


def reference_site(latitude: float, longitude: float, elevation_m: float, timezone: str):
    """1 MWp fixed plant tilted at the latitude, facing the equator; default losses."""
    return site_from_mapping({
        "name": "synthetic-year validation plant", "country": "XX",
        "latitude": latitude, "longitude": longitude, "elevation_m": elevation_m,
        "timezone": timezone,
        "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8, "mounting": {
            "type": "fixed", "orientations": [{
                "tilt_deg": round(abs(latitude)),
                "azimuth_deg": 180.0 if latitude >= 0 else 0.0}]}},
        "weather": {"file": "unused"},
    })


def validate(name: str, label: str | None, seed: int = 0) -> pd.DataFrame:
    """Monthly AC energy on the real and the synthetic year [kWh] and their ratio - 1."""
    frame, meta = read_weather_file(HERE / name, "auto", label)
    means = monthly_means(frame)
    zone = str(frame.index.tz)
    synthetic, _ = synthetic_year(
        meta.latitude, meta.longitude, meta.elevation_m, zone,
        means["ghi_kwh_m2_day"], means["temp_air_c"], means["temp_range_c"],
        means["wind_speed_m_s"], seed=seed, source=name)
    site = reference_site(meta.latitude, meta.longitude, meta.elevation_m, zone)
    real = run_chain(site, frame).timeseries["p_ac"]
    synth = run_chain(site, synthetic).timeseries["p_ac"]
    table = pd.DataFrame({"real_kwh": real.groupby(real.index.month).sum() / 1000.0,
                          "synthetic_kwh": synth.groupby(synth.index.month).sum() / 1000.0})
    table["deviation"] = table["synthetic_kwh"] / table["real_kwh"] - 1.0
    return table


def markdown() -> str:
    head = ("| file | annual real MWh | annual synthetic MWh | annual | worst month | "
            + " | ".join(pd.Timestamp(2019, m, 1).strftime("%b") for m in range(1, 13))
            + " |")
    lines = [head, "|" + "---|" * 17]
    for name, label in FILES:
        t = validate(name, label)
        annual = t["synthetic_kwh"].sum() / t["real_kwh"].sum() - 1
        worst = t["deviation"].abs().idxmax()
        months = " | ".join(f"{d:+.1%}" for d in t["deviation"])
        lines.append(f"| {name[:32]} | {t['real_kwh'].sum() / 1000:.0f} | "
                     f"{t['synthetic_kwh'].sum() / 1000:.0f} | {annual:+.1%} | "
                     f"{t['deviation'][worst]:+.1%} ({worst}) | {months} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
