"""The one obvious path: site -> weather -> model chain -> result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from pvyield.model.chain import ChainOutput, run_chain
from pvyield.results import Result, summarise
from pvyield.site import Site, load_site
from pvyield.weather import WeatherMeta, gate, weather_for_site, weather_path
from pvyield.weather.frame import time_step_minutes


def run_chain_batch(site: Site, weather: pd.DataFrame) -> ChainOutput:
    """:func:`pvyield.model.engine.run_chain_batch`, imported on first use.

    The engine compiles its kernels with numba; importing it only when the batch engine runs
    keeps ``import pvyield`` (and every ``pvyield --help``) free of numba's start-up cost.
    """
    from pvyield.model.engine import run_chain_batch as run

    return run(site, weather)


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
        The time step is the frame's own (its stamps), whatever ``meta`` says.
    engine : {"reference", "batch"}
        Which implementation of the model chain runs (:data:`ENGINES`); both give the
        same figures.

    Returns
    -------
    Result
        Annual and monthly figures, losses by stage, checks against reported figures and
        the assumptions the estimate rests on.

    Raises
    ------
    pvyield.weather.gate.WeatherRefusedError
        When the weather's quality checks find what would make the energy wrong (units,
        not whole years, shifted stamps, impossible or non-finite values, ...) and the
        site file does not accept it (``weather.accept``); see :mod:`pvyield.weather.gate`.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if not isinstance(site, Site):
        site = load_site(site)
    frame, meta = weather if weather is not None else weather_for_site(site)
    meta, verdict = gate.check(frame, meta, site.weather.accept, weather_path(site, meta))
    meta = _time_step_of_frame(frame, meta)
    return summarise(site, meta, ENGINES[engine](site, frame), qc=verdict.report,
                     accepted=tuple((f.code, reason) for f, reason in verdict.accepted))


def _time_step_of_frame(frame: pd.DataFrame, meta: WeatherMeta) -> WeatherMeta:
    """The metadata with the frame's own time step (the chain integrates over the stamps)."""
    step = time_step_minutes(frame.index)
    if step == meta.time_step_minutes:
        return meta
    return dataclasses.replace(meta, time_step_minutes=step).with_correction(
        f"time step {step:g} min, from the series' stamps (its metadata said "
        f"{meta.time_step_minutes:g} min)")
