"""The one obvious path: site -> weather -> model chain -> result."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pvyield.errors import PvyieldError
from pvyield.model.chain import ChainOutput, chain_notes, run_chain
from pvyield.results import ChainTotals, Result, summarise
from pvyield.site import Site, load_site
from pvyield.weather import WeatherMeta, gate, weather_for_site, weather_path
from pvyield.weather.frame import time_step_minutes
from pvyield.weather.qc import QcReport


def run_chain_batch(site: Site, weather: pd.DataFrame) -> ChainOutput:
    """:func:`pvyield.model.engine.run_chain_batch`, imported on first use.

    The engine compiles its kernels with numba; importing it only when the batch engine runs
    keeps ``import pvyield`` (and every ``pvyield --help``) free of numba's start-up cost.
    """
    from pvyield.model.engine import run_chain_batch as run

    return run(site, weather)


#: Implementations of the model chain: the compiled engine (``batch``, the default: the
#: chain over arrays, which :func:`estimate` runs without time series unless asked) and
#: the per-site reference on pvlib, kept for checking (tests/test_engine.py holds them
#: together to 1e-9).
ENGINES = {"batch": run_chain_batch, "reference": run_chain}
DEFAULT_ENGINE = "batch"


def estimate(
    site: Site | str | Path,
    weather: tuple[pd.DataFrame, WeatherMeta] | None = None,
    *,
    engine: str = DEFAULT_ENGINE,
    timeseries: bool = False,
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
    engine : {"batch", "reference"}
        Which implementation of the model chain runs (:data:`ENGINES`): the compiled
        engine (default) or the per-site pvlib reference; both give the same figures.
    timeseries : bool, default False
        Compute the chain's time series with the figures. Without, the engine computes
        sums only and :attr:`Result.timeseries` runs the chain again when first read; the
        reference chain always keeps them.

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
    meta, qc, accepted = gate_weather(site, frame, meta)
    if engine == "reference":
        return summarise(site, meta, run_chain(site, frame), qc=qc, accepted=accepted)
    from pvyield.model.engine import run_sites

    ds = run_sites([site], [frame], timeseries=timeseries).isel(site=0)
    series = (_series_of(ds, site, frame) if timeseries
              else functools.partial(engine_timeseries, site, frame))
    return engine_result(site, meta, frame, ds, qc, accepted, series)


def estimate_sites(
    sites: Sequence[Site],
    weathers: Sequence[tuple[pd.DataFrame, WeatherMeta]],
    *,
    engine: str = DEFAULT_ENGINE,
) -> list[Result | PvyieldError]:
    """:func:`estimate` for many sites, each on its own weather, per site the same answer.

    The compiled engine runs every site whose weather passes the gate in one
    :func:`~pvyield.model.engine.run_sites` call (the sites that share time stamps share the
    sun's terms); the reference chain estimates them one by one. Time series are computed
    when :attr:`Result.timeseries` is first read.

    Parameters
    ----------
    sites : sequence of Site
        Validated sites.
    weathers : sequence of (frame, meta)
        Each site's weather as :func:`pvyield.weather.weather_for_site` returns it.
    engine : {"batch", "reference"}
        As for :func:`estimate`.

    Returns
    -------
    list
        One entry per site, in order: its :class:`Result`, or the
        :class:`~pvyield.errors.PvyieldError` that :func:`estimate` raises for it (a refused
        weather, a chain the model cannot run); one site's error never stops the others.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if len(sites) != len(weathers):
        raise ValueError(f"{len(sites)} sites but {len(weathers)} weathers")
    if engine == "reference":
        return [_or_error(estimate, site, weather, engine=engine)
                for site, weather in zip(sites, weathers, strict=True)]
    out: list[Result | PvyieldError | None] = [None] * len(sites)
    ready = []
    for k, (site, (frame, meta)) in enumerate(zip(sites, weathers, strict=True)):
        gated = _or_error(gate_weather, site, frame, meta)
        if isinstance(gated, PvyieldError):
            out[k] = gated
        else:
            ready.append((k, site, frame, gated))
    for k, result in _engine_results(ready):
        out[k] = result
    return out  # type: ignore[return-value]  (every site has its entry now)


def _engine_results(ready: list) -> list[tuple[int, Result | PvyieldError]]:
    """Results of gated sites ``(k, site, frame, (meta, qc, accepted))`` from one engine
    call; when the engine refuses the call, each site runs alone so that it fails alone."""
    from pvyield.model.engine import run_sites

    if not ready:
        return []
    try:
        ds = run_sites([site for _, site, _, _ in ready], [frame for _, _, frame, _ in ready])
    except PvyieldError as exc:
        if len(ready) == 1:
            return [(ready[0][0], exc)]
        return [pair for item in ready for pair in _engine_results([item])]
    return [(k, _or_error(engine_result, site, meta, frame, ds.isel(site=n), qc, accepted,
                          functools.partial(engine_timeseries, site, frame)))
            for n, (k, site, frame, (meta, qc, accepted)) in enumerate(ready)]


def _or_error(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, or the :class:`PvyieldError` it raised."""
    try:
        return function(*args, **kwargs)
    except PvyieldError as exc:
        return exc


def gate_weather(site: Site, frame: pd.DataFrame, meta: WeatherMeta
                 ) -> tuple[WeatherMeta, QcReport, tuple[tuple[str, str], ...]]:
    """The weather gate of :func:`estimate`: the metadata with the frame's own time step,
    the quality report and the findings the site file accepted.

    Raises
    ------
    pvyield.weather.gate.WeatherRefusedError
        As :func:`estimate`.
    """
    meta, verdict = gate.check(frame, meta, site.weather.accept, weather_path(site, meta))
    return (_time_step_of_frame(frame, meta), verdict.report,
            tuple((f.code, reason) for f, reason in verdict.accepted))


def engine_result(site: Site, meta: WeatherMeta, frame: pd.DataFrame, ds: Any,
                  qc: QcReport | None, accepted: tuple[tuple[str, str], ...],
                  series: Any = None) -> Result:
    """The :class:`Result` of one site of the engine's Dataset (``run_sites(...)
    .isel(site=i)``), weather gated by :func:`gate_weather`; ``series`` as
    :func:`~pvyield.results.summarise` takes it."""
    totals = ChainTotals.of_engine(ds, chain_notes(site, frame))
    return summarise(site, meta, totals, qc=qc, accepted=accepted, timeseries=series)


def engine_timeseries(site: Site, frame: pd.DataFrame) -> pd.DataFrame:
    """The engine's time series of one site, in the site's local time (what
    :attr:`Result.timeseries` reads of an estimate made without them)."""
    from pvyield.model.engine import run_sites

    return _series_of(run_sites([site], [frame], timeseries=True).isel(site=0), site, frame)


def _series_of(ds: Any, site: Site, frame: pd.DataFrame) -> pd.DataFrame:
    from pvyield.model.engine import series_frame

    return series_frame(ds, frame).tz_convert(site.timezone)


def _time_step_of_frame(frame: pd.DataFrame, meta: WeatherMeta) -> WeatherMeta:
    """The metadata with the frame's own time step (the chain integrates over the stamps)."""
    step = time_step_minutes(frame.index)
    if step == meta.time_step_minutes:
        return meta
    return dataclasses.replace(meta, time_step_minutes=step).with_correction(
        f"time step {step:g} min, from the series' stamps (its metadata said "
        f"{meta.time_step_minutes:g} min)")
