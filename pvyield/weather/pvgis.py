"""PVGIS typical-year and hourly series (CSV and JSON), read with :mod:`pvlib.iotools`.

PVGIS stamps are UTC. Its irradiance values are satellite samples at the stamp (hourly
series: ``hh:MM`` with the minute of the satellite slot; typical year: ``hh:00`` plus the
irradiance time offset stated in the response, in each of its formats: CSV, JSON, EPW), so
the stamp, moved by that offset, is taken as the centre of the hour the value stands for.

References
----------
.. [1] Huld, T., Müller, R., Gambardella, A. (2012). A new solar radiation database for
   estimating PV performance in Europe and Africa. Solar Energy 86(6), 1803-1815.
   doi:10.1016/j.solener.2012.03.006
.. [2] European Commission JRC, PVGIS user manual: TMY and hourly radiation tools,
   output formats (https://joint-research-centre.ec.europa.eu/pvgis-online-tool).
.. [3] PVGIS 5.3 TMY responses since December 2024 state ``irradiance_time_offset`` [h]:
   the irradiance belongs to the stamp plus the offset (SARAH: the satellite slot, about
   hh:10; ERA5: 0.5 h, the hour's centre). Checked on a recorded response (45 N, 8 E):
   CSV, JSON and EPW of it give the same frame, GHI peaking at clear-sky noon
   (``tests/test_weather_readers.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from pvyield.errors import WeatherError
from pvyield.weather.frame import WeatherMeta, finish_frame, time_step_minutes

LICENCE = "PVGIS (c) European Union, 2001-2025; reuse authorised with acknowledgement"


def read_pvgis_tmy(path: str | Path) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read a PVGIS typical meteorological year (CSV or JSON) with pvlib.

    Returns
    -------
    frame, meta
        Frame under the weather contract (UTC, stamps at interval centres) and metadata;
        ``years`` lists the calendar year each month was taken from.
    """
    where = str(path)
    kind = _json_or_csv(path)
    if kind == "csv":
        _check_tmy_csv_rows(path)
    try:
        data, meta = pvlib.iotools.read_pvgis_tmy(str(path), pvgis_format=kind)
    except (OSError, KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError) as exc:
        raise WeatherError(f"{where}: cannot read as PVGIS TMY {kind.upper()} ({exc!r}); "
                           f"{_line_hint(path, kind)}") from None
    return tmy_frame(data, meta, where, Path(path).name)


def tmy_frame(data: pd.DataFrame, meta: dict, where: str,
              name: str) -> tuple[pd.DataFrame, WeatherMeta]:
    """A PVGIS TMY as pvlib parses it (CSV or JSON, file or response) under the contract.

    The stamps (``hh:00`` UTC) move by the response's irradiance time offset (the CSV's
    ``Irradiance Time Offset (h)`` line, the JSON's ``inputs.location.irradiance_time_offset``)
    to the time the irradiance values stand for [2]_, [3]_; ``name`` names the file or
    request in the meta's ``source``.
    """
    offset_h = irradiance_time_offset_h(meta, where)
    inputs = meta["inputs"]
    location = inputs.get("location", inputs)
    data = data.copy()
    data.index = data.index + pd.Timedelta(hours=offset_h)
    # a typical year from PVGIS spans its months' own years: give it one calendar year
    frame, _ = finish_frame(data, "center", where, typical=True)
    years = tuple(sorted({int(m["year"]) for m in meta.get("months_selected", [])}))
    return frame, WeatherMeta(
        format="pvgis_tmy",
        source=f"PVGIS TMY {_database(meta)} ({name})".replace("TMY  (", "TMY ("),
        latitude=float(location["latitude"]),
        longitude=float(location["longitude"]),
        elevation_m=float(location["elevation"]),
        time_step_minutes=time_step_minutes(frame.index),
        licence=LICENCE,
        typical_year=True,
        years=years,
        source_label=f"instant at stamp + {offset_h:g} h (UTC)",
    )


#: Irradiance time offset of PVGIS responses that do not state it [h]: the stamp itself.
#: An assumption (files written before PVGIS added the field, December 2024, do not say
#: where in the hour their values belong; the SARAH slot is some 10-20 min past the hour
#: in Europe [3]_, so such a file may read up to ~20 min early); the source label shows it.
DEFAULT_TIME_OFFSET_H = 0.0


def irradiance_time_offset_h(meta: dict, where: str) -> float:
    """The irradiance time offset a PVGIS TMY response states [h].

    CSV (as pvlib parses it): ``meta['inputs']['irradiance time offset']``; JSON:
    ``meta['inputs']['location']['irradiance_time_offset']``. Both mean the same: the
    values belong to the stamp plus the offset. A response without the field gets
    :data:`DEFAULT_TIME_OFFSET_H`.
    """
    inputs = meta.get("inputs", {})
    location = inputs.get("location", {}) if isinstance(inputs.get("location"), dict) else {}
    for value in (inputs.get("irradiance time offset"),
                  location.get("irradiance_time_offset")):
        if value is None:
            continue
        try:
            hours = float(value)
        except (TypeError, ValueError):
            raise WeatherError(f"{where}: irradiance time offset {value!r} is not a number "
                               "of hours") from None
        if not -1.0 <= hours <= 1.0:
            raise WeatherError(f"{where}: irradiance time offset {hours} h outside [-1, 1]")
        return hours
    return DEFAULT_TIME_OFFSET_H


def read_pvgis_hourly(path: str | Path) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read a PVGIS hourly radiation series (``seriescalc``, CSV or JSON) with pvlib.

    The series must hold horizontal irradiance: either ``G(h)``, ``Gb(n)``, ``Gd(h)``, or
    the plane components ``Gb(i)``, ``Gd(i)`` of a horizontal plane (slope 0, requested
    with ``components=1``); DNI is then the beam on the horizontal divided by the sine of
    the sun height ``H_sun`` given in the file. A series of several years stays several
    years (see :func:`pvyield.weather.frame.finish_frame`).
    """
    where = str(path)
    kind = _json_or_csv(path)
    try:
        data, meta = pvlib.iotools.read_pvgis_hourly(str(path), pvgis_format=kind)
    except (OSError, KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError) as exc:
        raise WeatherError(f"{where}: cannot read as PVGIS hourly {kind.upper()} ({exc!r}); "
                           f"{_line_hint(path, kind)}") from None
    return hourly_frame(data, meta, where, Path(path).name)


def hourly_frame(data: pd.DataFrame, meta: dict, where: str,
                 name: str) -> tuple[pd.DataFrame, WeatherMeta]:
    """A PVGIS hourly series as pvlib parses it (file or response) under the contract.

    The ``time`` field already carries the minute the value belongs to (``hh:10`` for
    SARAH: the satellite slot), so the stamp is used as it is.
    """
    data = _horizontal_components(data, meta, where)
    frame, typical = finish_frame(data, "center", where)
    inputs = meta["inputs"]
    location = inputs.get("location", inputs)
    return frame, WeatherMeta(
        format="pvgis_hourly",
        source=f"PVGIS hourly {_database(meta)} ({name})",
        latitude=float(location["latitude"]),
        longitude=float(location["longitude"]),
        elevation_m=float(location["elevation"]),
        time_step_minutes=time_step_minutes(frame.index),
        licence=LICENCE,
        typical_year=typical,
        years=tuple(sorted(set(data.index.year))),
        source_label="instant at stamp (UTC)",
    )


def _check_tmy_csv_rows(path: str | Path) -> None:
    """A PVGIS TMY CSV holds 8,760 data rows after its ``time(UTC)`` header."""
    header, rows = _rows_after_header(path, "time(UTC)")
    if rows != 8760:
        raise WeatherError(f"{path}: line {header + rows}: PVGIS TMY CSV data end after "
                           f"{rows} rows, 8,760 expected (truncated download?)")


def _rows_after_header(path: str | Path, prefix: str) -> tuple[int, int]:
    """1-based line of the header, and the number of data rows before a blank line."""
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(prefix)), len(lines))
    count = 0
    for line in lines[start + 1:]:
        if not line.strip():
            break
        count += 1
    return start + 1, count


def _horizontal_components(data: pd.DataFrame, meta: dict, where: str) -> pd.DataFrame:
    if {"ghi", "dni", "dhi"} <= set(data.columns):
        return data
    needed = {"poa_direct", "poa_sky_diffuse", "solar_elevation"}
    slope = _slope(meta)
    if not needed <= set(data.columns) or slope != 0:
        raise WeatherError(
            f"{where}: PVGIS hourly file has no horizontal irradiance: expected G(h), Gb(n), "
            "Gd(h), or Gb(i), Gd(i) and H_sun of a horizontal plane (slope 0, "
            f"components=1); found slope {slope} and columns {sorted(data.columns)}"
        )
    out = data.copy()
    beam_h = out["poa_direct"].astype(float)
    sin_h = np.sin(np.radians(out["solar_elevation"].astype(float)))
    out["ghi"] = beam_h + out["poa_sky_diffuse"] + out.get("poa_ground_diffuse", 0.0)
    out["dhi"] = out["poa_sky_diffuse"]
    # below 5 degrees of sun height the division amplifies noise; PVGIS beam is 0 there
    out["dni"] = np.where(sin_h > np.sin(np.radians(5.0)), beam_h / sin_h, 0.0)
    return out


def _slope(meta: dict) -> float | None:
    """Slope of the response's plane [degrees]; None when it has none (a tracker: '-')."""
    try:
        return _slope_value(meta)
    except ValueError:
        return None


def _slope_value(meta: dict) -> float | None:
    inputs = meta.get("inputs", {})
    mounting = inputs.get("mounting_system", {})
    for system in mounting.values() if isinstance(mounting, dict) else ():
        if isinstance(system, dict) and "slope" in system:
            return float(system["slope"]["value"])
    text = inputs.get("Slope")
    if text is not None:
        return float(str(text).split()[0])
    return None


def _database(meta: dict) -> str:
    inputs = meta.get("inputs", {})
    meteo = inputs.get("meteo_data", {})
    return str(meteo.get("radiation_db") or inputs.get("radiation_database") or "").strip()


def _json_or_csv(path: str | Path) -> str:
    with open(path, "rb") as fh:
        start = fh.read(64).lstrip()
    return "json" if start.startswith(b"{") else "csv"


def _line_hint(path: str | Path, kind: str) -> str:
    """Where a PVGIS file stops making sense: the line of a JSON error, or the first
    data line that does not have the header's number of fields."""
    if kind == "json":
        try:
            json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            return f"line {exc.lineno}: {exc.msg}"
        except (OSError, UnicodeDecodeError) as exc:
            return str(exc)
        return "unexpected JSON structure (keys 'inputs', 'outputs', 'meta' expected)"
    return data_line_problem(path, header_prefix="time")


def data_line_problem(path: str | Path, header_prefix: str) -> str:
    """First line after the header (the line starting with ``header_prefix``) whose field
    count differs from the header's, or whose fields are not numbers."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return str(exc)
    header = next((i for i, line in enumerate(lines) if line.startswith(header_prefix)), None)
    if header is None:
        return f"no header line starting with {header_prefix!r}"
    width = lines[header].count(",") + 1
    for number, line in enumerate(lines[header + 1:], start=header + 2):
        if not line.strip():
            return f"line {number}: data end early (empty line)"
        fields = line.split(",")
        if len(fields) != width:
            return f"line {number}: {len(fields)} fields, expected {width}"
        try:
            [float(f) for f in fields[1:]]
        except ValueError:
            return f"line {number}: not a number in {line[:60]!r}"
    return f"line {len(lines)}: file ends after {len(lines) - header - 1} data lines"
