"""Figures and documents (HTML, Markdown) of an estimate, and its terminal text; drawing only,
no physics.

The figure and document names below are loaded on first use (PEP 562): they import
matplotlib, which the terminal text (:mod:`pvyield.report.text`) and ``import pvyield`` do
without.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the submodule that defines it.
_WHERE = {
    **dict.fromkeys(("FIGURES", "all_figures", "checks_figure", "exceedance_figure",
                     "figure_png", "figure_svg", "loss_diagram", "monthly_energy_figure",
                     "power_heatmap", "save_figure", "tornado_figure", "weather_figure"),
                    "pvyield.report.figures"),
    "report_files": "pvyield.report.write",
    "write_report": "pvyield.report.write",
}

__all__ = sorted(_WHERE)
#: Submodules, reachable as attributes (``report.document``) as when they were imported here.
_SUBMODULES = ("batch", "document", "figures", "labels", "text", "write")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # binds it here too
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
