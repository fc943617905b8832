"""The grid export limit (``plant.export_limit_mwac``): a limit on the plant's AC power
after the AC losses, against a hand formula on pvlib's PVWatts inverter, the engine
against the reference chain, and the bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pvlib
import pytest

from pvyield.errors import SiteError
from pvyield.model.chain import INVERTER_ETA_REF, run_chain
from pvyield.model.engine import STAGE_NAMES, run_chain_batch
from pvyield.site import site_from_mapping
from pvyield.weather import read_weather_file

WEATHER = Path(__file__).resolve().parent.parent / "weather"
AC_MW = 80.0


@pytest.fixture(scope="module")
def blythe():
    frame, meta = read_weather_file(WEATHER / "CA-Blythe_Riverside_Co_Arpt.tmy3", "tmy3",
                                    None)
    week = frame.index.isocalendar().week.to_numpy()
    return frame[week % 2 == 0], meta  # every other week: all seasons, half the time


def _site(meta, **plant):
    return site_from_mapping({
        "name": "export limit", "country": "US", "latitude": meta.latitude,
        "longitude": meta.longitude, "elevation_m": meta.elevation_m,
        "timezone": "America/Los_Angeles",
        "plant": {"dc_capacity_mwp": 100.0, "ac_capacity_mwac": AC_MW,
                  "mounting": {"type": "single_axis", "gcr": 0.35}, **plant},
        "losses": {"ac_losses_pct": 2.0, "availability_pct": 98.0},
    })


def test_limit_applies_after_the_ac_losses_by_hand(blythe):
    """Hourly AC power = min(PVWatts inverter (pvlib) x AC factor, limit) x availability,
    with the inverter fed the chain's own DC power (relative 1e-9, 1e-6 W absolute);
    the limit binds in some hours and only lowers the power."""
    frame, meta = blythe
    limit_mw = 70.0
    limited = run_chain(_site(meta, export_limit_mwac=limit_mw), frame)
    free = run_chain(_site(meta), frame)
    p_dc = limited.timeseries["p_dc"].to_numpy()
    eta = 0.97  # the default inverter efficiency
    inverter = np.asarray(pvlib.inverter.pvwatts(p_dc, AC_MW * 1e6 / eta, eta,
                                                 INVERTER_ETA_REF))
    expected = np.minimum(inverter * 0.98, limit_mw * 1e6) * 0.98
    np.testing.assert_allclose(limited.timeseries["p_ac"].to_numpy(), expected,
                               rtol=1e-9, atol=1e-6)
    at_limit = np.isclose(limited.timeseries["p_ac"].to_numpy(), limit_mw * 1e6 * 0.98,
                          rtol=1e-12)
    assert at_limit.sum() > 100
    assert (limited.timeseries["p_ac"] <= free.timeseries["p_ac"] + 1e-6).all()
    # the cut energy is in the clipping stage; the stages before it are the same
    for stage in STAGE_NAMES[:STAGE_NAMES.index("clipping")]:
        assert limited.stage_energy_kwh[stage] == pytest.approx(free.stage_energy_kwh[stage],
                                                            rel=1e-12)
    cut_kwh = (free.timeseries["p_ac"] - limited.timeseries["p_ac"]).sum() / 1e3
    drop = free.stage_energy_kwh["clipping"] - limited.stage_energy_kwh["clipping"]
    assert drop * 0.98 * 0.98 == pytest.approx(cut_kwh, rel=1e-9)


def test_engine_equals_the_reference_chain_with_a_limit(blythe):
    """Every stage energy (1e-9) and the hourly AC power, engine against reference."""
    frame, meta = blythe
    site = _site(meta, export_limit_mwac=72.5)
    reference, engine = run_chain(site, frame), run_chain_batch(site, frame)
    for stage in STAGE_NAMES:
        assert engine.stage_energy_kwh[stage] == pytest.approx(reference.stage_energy_kwh[stage],
                                                           rel=1e-9), stage
    # hourly: 1e-8, as without a limit (the engine's own sun position and tracker angles
    # differ from pvlib's by about 1e-9 relative in a few hours of this file)
    np.testing.assert_allclose(engine.timeseries["p_ac"].to_numpy(),
                               reference.timeseries["p_ac"].to_numpy(), rtol=1e-8,
                               atol=1e-3)


def test_a_limit_the_plant_never_reaches_changes_nothing(blythe):
    frame, meta = blythe
    free = run_chain_batch(_site(meta), frame)
    high = run_chain_batch(_site(meta, export_limit_mwac=AC_MW), frame)  # after AC losses
    np.testing.assert_array_equal(high.timeseries["p_ac"].to_numpy(),
                                  free.timeseries["p_ac"].to_numpy())


def test_a_limit_on_a_plant_of_blocks_is_refused_by_name(blythe):
    _, meta = blythe
    with pytest.raises(SiteError, match="export_limit_mwac: a limit on the sum of several "
                                        "blocks is not modelled"):
        site_from_mapping({
            "name": "blocks", "country": "US", "latitude": meta.latitude,
            "longitude": meta.longitude, "elevation_m": meta.elevation_m,
            "timezone": "America/Los_Angeles",
            "plant": {"dc_capacity_mwp": 100.0, "ac_capacity_mwac": 80.0,
                      "export_limit_mwac": 75.0, "blocks": [
                          {"name": "a", "dc_capacity_mwp": 50.0, "ac_capacity_mwac": 40.0,
                           "mounting": {"type": "single_axis", "gcr": 0.35}},
                          {"name": "b", "dc_capacity_mwp": 50.0, "ac_capacity_mwac": 40.0,
                           "mounting": {"type": "single_axis", "gcr": 0.35}}]}})


def test_limit_with_real_equipment_engine_equals_reference():
    """The Sandia inverter path (PAN module, OND inverter): the same limit in the engine
    and the reference chain (stage energies 1e-9), and it binds."""
    import yaml

    from pvyield.weather import weather_for_site

    path = Path(__file__).resolve().parent.parent / "sites" / "examples" / "mauriti_pan_ond.yaml"
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    free_site = site_from_mapping(mapping, path)
    ac_mw = free_site.plant.ac_capacity_mwac
    mapping["plant"]["export_limit_mwac"] = round(0.85 * ac_mw, 3)
    site = site_from_mapping(mapping, path)
    frame, _ = weather_for_site(site)
    frame = frame[frame.index.month.isin([3, 9])]  # two months: the test stays short
    reference, engine = run_chain(site, frame), run_chain_batch(site, frame)
    for stage in STAGE_NAMES:
        assert engine.stage_energy_kwh[stage] == pytest.approx(
            reference.stage_energy_kwh[stage], rel=1e-9), stage
    free = run_chain(free_site, frame)
    assert reference.stage_energy_kwh["clipping"] < free.stage_energy_kwh["clipping"]
    assert reference.timeseries["p_ac"].max() <= (
        0.85 * ac_mw * 1e6 * (1 + 1e-9))  # at most the limit (availability below 1)


def test_the_limit_is_shown_in_the_terminal_and_the_report(tmp_path, blythe):
    import contextlib
    import io

    import yaml

    from pvyield.cli import main

    _, meta = blythe
    site = {"name": "limited", "country": "US", "latitude": meta.latitude,
            "longitude": meta.longitude, "elevation_m": meta.elevation_m,
            "timezone": "America/Los_Angeles",
            "plant": {"dc_capacity_mwp": 100.0, "ac_capacity_mwac": 80.0,
                      "export_limit_mwac": 70.0,
                      "mounting": {"type": "single_axis", "gcr": 0.35}},
            "weather": {"file": str(WEATHER / "CA-Blythe_Riverside_Co_Arpt.tmy3")}}
    path = tmp_path / "limited.yaml"
    path.write_text(yaml.safe_dump(site), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["estimate", str(path), "--no-reconcile"]) == 0
    assert "100 MWp / 80 MWac (DC/AC 1.25), export limit 70 MWac" in out.getvalue()
    assert main(["report", str(path), "--out", str(tmp_path / "rep")]) == 0
    text = (tmp_path / "rep" / "limited.md").read_text(encoding="utf-8")
    assert "export limit 70.00 MWac at the grid" in text
