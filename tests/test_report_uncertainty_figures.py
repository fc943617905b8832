"""The exceedance curve and the tornado chart draw what the Result and reconciliation hold."""

from __future__ import annotations

import numpy as np
import pytest

from pvyield.report import exceedance_figure, save_figure, tornado_figure


def test_exceedance_curve_passes_through_the_p_values(mauriti_result):
    fig = exceedance_figure(mauriti_result)
    ax = fig.axes[0]
    assert "probability of exceedance" in ax.get_ylabel()
    one_year = ax.get_lines()[0]
    x, y = one_year.get_data()
    u = mauriti_result.uncertainty.one_year
    for level in (50, 90, 99):
        assert np.interp(u.at(level), x, y[::-1][::-1]) == pytest.approx(level, abs=0.5)
    claims = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    energy_claims = [c for c in mauriti_result.checks
                     if c.metric in ("annual_energy_gwh", "daily_energy_mwh",
                                     "capacity_factor_ac")]
    assert len(claims) == len(energy_claims)
    # the four labelled periods are drawn, each named
    labels = [line.get_label() for line in ax.get_lines()]
    for period in mauriti_result.uncertainty.periods:
        assert any(label.startswith(period.label) for label in labels)


def test_tornado_has_two_bars_per_assumption_in_order(ceme1_result, ceme1_reconciled,
                                                      tmp_path):
    rec = ceme1_reconciled
    fig = tornado_figure(ceme1_result, rec)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(t.split("\n")[0] for t in labels) == sorted(
        s.parameter for s in rec.sensitivities)
    # widest range on top, named with the site's own mounting beside the alternatives
    assert labels[-1] == "plant.mounting\n(now fixed east-west)"
    widths = sorted(abs(p.get_width()) for p in ax.patches)
    ranges = sorted(abs(e - rec.base_energy_gwh) for s in rec.sensitivities
                    for e in (s.energy_low_gwh, s.energy_high_gwh))
    np.testing.assert_allclose(widths, ranges, rtol=1e-9, atol=1e-9)
    png, svg = save_figure(fig, tmp_path / "tornado")
    assert png.stat().st_size > 10_000 and svg.read_text().startswith("<?xml")


def test_report_with_reconciliation_has_its_section_and_tornado(tmp_path, capsys):
    from pvyield.cli import main

    from .conftest import SITES

    assert main(["report", str(SITES / "ceme1.yaml"), "--out", str(tmp_path),
                 "--reconcile"]) == 0
    markdown = (tmp_path / "ceme1.md").read_text(encoding="utf-8")
    assert "## Reconciliation of the reported figures" in markdown
    assert "consistent" in markdown and "plant.mounting" in markdown
    assert "plausible" not in markdown  # one vocabulary: the checks' verdicts
    assert "compared with" in markdown and "kWh/household/yr" in markdown
    assert (tmp_path / "figures" / "ceme1-tornado.png").stat().st_size > 10_000
    assert (tmp_path / "ceme1.html").read_text(encoding="utf-8").count("<img ") == 7
