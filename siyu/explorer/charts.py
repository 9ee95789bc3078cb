"""The explorer's live charts, drawn from a :class:`~siyu.explorer.live.LiveComparison`.

Each chart is a matplotlib ``Figure`` built without pyplot (no global state, safe off the
main thread) and drawn server-side, so the page loads nothing from outside the machine.
Both strategies share every chart in their own colours (:func:`agents.strategy.colour`);
with more than one replication a line is the mean and the band spans the replications'
lowest to highest value. Legends use the outcomes' own labels (:func:`sim.outcomes.label`); ``lang`` is the
language drawn inside a chart (:func:`siyu.explorer.words.chart_language`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from agents.strategy import colour
from experiments.stats import crossover_day
from reports import fmt
from siyu.explorer.live import LiveComparison
from siyu.explorer.words import words
from sim import money
from sim.outcomes import FUNNEL_END_STATES, FUNNEL_STAGES, label

#: the charts, in the order the page shows them (the browser test counts them)
CHARTS = ("pool_states", "cumulative_gmv", "daily_orders", "trust_fatigue", "funnel", "profit")
#: pool states and how they are drawn
STATE_STYLES = {"active": "-", "muted": "--", "lost": ":", "banned": "-."}
SIZE = (5.6, 3.0)


def _figure(axes: int = 1) -> tuple[Figure, list]:
    # titles are page text above the image (translated whatever fonts the server has)
    fig = Figure(figsize=SIZE, dpi=80)
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
    return fig, fig.subplots(1, axes, squeeze=False)[0].tolist()


def _line(ax, days: np.ndarray, values: np.ndarray, c: str, name: str, style: str = "-") -> None:
    """Mean line, and the replications' range as a band when there are several."""
    ax.plot(days, values.mean(axis=1), style, color=c, lw=1.5, label=name)
    if values.shape[1] > 1:
        ax.fill_between(days, values.min(axis=1), values.max(axis=1), color=c, alpha=0.18, lw=0)


def _days(values: np.ndarray) -> np.ndarray:
    return np.arange(1, values.shape[0] + 1)


def _finish(ax, lang: str, xlabel: bool = True, legend: bool = True) -> None:
    # few ticks and one legend per figure: tick labels and legends are most of a redraw's cost
    ax.locator_params(nbins=4)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    if xlabel:
        ax.set_xlabel(words(lang)["day"], fontsize=8)
    if legend:
        ax.legend(fontsize=7, frameon=False)


def _money_axis(ax, lang: str) -> None:
    ax.yaxis.set_major_formatter(lambda y, _pos: fmt.money(y, lang))


def pool_states(live: LiveComparison, lang: str) -> Figure:
    """Pool members by state (active, muted, lost, banned) over time, a panel per strategy."""
    fig, axes = _figure(axes=2)
    for ax, (i, strategy) in zip(axes, enumerate(live.strategies)):
        for state, style in STATE_STYLES.items():
            values = live.series(state)[strategy]
            _line(ax, _days(values), values, colour(strategy, i), label(state, lang), style)
        ax.set_title(strategy, fontsize=9, color=colour(strategy, i))
        _finish(ax, lang, legend=i == 0)
    return fig


def cumulative_gmv(live: LiveComparison, lang: str) -> Figure:
    """Cumulative GMV per strategy; the day the second overtakes the first for good is marked."""
    w = words(lang)
    fig, (ax,) = _figure()
    gmv = live.series("gmv")
    cum = {s: np.cumsum(v, axis=0) for s, v in gmv.items()}
    for i, strategy in enumerate(live.strategies):
        _line(ax, _days(cum[strategy]), cum[strategy], colour(strategy, i), strategy)
    first, second = live.strategies
    if cum[first].shape[0]:
        day = crossover_day(cum[first].mean(axis=1), cum[second].mean(axis=1))
        if day is not None:
            ax.axvline(day, color="#555", lw=1, ls="--")
            ax.annotate(w["crossover"].format(day=day), (day, 0.04), xycoords=("data", "axes fraction"),
                        fontsize=7, color="#333", xytext=(3, 0), textcoords="offset points")
    _money_axis(ax, lang)
    _finish(ax, lang)
    return fig


def daily_orders(live: LiveComparison, lang: str) -> Figure:
    """Orders per day per strategy."""
    fig, (ax,) = _figure()
    for i, (strategy, values) in enumerate(live.series("orders").items()):
        _line(ax, _days(values), values, colour(strategy, i), strategy)
    _finish(ax, lang)
    return fig


def trust_fatigue(live: LiveComparison, lang: str) -> Figure:
    """Trust and fatigue of pool members: the 10th-90th percentile band and the mean."""
    fig, axes = _figure(axes=2)
    for k, (ax, what) in enumerate(zip(axes, ("trust", "fatigue"))):
        mean, low, high = (live.series(name) for name in (f"mean_{what}", f"{what}_p10", f"{what}_p90"))
        for i, strategy in enumerate(live.strategies):
            c = colour(strategy, i)
            days = _days(mean[strategy])
            ax.plot(days, mean[strategy].mean(axis=1), color=c, lw=1.5, label=strategy)
            ax.fill_between(days, low[strategy].mean(axis=1), high[strategy].mean(axis=1), color=c, alpha=0.15, lw=0)
        ax.set_title(label(f"mean_{what}", lang), fontsize=9)
        _finish(ax, lang, legend=k == 0)
    return fig


def funnel(live: LiveComparison, lang: str) -> Figure:
    """Everyone who joined so far, by furthest stage, split into still active and leaked."""
    w = words(lang)
    fig, (ax,) = _figure()
    counts = live.funnel()
    stages = list(FUNNEL_STAGES)
    y = np.arange(len(stages))
    height = 0.38
    for i, strategy in enumerate(live.strategies):
        c = colour(strategy, i)
        total = np.array([sum(counts[strategy][f"funnel_{s}_{e}"] for e in FUNNEL_END_STATES) for s in stages])
        active = np.array([counts[strategy][f"funnel_{s}_active"] for s in stages])
        pos = y + (i - 0.5) * height
        ax.barh(pos, total, height, color=c, alpha=0.35, label=f"{strategy}: {w['leaked']}")
        ax.barh(pos, active, height, color=c, label=f"{strategy}: {label('active', lang)}")
    ax.set_yticks(y, [w[f"stage_{s}"] for s in stages], fontsize=7)
    fig.subplots_adjust(left=0.2)
    ax.invert_yaxis()
    _finish(ax, lang, xlabel=False)
    return fig


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


def profit(live: LiveComparison, lang: str) -> Figure:
    """Cumulative profit per strategy."""
    fig, (ax,) = _figure()
    for i, (strategy, cum) in enumerate(cumulative_profit(live).items()):
        _line(ax, _days(cum), cum, colour(strategy, i), strategy)
    ax.axhline(0, color="#999", lw=0.8)
    _money_axis(ax, lang)
    _finish(ax, lang)
    return fig


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
