"""Plan against plan in the report and on the command line: a verdict sentence for every
difference (second plan minus first, per strategy, with its 95 % CI), the payback day of
the second plan, and the assumptions that differ side by side.

Everything is read from ``comparison.json``'s ``plans`` (:func:`experiments.plans.plan_statistics`),
so ``siyu report DIR`` rebuilds the section without running anything.
"""

from __future__ import annotations

from reports import fmt
from reports.i18n import labels
from reports.page import Section, Table
from sim.outcomes import BY_NAME, COMPARED, label

#: the differences the command line and the verdict block speak of first
HEADLINE = ("gmv_total", "profit", "retention_90", "repurchase_rate", "pool_final")


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:,.6g}"
    if v is None:
        return "—"
    return str(v)


def difference_sentence(plans: dict, strategy: str, metric: str, lang: str = "en") -> str | None:
    """One sentence on one difference: which plan gives more of ``metric`` under ``strategy``,
    by how much (95 % CI), or that the CI includes 0 (no clear difference)."""
    t = labels(lang)
    d = plans["difference"][strategy].get(metric)
    if d is None or d["mean"] is None:
        return None
    f = bare = fmt.of(metric)
    if BY_NAME[metric].kind == "share":  # a difference of shares is in percentage points
        bare = lambda x, lang: f"{100 * x:.1f}"  # noqa: E731
        f = lambda x, lang: t["p_points"].format(x=bare(x, lang))  # noqa: E731
    names = {"strategy": strategy, "first": plans["first"]["label"], "second": plans["second"]["label"],
             "metric": label(metric, lang), "d": f(abs(d["mean"]), lang), "lo": bare(d["ci_low"], lang),
             "hi": bare(d["ci_high"], lang), "diff": f(d["mean"], lang)}
    if d["ci_low"] is not None and (d["ci_low"] > 0 or d["ci_high"] < 0):
        word = t["v_more"] if d["mean"] > 0 else t["v_less"]
        better = BY_NAME[metric].direction * d["mean"]
        judged = "" if better == 0 else (t["p_better"] if better > 0 else t["p_worse"])
        return t["p_diff"].format(**names, word=word, judged=judged)
    return t["p_no_diff"].format(**names)


def payback_sentence(plans: dict, strategy: str, lang: str = "en") -> str:
    t = labels(lang)
    p = plans["payback_day"][strategy]
    names = {"strategy": strategy, "first": plans["first"]["label"], "second": plans["second"]["label"]}
    if p["mean"] is None:
        return t["p_no_payback"].format(**names)
    return t["p_payback"].format(**names, day=f"{p['mean']:.0f}", lo=f"{p['ci_low']:.0f}", hi=f"{p['ci_high']:.0f}",
                                 share=f"{100 * p['share_crossed']:.0f}")


def plan_verdicts(plans: dict, lang: str = "en", metrics=HEADLINE) -> list[str]:
    """The headline sentences: for each strategy, the headline differences and the payback."""
    out = []
    for s in plans["strategies"]:
        out += [x for m in metrics if (x := difference_sentence(plans, s, m, lang)) is not None]
        out.append(payback_sentence(plans, s, lang))
    return out


def plans_section(plans: dict, lang: str = "en") -> Section:
    """The section: every compared metric's difference per strategy (CI and verdict), and
    the assumptions that differ between the plans."""
    t = labels(lang)
    rows = []
    for s in plans["strategies"]:
        for m in COMPARED:
            d = plans["difference"][s].get(m)
            if d is None or d["mean"] is None:
                continue
            f = fmt.of(m)
            rows.append([label(m, lang), s, f"{f(d['mean'], lang)} ({f(d['ci_low'], lang)} – {f(d['ci_high'], lang)})",
                         difference_sentence(plans, s, m, lang) or ""])
    first, second = plans["first"]["label"], plans["second"]["label"]
    diffs = Table(header=[t["r_metric"], t["strategies"], t["p_diff_head"].format(first=first, second=second),
                          t["verdict"]], rows=rows)
    assumptions = Table(header=[t["parameter"], first, second],
                        rows=[[a["path"], _value(a["first"]), _value(a["second"])] for a in plans["assumptions"]])
    paragraphs = [payback_sentence(plans, s, lang) for s in plans["strategies"]]
    if not plans["assumptions"]:
        paragraphs.append(t["p_same"])
    return Section("plans", t["plans"], t["plans_lead"].format(first=first, second=second, reps=plans["replications"],
                                                                 seed=plans["seed"]),
                   paragraphs=paragraphs, tables=[diffs, assumptions])
