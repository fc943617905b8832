"""Where the synthetic year's overcast months go wrong: decomposition or daily GHI.

Run from the repository root: ``python weather/decomposition_diagnosis.py`` prints three
tables (Markdown), on the real hourly files of ``weather/synthetic_validation.py``:

1. **Decomposition on measured GHI.** Every decomposition model the generator offers
   (:data:`pvyield.weather.synthetic.DECOMPOSITIONS`) applied to each file's *measured*
   hourly GHI, only DNI and DHI replaced; the fixed and tracker plants' AC energy against
   the same plants on the file's own DNI/DHI: annual deviation, worst month, and the
   months of the overcast files. This isolates the decomposition from the generator.
   (Engerer2, Engerer 2015, recommended by Gueymard & Ruiz-Arias 2016, is not in pvlib
   0.16; it is :mod:`pvyield.weather.engerer2`, the key "engerer2", with the hourly
   coefficients of Bright & Engerer 2019.)
2. **Daily clear-sky index, real against synthetic** (seed 0), in the months where the
   synthetic year misses by more than the monthly limit: mean, standard deviation,
   quantiles, and the share of the month's irradiation delivered by days above 0.7 of
   the clear sky.
3. **Split of a synthetic month's deviation** into the decomposition's part (measured GHI
   decomposed / measured) and the generator's part (synthetic year / measured GHI
   decomposed by the same model), per model.

4. **Hours within a day, real against synthetic** (``--hourly``): on every file, the spread
   of the hourly clear-sky index within days (median over days of a daily index of 0.2-0.9
   of ``std(hourly / daily index) / (k (1 - k))``), its lag-one correlation, and the
   method-of-moments concentration of ``hourly index / max(k, clear-day index)`` by daily
   index, on the real year and on the synthetic year (seed 0).
5. **Candidates for the overcast months** (``--candidates``): the generator with its
   daily-index concentration fitted as a quadratic (fit files), with hours drawn from a
   beta distribution whose concentration is measured on the fit files (table 4), and the
   decomposition blended from DIRINDEX into DISC, DIRINT, Erbs, Orgill-Hollands or Louche
   in dark months, alone and combined; every candidate on every file, seeds 0-4, and the
   rule of :func:`choose` on the fit rows.

Fit and held-out files (declared here before any result of this script was seen, the
same split as ``weather/synthetic_validation.py``): a decomposition or rule is chosen on
:data:`synthetic_validation.FIT` (six California TMY3 files, Seattle, Buffalo) and judged
on :data:`synthetic_validation.TEST` (Miami, Greensboro, Sand Point, two Chilean files).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pvlib

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_validation as sv

from pvyield.weather import synthetic
from pvyield.weather.synthetic import (
    DECOMPOSITIONS,
    daily_clear_sky_index,
    decompose,
)

#: Names of the files the generator's constants were chosen on (the others are held out).
FIT_NAMES = frozenset(name for name, _, _ in sv.FIT)

PLANTS = ("fixed", "tracker")
#: Files whose months break the monthly limit (the overcast climates).
OVERCAST = ("NY-Buffalo_Niagara_Intl_Ap.tmy3", "WA-Seattle_Seattletacoma_Intl_A.tmy3",
            "pvlib 703165TY.csv (Sand Point, AK, TMY3)")


def _clear_sky(frame: pd.DataFrame, meta) -> tuple[pd.DataFrame, pd.DataFrame]:
    solpos = pvlib.solarposition.get_solarposition(
        frame.index, meta.latitude, meta.longitude, meta.elevation_m)
    location = pvlib.location.Location(meta.latitude, meta.longitude,
                                       altitude=meta.elevation_m)
    return solpos, location.get_clearsky(frame.index, model="ineichen",
                                         solar_position=solpos)


def decomposed_frames(frame: pd.DataFrame, meta, methods=tuple(DECOMPOSITIONS)) -> dict:
    """The real frame with DNI/DHI replaced by each method's decomposition of its GHI."""
    solpos, clear_sky = _clear_sky(frame, meta)
    ghi = frame["ghi"].clip(lower=0).to_numpy()
    out = {}
    for method in methods:
        dni, dhi = decompose(ghi, frame.index, solpos["zenith"].to_numpy(), clear_sky,
                             meta.elevation_m, method, longitude=meta.longitude)
        out[method] = frame.assign(dni=dni, dhi=dhi)
    return out


def study(entry, methods=tuple(DECOMPOSITIONS), seed: int = 0) -> dict:
    """Monthly energy [kWh] of fixed and tracker plants on: the real file, its GHI
    decomposed by each method, and the synthetic year (``seed``) decomposed by each.

    Returns ``{"real": (plant, 12), "measured_ghi": {method: (plant, 12)},
    "synthetic": {method: (plant, 12)}, "daily": DataFrame}``.
    """
    frame, meta = sv.read_real(entry)
    site_of = sv.plants(meta.latitude, meta.longitude, meta.elevation_m, str(frame.index.tz))
    on_measured = decomposed_frames(frame, meta, methods)
    synthetic = {m: sv.synthetic_for(frame, meta, seed, entry[0], decomposition=m)
                 for m in methods}
    frames = [frame, *on_measured.values(), *synthetic.values()]
    sites = [site_of[p] for p in PLANTS for _ in frames]
    energy = sv.monthly_energy(sites, frames * len(PLANTS)).reshape(len(PLANTS),
                                                                    len(frames), 12)
    n = len(methods)
    real_k = daily_clear_sky_index(frame, meta.latitude, meta.longitude, meta.elevation_m)
    syn = synthetic[methods[0]]
    syn_k = daily_clear_sky_index(syn, meta.latitude, meta.longitude, meta.elevation_m)
    real_ghi = frame["ghi"].clip(lower=0).resample("D").sum()
    syn_ghi = syn["ghi"].resample("D").sum()
    daily = pd.DataFrame({"real_k": real_k.to_numpy(), "synthetic_k": syn_k.to_numpy(),
                          "real_ghi": real_ghi.to_numpy()[:len(real_k)],
                          "synthetic_ghi": syn_ghi.to_numpy()[:len(syn_k)],
                          "month": real_k.index.month})
    return {"real": energy[:, 0],
            "measured_ghi": {m: energy[:, 1 + i] for i, m in enumerate(methods)},
            "synthetic": {m: energy[:, 1 + n + i] for i, m in enumerate(methods)},
            "daily": daily}


def _fmt(values) -> str:
    return " ".join(f"{v * 100:+.0f}" for v in values)


def decomposition_table(results: dict) -> str:
    """Table 1: measured GHI decomposed, annual and worst month per file and model."""
    lines = ["| set | file | model | fixed annual | fixed worst month | tracker annual | "
             "tracker worst month | tracker months (Jan..Dec) |", "|---" * 8 + "|"]
    for name, r in results.items():
        real = r["real"]
        for method, energy in r["measured_ghi"].items():
            dev = energy / real - 1.0
            annual = energy.sum(axis=1) / real.sum(axis=1) - 1.0
            lines.append(
                f"| {'fit' if name in FIT_NAMES else 'test'} | {name[:28]} | {method} | "
                f"{annual[0]:+.1%} | {np.abs(dev[0]).max():.1%} | {annual[1]:+.1%} | "
                f"{np.abs(dev[1]).max():.1%} | {_fmt(dev[1])} |")
    return "\n".join(lines)


def ranking(results: dict, which: str = "measured_ghi") -> str:
    """Per set and model: RMS over files of the annual deviation and mean over files of
    the worst month, fixed and tracker [%]."""
    rows = []
    for name, r in results.items():
        for method, energy in r[which].items():
            dev = energy / r["real"] - 1.0
            annual = energy.sum(axis=1) / r["real"].sum(axis=1) - 1.0
            rows.append(("fit" if name in FIT_NAMES else "test", method, *annual,
                         *np.abs(dev).max(axis=1)))
    table = pd.DataFrame(rows, columns=["set", "model", "fixed_annual", "tracker_annual",
                                        "fixed_month", "tracker_month"])
    grouped = table.groupby(["set", "model"])
    out = pd.DataFrame({
        "rms annual fixed": grouped["fixed_annual"].apply(lambda v: np.sqrt((v**2).mean())),
        "rms annual tracker": grouped["tracker_annual"].apply(lambda v: np.sqrt((v**2).mean())),
        "max |annual|": grouped[["fixed_annual", "tracker_annual"]].apply(
            lambda f: f.abs().to_numpy().max()),
        "worst month fixed": grouped["fixed_month"].max(),
        "worst month tracker": grouped["tracker_month"].max(),
    }) * 100
    return out.round(2).to_string()


def daily_table(results: dict, method: str) -> str:
    """Table 2: daily clear-sky index, real against synthetic, in months out of limits."""
    lines = ["| file | month | synthetic / real - 1 (tracker) | index mean real / syn | std "
             "real / syn | p10 real / syn | p50 real / syn | p90 real / syn | max real / syn "
             "| share of GHI from days > 0.7, real / syn |", "|---" * 10 + "|"]
    for name, r in results.items():
        dev = r["synthetic"][method][1] / r["real"][1] - 1.0
        daily = r["daily"]
        for month in np.flatnonzero(np.abs(dev) > sv.MONTHLY_LIMIT) + 1:
            d = daily[daily["month"] == month]
            cells = []
            for stat in ("mean", "std", 0.1, 0.5, 0.9, "max"):
                pair = [getattr(d[c], stat)() if isinstance(stat, str) else d[c].quantile(stat)
                        for c in ("real_k", "synthetic_k")]
                cells.append(f"{pair[0]:.2f} / {pair[1]:.2f}")
            share = [d.loc[d[k] > 0.7, g].sum() / d[g].sum()
                     for k, g in (("real_k", "real_ghi"), ("synthetic_k", "synthetic_ghi"))]
            lines.append(f"| {name[:28]} | {month} | {dev[month - 1]:+.1%} | "
                         + " | ".join(cells) + f" | {share[0]:.2f} / {share[1]:.2f} |")
    return "\n".join(lines)


def split_table(results: dict, names=OVERCAST) -> str:
    """Table 3: a synthetic month's deviation = decomposition part x generator part."""
    lines = ["| file | model | plant | total (syn / real) | decomposition (real GHI decomposed "
             "/ real) | generator (syn / real GHI decomposed) |", "|---|---|---|---|---|---|"]
    for name in names:
        r = results.get(name)
        if r is None:
            continue
        for method in r["synthetic"]:
            for p, plant in enumerate(PLANTS):
                syn, dec, real = (r["synthetic"][method][p], r["measured_ghi"][method][p],
                                  r["real"][p])
                lines.append(f"| {name[:28]} | {method} | {plant} | {_fmt(syn / real - 1)} | "
                             f"{_fmt(dec / real - 1)} | {_fmt(syn / dec - 1)} |")
    return "\n".join(lines)


def choice_study(methods) -> pd.DataFrame:
    """Synthetic years (seeds 0-4) with each model: per file, the largest |annual| and
    the worst month over seeds, by plant [%] (``weather/synthetic_validation.validate``)."""
    rows = [row for entry in sv.FILES for method in methods
            for row in _study_rows(entry, method, method)]
    return pd.DataFrame(rows, columns=STUDY_COLUMNS)


#: Columns of :func:`choice_study` and the candidate study.
STUDY_COLUMNS = ["set", "file", "model", "mounting", "max_abs_annual", "worst_month"]


def _study_rows(entry, method: str, label: str) -> list[tuple]:
    """One file's synthetic years (seeds 0-4) with a decomposition: per plant, the largest
    |annual| and the worst month over seeds [%], labelled fit or test."""
    s = sv.summary(sv.validate(entry, decomposition=method))
    return [("fit" if entry[0] in FIT_NAMES else "test", entry[0][:28], label, mounting,
             s.loc[mounting, "annual"].abs().max() * 100,
             s.loc[mounting, "worst_month"].max() * 100) for mounting in sv.MOUNTINGS]


def choose(table: pd.DataFrame) -> str:
    """The declared rule, on the fit files only: among the models whose synthetic years
    meet the annual limit on every fit file, mounting and seed, the one with the smallest
    worst month over the fit files, ties (within 0.05 point) going to the smaller largest
    annual deviation; if none meets the limit, none is chosen."""
    fit = table[table["set"] == "fit"]
    by_model = fit.groupby("model").agg(annual=("max_abs_annual", "max"),
                                        month=("worst_month", "max"))
    ok = by_model[by_model["annual"] <= sv.ANNUAL_LIMIT * 100]
    if not len(ok):
        return ""
    best = ok[ok["month"] <= ok["month"].min() + 0.05]
    return str(best["annual"].idxmin())


#: Hours counted in the within-day statistics: sun at most this far from the zenith
#: [degrees] and clear-sky GHI above :data:`HOURLY_MIN_CLEAR` [W/m^2].
HOURLY_MAX_ZENITH = 80.0
HOURLY_MIN_CLEAR = 50.0
#: Bins of the daily clear-sky index for the concentration of the hours (days below 0.2
#: and above 0.9 are nearly constant and left out of the statistics).
HOURLY_BINS = (0.2, 0.4, 0.6, 0.8, 0.9)
#: Lag-one correlation of the Gaussian AR(1) series behind the candidate's beta hours:
#: its synthetic years' lag-one statistic of table 4 is then close to the real files'
#: (fit files, median 0.37; the generator's smooth hours give 0.42).
CANDIDATE_HOURLY_AUTOCORRELATION = 0.65


def _hours(frame: pd.DataFrame, meta) -> pd.DataFrame:
    """Daylight hours of a series: day index ``k``, hourly index ``kh``, ``x = kh / top``."""
    solpos = pvlib.solarposition.get_solarposition(
        frame.index, meta.latitude, meta.longitude, meta.elevation_m)
    clear = synthetic._clear_sky(frame.index, solpos, meta.latitude, meta.longitude,
                                 meta.elevation_m)["ghi"].to_numpy()
    table = pd.DataFrame({"ghi": frame["ghi"].clip(lower=0).to_numpy(), "clear": clear,
                          "zenith": solpos["zenith"].to_numpy()},
                         index=frame.index.normalize())
    sums = table.groupby(level=0)[["ghi", "clear"]].sum()
    table["k"] = (sums["ghi"] / sums["clear"]).reindex(table.index).to_numpy()
    hours = table[(table["zenith"] < HOURLY_MAX_ZENITH)
                  & (table["clear"] > HOURLY_MIN_CLEAR)].copy()
    hours["kh"] = hours["ghi"] / hours["clear"]
    hours["x"] = (hours["kh"] / np.maximum(hours["k"], synthetic.CLEAR_DAY_INDEX)).clip(0, 1)
    return hours


def hourly_statistics(frame: pd.DataFrame, meta) -> dict:
    """Within-day statistics of the hourly clear-sky index (table 4).

    ``scale``: median over days (daily index 0.2-0.9, at least four hours) of the standard
    deviation of ``kh / k - 1`` divided by ``k (1 - k)`` (the generator's hourly noise
    has ``HOURLY_SCALE`` there before clipping); ``lag1``: correlation of consecutive
    hours' deviations from their day's index; ``concentration``: per bin of
    :data:`HOURLY_BINS`, median over days of ``mean (1 - mean) / var - 1`` of ``x``.
    """
    hours = _hours(frame, meta)
    by_day = hours.groupby(level=0)
    days = pd.DataFrame({"k": by_day["k"].first(), "n": by_day["kh"].size(),
                         "sd": (hours["kh"] / hours["k"] - 1).groupby(level=0).std(),
                         "mean": by_day["x"].mean(), "var": by_day["x"].var()})
    days = days[(days["n"] >= 4) & (days["k"] > HOURLY_BINS[0]) & (days["k"] < HOURLY_BINS[-1])]
    previous = by_day["kh"].shift(1)
    ok = previous.notna()
    lag1 = np.corrcoef((hours["kh"] - hours["k"])[ok], (previous - hours["k"])[ok])[0, 1]
    days["concentration"] = days["mean"] * (1 - days["mean"]) / days["var"] - 1
    bins = pd.cut(days["k"], HOURLY_BINS)
    return {"scale": float((days["sd"] / (days["k"] * (1 - days["k"]))).median()),
            "lag1": float(lag1),
            "concentration": days.groupby(bins, observed=False)["concentration"].median(),
            "days": days}


def hourly_table(files=sv.FILES, seed: int = 0) -> tuple[str, np.ndarray]:
    """Table 4, and the fit files' pooled median concentration per bin."""
    lines = ["| set | file | scale real / syn | lag-one real / syn | concentration by daily "
             "index " + " ".join(f"{a}-{b}" for a, b in itertools.pairwise(HOURLY_BINS))
             + ", real / syn |", "|---|---|---|---|---|"]
    pooled = []
    for entry in files:
        frame, meta = sv.read_real(entry)
        real = hourly_statistics(frame, meta)
        syn = hourly_statistics(sv.synthetic_for(frame, meta, seed, entry[0]), meta)
        if entry[0] in FIT_NAMES:
            pooled.append(real["days"])
        cells = " ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(real["concentration"],
                                                             syn["concentration"], strict=True))
        lines.append(f"| {'fit' if entry[0] in FIT_NAMES else 'test'} | {entry[0][:28]} | "
                     f"{real['scale']:.2f} / {syn['scale']:.2f} | {real['lag1']:.2f} / "
                     f"{syn['lag1']:.2f} | {cells} |")
    days = pd.concat(pooled)
    median = days.groupby(pd.cut(days["k"], HOURLY_BINS), observed=False)[
        "concentration"].median().to_numpy()
    return "\n".join(lines), median


def _hourly_beta(concentration_by_bin):
    """A replacement of ``synthetic._hourly_ghi``: the hourly index of a day is a beta
    variable between 0 and ``max(k, clear-day index)`` with mean ``k`` and the concentration
    measured on the fit files (interpolated between the bins' centres), drawn through a
    Gaussian copula of an AR(1) series; days of index 0.9 and above stay smooth."""
    from scipy import special

    edges = np.asarray(HOURLY_BINS)
    centres = (edges[1:] + edges[:-1]) / 2

    def hourly_ghi(clear, extra, k_day, rng):
        noise = synthetic._ar1(len(clear), CANDIDATE_HOURLY_AUTOCORRELATION, rng)
        top = np.maximum(k_day, synthetic.CLEAR_DAY_INDEX)
        mean = np.clip(k_day / top, 0.01, 0.99)
        concentration = np.where(k_day >= edges[-1], 1000.0,
                                 np.interp(k_day, centres, concentration_by_bin))
        x = special.betaincinv(mean * concentration, (1 - mean) * concentration,
                               special.ndtr(noise))
        return np.minimum(clear * top * x, extra)
    return hourly_ghi


def _quadratic_concentration(coefficients):
    """A replacement of ``synthetic.daily_index_concentration``: ``exp(q0 + q1 m + q2 m^2)``,
    held at the ends of the fitted range like the generator's."""
    q0, q1, q2 = coefficients

    def concentration(mean_relative_index):
        m = np.clip(np.asarray(mean_relative_index, dtype=float),
                    *synthetic.DAILY_INDEX_FIT_RANGE)
        return np.exp(q0 + q1 * m + q2 * m * m)
    return concentration


def _blend(other: str):
    """DIRINDEX in bright months blended into ``other`` in dark ones, as the generator's
    "dirindex_disc" (:data:`synthetic.DIRINDEX_MONTH_INDEX_RANGE`)."""
    def dni(ghi, zenith, times, clear_sky, pressure):
        low, high = synthetic.DIRINDEX_MONTH_INDEX_RANGE
        index = synthetic.month_clear_sky_index(ghi, times, clear_sky["ghi"])
        weight = np.clip((index - low) / (high - low), 0.0, 1.0)
        bright, dark = (np.nan_to_num(np.asarray(DECOMPOSITIONS[m](
            ghi, zenith, times, clear_sky, pressure), dtype=float)) for m in ("dirindex", other))
        return weight * bright + (1.0 - weight) * dark
    return dni


#: Candidates of ``--candidates``: (daily concentration, hours, decomposition).
CANDIDATES = {
    "generator now": ("linear", "smooth", "dirindex_disc"),
    "quadratic days": ("quadratic", "smooth", "dirindex_disc"),
    "DIRINDEX/DIRINT blend": ("linear", "smooth", "dirindex_dirint"),
    "DIRINDEX/Erbs blend": ("linear", "smooth", "dirindex_erbs"),
    "beta hours": ("linear", "beta", "dirindex_disc"),
    "quadratic days, beta hours": ("quadratic", "beta", "dirindex_disc"),
    "quadratic days, beta hours, DIRINDEX/DIRINT": ("quadratic", "beta", "dirindex_dirint"),
    "quadratic days, beta hours, DIRINDEX/Erbs": ("quadratic", "beta", "dirindex_erbs"),
    "quadratic days, beta hours, DIRINDEX/Orgill-Hollands": ("quadratic", "beta",
                                                              "dirindex_orgill_hollands"),
    "quadratic days, beta hours, DIRINDEX/Louche": ("quadratic", "beta", "dirindex_louche"),
    "quadratic days, beta hours, DISC": ("quadratic", "beta", "disc"),
    "quadratic days, beta hours, DIRINT": ("quadratic", "beta", "dirint"),
}


def candidate_study(candidates=CANDIDATES) -> pd.DataFrame:
    """Every candidate on every file, seeds 0-4: the table :func:`choose` reads. The
    quadratic and the hourly concentration are measured on the fit files here."""
    quadratic = sv.fit_constants()["concentration_log_quadratic"]
    _, hourly = hourly_table(sv.FIT)
    blends = {f"dirindex_{m}": _blend(m)
              for m in ("dirint", "erbs", "orgill_hollands", "louche")}
    rows = []
    for name, (days, hours, method) in candidates.items():
        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.dict(DECOMPOSITIONS, blends))
            if days == "quadratic":
                stack.enter_context(mock.patch.object(
                    synthetic, "daily_index_concentration", _quadratic_concentration(quadratic)))
            if hours == "beta":
                stack.enter_context(mock.patch.object(synthetic, "_hourly_ghi",
                                                      _hourly_beta(hourly)))
            for entry in sv.FILES:
                rows += _study_rows(entry, method, name)
    return pd.DataFrame(rows, columns=STUDY_COLUMNS)


def main(argv: list[str]) -> None:
    if "--hourly" in argv:
        table, pooled = hourly_table()
        print(table)
        print("fit files, pooled median concentration by bin:", np.round(pooled, 1))
        return
    if "--candidates" in argv:
        table = candidate_study()
        pd.set_option("display.width", 250)
        print(table.groupby(["set", "model"], sort=False).agg(
            annual=("max_abs_annual", "max"), month=("worst_month", "max")).round(1)
            .unstack(0).to_string())
        worst = table.loc[table.groupby(["set", "model"], sort=False)["worst_month"].idxmax()]
        print(worst.round(1).to_string())
        print("chosen on the fit files:", choose(table) or "none meets the annual limit")
        return
    if "--choose" in argv:
        methods = tuple(m for m in argv if m in DECOMPOSITIONS) or tuple(DECOMPOSITIONS)
        table = choice_study(methods)
        pd.set_option("display.width", 200)
        print(table.pivot_table(index=["set", "file", "mounting"], columns="model",
                                values=["max_abs_annual", "worst_month"]).round(1).to_string())
        print(table.groupby(["set", "model"]).agg(
            annual=("max_abs_annual", "max"), month=("worst_month", "max")).round(1).to_string())
        print("chosen on the fit files:", choose(table) or "none meets the annual limit")
        return
    # models named on the command line, in that order (the first one for table 2)
    methods = tuple(m for m in argv if m in DECOMPOSITIONS) or tuple(DECOMPOSITIONS)
    results = {entry[0]: study(entry, methods) for entry in sv.FILES}
    print("## 1. Measured GHI decomposed (energy against the file's own DNI/DHI)\n")
    print(decomposition_table(results))
    print("\nRMS of annual deviation and largest worst month over files [%]:\n")
    print(ranking(results, "measured_ghi"))
    print("\nSame for synthetic years (seed 0) with each model:\n")
    print(ranking(results, "synthetic"))
    print(f"\n## 2. Daily clear-sky index in months out of limits ({methods[0]}, seed 0)\n")
    print(daily_table(results, methods[0]))
    print("\n## 3. Overcast files: deviation split, months Jan..Dec [%]\n")
    print(split_table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
