"""Synthetic years against real hourly files, in and out of sample (weather/README.md).

Every file of ``weather/synthetic_validation.py`` (eight TMY3 files the generator's
constants and decomposition were chosen on, and five test files never used for that),
seeds 0-4, fixed, tracker and east-west plants through the compiled engine: annual energy
within 3 % and every month within 8 % of the real year, from the monthly means of GHI
(temperature, wind) and again with the monthly mean diffuse irradiation given too. Known
failures are marked ``xfail(strict=True)`` with their measured size, so that they stay
visible and a fix shows.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from pvyield.weather import synthetic

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "synthetic_validation", ROOT / "weather" / "synthetic_validation.py")
validation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(validation)

SAND_POINT = "pvlib 703165TY.csv (Sand Point, AK, TMY3)"
BUFFALO = "NY-Buffalo_Niagara_Intl_Ap.tmy3"
SEATTLE = "WA-Seattle_Seattletacoma_Intl_A.tmy3"
#: (file, mounting) -> why the limit is not met; measured, see weather/README.md.
KNOWN_ANNUAL: dict[tuple[str, str], str] = {}
_MONTH = ("winter month off by up to {} % (a few kWh/kWp); the generator's decomposition "
          "on the file's measured GHI already gives {} (weather/README.md)")
#: Measured with stratified daily indices and the DIRINDEX/DISC blend, seeds 0-4. The
#: tracker plants of Seattle (5.8 %) and Sand Point (5.3 %) now meet the limit. The
#: candidates of ``weather/decomposition_diagnosis.py --candidates`` (fitted daily spread,
#: fitted hourly spread, other dark-month decompositions) were not kept: the one the fit
#: files choose breaks the annual limit on Sand Point (weather/README.md).
KNOWN_MONTHLY = {
    (SAND_POINT, "fixed"): _MONTH.format(10.1, "+6 % in January, -4 % in December (the "
                                              "synthetic year: +9, -10 %)"),
    (BUFFALO, "fixed"): _MONTH.format(21.6, "+15 % in December"),
    (BUFFALO, "tracker"): _MONTH.format(13.0, "+10 % in December"),
    (SEATTLE, "fixed"): _MONTH.format(9.9, "+1 % in January, +2 % in November: the rest "
                                           "(+8, +10 %) is the synthetic days"),
}


#: The same limits with the file's monthly mean diffuse irradiation given as well
#: (``dhi_kwh_m2_day``): measured, weather/README.md. Sand Point is a test file.
_SAND_POINT_DIFFUSE = ("with the monthly diffuse given, Sand Point's fixed plant reads "
                       "{} (weather/README.md): its dark months have the right beam in total, "
                       "but on other days and hours than the real year")
KNOWN_ANNUAL_DIFFUSE = {(SAND_POINT, "fixed"): _SAND_POINT_DIFFUSE.format(
    "-3.1 % over the year for one seed (-1.8 to -3.1 %)")}
KNOWN_MONTHLY_DIFFUSE = {(SAND_POINT, "fixed"): _SAND_POINT_DIFFUSE.format(
    "up to 11.7 % low in November")}


def _cases(known: dict) -> list:
    return [pytest.param(name, mounting, id=f"{name[:24]}-{mounting}",
                         marks=[pytest.mark.xfail(strict=True, reason=known[name, mounting])]
                         if (name, mounting) in known else [])
            for name, _, _ in validation.FILES for mounting in validation.MOUNTINGS]


@pytest.fixture(scope="module")
def results():
    return {entry[0]: validation.validate(entry) for entry in validation.FILES}


@pytest.fixture(scope="module")
def results_diffuse():
    return {entry[0]: validation.validate(entry, diffuse=True) for entry in validation.FILES}


@pytest.mark.parametrize(("name", "mounting"), _cases(KNOWN_ANNUAL))
def test_annual_energy_within_3_percent_for_seeds_0_to_4(results, name, mounting):
    annual = validation.summary(results[name]).loc[mounting, "annual"]
    assert len(annual) == len(validation.SEEDS)
    assert annual.abs().max() <= validation.ANNUAL_LIMIT, annual.to_dict()


@pytest.mark.parametrize(("name", "mounting"), _cases(KNOWN_MONTHLY))
def test_every_month_within_8_percent_for_seeds_0_to_4(results, name, mounting):
    deviation = results[name].loc[mounting, "deviation"]
    assert len(deviation) == 12 * len(validation.SEEDS)
    assert deviation.abs().max() <= validation.MONTHLY_LIMIT, deviation.abs().idxmax()


@pytest.mark.parametrize(("name", "mounting"), _cases(KNOWN_ANNUAL_DIFFUSE))
def test_with_monthly_diffuse_annual_energy_within_3_percent(results_diffuse, name, mounting):
    annual = validation.summary(results_diffuse[name]).loc[mounting, "annual"]
    assert len(annual) == len(validation.SEEDS)
    assert annual.abs().max() <= validation.ANNUAL_LIMIT, annual.to_dict()


@pytest.mark.parametrize(("name", "mounting"), _cases(KNOWN_MONTHLY_DIFFUSE))
def test_with_monthly_diffuse_every_month_within_8_percent(results_diffuse, name, mounting):
    deviation = results_diffuse[name].loc[mounting, "deviation"]
    assert len(deviation) == 12 * len(validation.SEEDS)
    assert deviation.abs().max() <= validation.MONTHLY_LIMIT, deviation.abs().idxmax()


def test_real_energy_is_the_engine_on_the_real_file(results):
    """The 'real' column is the plant on the file itself: a different reading of the same
    file (reference chain, not the engine) gives the same annual energy within 0.5 %."""
    from pvyield.model.chain import run_chain

    entry = validation.TEST[1]
    frame, meta = validation.read_real(entry)
    site = validation.plants(meta.latitude, meta.longitude, meta.elevation_m,
                             str(frame.index.tz))["tracker"]
    reference_kwh = run_chain(site, frame).timeseries["p_ac"].sum() / 1000.0
    engine_kwh = results[entry[0]].loc[("tracker", 0), "real_kwh"].sum()
    assert engine_kwh == pytest.approx(reference_kwh, rel=0.005)


def test_fit_and_test_files_are_apart_and_all_bundled_hourly_files_are_used():
    fit = {path.resolve() for _, path, _ in validation.FIT}
    test = {path.resolve() for _, path, _ in validation.TEST}
    assert len(fit) == 8 and len(test) == 5 and not fit & test
    bundled = {p.resolve() for p in (ROOT / "weather").glob("*.tmy3")}
    bundled |= {p.resolve() for p in (ROOT / "weather").glob("CHL_*.csv")}
    assert bundled <= fit | test


def test_generator_constants_are_those_measured_on_the_fit_files():
    measured = validation.fit_constants()
    assert measured["months"] == 96
    assert pytest.approx(measured["clear_day_index"], abs=0.005) == synthetic.CLEAR_DAY_INDEX
    assert pytest.approx(measured["clear_day_margin"], abs=0.005) == synthetic.CLEAR_DAY_MARGIN
    assert pytest.approx(measured["floor_ratio"], abs=0.005) == (
        synthetic.DAILY_INDEX_FLOOR_RATIO)
    np.testing.assert_allclose(synthetic.DAILY_INDEX_CONCENTRATION_LOG,
                               measured["concentration_log"], atol=0.01)
    np.testing.assert_allclose(synthetic.DAILY_INDEX_FIT_RANGE,
                               measured["relative_mean_range"], atol=0.01)


def test_stored_spread_is_the_one_measured_now(results, results_diffuse):
    """The synthetic-weather uncertainty reads the stored spread: it must be this code's,
    with and without the monthly diffuse given."""
    stored = json.loads(synthetic.SPREAD_FILE.read_text())
    now = validation.spread(results)
    now_diffuse = validation.spread(results_diffuse)
    for key in ("rms_annual_deviation_pct", "max_abs_annual_deviation_pct"):
        for mounting in validation.MOUNTINGS:
            assert stored[key][mounting] == pytest.approx(now[key][mounting], abs=0.02)
            assert stored["with_monthly_diffuse"][key][mounting] == pytest.approx(
                now_diffuse[key][mounting], abs=0.02)
    assert stored["files"] == now["files"] and stored["seeds"] == now["seeds"]


def test_uncertainty_item_is_the_stored_spread_of_the_plant_mounting(mauriti_result):
    """Mauriti (single-axis, synthetic year with the monthly diffuse given) carries the
    tracker RMS of the spread stored for that case, with its provenance in the item and in
    the listed assumptions; a site without the diffuse reads the other spread."""
    from pvyield.results.uncertainty import synthetic_weather_item, validation_mounting
    from pvyield.site.schema import FixedMount, SingleAxisMount

    stored = json.loads(synthetic.SPREAD_FILE.read_text())
    item = next(i for i in mauriti_result.uncertainty.items if i.name == "synthetic_weather")
    assert item.sigma_pct == (
        stored["with_monthly_diffuse"]["rms_annual_deviation_pct"]["tracker"])
    assert "monthly diffuse given" in item.source
    assert "synthetic_validation.py" in item.source and "13 real hourly files" in item.source
    assert any(a.reason == item.source for a in mauriti_result.assumptions)
    east_west = FixedMount(type="fixed", orientations=[
        {"tilt_deg": 10, "azimuth_deg": 90, "share": 0.5},
        {"tilt_deg": 10, "azimuth_deg": 270, "share": 0.5}])
    south = FixedMount(type="fixed", orientations=[{"tilt_deg": 30, "azimuth_deg": 180}])
    tracker = SingleAxisMount(type="single_axis", gcr=0.35)
    assert [validation_mounting(m) for m in (east_west, south, tracker)] == [
        "east_west", "fixed", "tracker"]
    assert synthetic_weather_item(east_west).sigma_pct == (
        stored["rms_annual_deviation_pct"]["east_west"])


def test_decomposition_choice_rule_reads_the_fit_rows_only():
    """The rule of weather/decomposition_diagnosis.py: models breaking the annual limit on
    a fit file are out, then the smallest worst month, ties to the smaller annual; the test
    rows never count (a model best on them only is not chosen)."""
    import pandas as pd

    spec_d = importlib.util.spec_from_file_location(
        "decomposition_diagnosis", ROOT / "weather" / "decomposition_diagnosis.py")
    diagnosis = importlib.util.module_from_spec(spec_d)
    spec_d.loader.exec_module(diagnosis)
    rows = [("fit", "a", "tracker", 2.9, 20.0), ("fit", "b", "tracker", 2.0, 20.03),
            ("fit", "c", "tracker", 3.5, 5.0), ("fit", "d", "tracker", 1.0, 25.0),
            ("test", "e", "tracker", 0.1, 1.0)]
    table = pd.DataFrame([(s, "file", m, mounting, a, w) for s, m, mounting, a, w in rows],
                         columns=["set", "file", "model", "mounting", "max_abs_annual",
                                  "worst_month"])
    assert diagnosis.choose(table) == "b"  # c breaks the limit, a and b tie, b smaller annual
    assert diagnosis.choose(table[table["model"].isin(["c", "e"])]) == ""


def test_candidate_beta_hours_have_the_day_index_and_the_requested_spread():
    """The beta hours of ``decomposition_diagnosis.py --candidates`` (README figures): on a
    flat clear sky, a day of index k has hourly values of mean k / top and variance
    m (1 - m) / (c + 1) of the beta with the interpolated concentration c (hand formula)."""
    spec_d = importlib.util.spec_from_file_location(
        "decomposition_diagnosis", ROOT / "weather" / "decomposition_diagnosis.py")
    diagnosis = importlib.util.module_from_spec(spec_d)
    spec_d.loader.exec_module(diagnosis)
    table = np.array([18.5, 7.1, 4.0, 4.4])  # at daily indices 0.3, 0.5, 0.7, 0.85
    hourly = diagnosis._hourly_beta(table)
    n = 60_000
    clear = np.full(n, 500.0)
    for k, concentration in ((0.5, 7.1), (0.6, (7.1 + 4.0) / 2)):
        x = hourly(clear, np.full(n, 1400.0), np.full(n, k),
                   np.random.default_rng(1)) / 500.0 / synthetic.CLEAR_DAY_INDEX
        m = k / synthetic.CLEAR_DAY_INDEX
        assert x.mean() == pytest.approx(m, abs=0.01)
        assert x.var() == pytest.approx(m * (1 - m) / (concentration + 1), rel=0.05)
    # clear days stay smooth
    x = hourly(clear, np.full(n, 1400.0), np.full(n, 0.95), np.random.default_rng(1))
    assert x.std() / x.mean() < 0.02
