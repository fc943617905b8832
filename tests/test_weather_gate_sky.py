"""The weather checks of a synthetic year take the sun and clear sky the year was made with.

:func:`pvyield.weather.synthetic.synthetic_years_many` gives each series the zenith and
clear-sky GHI it computed (:func:`pvyield.weather.qc.give_sky`) where they equal bit for bit
what the checks compute themselves (:func:`pvyield.weather.qc.sky_fast`); the checks' findings
must be the same whether the sky was given or computed.
"""

from __future__ import annotations

import gc
import math
from pathlib import Path

import numpy as np
import pvlib

from pvyield.site.load import read_mapping, site_from_mapping
from pvyield.weather import gate, qc, weather_for_sites
from pvyield.weather import synthetic as synth

from .conftest import SITES

TEMPLATE = (Path(__file__).resolve().parents[1] / "benchmarks" / "brazil-screening"
            / "template.yaml")
#: Brazilian places (LABREN municipal seats, as in benchmarks/brazil-screening, and one
#: point between seats, whose weather is placed at its nearest seat) in six time zones, at
#: elevations where the checks' pressure from one number equals the stacked arrays' and,
#: at 161 m, where it does not.
PLACES = (("Mauriti", -7.3864, -38.7711, "America/Fortaleza", 300.0),
          ("Manaus", -3.1194, -60.0221, "America/Manaus", 92.0),
          ("Rio Branco", -9.9758, -67.8253, "America/Rio_Branco", 1100.5),
          ("Petrolina", -9.3891, -40.5031, "America/Recife", 161.0),
          ("Cristalina", -16.7681, -47.6135, "America/Sao_Paulo", 1189.0),
          ("between seats", -12.4321, -45.1234, "America/Bahia", 300.0))


def _same_report(a: qc.QcReport, b: qc.QcReport) -> bool:
    shift_a, shift_b = a.time_shift_minutes, b.time_shift_minutes
    return (a.flags == b.flags and a.coverage == b.coverage
            and (shift_a == shift_b or (math.isnan(shift_a) and math.isnan(shift_b))))


def _computed(times, latitude, longitude, elevation_m):
    """:func:`qc.sky_fast` under another name: the checks compute their own sky."""
    return qc.sky_fast(times, latitude, longitude, elevation_m)


def _sites():
    template = read_mapping(TEMPLATE)
    return [site_from_mapping({**template, "name": name, "latitude": lat, "longitude": lon,
                               "timezone": tz, "elevation_m": elevation,
                               "weather": {"source": "labren"}})
            for name, lat, lon, tz, elevation in PLACES]


def test_given_sky_and_findings_equal_the_checks_own():
    sites = _sites()
    weather = weather_for_sites(sites)
    given = []
    for site, (frame, meta) in zip(sites, weather, strict=True):
        sky = qc.given_sky(frame, meta.latitude, meta.longitude, meta.elevation_m)
        own = qc.sky_fast(frame.index, meta.latitude, meta.longitude, meta.elevation_m)
        if sky is not None:
            given.append(site.name)
            for field in ("zenith", "clear_ghi", "extra_normal"):
                assert np.array_equal(getattr(sky, field), getattr(own, field)), (site.name,
                                                                                    field)
            assert own.cos_zenith is None  # the checks compute it from the zenith
            assert np.array_equal(sky.cos_zenith, np.cos(np.radians(own.zenith)))
        with_given = qc.qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m)
        computed = qc.qc_report(frame, meta.latitude, meta.longitude, meta.elevation_m,
                                sky=_computed)
        assert _same_report(with_given, computed), site.name
        assert gate.verdict(with_given, []) == gate.verdict(computed, [])
    # shared at the seats whose elevation terms agree; not at 161 m (the pressure from one
    # number differs in its last bit there), nor where the weather is placed at a seat
    # other than the point the year was made for
    h = 161.0
    assert pvlib.atmosphere.alt2pres(h) != pvlib.atmosphere.alt2pres(np.array([h]))[0]
    assert given == ["Mauriti", "Manaus", "Rio Branco", "Cristalina"]


def test_sky_is_given_to_the_frame_object_and_place_only():
    site = _sites()[0]
    ((frame, meta),) = weather_for_sites([site])
    place = (meta.latitude, meta.longitude, meta.elevation_m)
    assert qc.given_sky(frame, *place) is not None
    assert qc.given_sky(frame.copy(), *place) is None  # another object: values may differ
    assert qc.given_sky(frame, meta.latitude + 1e-9, meta.longitude, meta.elevation_m) is None
    moved = frame.copy(deep=False)
    moved.index = frame.index + np.timedelta64(1, "h")
    assert qc.given_sky(moved, *place) is None
    shifted = qc.qc_report(moved, *place)
    assert any(f.code == "time_shift" for f in shifted.flags)
    # a kept sky goes with its frame
    key = id(frame)
    assert key in qc._GIVEN
    del frame, moved
    gc.collect()
    assert key not in qc._GIVEN


def test_real_weather_file_shares_nothing():
    site = site_from_mapping(read_mapping(SITES / "ceme1.yaml"), source=SITES / "ceme1.yaml")
    ((frame, meta),) = weather_for_sites([site])
    assert not meta.synthetic
    elevation = 0.0 if math.isnan(meta.elevation_m) else meta.elevation_m
    assert qc.given_sky(frame, meta.latitude, meta.longitude, elevation) is None
    report = qc.qc_report(frame, meta.latitude, meta.longitude, elevation)
    assert _same_report(report, qc.qc_report(frame, meta.latitude, meta.longitude, elevation,
                                             sky=_computed))


def test_shareable_elevations_are_those_whose_terms_agree():
    elevation = np.array([300.0, 161.0, 0.0, np.nan, 2500.25])
    pressure = pvlib.atmosphere.alt2pres(elevation)
    expected = [math.isfinite(h) and pvlib.atmosphere.alt2pres(h) == pressure[i]
                and np.exp(-h / 8000.0) == np.exp(-elevation / 8000.0)[i]
                and np.exp(-h / 1250.0) == np.exp(-elevation / 1250.0)[i]
                for i, h in enumerate(elevation.tolist())]
    assert synth._sky_shareable(elevation).tolist() == expected
    assert expected[0] and not expected[1] and not expected[3]
