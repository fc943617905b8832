"""The fast data path (compiled engine, sums without time series) against the reference
chain on plain pvlib, on the bundled studies: equal to 1e-9 relative.

The reference is :func:`pvyield.model.chain.run_chain` (pvlib function by function), its
time series summed here with pandas by the site's local calendar month; the fast path is
what users get: ``pvyield.estimate``, ``run_batch`` (one engine call per chunk) and the
reconciliation (one engine call for every variant).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import pvyield
from pvyield import reconcile as reconcile_module
from pvyield.batch import load_scenario, run_batch
from pvyield.batch.runner import run_specs
from pvyield.model.chain import STAGES, run_chain
from pvyield.model.engine import run_sites
from pvyield.reconcile import reconcile
from pvyield.site import site_from_mapping
from pvyield.weather import weather_for_site, weather_for_sites

from .conftest import ROOT, SITES

RTOL = 1e-9


def reference_runs(study):
    """Per ok run of a study: site, weather frame and the reference chain's figures
    (annual energy [GWh/yr], monthly energy [GWh], stage energies [kWh/yr])."""
    out = {}
    for spec in (s for chunk in run_specs(study) for s in chunk):
        if spec.mapping is None:
            continue
        site = site_from_mapping(spec.mapping, source=spec.path)
        frame, _ = weather_for_site(site)
        chain = run_chain(site, frame)
        local = chain.timeseries.tz_convert(site.timezone)
        monthly = (local["p_ac"].groupby(local.index.month).sum() / 1e9 / chain.years
                   ).reindex(range(1, 13), fill_value=0.0)
        stages = np.array([chain.stage_energy_kwh[n] for n in ("ghi", *STAGES)]) / chain.years
        out[(spec.site, spec.scenario)] = (site, frame, float(monthly.sum()),
                                           monthly.to_numpy(), stages)
    return out


def assert_study_equals_reference(study, **batch):
    runs = reference_runs(study)
    ds = run_batch(study, **batch)
    for (site_label, scenario), (_, _, annual, monthly, stages) in runs.items():
        run = ds.sel(site=site_label, scenario=scenario)
        assert str(run["status"].item()) == "ok", str(run["error"].item())
        assert float(run["annual_energy_gwh"]) == pytest.approx(annual, rel=RTOL)
        np.testing.assert_allclose(run["monthly_energy_gwh"], monthly, rtol=RTOL,
                                   err_msg=f"{site_label} {scenario}")
        loss = (1 - stages[1:] / stages[:-1]) * 100
        np.testing.assert_allclose(run["loss_pct"], loss, rtol=0, atol=1e-7)
    # stage energies: the engine on every run of the study at once
    sites, frames, _, _, stages = zip(*runs.values(), strict=True)
    engine = run_sites(list(sites), list(frames))
    np.testing.assert_allclose(engine["stage_energy"], np.array(stages), rtol=RTOL)
    return ds


def test_bundled_sites_estimate_equals_reference(mauriti_result, ceme1_result):
    for result in (mauriti_result, ceme1_result):  # the default engine, without series
        ref = pvyield.estimate(result.site, engine="reference")
        assert result.annual_energy_gwh == pytest.approx(ref.annual_energy_gwh, rel=RTOL)
        np.testing.assert_allclose(result.monthly["energy_gwh"], ref.monthly["energy_gwh"],
                                   rtol=RTOL)
        np.testing.assert_allclose(result.monthly["poa_kwh_m2"], ref.monthly["poa_kwh_m2"],
                                   rtol=RTOL)
        np.testing.assert_allclose(result.losses["energy_gwh"], ref.losses["energy_gwh"],
                                   rtol=RTOL)
        assert result.performance_ratio == pytest.approx(ref.performance_ratio, rel=RTOL)
        assert [c.verdict for c in result.checks] == [c.verdict for c in ref.checks]


def test_reconciliation_in_one_call_equals_run_by_run(ceme1_result, ceme1_reconciled,
                                                     monkeypatch):
    assert len(ceme1_reconciled.sensitivities) >= 8
    # run by run on the reference chain: the mountings and two numbers (test time)
    kept = [r for r in reconcile_module.RANGES
            if r.parameter in ("plant.mounting", "plant.bifaciality", "losses.soiling_pct")]
    monkeypatch.setattr(reconcile_module, "RANGES", tuple(kept))
    by_run = reconcile(ceme1_result, engine="reference")
    fast_runs = {s.parameter: s for s in ceme1_reconciled.sensitivities}
    assert len(by_run.sensitivities) == 3
    for ref in by_run.sensitivities:
        fast = fast_runs[ref.parameter]
        assert (fast.parameter, fast.low, fast.high) == (ref.parameter, ref.low, ref.high)
        assert fast.energy_low_gwh == pytest.approx(ref.energy_low_gwh, rel=RTOL)
        assert fast.energy_high_gwh == pytest.approx(ref.energy_high_gwh, rel=RTOL)


def test_example_study_equals_reference():
    ds = assert_study_equals_reference(load_scenario(SITES / "example-batch.yaml"))
    assert ds.sizes["scenario"] == 16 and (ds["status"] == "ok").all()


@pytest.fixture(scope="module")
def brazil_seats():
    """Eight seats of the Brazil screening spread over the country, in chunks of 5."""
    study = load_scenario(ROOT / "benchmarks" / "brazil-screening" / "screening.yaml")
    seats = study.sites[::700][:8]
    return dataclasses.replace(study, sites=seats, chunk_size=5)


def test_brazil_screening_seats_equal_reference(brazil_seats):
    ds = assert_study_equals_reference(brazil_seats)
    assert ds.sizes["site"] == 8 and len({s.split(",")[-1] for s in ds["site"].values}) > 5


def test_weather_for_sites_shares_one_frame_per_site_and_keeps_errors(brazil_seats):
    specs = [s for chunk in run_specs(brazil_seats) for s in chunk][:4]
    sites = [site_from_mapping(s.mapping, source=s.path) for s in specs]
    broken = sites[0].model_copy(update={"weather": sites[0].weather.model_copy(
        update={"source": None, "municipality": "Nowhere, XX"})})
    got = weather_for_sites([*sites, broken])
    # two designs per seat: the same weather object, read once
    assert got[0][0] is got[1][0] and got[2][0] is got[3][0] and got[0][0] is not got[2][0]
    pd.testing.assert_frame_equal(got[2][0], weather_for_site(sites[2])[0])
    assert isinstance(got[4], pvyield.PvyieldError) and "Nowhere" in str(got[4])


def test_estimate_sites_is_estimate_site_by_site_and_keeps_each_error(mauriti_result,
                                                                      ceme1_result):
    """Several sites in one engine call give each site's own estimate; a site whose weather
    the gate refuses gets its error, and the others still run."""
    from pvyield.estimate import estimate_sites
    from pvyield.weather.gate import WeatherRefusedError

    sites = [mauriti_result.site, ceme1_result.site]
    weathers = [weather_for_site(site) for site in sites]
    frame, meta = weathers[0]
    broken = frame.copy()
    broken.iloc[100:110, broken.columns.get_loc("temp_air")] = np.nan
    out = estimate_sites([sites[0], *sites], [(broken, meta), *weathers])
    assert isinstance(out[0], WeatherRefusedError) and "non_finite" in str(out[0])
    for result, alone in zip(out[1:], (mauriti_result, ceme1_result), strict=True):
        assert result.site is alone.site
        assert result.annual_energy_gwh == pytest.approx(alone.annual_energy_gwh, rel=1e-12)
        np.testing.assert_allclose(result.monthly["energy_gwh"], alone.monthly["energy_gwh"],
                                   rtol=1e-12)
        np.testing.assert_allclose(result.losses["energy_gwh"], alone.losses["energy_gwh"],
                                   rtol=1e-12)
        assert [c.verdict for c in result.checks] == [c.verdict for c in alone.checks]
        assert [str(a) for a in result.assumptions] == [str(a) for a in alone.assumptions]
