"""The Sun's time terms of a set of stamps are computed once for the engine, the weather
checks and the synthetic years, and are pvlib's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

from pvyield.model import _pvlib_compat, engine, solar, sun_time
from pvyield.weather import qc


def test_one_computation_serves_checks_engine_and_sun_position(monkeypatch):
    times = pd.date_range("2019-01-01 00:30", periods=24 * 20, freq="1h", tz="Etc/GMT+3")
    calls = []
    original = _pvlib_compat.spa_time_terms

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_pvlib_compat, "spa_time_terms", counted)
    sun_time.clear()
    engine.clear_time_bases()
    qc._BASES.clear()
    qc.sky_fast(times, -15.0, -47.0, 1000.0)
    engine._time_base(times)
    solar.sun_terms(times)
    # the same instants in another time zone are another set (days and months differ)
    solar.sun_terms(times.tz_convert("UTC"))
    assert len(calls) == 2


def test_terms_are_pvlibs():
    times = pd.date_range("2020-02-28", periods=24 * 3, freq="1h", tz="America/Sao_Paulo")
    terms = sun_time.time_terms(times)
    np.testing.assert_array_equal(terms.extra_normal,
                                  pvlib.irradiance.get_extra_radiation(times).to_numpy())
    # the apparent zenith of the compiled split SPA on these terms is pvlib's nrel_numpy
    zenith, apparent = solar.zeniths(solar.sun_terms(times), [-23.5], [-46.6], [760.0])
    expected = pvlib.solarposition.get_solarposition(times, -23.5, -46.6, 760.0)
    np.testing.assert_allclose(apparent[0], expected["apparent_zenith"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(zenith[0], expected["zenith"].to_numpy(), atol=1e-9)
    assert not terms.stacked.flags.writeable


def test_kept_values_are_computed_once_and_the_least_recently_used_goes_first():
    from pvyield._kept import Kept

    made: list[str] = []

    def make(key: str):
        return lambda: made.append(key) or key.upper()

    kept: Kept[str] = Kept(2)
    assert [kept.get(k, make(k)) for k in ("a", "b", "a")] == ["A", "B", "A"]
    assert made == ["a", "b"]  # "a" kept, not made again
    kept.get("c", make("c"))  # "b" is now the least recently used: it goes
    kept.get("a", make("a"))
    kept.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]
    kept.clear()
    kept.get("a", make("a"))
    assert made[-1] == "a"
