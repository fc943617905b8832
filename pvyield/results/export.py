"""The layout of a Result outside Python: strict JSON documents and the hourly time series.

``pvyield estimate --out`` writes :func:`estimates_document` through :func:`dumps_json`;
``--timeseries`` writes :func:`timeseries_frame` through :func:`write_timeseries`. Units are
in the names (``p_ac_w``) or in :meth:`pvyield.results.Result.to_dict`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pvyield.files import atomic_path, write_atomic
from pvyield.results import Result

if TYPE_CHECKING:
    from pvyield.reconcile import Reconciliation


#: Hourly columns of ``--timeseries``: chain column -> exported name with its unit.
TIMESERIES_COLUMNS = {
    "ghi": "ghi_w_m2",
    "poa_global": "poa_global_w_m2",
    "effective_irradiance": "effective_irradiance_w_m2",
    "temp_air": "temp_air_c",
    "temp_cell": "temp_cell_c",
    "p_dc": "p_dc_w",
    "p_ac": "p_ac_w",
}


def timeseries_frame(result: Result) -> pd.DataFrame:
    """The chain's hourly stages with units in the column names, in the site's local time.

    Irradiances in W/m^2 (``effective_irradiance_w_m2``: front and rear after shading,
    IAM, spectral and soiling, as the DC model sees it), temperatures in degrees C, powers
    in W for the whole plant (``p_dc_w`` after mismatch, DC wiring and LID; ``p_ac_w`` at
    the grid after clipping, AC losses and availability), each the mean over its interval.
    The index ``time`` is the chain's stamps, the centre of each interval, in the site's
    time zone.
    """
    frame = result.timeseries[list(TIMESERIES_COLUMNS)].rename(columns=TIMESERIES_COLUMNS)
    frame.index = frame.index.rename("time")
    return frame


def write_timeseries(result: Result, path: Path) -> None:
    """Write :func:`timeseries_frame` atomically: Parquet for ``.parquet``, else CSV with
    ISO 8601 stamps carrying their UTC offset."""
    frame = timeseries_frame(result)
    if path.suffix.lower() == ".parquet":
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp)
        return
    text = frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S%z", float_format="%.6g")
    # %z gives +0300; ISO 8601 extended form (+03:00) is what readers parse everywhere
    text = re.sub(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d)(\d\d),", r"\1:\2,",
                  text, flags=re.MULTILINE)
    write_atomic(path, text)


def finite_json(value: Any) -> Any:
    """A copy of JSON-ready data with NaN and infinities as None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            return finite_json(value.item())
        except (TypeError, ValueError):
            return value
    return value


def dumps_json(document: Any) -> str:
    """Strict JSON (RFC 8259: NaN and infinities written as null), UTF-8, indented."""
    return json.dumps(finite_json(document), indent=2, ensure_ascii=False,
                      allow_nan=False, default=str) + "\n"


def estimates_document(results: Sequence[Result],
                       reconciliations: Sequence[Reconciliation | None]) -> dict[str, Any]:
    """The JSON document of estimates: the pvyield version and, per site, the Result's
    :meth:`~pvyield.results.Result.to_dict` with its reconciliation (when run) under
    ``reconciliation``."""
    from pvyield import __version__

    sites = [{**r.to_dict(), **({"reconciliation": rec.to_dict()} if rec else {})}
             for r, rec in zip(results, reconciliations, strict=True)]
    return {"pvyield_version": __version__, "sites": sites}
