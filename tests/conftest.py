"""Shared fixtures: paths of the bundled sites and weather files."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "sites"
WEATHER = ROOT / "weather"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def mauriti_path() -> Path:
    return SITES / "mauriti.yaml"


@pytest.fixture(scope="session")
def ceme1_path() -> Path:
    return SITES / "ceme1.yaml"


@pytest.fixture(scope="session")
def mauriti_result(mauriti_path):
    import pvyield

    return pvyield.estimate(mauriti_path)


@pytest.fixture(scope="session")
def ceme1_result(ceme1_path):
    import pvyield

    return pvyield.estimate(ceme1_path)


@pytest.fixture(scope="session")
def ceme1_reconciled(ceme1_result):
    from pvyield.reconcile import reconcile

    return reconcile(ceme1_result)
