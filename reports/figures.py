"""Plotly figures of a comparison; each chart of the report is one method here, so a
notebook can show and customise any of them (``comparison.figures.cumulative_gmv()``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

PALETTE = {"harvest": "#d9534f", "nurture": "#2e8b57"}
FALLBACK = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]


def colour(strategy: str, i: int) -> str:
    return PALETTE.get(strategy, FALLBACK[i % len(FALLBACK)])


def band(frame: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval across columns (replications), row by row."""
    n = frame.shape[1]
    mean = frame.mean(axis=1)
    if n < 2:
        return pd.DataFrame({"mean": mean, "low": mean, "high": mean})
    half = stats.t.ppf(0.5 + level / 2, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half})


def _add_band(fig: go.Figure, x, b: pd.DataFrame, name: str, col: str, dash: str | None = None) -> None:
    fig.add_trace(go.Scatter(x=list(x) + list(x)[::-1], y=list(b["high"]) + list(b["low"])[::-1],
                             fill="toself", fillcolor=col, opacity=0.18, line={"width": 0},
                             hoverinfo="skip", showlegend=False, name=f"{name} 95% CI"))
    fig.add_trace(go.Scatter(x=list(x), y=list(b["mean"]), name=name, line={"color": col, "dash": dash}))


class ComparisonFigures:
    """Charts of a :class:`~experiments.compare.Comparison`."""

    def __init__(self, comparison, labels: dict | None = None):
        self.c = comparison
        self.t = labels or {}

    def _label(self, key: str, default: str) -> str:
        return self.t.get(key, default)

    def _layout(self, fig: go.Figure, title: str, y: str) -> go.Figure:
        fig.update_layout(title=title, xaxis_title=self._label("day", "day"), yaxis_title=y,
                          template="plotly_white", height=420, margin={"l": 60, "r": 20, "t": 60, "b": 50},
                          legend={"orientation": "h", "y": -0.2})
        return fig

    def cumulative_gmv(self) -> go.Figure:
        """Cumulative GMV per strategy with 95 % bands; the crossover day marked."""
        fig = go.Figure()
        cum = self.c.cumulative_gmv()
        for i, s in enumerate(self.c.strategies):
            _add_band(fig, cum.index, band(cum[s]), s, colour(s, i))
        cross = self.c.summary["crossover_day"]
        if cross.get("mean") is not None:
            fig.add_vline(x=cross["mean"], line_dash="dot", line_color="#555",
                          annotation_text=self._label("crossover", "crossover") + f" ~{cross['mean']:.0f}")
        return self._layout(fig, self._label("cum_gmv_title", "Cumulative GMV (yuan)"), self._label("yuan", "yuan"))

    def pool(self) -> go.Figure:
        """Pool size (solid) and its active, un-muted part (dashed) per strategy."""
        fig = go.Figure()
        d = self.c.daily
        for i, s in enumerate(self.c.strategies):
            sub = d[d["strategy"] == s]
            for col, dash in (("pool", None), ("active", "dash")):
                wide = sub.pivot(index="day", columns="replication", values=col)
                _add_band(fig, wide.index, band(wide), f"{s} {self._label(col, col)}", colour(s, i), dash)
        return self._layout(fig, self._label("pool_title", "Pool size and active members"), self._label("people", "people"))

    def retention(self) -> go.Figure:
        """Cohort retention: share still in the pool d days after first joining."""
        fig = go.Figure()
        r = self.c.retention
        for i, s in enumerate(self.c.strategies):
            wide = r[r["strategy"] == s].pivot(index="days_since_join", columns="replication", values="retained")
            wide = wide.dropna(how="all")
            _add_band(fig, wide.index, band(wide), s, colour(s, i))
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
        fig = self._layout(fig, self._label("retention_title", "Cohort retention"), self._label("retained", "retained"))
        fig.update_xaxes(title=self._label("days_since_join", "days since joining"))
        return fig

    def all(self) -> dict[str, go.Figure]:
        return {"cumulative_gmv": self.cumulative_gmv(), "pool": self.pool(), "retention": self.retention()}
