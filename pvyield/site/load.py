"""Load site files (YAML or TOML) into validated :class:`~pvyield.site.schema.Site` objects.

Reading is defensive: a site file is small, so a file larger than :data:`MAX_FILE_BYTES`, a
YAML document whose aliases expand beyond :data:`MAX_NODES` values, nesting deeper than
:data:`MAX_DEPTH`, bytes that are not UTF-8 and duplicated keys are errors naming the file
(and the line where known), never a hang, a traceback or a silent "last one wins".
"""

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
#: Largest site or scenario file read [bytes]: real ones are a few kB, and the pure-Python
#: YAML parser needs seconds per 100 kB of the densest YAML.
MAX_FILE_BYTES = 256_000
#: Most values (scalars, lists, mappings) a file may hold once YAML aliases are expanded:
#: caps "billion laughs" alias bombs, which expand exponentially.
MAX_NODES = 200_000
#: Deepest nesting of lists and mappings accepted; site files nest four levels.
MAX_DEPTH = 50
#: Longest rendering of a value quoted in an error message [characters].
MAX_QUOTED = 80


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters."""
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails is still worth naming by type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text):,} chars)"


#: libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python
#: one, and it refuses nesting deeper than 1,000 levels itself.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SiteLoader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys and keeps dates as text.

    Dates stay strings so that an impossible one (``2024-13-45``) reaches the schema, which
    names the field, instead of failing inside the YAML constructor.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's class-level resolver table)
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _SAFE_LOADER.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base class reports it
                    continue
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {quoted(key)} (first given on line "
                        f"{first + 1}); give each key once", key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _read_text(path: Path) -> str:
    try:
        if path.is_dir():
            raise SiteError(f"{path}: is a folder; expected a site file")
        if path.exists() and not path.is_file():  # a FIFO would block, a device never end
            raise SiteError(f"{path}: is not a regular file; expected a site file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SiteError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SiteError(f"{path}: file larger than {MAX_FILE_BYTES:,} bytes; a site file is "
                        "a few kB (is this the right file?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SiteError(f"{path}: line {line}: byte {raw[exc.start]:#04x} at offset "
                        f"{exc.start} is not UTF-8; save the file as UTF-8") from None


def _check_size(data: Any, path: Path) -> None:
    """Refuse data with more than :data:`MAX_NODES` values (aliases expanded) or nested
    deeper than :data:`MAX_DEPTH`; iterative, so neither recursion nor memory can blow."""
    count = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise SiteError(f"{path}: more than {MAX_NODES:,} values once YAML aliases are "
                            "expanded; a site file holds a few hundred")
        if depth > MAX_DEPTH:
            raise SiteError(f"{path}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            stack.extend((k, depth + 1) for k in node if isinstance(k, tuple))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML or TOML file into a dict, chosen by the file's extension.

    Raises
    ------
    SiteError
        When the file is missing, a folder, too large, not UTF-8, has an unknown extension,
        is not valid YAML/TOML, repeats a key, or nests or expands beyond the limits.
    """
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SiteError(f"{path}: expected a .yaml, .yml or .toml file (got "
                        f"{quoted(path.suffix or 'no extension')})")
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=_SiteLoader) if kind == "yaml" else tomllib.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SiteError(f"{path}:{where} not valid YAML ({_cut(problem)})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path}: not valid TOML ({_cut(str(exc))})") from None
    except RecursionError:
        raise SiteError(f"{path}: nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar the parser rejects
        raise SiteError(f"{path}: not valid {kind.upper()} ({_cut(str(exc))})") from None
    _check_size(data, path)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise SiteError(f"{path}: expected a mapping of fields at the top level (got {got})")
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise SiteError(f"{path}: top-level keys must be text (got {quoted(bad_keys[0])})")
    return data


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


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
    # equipment files (plant.module.pan, plant.inverter.ond) resolve against the file's folder
    base_dir = Path(source).parent if str(source) != "<site>" else None
    try:
        site = Site.model_validate(data, context={"base_dir": base_dir})
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
        loc = ".".join(_cut(str(p), MAX_QUOTED) for p in err["loc"] if not _is_union_tag(p))
        loc = loc or "(top level)"
        lines.append(f"  {loc}: {_describe(err)}")
    return "\n".join(lines)


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator value ("fixed") into the location of union members
    return part in ("fixed", "single_axis")


def _describe(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        return f"unknown field (value {quoted(value)}); remove it or check its spelling"
    if kind == "missing":
        return "required field is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        symbol = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
                  "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {symbol} {bound} (got {quoted(value)})"
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "type")).strip("'")
        return f"unknown {key} {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}"
    if kind == "literal_error":
        return f"got {quoted(value)}; allowed: {ctx.get('expected')}"
    if kind == "finite_number":
        return f"must be a finite number (got {quoted(value)})"
    msg = _cut(err["msg"].removeprefix("Value error, "))
    if isinstance(value, (dict, list)) or value is None:
        return msg
    return f"{msg} (got {quoted(value)})"


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
        elif name == "blocks" and isinstance(value, list):
            # each block of a plant of blocks: its mounting's defaults are the plant's
            for i, block in enumerate(value):
                found.update(defaults_used(block, f"{path}.{i}."))
    return found
