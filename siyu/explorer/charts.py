"""The explorer's live charts, drawn from a :class:`~siyu.explorer.live.LiveComparison`.

Each chart is a plotly figure the browser draws (``solara.FigurePlotly``; plotly.js comes
from the installed plotly package, served by this machine), so Chinese legends render in
the reader's own fonts and the server only builds a few kilobytes of figure data per
redraw. Both strategies share every chart in their own colours
(:func:`agents.strategy.colour`) and under their names in the page's language
(:func:`reports.i18n.strategy_label`); with more than one replication a line is the mean
and the band spans the replications' lowest to highest value. Legends use the outcomes'
own labels (:func:`sim.outcomes.label`) and yuan axes tick as the report's do
(:func:`reports.figures.money_ticks`: 万/亿 in Chinese).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from agents.strategy import colour
from experiments.chart_text import chart_text
from experiments.stats import crossover_day
from reports import fmt
from reports.figures import FONT, money_ticks
from reports.i18n import strategy_label
from siyu.explorer.live import LiveComparison
from siyu.explorer.words import words
from sim import money
from sim.outcomes import FUNNEL_END_STATES, FUNNEL_STAGES, label

#: the charts, in the order the page shows them (the browser test counts them)
CHARTS = ("pool_states", "cumulative_gmv", "daily_orders", "trust_fatigue", "funnel", "profit")
#: pool states and how their lines are dashed
STATE_STYLES = {"active": "solid", "muted": "dash", "lost": "dot", "banned": "dashdot"}
#: a chart's size in pixels: two to a row of the page on a 1280-pixel screen
WIDTH, HEIGHT = 460, 270
#: the two panels of a two-panel chart, as shares of its width
PANELS = ((0.0, 0.47), (0.53, 1.0))


def _fill(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return "rgba({},{},{},{})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)), alpha)


def _days(values: np.ndarray) -> np.ndarray:
    return np.arange(1, values.shape[0] + 1)


def _around(days: np.ndarray, high: np.ndarray, low: np.ndarray) -> dict:
    """x and y of a band's outline: along the top, back along the bottom."""
    return {"x": np.concatenate([days, days[::-1]]), "y": np.concatenate([high, low[::-1]])}


def _line(days: np.ndarray, values: np.ndarray, c: str, name: str, dash: str = "solid", axes: str = "",
          group: str | None = None, legend: bool = True) -> list[dict]:
    """The mean line over replications and, with several, their range as a band under it."""
    suffix = {"xaxis": f"x{axes}", "yaxis": f"y{axes}"}
    out = []
    if values.shape[1] > 1:
        out.append({"type": "scatter", **_around(days, values.max(axis=1), values.min(axis=1)), "fill": "toself",
                    "fillcolor": _fill(c, 0.18), "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
                    "legendgroup": group or name, **suffix})
    out.append({"type": "scatter", "mode": "lines", "x": days, "y": values.mean(axis=1), "name": name,
                "line": {"color": c, "width": 1.6, "dash": dash}, "legendgroup": group or name, "showlegend": legend,
                **suffix})
    return out


def _figure(traces: list[dict], lang: str, money_axis: bool = False, panels: int = 1, **layout) -> go.Figure:
    """The figure with the explorer's common layout: compact margins, the legend under the
    chart, the x axis in days; a yuan y axis ticks as :func:`reports.fmt.money_tick` writes."""
    base = {"template": "plotly_white", "font": {**FONT, "size": 11}, "width": WIDTH, "height": HEIGHT,
            "margin": {"l": 55, "r": 10, "t": 28, "b": 40},
            "legend": {"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0, "font": {"size": 10}},
            "uirevision": "live"}  # a redraw keeps the reader's zoom
    day = words(lang)["day"]
    if panels == 1:
        base["xaxis"] = {"title": {"text": day}}
    else:
        for k, (low, high) in enumerate(PANELS, start=1):
            suffix = "" if k == 1 else str(k)
            base[f"xaxis{suffix}"] = {"domain": [low, high], "anchor": f"y{suffix}", "title": {"text": day}}
            base[f"yaxis{suffix}"] = {"anchor": f"x{suffix}"}
    base.update(layout)
    # checked once, by the widget that receives it (solara.FigurePlotly): not twice
    fig = go.Figure(data=traces, layout=base, _validate=False)
    if money_axis:
        fig.update_yaxes(**(money_ticks(np.concatenate([t["y"] for t in traces]) if traces else [], lang) or {}))
    return fig


def _name(strategy: str, lang: str) -> str:
    """A strategy as ``lang`` calls it, as chart text (a user's strategy keeps its own name,
    which plotly must not read as markup)."""
    return chart_text(strategy_label(strategy, lang))


def _panel_titles(titles: list[tuple[str, str]]) -> list[dict]:
    """A title above each panel of a two-panel chart, in the given colour."""
    return [{"text": text, "x": (low + high) / 2, "y": 1.0, "xref": "paper", "yref": "paper", "yanchor": "bottom",
             "showarrow": False, "font": {"size": 12, "color": c}} for (text, c), (low, high) in zip(titles, PANELS)]


def pool_states(live: LiveComparison, lang: str) -> go.Figure:
    """Pool members by state (active, muted, lost, banned) over time, a panel per strategy."""
    traces, titles = [], []
    for i, strategy in enumerate(live.strategies):
        c = colour(strategy, i)
        titles.append((_name(strategy, lang), c))
        for state, dash in STATE_STYLES.items():
            values = live.series(state)[strategy]
            traces += _line(_days(values), values, c, label(state, lang), dash, axes="" if i == 0 else "2",
                            group=state, legend=i == 0)
    return _figure(traces, lang, panels=2, annotations=_panel_titles(titles))


def cumulative_gmv(live: LiveComparison, lang: str) -> go.Figure:
    """Cumulative GMV per strategy; the day the second overtakes the first for good is marked."""
    cum = {s: np.cumsum(v, axis=0) for s, v in live.series("gmv").items()}
    traces = []
    for i, strategy in enumerate(live.strategies):
        traces += _line(_days(cum[strategy]), cum[strategy], colour(strategy, i), _name(strategy, lang))
    first, second = live.strategies
    shapes, notes = [], []
    day = crossover_day(cum[first].mean(axis=1), cum[second].mean(axis=1)) if cum[first].shape[0] else None
    if day is not None:
        shapes.append({"type": "line", "x0": day, "x1": day, "y0": 0, "y1": 1, "yref": "paper",
                       "line": {"color": "#555", "width": 1, "dash": "dash"}})
        notes.append({"text": words(lang)["crossover"].format(day=day), "x": day, "y": 0.04, "yref": "paper",
                      "xanchor": "left", "showarrow": False, "font": {"size": 10, "color": "#333"}})
    return _figure(traces, lang, money_axis=True, shapes=shapes, annotations=notes)


def daily_orders(live: LiveComparison, lang: str) -> go.Figure:
    """Orders per day per strategy."""
    traces = []
    for i, (strategy, values) in enumerate(live.series("orders").items()):
        traces += _line(_days(values), values, colour(strategy, i), _name(strategy, lang))
    return _figure(traces, lang)


def trust_fatigue(live: LiveComparison, lang: str) -> go.Figure:
    """Trust and fatigue of pool members: the 10th-90th percentile band and the mean."""
    traces, titles = [], []
    for k, what in enumerate(("trust", "fatigue")):
        axes = "" if k == 0 else "2"
        titles.append((label(f"mean_{what}", lang), "#333"))
        mean, low, high = (live.series(name) for name in (f"mean_{what}", f"{what}_p10", f"{what}_p90"))
        for i, strategy in enumerate(live.strategies):
            c, days = colour(strategy, i), _days(mean[strategy])
            name = _name(strategy, lang)
            traces.append({"type": "scatter", **_around(days, high[strategy].mean(axis=1), low[strategy].mean(axis=1)),
                           "fill": "toself", "fillcolor": _fill(c, 0.15), "line": {"width": 0}, "hoverinfo": "skip",
                           "showlegend": False, "legendgroup": strategy, "xaxis": f"x{axes}", "yaxis": f"y{axes}"})
            traces.append({"type": "scatter", "mode": "lines", "x": days, "y": mean[strategy].mean(axis=1),
                           "name": name, "line": {"color": c, "width": 1.6}, "legendgroup": strategy,
                           "showlegend": k == 0, "xaxis": f"x{axes}", "yaxis": f"y{axes}"})
    return _figure(traces, lang, panels=2, annotations=_panel_titles(titles))


def funnel(live: LiveComparison, lang: str) -> go.Figure:
    """Everyone who joined so far, by furthest stage, split into still active and leaked."""
    w = words(lang)
    counts = live.funnel()
    stages = [w[f"stage_{s}"] for s in FUNNEL_STAGES]
    traces = []
    for i, strategy in enumerate(live.strategies):
        c, name = colour(strategy, i), _name(strategy, lang)
        total = [sum(counts[strategy][f"funnel_{s}_{e}"] for e in FUNNEL_END_STATES) for s in FUNNEL_STAGES]
        active = [counts[strategy][f"funnel_{s}_active"] for s in FUNNEL_STAGES]
        # one offset group per strategy: its active bar is drawn over its everyone bar
        for values, part, alpha in ((total, w["leaked"], 0.35), (active, label("active", lang), 1.0)):
            traces.append({"type": "bar", "orientation": "h", "x": values, "y": stages, "name": f"{name}: {part}",
                           "marker": {"color": _fill(c, alpha)}, "offsetgroup": strategy})
    return _figure(traces, lang, barmode="group", xaxis={"title": {"text": ""}},
                   yaxis={"autorange": "reversed"}, margin={"l": 80, "r": 10, "t": 28, "b": 40})


def cumulative_profit(live: LiveComparison) -> dict[str, np.ndarray]:
    """Cumulative profit (:func:`sim.money.profit`) per strategy, ``days x replications``."""
    margin = live.settings.scenario.category.margin
    cols = ("gmv", "take_paid", "acquisition_cost", "reward_cost", "operating_cost")
    series = {name: live.series(name) for name in cols}
    out = {}
    for strategy in live.strategies:
        s = {name: series[name][strategy] for name in cols}
        daily = money.profit(s["gmv"], margin, s["take_paid"], s["acquisition_cost"], s["reward_cost"], s["operating_cost"])
        out[strategy] = np.cumsum(daily, axis=0)
    return out


def profit(live: LiveComparison, lang: str) -> go.Figure:
    """Cumulative profit per strategy, the zero line marked."""
    traces = []
    for i, (strategy, cum) in enumerate(cumulative_profit(live).items()):
        traces += _line(_days(cum), cum, colour(strategy, i), _name(strategy, lang))
    zero = {"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": 0, "y1": 0, "line": {"color": "#999", "width": 0.8}}
    return _figure(traces, lang, money_axis=True, shapes=[zero])


#: the number a chart's caption reads out for each strategy on the last day: (daily column, cumulative?)
LATEST = {"pool_states": ("active", False), "cumulative_gmv": ("gmv", True), "daily_orders": ("orders", False),
          "trust_fatigue": ("mean_trust", False), "funnel": ("pool", False), "profit": None}


def latest(live: LiveComparison, name: str, lang: str) -> str:
    """The chart's last points in words (``day 60: harvest 96.1k, nurture 81.8k``), mean over
    replications, formatted as the report formats that outcome; empty before day 1."""
    if live.day == 0:
        return ""
    if LATEST[name] is None:
        values = {s: float(v[-1].mean()) for s, v in cumulative_profit(live).items()}
        show = fmt.of("profit")
    else:
        column, cumulative = LATEST[name]
        data = live.series(column)
        values = {s: float((v.sum(axis=0) if cumulative else v[-1]).mean()) for s, v in data.items()}
        show = (lambda x, _lang: f"{x:.2f}") if column == "mean_trust" else fmt.of(column)  # trust: a level 0-1
    return words(lang)["on_day"].format(day=live.day) + ": " + ", ".join(f"{s} {show(v, lang)}" for s, v in values.items())


DRAW = {"pool_states": pool_states, "cumulative_gmv": cumulative_gmv, "daily_orders": daily_orders,
        "trust_fatigue": trust_fatigue, "funnel": funnel, "profit": profit}
