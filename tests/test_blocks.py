"""Plants of several blocks (``plant.blocks``): schema, reference chain, engine, outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from pvyield.errors import SiteError
from pvyield.model.chain import run_chain
from pvyield.model.engine import STAGE_NAMES, run_chain_batch, run_sites
from pvyield.site import load_site, site_from_mapping
from pvyield.weather import read_weather_file

WEATHER = Path(__file__).resolve().parent.parent / "weather"
FIXED = {"type": "fixed", "orientations": [{"tilt_deg": 25, "azimuth_deg": 180}],
         "gcr": 0.45}
TRACKER = {"type": "single_axis", "gcr": 0.35, "max_angle_deg": 52}


@pytest.fixture(scope="module")
def palmdale():
    frame, meta = read_weather_file(WEATHER / "CA-Palmdale_Airport.tmy3", "tmy3", None)
    # every third week of the year: all seasons, a third of the chain's time
    week = frame.index.isocalendar().week.to_numpy()
    return frame[week % 3 == 0], meta


def _place(meta) -> dict:
    return {"country": "US", "latitude": meta.latitude, "longitude": meta.longitude,
            "elevation_m": meta.elevation_m, "timezone": "America/Los_Angeles"}


def _two_blocks(meta, **plant) -> dict:
    """A bifacial plant of a fixed block (60 MWp / 50 MWac) and a tracked one
    (40 MWp / 30 MWac, its own soiling)."""
    return {"name": "two blocks", **_place(meta), "losses": {"soiling_pct": 1.5},
            "plant": {"dc_capacity_mwp": 100.0, "ac_capacity_mwac": 80.0,
                      "bifaciality": 0.7, "module_technology": "cdte", **plant,
                      "blocks": [
                          {"name": "fixed racks", "dc_capacity_mwp": 60.0,
                           "ac_capacity_mwac": 50.0, "mounting": FIXED},
                          {"name": "trackers", "dc_capacity_mwp": 40.0,
                           "ac_capacity_mwac": 30.0, "mounting": TRACKER,
                           "losses": {"soiling_pct": 3.0, "availability_pct": 98.0}}]}}


def test_two_blocks_equal_two_plants_run_separately(palmdale, tmp_path):
    """The plant of two blocks against the two plants written as separate site files of
    one mounting each (the block's capacities and losses written out by hand), run
    separately through the reference chain: stage energies and AC/DC power add, to
    floating-point rounding (relative 1e-12)."""
    frame, meta = palmdale
    plant = {"bifaciality": 0.7, "module_technology": "cdte"}
    files = {
        "fixed.yaml": {"name": "fixed", **_place(meta), "losses": {"soiling_pct": 1.5},
                       "plant": {"dc_capacity_mwp": 60.0, "ac_capacity_mwac": 50.0,
                                 **plant, "mounting": FIXED}},
        "tracked.yaml": {"name": "tracked", **_place(meta),
                         "losses": {"soiling_pct": 3.0, "availability_pct": 98.0},
                         "plant": {"dc_capacity_mwp": 40.0, "ac_capacity_mwac": 30.0,
                                   **plant, "mounting": TRACKER}},
        "both.yaml": _two_blocks(meta),
    }
    for name, mapping in files.items():
        (tmp_path / name).write_text(yaml.safe_dump(mapping))
    fixed, tracked, both = (run_chain(load_site(tmp_path / n), frame) for n in files)
    for stage in STAGE_NAMES:
        expected = fixed.stage_energy_kwh[stage] + tracked.stage_energy_kwh[stage]
        assert both.stage_energy_kwh[stage] == pytest.approx(expected, rel=1e-12), stage
    for column in ("p_dc", "p_ac"):
        np.testing.assert_allclose(both.timeseries[column],
                                   fixed.timeseries[column] + tracked.timeseries[column],
                                   rtol=1e-12, atol=1e-6)
    # poa is the DC-weighted mean of the blocks'
    np.testing.assert_allclose(both.timeseries["poa_global"],
                               0.6 * fixed.timeseries["poa_global"]
                               + 0.4 * tracked.timeseries["poa_global"], rtol=1e-12)
    assert both.blocks["trackers"] == tracked.stage_energy_kwh
    # the tracker block clips at its own 30 MWac: more clipping than the same DC on the
    # plant's shared 80 MWac would give
    assert tracked.stage_energy_kwh["clipping"] < tracked.stage_energy_kwh["inverter"]


def test_engine_equals_reference_on_blocks(palmdale):
    """The compiled engine against the reference chain on plants of blocks (relative
    1e-9 on every stage; the engine's tracker view factors are tabulated, see
    tests/test_engine.py), and plants of blocks beside plants of one mounting in one
    call."""
    frame, meta = palmdale
    mapping = _two_blocks(meta)
    # a third block of two faces without row shading: blocks of different plane counts
    mapping["plant"].update(dc_capacity_mwp=112.0, ac_capacity_mwac=90.0)
    mapping["plant"]["blocks"].append({
        "name": "east-west", "dc_capacity_mwp": 12.0, "ac_capacity_mwac": 10.0,
        "mounting": {"type": "fixed", "gcr": 0.6, "orientations": [
            {"tilt_deg": 10, "azimuth_deg": 90, "share": 0.5},
            {"tilt_deg": 10, "azimuth_deg": 270, "share": 0.5}]}})
    site = site_from_mapping(mapping)
    single = site_from_mapping({"name": "one", **_place(meta),
                                "plant": {"dc_capacity_mwp": 10.0, "ac_capacity_mwac": 8.0,
                                          "mounting": TRACKER}})
    ref = run_chain(site, frame)
    eng = run_chain_batch(site, frame)
    for stage in STAGE_NAMES:
        assert eng.stage_energy_kwh[stage] == pytest.approx(ref.stage_energy_kwh[stage],
                                                            rel=1e-9), stage
    for name in ("fixed racks", "trackers", "east-west"):
        for stage in STAGE_NAMES:
            assert eng.blocks[name][stage] == pytest.approx(ref.blocks[name][stage],
                                                            rel=1e-9), (name, stage)
    for column in ("poa_global", "temp_cell", "p_dc", "p_ac"):
        np.testing.assert_allclose(eng.timeseries[column], ref.timeseries[column],
                                   rtol=1e-9, atol=1e-6 * ref.timeseries[column].abs().max())
    ds = run_sites([single, site, single], [frame] * 3, chunk_sites=2)
    years = float(ds["years"][1])
    assert float(ds["annual_energy"][1]) * years == pytest.approx(
        ref.stage_energy_kwh["availability"], rel=1e-9)
    assert float(ds["annual_energy"][0]) == float(ds["annual_energy"][2])
    assert list(ds["block_name"][1].to_numpy()) == ["fixed racks", "trackers", "east-west"]


@pytest.mark.parametrize(("change", "message"), [
    ({"dc_capacity_mwp": 110.0}, "add up to 100, not the plant's 110"),
    ({"ac_capacity_mwac": 70.0}, "add up to 80, not the plant's 70"),
    ({"mounting": FIXED}, "not both"),
])
def test_blocks_must_be_the_plant(palmdale, change, message):
    _, meta = palmdale
    mapping = _two_blocks(meta)
    mapping["plant"].update(change)
    with pytest.raises(SiteError, match=message):
        site_from_mapping(mapping)


def test_block_losses_are_checked_by_name(palmdale):
    _, meta = palmdale
    mapping = _two_blocks(meta)
    mapping["plant"]["blocks"][1]["losses"] = {"soiling_pct": 70.0}
    with pytest.raises(SiteError, match=r"plant\.blocks\.1\.losses\.soiling_pct"):
        site_from_mapping(mapping)
    mapping = _two_blocks(meta)
    del mapping["plant"]["blocks"][0]["mounting"]
    with pytest.raises(SiteError, match=r"plant\.blocks\.0\.mounting"):
        site_from_mapping(mapping)


@pytest.fixture(scope="module")
def mesquite():
    """Mesquite Solar of the validation corpus: a fixed phase 1 and tracked phases 2-3."""
    from pvyield.estimate import estimate
    from pvyield.validation import CORPUS_DIR

    return estimate(CORPUS_DIR / "mesquite-solar-1-3.yaml")


def test_estimate_shows_each_block(mesquite):
    """Per-block figures add up to the plant's and appear in the JSON, the terminal and the
    report; the reference chain gives the same blocks (relative 1e-9)."""
    from pvyield.estimate import estimate
    from pvyield.report.document import _block_tables
    from pvyield.report.text import full_text

    blocks = mesquite.blocks
    assert list(blocks.index) == ["phase 1 (fixed)", "phases 2-3 (trackers)"]
    assert blocks["energy_gwh"].sum() == pytest.approx(mesquite.annual_energy_gwh, rel=1e-9)
    assert blocks["dc_capacity_mwp"].sum() == pytest.approx(581.6)
    # the tracked phases yield more per kWp than the fixed phase 1 on the same weather
    assert (blocks.loc["phases 2-3 (trackers)", "specific_yield_kwh_per_kwp"]
            > blocks.loc["phase 1 (fixed)", "specific_yield_kwh_per_kwp"])
    document = mesquite.to_dict()["blocks"]
    assert [b["name"] for b in document] == list(blocks.index)
    assert set(document[0]["losses_pct"]) == set(mesquite.losses.index)
    text = full_text(mesquite)
    assert all(name in text for name in blocks.index)
    assert any("Loss of every stage" in str(b) for b in _block_tables(mesquite))
    reference = estimate(mesquite.site, engine="reference")
    for name in blocks.index:
        assert reference.blocks.loc[name, "energy_gwh"] == pytest.approx(
            blocks.loc[name, "energy_gwh"], rel=1e-9)


def test_reconciliation_of_a_plant_of_blocks(mesquite):
    """The mounting swap is not run for a plant of blocks (listed as skipped); the AC range
    scales every block at the plant's DC/AC, so that the blocks still add up."""
    from pvyield.reconcile import reconcile, variant

    rec = reconcile(mesquite)
    assert any(s.startswith("plant.mounting: the plant is made of blocks") for s in rec.skipped)
    assert "plant.mounting" not in [s.parameter for s in rec.sensitivities]
    ac = next(s for s in rec.sensitivities if s.parameter == "plant.ac_capacity_mwac")
    # DC/AC 1.4 and 1.1 are both more AC than Mesquite's 1.45: less clipping, more energy
    assert mesquite.annual_energy_gwh < ac.energy_low_gwh < ac.energy_high_gwh
    low = variant(mesquite.site, "plant.ac_capacity_mwac", 581.6 / 1.4)
    assert [b.ac_capacity_mwac for b in low.plant.blocks] == pytest.approx(
        [235.1 / 1.4, 346.5 / 1.4])


def test_assumptions_of_blocks_are_listed(palmdale):
    """Each block's mounting defaults are listed as defaults, the rear shading default by
    each block's mounting as derived; a block's name is a label, not a parameter."""
    from pvyield.results import list_assumptions

    _, meta = palmdale
    site = site_from_mapping(_two_blocks(meta))
    listed = {a.parameter: a for a in list_assumptions(site, meta)}
    assert listed["plant.blocks.1.mounting.backtrack"].kind == "default"
    assert listed["plant.blocks.1.mounting.height_m"].value == 2.0
    rear = listed["plant.rear_shading_pct"]
    assert rear.kind == "derived"
    assert "fixed racks (fixed) 2 %" in rear.reason and "trackers (single_axis) 6 %" in rear.reason
    assert not any(p.endswith(".name") for p in listed)
