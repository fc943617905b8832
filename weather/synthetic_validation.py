"""Validate the synthetic-year generator on real hourly files, in and out of sample.

Each real file is reduced to monthly means (GHI, temperature, daily temperature range,
wind), years are synthesised from them (seeds 0-4), and three 1 MWp plants are run through
the compiled engine (:func:`pvyield.model.engine.run_sites`, one call per file) on the real
year and on every synthetic year:

- ``fixed``: tilted at the latitude (rounded), facing the equator;
- ``tracker``: horizontal single-axis tracker, north-south axis, backtracking, GCR 0.35;
- ``east_west``: fixed, half at 10 degrees facing east, half at 10 degrees facing west.

DC/AC ratio 1.25, soiling, mismatch, wiring, LID, AC losses and unavailability set to zero
so that the comparison is about the weather. Deviation = synthetic / real - 1 of AC energy.

Files are split in two (``weather/README.md``):

- :data:`FIT` (the six California TMY3 files of ``weather/`` and the Seattle and Buffalo
  TMY3 files of ``tests/data/synthetic_fit/``): the only files used to choose the
  decomposition and to measure the generator's constants;
- :data:`TEST` (pvlib's bundled Miami TMY2, Greensboro and Sand Point TMY3 files, and the
  two Chilean files of ``weather/``): never used to choose or fit anything.

Run from the repository root: ``python weather/synthetic_validation.py`` prints the
Markdown tables of ``weather/README.md`` and writes the per-mounting spread that the
synthetic-weather uncertainty item reads
(``pvyield/weather/synthetic_spread.json``); ``--decomposition`` prints the comparison of
decomposition models on the measured GHI of every file, ``--decomposition-months`` the
monthly energy on each file's measured GHI decomposed (generator's model and DIRINDEX alone),
``--fit`` the generator's constants measured on the fit files. The monthly split of the
overcast files and the rule that chose the generator's decomposition are in
``weather/decomposition_diagnosis.py``.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from pvyield.model.engine import run_sites
from pvyield.site import site_from_mapping
from pvyield.weather.frame import (
    WeatherMeta,
    finish_frame,
    fixed_offset_zone,
    time_step_minutes,
)
from pvyield.weather.readers import read_weather_file
from pvyield.weather.synthetic import (
    DECOMPOSITION,
    DECOMPOSITIONS,
    SPREAD_FILE,
    daily_clear_sky_index,
    decompose,
    monthly_means,
    synthetic_year,
)

HERE = Path(__file__).resolve().parent
#: Overcast-climate fit files, gzip-compressed (provenance in their README).
FIT_DATA = HERE.parent / "tests" / "data" / "synthetic_fit"
PVLIB_DATA = Path(pvlib.__file__).resolve().parent / "data"
#: Files used to choose the decomposition and measure the generator's constants:
#: (name, path, interval label or None for the format's own).
FIT: list[tuple[str, Path, str | None]] = [
    (p.name, p, None) for p in sorted(HERE.glob("CA-*.tmy3"))
] + [(p.name.removesuffix(".gz"), p, None) for p in sorted(FIT_DATA.glob("*.tmy3.gz"))]
#: Files never used to choose or fit anything.
TEST: list[tuple[str, Path, str | None]] = [
    ("pvlib 12839.tm2 (Miami, FL, TMY2)", PVLIB_DATA / "12839.tm2", "tmy2"),
    ("pvlib 723170TYA.CSV (Greensboro, NC, TMY3)", PVLIB_DATA / "723170TYA.CSV", None),
    ("pvlib 703165TY.csv (Sand Point, AK, TMY3)", PVLIB_DATA / "703165TY.csv", None),
    ("CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv",
     HERE / "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv", "center"),
    ("CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv",
     HERE / "CHL_NSRDB_PSM3_TMY_-20.63_-69.90_922m_UTC.csv", None),
]
FILES = FIT + TEST
SEEDS = (0, 1, 2, 3, 4)
MOUNTINGS = ("fixed", "tracker", "east_west")
#: Limits of the validation: annual energy and every month.
ANNUAL_LIMIT = 0.03
MONTHLY_LIMIT = 0.08


def read_real(entry: tuple[str, Path, str | None]):
    """Read one real hourly file into the weather contract (frame, meta)."""
    name, path, label = entry
    if label == "tmy2":
        return _read_tmy2(path)
    if path.suffix == ".gz":
        with tempfile.TemporaryDirectory() as folder:
            plain = Path(folder) / name
            with gzip.open(path, "rb") as packed, open(plain, "wb") as out:
                shutil.copyfileobj(packed, out)
            return read_weather_file(plain, "auto", label)
    return read_weather_file(path, "auto", label)


def _read_tmy2(path: Path):
    """pvlib's TMY2 reader; its stamps mark the start of each hour of local standard time.

    (Checked: with that reading the clear-sky time-shift detector,
    :func:`pvyield.weather.qc.time_shift_minutes`, finds -1 minute on pvlib's Miami file.)

    TMY2 stores temperature and wind speed in tenths (NREL 1995, *User's manual for TMY2s*,
    NREL/SP-463-7668) and pressure in mbar.
    """
    data, meta = pvlib.iotools.read_tmy2(str(path))
    frame = pd.DataFrame({
        "ghi": data["GHI"], "dni": data["DNI"], "dhi": data["DHI"],
        "temp_air": data["DryBulb"] / 10.0, "wind_speed": data["Wspd"] / 10.0,
        "pressure": data["Pressure"] * 100.0,
    }, index=data.index.tz_convert(fixed_offset_zone(float(meta["TZ"]), str(path))))
    frame, _ = finish_frame(frame.astype(float), "start", str(path), typical=True)
    return frame, WeatherMeta(
        format="tmy2", source=f"NREL TMY2 {meta['WBAN']} {meta['City']}",
        latitude=float(meta["latitude"]), longitude=float(meta["longitude"]),
        elevation_m=float(meta["altitude"]),
        time_step_minutes=time_step_minutes(frame.index), typical_year=True)


def plants(latitude: float, longitude: float, elevation_m: float, timezone: str) -> dict:
    """The three 1 MWp validation plants at a place, by mounting."""
    mountings = {
        "fixed": {"type": "fixed", "orientations": [{
            "tilt_deg": round(abs(latitude)),
            "azimuth_deg": 180.0 if latitude >= 0 else 0.0}]},
        "tracker": {"type": "single_axis", "gcr": 0.35, "backtrack": True,
                    "max_angle_deg": 60.0},
        "east_west": {"type": "fixed", "orientations": [
            {"tilt_deg": 10.0, "azimuth_deg": 90.0, "share": 0.5},
            {"tilt_deg": 10.0, "azimuth_deg": 270.0, "share": 0.5}]},
    }
    return {
        name: site_from_mapping({
            "name": f"synthetic-year validation plant ({name})", "country": "XX",
            "latitude": latitude, "longitude": longitude, "elevation_m": elevation_m,
            "timezone": timezone,
            "plant": {"dc_capacity_mwp": 1.0, "ac_capacity_mwac": 0.8, "mounting": mount},
            "losses": {"soiling_pct": 0.0, "mismatch_pct": 0.0, "dc_wiring_pct": 0.0,
                       "lid_pct": 0.0, "ac_losses_pct": 0.0, "availability_pct": 100.0},
            "weather": {"file": "unused"},
        })
        for name, mount in mountings.items()
    }


def synthetic_for(frame: pd.DataFrame, meta, seed: int, source: str,
                  diffuse: bool = False, **options) -> pd.DataFrame:
    """The synthetic year built from the monthly means of a real frame; with ``diffuse``,
    from its monthly mean diffuse irradiation too."""
    means = monthly_means(frame)
    synthetic, _ = synthetic_year(
        meta.latitude, meta.longitude, meta.elevation_m, str(frame.index.tz),
        means["ghi_kwh_m2_day"], means["temp_air_c"], means["temp_range_c"],
        means["wind_speed_m_s"], seed=seed, source=source,
        dhi_kwh_m2_day=means["dhi_kwh_m2_day"] if diffuse else None, **options)
    # the same instants in the real frame's zone object, so that the engine runs both at once
    synthetic.index = synthetic.index.tz_convert(frame.index.tz)
    return synthetic


def monthly_energy(sites: list, frames: list[pd.DataFrame]) -> np.ndarray:
    """AC energy per site and month [kWh], shape (site, 12), in one engine call.

    Sites whose frames share time stamps are computed together; the months are those of
    each frame's own (local standard) time.
    """
    out = np.zeros((len(sites), 12))
    groups: dict[bytes, list[int]] = {}
    for i, frame in enumerate(frames):
        key = str(frame.index.tz).encode() + frame.index.as_unit("ns").asi8.tobytes()
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        ds = run_sites([sites[i] for i in members], [frames[i] for i in members],
                       timeseries=True)
        month = frames[members[0]].index.month.to_numpy() - 1
        p_ac = ds["p_ac"].to_numpy()  # (time, site) [W]
        for k, i in enumerate(members):
            out[i] = np.bincount(month, weights=p_ac[:, k], minlength=12) / 1000.0
    return out


def validate(entry, seeds=SEEDS, diffuse: bool = False, **options) -> pd.DataFrame:
    """Monthly AC energy of every plant on the real and the synthetic years (``diffuse``:
    synthetic years given the file's monthly mean diffuse irradiation too).

    Returns
    -------
    DataFrame
        Index (mounting, seed, month 1-12); columns ``real_kwh``, ``synthetic_kwh``,
        ``deviation`` (synthetic / real - 1).
    """
    frame, meta = read_real(entry)
    site_of = plants(meta.latitude, meta.longitude, meta.elevation_m, str(frame.index.tz))
    synthetic = [synthetic_for(frame, meta, seed, entry[0], diffuse, **options)
                 for seed in seeds]
    sites, frames = [], []
    for mounting in MOUNTINGS:
        sites += [site_of[mounting]] * (1 + len(seeds))
        frames += [frame, *synthetic]
    energy = monthly_energy(sites, frames).reshape(len(MOUNTINGS), 1 + len(seeds), 12)
    rows = []
    for m, mounting in enumerate(MOUNTINGS):
        for s, seed in enumerate(seeds):
            for month in range(12):
                rows.append((mounting, seed, month + 1, energy[m, 0, month],
                             energy[m, s + 1, month]))
    table = pd.DataFrame(rows, columns=["mounting", "seed", "month", "real_kwh",
                                        "synthetic_kwh"]).set_index(
        ["mounting", "seed", "month"]).sort_index()
    table["deviation"] = table["synthetic_kwh"] / table["real_kwh"] - 1.0
    return table


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per mounting and seed: annual deviation and the worst month's deviation."""
    sums = table.groupby(level=["mounting", "seed"])[["real_kwh", "synthetic_kwh"]].sum()
    worst = table["deviation"].abs().groupby(level=["mounting", "seed"]).max()
    return pd.DataFrame({"annual": sums["synthetic_kwh"] / sums["real_kwh"] - 1.0,
                         "worst_month": worst})


def spread(results: dict[str, pd.DataFrame]) -> dict:
    """RMS of the annual deviation over files and seeds, per mounting [% of energy]."""
    annual = pd.concat({name: summary(t)["annual"] for name, t in results.items()})
    by_mounting = annual.groupby(level="mounting")
    return {
        "rms_annual_deviation_pct": {m: round(float(np.sqrt((v**2).mean()) * 100), 2)
                                     for m, v in by_mounting},
        "max_abs_annual_deviation_pct": {m: round(float(v.abs().max() * 100), 2)
                                         for m, v in by_mounting},
        "files": list(results), "seeds": list(SEEDS),
        "source": "weather/synthetic_validation.py: synthetic / real - 1 of the AC energy of "
                  "1 MWp plants on real hourly files (fit and test sets), seeds 0-4",
    }


def markdown(results: dict[str, pd.DataFrame]) -> str:
    """The validation table of weather/README.md (seed 0 months, seeds 0-4 range)."""
    fit_names = {name for name, _, _ in FIT}
    lines = ["| set | file | mounting | annual, seed 0 | annual, seeds 0-4 | worst month, "
             "seeds 0-4 | months, seed 0 (Jan..Dec) |", "|---|---|---|---|---|---|---|"]
    for name, table in results.items():
        s = summary(table)
        for mounting in MOUNTINGS:
            a = s.loc[mounting]
            months = " ".join(f"{d * 100:+.0f}" for d in table.loc[(mounting, 0), "deviation"])
            lines.append(f"| {'fit' if name in fit_names else 'test'} | {name[:34]} | "
                         f"{mounting} | {a['annual'].iloc[0]:+.1%} | "
                         f"{a['annual'].min():+.1%} .. {a['annual'].max():+.1%} | "
                         f"{a['worst_month'].max():.1%} | {months} |")
    return "\n".join(lines)


def decomposition_on_measured_ghi(entry) -> pd.DataFrame:
    """Every decomposition applied to a file's measured GHI, against its measured DNI/DHI.

    Returns
    -------
    DataFrame
        One row per method: annual DNI and DHI relative to the measured ones, and the AC
        energy of each plant relative to its energy on the measured GHI/DNI/DHI (all -1).
    """
    frame, meta = read_real(entry)
    solpos = pvlib.solarposition.get_solarposition(
        frame.index, meta.latitude, meta.longitude, meta.elevation_m)
    location = pvlib.location.Location(meta.latitude, meta.longitude,
                                       altitude=meta.elevation_m)
    clear_sky = location.get_clearsky(frame.index, model="ineichen", solar_position=solpos)
    ghi = frame["ghi"].clip(lower=0).to_numpy()
    frames = {"measured": frame}
    for method in DECOMPOSITIONS:
        dni, dhi = decompose(ghi, frame.index, solpos["zenith"].to_numpy(), clear_sky,
                             meta.elevation_m, method, longitude=meta.longitude)
        frames[method] = frame.assign(dni=dni, dhi=dhi)
    site_of = plants(meta.latitude, meta.longitude, meta.elevation_m, str(frame.index.tz))
    sites = [site_of[m] for m in MOUNTINGS for _ in frames]
    energy = run_sites(sites, [f for _ in MOUNTINGS for f in frames.values()])
    energy = energy["annual_energy"].to_numpy().reshape(len(MOUNTINGS), len(frames))
    table = pd.DataFrame({
        "dni": [f["dni"].sum() for f in frames.values()],
        "dhi": [f["dhi"].sum() for f in frames.values()],
        **{m: energy[k] for k, m in enumerate(MOUNTINGS)}}, index=list(frames))
    return (table / table.loc["measured"] - 1.0).drop(index="measured")


def decomposition_months(entry, method: str = DECOMPOSITION) -> pd.DataFrame:
    """Monthly AC energy on the measured GHI decomposed by ``method``, against the file.

    The part of a synthetic month's deviation that the decomposition alone causes: the
    real hours, with only DNI and DHI replaced. Returns mounting x month (1-12), -1.
    """
    frame, meta = read_real(entry)
    solpos = pvlib.solarposition.get_solarposition(
        frame.index, meta.latitude, meta.longitude, meta.elevation_m)
    location = pvlib.location.Location(meta.latitude, meta.longitude,
                                       altitude=meta.elevation_m)
    clear_sky = location.get_clearsky(frame.index, model="ineichen", solar_position=solpos)
    dni, dhi = decompose(frame["ghi"].clip(lower=0).to_numpy(), frame.index,
                         solpos["zenith"].to_numpy(), clear_sky, meta.elevation_m, method,
                         longitude=meta.longitude)
    site_of = plants(meta.latitude, meta.longitude, meta.elevation_m, str(frame.index.tz))
    sites = [site_of[m] for m in MOUNTINGS for _ in range(2)]
    energy = monthly_energy(sites, [frame, frame.assign(dni=dni, dhi=dhi)] * len(MOUNTINGS))
    energy = energy.reshape(len(MOUNTINGS), 2, 12)
    return pd.DataFrame(energy[:, 1] / energy[:, 0] - 1.0, index=list(MOUNTINGS),
                        columns=range(1, 13))


def decomposition_study(files=FILES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RMS over files of every decomposition's deviations, fit and test sets apart [%].

    Returns the table on the measured GHI (:func:`decomposition_on_measured_ghi`) and the
    table of the synthetic years built with each decomposition (seeds 0-4).
    """
    fit_names = {name for name, _, _ in FIT}
    measured, synthetic = {}, {}
    for entry in files:
        measured[entry[0]] = decomposition_on_measured_ghi(entry)
        synthetic[entry[0]] = pd.concat({
            method: summary(validate(entry, decomposition=method))["annual"].unstack(0)
            for method in DECOMPOSITIONS}, names=["method"])

    def rms(tables: dict) -> pd.DataFrame:
        frame = pd.concat(tables, names=["file"])
        sets = np.where(frame.index.get_level_values("file").isin(fit_names), "fit", "test")
        squared = (frame * 100) ** 2
        return np.sqrt(squared.groupby([sets, frame.index.get_level_values(1)]).mean())
    return rms(measured), rms(synthetic)


def fit_constants(files=FIT) -> dict:
    """Measure the generator's daily-index constants on the fit files only.

    For every month of every file, the daily ratio of measured to clear-sky irradiation
    (:func:`pvyield.weather.synthetic.daily_clear_sky_index`): the clear-day index is the
    median of the monthly maxima; the margin is the median of (maximum - mean) over settled
    months (standard deviation below 0.06); the floor ratio is the median of minimum / mean
    over variable months (standard deviation above 0.15); the concentration of the beta
    distribution of the index between the floor and the clear-day index is fitted as
    ``exp(c0 + c1 m)`` (least squares on the logarithm of the method-of-moments
    concentrations), over the range of ``m`` seen; ``concentration_log_quadratic`` is the
    same fit with a quadratic ``exp(q0 + q1 m + q2 m^2)``, a candidate that was not kept.
    """
    stats = []
    for entry in files:
        frame, meta = read_real(entry)
        k = daily_clear_sky_index(frame, meta.latitude, meta.longitude, meta.elevation_m)
        by_month = k.groupby(k.index.month)
        stats.append(pd.DataFrame({"max": by_month.max(), "min": by_month.min(),
                                   "mean": by_month.mean(), "std": by_month.std()}))
    months = pd.concat(stats)
    clear_day = float(months["max"].median())
    settled = months[months["std"] < 0.06]
    margin = float((settled["max"] - settled["mean"]).median())
    variable = months[months["std"] > 0.15]
    floor_ratio = float((variable["min"] / variable["mean"]).median())
    # the fit uses the constants as kept (rounded), like the generator
    top = np.maximum(round(clear_day, 2), months["mean"] + round(margin, 2))
    low = round(floor_ratio, 2) * months["mean"]
    m = ((months["mean"] - low) / (top - low)).clip(0.02, 0.98)
    concentration = m * (1 - m) / (months["std"] / (top - low)) ** 2 - 1
    ok = concentration > 0
    c1, c0 = np.polyfit(m[ok], np.log(concentration[ok]), 1)
    # the quadratic form compared in weather/decomposition_diagnosis.py --candidates
    q2, q1, q0 = np.polyfit(m[ok], np.log(concentration[ok]), 2)
    return {"months": len(months), "clear_day_index": round(clear_day, 3),
            "concentration_log_quadratic": tuple(round(float(v), 2) for v in (q0, q1, q2)),
            "settled_months": len(settled), "clear_day_margin": round(margin, 3),
            "variable_months": len(variable), "floor_ratio": round(floor_ratio, 3),
            "concentration_log": (round(float(c0), 2), round(float(c1), 2)),
            "relative_mean_range": (round(float(m.min()), 2), round(float(m.max()), 2))}


def main(argv: list[str]) -> None:
    if "--fit" in argv:
        print(fit_constants())
        return
    if "--decomposition" in argv:
        measured, synthetic = decomposition_study()
        pd.set_option("display.width", 200)
        print("RMS over files [%], measured GHI decomposed, against the measured DNI/DHI "
              "and the plants' energy on them:")
        print(measured.round(2).to_string())
        print("RMS over files and seeds 0-4 [%] of the annual energy of synthetic years "
              "against the real year, by decomposition:")
        print(synthetic.round(2).to_string())
        return
    if "--decomposition-months" in argv:
        for entry in FILES:
            for method in (DECOMPOSITION, "dirindex"):
                table = decomposition_months(entry, method)
                for mounting, row in table.iterrows():
                    print(f"| {entry[0][:34]} | {method} | {mounting} | "
                          + " ".join(f"{d * 100:+.0f}" for d in row) + " |")
        return
    results = {entry[0]: validate(entry) for entry in FILES}
    print(markdown(results))
    numbers = spread(results)
    with_diffuse = {entry[0]: validate(entry, diffuse=True) for entry in FILES}
    print("\nWith the monthly mean diffuse irradiation given (--diffuse tables):")
    print(markdown(with_diffuse))
    numbers["with_monthly_diffuse"] = {
        key: value for key, value in spread(with_diffuse).items()
        if key.endswith("_pct")}
    print(json.dumps(numbers, indent=1))
    if "--write" in argv:
        SPREAD_FILE.write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
