"""The synthetic year against every bundled real hourly file (table in weather/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "synthetic_validation", ROOT / "weather" / "synthetic_validation.py")
validation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(validation)


@pytest.mark.parametrize(("name", "label"), validation.FILES)
def test_synthetic_energy_within_3_percent_a_year_and_8_percent_a_month(name, label):
    table = validation.validate(name, label)
    annual = table["synthetic_kwh"].sum() / table["real_kwh"].sum() - 1
    assert abs(annual) <= 0.03
    assert table["deviation"].abs().max() <= 0.08


def test_validation_covers_every_bundled_hourly_file():
    assert len(validation.FILES) == 8
