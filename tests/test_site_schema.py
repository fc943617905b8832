"""Site files: the bundled ones load; every kind of mistake is rejected with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import pvyield
from pvyield.errors import SiteError
from pvyield.site import read_mapping, site_from_mapping
from pvyield.site.schema import Site

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_sites_load(mauriti_path, ceme1_path):
    mauriti = pvyield.load_site(mauriti_path)
    ceme1 = pvyield.load_site(ceme1_path)
    assert mauriti.plant.mounting.type == "single_axis"
    assert [o.azimuth_deg for o in ceme1.plant.mounting.orientations] == [90.0, 270.0]
    assert ceme1.timezone == "America/Santiago"


def test_missing_timezone_is_derived_offline(mauriti_path):
    site = pvyield.load_site(mauriti_path)
    assert "timezone" not in read_mapping(mauriti_path)
    assert site.timezone == "America/Fortaleza"
    assert "timezone" in site.derived


def _broken(ceme1_path: Path, tmp_path: Path, edit) -> Path:
    data = read_mapping(ceme1_path)
    data["weather"]["file"] = str(ceme1_path.parent / data["weather"]["file"])
    edit(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _set(path: str, value):
    def edit(data):
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return edit


_DELETE = object()

MISTAKES = [
    # (what, edit, words the message must contain)
    ("unknown key", _set("plant.colour", "blue"), ["plant.colour", "unknown field"]),
    ("missing field", _set("plant.dc_capacity_mwp", _DELETE),
     ["plant.dc_capacity_mwp", "required"]),
    ("wrong type", _set("plant.ac_capacity_mwac", "lots"), ["plant.ac_capacity_mwac", "number"]),
    ("latitude 95", _set("latitude", 95), ["latitude", "<= 90", "95"]),
    ("negative capacity", _set("plant.dc_capacity_mwp", -480), ["plant.dc_capacity_mwp", "> 0"]),
    ("DC/AC ratio 20", _set("plant.ac_capacity_mwac", 24.0), ["plant", "DC/AC", "[0.8, 2.0]"]),
    ("tilt 120", _set("plant.mounting.orientations.0.tilt_deg", 120),
     ["plant.mounting.orientations.0.tilt_deg", "<= 90"]),
    ("unknown mounting", _set("plant.mounting.type", "dual_axis"),
     ["plant.mounting", "dual_axis", "fixed", "single_axis"]),
    ("shares", _set("plant.mounting.orientations.0.share", 0.9), ["sum to 1"]),
    ("soiling list", _set("losses.soiling_pct", [1, 2]), ["losses.soiling_pct", "12"]),
    ("bad time zone", _set("timezone", "UTC-4"), ["timezone", "Etc/GMT+4"]),
    ("provenance path", _set("assumptions", {"plant.colour": "x"}), ["plant.colour"]),
    ("reported date", _set("reported.0.date", "May 2024"), ["reported.0.date", "YYYY"]),
]


@pytest.mark.parametrize("what, edit, words", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistakes_are_named(ceme1_path, tmp_path, what, edit, words):
    path = _broken(ceme1_path, tmp_path, edit)
    with pytest.raises(SiteError) as info:
        pvyield.load_site(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, f"{what}: {word!r} not in {message!r}"


@pytest.mark.parametrize("what, edit, words", MISTAKES[:8], ids=[m[0] for m in MISTAKES[:8]])
def test_cli_rejects_with_exit_code_2_and_no_traceback(ceme1_path, tmp_path, what, edit, words):
    path = _broken(ceme1_path, tmp_path, edit)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pvyield.cli", "estimate", str(path), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and words[0] in proc.stderr
    assert not out.exists()


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nplant: [1, 2\nlosses: {}\n", encoding="utf-8")
    with pytest.raises(SiteError, match=r"bad.yaml: line \d+: not valid YAML"):
        pvyield.load_site(path)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(SiteError, match=r"expected a \.yaml"):
        pvyield.load_site(tmp_path / "site.json")
    with pytest.raises(SiteError, match="cannot read file"):
        pvyield.load_site(tmp_path / "nowhere.yaml")


def test_toml_site_equals_yaml_site(mauriti_path, tmp_path):
    """The same site written as TOML loads to the same values."""
    yaml_site = pvyield.load_site(mauriti_path)
    toml_text = """
name = "Mauriti"
country = "BR"
latitude = -7.37
longitude = -38.79
elevation_m = 380
[plant]
dc_capacity_mwp = 425.0
ac_capacity_mwac = 343.77
[plant.mounting]
type = "single_axis"
gcr = 0.35
[weather]
file = "w.csv"
label = "center"
"""
    path = tmp_path / "site.toml"
    path.write_text(toml_text, encoding="utf-8")
    site = pvyield.load_site(path)
    assert site.plant.dc_capacity_mwp == yaml_site.plant.dc_capacity_mwp
    assert site.plant.mounting.gcr == yaml_site.plant.mounting.gcr
    assert site.timezone == "America/Fortaleza"


def test_json_schema_file_is_current():
    """The committed JSON Schema (used by editors) matches the code."""
    committed = json.loads((ROOT / "pvyield/site/site.schema.json").read_text("utf-8"))
    assert committed == Site.model_json_schema()


def test_schema_rejects_in_json_schema_too():
    """The exported schema carries the same ranges, so editors flag latitude 95."""
    schema = Site.model_json_schema()
    assert schema["properties"]["latitude"]["maximum"] == 90
    assert schema["additionalProperties"] is False


def test_site_from_mapping_without_file():
    data = {"name": "x", "country": "CL", "latitude": -22.0, "longitude": -69.0,
            "elevation_m": 1000, "plant": {"dc_capacity_mwp": 1.2, "ac_capacity_mwac": 1.0,
                                           "mounting": {"type": "single_axis", "gcr": 0.3}},
            "weather": {"file": "x.csv", "label": "center"}}
    site = site_from_mapping(data)
    assert site.path is None and site.timezone == "America/Santiago"
