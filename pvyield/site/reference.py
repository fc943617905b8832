"""The site-file reference table (Markdown), generated from the schema so it cannot drift."""

from __future__ import annotations

import types
import typing
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pvyield.site.schema import FixedMount, SingleAxisMount, Site

_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))


def markdown_reference() -> str:
    """One Markdown table row per site-file field: path, type, default, range, meaning."""
    rows = ["| field | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    rows += list(_rows(Site, ""))
    for mount in (FixedMount, SingleAxisMount):
        kind = typing.get_args(mount.model_fields["type"].annotation)[0]
        rows.append(f"| **`plant.mounting` with `type: {kind}`** | | | | {mount.__doc__} |")
        rows += [row for row in _rows(mount, "plant.mounting.")
                 if not row.startswith("| `plant.mounting.type`")]
    return "\n".join(rows) + "\n"


def _rows(model: type[BaseModel], prefix: str) -> typing.Iterator[str]:
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = _inner_model(field.annotation)
        if inner is not None and inner not in (FixedMount, SingleAxisMount):
            listed = typing.get_origin(field.annotation) is list or (
                "list" in str(field.annotation))
            yield (f"| `{path}` | {'list of ' if listed else ''}section | "
                   f"{_default(field)} | | {field.description or inner.__doc__.splitlines()[0]} |")
            yield from _rows(inner, f"{path}{'[]' if listed else ''}.")
        elif name == "mounting":
            needed = ("required" if field.is_required()
                      else "required unless `plant.blocks`")
            yield (f"| `{path}` | section | {needed} | `type`: fixed, single_axis | "
                   "Mounting; fields below by type |")
        else:
            yield (f"| `{path}` | {_type(field.annotation)} | {_default(field)} | "
                   f"{_allowed(field)} | {field.description or ''} |")


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type(typing.get_args(annotation)[0])
    if origin is list:
        return f"list of {_type(typing.get_args(annotation)[0])}"
    if origin is dict:
        return "mapping"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "see below" if _inner_model(field.annotation) else "empty"
    if field.default is PydanticUndefined:
        return "**required**"
    return f"`{field.default}`" if field.default is not None else "none"


def _allowed(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for kind, attr, symbol in _BOUNDS:
            if isinstance(meta, kind):
                parts.append(f"{symbol} {getattr(meta, attr)}")
        if isinstance(meta, at.MinLen) and meta.min_length:
            parts.append(f"length >= {meta.min_length}")
        if isinstance(meta, at.MaxLen):
            parts.append(f"length <= {meta.max_length}")
    if "length >= 12" in parts and "length <= 12" in parts:
        parts = [p for p in parts if not p.startswith("length")] + ["12 values"]
    for arg in typing.get_args(field.annotation):  # list[Annotated[float, Field(ge=..)]]
        for inner in typing.get_args(arg):
            for meta in getattr(inner, "__metadata__", ()):
                for m in getattr(meta, "metadata", ()):
                    for kind, attr, symbol in _BOUNDS:
                        if isinstance(m, kind):
                            parts.append(f"each {symbol} {getattr(m, attr)}")
    pattern = next((getattr(m, "pattern", None) for m in field.metadata
                    if getattr(m, "pattern", None)), None)
    if pattern:
        parts.append(f"pattern `{pattern}`")
    return ", ".join(parts)


START = "<!-- site-reference:start -->"
END = "<!-- site-reference:end -->"


def update_readme(path: str) -> bool:
    """Rewrite the generated block of a README in place; return whether it changed."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{markdown_reference()}{END}{tail}"
    if new != text:
        from pvyield.files import write_atomic

        write_atomic(path, new)
    return new != text


if __name__ == "__main__":  # python -m pvyield.site.reference README.md
    import sys

    update_readme(sys.argv[1] if len(sys.argv) > 1 else "README.md")
