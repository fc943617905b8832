"""Figures and documents (HTML, Markdown) of an estimate; drawing only, no physics."""

from pvyield.report.figures import (
    FIGURES,
    all_figures,
    checks_figure,
    exceedance_figure,
    figure_png,
    figure_svg,
    loss_diagram,
    monthly_energy_figure,
    power_heatmap,
    save_figure,
    tornado_figure,
    weather_figure,
)
from pvyield.report.write import report_files, write_report

__all__ = [
    "FIGURES",
    "all_figures",
    "checks_figure",
    "exceedance_figure",
    "figure_png",
    "figure_svg",
    "loss_diagram",
    "monthly_energy_figure",
    "power_heatmap",
    "report_files",
    "save_figure",
    "tornado_figure",
    "weather_figure",
    "write_report",
]
