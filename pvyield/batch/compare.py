"""Comparing batch results: rank sites and designs, spread across weather sources, and
designs whose ranking depends on the weather source."""

from __future__ import annotations

import dataclasses

import pandas as pd
import xarray as xr

from pvyield.batch.scenario import WEATHER_SOURCE


@dataclasses.dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found.

    Attributes
    ----------
    metric : str
        The variable ranked (higher is better).
    ranking : DataFrame
        One row per (site, design), ranked within each site (``rank`` 1 = best) by the
        metric averaged over weather sources, plus the overall rank across all pairs.
    spread : DataFrame
        Per (site, design): the metric's minimum, maximum and spread ``(max - min) / mean``
        [%] across weather sources (0 when there is only one source).
    unstable : DataFrame
        Per (site, design) whose rank within its site differs between weather sources: the
        rank under each source.
    """

    metric: str
    ranking: pd.DataFrame
    spread: pd.DataFrame
    unstable: pd.DataFrame

    def ranking_text(self, max_rows: int | None = None) -> str:
        """The ranking table for the terminal, best overall first when cut to ``max_rows``."""
        lines = [f"ranking by {self.metric} (mean over weather sources; 1 = best in its site)"]
        lines.append(_table(self.ranking if max_rows is None or len(self.ranking) <= max_rows
                            else self.ranking.sort_values("overall_rank"), max_rows))
        return "\n".join(lines)

    def to_text(self, max_rows: int | None = None) -> str:
        """Tables for the terminal (each cut to ``max_rows``)."""
        lines = [self.ranking_text(max_rows)]
        if (self.spread["n_sources"] > 1).any():
            lines += ["", "spread across weather sources"]
            lines.append(_table(self.spread.sort_values("spread_pct", ascending=False),
                                max_rows))
        if len(self.unstable):
            lines += ["", "designs whose rank changes with the weather source"]
            lines.append(_table(self.unstable, max_rows))
        elif (self.spread["n_sources"] > 1).any():
            lines += ["", "no design changes rank with the weather source"]
        return "\n".join(lines)


def _table(frame: pd.DataFrame, max_rows: int | None) -> str:
    shown = frame if max_rows is None else frame.head(max_rows)
    text = shown.to_string(index=False, float_format=lambda v: f"{v:,.1f}")
    if len(shown) < len(frame):
        text += f"\n... {len(frame) - len(shown)} more row(s): see the CSV summary"
    return text


def compare(results: xr.Dataset, metric: str = "specific_yield_kwh_per_kwp") -> Comparison:
    """Rank sites and designs and test the ranking against the weather source.

    Parameters
    ----------
    results : Dataset
        Batch results (:func:`pvyield.batch.run_batch` or :func:`read_dataset`).
    metric : str
        Variable to rank by; higher is better.
    """
    ok = results[metric].where(results["status"] == "ok")
    frame = ok.to_dataframe(name="value").reset_index()
    frame["design"] = results["design"].sel(scenario=frame["scenario"].to_numpy()).to_numpy()
    frame[WEATHER_SOURCE] = results[WEATHER_SOURCE].sel(
        scenario=frame["scenario"].to_numpy()).to_numpy()
    frame = frame.dropna(subset=["value"])
    grouped = frame.groupby(["site", "design"])["value"]
    spread = grouped.agg(["min", "max", "mean", "count"]).reset_index()
    spread["spread_pct"] = (spread["max"] - spread["min"]) / spread["mean"] * 100.0
    spread = spread.rename(columns={"count": "n_sources"})
    ranking = spread[["site", "design", "mean"]].rename(columns={"mean": metric})
    ranking["rank"] = ranking.groupby("site")[metric].rank(ascending=False, method="min")
    ranking["overall_rank"] = ranking[metric].rank(ascending=False, method="min")
    ranking = ranking.sort_values(["site", "rank"]).astype({"rank": int, "overall_rank": int})
    frame["rank"] = frame.groupby(["site", WEATHER_SOURCE])["value"].rank(ascending=False,
                                                                          method="min")
    ranks = frame.pivot_table(index=["site", "design"], columns=WEATHER_SOURCE, values="rank")
    ranks.columns = [f"rank_with_{source}" for source in ranks.columns]
    changed = ranks[ranks.nunique(axis=1) > 1].reset_index() if ranks.shape[1] > 1 else (
        ranks.iloc[0:0].reset_index())
    return Comparison(metric, ranking.reset_index(drop=True),
                      spread[["site", "design", "n_sources", "min", "max", "spread_pct"]],
                      changed)
