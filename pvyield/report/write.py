"""Write reports to a folder: ``<name>.html``, ``<name>.md`` and ``figures/<name>-<key>.*``.

Every file is rendered in memory first, then each is written atomically (temporary name,
then rename), so a failure leaves no half-written report behind.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

from pvyield.errors import PvyieldError
from pvyield.files import write_atomic
from pvyield.report.document import Report, build_report, to_html, to_markdown
from pvyield.results import Result

__all__ = ["FIGURE_DIR", "document_files", "report_files", "report_name", "write_files",
           "write_report"]

FIGURE_DIR = "figures"
logger = logging.getLogger(__name__)


def report_name(result: Result) -> str:
    """File name stem of a result's report: the site file's stem, else the site's name."""
    if result.site.path:
        return Path(result.site.path).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", result.site.name).strip("-").lower() or "site"


def report_files(result: Result, name: str | None = None,
                 reconciliation=None) -> dict[str, bytes]:
    """Every file of one report, as relative path -> content.

    Returns
    -------
    dict
        ``<name>.html`` (self-contained), ``<name>.md`` and, per figure,
        ``figures/<name>-<key>.png`` and ``.svg``.
    """
    return document_files(build_report(result, name or report_name(result), reconciliation))


def document_files(report: Report) -> dict[str, bytes]:
    """The files of a rendered report: HTML, Markdown, and each figure as PNG and SVG."""
    name = report.name
    files = {f"{name}.html": to_html(report).encode("utf-8"),
             f"{name}.md": to_markdown(report, FIGURE_DIR).encode("utf-8")}
    for fig in report.figures:
        files[f"{FIGURE_DIR}/{name}-{fig.key}.png"] = fig.png
        files[f"{FIGURE_DIR}/{name}-{fig.key}.svg"] = fig.svg.encode("utf-8")
    return files


def write_report(result: Result, out_dir: str | Path, name: str | None = None) -> list[Path]:
    """Render and write the report of one estimate; returns the paths written."""
    return write_files(report_files(result, name), out_dir)


def write_files(files: Mapping[str, bytes], out_dir: str | Path) -> list[Path]:
    """Write files (relative path -> bytes) under ``out_dir``, creating it if needed.

    Every file is rendered before the first is written, and each is written atomically
    (:func:`pvyield.files.write_atomic`: temporary name, then rename, umask honoured), so a
    failure leaves no half-written file behind.

    Raises
    ------
    PvyieldError
        When ``out_dir`` is a file or cannot be created or written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PvyieldError(f"{out}: exists and is not a folder")
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for relative in files:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PvyieldError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    for relative, content in files.items():
        written.append(write_atomic(out / relative, content))
    logger.info("wrote %d file(s) to %s", len(written), out)
    return [out / relative for relative in files]
