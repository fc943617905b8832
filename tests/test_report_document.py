"""The HTML and Markdown reports, the ``pvyield report`` command, and the page in Chromium."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from pvyield.cli import main
from pvyield.report.document import (
    Bullets,
    Contents,
    Figure,
    Table,
    build_report,
    to_html,
    to_markdown,
)
from pvyield.report.write import report_files, write_files

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = ["Summary", "Contents", "Results", "Monthly", "Losses",
            "Checks against reported figures", "Households served", "Weather", "Site",
            "Sources and assumptions"]


@pytest.fixture(scope="module")
def mauriti_report(mauriti_result):
    return build_report(mauriti_result, "mauriti")


@pytest.fixture(scope="module")
def written(tmp_path_factory, mauriti_path, ceme1_path):
    """Both reference plants through the command line, as a user runs it."""
    out = tmp_path_factory.mktemp("reports") / "out"
    assert main(["report", str(mauriti_path), str(ceme1_path), "--out", str(out)]) == 0
    return out


class _Images(HTMLParser):
    """Collects every element's tag and attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _parse(page: str) -> list[tuple[str, dict]]:
    parser = _Images()
    parser.feed(page)
    return parser.tags


def test_report_has_every_section_and_figure(mauriti_report):
    assert [s.title for s in mauriti_report.sections] == SECTIONS
    assert [f.key for f in mauriti_report.figures] == ["monthly", "heatmap", "losses",
                                                       "checks", "exceedance", "weather"]


def test_summary_opens_the_report_with_the_p90(mauriti_report, mauriti_result):
    u = mauriti_result.uncertainty
    p90_year1 = f"{u.one_year.at(90):,.1f}"
    p90_mean = f"{u.average.at(90):,.1f}"
    page = to_html(mauriti_report)
    markdown = to_markdown(mauriti_report)
    for text, summary, assumptions in (
            (page, '<h2 id="summary">', '<h2 id="sources-and-assumptions">'),
            (markdown, "## Summary", "## Sources and assumptions")):
        start, end = text.index(summary), text.index(assumptions)
        head = text[start:text.index("Contents", start)]
        assert start < end
        assert p90_year1 in head and p90_mean in head
        assert f"{mauriti_result.specific_yield_kwh_per_kwp:,.0f} kWh/kWp" in head
        head = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(head)).replace("|", " ").split())
        for check in mauriti_result.checks:
            assert check.verdict in head and check.basis in head
    summary = next(s for s in mauriti_report.sections if s.title == "Summary")
    verdicts = [b for b in summary.blocks if isinstance(b, Table)][1]
    assert [(r[2], r[4]) for r in verdicts.rows] == [(c.verdict, c.basis)
                                                     for c in mauriti_result.checks]
    # the results table carries the P-values too
    results = next(s for s in mauriti_report.sections if s.title == "Results")
    rows = dict(results.blocks[0].rows)
    assert rows["P50 / P90, year 1"] == f"{u.one_year.at(50):,.1f} / {p90_year1} GWh/yr"


def test_every_contents_link_targets_a_heading(mauriti_report):
    page = to_html(mauriti_report)
    tags = _parse(page)
    ids = {a["id"] for _, a in tags if "id" in a}
    links = [a["href"] for t, a in tags if t == "a" and a.get("href", "").startswith("#")]
    assert len(links) == len(SECTIONS) - 2  # every section after the contents
    assert all(link[1:] in ids for link in links)
    markdown = to_markdown(mauriti_report)
    md_links = re.findall(r"^- \[[^\]]+\]\(#([a-z0-9-]+)\)$", markdown, flags=re.M)
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^## (.+)$", markdown, flags=re.M)}
    assert md_links and set(md_links) <= headings


def test_html_is_self_contained(mauriti_report):
    page = to_html(mauriti_report)
    tags = _parse(page)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe")]
    images = [a for t, a in tags if t == "img"]
    assert len(images) == len(mauriti_report.figures) == 6
    for attrs in images:
        prefix = "data:image/png;base64,"
        assert attrs["src"].startswith(prefix)
        png = base64.b64decode(attrs["src"][len(prefix):])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert attrs["alt"]
    # no address the browser would fetch
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)


def test_html_and_markdown_say_the_same(mauriti_report, mauriti_result):
    page = html.unescape(re.sub(r"<[^>]+>", "", to_html(mauriti_report)))
    page = " ".join(page.split())
    markdown = " ".join(to_markdown(mauriti_report).replace("\\|", "|").split())
    for section in mauriti_report.sections:
        assert section.title in page and f"## {section.title}" in markdown
        for block in section.blocks:
            if isinstance(block, Table):
                cells = [c for row in block.rows for c in row]
            elif isinstance(block, Bullets):
                cells = list(block.items)
            elif isinstance(block, Figure):
                cells = [block.caption]
            elif isinstance(block, Contents):
                cells = [title for _, title in block.entries]
            else:
                cells = [block.replace("*", "")]
            for cell in cells:
                text = " ".join(cell.split())
                assert text in page, text
                assert text in markdown.replace("*", "") or text in markdown, text
    # the central figures, formatted as in the terminal report
    assert f"{mauriti_result.annual_energy_gwh:,.1f} GWh/yr" in page
    assert f"{mauriti_result.households_served:,.0f}" in markdown


def test_report_tables_carry_the_results(mauriti_report, mauriti_result):
    sections = {s.title: s for s in mauriti_report.sections}
    monthly = next(b for b in sections["Monthly"].blocks if isinstance(b, Table))
    assert len(monthly.rows) == 13 and monthly.rows[-1][0] == "Year"
    assert [r[1] for r in monthly.rows[:12]] == [
        f"{v:,.1f}" for v in mauriti_result.monthly["energy_gwh"]]
    losses = next(b for b in sections["Losses"].blocks if isinstance(b, Table))
    assert len(losses.rows) == len(mauriti_result.losses) + 1
    checks = next(b for b in sections["Checks against reported figures"].blocks
                  if isinstance(b, Table))
    assert [r[4] for r in checks.rows] == [c.verdict for c in mauriti_result.checks]
    exceedance = [b for b in sections["Results"].blocks if isinstance(b, Table)][1]
    u = mauriti_result.uncertainty
    assert exceedance.rows[0][:4] == ("year 1", *(f"{u.one_year.at(p):,.1f}"
                                                  for p in (50, 75, 90)))
    assert [r[0] for r in exceedance.rows] == [p.label for p in u.periods]
    # each check's basis and matched model quantity beside its verdict
    assert [r[5:7] for r in checks.rows] == [(c.basis, c.compared_with)
                                             for c in mauriti_result.checks]
    assert exceedance.rows[0][1] == f"{mauriti_result.annual_energy_gwh:,.1f}"  # P50
    assumptions = [b for b in sections["Sources and assumptions"].blocks
                   if isinstance(b, Table)][-1]
    assert len(assumptions.rows) == len(mauriti_result.assumptions)
    weather = next(b for b in sections["Weather"].blocks if isinstance(b, Table))
    assert ("Source", mauriti_result.weather.source) in weather.rows
    households = "\n".join(str(b) for b in sections["Households served"].blocks)
    assert "2,124 kWh/yr" in households  # EPE 2024, 177 kWh/month x 12
    per_household = mauriti_result.annual_energy_gwh * 1e6 / 350_000
    assert f"implies {per_household:,.0f} kWh per household" in households


def test_weather_section_carries_provenance_and_warnings(ceme1_result):
    report = build_report(ceme1_result, "ceme1")
    weather = next(s for s in report.sections if s.title == "Weather")
    table = dict(next(b for b in weather.blocks if isinstance(b, Table)).rows)
    assert table["Distance from the site"] == f"{ceme1_result.weather.distance_km:,.1f} km"
    assert table["Elevation difference"].startswith("+435 m")  # 1,635 m file, 1,200 m plant
    bullets = [i for b in weather.blocks if isinstance(b, Bullets) for i in b.items]
    assert set(ceme1_result.weather.corrections) <= set(bullets)
    assert ceme1_result.weather.warnings and set(ceme1_result.weather.warnings) <= set(bullets)


def test_command_writes_both_plants(written):
    for name in ("mauriti", "ceme1"):
        page = (written / f"{name}.html").read_text(encoding="utf-8")
        markdown = (written / f"{name}.md").read_text(encoding="utf-8")
        assert page.count("<img ") == 6
        links = re.findall(r"\]\((figures/[^)]+)\)", markdown)
        assert len(links) == 12  # PNG and SVG of each figure
        for link in links:
            assert (written / link).stat().st_size > 10_000
    assert not list(written.glob(".pvyield-report-*"))  # staging folder removed


def test_command_rejects_bad_input_and_writes_nothing(tmp_path, capsys, mauriti_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(mauriti_path), str(bad), "--out", str(out)]) == 2
    assert "bad.yaml" in capsys.readouterr().err
    assert not out.exists()
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(Exception, match="not a folder"):
        write_files({"a.txt": b"x"}, blocker)


def test_command_refuses_two_sites_with_one_name(tmp_path, capsys, mauriti_path):
    other = tmp_path / "mauriti.yaml"
    text = mauriti_path.read_text(encoding="utf-8")
    other.write_text(text.replace("name: Mauriti", "name: Mauriti copy"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(mauriti_path), str(other), "--out", str(out)]) == 2
    assert "same name" in capsys.readouterr().err
    assert not out.exists()


def test_report_files_are_reproducible(ceme1_result):
    first, second = report_files(ceme1_result), report_files(ceme1_result)
    assert first.keys() == second.keys()
    assert first["ceme1.md"] == second["ceme1.md"]
    assert first["figures/ceme1-losses.svg"] == second["figures/ceme1-losses.svg"]


_PROBE = """<script>window.addEventListener("load", () => {
  document.body.setAttribute("data-images", JSON.stringify([...document.images].map(
    i => [i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])));
  const bottom = css => (document.querySelector(css) || document.body)
    .getBoundingClientRect().bottom;
  document.body.setAttribute("data-tops", JSON.stringify(
    [bottom("#summary + table"), bottom("#fig-monthly"), window.innerHeight]));
});</script>"""


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent (Debian package 'chromium': apt-get install -y chromium)")


def images_in_chromium(page: Path, work: Path) -> list[list]:
    """Open a page offline in headless Chromium; each image's [complete, naturalWidth,
    naturalHeight, laid-out width] once the page has loaded."""
    probe = work / page.name  # alone in an empty folder: nothing else to load
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                     encoding="utf-8")
    run = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", f"--user-data-dir={work / 'profile'}",
         "--virtual-time-budget=10000", "--window-size=1200,900", "--dump-dom",
         probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    shutil.rmtree(work / "profile", ignore_errors=True)
    assert run.returncode == 0, run.stderr[-2000:]
    match = re.search(r'data-images="([^"]*)"', run.stdout)
    assert match, "the page's load event never fired"
    tops = re.search(r'data-tops="([^"]*)"', run.stdout)
    work.joinpath("tops.json").write_text(html.unescape(tops.group(1)), encoding="utf-8")
    return json.loads(html.unescape(match.group(1)))


def assert_figures_loaded(images: list[list], pngs: list[Path]) -> None:
    """Every image decoded at its PNG's size and laid out at a readable width."""
    assert len(images) == len(pngs)
    for (complete, width, height, shown), png in zip(images, pngs, strict=True):
        assert complete and (width, height) == Image.open(png).size
        assert shown > 300  # laid out on the page, not collapsed


@needs_chromium
@pytest.mark.parametrize("name", ["mauriti", "ceme1"])
def test_every_figure_loads_in_headless_chromium(written, tmp_path, name):
    images = images_in_chromium(written / f"{name}.html", tmp_path)
    # the summary table's last row lies on the first screen, the first figure below it
    summary_table, first_figure, screen = json.loads((tmp_path / "tops.json").read_text())
    assert summary_table < screen < first_figure
    assert_figures_loaded(images, [written / "figures" / f"{name}-{key}.png" for key in
                                   ("monthly", "heatmap", "losses", "checks", "exceedance",
                                    "weather")])
