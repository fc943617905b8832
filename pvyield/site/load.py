"""Load site files (YAML or TOML) into validated :class:`~pvyield.site.schema.Site` objects."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pvyield.errors import SiteError
from pvyield.site.schema import Site

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML or TOML file into a dict, chosen by the file's extension.

    Raises
    ------
    SiteError
        When the file is missing, has an unknown extension or is not valid YAML/TOML.
    """
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SiteError(f"{path}: expected a .yaml, .yml or .toml file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteError(f"{path}: cannot read file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text) if kind == "yaml" else tomllib.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise SiteError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(data, dict):
        raise SiteError(f"{path}: expected a mapping of fields at the top level")
    return data


def load_site(path: str | Path) -> Site:
    """Load and validate a site file.

    Parameters
    ----------
    path : str or Path
        A ``.yaml``, ``.yml`` or ``.toml`` site file.

    Returns
    -------
    Site
        The validated site. A missing ``timezone`` is derived offline from the coordinates
        and recorded in ``site.derived``; relative weather paths resolve against the file's
        folder.

    Raises
    ------
    SiteError
        Naming the file, every offending field and the allowed values.
    """
    path = Path(path)
    return site_from_mapping(read_mapping(path), source=path)


def site_from_mapping(data: dict[str, Any], source: str | Path = "<site>") -> Site:
    """Validate a mapping as a site; ``source`` names it in errors and resolves paths."""
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        raise SiteError(format_validation_error(source, exc)) from None
    site._path = str(source) if source != "<site>" else None
    if site.timezone is None:
        site = _with_derived_timezone(site)
    return site


@functools.cache
def _timezone_finder():
    from timezonefinder import TimezoneFinder  # heavy: imported and built once, when needed

    return TimezoneFinder()


def _with_derived_timezone(site: Site) -> Site:
    name = _timezone_finder().timezone_at(lat=site.latitude, lng=site.longitude)
    how = "derived offline from the coordinates (timezonefinder)"
    if name is None:  # open ocean: fall back to the nautical zone of the longitude
        offset = round(site.longitude / 15)
        name = "Etc/GMT" + (f"{-offset:+d}" if offset else "")
        how = "nautical time zone of the longitude (no land zone at the coordinates)"
    derived = site.model_copy(update={"timezone": name})
    derived._path = site._path
    derived._derived = {**site._derived, "timezone": how}
    return derived


def format_validation_error(source: str | Path, exc: ValidationError) -> str:
    """Turn a pydantic error into lines naming the file, the field and what was expected."""
    lines = [f"{source}: invalid site file ({exc.error_count()} problem(s))"]
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"] if not _is_union_tag(p)) or "(top level)"
        lines.append(f"  {loc}: {_describe(err)}")
    return "\n".join(lines)


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator value ("fixed") into the location of union members
    return part in ("fixed", "single_axis")


def _describe(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        return f"unknown field (value {value!r}); remove it or check its spelling"
    if kind == "missing":
        return "required field is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        symbol = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
                  "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {symbol} {bound} (got {value!r})"
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "type")).strip("'")
        return f"unknown {key} {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}"
    if kind == "literal_error":
        return f"got {value!r}; allowed: {ctx.get('expected')}"
    msg = err["msg"].removeprefix("Value error, ")
    if isinstance(value, (dict, list)) or value is None:
        return msg
    return f"{msg} (got {value!r})"


def defaults_used(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Fields left at their documented default, as dotted path -> value.

    Recurses into nested sections so that ``plant.thermal.u_c`` is reported when the file
    gives ``plant`` but not ``u_c``.
    """
    found: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if name not in model.model_fields_set:
            if isinstance(value, BaseModel):
                found.update(defaults_used(value, path + "."))
            elif value is not None and value != [] and value != {}:
                found[path] = value
        elif isinstance(value, BaseModel):
            found.update(defaults_used(value, path + "."))
    return found
