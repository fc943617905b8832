"""Monthly climatologies: the LABREN solar atlas of Brazil, INMET daily station files and
the global MERRA-2 cells of gsee-climate-data.

These give the monthly means from which :func:`pvyield.weather.synthetic.synthetic_year`
builds an hourly year where no hourly series exists.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pvyield.data import bundled
from pvyield.errors import WeatherError
from pvyield.weather.frame import haversine_km

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

#: LABREN's numeric STATE column follows the alphabetical order of the two-letter codes
#: (checked on the table: 62 seats coded 3 = AM with Manaus, 853 coded 11 = MG, 184 coded
#: 16 = PE with Recife and Petrolina, 496 coded 23 = RS). One row, Porto Alegre, carries
#: code 20 (RN) in the table itself.
BRAZIL_STATES = ["AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT",
                 "PA", "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP",
                 "TO"]


def read_labren(path: str | Path) -> pd.DataFrame:
    """Read the LABREN municipal-seat table of monthly mean daily GHI.

    Returns
    -------
    DataFrame
        One row per municipal seat: ``name``, ``state`` (two-letter code), ``latitude``,
        ``longitude`` [degrees] and ``JAN``..``DEC``, ``ANNUAL`` [kWh/m^2/day].

    References
    ----------
    .. [1] Pereira, E.B. et al. (2017). Atlas Brasileiro de Energia Solar, 2nd ed.
       INPE, São José dos Campos. doi:10.34024/978851700089
    """
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise WeatherError(f"{path}: cannot read LABREN table ({exc})") from None
    needed = ["LON", "LAT", "NAME", "STATE", "ANNUAL", *MONTHS]
    missing = [c for c in needed if c not in raw]
    if missing:
        raise WeatherError(f"{path}: line 1: missing LABREN column(s) {missing}")
    table = pd.DataFrame(
        {
            "name": raw["NAME"],
            "state": [BRAZIL_STATES[int(code) - 1] for code in raw["STATE"]],
            "latitude": raw["LAT"],
            "longitude": raw["LON"],
        }
    )
    for column in [*MONTHS, "ANNUAL"]:
        table[column] = raw[column] / 1000.0  # Wh -> kWh per m^2 per day
    return table


@dataclasses.dataclass(frozen=True)
class _LabrenIndex:
    """A parsed LABREN table with what the look-ups need, built once per file version.

    ``table`` is shared between callers: read it, never modify it.
    """

    table: pd.DataFrame
    latitude: np.ndarray
    longitude: np.ndarray
    folded_names: pd.Series
    unit_vectors: np.ndarray
    monthly: np.ndarray
    names: list
    states: list

    @functools.cached_property
    def tree(self):
        """KD-tree of the seats as unit vectors (chord distance is monotonic in the
        great-circle distance, so its nearest neighbours are the nearest seats)."""
        from scipy.spatial import cKDTree

        return cKDTree(self.unit_vectors)


def _unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(latitude), np.radians(longitude)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _labren_index(path: str | Path) -> _LabrenIndex:
    """The LABREN table of ``path``, read once per process and file version.

    Screening runs look up thousands of sites; parsing the 5,569-row table for each took
    most of a look-up. The cache key includes the file's modification time and size, so a
    file changed on disk is read again.
    """
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise WeatherError(f"{path}: cannot read LABREN table ({exc})") from None
    return _labren_index_cached(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _labren_index_cached(path: str, mtime_ns: int, size: int) -> _LabrenIndex:
    table = read_labren(path)
    latitude = table["latitude"].to_numpy(dtype=float)
    longitude = table["longitude"].to_numpy(dtype=float)
    monthly = table[MONTHS].to_numpy(dtype=float)
    for array in (latitude, longitude, monthly):
        array.flags.writeable = False
    return _LabrenIndex(table=table, latitude=latitude, longitude=longitude,
                        folded_names=table["name"].map(_fold),
                        unit_vectors=_unit_vectors(latitude, longitude), monthly=monthly,
                        names=table["name"].tolist(), states=table["state"].tolist())


def labren_monthly_ghi(path: str | Path, name: str, state: str) -> np.ndarray:
    """Monthly mean daily GHI of one municipal seat [kWh/m^2/day], January..December."""
    table = _labren_index(path).table
    row = table[(table["name"] == name) & (table["state"] == state)]
    if len(row) != 1:
        raise WeatherError(f"{path}: no single LABREN row for {name!r}, {state}")
    return row[MONTHS].to_numpy(dtype=float)[0]


def read_inmet_daily(path: str | Path) -> pd.DataFrame:
    """Read an INMET automatic-station daily file (``;``-separated, decimal comma).

    Returns
    -------
    DataFrame
        Indexed by date, columns ``temp_air`` (daily mean), ``temp_max``, ``temp_min`` [°C]
        and ``wind_speed`` [m/s]; missing values are NaN.
    """
    try:
        raw = pd.read_csv(path, sep=";", decimal=",", na_values=["null"], index_col=0,
                          parse_dates=True)
    except (OSError, pd.errors.ParserError, ValueError) as exc:
        raise WeatherError(f"{path}: cannot read INMET daily file ({exc})") from None
    wanted = {
        "TEMPERATURA MEDIA, DIARIA": "temp_air",
        "TEMPERATURA MAXIMA, DIARIA": "temp_max",
        "TEMPERATURA MINIMA, DIARIA": "temp_min",
        "VENTO, VELOCIDADE MEDIA DIARIA": "wind_speed",
    }
    columns = {}
    for prefix, name in wanted.items():
        match = [c for c in raw.columns if c.startswith(prefix)]
        if not match:
            raise WeatherError(f"{path}: line 1: no column starting with {prefix!r}")
        columns[name] = pd.to_numeric(raw[match[0]], errors="coerce")
    return pd.DataFrame(columns, index=raw.index)


def inmet_monthly_means(daily: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Monthly means of daily INMET values between two dates (inclusive).

    Returns
    -------
    DataFrame
        Twelve rows (months 1..12): ``temp_air`` [°C], ``temp_range`` (mean Tmax - Tmin)
        [°C], ``wind_speed`` [m/s] and ``days`` (days with a mean temperature).
    """
    period = daily.loc[start:end]
    month = period.index.month
    out = pd.DataFrame(
        {
            "temp_air": period["temp_air"].groupby(month).mean(),
            "temp_range": (period["temp_max"] - period["temp_min"]).groupby(month).mean(),
            "wind_speed": period["wind_speed"].groupby(month).mean(),
            "days": period["temp_air"].groupby(month).count(),
        }
    )
    if len(out) != 12 or out.isna().any().any():
        raise WeatherError(f"INMET data {start}..{end} do not cover all twelve months")
    return out


#: The bundled LABREN table (package data, provenance in ``pvyield/data/README.md``).
LABREN_PATH = bundled("LABREN2017_global_horizontal_means_sedes-munic.csv")
#: The bundled extract of gsee-climate-data, used when that package is not installed.
MERRA2_EXTRACT_PATH = bundled("MERRA2_gsee-climate-data_monthly_GHI_kWh_m2_day_cells.csv")
#: Past this distance from the nearest municipal seat, LABREN is not used for a point.
LABREN_MAX_DISTANCE_KM = 100.0
#: Known bias of the MERRA-2 monthly GHI of gsee-climate-data, measured on the bundled data
#: (``weather/README.md``): median +12.5 % against LABREN over the 5,569 Brazilian seats
#: with a MERRA-2 cell (10-90 %: +4.5 to +25 %); +2 to +12 % against the six California
#: TMY3 files; +1 to +7 % against the two Chilean files.
MERRA2_BIAS_NOTE = ("MERRA-2 (gsee-climate-data, 3 deg cells, 2011-2015) reads high: "
                    "median +12.5 % against LABREN in Brazil (10-90 %: +4.5 to +25 %), "
                    "+2 to +12 % against NREL TMY3 in California; use it for variability, "
                    "not for levels")


@dataclasses.dataclass(frozen=True)
class MonthlyGhi:
    """Monthly mean daily GHI of a climatology at one place.

    Attributes
    ----------
    ghi_kwh_m2_day : ndarray
        Twelve values, January..December [kWh/m^2/day].
    source : str
        Data set and place (municipality or grid cell).
    latitude, longitude : float
        Where the values apply [degrees].
    distance_km : float
        From the requested point [km].
    licence : str
        Citation.
    warning : str
        Known bias or limitation, '' when none.
    """

    ghi_kwh_m2_day: np.ndarray
    source: str
    latitude: float
    longitude: float
    distance_km: float
    licence: str
    warning: str = ""


LABREN_LICENCE = ("LABREN / INPE, Atlas Brasileiro de Energia Solar, 2nd ed. "
                  "(Pereira et al. 2017), doi:10.34024/978851700089")


def labren_nearest(latitude: float, longitude: float,
                   path: str | Path = LABREN_PATH) -> MonthlyGhi:
    """LABREN monthly GHI of the municipal seat nearest to a point.

    Raises
    ------
    WeatherError
        When the nearest seat is farther than :data:`LABREN_MAX_DISTANCE_KM` (the point is
        not in Brazil).
    """
    found = labren_nearest_many([latitude], [longitude], path)[0]
    if isinstance(found, WeatherError):
        raise found
    return found


#: Seats taken from the KD-tree before the exact great-circle ranking.
_NEAREST_CANDIDATES = 8


def labren_nearest_many(latitudes: Sequence[float], longitudes: Sequence[float],
                        path: str | Path = LABREN_PATH) -> list[MonthlyGhi | WeatherError]:
    """:func:`labren_nearest` for many points at once, one entry per point.

    The table is read once per process; the nearest seats by chord distance between unit
    vectors come from a KD-tree, and the nearest among them by the great-circle distance
    of :func:`pvyield.weather.frame.haversine_km` (the ranking :func:`labren_nearest` has
    always used, ties to the first row of the table).

    Returns
    -------
    list
        Per point, its :class:`MonthlyGhi` or the :class:`WeatherError`
        :func:`labren_nearest` raises for it (nearest seat farther than
        :data:`LABREN_MAX_DISTANCE_KM`).
    """
    index = _labren_index(path)
    latitudes, longitudes = list(latitudes), list(longitudes)
    lat = np.asarray(latitudes, dtype=float).reshape(-1)
    lon = np.asarray(longitudes, dtype=float).reshape(-1)
    if lat.size == 0:
        return []
    k = min(_NEAREST_CANDIDATES, len(index.latitude))
    _, candidates = index.tree.query(_unit_vectors(lat, lon), k=k)
    candidates = np.sort(np.asarray(candidates).reshape(len(lat), k), axis=1)
    distance = haversine_km(lat[:, None], lon[:, None], index.latitude[candidates],
                            index.longitude[candidates])
    best = np.argmin(distance, axis=1)  # first of equals: the lowest row, as before
    out: list[MonthlyGhi | WeatherError] = []
    for j, (b, la, lo) in enumerate(zip(best, latitudes, longitudes, strict=True)):
        i, d = int(candidates[j, b]), float(distance[j, b])
        if d > LABREN_MAX_DISTANCE_KM:
            out.append(WeatherError(
                f"{la}, {lo}: the nearest LABREN municipal seat is {d:.0f} "
                f"km away (more than {LABREN_MAX_DISTANCE_KM:g} km): LABREN covers Brazil "
                "only"))
        else:
            out.append(MonthlyGhi(
                ghi_kwh_m2_day=index.monthly[i].copy(),
                source=_labren_source(index.names[i], index.states[i]),
                latitude=float(index.latitude[i]), longitude=float(index.longitude[i]),
                distance_km=d, licence=LABREN_LICENCE))
    return out


def labren_municipality(name: str, path: str | Path = LABREN_PATH) -> MonthlyGhi:
    """LABREN monthly GHI of a municipality named ``"Name, UF"`` (accents and case ignored)."""
    if "," not in name:
        raise WeatherError(f"municipality {name!r}: write it as 'Name, UF' (\"Petrolina, PE\")")
    city, state = (part.strip() for part in name.rsplit(",", 1))
    index = _labren_index(path)
    table, folded = index.table, index.folded_names
    match = table[(folded == _fold(city)) & (table["state"] == state.upper())]
    if len(match) != 1:
        close = table[folded.str.startswith(_fold(city)[:4])]
        hint = ", ".join(f"{n}, {s}" for n, s in zip(close["name"][:5], close["state"][:5],
                                                      strict=True))
        raise WeatherError(f"municipality {name!r} not found in the LABREN table"
                           + (f"; similar: {hint}" if hint else ""))
    row = match.iloc[0]
    return _labren_row(row, 0.0)


def _labren_row(row: pd.Series, distance_km: float) -> MonthlyGhi:
    return MonthlyGhi(
        ghi_kwh_m2_day=row[MONTHS].to_numpy(dtype=float),
        source=_labren_source(row["name"], row["state"]),
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        distance_km=distance_km,
        licence=LABREN_LICENCE,
    )


def _labren_source(name: str, state: str) -> str:
    return f"LABREN 2017 monthly GHI of {name} ({state}) municipal seat"


def merra2_monthly(latitude: float, longitude: float) -> MonthlyGhi:
    """MERRA-2 monthly GHI of the 3-degree cell nearest a point (gsee-climate-data).

    Uses the PyPI package ``gsee-climate-data`` (monthly means of its daily PDFs); without
    it, the bundled extract, which covers only the cells of the two reference plants.

    Raises
    ------
    WeatherError
        When the point has no land cell within 3 degrees.
    """
    try:
        import gsee_climate_data
    except ImportError:
        return _merra2_from_extract(latitude, longitude)
    data = gsee_climate_data.load()
    lats, lons = data["lat"], data["lon"]
    i, j = int(np.argmin(abs(lats - latitude))), int(np.argmin(abs(lons - longitude)))
    weights = data["pk"][i, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_w_m2 = (data["xk"][i, j] * weights).sum(-1) / weights.sum(-1)
    if not np.isfinite(mean_w_m2).all() or abs(lats[i] - latitude) > 3 or (
            abs(lons[j] - longitude) > 3):
        raise WeatherError(f"{latitude}, {longitude}: no MERRA-2 land cell of "
                           "gsee-climate-data near this point")
    return _merra2_cell(mean_w_m2 * 24.0 / 1000.0, float(lats[i]), float(lons[j]),
                        latitude, longitude, f"gsee-climate-data {gsee_climate_data.__version__}")


@functools.lru_cache(maxsize=1)
def _merra2_extract() -> pd.DataFrame:
    """The bundled MERRA-2 extract, read once per process (shared: never modify it)."""
    return pd.read_csv(MERRA2_EXTRACT_PATH)


def _merra2_from_extract(latitude: float, longitude: float) -> MonthlyGhi:
    table = _merra2_extract()
    near = table[(abs(table["cell_lat"] - latitude) <= 1.5)
                 & (abs(table["cell_lon"] - longitude) <= 1.5)]
    if near.empty:
        raise WeatherError(
            f"{latitude}, {longitude}: the package gsee-climate-data is not installed and "
            f"the bundled extract ({MERRA2_EXTRACT_PATH.name}) covers only the cells of the "
            "reference plants; install it with 'pip install gsee-climate-data'")
    row = near.iloc[0]
    return _merra2_cell(row[[f"m{m}" for m in range(1, 13)]].to_numpy(dtype=float),
                        float(row["cell_lat"]), float(row["cell_lon"]), latitude, longitude,
                        "bundled extract of gsee-climate-data 1.0.0")


def _merra2_cell(values, cell_lat, cell_lon, latitude, longitude, origin) -> MonthlyGhi:
    return MonthlyGhi(
        ghi_kwh_m2_day=np.asarray(values, dtype=float),
        source=f"MERRA-2 monthly GHI of the 3 deg cell centred {cell_lat:g}, {cell_lon:g} "
        f"({origin})",
        latitude=cell_lat,
        longitude=cell_lon,
        distance_km=float(haversine_km(latitude, longitude, cell_lat, cell_lon)),
        licence="Gelaro et al. (2017), MERRA-2, doi:10.1175/JCLI-D-16-0758.1; "
        "Pfenninger & Staffell (2016), doi:10.1016/j.energy.2016.08.060",
        warning=MERRA2_BIAS_NOTE,
    )


def _fold(text: str) -> str:
    """Lower case without accents, for matching names typed without them."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
