"""Plotly figures of a comparison; each chart of the report is one method here, so a
notebook can show and customise any of them (``comparison.figures.cumulative_gmv()``).

Every figure is built from the comparison's tables (``daily``, ``runs``, ``retention``,
``cohorts``): means over replications, with 95 % bands where the chart has room for
them. Labels come from :mod:`reports.i18n`, so ``ComparisonFigures(c, lang="zh")``
draws the same charts in Chinese.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from agents.strategy import colour
from experiments.chart_text import chart_text
from reports import fmt
from reports.i18n import labels as _labels
from reports.i18n import strategy_label

#: funnel end states: kept members, then the three leaks
END_COLOURS = {"active": "#58a55c", "muted": "#e1a23b", "lost": "#d9534f", "banned": "#4a4a4a"}
#: share of the funnel figure's width the Sankey takes (its end states' key sits right of it)
SANKEY_WIDTH = 0.82
FONT = {"family": '-apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif',
        "size": 14}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def band(frame: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval across columns (replications), row by row."""
    n = frame.shape[1]
    mean = frame.mean(axis=1)
    if n < 2:
        return pd.DataFrame({"mean": mean, "low": mean, "high": mean})
    half = stats.t.ppf(0.5 + level / 2, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half})


def _mean_ci(values) -> tuple[float, float]:
    """Mean and half-width of the 95 % t-interval (0 for a single replication)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
    if x.size == 0:
        return float("nan"), 0.0
    if x.size < 2:
        return float(x.mean()), 0.0
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))


def _add_band(fig: go.Figure, x, b: pd.DataFrame, name: str, col: str, dash: str | None = None, **where) -> None:
    """A shaded 95 % band (low to high) and its mean line."""
    fig.add_trace(go.Scatter(x=list(x) + list(x)[::-1], y=list(b["high"]) + list(b["low"])[::-1],
                             fill="toself", fillcolor=_rgba(col, 0.18), line={"width": 0},
                             hoverinfo="skip", showlegend=False, name=f"{name} 95% CI"), **where)
    fig.add_trace(go.Scatter(x=list(x), y=list(b["mean"]), name=name, line={"color": col, "dash": dash}), **where)


def money_ticks(values, lang: str) -> dict | None:
    """Tick positions and texts for a yuan axis as the page writes amounts (``fmt.money``:
    万/亿 in Chinese); ``None`` when the axis has nothing to show or plotly's own ticks
    already match the text (English k/M)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
    if lang != "zh" or x.size == 0:
        return None
    lo, hi = min(0.0, float(x.min())), float(x.max())
    if hi <= lo:
        return None
    raw = (hi - lo) / 5
    step = min((m * 10 ** np.floor(np.log10(raw)) for m in (1, 2, 5, 10)), key=lambda s: abs(s - raw))
    ticks = np.arange(np.floor(lo / step) * step, hi + step / 2, step)
    return {"tickvals": ticks.tolist(), "ticktext": [fmt.money_tick(float(v), lang) for v in ticks]}


def plotted(values):
    """A trace's data array as a sequence: a figure that crossed a process boundary holds
    its arrays in plotly's typed-array form (``{"dtype", "bdata"}``, base64)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return values


def trace_values(fig: go.Figure, axis: str = "y") -> list[float]:
    """Every y value drawn against ``axis`` (error bars included)."""
    out: list[float] = []
    for tr in fig.data:
        if (getattr(tr, "yaxis", None) or "y") != axis or getattr(tr, "y", None) is None:
            continue
        ys = [float(v) for v in plotted(tr.y) if v is not None]
        err = plotted(getattr(getattr(tr, "error_y", None), "array", None))
        if err is not None:
            ys += [a + float(e) for a, e in zip(ys, err) if e is not None]
        out += ys
    return out


class ComparisonFigures:
    """Charts of a :class:`~experiments.compare.Comparison` (one method per report chart)."""

    #: report section -> chart methods, in page order
    SECTIONS = {
        "funnel": ("funnel",),
        "over_time": ("cumulative_gmv", "pool", "monthly_churn"),
        "cohorts": ("cohort_heatmap", "trust", "fatigue", "retention"),
        "who_pays": ("lorenz", "gmv_split"),
    }
    #: charts that take a full row of the page (the rest sit two to a row on wide screens)
    FULL_WIDTH = frozenset({"funnel", "cumulative_gmv", "cohort_heatmap"})

    def __init__(self, comparison, labels: dict | None = None, lang: str = "en"):
        self.c = comparison
        self.lang = lang
        self.t = {**_labels(lang), **(labels or {})}
        self.strategies = list(comparison.strategies)

    def _name(self, strategy: str) -> str:
        """A strategy as this language calls it (reports.i18n.STRATEGY_LABELS), as chart text
        (a user's strategy keeps its own name, which plotly must not read as markup)."""
        return chart_text(strategy_label(strategy, self.lang))

    def _label(self, key: str, default: str | None = None) -> str:
        return self.t.get(key, key if default is None else default)

    def _layout(self, fig: go.Figure, title: str, y: str | None = None, height: int = 440) -> go.Figure:
        fig.update_layout(title={"text": title, "x": 0.01, "font": {"size": 18}}, template="plotly_white",
                          font=FONT, height=height, margin={"l": 70, "r": 25, "t": 70, "b": 95},
                          # the legend sits at the foot of the figure, below the x-axis title
                          legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
                          hoverlabel={"font": FONT})
        if y is not None:
            fig.update_layout(xaxis_title=self._label("day"), yaxis_title=y)
        return fig

    def _per_run(self, column: str) -> dict[str, pd.Series]:
        """A run-summary column per strategy (one value per replication)."""
        runs = self.c.runs
        return {s: runs.loc[runs["strategy"] == s, column] if column in runs else pd.Series(dtype=float)
                for s in self.strategies}

    # -- over time -----------------------------------------------------------------
    def cumulative_gmv(self) -> go.Figure:
        """Cumulative GMV per strategy with 95 % bands; the crossover day and its CI marked."""
        fig = go.Figure()
        cum = self.c.cumulative_gmv()
        for i, s in enumerate(self.strategies):
            _add_band(fig, cum.index, band(cum[s]), self._name(s), colour(s, i))
        cross = self.c.summary["crossover_day"]
        if cross.get("mean") is not None:
            if cross["ci_high"] > cross["ci_low"]:
                fig.add_vrect(x0=cross["ci_low"], x1=cross["ci_high"], fillcolor="#888", opacity=0.15, line_width=0)
            fig.add_vline(x=cross["mean"], line_dash="dot", line_color="#444",
                          annotation_text=f"{self._label('crossover')} ≈ {cross['mean']:.0f}",
                          annotation_position="top left")
        fig.update_yaxes(**(money_ticks(trace_values(fig), self.lang) or {}))
        return self._layout(fig, self._label("cum_gmv_title"), self._label("yuan"))

    def pool(self) -> go.Figure:
        """Pool size split into active and muted members (stacked means), one panel per strategy."""
        fig = make_subplots(rows=1, cols=len(self.strategies), shared_yaxes=True,
                            subplot_titles=[self._name(s) for s in self.strategies], horizontal_spacing=0.04)
        d = self.c.daily
        for i, s in enumerate(self.strategies):
            mean = d[d["strategy"] == s].groupby("day")[["active", "muted"]].mean()
            for part, col in (("active", colour(s, i)), ("muted", END_COLOURS["muted"])):
                fig.add_trace(go.Scatter(x=mean.index, y=mean[part], stackgroup=f"s{i}", name=f"{self._name(s)}: {self._label(part)}",
                                         line={"width": 0.5, "color": col}, fillcolor=_rgba(col, 0.55)), row=1, col=i + 1)
            fig.update_xaxes(title_text=self._label("day"), row=1, col=i + 1)
        fig.update_yaxes(title_text=self._label("people"), row=1, col=1)
        return self._layout(fig, self._label("pool_title"))

    def monthly_churn(self) -> go.Figure:
        """Members who deleted, left or were banned in each 30-day month over the pool at its
        start, mean over replications with 95 % error bars."""
        d = self.c.daily.sort_values(["strategy", "replication", "day"])
        d = d.assign(month=(d["day"] - 1) // 30 + 1, left=d["deletes"] + d["lost_to_bans"],
                     # as sim.metrics.monthly_churn: nobody is in the pool before day 1, so the
                     # first month (a rate over the few members of day 1) is left out
                     pool_start=d.groupby(["strategy", "replication"])["pool"].shift(1).fillna(0))
        full = d.groupby(["strategy", "replication", "month"]).agg(
            left=("left", "sum"), start=("pool_start", "first"), n=("day", "size"))
        full = full[(full["n"] == 30) & (full["start"] > 0)]
        full["churn"] = full["left"] / full["start"]
        fig = go.Figure()
        for i, s in enumerate(self.strategies):
            if s not in full.index.get_level_values(0):
                continue
            by_month = full.loc[s].groupby("month")["churn"].apply(list)
            m = [_mean_ci(v) for v in by_month]
            fig.add_trace(go.Bar(x=list(by_month.index), y=[a for a, _ in m], name=self._name(s), marker_color=colour(s, i),
                                 error_y={"type": "data", "array": [b for _, b in m], "thickness": 1.2,
                                          "arrayminus": [min(b, a) for a, b in m]}))
        fig.update_yaxes(tickformat=".0%")
        fig = self._layout(fig, self._label("churn_title"), self._label("churn"))
        fig.update_layout(barmode="group", xaxis_title=self._label("month"))
        return fig

    # -- funnel --------------------------------------------------------------------
    def funnel(self) -> go.Figure:
        """Sankey per strategy: sources -> pool -> buyers -> repeat buyers / referrers, each
        step's drop-outs ending in their end state (still active, muted, deleted/left, banned)."""
        runs = self.c.runs
        n = len(self.strategies)
        fig = go.Figure()
        if "funnel_never_bought_active" not in runs:
            return self._empty(self._label("funnel_title"))
        gap = 0.08 if n > 1 else 0.0
        h = (1 - gap * (n - 1)) / n
        for i, s in enumerate(self.strategies):
            r = runs[runs["strategy"] == s].mean(numeric_only=True)
            y1 = 1 - i * (h + gap)
            y = (max(y1 - h, 0.0), min(y1, 1.0))
            trace, ends = self._sankey(r, s, i, y)
            fig.add_trace(trace)
            # the end states are named in a key right of the chart, not beside their nodes,
            # where a label would sit on the flows converging into a thin node (banned)
            fig.add_annotation(text="<br>".join(ends), x=SANKEY_WIDTH + 0.01, y=(y[0] + y[1]) / 2,
                               xref="paper", yref="paper", xanchor="left", yanchor="middle", align="left",
                               showarrow=False, font={"size": 13})
            fig.add_annotation(text=f"<b>{self._name(s)}</b>", x=0, y=y1 + (0.035 if n > 1 else 0.06), xref="paper", yref="paper",
                               showarrow=False, xanchor="left", font={"size": 15, "color": colour(s, i)})
        fig = self._layout(fig, self._label("funnel_title"), height=420 * n + 40)
        fig.update_layout(margin={"l": 20, "r": 20, "t": 90, "b": 20})
        return fig

    def _sankey(self, r: pd.Series, strategy: str, i: int, y: tuple[float, float]) -> tuple[go.Sankey, list[str]]:
        """One strategy's Sankey trace and its end states' key (colour swatch, name, count)."""
        stages = ("never_bought", "bought_once", "repeat", "referrer")
        ends = tuple(END_COLOURS)
        cell = {(st, e): float(r.get(f"funnel_{st}_{e}", 0.0)) for st in stages for e in ends}
        members = sum(cell.values())
        referred = float(r.get("funnel_referred", 0.0))
        initial = min(float(r.get("pool_initial", 0.0)), max(members - referred, 0.0))
        paid = max(members - referred - initial, 0.0)
        contacts = float(self.c.daily.loc[self.c.daily["strategy"] == strategy, "contacts"].sum()) / max(
            1, self.c.daily.loc[self.c.daily["strategy"] == strategy, "replication"].nunique())
        stage_total = {st: sum(cell[st, e] for e in ends) for st in stages}
        buyers = stage_total["bought_once"] + stage_total["repeat"] + stage_total["referrer"]
        names = ["f_public", "f_initial", "f_referred", "f_pool", "f_buyers", "f_repeat", "f_referrers",
                 "f_still_active", "f_muted", "f_lost", "f_banned"]
        idx = {k: j for j, k in enumerate(names)}
        end_node = {"active": "f_still_active", "muted": "f_muted", "lost": "f_lost", "banned": "f_banned"}
        from_node = {"never_bought": "f_pool", "bought_once": "f_buyers", "repeat": "f_repeat", "referrer": "f_referrers"}
        links = [("f_public", "f_pool", paid, "#9bb7d4"), ("f_initial", "f_pool", initial, "#9bb7d4"),
                 ("f_referred", "f_pool", referred, "#9bb7d4"), ("f_pool", "f_buyers", buyers, "#9bb7d4"),
                 ("f_buyers", "f_repeat", stage_total["repeat"], "#9bb7d4"),
                 ("f_buyers", "f_referrers", stage_total["referrer"], "#9bb7d4")]
        links += [(from_node[st], end_node[e], cell[st, e], END_COLOURS[e]) for st in stages for e in ends]
        links = [lk for lk in links if lk[2] > 0]
        total_in = {k: 0.0 for k in names}
        total_out = dict(total_in)
        for a, b, v, _ in links:
            total_out[a] += v
            total_in[b] += v
        node_labels, key = [], []
        for k in names:
            # means over replications, shown as whole people (the lead says so)
            text = f"{self._label(k)}: {fmt.count(round(max(total_in[k], total_out[k])), self.lang)}"
            if k == "f_public":
                text += "<br>" + self._label("f_reached").format(contacts=fmt.count(round(contacts), self.lang))
            if k in end_node.values():
                e = next(e for e, node in end_node.items() if node == k)
                key.append(f'<span style="color:{END_COLOURS[e]}">■</span> {text}')
                text = ""
            node_labels.append(text)
        node_colour = ["#2e4a6b"] * 7 + [END_COLOURS[e] for e in ends]
        node_colour[idx["f_pool"]] = colour(strategy, i)
        return go.Sankey(
            domain={"x": [0, SANKEY_WIDTH], "y": list(y)}, arrangement="snap", valueformat=",.0f",
            node={"label": node_labels, "color": node_colour, "pad": 14, "thickness": 16, "line": {"width": 0}},
            link={"source": [idx[a] for a, _, _, _ in links], "target": [idx[b] for _, b, _, _ in links],
                  "value": [v for _, _, v, _ in links], "color": [_rgba(c, 0.45) for _, _, _, c in links]},
            name=self._name(strategy)), key

    # -- cohorts -------------------------------------------------------------------
    def retention(self) -> go.Figure:
        """Cohort retention: share still in the pool d days after first joining."""
        fig = go.Figure()
        r = self.c.retention
        for i, s in enumerate(self.strategies):
            wide = r[r["strategy"] == s].pivot(index="days_since_join", columns="replication", values="retained")
            wide = wide.dropna(how="all")
            _add_band(fig, wide.index, band(wide).clip(0, 1), self._name(s), colour(s, i))
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
        fig = self._layout(fig, self._label("retention_title"), self._label("retained"))
        fig.update_xaxes(title=self._label("days_since_join"))
        return fig

    def cohort_heatmap(self) -> go.Figure:
        """Retention by join month (rows) and months since joining (columns), one panel per
        strategy; mean over replications."""
        cohorts = getattr(self.c, "cohorts", None)
        if cohorts is None or cohorts.empty:
            return self._empty(self._label("heatmap_title"))
        fig = make_subplots(rows=1, cols=len(self.strategies), shared_yaxes=True,
                            subplot_titles=[self._name(s) for s in self.strategies], horizontal_spacing=0.05)
        for i, s in enumerate(self.strategies):
            sub = cohorts[cohorts["strategy"] == s]
            grid = sub.groupby(["join_month", "months_since_join"])["retained"].mean().unstack()
            fig.add_trace(go.Heatmap(
                z=grid.to_numpy(), x=[int(k) for k in grid.columns], y=[int(m) + 1 for m in grid.index],
                coloraxis="coloraxis", texttemplate="%{z:.0%}", textfont={"size": 11},
                hovertemplate=f"{self._label('join_month')} %{{y}}, {self._label('months_since_join')} %{{x}}: %{{z:.1%}}<extra>{self._name(s)}</extra>"),
                row=1, col=i + 1)
            fig.update_xaxes(title_text=self._label("months_since_join"), dtick=1, row=1, col=i + 1)
        fig.update_yaxes(title_text=self._label("join_month"), autorange="reversed", dtick=1, row=1, col=1)
        fig.update_layout(coloraxis={"colorscale": "YlGnBu", "cmin": 0, "cmax": 1,
                                     "colorbar": {"tickformat": ".0%", "title": {"text": self._label("retained")}}})
        return self._layout(fig, self._label("heatmap_title"), height=480)

    def _quantile_bands(self, name: str, title: str) -> go.Figure:
        fig = go.Figure()
        d = self.c.daily
        if f"{name}_p50" not in d:
            return self._empty(title)
        for i, s in enumerate(self.strategies):
            q = d[d["strategy"] == s].groupby("day")[[f"{name}_p10", f"{name}_p50", f"{name}_p90"]].mean()
            col = colour(s, i)
            x = list(q.index)
            fig.add_trace(go.Scatter(x=x + x[::-1], y=list(q[f"{name}_p90"]) + list(q[f"{name}_p10"])[::-1],
                                     fill="toself", fillcolor=_rgba(col, 0.2), line={"width": 0}, hoverinfo="skip",
                                     name=f"{self._name(s)}: {self._label('p10_p90')}"))
            fig.add_trace(go.Scatter(x=x, y=list(q[f"{name}_p50"]), line={"color": col},
                                     name=f"{self._name(s)}: {self._label('median')}"))
        return self._layout(fig, title, self._label(name))

    def trust(self) -> go.Figure:
        """Trust of pool members over time: 10th-90th percentile band and median per strategy."""
        fig = self._quantile_bands("trust", self._label("trust_title"))
        fig.update_yaxes(range=[0, 1])
        return fig

    def fatigue(self) -> go.Figure:
        """Fatigue of pool members over time: 10th-90th percentile band and median per strategy."""
        return self._quantile_bands("fatigue", self._label("fatigue_title"))

    # -- who pays ------------------------------------------------------------------
    def lorenz(self) -> go.Figure:
        """Lorenz curve of GMV over buyers (mean over replications), with the top-20 % share."""
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], name=self._label("equality"),
                                 line={"color": "#999", "dash": "dot"}))
        curves = self._per_run("lorenz_gmv")
        top = self._per_run("top20_gmv_share")
        for i, s in enumerate(self.strategies):
            rows = [np.asarray(v, float) for v in curves[s] if v is not None and len(v)]
            if not rows:
                continue
            y = np.mean(rows, axis=0)
            share = fmt.pct(float(np.nanmean(top[s])) if len(top[s]) else None, self.lang, 0)
            fig.add_trace(go.Scatter(x=np.linspace(0, 1, y.size), y=y, name=f"{self._name(s)} ({self._label('top20').format(share=share)})",
                                     line={"color": colour(s, i), "width": 3}))
        fig.add_vline(x=0.8, line_color="#bbb", line_width=1)
        fig.update_xaxes(tickformat=".0%", title=self._label("buyers_share"))
        fig.update_yaxes(tickformat=".0%", title=self._label("gmv_share"), range=[0, 1.02])
        return self._layout(fig, self._label("lorenz_title"), height=460)

    def gmv_split(self) -> go.Figure:
        """GMV by segment (persona fit vs deal-seekers) and by channel (inside WeChat vs public
        platforms, with the take rate paid to them); means with 95 % error bars."""
        fig = make_subplots(rows=1, cols=2, subplot_titles=[self._label("by_segment"), self._label("by_channel")],
                            horizontal_spacing=0.1)
        panels = ((1, (("gmv_fit", "fit"), ("gmv_deal_seeker", "deal_seeker"))),
                  (2, (("gmv_private", "private"), ("gmv_public", "public"), ("take_paid", "take_paid"))))
        for i, s in enumerate(self.strategies):
            for col, parts in panels:
                cats, means, errs = [], [], []
                for key, label in parts:
                    values = self._per_run(key)[s]
                    if len(values) == 0:
                        continue
                    m, e = _mean_ci(values)
                    cats.append(self._label(label))
                    means.append(m)
                    errs.append(e)
                fig.add_trace(go.Bar(x=cats, y=means, name=self._name(s), legendgroup=s, showlegend=col == 1,
                                     marker_color=colour(s, i), error_y={"type": "data", "array": errs}),
                              row=1, col=col)
        fig.update_yaxes(title_text=self._label("yuan"), row=1, col=1)
        for col, axis in ((1, "y"), (2, "y2")):
            fig.update_yaxes(**(money_ticks(trace_values(fig, axis), self.lang) or {}), row=1, col=col)
        fig = self._layout(fig, self._label("split_title"))
        fig.update_layout(barmode="group")
        return fig

    # -- helpers -------------------------------------------------------------------
    def _empty(self, title: str) -> go.Figure:
        """A titled, empty chart for data these results do not hold (older directories)."""
        fig = go.Figure()
        fig.add_annotation(text=self._label("na"), showarrow=False, font={"size": 20, "color": "#888"})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return self._layout(fig, title, height=240)

    def all(self) -> dict[str, go.Figure]:
        """Every report chart by method name, in page order."""
        return {name: getattr(self, name)() for names in self.SECTIONS.values() for name in names}
