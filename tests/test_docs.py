"""The README's generated parts stay current."""

from __future__ import annotations

from pvyield.site.reference import END, START, markdown_reference

from .conftest import ROOT


def test_readme_site_reference_is_generated_from_the_schema():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == markdown_reference().strip()


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci = [line for line in lines if line.startswith("python3 -m venv .venv && ")]
    assert len(ci) == 1 and ci[0] in readme


def test_readme_figures_match_the_current_estimates(mauriti_result, ceme1_result):
    """The reference-plant table and the worked P90 example quote today's numbers."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{mauriti_result.annual_energy_gwh:,.0f} GWh/yr" in text
    assert f"{ceme1_result.annual_energy_gwh:,.0f} GWh/yr" in text
    u = mauriti_result.uncertainty
    assert f"= {u.one_year.at(90):,.1f} GWh" in text
    assert f"`s1` = {u.one_year.sigma_pct:.2f} %" in text
