"""Stylized facts from the field (docs/domain.md): the shipped scenarios reproduce what was
observed, and the model shows the qualitative patterns the articles describe.

Range checks pass when the 95 % confidence interval of the replication mean lies inside
the observed range (so a pass is not the luck of one run); contrasts pass when the
paired difference's 95 % CI excludes zero in the expected direction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from agents.play import simulate
from experiments.stats import crossover_day, mean_ci, paired_difference
from experiments.validation.check import Check, say
from sim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _scenario(name: str) -> Scenario:
    return Scenario.from_toml(SCENARIOS / f"{name}.toml")


def _runs(sc: Scenario, strategy: str, reps: int):
    return [simulate(sc, strategy, replication=i) for i in range(reps)]


def _with_levers(sc: Scenario, strategy: str, **levers) -> Scenario:
    """``sc`` with lever overrides for one strategy, keeping every other override it has
    (``strategy.levers`` is replaced as a whole by ``with_overrides``)."""
    current = sc.model_dump(mode="json")["strategy"]["levers"]
    current[strategy] = current.get(strategy, {}) | levers
    return sc.with_overrides(**{"strategy.levers": current})


def _bar(labels, means, lows, highs, title, y):
    fig = go.Figure([go.Bar(x=labels, y=means, error_y={"type": "data", "array": np.subtract(highs, means),
                                                        "arrayminus": np.subtract(means, lows)})])
    fig.update_layout(template="plotly_white", height=320, title=title, yaxis_title=y)
    return fig


def _range_check(name, compares, values, low, high, unit_scale, unit, evidence_fmt, title) -> Check:
    """``values`` against the observed range ``low``-``high``; the sentences ``compares``,
    ``evidence_fmt`` and ``title`` are said in other languages under the key ``name``."""
    ci = mean_ci(values)
    ok = (low is None or ci["ci_low"] >= low) and (high is None or ci["ci_high"] <= high)
    target = (f"{low * unit_scale:g}-{high * unit_scale:g} {unit}" if low is not None and high is not None
              else f">= {low * unit_scale:g} {unit}" if low is not None else f"<= {high * unit_scale:g} {unit}")
    fig = _bar(["simulated"], [ci["mean"] * unit_scale], [ci["ci_low"] * unit_scale], [ci["ci_high"] * unit_scale],
               title, unit)
    for v in (low, high):
        if v is not None:
            fig.add_hline(y=v * unit_scale, line_dash="dot", line_color="#d62728")
    return Check(name=name, family="stylized", compares=compares, expected=target,
                 observed=f"{ci['mean'] * unit_scale:.1f} {unit} (95 % CI {ci['ci_low'] * unit_scale:.1f}-"
                          f"{ci['ci_high'] * unit_scale:.1f}, {len(values)} replications)",
                 tolerance="95 % CI of the mean inside the observed range", passed=bool(ok),
                 evidence=evidence_fmt.format(mean=ci["mean"] * unit_scale, n=len(values), target=target),
                 figure=fig, details={"ci": ci},
                 statements=_range_statements(name, ci, low, high, unit_scale, len(values)),
                 chart={"title": say(f"stylized.{name}.title"), "yaxis": say("percent"), "x.0": [say("simulated")]})


def _range_statements(name, ci, low, high, unit_scale, n) -> dict:
    """What a range check's sentences say (its unit is the percent every range check uses)."""
    scaled = {k: None if v is None else v * unit_scale for k, v in (("low", low), ("high", high))}
    target = say("stylized.range_both" if low is not None and high is not None
                 else "stylized.range_above" if low is not None else "stylized.range_below", **scaled)
    facts = {"mean": ci["mean"] * unit_scale, "lo": ci["ci_low"] * unit_scale, "hi": ci["ci_high"] * unit_scale,
             "n": n, "target": target}
    return {"compares": say(f"stylized.{name}.compares"), "expected": target,
            "observed": say("stylized.range_observed", **facts), "tolerance": say("stylized.range_tolerance"),
            "evidence": say(f"stylized.{name}.evidence", **facts)}


def _contrast(name, compares, expected, a, b, direction, labels, unit, title, evidence, key: str = "",
              facts: dict | None = None) -> Check:
    """``direction`` +1: b > a expected; -1: b < a. Other languages say the sentences under
    ``key`` (default ``name``) with ``facts``, ``labels`` as ``key.labels``."""
    d = paired_difference(a, b)
    ok = d["ci_low"] > 0 if direction > 0 else d["ci_high"] < 0
    ca, cb = mean_ci(a), mean_ci(b)
    fig = _bar(labels, [ca["mean"], cb["mean"]], [ca["ci_low"], cb["ci_low"]], [ca["ci_high"], cb["ci_high"]], title, unit)
    return Check(name=name, family="stylized", compares=compares, expected=expected,
                 observed=f"{labels[0]} {ca['mean']:,.3g}, {labels[1]} {cb['mean']:,.3g}; difference {d['mean']:,.3g} "
                          f"(95 % CI {d['ci_low']:,.3g} to {d['ci_high']:,.3g})",
                 tolerance="paired 95 % CI of the difference excludes 0 in the expected direction", passed=bool(ok),
                 evidence=evidence + (" — as observed." if ok else " — NOT reproduced."), figure=fig,
                 details={"difference": d},
                 statements=_contrast_statements(key or name, facts or {}, ca, cb, d, bool(ok)),
                 chart={"title": say(f"stylized.{key or name}.title", **(facts or {})),
                        "yaxis": say(f"stylized.{key or name}.unit"), "yuan": unit.startswith("yuan"),
                        "x.0": [say(f"stylized.{key or name}.label0"), say(f"stylized.{key or name}.label1")]})


def _contrast_statements(key: str, facts: dict, ca: dict, cb: dict, d: dict, ok: bool) -> dict:
    """What a contrast's sentences say, under ``key``."""
    observed = say("stylized.contrast_observed", first=say(f"stylized.{key}.label0"), a=ca["mean"],
                   second=say(f"stylized.{key}.label1"), b=cb["mean"], d=d["mean"], lo=d["ci_low"], hi=d["ci_high"])
    return {"compares": say(f"stylized.{key}.compares", **facts), "expected": say(f"stylized.{key}.expected", **facts),
            "observed": [observed], "tolerance": [say("stylized.contrast_tolerance")],
            "evidence": [say(f"stylized.{key}.evidence", **facts), say("stylized.as_observed" if ok else "stylized.not_reproduced")]}


def check_stylized(quick: bool) -> list[Check]:
    reps = 6 if quick else 20
    out = []
    coupon = _scenario("coupon_group")
    loss = [1 - r.daily["pool"].iloc[29] / coupon.market.initial_pool for r in _runs(coupon, "harvest", reps * 2)]
    out.append(_range_check("coupon_group_monthly_loss", "coupon group's pool lost in its first month under harvest "
                            "vs the observed 200 -> 163 members (18.5 %)", loss, 0.12, 0.25, 100, "%",
                            "A coupon-fed group under harvest lost {mean:.1f} % of its members in a month over {n} runs "
                            "(observed: 18.5 %; accepted {target}).", "Coupon group: members lost in 30 days"))

    hotel = _scenario("hotel_concierge")
    if quick:
        hotel = hotel.with_overrides(**{"market.audience": 40_000, "days": 180})
    rep = [r.summary["repurchase_rate"] for r in _runs(hotel, "nurture", max(reps // 2, 3))]
    out.append(_range_check("hotel_repurchase", "hotel team's repurchase rate under nurture vs the observed ~80 %",
                            rep, 0.70, None, 100, "%", "The hotel-booking scenario under nurture repurchased at "
                            "{mean:.1f} % over {n} runs (observed about 80 %; accepted {target}).",
                            "Hotel concierge: repurchase rate"))

    default = _scenario("default")
    runs = {s: _runs(default, s, reps) for s in ("harvest", "nurture")}
    top = [r.summary["top20_gmv_share"] for r in runs["nurture"]]
    out.append(_range_check("pareto_top20_share", "share of GMV from the top 20 % of customers (nurture, default) "
                            "vs the 80/20 rule", top, 0.65, 0.90, 100, "%", "Under nurture the top fifth of customers "
                            "brought {mean:.1f} % of GMV over {n} runs (the field's rule of thumb: about 80 %; accepted {target}).",
                            "Default, nurture: GMV share of the top 20 %"))

    h30, n30 = [r.summary["gmv_30"] for r in runs["harvest"]], [r.summary["gmv_30"] for r in runs["nurture"]]
    h365, n365 = [r.summary["gmv_365"] for r in runs["harvest"]], [r.summary["gmv_365"] for r in runs["nurture"]]
    d30, d365 = paired_difference(h30, n30), paired_difference(h365, n365)
    days = [crossover_day(np.cumsum(a.daily["gmv"].to_numpy()), np.cumsum(b.daily["gmv"].to_numpy()))
            for a, b in zip(runs["harvest"], runs["nurture"])]
    ok = d30["ci_high"] < 0 and d365["ci_low"] > 0
    fig = go.Figure()
    for s, col in (("harvest", "#d62728"), ("nurture", "#2ca02c")):
        cum = np.mean([np.cumsum(r.daily["gmv"].to_numpy()) for r in runs[s]], axis=0)
        fig.add_trace(go.Scatter(x=np.arange(1, cum.size + 1), y=cum, name=s, line={"color": col}))
    fig.update_layout(template="plotly_white", height=320, title="Default: cumulative GMV (mean of replications)",
                      xaxis_title="day", yaxis_title="yuan")
    known = [d for d in days if d is not None]
    crossing = float(np.median(known)) if known else None
    facts = {"d30": d30["mean"], "d30_lo": d30["ci_low"], "d30_hi": d30["ci_high"], "d365": d365["mean"],
             "d365_lo": d365["ci_low"], "d365_hi": d365["ci_high"], "day": crossing, "reps": reps}
    out.append(Check(
        name="harvest_then_nurture_crossover", family="stylized",
        compares="nurture minus harvest GMV at day 30 and day 365 on default.toml (harvest wins short-term, nurture over months)",
        expected="day-30 difference < 0 and day-365 difference > 0",
        observed=f"day 30: {d30['mean']:,.0f} (CI {d30['ci_low']:,.0f} to {d30['ci_high']:,.0f}); day 365: "
                 f"{d365['mean']:,.0f} (CI {d365['ci_low']:,.0f} to {d365['ci_high']:,.0f}); median crossover day "
                 f"{np.median(known) if known else 'none'}",
        tolerance="paired 95 % CIs exclude 0", passed=bool(ok),
        evidence=(f"Harvest led on GMV in the first month and nurture over the year in {reps} paired runs; the lines "
                  f"crossed around day {np.median(known) if known else 'n/a'}."),
        figure=fig, details={"d30": d30, "d365": d365, "crossover_days": days},
        statements={k: say(f"stylized.crossover.{k}", **facts)
                    for k in ("compares", "expected", "observed", "tolerance", "evidence")},
        chart={"title": say("stylized.crossover.title"), "xaxis": say("day"), "yaxis": say("yuan"), "yuan": True,
               "trace.0": say("strategy", name="harvest"), "trace.1": say("strategy", name="nurture")}))

    out.append(_inverted_u(default, quick))

    harvest_sc = default.with_overrides(days=120 if quick else 365)
    hook = _with_levers(harvest_sc, "harvest", hook=60.0)
    nohook = _with_levers(harvest_sc, "harvest", hook=0.0)
    rh, rn = _runs(hook, "harvest", reps), _runs(nohook, "harvest", reps)
    pool_h, pool_n = [r.summary["customers_acquired"] for r in rh], [r.summary["customers_acquired"] for r in rn]
    per_h = [r.summary["gmv_total"] / max(r.summary["customers_acquired"], 1) for r in rh]
    per_n = [r.summary["gmv_total"] / max(r.summary["customers_acquired"], 1) for r in rn]
    a = _contrast("false_prosperity_pool", "members acquired with a 60-yuan hook vs no hook (harvest, default)",
                  "bigger pool with the hook", pool_n, pool_h, +1, ["no hook", "hook 60"], "members acquired",
                  "Coupon hooks: members acquired", "A coupon hook brought in more members")
    b = _contrast("false_prosperity_gmv_per_member", "GMV per acquired member with a 60-yuan hook vs no hook",
                  "lower GMV per member with the hook", per_n, per_h, -1, ["no hook", "hook 60"], "yuan per member",
                  "Coupon hooks: GMV per member", "but each member bought less (deal-seekers)")
    out += [a, b]

    bad = default.with_overrides(**{"category.quality": 0.2}, days=180 if quick else 365)
    good = default.with_overrides(days=180 if quick else 365)
    for s in ("harvest", "nurture"):
        g = [r.summary["repurchase_rate"] for r in _runs(good, s, reps)]
        bd = [r.summary["repurchase_rate"] for r in _runs(bad, s, reps)]
        c = _contrast(f"bad_product_{s}", f"repurchase rate with quality 0.2 vs the default 0.85 under {s}",
                      "repurchase collapses (lower by at least a third)", g, bd, -1, ["quality 0.85", "quality 0.2"],
                      "repurchase rate", f"Bad product under {s}", f"A bad product cut repurchase under {s}",
                      key="bad_product", facts={"strategy": s})
        ratio = float(np.mean(bd) / max(np.mean(g), 1e-9))
        c.passed = bool(c.passed and ratio <= 2 / 3)
        c.observed += f"; ratio {ratio:.2f}"
        c.tolerance += "; and bad/good ratio <= 2/3"
        c.statements["observed"].append(say("stylized.ratio", ratio=ratio))
        c.statements["tolerance"].append(say("stylized.ratio_tolerance"))
        out.append(c)

    out.append(_ban_wipes_friends())
    return out


def _inverted_u(default: Scenario, quick: bool) -> Check:
    """Profit vs Moments posts per day under nurture: rises, peaks, falls (interior maximum)."""
    sc = default.with_overrides(days=180 if quick else 365)
    posts = [0.0, 2.0, 6.0, 12.0] if quick else [0.0, 1.0, 2.0, 4.0, 6.0, 9.0, 12.0]
    reps = 6 if quick else 10  # paired runs per level: fewer cannot separate the peak from the ends
    prof = []
    for m in posts:
        s = _with_levers(sc, "nurture", moments_posts=m)
        prof.append([r.summary["profit"] for r in _runs(s, "nurture", reps)])
    means = [float(np.mean(p)) for p in prof]
    best = int(np.argmax(means))
    interior = 0 < best < len(posts) - 1
    left = paired_difference(prof[0], prof[best]) if interior else None
    right = paired_difference(prof[-1], prof[best]) if interior else None
    ok = bool(interior and left["ci_low"] > 0 and right["ci_low"] > 0)
    cis = [mean_ci(p) for p in prof]
    fig = go.Figure([go.Scatter(x=posts, y=means, mode="lines+markers", error_y={
        "type": "data", "array": [c["ci_high"] - c["mean"] for c in cis], "arrayminus": [c["mean"] - c["ci_low"] for c in cis]})])
    fig.update_layout(template="plotly_white", height=320, title="Profit vs Moments posts per day (nurture)",
                      xaxis_title="Moments posts per day", yaxis_title="profit, yuan")
    return Check(name="inverted_u_posting", family="stylized",
                 compares=f"profit under nurture at Moments posts/day {posts}",
                 expected="an interior maximum, significantly above both ends",
                 observed=f"peak at {posts[best]:g} posts/day; profits " + ", ".join(f"{m:,.0f}" for m in means),
                 tolerance="peak not at an end; paired 95 % CIs of peak minus each end exclude 0", passed=ok,
                 evidence=(f"Profit {'rose and then fell' if ok else 'did not show a clear rise-then-fall'} with posting "
                           f"frequency, peaking at {posts[best]:g} Moments posts a day ({reps} paired runs per level)."),
                 figure=fig, details={"posts": posts, "profit_means": means},
                 statements={k: say(f"stylized.inverted_u.{k}", posts=posts, best=posts[best], means=means, reps=reps,
                                     shape=bool(ok))
                             for k in ("compares", "expected", "observed", "tolerance", "evidence")},
                 chart={"title": say("stylized.inverted_u.title"), "xaxis": say("stylized.inverted_u.xaxis"),
                        "yaxis": say("stylized.inverted_u.yaxis"), "yuan": True})


def _ban_wipes_friends() -> Check:
    """Force a ban on day 1: every friend on the banned account is lost at once."""
    sc = Scenario.from_dict({"name": "ban", "days": 5, "market": {"audience": 5000, "initial_pool": 800},
                             "accounts": {"count": 1}, "platform": {"ban_base_hazard": 1.0, "ban_exponent": 0.0, "replace_banned_after_days": 30},
                             "service": {"enabled": False}}, source="<validation: ban>")
    r = simulate(sc, "harvest", seed=7)
    d = r.daily
    lost, pool0 = int(d["lost_to_bans"].iloc[0]), int(sc.market.initial_pool)
    pool_after = int(d["pool"].iloc[0])
    ok = int(d["bans"].iloc[0]) == 1 and pool_after == 0 and lost > 0
    fig = go.Figure([go.Bar(x=d["day"], y=d["pool"], name="pool"), go.Bar(x=d["day"], y=d["lost_to_bans"], name="lost to bans")])
    fig.update_layout(template="plotly_white", height=300, title="A forced ban on day 1", xaxis_title="day")
    return Check(name="ban_wipes_friends", family="stylized",
                 compares="pool after both accounts are banned on day 1 (ban hazard forced to 1: base hazard 1, exponent 0)",
                 expected="every friend lost at once: pool 0 after the ban",
                 observed=f"bans {int(d['bans'].iloc[0])}, lost to bans {lost} of {pool0} day-0 members, pool after {pool_after}",
                 tolerance="exact", passed=bool(ok),
                 evidence=f"When the platform banned the accounts, all {lost} friends on them were lost the same day.",
                 figure=fig, details={},
                 statements={k: say(f"stylized.ban.{k}", bans=int(d["bans"].iloc[0]), lost=lost, pool0=pool0,
                                     pool_after=pool_after)
                             for k in ("compares", "expected", "observed", "tolerance", "evidence")},
                 chart={"title": say("stylized.ban.title"), "xaxis": say("day"), "trace.0": say("stylized.ban.pool"),
                        "trace.1": say("stylized.ban.lost")})
