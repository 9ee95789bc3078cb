"""The report's customer value section: LTV, CAC, LTV/CAC, GMV per member, silent members,
delete rate, the share still active after 90 days (and, with ``--outlook``, the expected
share and orders in the next 90 days) and group stays (quit rates, median days in a group)
per strategy, then the figures by acquisition channel (means and 95 % CIs from
``comparison.json``; the figures are defined in :mod:`sim.customer_value`)."""

from __future__ import annotations

from reports import fmt
from reports.i18n import labels, strategy_label
from reports.page import Section, Table
from sim.outcomes import label

#: the section's metrics, in the order shown
METRICS = ("ltv_12m", "ltv_24m", "ltv_36m", "cac", "ltv_cac_12m", "gmv_per_member", "silent_30", "silent_90",
           "delete_rate", "still_active_90", "outlook_active_90", "outlook_purchases_90", "group_quit_30",
           "group_quit_90", "group_median_days")
#: metrics a comparison holds only when asked for (compare --outlook): no row without them
ON_REQUEST = ("outlook_active_90", "outlook_purchases_90")
#: a channel's figures shown, with the outcome whose format they share
CHANNEL_FIGURES = (("customers", "customers_acquired"), ("ltv_12m", "ltv_12m"), ("cac", "cac"),
                   ("ltv_cac_12m", "ltv_cac_12m"))


def _cell(stat: dict | None, metric: str, lang: str) -> str:
    if stat is None or stat["mean"] is None:
        return labels(lang)["na"]
    f = fmt.of(metric)
    return f"{f(stat['mean'], lang)} ({f(stat['ci_low'], lang)} – {f(stat['ci_high'], lang)})"


def customer_value_section(summary: dict, strategies: list[str], lang: str = "en") -> Section | None:
    """The section, or ``None`` for a comparison made before these figures existed."""
    t = labels(lang)
    per = summary["strategies"]
    if not any("ltv_12m" in per[s] for s in strategies):
        return None
    names = [strategy_label(s, lang) for s in strategies]
    shown = [m for m in METRICS if m not in ON_REQUEST
             or any((per[s].get(m) or {}).get("mean") is not None for s in strategies)]
    overall = Table(header=[t["r_metric"], *names],
                    rows=[[label(m, lang), *[_cell(per[s].get(m), m, lang) for s in strategies]] for m in shown])
    tables = [overall]
    by_channel = summary.get("by_channel") or {}
    for s in strategies:
        channels = by_channel.get(s) or {}
        if channels:
            tables.append(Table(header=[f"{strategy_label(s, lang)}: {t['cv_channel']}",
                                        *[label(m, lang) if k != "customers" else t["cv_new"] for k, m in CHANNEL_FIGURES]],
                                rows=[[t.get(f"cv_{name}", name), *[_cell(figures.get(k), m, lang) for k, m in CHANNEL_FIGURES]]
                                      for name, figures in channels.items()],
                                verbatim=(0,)))  # a public channel's name is the scenario's own identifier
    return Section("customer_value", t["customer_value"], t["customer_value_lead"], tables=tables)
