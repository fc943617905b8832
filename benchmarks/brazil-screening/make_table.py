"""Write municipalities.csv: every Brazilian municipal seat of the LABREN atlas as a site row.

Run from the repository root: ``python benchmarks/brazil-screening/make_table.py``.
Columns are site-file paths (name, region, latitude, longitude, timezone) that fill
``template.yaml``; the time zone is derived offline once here rather than per run.
"""

from __future__ import annotations

from pathlib import Path

from timezonefinder import TimezoneFinder

from pvyield.weather.climatology import LABREN_PATH, read_labren

HERE = Path(__file__).resolve().parent


def main() -> None:
    seats = read_labren(LABREN_PATH)
    finder = TimezoneFinder()
    seats["timezone"] = [finder.timezone_at(lat=lat, lng=lon) for lat, lon in
                         zip(seats["latitude"], seats["longitude"], strict=True)]
    table = seats.assign(name=seats["name"] + ", " + seats["state"], region=seats["state"])
    table[["name", "region", "latitude", "longitude", "timezone"]].to_csv(
        HERE / "municipalities.csv", index=False)


if __name__ == "__main__":
    main()
