"""The public API and the command line as users reach them: pvyield.variant, the hourly
export, the JSON's irradiation totals, and site commands that skip scenario files."""

from __future__ import annotations

import importlib.util
import json
import sys

import pandas as pd
import pytest

import pvyield
from pvyield.cli import main
from pvyield.site import defaults_used

from .conftest import SITES

MAURITI = SITES / "mauriti.yaml"


def test_variant_changes_what_it_says_and_records_it(mauriti_result):
    site = mauriti_result.site
    bare = pvyield.variant(site, **{"plant.bifaciality": 0.0, "losses.soiling_pct": 3.5})
    assert isinstance(bare, pvyield.Site)
    assert bare.plant.bifaciality == 0.0 and bare.losses.soiling_pct == 3.5
    assert site.plant.bifaciality == 0.7  # the original is left alone
    assert bare.plant.dc_capacity_mwp == site.plant.dc_capacity_mwp
    assert "plant.bifaciality" in bare.assumptions
    # a path works as well as a loaded site
    from_file = pvyield.variant(MAURITI, **{"plant.bifaciality": 0.0})
    assert from_file.plant.bifaciality == 0.0 and from_file.losses == site.losses



def test_variant_keeps_the_defaults_said_as_defaults(mauriti_result):
    # fields the site file left at their documented default are still reported as
    # defaults (with their source), not as values the file set
    site = mauriti_result.site
    bare = pvyield.variant(site, **{"plant.bifaciality": 0.0})
    assert defaults_used(site)  # the test needs a site with defaults
    assert defaults_used(bare) == defaults_used(site)

@pytest.mark.parametrize(("overrides", "named"), [
    ({"plant.bifaciality": 1.7}, "plant.bifaciality"),       # out of range
    ({"plant.bifacility": 0.0}, "plant.bifacility"),         # not a field
    ({"name.first": "x"}, "name.first"),                     # through a value
])
def test_variant_refuses_a_bad_path_or_value_naming_it(mauriti_result, overrides, named):
    with pytest.raises(pvyield.SiteError, match=named.replace(".", r"\.")):
        pvyield.variant(mauriti_result.site, **overrides)


def test_json_rebuilds_the_performance_ratio_and_the_chain_start(tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["estimate", str(MAURITI), "--no-reconcile", "--quiet", "--out",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    site = json.loads(out.read_text())["sites"][0]
    dc_kwp = site["dc_capacity_mwp"] * 1e3
    pr = site["annual_energy_gwh"] * 1e6 / (site["poa_kwh_m2"] * dc_kwp)
    assert pr == pytest.approx(site["performance_ratio"], rel=1e-9)
    assert f"PR {pr:.1%}" in printed
    # the loss chain starts at GHI x DC kWp: the first stage's energy over that start
    # is one minus its loss
    first = pvyield.estimate(MAURITI).losses.iloc[0]
    start_gwh = site["ghi_kwh_m2"] * dc_kwp / 1e6
    assert first.energy_gwh / start_gwh == pytest.approx(
        1 - site["losses_pct"]["transposition"] / 100, rel=1e-9)


def test_timeseries_csv_has_every_stage_with_units_and_offsets(tmp_path, mauriti_result):
    path = tmp_path / "hourly.csv"
    assert main(["estimate", str(MAURITI), "--no-reconcile", "--quiet",
                 "--timeseries", str(path)]) == 0
    frame = pd.read_csv(path, index_col="time")
    assert list(frame.columns) == ["ghi_w_m2", "poa_global_w_m2", "effective_irradiance_w_m2",
                                   "temp_air_c", "temp_cell_c", "p_dc_w", "p_ac_w"]
    assert frame.index[0].endswith("-03:00")  # Brazil (Ceará): UTC-3, ISO 8601 offset
    stamps = pd.to_datetime(frame.index, format="ISO8601")
    assert (stamps == mauriti_result.timeseries.index).all()
    # the hourly AC power integrates to the printed annual energy (1 h stamps)
    assert frame["p_ac_w"].sum() / 1e9 == pytest.approx(mauriti_result.annual_energy_gwh,
                                                        rel=1e-5)
    assert frame["poa_global_w_m2"].sum() / 1e3 == pytest.approx(
        mauriti_result.annual_poa_kwh_m2, rel=1e-5)


def test_timeseries_refuses_several_sites_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "hourly.csv"
    assert main(["estimate", str(MAURITI), str(SITES / "ceme1.yaml"),
                 "--timeseries", str(path)]) == 2
    assert "one site" in capsys.readouterr().err
    assert not path.exists()


def test_parquet_without_pyarrow_names_the_extra(tmp_path, capsys, monkeypatch):
    # pyarrow is in the [test] extra: a None entry in sys.modules makes it not importable
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    path = tmp_path / "hourly.parquet"
    assert main(["estimate", str(MAURITI), "--timeseries", str(path)]) == 2
    assert "pvyield[parquet]" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("command", [["estimate", "s.yaml"], ["report", "s.yaml", "--out", "d"],
                                     ["validate"]])
def test_site_commands_run_the_engine_unless_the_reference_is_asked(command):
    from pvyield.cli import _parser

    parser = _parser()
    assert parser.parse_args(command).engine == "batch"
    assert parser.parse_args([*command, "--engine", "reference"]).engine == "reference"


def test_report_skips_scenario_files_and_folders_like_estimate(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", str(SITES / "ceme1.yaml"), str(SITES / "example-batch.yaml"),
                 str(SITES / "validation"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "example-batch.yaml is a scenario file" in err
    assert "validation is a folder, skipped" in err
    assert sorted(p.name for p in out.glob("*.html")) == ["ceme1.html"]


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                    reason="pyarrow not installed (pvyield[parquet])")
def test_timeseries_parquet_keeps_the_time_zone(tmp_path, mauriti_result):
    path = tmp_path / "hourly.parquet"
    assert main(["estimate", str(MAURITI), "--no-reconcile", "--quiet",
                 "--timeseries", str(path)]) == 0
    frame = pd.read_parquet(path)
    assert str(frame.index.tz) == str(mauriti_result.timeseries.index.tz)
    assert (frame.index == mauriti_result.timeseries.index).all()
    assert list(frame.columns) == ["ghi_w_m2", "poa_global_w_m2", "effective_irradiance_w_m2",
                                   "temp_air_c", "temp_cell_c", "p_dc_w", "p_ac_w"]
    for column, name in (("p_ac_w", "p_ac"), ("p_dc_w", "p_dc"),
                         ("poa_global_w_m2", "poa_global"), ("temp_cell_c", "temp_cell")):
        assert frame[column].to_numpy() == pytest.approx(
            mauriti_result.timeseries[name].to_numpy(), rel=1e-12), column
