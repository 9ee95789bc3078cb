"""The comparison report: verdict first, KPI cards, funnel, over time, cohorts, who pays,
assumptions. One self-contained HTML file (see :mod:`reports.page`).

Every sentence of the verdict is generated from the numbers in ``comparison.json``
with its 95 % confidence interval; nothing is hand-written.
"""

from __future__ import annotations

from agents.strategy import colour
from experiments.stats import mean_ci
from reports import fmt
from reports.assumptions import parameters
from reports.domain_section import domain_section
from reports.customer_value_section import customer_value_section
from reports.figures import ComparisonFigures
from reports.i18n import labels, strategy_label
from reports.meanings_zh import parameter_meaning_zh
from reports.money_section import money_section
from reports.page import Page, Section, Table, render_page
from reports.plans_section import plan_verdicts, plans_section
from reports.robust_section import robust_section
from reports.strategy_section import strategies_section
from sim.outcomes import KPIS, bounds, label


def _cap(name: str, lang: str) -> str:
    return name[:1].upper() + name[1:] if lang == "en" else name


def verdicts(summary: dict, lang: str = "en", robust: dict | None = None) -> list[str]:
    """Headline sentences generated from the numbers, each with its uncertainty.

    The relative GMV difference and its CI are the paired difference's mean and CI
    divided by the first strategy's mean GMV. With a robust comparison (``robust``, what
    ``robust.json`` holds) the GMV sentence gives instead the median and 90 % interval of
    the difference across plausible worlds and the share of worlds the second wins."""
    t = labels(lang)
    first, second = summary["compared"]["first"], summary["compared"]["second"]
    s, diff, days = summary["strategies"], summary["difference"], summary["days"]
    shown = {k: strategy_label(v, lang) for k, v in (("first", first), ("second", second))}
    names = {**shown, "First": _cap(shown["first"], lang), "Second": _cap(shown["second"], lang), "days": days}
    out = []
    g1, g2, d = s[first]["gmv_total"], s[second]["gmv_total"], diff["gmv_total"]
    r = (robust or {}).get("metrics", {}).get("gmv_total")
    if r is not None and r["difference"]["relative_median"] is not None:
        rd, share = r["difference"], r["win_share"][second]
        rel = 100 * rd["relative_median"]
        out.append(t["v_gmv_robust"].format(
            **names, rel=f"{abs(rel):.0f}", word=t["v_more"] if rel >= 0 else t["v_less"],
            lo=f"{100 * rd['relative_q05']:.0f}", hi=f"{100 * rd['relative_q95']:.0f}", worlds=robust["worlds"],
            share=f"{100 * share['share']:.0f}", slo=f"{100 * share['ci_low']:.0f}", shi=f"{100 * share['ci_high']:.0f}",
            g2=fmt.money(g2["mean"], lang), g1=fmt.money(g1["mean"], lang)))
    elif g1["mean"] and d["mean"] is not None:
        rel, lo, hi = (100 * d[k] / g1["mean"] for k in ("mean", "ci_low", "ci_high"))
        sig = "" if d["p_value"] is not None and d["p_value"] < 0.05 else t["v_not_sig"]
        out.append(t["v_gmv"].format(**names, rel=f"{abs(rel):.0f}", word=t["v_more"] if rel >= 0 else t["v_less"],
                                     lo=f"{lo:.0f}", hi=f"{hi:.0f}", sig=sig,
                                     g2=fmt.money(g2["mean"], lang), g1=fmt.money(g1["mean"], lang)))
    c = summary["crossover_day"]
    if c["mean"] is not None:
        out.append(t["v_cross"].format(**names, day=f"{c['mean']:.0f}", lo=f"{c['ci_low']:.0f}", hi=f"{c['ci_high']:.0f}",
                                       share=f"{100 * c['share_crossed']:.0f}"))
    else:
        out.append(t["v_no_cross"].format(**names))
    pay = summary.get("payback_day")
    if pay is not None and pay["mean"] is not None:
        out.append(t["v_payback"].format(**names, day=f"{pay['mean']:.0f}", lo=f"{pay['ci_low']:.0f}",
                                         hi=f"{pay['ci_high']:.0f}", share=f"{100 * pay['share_crossed']:.0f}"))
    r1, r2 = s[first]["retention_90"], s[second]["retention_90"]
    if r1["mean"] is not None and r2["mean"] is not None:
        (r1lo, r1hi), (r2lo, r2hi) = (fmt.interval(r["ci_low"], r["ci_high"], "retention_90", lang) for r in (r1, r2))
        out.append(t["v_retention"].format(**names, r1=fmt.pct(r1["mean"], lang), r1lo=r1lo, r1hi=r1hi,
                                           r2=fmt.pct(r2["mean"], lang), r2lo=r2lo, r2hi=r2hi))
    if "profit" in s[first] and "profit" in diff and s[first]["profit"]["mean"] is not None:
        p1, p2, dp = s[first]["profit"], s[second]["profit"], diff["profit"]
        m = lambda x: fmt.money(x, lang)  # noqa: E731
        (p1lo, p1hi), (p2lo, p2hi), (dlo, dhi) = (fmt.interval(x["ci_low"], x["ci_high"], "profit", lang)
                                                  for x in (p1, p2, dp))
        out.append(t["v_profit"].format(**names, p1=m(p1["mean"]), p1lo=p1lo, p1hi=p1hi, p2=m(p2["mean"]), p2lo=p2lo,
                                        p2hi=p2hi, d=m(dp["mean"]), dlo=dlo, dhi=dhi))
    t1, t2 = s[first]["top20_gmv_share"], s[second]["top20_gmv_share"]
    if t1["mean"] is not None and t2["mean"] is not None:
        s2lo, s2hi = fmt.interval(t2["ci_low"], t2["ci_high"], "top20_gmv_share", lang, fmt.pct_whole)
        out.append(t["v_top20"].format(**names, s2=fmt.pct_whole(t2["mean"], lang), s2lo=s2lo, s2hi=s2hi,
                                       s1=fmt.pct_whole(t1["mean"], lang)))
    return out


def _bounded(x: float | None, key: str) -> float | None:
    """``x`` cut to what the metric can possibly be (:func:`sim.outcomes.bounds`): a
    t-interval over few replications can stray past it (a ban count of "-3" would only
    confuse a client)."""
    lo, hi = bounds(key)
    if x is None:
        return None
    if lo is not None:
        x = max(x, lo)
    return min(x, hi) if hi is not None else x


def _kpi_value(comparison, strategy: str, key: str) -> dict | None:
    """Mean and CI from ``comparison.json``; else from the run table (keys added to the run
    summary after ``COMPARED`` was written); ``None`` when the results do not hold it."""
    stat = comparison.summary["strategies"][strategy].get(key)
    if stat is not None:
        return stat
    runs = comparison.runs
    if key in runs:
        return mean_ci(runs.loc[runs["strategy"] == strategy, key].tolist())
    return None


def kpi_cards(comparison, lang: str = "en") -> list[dict]:
    """One row of KPI cards per strategy (value and 95 % CI)."""
    t = labels(lang)
    rows = []
    for i, strategy in enumerate(comparison.strategies):
        cards = []
        for key in KPIS:
            v = _kpi_value(comparison, strategy, key)
            if v is None:
                continue
            lo, hi = _bounded(v["ci_low"], key), _bounded(v["ci_high"], key)
            f = fmt.of(key)
            ci = f"{t['ci']} {f(lo, lang)} – {f(hi, lang)}" if v["mean"] is not None else ""
            cards.append({"label": label(key, lang), "value": f(v["mean"], lang), "ci": ci})
        rows.append({"strategy": strategy_label(strategy, lang), "colour": colour(strategy, i), "cards": cards})
    return rows


def assumptions_section(scenario, lang: str = "en", stored: bool = True) -> Section:
    """Every scenario parameter with value, unit, meaning and source comment: first those
    the scenario chose (written in its file, changed after loading, or given a plausible
    range), then the engine's internals at their defaults, folded away."""
    t = labels(lang)
    text = getattr(scenario, "_source_text", None)
    rows, header = parameters(scenario, text)
    paragraphs = [t["file_header_lead"]] if header else []
    if text is None:
        paragraphs.append(t["no_file"])

    def table(chosen: list, collapsed: str = "") -> Table:
        return Table(header=[t["parameter"], t["value"], t["unit"], t["meaning"], t["source"]],
                     rows=[[r.path, r.value + (f" · {t['plausible'].format(range=r.uncertain)}" if r.uncertain else ""),
                            t[r.unit], (lang == "zh" and parameter_meaning_zh(r.path)) or r.meaning, r.source]
                           for r in chosen], css="params", verbatim=(0, 1, 4),
                     notes=[t["overridden"].format(was=r.file_value) if r.file_value is not None else ""
                            for r in chosen], warn_notes=True, collapsed=collapsed)

    key = [r for r in rows if r.matters] if text is not None else rows
    rest = [r for r in rows if not r.matters] if text is not None else []
    tables = [table(key)] + ([table(rest, t["engine_internals"].format(n=len(rest)))] if rest else [])
    return Section("assumptions", t["assumptions"], t["assumptions_lead"], paragraphs=paragraphs, tables=tables,
                   quotes=[header] if header else [])


def comparison_page(comparison, lang: str = "en") -> Page:
    """The report page of a :class:`~experiments.compare.Comparison`, as data."""
    t = labels(lang)
    summary = comparison.summary
    figs = ComparisonFigures(comparison, lang=lang)
    sections = [Section(sid, t[sid], t[f"{sid}_lead"], figures={name: getattr(figs, name)() for name in names},
                        full_width=ComparisonFigures.FULL_WIDTH)
                for sid, names in ComparisonFigures.SECTIONS.items()]
    sections[:0] = [s for s in (strategies_section(comparison, lang), money_section(comparison, lang)) if s is not None]
    robust = comparison.robust.summary if getattr(comparison, "robust", None) is not None else None
    if robust is not None:
        sections.append(robust_section(robust, comparison.strategies, lang, comparison.robust.runs))
    value = customer_value_section(summary, comparison.strategies, lang)
    if value is not None:
        sections.append(value)
    plans = summary.get("plans")
    if plans is not None:  # plan against plan: its differences come first
        sections.insert(0, plans_section(plans, lang))
    sections.append(assumptions_section(comparison.scenario, lang))
    sections.append(domain_section(lang))
    identity = [(t["scenario"], summary["scenario"]), (t["scenario_hash"], summary["scenario_hash"]),
                (t["seed"], str(summary["seed"])), (t["replications"], str(summary["replications"])),
                (t["days"], str(summary["days"])),
                (t["strategies"], ", ".join(strategy_label(s, lang) for s in comparison.strategies)),
                (t["version"], str(summary["version"]))]
    if robust is not None:
        note = t["verdict_note_robust"].format(worlds=robust["worlds"], reps=robust["replications"])
    elif comparison.scenario.uncertainties:
        note = t["verdict_note_fixed"].format(reps=summary["replications"])
    else:
        note = t["verdict_note"].format(reps=summary["replications"])
    return Page(title=summary["scenario"], subtitle=comparison.scenario.description,
                verdicts=(plan_verdicts(plans, lang) if plans is not None else []) + verdicts(summary, lang, robust),
                verdict_note=note,
                kpis=kpi_cards(comparison, lang), sections=sections, identity=identity,
                reproduce=(f"siyu compare scenario.toml --strategies {','.join(comparison.strategies)} "
                           f"--seed {summary['seed']} --replications {summary['replications']} --days {summary['days']}"))


def render_comparison(comparison, lang: str = "en") -> str:
    """The report page for a :class:`~experiments.compare.Comparison` (HTML text)."""
    return render_page(comparison_page(comparison, lang), lang)
