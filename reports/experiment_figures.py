"""The charts of ``siyu sensitivity``, ``siyu optimize`` and ``siyu calibrate`` in the
reader's language, and the sentences about a finished search.

The experiments layer draws each chart and words each sentence in English (the command
line prints them, the result files keep them). In Chinese the same chart is relabelled
here, by what each label is (a metric, an index, a strategy), never by matching English
text: titles, panel titles, legends, hover text and yuan axes (万/亿, :mod:`reports.fmt`).
A search's sentences are worded in Chinese from ``best.json``'s numbers through the same
formatter. English figures and sentences are returned as the experiments layer made them.
"""

from __future__ import annotations

import plotly.graph_objects as go

from experiments.chart_text import chart_text
from experiments.optimize import Constraint, describe_search, gain_significant
from reports import fmt
from reports.figures import money_ticks, trace_values
from reports.i18n import strategy_label
from reports.meanings_zh import LEVER_MEANINGS_ZH
from sim.outcomes import BY_NAME, label

#: the Chinese words of these charts and sentences (English: where each chart is drawn)
ZH = {
    "sobol_title": "Sobol 敏感性指数（95% 置信区间）",
    "morris_title": "Morris 筛选：μ*（95% 置信区间）",
    "ST": "总效应指数",
    "S1": "一阶指数",
    "mu_star": "μ*（Morris 法）",
    "search_title": "{strategy}策略最佳杠杆搜索：{objective}随各杠杆的变化",
    "search_axis": "{objective}（重复模拟平均值）",
    "feasible": "满足约束",
    "infeasible": "不满足约束",
    "chosen": "选定的杠杆",
    "generation": "第 {n} 代",
    "calibration_title": "拟合参数下的观测值与模拟值（阴影带：95% 的重复模拟）",
    "simulated": "模拟值（平均）",
    "observed": "观测值",
    "best": "{strategy}策略的最佳杠杆：{found}；新随机流上的{objective}为 {value}{unit}，预设杠杆（{own}）为 "
            "{preset}{unit}；提升 {gain}{unit}，p = {p}",
    "no_gain": "相对{strategy}策略的预设杠杆（{own}）没有显著提升：找到的最佳候选（{found}）在新随机流上使{objective}"
               "变化 {gain}{unit}（p = {p}），在噪声范围内；请保留预设杠杆，或用更多重复模拟重新搜索",
    "optimistic": "该候选在搜索所用重复模拟上的{objective}：{value}{unit}（偏乐观：它正是在这些运行中被选出的）",
    "constraint": "约束 {name}：新随机流上为 {value}",
    "not_met": "（新随机流上未满足）",
    "limit": "搜索在达到迭代上限（{n} 代）时停止，尚未收敛：提高迭代上限（--maxiter）可能找到更好的杠杆",
    "converged": "搜索在达到迭代上限之前已收敛",
    "search_section": "搜索：{objective}随{strategy}策略杠杆的变化",
    "candidates": "共评估 {n} 个候选",
}

#: the statistics a transaction-log calibration fits (:mod:`experiments.translog`), in Chinese
LOG_FAMILIES_ZH = {
    "repeat_freq": "复购次数分布", "recency": "最近一次购买", "recent_by_freq": "按购买次数的最近购买",
    "cum_repeat": "累计复购", "cum_first": "累计首购", "mean_amount": "平均订单金额",
}


def _yuan_axis(fig: go.Figure, axis: str, lang: str, **where) -> None:
    ticks = money_ticks(trace_values(fig, axis), lang)
    if ticks:
        fig.update_yaxes(**ticks, **where)


def sensitivity_figure(fig: go.Figure, lang: str = "en", panels: dict[str, str] | None = None) -> go.Figure:
    """:func:`experiments.sensitivity.figure` in ``lang``: title, one panel per output (its
    label, or its name in ``panels``), the index of each bar series."""
    if lang != "zh":
        return fig
    sobol = any(tr.legendgroup == "ST" for tr in fig.data)
    fig.update_layout(title=ZH["sobol_title" if sobol else "morris_title"])
    for a in fig.layout.annotations:
        a.text = (panels or {}).get(a.text) or label(a.text, lang)
    for tr in fig.data:
        tr.name = ZH.get(tr.legendgroup, tr.name)
    return fig


def search_figure(fig: go.Figure, objective: str, strategy: str, lang: str = "en") -> go.Figure:
    """:func:`experiments.optimize.search_figure` in ``lang``: title, legend, hover text and
    the objective's axis (yuan in 万/亿)."""
    if lang != "zh":
        return fig
    names = {"feasible": ZH["feasible"], "infeasible": ZH["infeasible"], "chosen": ZH["chosen"]}
    for tr in fig.data:
        tr.name = names.get(tr.legendgroup, tr.name)
        if tr.text is not None and tr.legendgroup in ("feasible", "infeasible"):
            tr.text = [ZH["generation"].format(n=str(t).rsplit(" ", 1)[-1]) for t in tr.text]
    fig.update_yaxes(title_text=ZH["search_axis"].format(objective=label(objective, lang)), row=1, col=1)
    fig.update_layout(title=ZH["search_title"].format(strategy=chart_text(strategy_label(strategy, lang)),
                                                      objective=label(objective, lang)))
    if objective in BY_NAME and BY_NAME[objective].kind in ("money", "cost"):
        _yuan_axis(fig, "y", lang)
    # each lever's axis: its meaning, the identifier after it (as the scenario file spells it)
    fig.for_each_xaxis(lambda ax: ax.update(title_text=f"{LEVER_MEANINGS_ZH[ax.title.text]}（{ax.title.text}）")
                       if ax.title and ax.title.text in LEVER_MEANINGS_ZH else None)
    return fig


def calibration_figure(fig: go.Figure, lang: str = "en") -> go.Figure:
    """:meth:`experiments.calibrate.CalibrationResult.figure` in ``lang``: title, one panel
    per fitted statistic (its label), legend, yuan axes in 万/亿."""
    if lang != "zh":
        return fig
    fig.update_layout(title=ZH["calibration_title"])
    families = []
    for a in fig.layout.annotations:
        families.append(a.text)
        a.text = LOG_FAMILIES_ZH.get(a.text, label(a.text, lang))
    for tr in fig.data:
        tr.name = {"sim": ZH["simulated"], "obs": ZH["observed"]}.get(tr.legendgroup, tr.name)
    for row, family in enumerate(families, start=1):
        if family in BY_NAME and BY_NAME[family].kind in ("money", "cost") or family == "mean_amount":
            _yuan_axis(fig, "y" if row == 1 else f"y{row}", lang, row=row, col=1)
    return fig


def standalone_html(fig: go.Figure, lang: str = "en") -> str:
    """One chart as a self-contained HTML file (plotly.js inlined), its ``lang`` declared."""
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    return html.replace("<html>", '<html lang="zh-CN">', 1) if lang == "zh" else html


def search_sentences(best: dict, lang: str = "en") -> list[str]:
    """:func:`experiments.optimize.describe_search` in ``lang``, from the same ``best.json``."""
    if lang != "zh":
        return describe_search(best)
    o = best["objective"]
    unit = fmt.unit(o, lang)
    v, preset, gain = best["validation"], best["preset"], best["gain_over_preset"]
    found = "，".join(f"{k} = {fmt.plain(x, lang)}" for k, x in best["best"].items())
    own = "，".join(f"{k} = {fmt.plain(x, lang)}" for k, x in (preset.get("levers") or {}).items())
    p = fmt.MISSING[lang] if gain.get("p_value") is None else f"{gain['p_value']:.2g}"
    words = {"strategy": strategy_label(best["strategy"], lang), "objective": label(o, lang), "found": found,
             "own": own, "unit": unit, "p": p, "gain": fmt.difference(gain, o, lang)}
    lines = [ZH["best"].format(**words, value=fmt.stat(v, o, lang), preset=fmt.value(preset.get("mean"), o, lang))
             if gain_significant(gain, best["maximize"]) else ZH["no_gain"].format(**words)]
    lines.append(ZH["optimistic"].format(objective=words["objective"], unit=unit,
                                         value=fmt.value(best["search"]["mean"], o, lang)))
    constraints = best.get("constraints") or {}
    for name, c in constraints.items():
        if name != "satisfied":
            lines.append(ZH["constraint"].format(name=name, value=fmt.stat(c, Constraint.parse(name).output, lang))
                         + ("" if constraints.get("satisfied", True) else ZH["not_met"]))
    if best.get("iteration_limit_hit"):
        lines.append(ZH["limit"].format(n=best.get("maxiter")))
    elif best.get("converged"):
        lines.append(ZH["converged"])
    return lines
