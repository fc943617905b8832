"""Figures and report of a batch study: a hand-made Dataset with known values, then a real
batch through the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
import yaml
from matplotlib.patches import Rectangle

from pvyield.batch import compare, read_dataset
from pvyield.cli import main
from pvyield.report.batch import (
    batch_report,
    batch_report_files,
    ranking_figure,
    weather_spread_figure,
    yield_capacity_factor_figure,
)
from pvyield.report.document import Table, to_html

from .conftest import SITES
from .test_report_document import assert_figures_loaded, images_in_chromium, needs_chromium

NSRDB = SITES.parent / "weather" / "CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv"


@pytest.fixture(scope="module")
def hand_made():
    """Site A: design a wins under weather x, b under y (ranks flip); site B: one run failed.

    Specific yields [kWh/kWp] by (design, source): A: a,x 2000; b,x 1900; a,y 1800; b,y 1950.
    B: a,x 1500; b,x 1600; a,y failed; b,y 1550. DC 100 MWp, AC 80 MWac (DC/AC 1.25).
    """
    yields = np.array([[2000.0, 1900.0, 1800.0, 1950.0], [1500.0, 1600.0, np.nan, 1550.0]])
    status = [["ok"] * 4, ["ok", "ok", "failed", "ok"]]
    error = [[""] * 4, ["", "", "weather file missing", ""]]
    dc, ac = np.full((2, 4), 100.0), np.full((2, 4), 80.0)
    energy = yields * dc / 1e3  # kWh/kWp x MWp = MWh; / 1e3 -> GWh
    return xr.Dataset(
        {"specific_yield_kwh_per_kwp": (("site", "scenario"), yields),
         "annual_energy_gwh": (("site", "scenario"), energy),
         "capacity_factor_ac": (("site", "scenario"), energy * 1e3 / (ac * 8760)),
         "dc_capacity_mwp": (("site", "scenario"), dc),
         "ac_capacity_mwac": (("site", "scenario"), ac),
         "status": (("site", "scenario"), status),
         "error": (("site", "scenario"), error)},
        coords={"site": ["A", "B"], "scenario": ["a,x", "b,x", "a,y", "b,y"],
                "site_file": ("site", ["a.yaml", "b.yaml"]),
                "design": ("scenario", ["a", "b", "a", "b"]),
                "weather_source": ("scenario", ["x", "x", "y", "y"])},
        attrs={"title": "pvyield batch results: hand-made", "scenario_file": "hand.yaml"})


def test_ranking_figure_bars_are_means_over_sources(hand_made):
    fig = ranking_figure(hand_made)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["A", "B"]
    widths = {ax.get_title(loc="left"): sorted(p.get_width() for p in ax.patches
                                               if isinstance(p, Rectangle)) for ax in panels}
    # A: a (2000 + 1800) / 2 = 1900, b (1900 + 1950) / 2 = 1925; B: a only 1500, b 1575
    assert widths["A"] == pytest.approx([1900.0, 1925.0])
    assert widths["B"] == pytest.approx([1500.0, 1575.0])
    labels = [t.get_text() for t in panels[0].get_yticklabels()]
    assert labels == ["b", "a"]  # best on top
    assert "specific yield" in panels[-1].get_xlabel()
    assert "1 run(s) did not complete" in fig._supxlabel.get_text()


def test_yield_capacity_factor_figure_plots_every_completed_run(hand_made):
    fig = yield_capacity_factor_figure(hand_made)
    ax = fig.axes[0]
    points = [line for line in ax.get_lines() if line.get_marker() not in ("None", "")]
    assert len(points) == 7  # 8 runs, one failed
    xs = sorted(float(p.get_xdata()[0]) for p in points)
    assert xs == sorted([2000, 1900, 1800, 1950, 1500, 1600, 1550])
    for p in points:  # CF(AC) = yield x DC/AC / 8760 h, in percent
        assert p.get_ydata()[0] == pytest.approx(p.get_xdata()[0] * 1.25 / 8760 * 100)
    assert ax.get_xlabel().startswith("specific yield") and "capacity factor" in ax.get_ylabel()
    assert any("DC/AC 1.25" in t.get_text() for t in ax.texts)


def test_weather_spread_figure_flags_rank_changes(hand_made):
    fig = weather_spread_figure(hand_made)
    ax = fig.axes[0]
    ticks = {t.get_text(): t.get_color() for t in ax.get_yticklabels()}
    assert set(ticks) == {"A: a", "A: b", "B: a", "B: b"}
    # in A, a is first under x and second under y: both designs change rank
    assert ticks["A: a"] == ticks["A: b"] != ticks["B: b"]
    right = ax.child_axes[0]  # the secondary y axis with the spreads
    texts = [t.get_text() for t in right.get_yticklabels()]
    assert "spread 10.5 %" in texts  # A, a: (2000 - 1800) / 1900
    assert "no spread (1 of 2 sources completed)" in texts  # B, a


def test_batch_report_lists_failures_and_rank_changes(hand_made):
    report = batch_report(hand_made, "hand")
    assert [s.title for s in report.sections] == [
        "Study", "Ranking", "Yield and capacity factor", "Weather sources", "Runs not ok"]
    failures = report.sections[-1].blocks[0]
    assert isinstance(failures, Table)
    assert failures.rows == (("B", "a,y", "failed", "weather file missing"),)
    page = to_html(report)
    assert page.count("<img ") == 3 and "changes with the weather source" in page
    assert compare(hand_made).unstable.shape[0] == 2


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    """CEME1 x (east-west, tracker) x (its own weather, NSRDB) through ``pvyield batch``."""
    folder = tmp_path_factory.mktemp("batch")
    scenario = folder / "study.yaml"
    scenario.write_text(yaml.safe_dump({
        "name": "two designs", "sites": [str(SITES / "ceme1.yaml")],
        "matrix": {"plant.mounting": {"as-built": None,
                                      "tracker": {"type": "single_axis", "gcr": 0.35}},
                   "weather_source": ["site", "nsrdb"]},
        "weather_sources": {"nsrdb": {"CEME1": {"file": str(NSRDB)}}},
    }), encoding="utf-8")
    code = main(["batch", str(scenario), "--out", str(folder / "r.nc"), "--report",
                 str(folder / "report")])
    assert code == 0
    return folder


def test_batch_command_writes_the_report(batch_out):
    report = batch_out / "report"
    page = (report / "study.html").read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 3
    markdown = (report / "study.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((figures/[^)]+)\)", markdown)
    assert len(links) == 6 and all((report / link).is_file() for link in links)
    ds = read_dataset(batch_out / "r.nc")
    tracker = ds["specific_yield_kwh_per_kwp"].sel(site="CEME1").to_series()
    best = tracker.idxmax()
    assert "tracker" in best  # a tracker out-yields fixed east-west racking in the Atacama
    assert f"{compare(ds).ranking.iloc[0]['specific_yield_kwh_per_kwp']:,.0f}" in markdown
    assert batch_report_files(ds, "x").keys() == {
        "x.html", "x.md", *(f"figures/x-{k}.{e}" for k in ("ranking", "yield-cf",
                                                            "weather-spread")
                            for e in ("png", "svg"))}


@needs_chromium
def test_batch_report_figures_load_in_headless_chromium(batch_out, tmp_path):
    report = batch_out / "report"
    images = images_in_chromium(report / "study.html", tmp_path)
    assert_figures_loaded(images, [report / "figures" / f"study-{key}.png"
                                   for key in ("ranking", "yield-cf", "weather-spread")])
