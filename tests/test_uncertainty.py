"""P-values and lifetime energy against hand calculations; reconciliation directions."""

from __future__ import annotations

import math

import pytest

from pvyield.reconcile import _claim
from pvyield.results.checks import check_one
from pvyield.results.uncertainty import (
    Item,
    design_uncertainty,
    lifetime_energy,
    rectangular_sigma_pct,
    uncertainty,
    z_score,
)
from pvyield.site.schema import Reported


def test_z_scores_are_the_normal_quantiles():
    assert z_score(90) == pytest.approx(1.281552, abs=1e-6)
    assert z_score(75) == pytest.approx(0.674490, abs=1e-6)
    assert z_score(99) == pytest.approx(2.326348, abs=1e-6)


def test_p_values_by_hand():
    """Items 3 % and 4 % -> model 5 %; inter-annual 4 %: one year sqrt(25 + 16) = 6.403 %;
    10-year average sqrt(25 + 1.125**2 + 16 / 10) with 0.25 %/yr x 4.5 yr degradation."""
    u = uncertainty(1000.0, 0.5, [Item("a", 3.0, "x"), Item("b", 4.0, "y")],
                    Item("interannual", 4.0, "z"), average_years=10)
    assert u.model_sigma_pct == pytest.approx(5.0)
    sigma_1 = math.sqrt(25 + 16)
    assert u.one_year.sigma_pct == pytest.approx(sigma_1)
    assert u.one_year.at(50) == 1000.0
    assert u.one_year.at(90) == pytest.approx(1000 * (1 - 1.2815516 * sigma_1 / 100), rel=1e-7)
    assert u.one_year.at(99) == pytest.approx(1000 * (1 - 2.3263479 * sigma_1 / 100), rel=1e-7)
    assert u.one_year.p10_gwh == pytest.approx(1000 * (1 + 1.2815516 * sigma_1 / 100), rel=1e-7)
    mean_10 = sum(1000 * 0.995 ** k for k in range(10)) / 10
    sigma_10 = math.sqrt(25 + (0.25 * 4.5) ** 2 + 16 / 10)
    assert u.average.p50_gwh == pytest.approx(mean_10)
    assert u.average.sigma_pct == pytest.approx(sigma_10)
    assert u.average.at(90) == pytest.approx(mean_10 * (1 - 1.2815516 * sigma_10 / 100),
                                             rel=1e-7)
    assert u.one_year.at(99) < u.one_year.at(90) < u.one_year.at(75) < u.one_year.at(50)


def test_lifetime_by_hand():
    years = lifetime_energy(100.0, 0.5, 25)
    assert len(years) == 25 and years[0] == 100.0
    assert years[24] == pytest.approx(100.0 * 0.995 ** 24)
    assert sum(years) / 25 == pytest.approx(100.0 * (1 - 0.995 ** 25) / (0.005 * 25))


def test_reference_plants_carry_p_values(mauriti_result, ceme1_result):
    for r in (mauriti_result, ceme1_result):
        d = r.to_dict()
        assert d["p50_gwh"] == pytest.approx(r.annual_energy_gwh)
        assert d["p90_gwh"] < d["p75_gwh"] < d["p50_gwh"] < d["p10_gwh"]
        names = {i["name"] for i in d["uncertainty"]["items"]}
        assert {"irradiance", "transposition", "temperature", "soiling", "mismatch_and_wiring",
                "inverter", "availability", "degradation"} <= names
    mauriti = {i.name for i in mauriti_result.uncertainty.items}
    assert {"synthetic_weather", "bifacial"} <= mauriti  # synthetic weather, bifacial plant
    ceme1 = {i.name for i in ceme1_result.uncertainty.items}
    assert not {"synthetic_weather", "bifacial"} & ceme1


def test_site_file_replaces_an_item(ceme1_path):
    import pvyield
    from pvyield.site.overrides import site_variant

    site = pvyield.load_site(ceme1_path)
    variant = site_variant(site, {"uncertainty": {"items": {"irradiance": {
        "sigma_pct": 8.0, "source": "no ground station"}}}}, "test")
    result = pvyield.estimate(variant)
    item = next(i for i in result.uncertainty.items if i.name == "irradiance")
    assert item.sigma_pct == 8.0 and "no ground station" in item.source


def test_sensitivity_directions_are_physical(ceme1_reconciled):
    s = {x.parameter: x for x in ceme1_reconciled.sensitivities}
    assert s["losses.soiling_pct"].energy_high_gwh < s["losses.soiling_pct"].energy_low_gwh
    assert s["plant.mounting"].high == "single_axis"
    assert s["plant.mounting"].energy_high_gwh > 1.15 * s["plant.mounting"].energy_low_gwh
    assert s["plant.bifaciality"].energy_high_gwh > s["plant.bifaciality"].energy_low_gwh
    assert s["losses.availability_pct"].energy_high_gwh > s[
        "losses.availability_pct"].energy_low_gwh
    assert s["plant.ac_capacity_mwac"].energy_high_gwh > s["plant.ac_capacity_mwac"].energy_low_gwh
    assert s["plant.gamma_pdc_pct_per_c"].energy_high_gwh > s[
        "plant.gamma_pdc_pct_per_c"].energy_low_gwh


def test_claims_get_verdicts(ceme1_result, ceme1_reconciled):
    verdicts = {(c.metric, c.reported): c.verdict for c in ceme1_reconciled.claims}
    assert verdicts[("daily_energy_mwh", 2863.0)] == "consistent"  # 2,863 / 2,756 - 1 = +3.9 %
    sens = ceme1_reconciled.sensitivities
    r = ceme1_result

    def claim(value: float):
        reported = Reported(metric="annual_energy_gwh", value=value, source="test", date=None)
        check = check_one(r.site, reported, r.annual_energy_gwh, r.households, r.uncertainty)
        return _claim(r, reported, check, sens, ())

    trackers = claim(1340.0)  # only single-axis tracking yields this much
    assert trackers.verdict == "inconsistent"  # 1,340 / 1,006 - 1 = +33 %
    assert any(n.startswith("plant.mounting = single_axis") for n in trackers.needs)
    assert claim(2500.0).verdict == "inconsistent" and claim(2500.0).needs == ()
    assert claim(2500.0).exceedance_pct < 0.1
    # the claim at the first-year P50 (the basis of a figure that states no period)
    assert claim(r.annual_energy_gwh).exceedance_pct == pytest.approx(50.0)


def test_rectangular_design_item_by_hand():
    """GUM 4.3.7: a value known only to lie in [a-, a+] has sigma (a+ - a-) / sqrt(12)."""
    assert rectangular_sigma_pct((800.0, 960.0, 960.0), 960.0) == pytest.approx(
        160.0 / math.sqrt(12.0) / 960.0 * 100.0)
    assert rectangular_sigma_pct((800.0, 960.0, 960.0), 960.0) == pytest.approx(4.8113, abs=1e-4)


def test_p_values_including_design_by_hand():
    """Items 3 and 4 % -> model 5 %; inter-annual 4 %. Mounting runs 800 and 1,000 around a
    base of 1,000: 200 / sqrt(12) / 1,000 = 5.7735 %; bifaciality 990 and 1,020: 30 /
    sqrt(12) / 1,000 = 0.8660 %; design sqrt(5.7735^2 + 0.8660^2) = 5.8381 %; model with it
    sqrt(25 + 34.083) = 7.6866 %; year 1 sqrt(59.083 + 16) = 8.6651 %, P90 = 1,000 x
    (1 - 1.2815516 x 0.086651) = 888.95 GWh."""
    base = uncertainty(1000.0, 0.5, [Item("a", 3.0, "x"), Item("b", 4.0, "y")],
                       Item("interannual", 4.0, "z"), average_years=10,
                       conditional_on=("plant.mounting", "plant.bifaciality"))
    d = design_uncertainty(base, {"plant.mounting": (800.0, 1000.0),
                                  "plant.bifaciality": (990.0, 1020.0)}, 1000.0,
                           ("plant.module_efficiency_pct (no sensitivity run)",))
    assert [p.name for p in d.parts] == ["plant.mounting", "plant.bifaciality"]
    assert d.parts[0].sigma_pct == pytest.approx(5.7735, abs=1e-4)
    assert d.parts[1].sigma_pct == pytest.approx(0.8660, abs=1e-4)
    assert d.item.name == "design" and d.item.sigma_pct == pytest.approx(5.8381, abs=1e-4)
    u = d.uncertainty
    assert u.model_sigma_pct == pytest.approx(7.6866, abs=1e-4)
    assert u.one_year.sigma_pct == pytest.approx(8.6651, abs=1e-4)
    assert u.one_year.at(90) == pytest.approx(888.95, abs=0.01)
    # the P50s stay the stated design's; the degraded mean keeps its degradation item
    assert [p.p50_gwh for p in u.periods] == [p.p50_gwh for p in base.periods]
    assert u.average.sigma_pct == pytest.approx(math.sqrt(59.083 + 1.125**2 + 1.6), abs=1e-3)
    assert [i.name for i in u.items].count("degradation") == 1
    assert u.conditional_on == base.conditional_on
    as_json = d.to_dict()
    assert as_json["label"] == "including design uncertainty"
    assert as_json["not_run"] == ["plant.module_efficiency_pct (no sensitivity run)"]
    assert design_uncertainty(base, {}, 1000.0) is None


def test_ceme1_design_item_leaves_out_its_sourced_mounting(ceme1_result, ceme1_reconciled):
    """CEME1's east-west domes are sourced, only their tilt and GCR assumed: the mounting
    runs (other designs) are not its design spread. The AC rating, bifaciality and
    temperature coefficient are assumed and measured."""
    d = ceme1_reconciled.design
    names = [p.name for p in d.parts]
    assert names == ["plant.ac_capacity_mwac", "plant.bifaciality", "plant.gamma_pdc_pct_per_c"]
    assert any(n.startswith("plant.mounting (only ") for n in d.not_run)
    base = ceme1_result.annual_energy_gwh
    runs = {s.parameter: s for s in ceme1_reconciled.sensitivities}
    hand = []
    for name in names:
        energies = (runs[name].energy_low_gwh, runs[name].energy_high_gwh, base)
        hand.append((max(energies) - min(energies)) / math.sqrt(12.0) / base * 100.0)
    assert [p.sigma_pct for p in d.parts] == pytest.approx(hand, rel=1e-12)
    assert d.item.sigma_pct == pytest.approx(math.sqrt(sum(h * h for h in hand)), rel=1e-12)
    one = d.uncertainty.one_year
    s_model = math.sqrt(ceme1_result.uncertainty.model_sigma_pct**2 + d.item.sigma_pct**2)
    sigma = math.sqrt(s_model**2 + 4.0**2)
    assert one.at(90) == pytest.approx(base * (1 - 1.2815516 * sigma / 100), rel=1e-7)
    assert one.at(90) < ceme1_result.uncertainty.one_year.at(90)
    assert ceme1_reconciled.to_dict()["design"]["item"]["name"] == "design"


def test_terminal_and_report_say_the_same(ceme1_result, ceme1_reconciled):
    """Both readings of the P-values, in the same words and figures, in the terminal and the
    report (summary and results)."""
    from pvyield.report.document import Table, _results_section, _summary_section
    from pvyield.report.text import uncertainty_lines
    from pvyield.results.uncertainty import CONDITIONAL_LABEL, INCLUDING_DESIGN_LABEL

    design = ceme1_reconciled.design.uncertainty
    p90 = f"{design.one_year.at(90):,.1f}"
    conditional_p90 = f"{ceme1_result.uncertainty.one_year.at(90):,.1f}"
    terminal = "\n".join(uncertainty_lines(ceme1_result, ceme1_reconciled))
    sections = (_summary_section(ceme1_result, ceme1_reconciled),
                _results_section(ceme1_result, ceme1_reconciled))
    report = "\n".join(b if isinstance(b, str) else "\n".join(" ".join(r) for r in b.rows)
                       for s in sections for b in s.blocks if isinstance(b, str | Table))
    for text in (terminal, report):
        assert CONDITIONAL_LABEL in text and INCLUDING_DESIGN_LABEL in text
        assert p90 in text and conditional_p90 in text
        assert all(f"{p.name} {p.sigma_pct:.2f} %" in text
                   for p in ceme1_reconciled.design.parts)
    # without the reconciliation the terminal says why there is no design reading
    alone = "\n".join(uncertainty_lines(ceme1_result))
    assert f"{INCLUDING_DESIGN_LABEL}: needs the reconciliation's runs" in alone


def test_readme_worked_design_example_is_todays(mauriti_result):
    """The README's worked example of the design item quotes today's Mauriti figures."""
    from pvyield.reconcile import reconcile

    from .conftest import ROOT

    rec = reconcile(mauriti_result)
    d = rec.design
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    mounting = next(s for s in rec.sensitivities if s.parameter == "plant.mounting")
    assert f"{mounting.energy_low_gwh:,.2f} (fixed)" in text
    assert [p.name for p in d.parts] == ["plant.mounting", "plant.bifaciality",
                                         "plant.gamma_pdc_pct_per_c"]
    for p in d.parts:
        assert f"{p.sigma_pct:.2f} %" in text
    assert f"design\nsqrt(4.96² + 1.31² + 0.69²) = {d.item.sigma_pct:.2f} %" in text
    assert f"`s1` = sqrt(8.10² + 5²) = {d.uncertainty.one_year.sigma_pct:.2f} %" in text
    assert f"= {d.uncertainty.one_year.at(90):,.1f} GWh (module efficiency" in text
    # by hand from the README's own digits: 947.76 x (1 - 1.2816 x 0.09517)
    assert d.uncertainty.one_year.at(90) == pytest.approx(947.76 * (1 - 1.2816 * 0.09517),
                                                          abs=0.05)
