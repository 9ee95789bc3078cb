"""Each daily rule on its own, on hand-built populations."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules import buying, churn, enforcement, messaging, trust
from sim.rules import joining as rules_joining
from sim.population import ACTIVE, BANNED, DEAL_SEEKER, FIT, FRIEND, GROUP, LOST, MOMENTS, MUTED, Population
from sim.scenario import Category, Levers, Scenario


def members(n: int, trust=0.5, fatigue=0.0, channels=FRIEND | MOMENTS, account=0, segment=FIT) -> Population:
    pop = Population()
    rows = pop.add(n)
    pop.state[rows] = ACTIVE
    pop.channels[rows] = channels
    pop.account[rows] = account
    pop.trust[rows] = trust
    pop.fatigue[rows] = fatigue
    pop.segment[rows] = segment
    pop.tolerance[rows] = 1.0
    pop.first_join[rows] = 0
    return pop


def test_fill_accounts_respects_capacity():
    cap = np.array([5, 0, 3, 10])
    acc = rules_joining.fill_accounts(12, cap.copy())
    counts = np.bincount(acc, minlength=4)
    assert counts.sum() == 12 and np.all(counts <= [5, 0, 3, 10])


def test_moments_beyond_threshold_are_folded():
    seen = messaging.moments_seen(np.array([1.0, 3.0, 7.0]), threshold=3, fold_reach=0.2)
    assert seen.tolist() == pytest.approx([1.0, 3.0, 3.8])


def test_fatigue_decays_with_half_life():
    pop = members(1, fatigue=4.0)
    trust.accrue_fatigue(pop, np.zeros(1, np.float32), half_life_days=2.0)
    trust.accrue_fatigue(pop, np.zeros(1, np.float32), half_life_days=2.0)
    assert pop.fatigue[0] == pytest.approx(2.0, rel=1e-5)


def _exposure(pop, levers, scenario=None, **schedule):
    s = scenario or Scenario()
    k = int(pop.account.max()) + 1
    sched = {c: np.full(k, schedule.get(c, 0.0)) for c in ("moments", "group", "private", "official")}
    return messaging.exposure(pop, sched, levers, s.private, s.behaviour)


def test_exposure_promotions_tire_more_than_content_and_groups_more_than_moments():
    s = Scenario()
    pop = members(2, channels=FRIEND | MOMENTS | GROUP)
    value = _exposure(pop, Levers(value_share=1.0), moments=2)
    promo = _exposure(pop, Levers(value_share=0.0), moments=2)
    assert promo.fatigue[0] > value.fatigue[0] > 0
    moments = _exposure(pop, Levers(value_share=0.0), moments=2)
    group = _exposure(pop, Levers(value_share=0.0), group=2 * s.private.moments_reach / s.private.group_reach)
    assert group.promo[0] == pytest.approx(moments.promo[0], rel=1e-5)  # same messages seen ...
    assert group.fatigue[0] > moments.fatigue[0]                        # ... but groups tire more


def test_muted_members_see_little_and_outsiders_nothing():
    pop = members(3, channels=FRIEND | MOMENTS)
    pop.state[1] = MUTED
    pop.state[2] = LOST
    pop.account[2] = -1
    e = _exposure(pop, Levers(value_share=0.5), moments=2, private=1)
    assert e.value[1] == pytest.approx(e.value[0] * Scenario().private.muted_reach)
    assert e.value[2] == 0 and e.fatigue[2] == 0


def test_trust_rises_with_value_and_falls_with_spam_when_annoyed():
    b = Scenario().behaviour
    calm = members(1, trust=0.5, fatigue=0.0)
    trust.update_trust(calm, messaging.Exposure(np.array([3.0], np.float32), np.zeros(1, np.float32), None), b)
    assert calm.trust[0] > 0.5
    annoyed = members(1, trust=0.5, fatigue=5.0)
    trust.update_trust(annoyed, messaging.Exposure(np.zeros(1, np.float32), np.array([5.0], np.float32), None), b)
    assert annoyed.trust[0] < 0.5
    silent = members(1, trust=0.5)
    trust.update_trust(silent, messaging.Exposure(np.zeros(1, np.float32), np.zeros(1, np.float32), None), b)
    assert silent.trust[0] < 0.5


def test_churn_mutes_and_loses_only_the_annoyed():
    b = Scenario().behaviour.model_copy(update={"drift_leave_rate": 0.0})
    rng = np.random.default_rng(1)
    calm = members(2000, trust=0.5, fatigue=0.0)
    out = churn.churn(calm, b, day=3, rng=rng)
    assert out.mutes == 0 and out.left.size == 0
    fed_up = members(2000, trust=0.1, fatigue=20.0)
    out = churn.churn(fed_up, b, day=3, rng=rng)
    assert out.mutes > 500 and out.left.size > 50
    assert np.all(fed_up.state[out.left] == LOST) and np.all(fed_up.first_left[out.left] == 3)
    assert np.all(fed_up.account[out.left] == -1)


def test_purchase_needs_trust_and_need_and_deal_seekers_wait_for_promotions():
    s = Scenario()
    b = s.behaviour
    pop = members(4, trust=0.8)
    pop.need[:] = [1.0, 0.0, 1.0, 1.0]
    pop.trust[2] = 0.0
    pop.segment[3] = DEAL_SEEKER
    h = buying.purchase_hazard(pop, np.zeros(4, np.float32), b, s.private.muted_buy)
    assert h[0] > 0 and h[1] < h[0] * 0.2 and h[2] == 0
    assert h[3] == pytest.approx(h[0] * b.deal_seeker_base)
    h_promo = buying.purchase_hazard(pop, np.full(4, 3.0, np.float32), b, s.private.muted_buy)
    assert h_promo[3] / h[3] > h_promo[0] / h[0] > 1


def test_purchase_records_orders_and_private_sales_pay_no_take_rate():
    s = Scenario()
    pop = members(5000, trust=1.0)
    pop.need[:] = 1.0
    rng = np.random.default_rng(2)
    buys = buying.purchase(pop, np.zeros(pop.size, np.float32), s, day=4, rng=rng)
    assert buys.rows.size > 0
    assert np.all(pop.orders[buys.rows] == 1) and np.all(pop.last_buy[buys.rows] == 4)
    assert np.all(buys.take[buys.private] == 0) and np.all(buys.take[~buys.private] > 0)
    assert pop.spend.sum() == pytest.approx(buys.value.sum(), rel=1e-4)


def test_bad_product_destroys_trust_and_followup_repairs_part():
    b = Scenario().behaviour
    rng = np.random.default_rng(3)
    rows = np.arange(1000)
    bad = members(1000, trust=0.6)
    buying.after_purchase(bad, rows, category=Category(quality=0.0), followup=False, behaviour=b, rng=rng)
    repaired = members(1000, trust=0.6)
    n = buying.after_purchase(repaired, rows, category=Category(quality=0.0), followup=True, behaviour=b, rng=rng)
    assert n == 1000
    assert bad.trust.mean() < 0.6 and bad.trust.mean() < repaired.trust.mean() < 0.6
    good = members(1000, trust=0.6)
    buying.after_purchase(good, rows, category=Category(quality=1.0), followup=False, behaviour=b, rng=rng)
    assert good.trust.mean() > 0.6


def _walk_out_share(p_expected: float, left: int, n: int) -> None:
    """``left`` of ``n`` walked out, within 4 binomial standard errors of ``p_expected``."""
    assert abs(left / n - p_expected) < 4 * np.sqrt(p_expected * (1 - p_expected) / n) + 1e-9, (left / n, p_expected)


def test_a_followup_puts_a_bad_product_right_for_those_it_reaches():
    """TARP's anchors: a problem nobody puts right sends bad_product_leave away, one a
    follow-up resolves only bad_product_leave_resolved; a follow-up reaches friends only."""
    b = Scenario().behaviour
    n = 20_000
    rows = np.arange(n)
    for followup, channels, expected in ((False, FRIEND | MOMENTS, b.bad_product_leave),
                                         (True, FRIEND | MOMENTS, b.bad_product_leave_resolved),
                                         (True, MOMENTS, b.bad_product_leave)):
        pop = members(n, channels=channels)
        pop.satisfied[rows] = False
        gone = buying.walk_out_after_bad_product(pop, rows, b, day=5, rng=np.random.default_rng(7), followup=followup)
        _walk_out_share(expected, gone.size, n)
        assert np.all(pop.state[gone] == LOST) and np.all(pop.first_left[gone] == 5)
    assert b.bad_product_leave_resolved < b.bad_product_leave


def test_a_missed_followup_leaves_the_problem_unresolved():
    """Resolved at purchase, then the check never came: in all the disappointed leave as if
    nobody had promised to put it right; the satisfied and those already gone are untouched."""
    b = Scenario().behaviour
    n = 20_000
    rows = np.arange(n)
    pop = members(n)
    pop.satisfied[rows] = False
    first = buying.walk_out_after_bad_product(pop, rows, b, day=1, rng=np.random.default_rng(1), followup=True)
    later = buying.walk_out_after_missed_followup(pop, rows, b, day=4, rng=np.random.default_rng(2))
    assert np.intersect1d(first, later).size == 0 and np.all(pop.first_left[later] == 4)
    _walk_out_share(b.bad_product_leave, first.size + later.size, n)
    happy = members(1000)
    happy.satisfied[:] = True
    assert buying.walk_out_after_missed_followup(happy, np.arange(1000), b, 4, np.random.default_rng(3)).size == 0


def test_referral_respects_capacity_and_public_counts():
    s = Scenario().with_overrides(**{"behaviour.referral_rate": 1.0, "behaviour.referral_conversion": 1.0})
    pop = members(500, trust=1.0)
    pop.satisfied[:] = True
    pop.unaware[:] = [1000, 1000]
    capacity = np.array([40])
    out = rules_joining.refer(pop, s, Levers(), capacity, day=5, rng=np.random.default_rng(4))
    assert out.joined.size == 40 and capacity[0] == 0
    assert pop.size == 540 and pop.unaware.sum() == 1960
    assert np.all(pop.referrer[out.joined] >= 0) and np.all(pop.depth[out.joined] == 1)
    assert np.all(pop.trust[out.joined] == pytest.approx(s.behaviour.trust_referred))


def test_referral_reward_paid_per_level():
    s = Scenario().with_overrides(**{"behaviour.referral_rate": 1.0, "behaviour.referral_conversion": 1.0})
    pop = members(10, trust=1.0)
    pop.satisfied[:] = True
    pop.referrer[5:] = np.arange(5)  # rows 5-9 were referred by rows 0-4
    pop.unaware[:] = [100, 100]
    one = rules_joining.refer(pop, s, Levers(referral_reward=10, referral_levels=1), np.array([100]), 1, np.random.default_rng(5))
    assert one.reward_cost == 10 * one.joined.size


def test_ban_wipes_friends_of_that_account_only():
    pop = members(6, channels=FRIEND | MOMENTS)
    pop.account[:] = [0, 0, 1, 1, 0, 1]
    pop.channels[4] = GROUP  # knows the account only through its group
    lost = enforcement.ban_accounts(pop, np.array([0]), day=9)
    assert sorted(lost.tolist()) == [0, 1]
    assert pop.state.tolist() == [BANNED, BANNED, ACTIVE, ACTIVE, ACTIVE, ACTIVE]


def test_ban_hazard_rises_with_bombing_and_complaints():
    p = Scenario().platform
    h = enforcement.ban_hazard(np.array([1.0, 6.0, 12.0, 12.0]), np.array([0, 0, 0, 0.05]), p)
    assert h[0] < h[1] < h[2] < h[3] <= 1


def test_acquisition_hook_fills_pool_with_deal_seekers():
    s = Scenario.from_dict({"market": {"audience": 200_000, "fit_share": 0.5},
                            "public_channels": [{"name": "ads", "cost_per_contact": 1.0, "precision": 0.5}]})
    def deal_share(hook):
        pop = Population()
        pop.unaware[:] = [100_000, 100_000]
        out = rules_joining.acquire(pop, s, Levers(acquisition_budget=20_000, hook=hook), np.array([10**6]), 0,
                            np.random.default_rng(6), np.array([1.0]))
        assert out.contacts == 20_000 and out.joined == pop.size
        return (pop.segment == DEAL_SEEKER).mean(), out.joined
    plain, n_plain = deal_share(0.0)
    hooked, n_hooked = deal_share(60.0)
    assert hooked > plain + 0.1 and n_hooked > n_plain


def test_acquisition_stops_at_account_capacity():
    s = Scenario()
    pop = Population()
    pop.unaware[:] = [100_000, 100_000]
    cap = np.array([7, 3])
    out = rules_joining.acquire(pop, s, Levers(acquisition_budget=50_000, hook=50), cap, 0, np.random.default_rng(7), np.array([1.0]))
    assert out.joined == 10 and cap.sum() == 0
    assert pop.counts().sum() == 200_000  # nobody created or lost
