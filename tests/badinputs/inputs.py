"""Builders of bad (and a few good) inputs for the bad-input corpus and the fuzz script.

Every input is made in code from a small valid site, so the corpus documents exactly which
byte or field is wrong. Weather files that reach the model are the bundled Explorador Solar
year; everything else fails before the model runs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXPLORADOR = ROOT / "weather" / "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv"
TMY3 = ROOT / "weather" / "CA-Palmdale_Airport.tmy3"
NSRDB = ROOT / "weather" / "CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv"

#: A small valid site: fixed monofacial, no GCR, weather from the bundled Explorador file.
BASE_SITE: dict[str, Any] = {
    "name": "Corpus",
    "country": "CL",
    "latitude": -22.35,
    "longitude": -69.65,
    "elevation_m": 1200,
    "timezone": "America/Santiago",
    "plant": {
        "dc_capacity_mwp": 10.0,
        "ac_capacity_mwac": 8.0,
        "mounting": {"type": "fixed", "orientations": [{"tilt_deg": 20, "azimuth_deg": 0}]},
    },
    "weather": {"file": str(EXPLORADOR), "label": "center"},
    "reported": [{"metric": "annual_energy_gwh", "value": 25, "source": "a press release",
                  "date": "2024-07-08"}],
}

SYNTHETIC = {"ghi_kwh_m2_day": [6.0] * 12, "temp_air_c": [20.0] * 12,
             "source": "monthly means for a test"}


def site(**changes: Any) -> dict[str, Any]:
    """The base site with top-level or dotted-path values replaced (None deletes)."""
    data = copy.deepcopy(BASE_SITE)
    for path, value in changes.items():
        node = data
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return data


def site_yaml(**changes: Any) -> str:
    """YAML text of :func:`site`."""
    return yaml.safe_dump(site(**changes), sort_keys=False, allow_unicode=True)


def site_toml(**changes: Any) -> str:
    """TOML text of the base site (written by hand: the standard library only reads TOML)."""
    data = site(**changes)
    lines = [f"{k} = {_toml(v)}" for k, v in data.items() if not isinstance(v, (dict, list))]
    for key in ("plant", "weather"):
        if key in data:
            lines.append(f"{key} = {_toml(data[key])}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def sam_csv(rows: int = 48, cell: dict[tuple[int, str], str] | None = None,
            header: dict[str, str] | None = None) -> str:
    """A SAM CSV weather file of ``rows`` hourly rows from 1 January 2019 (values made up).

    ``cell`` replaces single cells: (row, column) -> text; ``header`` replaces header fields.
    """
    fields = {"Source": "Test", "Location ID": "0", "City": "-", "State": "-",
              "Country": "Chile", "Latitude": "-22.9", "Longitude": "-69.9",
              "Time Zone": "-4", "Elevation": "1600", **(header or {})}
    columns = ["Year", "Month", "Day", "Hour", "Minute", "GHI", "DNI", "DHI", "Tdry", "Wspd",
               "Pres"]
    lines = [",".join(fields), ",".join(fields.values()), ",".join(columns)]
    for i in range(rows):
        day, hour = divmod(i, 24)
        sun = max(0.0, 900.0 * (1 - abs(hour - 12) / 6)) if 6 < hour < 18 else 0.0
        values = {"Year": "2019", "Month": str(1 + day // 31), "Day": str(1 + day % 31),
                  "Hour": str(hour), "Minute": "0", "GHI": f"{sun:.0f}",
                  "DNI": f"{sun * 0.9:.0f}", "DHI": f"{sun * 0.1:.0f}", "Tdry": "20",
                  "Wspd": "2", "Pres": "850"}
        for (row, column), text in (cell or {}).items():
            if row == i:
                values[column] = text
        lines.append(",".join(values[c] for c in columns))
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """'Billion laughs': each level lists the previous one ``width`` times."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"name: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def scenario_yaml(sites: list[str], matrix: dict | None = None, **extra: Any) -> str:
    """A scenario file naming site files (relative to it) and a design matrix."""
    return yaml.safe_dump({"name": "corpus study", "sites": sites, "matrix": matrix or {},
                           **extra}, sort_keys=False)
