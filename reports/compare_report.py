"""The comparison page: one self-contained HTML file (plotly.js inlined once, no network).

Built with jinja2 and autoescaping, so scenario and strategy names (user text) can never
inject markup.
"""

from __future__ import annotations

import datetime as _dt

import jinja2
from plotly.offline import get_plotlyjs

from reports.figures import ComparisonFigures

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
)


def _money(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:,.1f}k"
    return f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def verdicts(summary: dict) -> list[str]:
    """Headline sentences generated from the numbers, each with its uncertainty."""
    first, second = summary["compared"]["first"], summary["compared"]["second"]
    s = summary["strategies"]
    days = summary["days"]
    out = []
    g1, g2 = s[first]["gmv_total"], s[second]["gmv_total"]
    d = summary["difference"]["gmv_total"]
    if g1["mean"]:
        rel, lo, hi = (100 * d[k] / g1["mean"] for k in ("mean", "ci_low", "ci_high"))
        word = "more" if rel >= 0 else "less"
        sig = "" if d["p_value"] is not None and d["p_value"] < 0.05 else " (not significant at 5 %)"
        out.append(f"Over {days} days {second} earns {abs(rel):.0f} % {word} GMV than {first} "
                   f"(95 % CI {lo:.0f} to {hi:.0f} %){sig}: {_money(g2['mean'])} vs {_money(g1['mean'])} yuan.")
    c = summary["crossover_day"]
    if c["mean"] is not None:
        out.append(f"{first.capitalize()} leads on cumulative GMV until day {c['mean']:.0f} "
                   f"(95 % CI {c['ci_low']:.0f}-{c['ci_high']:.0f}); {second} stays ahead after that in "
                   f"{100 * c['share_crossed']:.0f} % of replications.")
    else:
        out.append(f"{second.capitalize()} never overtakes {first} for good on cumulative GMV within {days} days.")
    r1, r2 = s[first]["retention_90"], s[second]["retention_90"]
    if r1["mean"] is not None and r2["mean"] is not None:
        out.append(f"90-day retention: {second} {_pct(r2['mean'])} (CI {_pct(r2['ci_low'])}-{_pct(r2['ci_high'])}) "
                   f"vs {first} {_pct(r1['mean'])} (CI {_pct(r1['ci_low'])}-{_pct(r1['ci_high'])}).")
    return out


KPIS = (("gmv_total", "GMV, yuan", _money), ("retention_90", "90-day retention", _pct),
        ("repurchase_rate", "repurchase rate", _pct), ("pool_final", "pool at the end", _money),
        ("top20_gmv_share", "GMV from top 20 %", _pct), ("bans", "account bans", lambda x: f"{x:.1f}"))


def render_comparison(comparison) -> str:
    """The report page for a :class:`~experiments.compare.Comparison`."""
    summary = comparison.summary
    figs = ComparisonFigures(comparison).all()
    charts = {k: f.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{k}",
                           config={"displaylogo": False}) for k, f in figs.items()}
    kpis = []
    for strategy in comparison.strategies:
        row = []
        for key, label, fmt in KPIS:
            v = summary["strategies"][strategy][key]
            ci = f"{fmt(v['ci_low'])} - {fmt(v['ci_high'])}" if v["mean"] is not None else ""
            row.append({"label": label, "value": fmt(v["mean"]) if v["mean"] is not None else "n/a", "ci": ci})
        kpis.append({"strategy": strategy, "cards": row})
    template = _ENV.get_template("compare.html.j2")
    return template.render(
        title=comparison.scenario.name, summary=summary, verdicts=verdicts(summary), kpis=kpis,
        charts=charts, plotlyjs=get_plotlyjs(), scenario=comparison.scenario,
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
