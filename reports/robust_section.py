"""The report's "How robust is this verdict?" section and its sentences, generated from
``robust.json`` (:mod:`experiments.robust`): win shares, the paired difference across
plausible worlds, regret, the boxes where the verdict reverses and what each assumption
alone would have to be for it to flip. Nothing here is hand-written."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from agents.strategy import colour
from reports import fmt
from reports.i18n import labels, strategy_label
from reports.page import Section, Table
from sim.outcomes import BY_NAME, label

#: the boxes' shading, in the order the boxes are listed
BOX_COLOURS = ("#9467bd", "#8c564b", "#e377c2")


def _cap(name: str, lang: str) -> str:
    return name[:1].upper() + name[1:] if lang == "en" else name


def _num(x: float | None) -> str:
    """An assumption's value (a scenario parameter, not an outcome): plainly, by the one formatter."""
    return fmt.plain(x)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}"


def _conditions(limits: list[dict], t: dict) -> str:
    parts = []
    for lim in limits:
        lo, hi, name = lim["low"], lim["high"], lim["path"]
        if lo is not None and hi is not None:
            parts.append(t["r_between"].format(name=name, a=_num(lo), b=_num(hi)))
        elif hi is not None:
            parts.append(t["r_below"].format(name=name, x=_num(hi)))
        else:
            parts.append(t["r_above"].format(name=name, x=_num(lo)))
    return t["r_and"].join(parts)


def flip_sentences(robust: dict, lang: str = "en") -> list[str]:
    """Per metric: the boxes of assumptions where the verdict reverses, as sentences."""
    t = labels(lang)
    out = []
    for m, stats in robust["metrics"].items():
        f = stats["flips"]
        names = {"majority": f["majority"], "minority": f["minority"], "Majority": _cap(f["majority"], lang),
                 "Minority": _cap(f["minority"], lang), "metric": label(m, lang), "worlds": f["worlds"]}
        if f["reversed_worlds"] == 0:
            out.append(t["r_no_flip_box"].format(**names))
        elif not f["boxes"]:
            out.append(t["r_scattered"].format(**names, n=f["reversed_worlds"]))
        for box in f["boxes"]:
            out.append(t["r_flip_box"].format(**names, conditions=_conditions(box["limits"], t),
                                              cov=_pct(box["coverage"]), den=_pct(box["density"])))
    return out


def _flip_cell(row: dict, t: dict) -> str:
    if not row["flips"]:
        return t["r_no_flip"]
    return "; ".join(f"{_num(f['value'])} ({_num(f['ci_low'])} – {_num(f['ci_high'])})" for f in row["flips"])


def robust_lines(robust: dict, lang: str = "en") -> list[str]:
    """The flip sentences and what each assumption would have to be, for the command line."""
    t = labels(lang)
    lines = flip_sentences(robust, lang)
    for row in robust["what_would_have_to_be_true"]["assumptions"]:
        lines.append(t["r_wwtbt_line"].format(name=row["path"], flip=_flip_cell(row, t), value=_num(row["scenario_value"]),
                                              low=_num(row["low"]), high=_num(row["high"]),
                                              winner=row["winner_at_scenario"] or t["na"]))
    return lines


def _box_paths(boxes: list[dict]) -> list[str]:
    """The assumptions the boxes bound, most often first (at most two: a chart's axes)."""
    count: dict[str, int] = {}
    for box in boxes:
        for lim in box["limits"]:
            count[lim["path"]] = count.get(lim["path"], 0) + 1
    return sorted(count, key=lambda p: -count[p])[:2]


def _edges(limits: dict[str, dict], path: str, span: tuple[float, float]) -> tuple[float, float]:
    """A box's low and high edge on ``path``; an open side reaches the data's ``span``."""
    lim = limits.get(path, {})
    return (span[0] if lim.get("low") is None else lim["low"], span[1] if lim.get("high") is None else lim["high"])


def box_figure(robust: dict, runs: pd.DataFrame, metric: str, lang: str = "en") -> go.Figure | None:
    """The worlds on the assumptions the flip boxes bound, coloured by the winner, with the
    boxes shaded: one assumption against the paired difference, or two against each other.
    ``None`` when the verdict on ``metric`` reverses in no box."""
    stats = robust["metrics"].get(metric)
    boxes = stats["flips"]["boxes"] if stats else []
    if not boxes:
        return None
    t = labels(lang)
    first, second = robust["compared"]["first"], robust["compared"]["second"]
    paths = _box_paths(boxes)
    per_world = runs.pivot_table(index="world", columns="strategy", values=metric, aggfunc="mean")
    values = runs.groupby("world")[paths].first().loc[per_world.index]
    diff = per_world[second] - per_world[first]
    better = diff * (BY_NAME[metric].direction or 1)
    y = values[paths[1]] if len(paths) == 2 else diff
    fig = go.Figure()
    for k, (name, won) in enumerate(((first, better < 0), (second, better > 0))):
        fig.add_trace(go.Scatter(x=values.loc[won, paths[0]], y=y[won], mode="markers", name=t["r_box_wins"].format(name=name),
                                 marker={"color": colour(name, k), "size": 7, "opacity": 0.8}))
    x_span = (float(values[paths[0]].min()), float(values[paths[0]].max()))
    y_span = (float(y.min()), float(y.max()))
    for i, box in enumerate(boxes):
        lim = {l["path"]: l for l in box["limits"]}
        x0, x1 = _edges(lim, paths[0], x_span)
        y0, y1 = _edges(lim, paths[1], y_span) if len(paths) == 2 else y_span
        col = BOX_COLOURS[i % len(BOX_COLOURS)]
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=col, opacity=0.15, line={"color": col})
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker={"symbol": "square", "color": col, "size": 12},
                                 name=t["r_box"].format(i=i + 1, cov=_pct(box["coverage"]), den=_pct(box["density"]))))
    if len(paths) == 1:
        fig.add_hline(y=0, line_dash="dot", line_color="#444")
    fig.update_layout(template="plotly_white", height=420, title=t["r_box_title"].format(metric=label(metric, lang)),
                      xaxis_title=paths[0], legend={"orientation": "h", "y": -0.2},
                      yaxis_title=paths[1] if len(paths) == 2 else t["r_box_diff"].format(
                          first=first, second=second, metric=label(metric, lang)))
    return fig


def robust_section(robust: dict, strategies: list[str], lang: str = "en", runs: pd.DataFrame | None = None) -> Section:
    """The section, shown only when a comparison varied its assumptions; with the run table
    (``runs``), a picture of the boxes for each metric whose verdict reverses in one."""
    t = labels(lang)
    first, second = robust["compared"]["first"], robust["compared"]["second"]
    header = ([t["r_metric"]] + [t["r_wins"].format(name=strategy_label(s, lang)) for s in strategies]
              + [t["r_diff"].format(first=strategy_label(first, lang), second=strategy_label(second, lang))]
              + [t["r_regret"].format(name=strategy_label(s, lang)) for s in strategies])
    rows = []
    for m, stats in robust["metrics"].items():
        f = fmt.of(m)
        w = stats["win_share"]
        d = stats["difference"]
        rows.append([label(m, lang)]
                    + [f"{_pct(w[s]['share'])} % ({_pct(w[s]['ci_low'])}–{_pct(w[s]['ci_high'])})" for s in strategies]
                    + [f"{f(d['median'], lang)} ({f(d['q05'], lang)} – {f(d['q95'], lang)})"]
                    + [f"{f(stats['regret'][s]['mean'], lang)} / {f(stats['regret'][s]['worst10_mean'], lang)}"
                       for s in strategies])
    wwtbt = robust["what_would_have_to_be_true"]
    flips = Table(header=[t["r_assumption"], t["r_scenario_value"], t["r_flip_value"], t["r_range"], t["source"]],
                  rows=[[r["path"], _num(r["scenario_value"]), _flip_cell(r, t),
                         f"{_num(r['low'])} – {_num(r['high'])}", r["source"]] for r in wwtbt["assumptions"]])
    figures = {}
    if runs is not None:
        for m in robust["metrics"]:
            fig = box_figure(robust, runs, m, lang)
            if fig is not None:
                figures[f"flip_boxes_{m}"] = fig
    return Section("robust", t["robust"], t["robust_lead"].format(worlds=robust["worlds"], reps=robust["replications"],
                                                         sampling=t[f"sampling_{robust.get('sampling', 'lhs')}"]),
                   paragraphs=flip_sentences(robust, lang) + [t["r_wwtbt"].format(metric=label(wwtbt["metric"], lang))],
                   tables=[Table(header=header, rows=rows), flips], figures=figures)
