"""Monthly climatologies: the LABREN solar atlas of Brazil and INMET daily station files.

These give the monthly means from which :func:`pvyield.weather.synthetic.synthetic_year`
builds an hourly year where no hourly series exists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pvyield.errors import WeatherError

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

#: LABREN's numeric STATE column follows the alphabetical order of the state names.
BRAZIL_STATES = ["AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG",
                 "PA", "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE",
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


def labren_monthly_ghi(path: str | Path, name: str, state: str) -> np.ndarray:
    """Monthly mean daily GHI of one municipal seat [kWh/m^2/day], January..December."""
    table = read_labren(path)
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
