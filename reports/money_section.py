"""Where the money goes: profit, ROI and contribution defined (:mod:`sim.money`, the one
place they are computed) and each strategy's revenue and costs, mean and 95 % CI over
replications, from the run table.

Acquisition is one figure (paid contacts and joining hooks are booked together), as is
the cost of running the accounts and their content (operating cost less staff): the
engine does not track their parts apart, and the table says so rather than split them.
"""

from __future__ import annotations

import numpy as np

from experiments.stats import mean_ci
from reports import fmt
from reports.i18n import labels, strategy_label
from reports.page import Section, Table
from sim import money

#: the breakdown's rows, top to bottom: (label key, how a run's value is computed, kind);
#: the cost rows subtract, in the order of :func:`sim.money.profit`
ROWS = (
    ("m_gmv", lambda r, margin: r["gmv_total"], "money"),
    ("m_margin", lambda r, margin: r["gmv_total"] * margin, "money"),
    ("m_take", lambda r, margin: r["take_paid"], "cost"),
    ("m_acquisition", lambda r, margin: r["acquisition_cost"], "cost"),
    ("m_rewards", lambda r, margin: r["reward_cost"], "cost"),
    ("m_contribution", lambda r, margin: money.contribution(r, margin), "money"),
    ("m_staff", lambda r, margin: r["staff_cost"], "cost"),
    ("m_accounts", lambda r, margin: r["operating_cost"] - r["staff_cost"], "cost"),
    ("m_profit", lambda r, margin: r["profit"], "money"),
    ("m_spent", lambda r, margin: money.spent(r["acquisition_cost"], r["reward_cost"], r["operating_cost"]), "cost"),
    ("m_roi", lambda r, margin: r["roi"], "ratio"),
)
NEEDED = ("gmv_total", "take_paid", "acquisition_cost", "reward_cost", "staff_cost", "operating_cost", "profit", "roi")


def breakdown(runs, strategy: str, margin: float) -> dict[str, dict]:
    """Each row of :data:`ROWS` for one strategy: mean and 95 % CI over its replications
    (a cost's interval is cut at zero: it cannot be negative)."""
    mine = runs[runs["strategy"] == strategy]
    out = {}
    for key, value, kind in ROWS:
        values = [value(r, margin) for r in mine.to_dict("records")]
        stat = mean_ci([v for v in values if v is not None and np.isfinite(v)])
        if kind == "cost" and stat["ci_low"] is not None:
            stat["ci_low"] = max(stat["ci_low"], 0.0)
        out[key] = stat
    return out


def _cell(stat: dict, kind: str, lang: str) -> str:
    f = fmt.ratio if kind == "ratio" else fmt.money
    if stat["mean"] is None:
        return f(None, lang)
    return f"{f(stat['mean'], lang)} ({f(stat['ci_low'], lang)} – {f(stat['ci_high'], lang)})"


def money_section(comparison, lang: str = "en") -> Section | None:
    """Definitions, then one row per revenue or cost line and one column per strategy
    (mean and 95 % CI, yuan over the run); ``None`` for results without the cost columns."""
    t = labels(lang)
    runs = comparison.runs
    if any(c not in runs for c in NEEDED):
        return None
    margin = comparison.scenario.category.margin
    per = {s: breakdown(runs, s, margin) for s in comparison.strategies}
    rows = [[t[key], *[_cell(per[s][key], kind, lang) for s in comparison.strategies]] for key, _, kind in ROWS]
    notes = [t.get(f"{key}_note", "").format(margin=fmt.pct(margin, lang, 0)) for key, _, _ in ROWS]
    table = Table(header=[t["m_line"], *[strategy_label(s, lang) for s in comparison.strategies]], rows=rows,
                  css="money", notes=notes)
    return Section("money", t["m_title"], t["m_lead"].format(days=comparison.scenario.days),
                   paragraphs=[t["m_def_profit"], t["m_def_roi"], t["m_def_contribution"], t["m_untracked"]],
                   tables=[table])
