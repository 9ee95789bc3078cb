"""One simulated day: the rules in their declared order, then the day's record.

:meth:`sim.model.PoolModel.step` sets the day's levers, runs the service desk
(:mod:`sim.desk`), then calls the steps of :data:`FULL_DAY` (or :data:`BASS_DAY` in Bass
mode) one after the other and records the day (:func:`record`). Each step is a few
lines that hand the model's state to one rule of :mod:`sim.rules` and keep what it
returned in :class:`Today` for the steps after it. The order is the model:

1. what the day's answers, waits and follow-ups did (:mod:`sim.rules.service`);
2. accounts' room for new friends today (friend caps, daily add limits);
3. acquisition from public channels, then ``market.arrivals``;
4. group chats: new members seated, members' chatter, vitality;
5. messaging: what each member sees (one-to-one care and recall included);
6. fatigue accrues and decays; 7. trust moves;
8. mute / delete / leave;
9. need grows; purchases; satisfaction (and immediate follow-ups), bad-product walk-outs
   (and those of a satisfaction check the desk missed); follow-ups scheduled for the desk;
10. referrals; 11. platform enforcement (bans).

Randomness: each rule draws from its own stream (``model.streams``, named in
:data:`STREAMS`); a step never draws from another rule's stream, so adding a rule (with a
new stream appended to :data:`STREAMS`) leaves every other rule's draws as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.accounts import accounts_with_group_members, friends_per_account
from sim.desk import ANSWERED, SATISFACTION_CHECK, DayLog
from sim.metrics import member_samples, spread_quantiles
from sim.population import ACTIVE, BANNED, EXPOSED, LOST, MUTED, UNAWARE
from sim.rules import bass, buying, churn, enforcement, groups, joining, messaging, service, trust
from sim.rules.buying import Purchases
from sim.rules.churn import Churn
from sim.rules.joining import Acquisition, Arrivals, Referrals

#: the random streams, one per rule: a run's SeedSequence spawns them in this order. New
#: streams go at the end: a child depends on its index only, so existing streams keep their draws
STREAMS = ("population", "acquisition", "messaging", "churn", "purchase", "referral", "platform", "service", "arrivals",
           "grievance")
SPREAD_SAMPLE = 20_000  # members whose trust and fatigue give the daily quantile bands
_NONE = np.zeros(0, np.int64)


@dataclass
class Today:
    """What the day's steps hand each other (a quiet day's values until a step sets them)."""

    log: DayLog
    served: dict = field(default_factory=dict)
    followed: dict = field(default_factory=dict)
    capacity: np.ndarray = field(default_factory=lambda: _NONE)
    acquired: Acquisition = field(default_factory=Acquisition)
    arrived: Arrivals = field(default_factory=lambda: Arrivals(_NONE, _NONE))
    chatter: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seen: messaging.Exposure | None = None
    recalls: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gone: Churn = field(default_factory=lambda: Churn(0, 0, _NONE))
    left_accounts: np.ndarray = field(default_factory=lambda: _NONE)
    buys: Purchases = field(default_factory=lambda: Purchases(_NONE, np.zeros(0), np.zeros(0, bool), np.zeros(0)))
    instant_followups: int = 0
    referrals: Referrals = field(default_factory=lambda: Referrals(_NONE, _NONE, 0.0))
    banned: np.ndarray = field(default_factory=lambda: _NONE)
    lost_to_bans: np.ndarray = field(default_factory=lambda: _NONE)


# -- the steps ------------------------------------------------------------------------
def hear_service(model, t: Today) -> None:
    """What today's answers (or their absence) and follow-ups did to trust and readiness."""
    sc, lev = model.scenario, model.levers_today
    t.served = service.answer_effect(model.population, t.log.inquiries, sc.service, lev.expert_staff)
    t.followed = service.followup_effect(model.population, t.log.followups, sc.behaviour, sc.service)


def open_room(model, t: Today) -> None:
    """Each account's room for new friends today: its friend cap and the daily add limit."""
    pop, book = model.population, model.accounts
    book.friends = friends_per_account(pop.state, pop.account, book.count)
    t.capacity = book.capacity(model.day, model.scenario.platform.daily_add_limit)  # each joiner takes one


def acquire(model, t: Today) -> None:
    """Contacts bought on public channels; some join (:func:`sim.rules.joining.acquire`)."""
    sc, lev = model.scenario, model.levers_today
    t.acquired = joining.acquire(model.population, sc, lev, t.capacity, model.day, model.streams["acquisition"],
                                 model.strategy.channel_weights(sc, lev))
    model.value.add_acquisition(t.acquired.channel_cost)


def arrive(model, t: Today) -> None:
    """``market.arrivals`` join, after any who still wait for room."""
    t.arrived = joining.arrive(model.population, model.scenario, model.levers_today, t.capacity, model.day,
                               model.waiting_arrivals, model.streams["arrivals"])


def seat_in_groups(model, t: Today) -> None:
    """New group members take a seat; groups' vitality and members' chatter."""
    sc, lev = model.scenario, model.levers_today
    groups.assign_groups(model.population, model.groups, sc.platform.group_member_cap, model.day)
    t.chatter = groups.group_chatter(model.population, model.groups, model.schedule["group"] * lev.value_share,
                                     sc.private)


def message(model, t: Today) -> None:
    """What each member sees today, one-to-one care and recall of the dormant included."""
    pop, sc, lev = model.population, model.scenario, model.levers_today
    extra_value, extra_promo, model.super_users = messaging.one_to_one(pop, lev, model.day, model.super_users)
    t.seen = messaging.exposure(pop, model.schedule, lev, sc.private, sc.behaviour, extra_value, extra_promo,
                                chatter=groups.chatter_per_group(t.chatter, sc.private))
    t.recalls = (np.bincount(pop.account[extra_promo[0]], minlength=model.accounts.count)
                 if extra_promo is not None else np.zeros(model.accounts.count))


def tire(model, t: Today) -> None:
    """Fatigue decays with its half-life and grows with what was seen."""
    trust.accrue_fatigue(model.population, t.seen.fatigue, model.scenario.behaviour.fatigue_half_life_days)


def move_trust(model, t: Today) -> None:
    """Value builds trust, promotions seen while annoyed erode it, it decays."""
    trust.update_trust(model.population, t.seen, model.scenario.behaviour)


def mute_or_leave(model, t: Today) -> None:
    """Past tolerance members mute; far past it, or distrustful, they leave."""
    t.left_accounts = model.population.account.copy()  # who was on which account, for complaints
    t.gone = churn.churn(model.population, model.scenario.behaviour, model.day, model.streams["churn"])


def buy(model, t: Today) -> None:
    """Need grows; who buys today (hooked joiners and arrivals who came having bought, too)."""
    pop = model.population
    coupon = t.acquired.coupon_buyers
    first_orders = t.arrived.buyers if coupon is None else np.concatenate([coupon, t.arrived.buyers])
    buying.grow_need(pop)
    t.buys = buying.purchase(pop, t.seen.promo, model.scenario, model.day, model.streams["purchase"],
                             forced=first_orders, discount=model.discount)
    model.value.add_purchases(pop, t.buys.rows, t.buys.value, model.day)


def judge_products(model, t: Today) -> None:
    """Each order satisfies or disappoints; follow-ups (at once without the service desk, as
    staff tasks on later days with it); some of the disappointed walk out, fewer when a
    follow-up will put the problem right, and more of them when the desk missed it."""
    pop, sc, lev = model.population, model.scenario, model.levers_today
    rows = t.buys.rows
    immediate = lev.followup and not sc.service.enabled
    t.instant_followups = buying.after_purchase(pop, rows, sc.category, immediate, sc.behaviour,
                                                model.streams["purchase"])
    angry = buying.walk_out_after_bad_product(pop, rows, sc.behaviour, model.day, model.streams["churn"],
                                              followup=lev.followup, arrived_with=t.arrived.buyers)
    checked, kinds, _, outcomes = t.log.followups.fields()
    missed = checked[(kinds == SATISFACTION_CHECK) & (outcomes != ANSWERED)]
    unresolved = buying.walk_out_after_missed_followup(pop, missed, sc.behaviour, model.day,
                                                       model.streams["grievance"])
    t.gone.left = np.concatenate([t.gone.left, angry, unresolved])
    if lev.followup and sc.service.enabled:
        model.desk.schedule_followups(pop, rows, model.day)


def refer(model, t: Today) -> None:
    """Satisfied, trusting members bring friends, within their account's room today."""
    t.referrals = joining.refer(model.population, model.scenario, model.levers_today, t.capacity, model.day,
                                model.streams["referral"])


def enforce(model, t: Today) -> None:
    """The platform bans accounts that bomb members with messages or draw complaints."""
    pop, sc, book, schedule = model.population, model.scenario, model.accounts, model.schedule
    platform = sc.platform
    members = np.maximum(book.friends, 1)
    deletes = np.bincount(t.left_accounts[t.gone.left], minlength=book.count)
    # which accounts have group members counts only where the accounts post to groups
    has_group = (accounts_with_group_members(pop.account, pop.channels, book.count)
                 if schedule["group"].any() else np.zeros(book.count, bool))
    folded = np.maximum(schedule["moments"] - sc.private.moments_fold_threshold, 0)
    intensity = schedule["private"] + platform.ban_group_weight * schedule["group"] * has_group + folded
    intensity = intensity + t.recalls / members
    hazard = enforcement.ban_hazard(intensity, deletes / members, platform)
    rng = model.streams["platform"]
    t.banned = np.flatnonzero(book.active(model.day) & (rng.random(book.count) < hazard))
    t.lost_to_bans = enforcement.ban_accounts(pop, t.banned, model.day)
    book.banned_until[t.banned] = model.day + 1 + platform.replace_banned_after_days
    book.bans[t.banned] += 1


def adopt(model, t: Today) -> None:
    """Bass mode: everyone outside the pool joins with probability p + q x pool share."""
    t.acquired = bass.adopt(model.population, model.scenario, t.capacity, model.day, model.streams["acquisition"],
                            model.levers_today)


#: the day of the full model, in order
FULL_DAY = (hear_service, open_room, acquire, arrive, seat_in_groups, message, tire, move_trust, mute_or_leave,
            buy, judge_products, refer, enforce)
#: the day of Bass mode ([bass]): diffusion only
BASS_DAY = (hear_service, open_room, adopt)


# -- the day's record ---------------------------------------------------------------------
def record(model, t: Today) -> dict:
    """The day's row of :data:`sim.outcomes.DAILY_COLUMNS`."""
    pop, sv, lev, log = model.population, model.scenario.service, model.levers_today, t.log
    counts, trust_sum, fatigue_sum = pop.tally()
    n_pool = int(counts[ACTIVE] + counts[MUTED])
    buys, acq = t.buys, t.acquired
    private_gmv = float(buys.value[buys.private].sum())
    public_gmv = float(buys.value[~buys.private].sum())
    lively = int((model.groups.members > 0).sum())
    staff_cost = log.staff_hours * (sv.expert_hourly_cost if lev.expert_staff else sv.generic_hourly_cost)
    posts = model.schedule["moments"].sum() + model.schedule["group"].sum()
    account_cost = sv.account_daily_cost * int(model.accounts.active(model.day).sum()) + sv.content_cost_per_post * float(posts)
    today = {
        "day": model.day + 1,
        "pool": n_pool, "active": int(counts[ACTIVE]), "muted": int(counts[MUTED]),
        "lost": int(counts[LOST]), "banned": int(counts[BANNED]),
        "exposed": int(counts[EXPOSED]), "unaware": int(counts[UNAWARE]),
        "contacts": acq.contacts, "acquired": acq.joined, "referrals": int(t.referrals.joined.size),
        "mutes": t.gone.mutes, "unmutes": t.gone.unmutes, "deletes": int(t.gone.left.size),
        "bans": int(t.banned.size), "lost_to_bans": int(t.lost_to_bans.size),
        "orders": int(buys.rows.size), "orders_private": int(buys.private.sum()),
        "orders_public": int((~buys.private).sum()),
        "gmv_private": private_gmv, "gmv_public": public_gmv, "gmv": private_gmv + public_gmv,
        "take_paid": float(buys.take.sum()),
        "acquisition_cost": acq.spend + acq.hook_cost, "reward_cost": t.referrals.reward_cost,
        "mean_trust": trust_sum / n_pool if n_pool else 0.0,
        "mean_fatigue": fatigue_sum / n_pool if n_pool else 0.0,
        "arrivals": int(t.arrived.joined.size),
        "groups": lively, "group_chatter": float(t.chatter.sum() / max(lively, 1)),
    }
    for name, values in zip(("trust", "fatigue"), member_samples(pop, n_pool, SPREAD_SAMPLE)):  # spread_quantiles' own subsample
        p10, p50, p90 = spread_quantiles(values, max_sample=SPREAD_SAMPLE)
        today.update({f"{name}_p10": p10, f"{name}_p50": p50, f"{name}_p90": p90})
    today.update(t.served)
    waits = log.inquiries.waits[log.inquiries.outcomes == ANSWERED]
    if waits.size:
        model.answer_waits.append(waits.astype(np.float32))
    today.update({"followups": t.followed["followups"] + t.instant_followups,
                  "followups_missed": t.followed["followups_missed"],
                  "staff": log.staff, "staff_cost": staff_cost, "operating_cost": staff_cost + account_cost})
    return today
