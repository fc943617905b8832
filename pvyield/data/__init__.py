"""Data files the package reads at run time, shipped inside it (provenance: ``README.md``).

Read them through :func:`bundled`, never by a path relative to the source checkout, so that
an installed wheel finds them.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def bundled(name: str) -> Path:
    """Path of a bundled data file.

    Parameters
    ----------
    name : str
        File name in this folder.

    Returns
    -------
    Path
        Where the installed package holds it (pip installs packages unzipped, so the
        resource is a file on disk).
    """
    return Path(str(importlib.resources.files(__name__).joinpath(name)))
