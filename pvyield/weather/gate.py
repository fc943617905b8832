"""The weather quality gate: what the quality checks find decides whether energy is computed.

Every path that turns weather into energy (:func:`pvyield.estimate`, and through it the
command line, reports, batch studies and the reconciliation) passes :func:`check`:

- a finding of severity ``error`` (:func:`pvyield.weather.qc.qc_report`) refuses the
  estimate with a :class:`WeatherRefusedError` naming the file, the problem and the fix, unless
  the site file accepts it in ``weather.accept`` with a reason;
- some findings cannot be accepted (:data:`pvyield.site.schema.UNACCEPTABLE_FINDINGS`): no
  energy computed from such a series means anything;
- warnings, and accepted findings with their reasons, are added to the weather's warnings,
  which every output lists.

The checks run once per weather series, not once per variant: :func:`qc_for` keeps the last
reports under a fingerprint of the frame's stamps and values, so the reconciliation's many
runs on one weather read, or a batch's runs on one site, reuse the report. Within
:func:`frames_unchanged` (a batch chunk, whose designs of a site share one frame object)
a frame seen before is known by its identity, without hashing its values again, and a
synthetic series (made for its site there) is checked without a fingerprint.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import dataclasses
import hashlib
import math
import threading

import numpy as np
import pandas as pd

from pvyield.errors import WeatherError
from pvyield.site.schema import UNACCEPTABLE_FINDINGS, AcceptedFinding
from pvyield.weather.frame import WeatherMeta
from pvyield.weather.qc import QcFlag, QcReport, qc_report

#: What to do about each refusing finding, as the error message says it.
FIXES = {
    "non_finite": "fill or remove the infinite or missing values in the file",
    "duplicate_stamps": "remove the repeated rows",
    "non_monotonic": "sort the rows by time",
    "units_kw": "convert irradiance to W/m^2 (x 1000)",
    "units_daily_kwh": "give hourly mean irradiance in W/m^2, not daily kWh/m^2",
    "units_kelvin": "convert air temperature to °C (- 273.15)",
    "negated": "flip the sign of the irradiance columns",
    "impossible_irradiance": "remove or repair the impossible values (fill values, spikes)",
    "temp_range": "remove or repair the impossible temperatures (fill values, wrong units)",
    "wind_negative": "remove or repair the negative wind speeds (fill values)",
    "humidity_range": "give relative humidity in % (0-100), or remove the column",
    "precipitable_water_range": "give precipitable water in cm (mm / 10), or remove the "
                                "column",
    "no_sun": "check the irradiance columns (names, units, empty cells read as 0)",
    "coverage": "use whole years of weather, or accept it with weather.accept "
                "[{finding: coverage, reason: ...}] (figures are then scaled from the period)",
    "gap": "fill the gaps, or accept them with weather.accept [{finding: gap, reason: ...}]",
    "time_step": "use hourly or shorter intervals",
    "negative": "set the negative irradiance to 0 (pvyield.weather.qc.clip_negative), or "
                "accept it with weather.accept [{finding: negative, reason: ...}]",
    "above_extraterrestrial": "check the time stamps and units, or accept it with "
                              "weather.accept [{finding: above_extraterrestrial, reason: ...}]",
    "time_shift": "correct the time zone or weather.label (or shift the stamps with "
                  "pvyield.weather.qc.shift_stamps), or accept it with weather.accept "
                  "[{finding: time_shift, reason: ...}]",
    "closure": "check which column is DNI and which DHI, their units and time stamps, or "
               "accept it with weather.accept [{finding: closure, reason: ...}]",
    "distance": "use weather from nearer the site, check the coordinates of both (a sign, "
                "latitude and longitude swapped), or accept it with weather.accept "
                "[{finding: distance, reason: ...}]",
    "dim": "check the irradiance units and any factor applied to them, or accept it with "
           "weather.accept [{finding: dim, reason: ...}] (a series of overcast months "
           "only)",
    "dark_daytime": "fill the missing hours (or remove them: gaps are scaled over), or "
                    "accept them with weather.accept [{finding: dark_daytime, reason: ...}]",
}
#: Order in which refusing findings are named: the likeliest cause first (a shifted series
#: also puts GHI above the extraterrestrial irradiance at dawn; units trip value limits).
PRIORITY = ("non_finite", "duplicate_stamps", "non_monotonic", "units_kw", "units_daily_kwh",
            "units_kelvin", "negated", "no_sun", "impossible_irradiance", "temp_range",
            "wind_negative", "humidity_range", "precipitable_water_range", "distance",
            "coverage", "time_step", "gap", "time_shift", "dim", "closure", "dark_daytime",
            "negative", "above_extraterrestrial")
#: Beyond this distance between the weather's location and the site [km] the weather is
#: refused (acceptable with a reason in ``weather.accept``): it describes another place.
#: Farther than the stations of the validation corpus (at most 108 km), CEME1's NSRDB
#: alternative (193 km) and the centre of a 3 deg MERRA-2 cell from any point in it (at
#: most about 236 km); a file of another region or hemisphere, or coordinates with a wrong
#: sign, is thousands of km off.
DISTANCE_ERROR_KM = 250.0
#: Reports kept by :func:`qc_for` (one per weather series in use).
CACHE_SIZE = 16

_CACHE: collections.OrderedDict[str, QcReport] = collections.OrderedDict()
_CACHE_LOCK = threading.Lock()  # Dask workers may run chunks in threads of one process
#: Within :func:`frames_unchanged`: the report of each frame object seen, by ``id`` and
#: place, with the frame itself (kept alive, so that its ``id`` is not reused).
_SEEN: contextvars.ContextVar[dict | None] = contextvars.ContextVar("qc_seen", default=None)


class WeatherRefusedError(WeatherError):
    """The weather's quality checks found what would make the energy wrong."""


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What the gate decided for one series and one site's ``weather.accept``.

    Attributes
    ----------
    report : QcReport
        The quality checks' findings.
    refused : tuple of QcFlag
        Errors neither accepted nor acceptable: any makes the estimate refused.
    accepted : tuple of (QcFlag, str)
        Findings the site file accepted, with its reason.
    warnings : tuple of str
        Texts to add to the weather's warnings: warnings, then accepted findings.
    """

    report: QcReport
    refused: tuple[QcFlag, ...]
    accepted: tuple[tuple[QcFlag, str], ...]
    warnings: tuple[str, ...]

    @property
    def partial(self) -> bool:
        """True when the series is not whole years and that was accepted."""
        return any(flag.code == "coverage" for flag, _ in self.accepted)


def fingerprint(frame: pd.DataFrame) -> str:
    """Hash of a frame's stamps, time zone, column names and values."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str((tuple(frame.columns), str(frame.index.tz))).encode())
    digest.update(np.ascontiguousarray(frame.index.asi8).tobytes())
    digest.update(np.ascontiguousarray(frame.to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()


@contextlib.contextmanager
def frames_unchanged():
    """Within this block :func:`qc_for` knows a frame object it has seen by its identity.

    For a caller that holds its frames and does not change them in the block (a batch
    chunk: the designs of a site share one frame object): the fingerprint (about 0.7 ms
    per hourly year) is then taken once per frame object, not once per run, and not at all
    for a synthetic series (made for its site in the block, its values do not come again).
    Each thread or task has its own scope.
    """
    token = _SEEN.set({})
    try:
        yield
    finally:
        _SEEN.reset(token)


def qc_for(frame: pd.DataFrame, meta: WeatherMeta) -> QcReport:
    """The quality report of a series at its own location, computed once per series."""
    elevation = 0.0 if math.isnan(meta.elevation_m) else meta.elevation_m
    place = f"{meta.latitude}/{meta.longitude}/{elevation}"
    seen = _SEEN.get()
    if seen is not None:
        known = seen.get((id(frame), place))
        if known is not None and known[0] is frame:
            return known[1]
        if meta.synthetic:
            # a synthetic series is made for its site within the block: no later call
            # brings the same values again, so hashing them (0.7 ms a year) buys nothing
            report = qc_report(frame, meta.latitude, meta.longitude, elevation)
        else:
            report = _qc_by_fingerprint(frame, meta.latitude, meta.longitude, elevation,
                                        place)
        seen[(id(frame), place)] = (frame, report)
        return report
    return _qc_by_fingerprint(frame, meta.latitude, meta.longitude, elevation, place)


def _qc_by_fingerprint(frame: pd.DataFrame, latitude: float, longitude: float,
                       elevation: float, place: str) -> QcReport:
    """The report kept under the frame's fingerprint, or computed and kept."""
    key = f"{fingerprint(frame)}/{place}"
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    report = qc_report(frame, latitude, longitude, elevation)
    with _CACHE_LOCK:
        _CACHE[key] = report
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report


def verdict(report: QcReport, accept: list[AcceptedFinding]) -> Verdict:
    """Decide on a report given the findings a site file accepts (a pure function)."""
    reasons = {a.finding: a.reason for a in accept}
    refused, accepted, warnings = [], [], []
    for flag in report.flags:
        reason = reasons.get(flag.code)
        if reason is not None and flag.code not in UNACCEPTABLE_FINDINGS:
            accepted.append((flag, reason))
        elif flag.severity == "error":
            refused.append(flag)
        else:
            warnings.append(f"weather check {flag.code}: {flag.message}")
    warnings += [f"weather check {flag.code} ({flag.severity}), accepted in weather.accept: "
                 f"{flag.message}; reason: {reason}" for flag, reason in accepted]
    found = {flag.code for flag in report.flags}
    # a stale acceptance (the file was repaired, or another file named) should be removed
    warnings += [f"weather.accept names {code!r}, but the checks do not find it"
                 for code in reasons if code not in found]
    refused.sort(key=lambda f: PRIORITY.index(f.code) if f.code in PRIORITY else len(PRIORITY))
    return Verdict(report, tuple(refused), tuple(accepted), tuple(warnings))


def refusal_message(where: str, refused: tuple[QcFlag, ...]) -> str:
    """One line: the file, the first problem and its fix, and the codes of the others."""
    first = refused[0]
    fix = FIXES.get(first.code, "repair the file")
    if first.code in UNACCEPTABLE_FINDINGS:
        fix += " (this finding cannot be accepted)"
    others = sorted({f.code for f in refused[1:]} - {first.code})
    also = f" (also: {', '.join(others)})" if others else ""
    return f"{where}: weather refused, {first.code}: {first.message}; to fix: {fix}{also}"


def check(frame: pd.DataFrame, meta: WeatherMeta, accept: list[AcceptedFinding],
          where: str) -> tuple[WeatherMeta, Verdict]:
    """Run the gate on a series.

    Parameters
    ----------
    frame, meta : DataFrame, WeatherMeta
        The series under the weather contract and its metadata.
    accept : list of AcceptedFinding
        The site file's ``weather.accept``.
    where : str
        The file (or source) named in the refusal.

    Returns
    -------
    meta, verdict
        The metadata with the gate's warnings added, and the verdict.

    Raises
    ------
    WeatherRefusedError
        When a finding of severity ``error`` is neither accepted nor acceptable.
    """
    if len(frame) < 2:
        raise WeatherRefusedError(f"{where}: weather refused, coverage: the series has "
                                  f"{len(frame)} row(s); to fix: {FIXES['coverage']}")
    report = qc_for(frame, meta)
    far = _distance_flags(meta)
    if far:  # a finding of the site, not of the series: not kept with the series' report
        report = dataclasses.replace(report, flags=(*report.flags, *far))
    decided = verdict(report, accept)
    if decided.refused:
        raise WeatherRefusedError(refusal_message(where, decided.refused))
    for text in decided.warnings:
        if text not in meta.warnings:
            meta = meta.with_warning(text)
    return meta, decided


def _distance_flags(meta: WeatherMeta) -> tuple[QcFlag, ...]:
    """The weather placed farther than :data:`DISTANCE_ERROR_KM` from the site."""
    distance = meta.distance_km
    if distance is None or not distance > DISTANCE_ERROR_KM:
        return ()
    return (QcFlag("distance", "error",
                   f"the weather's location ({meta.latitude:.4g}, {meta.longitude:.4g}) is "
                   f"{distance:,.0f} km from the site (more than {DISTANCE_ERROR_KM:g} km): "
                   "it describes another place's climate"),)
