"""The one obvious path: site -> weather -> model chain -> result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pvyield.model.chain import run_chain
from pvyield.model.engine import run_chain_batch
from pvyield.results import Result, summarise
from pvyield.site import Site, load_site
from pvyield.weather import WeatherMeta, weather_for_site

#: Implementations of the model chain: the per-site reference on pvlib, and the batch
#: engine (the same chain compiled over arrays; tests/test_engine.py holds them together).
ENGINES = {"reference": run_chain, "batch": run_chain_batch}

def estimate(
    site: Site | str | Path,
    weather: tuple[pd.DataFrame, WeatherMeta] | None = None,
    *,
    engine: str = "reference",
) -> Result:
    """Estimate a plant's yield.

    Parameters
    ----------
    site : Site or path
        A validated :class:`~pvyield.site.Site` or the path of a site file.
    weather : (frame, meta), optional
        The site's weather as :func:`pvyield.weather.weather_for_site` returns it, to reuse
        one series for several variants of a site; read from the site file when omitted.
    engine : {"reference", "batch"}
        Which implementation of the model chain runs (:data:`ENGINES`); both give the
        same figures.

    Returns
    -------
    Result
        Annual and monthly figures, losses by stage, checks against reported figures and
        the assumptions the estimate rests on.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if not isinstance(site, Site):
        site = load_site(site)
    frame, meta = weather if weather is not None else weather_for_site(site)
    return summarise(site, meta, ENGINES[engine](site, frame))
