"""The two reference plants end to end: figures, JSON layout, checks, atomic outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pvyield.cli import main

from .conftest import SITES

REQUIRED_SITE_KEYS = {
    "name", "annual_energy_gwh", "specific_yield_kwh_per_kwp", "capacity_factor_ac",
    "performance_ratio", "households_served", "monthly_energy_gwh", "losses_pct", "checks",
    "assumptions", "weather",
}


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "results.json"
    code = main(["estimate", str(SITES / "mauriti.yaml"), str(SITES / "ceme1.yaml"),
                 "--out", str(out), "--quiet"])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_json_layout_scripts_rely_on(document):
    assert [s["name"] for s in document["sites"]] == ["Mauriti", "CEME1"]
    for site in document["sites"]:
        assert site.keys() >= REQUIRED_SITE_KEYS
        assert len(site["monthly_energy_gwh"]) == 12
        assert {"source", "synthetic", "distance_km"} <= site["weather"].keys()
        for check in site["checks"]:
            assert {"metric", "reported", "estimate", "deviation_pct", "verdict"} <= check.keys()
        assert {"transposition", "iam", "soiling", "temperature", "inverter", "clipping",
                "ac_losses", "availability"} <= site["losses_pct"].keys()
        assert site["p90_gwh"] < site["p50_gwh"] == site["annual_energy_gwh"]
        claims = site["reconciliation"]["claims"]
        assert claims and all(c["verdict"] for c in claims)


def test_mauriti_near_its_reported_980_gwh(mauriti_result):
    """Honest assumptions put the estimate within about 15 % of the reported figure."""
    assert mauriti_result.annual_energy_gwh == pytest.approx(980.0, rel=0.15)
    assert mauriti_result.weather.synthetic


def test_ceme1_near_its_reported_2863_mwh_per_day(ceme1_result):
    daily_mwh = ceme1_result.annual_energy_gwh * 1e3 / 365.0
    assert daily_mwh == pytest.approx(2863.0, rel=0.15)
    assert not ceme1_result.weather.synthetic


def test_figures_are_consistent_with_each_other(mauriti_result, ceme1_result):
    for r in (mauriti_result, ceme1_result):
        plant = r.site.plant
        assert r.specific_yield_kwh_per_kwp == pytest.approx(
            r.annual_energy_gwh * 1e6 / (plant.dc_capacity_mwp * 1e3))
        assert r.capacity_factor_ac == pytest.approx(
            r.annual_energy_gwh * 1e3 / (plant.ac_capacity_mwac * 8760))
        assert 0 < r.capacity_factor_dc < r.capacity_factor_ac < 1
        assert 0.6 < r.performance_ratio < 1.0


def test_checks_compute_deviation_and_implied_values(ceme1_result):
    daily = next(c for c in ceme1_result.checks if c.metric == "daily_energy_mwh")
    estimate = ceme1_result.annual_energy_gwh * 1e3 / 365
    assert daily.estimate == pytest.approx(estimate)
    assert daily.deviation_pct == pytest.approx((2863 / estimate - 1) * 100)
    # 2,863 MWh/day x 365 = 1,045 GWh over 480 MWp
    assert daily.implied["annual_energy_gwh"] == pytest.approx(1044.995)
    assert daily.implied["specific_yield_kwh_per_kwp"] == pytest.approx(1044.995e3 / 480)
    households = next(c for c in ceme1_result.checks if c.reported == 500000)
    assert households.implied["kwh_per_household_year"] == pytest.approx(
        ceme1_result.annual_energy_gwh * 1e6 / 500000)


def test_households_use_a_named_figure_and_a_range(mauriti_result):
    h = mauriti_result.households
    assert h.kwh_per_household_year == 2124.0 and "EPE" in h.source
    assert h.households == pytest.approx(mauriti_result.annual_energy_gwh * 1e6 / 2124.0)
    assert h.households_low <= h.households <= h.households_high


def test_assumptions_listed_with_their_reasons(mauriti_result, ceme1_result):
    mauriti = {a.parameter: a for a in mauriti_result.assumptions}
    assert mauriti["plant.mounting"].kind == "assumption"
    assert mauriti["timezone"].kind == "derived"
    assert mauriti["plant.thermal.u_c"].kind == "default"
    ceme1 = {a.parameter: a for a in ceme1_result.assumptions}
    assert "AC rating unknown" in ceme1["plant.ac_capacity_mwac"].reason
    assert "plant.mounting.orientations.0.tilt_deg" in ceme1
    assert not [a for a in ceme1_result.assumptions if a.kind == "unsourced"]


def test_a_bad_site_among_good_ones_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pvyield.cli", "estimate", str(SITES / "ceme1.yaml"), str(bad),
         "--out", str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [bad]


def test_output_into_missing_folder_is_a_clear_error(tmp_path, capsys):
    code = main(["estimate", str(SITES / "ceme1.yaml"), "--quiet", "--out",
                 str(tmp_path / "nowhere" / "r.json")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_terminal_output_has_p_values_and_reconciliation(capsys):
    assert main(["estimate", str(SITES / "ceme1.yaml")]) == 0
    out = capsys.readouterr().out
    assert "P90" in out and "10-year mean, no degradation" in out
    assert "reconciliation" in out and "basis: expected; compared with: P50 of year 1" in out
    assert "plant.mounting" in out  # the sensitivity table
