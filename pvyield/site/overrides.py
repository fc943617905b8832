"""Variants of a site: dotted-path replacements in its mapping, provenance kept honest."""

from __future__ import annotations

import copy
from typing import Any

from pvyield.site.load import site_from_mapping
from pvyield.site.schema import Site


def apply_overrides(
    mapping: dict[str, Any], overrides: dict[str, Any],
    reason: str = "set by the scenario's design matrix",
) -> dict[str, Any]:
    """A deep copy of a site mapping with dotted-path values replaced.

    A replaced section loses the ``sources`` and ``assumptions`` entries at or below it
    (they described the old value); the new values are recorded as assumptions with
    ``reason``.
    """
    out = copy.deepcopy(mapping)
    for path, value in overrides.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = copy.deepcopy(value)
        for kind in ("sources", "assumptions"):
            entries = out.get(kind, {})
            out[kind] = {k: v for k, v in entries.items()
                         if k != path and not k.startswith(path + ".")}
        out.setdefault("assumptions", {})[path] = reason
    return out


def site_variant(site: Site, overrides: dict[str, Any], reason: str) -> Site:
    """A re-validated copy of a site with dotted-path values replaced.

    Raises
    ------
    SiteError
        When the replacement makes the site invalid.
    """
    data = apply_overrides(site.model_dump(), overrides, reason)
    return site_from_mapping(data, source=site.path or "<site>")
