"""pvyield validate: the corpus runs, the statistics and the degradation mean are right, the
outputs are strict, and the README's accuracy table is what validate computes today."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import pvyield
from pvyield.cli import main
from pvyield.errors import SiteError
from pvyield.results.checks import check_one, like_for_like, operating_years_factor
from pvyield.site.schema import Reported
from pvyield.validation import (
    CORPUS_DIR,
    EXPLAIN_BEYOND_PCT,
    UNEXPLAINED,
    deviation_stats,
    explanation,
    readme_block,
    summary_table,
    validate,
)

from .conftest import ROOT, SITES


def _reported(**basis) -> Reported:
    return Reported(metric="annual_energy_gwh", value=600.0, source="test", date=None, **basis)


# --- degradation mean of the operating years, against hand calculations -----------------

def test_degradation_mean_of_three_years_by_hand():
    # COD April 2014 -> operating year 1 = 2014; 2015, 2016, 2017 are indices 1, 2, 3
    r = _reported(basis="measured", years=[2015, 2017], cod="2014-04")
    hand = (0.995 + 0.995 * 0.995 + 0.995 * 0.995 * 0.995) / 3.0
    assert operating_years_factor(r, 0.5) == pytest.approx(hand, rel=1e-12)
    assert hand == pytest.approx(0.9900333, abs=1e-7)


def test_degradation_index_from_a_late_cod_and_an_explicit_first_year():
    # COD October 2013: 2014 is operating year 1 (index 0), 2015 index 1
    late = _reported(basis="measured", years=[2014, 2015], cod="2013-10")
    assert operating_years_factor(late, 1.0) == pytest.approx((1.0 + 0.99) / 2.0, rel=1e-12)
    # an explicit first operating year wins over the COD rule
    explicit = _reported(basis="measured", years=[2014, 2015], cod="2013-10",
                         first_operating_year=2013)
    assert operating_years_factor(explicit, 1.0) == pytest.approx((0.99 + 0.99**2) / 2.0)
    # years before operating year 1 count as index 0, not as a gain
    early = _reported(basis="measured", years=[2012, 2013], first_operating_year=2013)
    assert operating_years_factor(early, 2.0) == pytest.approx(1.0)
    # unknown operating years: the first-year estimate is compared
    assert operating_years_factor(_reported(basis="measured", years=[2015, 2017]), 0.5) == 1.0


def test_measured_check_uses_the_modelled_mean_and_says_so(mauriti_result):
    site = mauriti_result.site
    r = _reported(basis="measured", years=[2016, 2018], cod="2015-02")
    d = site.losses.degradation_pct_per_year / 100.0
    hand = mauriti_result.annual_energy_gwh * ((1 - d) + (1 - d) ** 2 + (1 - d) ** 3) / 3.0
    check = check_one(site, r, mauriti_result.annual_energy_gwh, mauriti_result.households)
    assert check.estimate == pytest.approx(hand, rel=1e-12)
    assert check.basis.startswith("measured, mean 2016-2018")
    assert "operating year 1 = 2015" in check.compared_with
    # an expected figure is still set against the first-year estimate
    expected = check_one(site, _reported(), mauriti_result.annual_energy_gwh,
                         mauriti_result.households)
    assert expected.estimate == mauriti_result.annual_energy_gwh


def test_expected_lifetime_mean_uses_the_lifetime_mean(mauriti_result):
    site = mauriti_result.site
    d = site.losses.degradation_pct_per_year / 100.0
    # mean of (1 - d)^i for i = 0..24, the geometric series in closed form
    hand = (1.0 - (1.0 - d) ** 25) / (25 * d)
    modelled, how = like_for_like(site, _reported(period="lifetime_mean"), 100.0)
    assert modelled == pytest.approx(100.0 * hand, rel=1e-12)
    assert "25-year lifetime" in how
    # a first-year figure, or one that says nothing, is the first-year estimate
    assert like_for_like(site, _reported(period="first_year"), 100.0) == (100.0, "")
    assert like_for_like(site, _reported(), 100.0) == (100.0, "")


def test_scope_scales_by_the_part_capacity(mauriti_result):
    site = mauriti_result.site
    half = site.plant.ac_capacity_mwac / 2.0
    r = _reported(scope="unit 1", scope_ac_capacity_mwac=half)
    modelled, how = like_for_like(site, r, 100.0)
    assert modelled == pytest.approx(50.0) and "unit 1" in how


# --- the basis fields in the schema --------------------------------------------------------

def test_bundled_claims_default_to_expected(mauriti_path, ceme1_path):
    for path in (mauriti_path, ceme1_path):
        assert {r.basis for r in pvyield.load_site(path).reported} == {"expected"}


@pytest.mark.parametrize("basis, message", [
    ({"basis": "measured"}, "needs 'years'"),
    ({"basis": "measured", "years": [2015, 2017], "exceedance": "P90"}, "expected figures"),
    ({"basis": "measured", "years": [2015, 2017], "period": "first_year"}, "period_mean"),
    ({"years": [2017, 2015]}, "first year after last"),
    ({"scope_ac_capacity_mwac": 10.0}, "needs 'scope'"),
    ({"cod": "2014-13-45x"}, "YYYY"),
])
def test_inconsistent_basis_is_refused(basis, message):
    with pytest.raises(ValueError, match=message):
        _reported(**basis)


def test_a_measured_figure_without_years_in_a_site_file_names_the_field(tmp_path):
    text = (SITES / "validation" / "solar-star.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("    years: [2017, 2019]\n", ""), encoding="utf-8")
    with pytest.raises(SiteError, match="years"):
        pvyield.load_site(broken)


# --- statistics, against hand calculations -------------------------------------------------

def test_statistics_by_hand():
    # errors +5 % and +20 %: bias 12.5, MAPE 12.5, RMSE sqrt((25 + 400) / 2)
    stats = deviation_stats([105.0, 120.0], [100.0, 100.0])
    assert stats["n"] == 2
    assert stats["bias_pct"] == pytest.approx(12.5)
    assert stats["mape_pct"] == pytest.approx(12.5)
    assert stats["rmse_pct"] == pytest.approx(math.sqrt(212.5))
    # errors +10, -10, 0 %: bias 0, MAPE 20/3, RMSE sqrt(200/3)
    stats = deviation_stats([110.0, 45.0, 300.0], [100.0, 50.0, 300.0])
    assert stats["bias_pct"] == pytest.approx(0.0, abs=1e-12)
    assert stats["mape_pct"] == pytest.approx(20.0 / 3.0)
    assert stats["rmse_pct"] == pytest.approx(math.sqrt(200.0 / 3.0))


def test_summary_groups_by_mounting_and_technology():
    table = pd.DataFrame({"modelled_gwh": [110.0, 90.0, 100.0, 104.0],
                          "measured_gwh": [100.0, 100.0, 100.0, 100.0],
                          "mounting": ["fixed", "fixed", "single-axis", "single-axis"],
                          "technology": ["CdTe", "c-Si", "CdTe", "CdTe"]})
    summary = summary_table(table)
    assert summary.loc[("all", "all"), "n"] == 4
    assert summary.loc[("all", "all"), "bias_pct"] == pytest.approx(1.0)
    assert summary.loc[("mounting", "fixed"), "bias_pct"] == pytest.approx(0.0)
    assert summary.loc[("mounting", "single-axis"), "rmse_pct"] == pytest.approx(
        math.sqrt(8.0))
    assert summary.loc[("technology", "CdTe"), "mape_pct"] == pytest.approx(14.0 / 3.0)
    assert summary.loc[("technology", "c-Si"), "n"] == 1


# --- the corpus, in-process, through the command line --------------------------------------

@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("validate")
    code = main(["validate", "--out", str(out / "v.json"), "--figure", str(out / "fig"),
                 "--markdown", str(out / "v.md")])
    return code, out


def test_corpus_runs_and_every_measured_site_is_compared(corpus_run):
    code, out = corpus_run
    assert code == 0
    document = json.loads((out / "v.json").read_text(encoding="utf-8"))
    files = sorted(p.name for p in CORPUS_DIR.glob("*.yaml"))
    assert sorted(p["file"] for p in document["plants"]) == files
    assert len(files) >= 10
    assert document["failures"] == []
    for plant in document["plants"]:
        assert plant["modelled_gwh"] == pytest.approx(
            plant["first_year_gwh"] * plant["degradation_factor"], rel=1e-12)
        assert plant["deviation_pct"] == pytest.approx(
            (plant["modelled_gwh"] / plant["measured_gwh"] - 1) * 100, rel=1e-12)
        assert plant["technology"] in ("CdTe", "c-Si")
    overall = next(s for s in document["summary"] if s["group"] == "all")
    devs = [p["deviation_pct"] for p in document["plants"]]
    assert overall["bias_pct"] == pytest.approx(sum(devs) / len(devs))


def test_every_plant_beyond_the_threshold_is_explained_in_the_tables(corpus_run):
    """Every corpus plant beyond ±8 % carries its site file's stated doubts (or the word
    'unexplained') in the JSON, the Markdown table (a numbered note) and the terminal
    table; the site file must state them: a plant beyond 8 % without ``reported.doubts``
    fails here, it is never dropped. Plants within 8 % carry none."""
    _, out = corpus_run
    plants = json.loads((out / "v.json").read_text(encoding="utf-8"))["plants"]
    markdown = (out / "v.md").read_text(encoding="utf-8")
    beyond = [p for p in plants if abs(p["deviation_pct"]) > EXPLAIN_BEYOND_PCT]
    assert beyond  # the corpus has such plants today; the test must see one
    for plant in plants:
        site = pvyield.load_site(CORPUS_DIR / plant["file"])
        stated = next(r.doubts for r in site.reported if r.basis == "measured")
        if abs(plant["deviation_pct"]) <= EXPLAIN_BEYOND_PCT:
            assert plant["explanation"] == ""
            continue
        assert stated, f"{plant['file']}: beyond {EXPLAIN_BEYOND_PCT} % without doubts"
        assert plant["explanation"] == stated
        row = next(line for line in markdown.splitlines()
                   if line.startswith(f"| {plant['plant']} |"))
        number = row.rstrip(" |").rsplit("note ", 1)[1]
        assert f"\n{number}. {plant['plant']} (" in markdown
        assert " ".join(stated.split())[:60] in markdown


def test_explanation_is_unexplained_without_doubts():
    reported = Reported(metric="annual_energy_gwh", value=100.0, source="test", date=None,
                        basis="measured", years=[2015, 2017])
    assert explanation(reported, -8.5) == UNEXPLAINED
    assert explanation(reported, 7.9) == ""
    doubted = reported.model_copy(update={"doubts": "curtailment (source)"})
    assert explanation(doubted, 12.0) == "curtailment (source)"


def test_one_plant_against_an_independent_estimate(corpus_run):
    """Solar Star's row is pvyield.estimate of its file times the hand degradation mean."""
    _, out = corpus_run
    plants = json.loads((out / "v.json").read_text(encoding="utf-8"))["plants"]
    row = next(p for p in plants if p["file"] == "solar-star.yaml")
    result = pvyield.estimate(CORPUS_DIR / "solar-star.yaml")
    first_year = result.annual_energy_gwh
    # COD June 2015 -> operating year 1 = 2015; 2017-2019 are indices 2, 3, 4 at the site's
    # degradation rate (the technology default when the file gives none)
    keep = 1.0 - result.site.losses.degradation_pct_per_year / 100.0
    hand = (keep**2 + keep**3 + keep**4) / 3.0
    assert row["modelled_gwh"] == pytest.approx(first_year * hand, rel=1e-9)
    assert row["measured_gwh"] == 1663
    # the estimate's own check says what the figure is and compares the same modelled mean
    check = result.checks[0]
    assert check.basis == "measured, mean 2017-2019, COD 2015-06"
    assert check.estimate == pytest.approx(first_year * hand, rel=1e-9)
    assert check.to_dict()["basis"] == check.basis


def test_json_is_strict(corpus_run):
    _, out = corpus_run

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    json.loads((out / "v.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert not list(out.glob(".*.tmp"))  # no temporary file left behind


def test_figure_files_are_real(corpus_run):
    _, out = corpus_run
    assert (out / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "fig.png").stat().st_size > 20_000
    assert "<svg" in (out / "fig.svg").read_text(encoding="utf-8")[:2000]


def test_readme_accuracy_table_is_what_validate_computes(corpus_run):
    """Regenerate with: pvyield validate --readme README.md --figure docs/figures/validation
    (GWh rounded to 0.1, percentages to 0.1 point)."""
    _, out = corpus_run
    block = readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block.strip() == (out / "v.md").read_text(encoding="utf-8").strip()


# --- failures are reported, not raised; folders among estimate's files -----------------------

def test_a_failing_site_file_is_reported_not_raised(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ncountry: US\nlatitude: 95\n", encoding="utf-8")
    result = validate([broken, SITES / "ceme1.yaml"])
    assert [f.file for f in result.failures] == [str(broken)]
    assert "latitude" in result.failures[0].message
    assert result.table.empty  # CEME1 has no measured figure: skipped
    assert any("ceme1.yaml" in s for s in result.skipped)
    out = tmp_path / "v.json"
    assert main(["validate", str(broken), "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["plants"] == [] and document["failures"][0]["file"] == str(broken)


def test_estimate_skips_a_folder_with_a_note(capsys):
    code = main(["estimate", str(SITES / "validation"), str(SITES / "ceme1.yaml"), "--quiet",
                 "--no-reconcile"])
    captured = capsys.readouterr()
    assert code == 0
    assert "is a folder, skipped" in captured.err
    assert captured.out.startswith("CEME1:")


def test_the_engine_gives_the_references_deviations(monkeypatch):
    """validate runs on the compiled engine by default and its deviations are those of the
    pvlib reference chain (the oracle), to 1e-6 relative, on a fixed CdTe and a tracked c-Si
    plant: the README's accuracy table does not depend on the engine. (On the whole corpus
    they agree to about 1e-10 in energy, 1e-7 relative in the smallest deviation.)"""
    import importlib

    estimate_module = importlib.import_module("pvyield.estimate")  # not pvyield.estimate()
    files = [CORPUS_DIR / "topaz-solar-farm.yaml", CORPUS_DIR / "red-hills-utah.yaml"]
    reference = validate(files, engine="reference")
    with monkeypatch.context() as m:  # the default never reaches the reference chain
        m.setattr(estimate_module, "run_chain", lambda *a: pytest.fail("reference chain ran"))
        engine = validate(files)
    assert engine.failures == reference.failures == []
    assert list(engine.table["mounting"]) == ["fixed", "single-axis"]
    assert list(engine.table["technology"]) == ["CdTe", "c-Si"]
    for column in ("first_year_gwh", "modelled_gwh", "deviation_pct"):
        assert list(engine.table[column]) == pytest.approx(list(reference.table[column]),
                                                           rel=1e-6), column
    assert engine.to_markdown() == reference.to_markdown()


def test_sensitivities_list_only_unsourced_parameters_largest_first():
    """Desert Sunlight's mounting type is sourced, so the mounting swap is not listed;
    Antelope Valley is made of blocks of their own mountings, which no single alternative
    mounting replaces (the swap is not run); the monofacial modules (bifaciality 0) are
    never a driver."""
    result = validate([CORPUS_DIR / "antelope-valley-solar-ranch-one.yaml",
                       CORPUS_DIR / "desert-sunlight.yaml"], sensitivities=True)
    moves = dict(zip(result.table["file"], result.table["moves_most"], strict=True))
    avsr, sunlight = moves["antelope-valley-solar-ranch-one.yaml"], moves["desert-sunlight.yaml"]
    assert "plant.mounting " not in avsr + sunlight and "bifaciality" not in avsr + sunlight
    for text in (avsr, sunlight):
        items = text.split(", ")
        assert len(items) == 3
        sizes = [max(abs(float(v)) for v in item.split()[1].split("/")) for item in items]
        assert sizes == sorted(sizes, reverse=True)


def test_corpus_weather_files_match_their_checksums():
    import hashlib

    folder = ROOT / "weather" / "validation"
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").split("\n")
    sums = dict(reversed(line.split("  ", 1)) for line in lines if line.strip())
    assert sorted(sums) == sorted(p.name for p in folder.glob("*.tmy3"))
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_uspvdb_extracts_match_their_checksums_and_the_site_files():
    """The USPVDB rows the corpus's DC ratings rest on are the bundled ones (SHA-256 as in
    sites/validation/README.md), and each site file's DC rating is its plants' p_cap_dc."""
    import hashlib

    sums = {"uspvdb_v3_0_20250430-extract.csv":
            "09176f7f9aec73b3a68dd7a36e6655fe8dcce2292c6a17bda410dfe13566f7f0",
            "uspvdb_v1_0_20231108-extract.csv":
            "37c9930f06c162bf61b22f2f0c5db26a45fb27061ae466b5d53539f9c3024b08"}
    for name, digest in sums.items():
        assert hashlib.sha256((CORPUS_DIR / name).read_bytes()).hexdigest() == digest
    rows = pd.read_csv(CORPUS_DIR / "uspvdb_v3_0_20250430-extract.csv", encoding="utf-8-sig")
    dc = rows.groupby("eia_id")["p_cap_dc"].sum()
    plants = {"topaz-solar-farm.yaml": [57695], "antelope-valley-solar-ranch-one.yaml": [57378],
              "moapa-southern-paiute.yaml": [57859], "agua-caliente.yaml": [57373],
              "mesquite-solar-1-3.yaml": [57707, 60307, 60308], "mccoy-solar.yaml": [58462],
              "mount-signal-solar-1.yaml": [56917], "silver-state-south.yaml": [58644],
              "california-valley-solar-ranch.yaml": [57439], "red-hills-utah.yaml": [58660]}
    for file, ids in plants.items():
        site = pvyield.load_site(CORPUS_DIR / file)
        assert site.plant.dc_capacity_mwp == pytest.approx(sum(dc[i] for i in ids), abs=0.05)


def test_cdte_spectral_factor_on_a_corpus_site_is_pvlibs():
    """The chain's CdTe spectral factor on a corpus TMY3 site equals pvlib's First Solar model
    fed with the same precipitable water (Lee & Panchula 2016; Gueymard 1994 from temp_air and
    relative_humidity when the frame has no precipitable_water column)."""
    import pvlib

    from pvyield.model import chain
    from pvyield.weather import weather_for_site

    site = pvyield.load_site(CORPUS_DIR / "moapa-southern-paiute.yaml")
    frame, _ = weather_for_site(site)
    solpos = chain.solar_position(frame.index, site)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    if "precipitable_water" in frame:
        pw = frame["precipitable_water"].to_numpy()
    else:
        pw = pvlib.atmosphere.gueymard94_pw(frame["temp_air"].to_numpy(),
                                            frame["relative_humidity"].to_numpy())
    am_abs = pvlib.atmosphere.get_absolute_airmass(airmass,
                                                   pvlib.atmosphere.alt2pres(site.elevation_m))
    expected = pd.Series(pvlib.spectrum.spectral_factor_firstsolar(pw, am_abs.to_numpy(), "cdte"),
                         index=frame.index).fillna(1.0)
    ours = chain.spectral_factor("cdte", frame, airmass, site.elevation_m)
    assert (ours - expected).abs().max() < 1e-12
    # daytime factors vary with the weather (not the constant-1.42 cm fallback) and stay in
    # the model's range for a dry site
    day = frame["ghi"] > 0
    assert ours[day].std() > 0.005 and 0.9 < ours[day].mean() < 1.02
