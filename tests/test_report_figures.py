"""Figures of an estimate: each one drawn from a Result and checked for what it shows."""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from pvyield.report import (
    all_figures,
    checks_figure,
    figure_png,
    figure_svg,
    loss_diagram,
    monthly_energy_figure,
    power_heatmap,
    save_figure,
    weather_figure,
)
from pvyield.report.labels import MONTHS, STAGE_LABELS, short_source, signed_pct
from pvyield.weather import weather_for_site

SITES = ["mauriti_result", "ceme1_result"]


@pytest.fixture(params=SITES)
def result(request):
    return request.getfixturevalue(request.param)


def _texts(fig) -> str:
    """Every text drawn on a figure, tick labels and legends included, as one string."""
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(t for t in found if isinstance(t, str))


# --- the numbers the figures read --------------------------------------------------------


def test_monthly_air_temperature_matches_the_weather_frame(mauriti_result, ceme1_result):
    # independent: the weather series the chain read, grouped by local month by hand
    for result in (mauriti_result, ceme1_result):
        frame, _ = weather_for_site(result.site)
        local = frame["temp_air"].tz_convert(result.site.timezone)
        expected = local.groupby(local.index.month).mean()
        np.testing.assert_allclose(result.monthly["temp_air_c"], expected.to_numpy(),
                                   atol=1e-9)


def test_loss_chain_starts_at_ghi_energy(result):
    # the first stage's loss is relative to the GHI energy: invert it and compare
    first = result.losses.iloc[0]
    start = first.energy_gwh / (1.0 - first.loss_pct / 100.0)
    assert result.ghi_energy_gwh == pytest.approx(start, rel=1e-9)
    # GHI [kWh/m2] x DC [kWp] / 1 kW/m2, by hand for Mauriti's 425 MWp
    expected = result.monthly["ghi_kwh_m2"].sum() * result.site.plant.dc_capacity_mwp * 1e3
    assert result.ghi_energy_gwh == pytest.approx(expected / 1e6, rel=1e-12)


# --- monthly bars ------------------------------------------------------------------------


def test_monthly_figure_has_twelve_bars_and_reported_lines(result):
    fig = monthly_energy_figure(result)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 12
    np.testing.assert_allclose([b.get_height() for b in bars], result.monthly["energy_gwh"])
    assert "GWh" in ax.get_ylabel() and "month" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == MONTHS
    # one line for the estimate's mean and one per reported energy claim, at annual / 12
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
    claims = [c.implied["annual_energy_gwh"] / 12 for c in result.checks
              if c.metric in ("annual_energy_gwh", "daily_energy_mwh", "capacity_factor_ac")]
    expected = sorted([result.annual_energy_gwh / 12, *claims])
    np.testing.assert_allclose(levels, expected, rtol=1e-12)


def test_monthly_reference_lines_for_mauriti_by_hand(mauriti_result):
    levels = {round(line.get_ydata()[0], 3)
              for line in monthly_energy_figure(mauriti_result).axes[0].get_lines()}
    # 980 and 1,000 GWh/yr reported; BNDES 29.17 % of 343.77 MWac x 8,760 h = 878.5 GWh
    for annual in (980.0, 1000.0, 0.2917 * 343.77 * 8760 / 1e3):
        assert round(annual / 12, 3) in levels


# --- loss diagram ------------------------------------------------------------------------


def test_loss_diagram_shows_every_stage_with_its_percent(result):
    fig = loss_diagram(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("Horizontal irradiation")
    assert labels[-1] == "AC energy at the grid"
    assert len(labels) == len(result.losses) + 2
    for stage in result.losses.index:
        assert any(label.startswith(STAGE_LABELS[stage]) for label in labels), stage
    text = _texts(fig)
    for loss in result.losses["loss_pct"]:
        digits = 2 if round(abs(loss), 1) < 1 else 1
        assert signed_pct(loss, digits) in text
    assert f"{result.annual_energy_gwh:,.1f} GWh/yr" in text
    assert f"{result.annual_ghi_kwh_m2:,.0f} kWh/m²" in text
    assert "GWh" in ax.get_xlabel()


def test_loss_diagram_bars_follow_the_loss_table(mauriti_result):
    ax = loss_diagram(mauriti_result).axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    top = [b for b in bars if b.get_y() < 0]  # the first row, centred on y = 0
    assert top[0].get_width() == pytest.approx(mauriti_result.ghi_energy_gwh)
    last = max(bars, key=lambda b: b.get_y())
    assert last.get_width() == pytest.approx(mauriti_result.annual_energy_gwh)
    # transposition on a tracker is a gain (green), soiling a loss (red)
    colour = {round(b.get_y() + b.get_height() / 2): b.get_facecolor() for b in bars
              if b.get_x() > 0}
    stages = list(mauriti_result.losses.index)
    assert colour[1 + stages.index("transposition")][1] > 0.6  # green channel
    assert colour[1 + stages.index("soiling")][0] > 0.7  # red channel


# --- heat map ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "utc"), [("mauriti_result", "UTC-3"),
                                              ("ceme1_result", "UTC-4")])
def test_heatmap_holds_the_year_of_ac_power(request, fixture, utc):
    result = request.getfixturevalue(fixture)
    fig = power_heatmap(result)
    ax = fig.axes[0]
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    grid = np.ma.filled(image.get_array(), np.nan)
    assert grid.shape == (24, 366)
    # hourly one-year series: the cells add up to the annual energy [MWh]
    assert np.nansum(grid) == pytest.approx(result.annual_energy_gwh * 1e3, rel=1e-9)
    assert "day of year" in ax.get_xlabel()
    assert utc in ax.get_ylabel()  # Fortaleza UTC-3, Chile's standard time UTC-4
    assert "MW" in fig.axes[1].get_ylabel()
    # clipping: some hours reach the colour map's top and take the "over" colour
    norm_top = image.norm.vmax
    assert np.nansum(grid > norm_top) > 50
    assert norm_top < result.site.plant.ac_capacity_mwac
    # nights are dark: no power at 02:00 on any day
    assert np.nanmax(grid[2]) == 0.0


# --- weather -------------------------------------------------------------------------------


def test_weather_figure_names_its_source(mauriti_result, ceme1_result):
    for result, synthetic in ((mauriti_result, True), (ceme1_result, False)):
        fig = weather_figure(result)
        ghi_ax, temp_ax = fig.axes
        bars = [p for p in ghi_ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == 12
        np.testing.assert_allclose([b.get_height() for b in bars],
                                   result.monthly["ghi_kwh_m2"])
        np.testing.assert_allclose(temp_ax.get_lines()[0].get_ydata(),
                                   result.monthly["temp_air_c"])
        assert "GHI" in ghi_ax.get_ylabel() and "°C" in temp_ax.get_ylabel()
        title = ghi_ax.get_title(loc="left").replace("\n", " ")
        assert result.weather.source[:40] in title
        assert ("SYNTHETIC" in title) is synthetic


# --- checks --------------------------------------------------------------------------------


def test_checks_figure_places_each_claim_and_the_bands(mauriti_result):
    fig = checks_figure(mauriti_result)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    titles = [ax.get_title(loc="left") for ax in panels]
    assert titles[0].startswith("Annual energy") and titles[1].startswith("Households")
    assert titles[2:] == ["Land area", "Module count"]  # land area is checked, not skipped
    energy = panels[0]
    markers = sorted(line.get_xdata()[0] for line in energy.get_lines()
                     if isinstance(line, Line2D) and line.get_marker() == "D")
    # each claim at the estimate x (1 + its deviation from the quantity of its basis): the
    # year-1 P50 for the two press figures; BNDES's firm energy of the 147.33 MWac subset
    # against the year-1 P90 scaled to the subset, as capacity factors
    e1 = mauriti_result.annual_energy_gwh
    p90 = e1 * (1 - 1.2815516 * mauriti_result.uncertainty.one_year.sigma_pct / 100)
    firm = e1 * 0.2917 / (p90 * (147.33 / 343.77) * 1e3 / (147.33 * 8760))
    np.testing.assert_allclose(markers, sorted([980.0, 1000.0, firm]), rtol=1e-6)
    # shaded: P90-P10 of one year and of the multi-year average, from the Result
    u = mauriti_result.uncertainty
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in energy.patches
                   if isinstance(p, Rectangle))
    expected = sorted([(u.one_year.at(90), u.one_year.p10_gwh),
                       (u.average.at(90), u.average.p10_gwh)])
    np.testing.assert_allclose(spans, expected, rtol=1e-9)
    # dashed: the 'consistent' threshold, +-10 % around the estimate
    estimate = mauriti_result.annual_energy_gwh
    dashed = sorted(line.get_xdata()[0] for line in energy.get_lines()
                    if line.get_linestyle() == "--")
    np.testing.assert_allclose(dashed, [0.9 * estimate, 1.1 * estimate], rtol=1e-12)
    # the text right of the panels is wrapped so the panels keep their width
    right = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))
             if isinstance(t.get_text(), str) and t.get_text().startswith("reported ")]
    assert right and all(len(line) <= 64 for t in right for line in t.splitlines())
    text = " ".join(_texts(fig).split())
    assert "'consistent'" in text and "P90–P10, 10-year average" in text
    assert "implies specific yield 2,306 kWh/kWp" in text  # 980 GWh / 425 MWp
    per_household = estimate * 1e6 / 350_000  # the estimate shared by the claimed 350,000
    assert f"use per household {per_household:,.0f} kWh/yr" in text
    assert "reported 760 ha" in text and "not modelled" not in text
    assert "against DC capacity / median power density of single-axis tracking plants" in text


def test_checks_figure_for_ceme1_converts_daily_energy(ceme1_result):
    text = _texts(checks_figure(ceme1_result))
    # 2,863 MWh/day x 365 = 1,045 GWh/yr
    assert "reported 2,863 MWh/day = 1,045 GWh/yr" in text
    assert "questionable" in text  # 400,000 households


# --- files ---------------------------------------------------------------------------------


def test_every_figure_saves_as_png_and_svg(tmp_path, ceme1_result):
    figures = all_figures(ceme1_result)
    assert set(figures) == {"weather", "monthly", "losses", "heatmap", "checks",
                            "exceedance"}
    for key, fig in figures.items():
        png, svg = save_figure(fig, tmp_path / key)
        image = Image.open(png)
        assert image.format == "PNG" and image.size[0] > 1000
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
    # SVG carries no date and stable ids: the same figure gives the same text
    fig = figures["monthly"]
    assert figure_svg(fig) == figure_svg(fig)
    assert Image.open(io.BytesIO(figure_png(fig, dpi=50))).size[0] < 500


def test_a_fixed_loss_prints_the_same_whatever_its_float_noise():
    """Mismatch 1 % x rear mismatch 0.5 %: 1 - 0.99 x 0.995 = 1.495 % by hand; from the
    engine's or the reference chain's energies it comes back a few 1e-13 either side, and
    the report prints what the terminal prints for it."""
    exact = (1.0 - 0.99 * 0.995) * 100.0
    assert exact == pytest.approx(1.495, abs=1e-12)
    for noisy in (1.495 - 3e-13, 1.495 + 3e-13, exact):
        assert signed_pct(noisy, 2) == "+1.50 %"
        assert signed_pct(noisy, 2) == f"{round(noisy, 9):+.2f} %"  # terminal's format
    assert signed_pct(-1.495 + 3e-13, 2) == "\N{MINUS SIGN}1.50 %"


def test_short_source_keeps_the_publisher():
    long = ("2025 article on China-Latin America cooperation (source-article-2025.txt): "
            "'about 980 million kWh' average annual output")
    assert short_source(long) == "2025 article on China-Latin\nAmerica cooperation"
    assert short_source("BNDES") == "BNDES"
    assert "diariodonordeste.verdesmares.com.br" in short_source(
        "BNDES via diariodonordeste.verdesmares.com.br: physical guarantee 42.97 MWavg for "
        "the 147.33 MWac Mauriti 3/4/10 subset")


def test_figures_leave_no_pyplot_state(mauriti_result):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    monthly_energy_figure(mauriti_result)
    assert plt.get_fignums() == before


def test_a_site_without_reported_figures_or_household_data(ceme1_path):
    """Nothing reported and a country without consumption figures: every figure and the
    report still render, and say what is missing."""
    import pvyield
    from pvyield.batch.scenario import apply_overrides
    from pvyield.report.document import build_report, to_markdown
    from pvyield.site.load import read_mapping, site_from_mapping

    mapping = apply_overrides(read_mapping(ceme1_path), {"reported": [], "country": "US"})
    result = pvyield.estimate(site_from_mapping(mapping, source=ceme1_path))
    assert result.checks == []
    assert "no reported figure to check" in _texts(checks_figure(result))
    lines = monthly_energy_figure(result).axes[0].get_lines()
    assert len(lines) == 1  # the estimate's own mean only
    markdown = to_markdown(build_report(result, "bare"))
    assert "no household consumption figure for country US" in markdown
    assert "| Households served | n/a |" in markdown


def test_checks_text_does_not_cut_the_compared_quantity_inside_brackets():
    """The basis of a measured figure ('mean of 2015-2017 (operating year 1 = 2014; x ...)')
    is cut before its bracket, never inside it, in the checks figure's text."""
    from pvyield.report.figures import _implied_text
    from pvyield.results.checks import Check

    check = Check(metric="annual_energy_gwh", reported=614.0, estimate=531.5,
                  deviation_pct=15.5, verdict="questionable", implied={}, source="s",
                  date=None, note="", compared_with="P50 of mean of 2015-2017 (operating "
                  "year 1 = 2014; x 0.9851 degradation)")
    text = _implied_text(check, "annual_energy_gwh")
    assert text.count("(") == text.count(")"), text
    assert "against P50 of mean of 2015-2017: questionable" in text.replace("\n  ", " ")
    plain = Check(**{**check.__dict__, "compared_with": "P50 of year 1"})
    assert "against P50 of year 1: questionable" in _implied_text(plain, "annual_energy_gwh")


def test_checks_figure_tick_labels_do_not_overlap(result):
    # six-digit module counts with thousands separators ran into each other
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = checks_figure(result)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        boxes = sorted((t.get_window_extent(renderer) for t in ax.get_xticklabels()
                        if t.get_visible() and t.get_text()
                        and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]),
                       key=lambda b: b.x0)
        for left, right in itertools.pairwise(boxes):
            assert left.x1 + 2 <= right.x0, (ax.get_title(), left, right)
