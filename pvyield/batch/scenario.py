"""Scenario files: a set of sites and a design matrix, expanded to site x scenario runs.

A scenario file (YAML or TOML) names the sites and what to vary::

    name: example
    sites: [mauriti.yaml, ceme1.yaml]        # files or folders, relative to this file
    matrix:                                   # dotted site-file paths -> values
      plant.mounting:                         # a mapping gives each value a label
        as-built: null                        # null keeps the site file's own value
        tracker: {type: single_axis, gcr: 0.35}
      plant.bifaciality: [0.0, 0.7]           # a list labels values by themselves
      weather_source: [site, nsrdb]           # 'site' is the site file's own weather
    weather_sources:
      nsrdb:                                  # per site name: a weather section
        CEME1: {file: ../weather/CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv}

The matrix expands to the cartesian product of its values; each product is one scenario,
named by its labels. A combination that makes a site invalid is reported as an invalid run,
never dropped.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pvyield.errors import SiteError
from pvyield.site.load import SUFFIXES, format_validation_error, quoted, read_mapping
from pvyield.site.overrides import apply_overrides

#: The matrix key that selects a weather source instead of a site-file path.
WEATHER_SOURCE = "weather_source"
#: Weather source label meaning "the site file's own weather".
OWN_WEATHER = "site"
#: Most scenarios a matrix may expand to: a matrix of a few long lists multiplies into
#: millions, which would exhaust memory before the first run instead of being refused.
MAX_SCENARIOS = 100_000


class TableSites(BaseModel):
    """Sites from a table of coordinates, each row filling a template site file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str = Field(description="CSV file; columns are dotted site-file paths "
                                   "(name, latitude, longitude, elevation_m, ...).")
    template: str = Field(description="Site file whose values the rows override.")


class ScenarioFile(BaseModel):
    """The root of a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, description="Name of the study.")
    sites: list[str] | TableSites = Field(
        description="Site files or folders (relative to the scenario file), or a table."
    )
    matrix: dict[str, list[Any] | dict[str, Any]] = Field(
        default_factory=dict,
        description="Dotted site-file path (or 'weather_source') -> values to try.",
    )
    weather_sources: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="Weather source label -> site name -> weather section.",
    )
    chunk_size: int = Field(default=8, ge=1, le=10000, description="Sites per chunk of work.")

    @field_validator("matrix")
    @classmethod
    def _non_empty(cls, matrix: dict) -> dict:
        for key, values in matrix.items():
            if not values:
                raise ValueError(f"matrix.{key}: give at least one value")
            if key != WEATHER_SOURCE:
                problem = matrix_key_problem(key)
                if problem:
                    raise ValueError(f"matrix.{key}: {problem}")
        count = 1
        for values in matrix.values():
            count *= len(values)
        if count > MAX_SCENARIOS:
            raise ValueError(f"the matrix expands to {count:,} scenarios (the product of the "
                             f"number of values of each key); at most {MAX_SCENARIOS:,}")
        return matrix


def matrix_key_problem(key: str) -> str:
    """Why a dotted matrix key cannot name a site-file field ('' when it can).

    A key may end anywhere (a whole section is replaced) but may not go through a value
    (``name.suffix``) or a list (``plant.mounting.orientations.0.tilt_deg``): replace the
    list as a whole instead.
    """
    from pvyield.site.schema import Site

    models: list[type[BaseModel]] = [Site]
    parts = key.split(".")
    for depth, part in enumerate(parts):
        fields = [m.model_fields[part] for m in models if part in m.model_fields]
        if not fields:
            where = ".".join(parts[:depth]) or "the site file"
            return f"{part!r} names no field of {where}"
        if depth == len(parts) - 1:
            return ""
        annotations = [f.annotation for f in fields]
        if any(_is_mapping(a) for a in annotations):  # sources, assumptions, items
            return ""
        if any(_is_list(a) for a in annotations):
            through = ".".join(parts[: depth + 1])
            return f"{through} is a list; give the whole list as the value of {through}"
        models = [m for a in annotations for m in _models_in(a)]
        if not models:
            through = ".".join(parts[: depth + 1])
            return f"{through} is a value, not a section with fields"
    return ""


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def _is_list(annotation: object) -> bool:
    return getattr(annotation, "__origin__", None) is list or any(
        _is_list(a) for a in getattr(annotation, "__args__", ())
        if getattr(a, "__origin__", None) is not None)


def _is_mapping(annotation: object) -> bool:
    return getattr(annotation, "__origin__", None) is dict


@dataclasses.dataclass(frozen=True)
class Design:
    """One scenario: a label per varied parameter and the overrides they mean."""

    name: str
    labels: dict[str, str]
    overrides: dict[str, Any]
    weather_source: str = OWN_WEATHER


@dataclasses.dataclass(frozen=True)
class SiteEntry:
    """One site of the study: its raw mapping (None when unreadable) and where it came from."""

    label: str
    path: str
    mapping: dict[str, Any] | None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Study:
    """A loaded scenario file: sites, designs and weather alternatives."""

    name: str
    path: str
    sites: list[SiteEntry]
    designs: list[Design]
    weather_sources: dict[str, dict[str, dict[str, Any]]]
    chunk_size: int


def load_scenario(path: str | Path) -> Study:
    """Read, validate and expand a scenario file.

    Raises
    ------
    SiteError
        When the scenario file itself is malformed. Unreadable *site* files do not raise:
        they become sites with an ``error`` and are reported as failed runs.
    """
    path = Path(path)
    mapping = read_mapping(path)
    if isinstance(mapping, dict) and "sites" not in mapping and "plant" in mapping:
        # a site file given where a study is expected: say so, not thirteen unknown fields
        raise SiteError(f"{path}: a site file (it has 'plant'), not a scenario file; a "
                        f"scenario lists its sites (sites: [{path.name}]); one site is "
                        f"estimated with 'pvyield estimate {path}'")
    try:
        spec = ScenarioFile.model_validate(mapping)
    except ValidationError as exc:
        raise SiteError(format_validation_error(path, exc).replace("site file",
                                                                  "scenario file")) from None
    sites = _table_sites(path, spec.sites) if isinstance(spec.sites, TableSites) else (
        _file_sites(path, spec.sites))
    if not sites:
        raise SiteError(f"{path}: sites: no site files found")
    for source in spec.matrix.get(WEATHER_SOURCE, []):
        if not isinstance(source, str):
            raise SiteError(f"{path}: matrix.{WEATHER_SOURCE}: {quoted(source)} is not a "
                            f"weather source name ('{OWN_WEATHER}' or a key of weather_sources)")
        if source != OWN_WEATHER and source not in spec.weather_sources:
            raise SiteError(f"{path}: matrix.{WEATHER_SOURCE}: {source!r} is not defined in "
                            f"weather_sources (defined: {sorted(spec.weather_sources)})")
    return Study(spec.name, str(path), sites, expand_matrix(spec.matrix),
                 _resolve_weather_paths(path, spec.weather_sources), spec.chunk_size)


def expand_matrix(matrix: dict[str, list[Any] | dict[str, Any]]) -> list[Design]:
    """Cartesian product of the matrix values, one :class:`Design` per combination."""
    axes = []
    for key, values in matrix.items():
        labelled = values if isinstance(values, dict) else {_label(v): v for v in values}
        axes.append([(key, str(label), value) for label, value in labelled.items()])
    designs = []
    for combination in itertools.product(*axes):
        labels = {key: label for key, label, _ in combination}
        overrides = {key: value for key, _, value in combination
                     if key != WEATHER_SOURCE and value is not None}
        source = labels.get(WEATHER_SOURCE, OWN_WEATHER)
        name = ",".join(f"{key.rsplit('.', 1)[-1]}={label}" for key, label in labels.items())
        designs.append(Design(name or "as-built", labels, overrides, source))
    return designs


def _label(value: Any) -> str:
    return "null" if value is None else str(value)


def _file_sites(scenario: Path, entries: list[str]) -> list[SiteEntry]:
    files: list[Path] = []
    for entry in entries:
        target = scenario.parent / entry
        if target.is_dir():
            try:
                files += sorted(p for p in target.iterdir() if p.suffix.lower() in SUFFIXES
                                and p.resolve() != scenario.resolve())
            except OSError as exc:
                raise SiteError(f"{scenario}: sites: cannot list folder {target} "
                                f"({exc.strerror})") from None
        else:
            files.append(target)
    sites = []
    for file in files:
        try:
            mapping = read_mapping(file)
        except SiteError as exc:
            sites.append(SiteEntry(file.stem, str(file), None, str(exc)))
            continue
        if "matrix" in mapping or "sites" in mapping:  # another scenario file in a folder
            continue
        name = mapping.get("name", file.stem)
        label = name if isinstance(name, str) and name.strip() else file.stem
        sites.append(SiteEntry(label, str(file), mapping))
    return _unique_labels(sites)


def _table_sites(scenario: Path, spec: TableSites) -> list[SiteEntry]:
    import pandas as pd

    table_path = scenario.parent / spec.table
    template_path = scenario.parent / spec.template
    template = read_mapping(template_path)
    if table_path.is_dir():
        raise SiteError(f"{table_path}: is a folder; expected a CSV site table")
    try:
        table = pd.read_csv(table_path, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise SiteError(f"{table_path}: cannot read site table ({text})") from None
    if "name" not in table.columns:
        raise SiteError(f"{table_path}: line 1: the site table needs a 'name' column")
    for column in table.columns:
        problem = matrix_key_problem(str(column))
        if problem:
            raise SiteError(f"{table_path}: line 1: column {str(column)!r}: {problem}")
    sites = []
    for line, row in enumerate(table.to_dict(orient="records"), start=2):
        label = str(row["name"])
        try:
            mapping = apply_overrides(template, {k: _plain(v) for k, v in row.items()},
                                      reason=f"from the site table {spec.table}")
        except SiteError as exc:
            sites.append(SiteEntry(label, str(template_path), None,
                                   f"{table_path}: line {line}: {exc}"))
            continue
        sites.append(SiteEntry(label, str(template_path), mapping))
    return _unique_labels(sites)


def _plain(value: Any) -> Any:
    """numpy scalars from pandas -> Python scalars, so strict validation accepts them."""
    return value.item() if hasattr(value, "item") else value


def _unique_labels(sites: list[SiteEntry]) -> list[SiteEntry]:
    seen: set[str] = set()
    out = []
    for site in sites:
        label, count = site.label, 0
        while label in seen:  # the second 'A' becomes 'A#1' (or 'A#2' when 'A#1' exists)
            count += 1
            label = f"{site.label}#{count}"
        seen.add(label)
        out.append(site if label == site.label else dataclasses.replace(site, label=label))
    return out


def _resolve_weather_paths(scenario: Path, sources: dict) -> dict:
    """Weather files named in the scenario file are relative to the scenario file."""
    resolved = copy.deepcopy(sources)
    for per_site in resolved.values():
        for section in per_site.values():
            if "file" in section and not Path(section["file"]).is_absolute():
                section["file"] = str((scenario.parent / section["file"]).resolve())
    return resolved
