"""Variants of a site: dotted-path replacements in its mapping, provenance kept honest."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pvyield.errors import SiteError
from pvyield.site.load import load_site, site_from_mapping
from pvyield.site.schema import Site


def apply_overrides(
    mapping: dict[str, Any], overrides: dict[str, Any],
    reason: str = "set by the scenario's design matrix",
) -> dict[str, Any]:
    """A deep copy of a site mapping with dotted-path values replaced.

    A replaced section loses the ``sources`` and ``assumptions`` entries at or below it
    (they described the old value); the new values are recorded as assumptions with
    ``reason``.

    Raises
    ------
    SiteError
        When a path goes through a value or a list instead of a section.
    """
    out = copy.deepcopy(mapping)
    for path, value in overrides.items():
        node = out
        parts = str(path).split(".")
        for depth, part in enumerate(parts[:-1]):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                through = ".".join(parts[: depth + 1])
                kind = "a list" if isinstance(node, list) else f"a value ({node!r:.40})"
                raise SiteError(f"{path}: {through} is {kind}, not a section with fields; "
                                f"replace {through} as a whole")
        node[parts[-1]] = copy.deepcopy(value)
        for kind in ("sources", "assumptions"):
            entries = out.get(kind, {})
            if isinstance(entries, dict):  # anything else is for the schema to refuse
                out[kind] = {k: v for k, v in entries.items()
                             if k != path and not str(k).startswith(path + ".")}
        if isinstance(out.setdefault("assumptions", {}), dict):
            out["assumptions"][path] = reason
    return out


def site_variant(site: Site, overrides: dict[str, Any], reason: str) -> Site:
    """A re-validated copy of a site with dotted-path values replaced.

    Only the fields the site set are carried over: a field left at its default stays a
    default (listed as such in the output, and re-derived when it depends on a replaced
    field, as ``losses.lid_pct`` on ``plant.module_technology``).

    Raises
    ------
    SiteError
        When the replacement makes the site invalid.
    """
    data = apply_overrides(site.model_dump(exclude_unset=True), overrides, reason)
    return site_from_mapping(data, source=site.path or "<site>")


def variant(site: Site | str | Path, /, *, reason: str = "set by pvyield.variant",
            **overrides: Any) -> Site:
    """A validated copy of a site with fields replaced by dotted path.

    >>> monofacial = pvyield.variant(site, **{"plant.bifaciality": 0.0})  # doctest: +SKIP

    Parameters
    ----------
    site : Site or path
        The site, or its site file.
    reason : str
        Recorded as the assumption behind each replaced value (the output lists it).
    **overrides
        Dotted field path -> new value (``losses.soiling_pct=2.0`` or, for nested paths,
        ``**{"plant.bifaciality": 0.0}``). A section may be replaced as a whole.

    Raises
    ------
    SiteError
        Naming the path when it is not a field of the site schema, goes through a value, or
        the new value is refused by the schema.
    """
    if not isinstance(site, Site):
        site = load_site(site)
    if not overrides:
        raise SiteError("pvyield.variant: give at least one field to change, as "
                        "variant(site, **{'plant.bifaciality': 0.0})")
    return site_variant(site, overrides, reason)
