"""One customer as a ``mesa.Agent``: the daily rules of :mod:`sim.rules`, person by person.

This is the *executable specification* of customer behaviour. Every method below is
the plain-Python reading of one vectorised rule in :mod:`sim.rules` (named in its
docstring), written for clarity, not speed: one customer, scalars, ``if`` statements.
:class:`agents.reference.ReferenceModel` drives these agents with
``model.agents.shuffle_do("step")``; ``tests/test_equivalence.py`` checks that the
vectorised engine and this model agree in distribution.

A customer becomes an agent the first time they join the pool (like a row of
:class:`~sim.population.Population`) and stays one for good: lost customers still
buy on public platforms, their trust still decays, and they can be re-acquired.
People who never joined are counts on the model (``unaware`` / ``exposed``).

Randomness: every draw here is a call on ``model.random`` (Python's ``random.Random``,
seeded from the run's ``SeedSequence``). The vectorised engine draws from numpy
streams instead, so the two agree in distribution, not draw by draw.
"""

from __future__ import annotations

import math

import mesa

from sim.desk import (
    AFTERSALE, ANSWERED, AUTO_REPLIED, DELIVERY_CHECK, PRESALE, SATISFACTION_CHECK, UNANSWERED,
)
from sim.population import (
    ACTIVE, BANNED, DEAL_SEEKER, FIT, FRIEND, GROUP, LOST, MOMENTS, MUTED, NEVER, OFFICIAL,
)
from sim.rules.buying import unresolved_top_up


class CustomerAgent(mesa.Agent):
    """A person the brand has touched: traits fixed at first contact, state that moves daily."""

    def __init__(self, model: mesa.Model, segment: int):
        super().__init__(model)
        self.segment = segment
        self.draw_traits()
        self.state = ACTIVE          # set properly by join()
        self.channels = 0            # FRIEND | GROUP | MOMENTS | OFFICIAL while in the pool
        self.account = -1            # operator account index while in the pool
        self.group = -1              # group chat index while seated in one (ReferenceModel.groups)
        self.source = 255            # how they last joined (channel index or SOURCE_*)
        self.trust = 0.0
        self.fatigue = 0.0
        self.spend = 0.0
        self.orders = 0
        self.satisfied = False       # was the last purchase satisfying
        self.first_join = NEVER
        self.first_left = NEVER
        self.last_buy = NEVER
        self.referrer: CustomerAgent | None = None
        self.depth = 0               # referral generation (0 = bought traffic)
        self.coupon_today = False    # redeemed the joining coupon: buys today
        self.arrived_with_order = False  # today's order is the one an arrival came having bought
        self.check_missed = False    # today's satisfaction check was due and the desk missed it

    # -- who they are (sim.rules.joining.draw_traits) -------------------------------------
    def draw_traits(self) -> None:
        """Fatigue tolerance (log-normal), purchase rate (gamma around 1/cycle), how far into
        their cycle they are when we meet them, their usual basket (log-normal, mean 1) and
        their chance to be satisfied by a purchase (``category.quality``, or personal)."""
        r, b, cat = self.model.random, self.model.scenario.behaviour, self.model.scenario.category
        self.tolerance = b.tolerance_median * math.exp(b.tolerance_sigma * r.gauss(0.0, 1.0))
        shape = cat.cycle_shape
        self.need_rate = r.gammavariate(shape, 1.0 / (shape * cat.purchase_cycle_days))
        self.need = r.random()
        s = cat.customer_spend_sigma
        self.basket = math.exp(s * r.gauss(0.0, 1.0) - s * s / 2)
        # sim.rules.joining.satisfaction_chances: personal, Beta around quality, when spread > 0
        self.satisfaction = cat.quality
        if cat.quality_spread > 0 and 0 < cat.quality < 1:
            concentration = 1.0 / cat.quality_spread - 1.0
            self.satisfaction = r.betavariate(cat.quality * concentration, (1 - cat.quality) * concentration)
        # sim.rules.joining.propensities: how prone to drift away, gamma with mean 1
        k = self.model.scenario.behaviour.drop_out_shape
        self.drop_out = r.gammavariate(k, 1.0 / k) if k > 0 else 1.0
        # sim.rules.joining.propensities: how readily they buy once need is due, gamma with mean 1
        k = self.model.scenario.behaviour.buy_rate_shape
        self.buy_propensity = r.gammavariate(k, 1.0 / k) if k > 0 else 1.0

    # -- joining and leaving (sim.rules.joining.join_pool / sim.rules.churn.leave_pool) ------
    @property
    def in_pool(self) -> bool:
        return self.state == ACTIVE or self.state == MUTED

    def join(self, account: int, source: int, trust: float, channels: int | None = None) -> None:
        """Enter the pool on ``account``. Without explicit ``channels`` a newcomer is a friend
        and sees Moments, may be invited into a group (persona-fit only, if the strategy sets
        a threshold) and may follow the official account."""
        lev, r = self.model.levers_today, self.model.random
        if channels is None:
            channels = FRIEND | MOMENTS
            invited = r.random() < lev.group_invite_share
            if lev.group_fit_only and self.segment != FIT:
                invited = False
            if invited:
                channels |= GROUP
            if r.random() < lev.official_follow_share:
                channels |= OFFICIAL
        self.state, self.channels, self.account, self.source = ACTIVE, channels, account, source
        self.group = -1  # the model seats new group members in a chat (ReferenceModel.seat_in_groups)
        self.trust, self.fatigue = trust, 0.0
        if self.first_join == NEVER:
            self.first_join = self.model.day

    def leave(self, state: int) -> None:
        """Leave the pool (LOST after deleting/leaving, BANNED with a banned account)."""
        self.state, self.channels, self.account, self.group = state, 0, -1, -1
        if self.first_left == NEVER:
            self.first_left = self.model.day

    # -- the day ------------------------------------------------------------------
    def step(self) -> None:
        """One day of this customer, in the order of :mod:`sim.model`.

        The vectorised engine runs each rule for everyone before the next rule; here one
        customer runs all rules before the next customer (in shuffled order). That is the
        same process because every rule reads only this customer's own state plus things
        fixed before the customers move (levers, account schedules, super-user tiers). The
        only shared resources touched mid-day are an account's room for new friends and the
        public domain that referred friends come from (see :meth:`refer`).
        """
        value, promo, annoyance = self.messages_seen()
        self.accrue_fatigue(annoyance)
        self.update_trust(value, promo)
        self.mute_or_leave()
        self.need += self.need_rate  # sim.rules.buying.grow_need: need builds along the purchase cycle
        if self.coupon_today or self.model.random.random() < self.purchase_hazard(promo):
            self.buy()
            self.after_purchase()
            if not self.satisfied and self.in_pool and self.model.random.random() < self.walk_out_chance():
                self.delete_brand()  # sim.rules.buying.walk_out_after_bad_product
            self.model.bought_today.append(self)
        if self.check_missed and not self.satisfied and self.in_pool and self.model.random.random() < unresolved_top_up(
                self.model.scenario.behaviour):
            self.delete_brand()  # sim.rules.buying.walk_out_after_missed_followup
        self.check_missed = False
        self.coupon_today = self.arrived_with_order = False
        self.refer()

    # -- exposure (sim.rules.messaging.exposure, one_to_one) -----------------------------
    def messages_seen(self) -> tuple[float, float, float]:
        """Expected value messages and promotions seen today, and the fatigue they add.

        Like the vectorised rule this uses the *expected* number of messages seen (posts x
        reach), not a draw per message: the rule is specified that way (see
        :mod:`sim.rules`), so both implementations compute the same number.
        """
        if not self.in_pool:
            return 0.0, 0.0, 0.0
        m, b, lev = self.model, self.model.scenario.behaviour, self.model.levers_today
        # per member of this account: (moments after folding, group, private, official) x reach
        moments, group, private, official = m.reach_per_member[self.account]
        seen = weighted = 0.0
        for bit, messages, fatigue_factor in ((MOMENTS, moments, b.fatigue_moments_factor),
                                              (GROUP, group, b.fatigue_group_factor),
                                              (FRIEND, private, b.fatigue_private_factor),
                                              (OFFICIAL, official, 1.0)):
            if self.channels & bit:
                seen += messages
                weighted += messages * fatigue_factor
        muted = m.scenario.private.muted_reach if self.state == MUTED else 1.0
        seen, weighted = seen * muted, weighted * muted
        v = lev.value_share
        value, promo = v * seen, (1 - v) * seen
        annoyance = weighted * (v * b.fatigue_value + (1 - v) * b.fatigue_promo)
        # one-to-one private messages: care for super users (value), recall of the dormant (promotion)
        one_to_one = m.scenario.private.private_reach * muted
        if self.unique_id in m.super_users and lev.super_user_value_messages > 0:
            extra = lev.super_user_value_messages * one_to_one
            value += extra
            annoyance += extra * b.fatigue_value * b.fatigue_private_factor
        if lev.recall_after_days > 0 and m.day - max(self.last_buy, self.first_join) == lev.recall_after_days:
            extra = one_to_one
            promo += extra
            annoyance += extra * b.fatigue_promo * b.fatigue_private_factor
            m.count_recall(self.account)
        if self.group >= 0:  # other members' messages (sim.rules.groups.member_chatter): skimmed, partly useful
            p = m.scenario.private
            chatter = min(m.chatter_per_group[self.group], p.group_chatter_cap) * p.group_reach * muted
            value += p.group_chatter_value * chatter
            annoyance += p.group_chatter_fatigue * b.fatigue_group_factor * chatter
        return value, promo, annoyance

    # -- fatigue and trust (sim.rules.trust.accrue_fatigue, update_trust) ---------------
    def accrue_fatigue(self, added: float) -> None:
        """Fatigue halves every ``fatigue_half_life_days`` and grows with each message seen."""
        self.fatigue = self.fatigue * 0.5 ** (1.0 / self.model.scenario.behaviour.fatigue_half_life_days) + added

    def fatigue_over_tolerance(self) -> float:
        """Fatigue relative to what this person tolerates; trusted brands are forgiven more."""
        b = self.model.scenario.behaviour
        return self.fatigue / (self.tolerance * (1 + b.trust_tolerance * self.trust))

    def update_trust(self, value: float, promo: float) -> None:
        """Value content builds trust, promotions seen while annoyed erode it, it decays daily."""
        b, t = self.model.scenario.behaviour, self.trust
        annoyance = min(self.fatigue_over_tolerance(), 2.0)
        t += b.trust_value_gain * value * (1 - t) - b.trust_spam_loss * promo * annoyance * t - b.trust_decay * t
        self.trust = min(max(t, 0.0), 1.0)

    # -- mute, delete, leave (sim.rules.churn.churn) ------------------------------------
    def mute_or_leave(self) -> None:
        """Past tolerance an active member may mute; far past it, or distrustful, leave; a
        calm, trusting muted member may unmute. One uniform draw decides among them, so the
        hazards compete as in a continuous-time model observed once a day."""
        if not self.in_pool:
            return
        b = self.model.scenario.behaviour
        over = self.fatigue_over_tolerance() - 1
        p_leave = 1 - math.exp(-b.leave_rate * max(over - 1, 0.0))
        u = self.model.random.random()
        if self.state == ACTIVE:
            p_leave += b.drift_leave_rate * (1 - self.trust) * self.drop_out
            p_mute = self.mute_probability(over)
            if u < p_leave:
                self.delete_brand()
            elif u < p_leave + p_mute:
                self.state = MUTED
                self.model.today["mutes"] += 1
        else:  # muted
            p_leave += b.muted_leave_rate * (1 - self.trust) * self.drop_out
            p_unmute = b.unmute_rate * self.trust if over < -0.5 else 0.0
            if u < p_leave:
                self.delete_brand()
            elif u < p_leave + p_unmute:
                self.state = ACTIVE
                self.model.today["unmutes"] += 1

    def mute_probability(self, over: float) -> float:
        """Daily chance an active member mutes: a hazard proportional to fatigue above tolerance."""
        return 1 - math.exp(-self.model.scenario.behaviour.mute_rate * max(over, 0.0))

    def walk_out_chance(self) -> float:
        """After a bad product (sim.rules.buying.walk_out_after_bad_product): lower when a
        follow-up will reach this member and put the problem right; scaled by
        ``arrival_walk_out`` for the order an arrival came having bought."""
        b = self.model.scenario.behaviour
        reachable = self.model.levers_today.followup and self.in_pool and self.channels & FRIEND
        chance = b.bad_product_leave_resolved if reachable else b.bad_product_leave
        return chance * b.arrival_walk_out if self.arrived_with_order else chance

    def delete_brand(self) -> None:
        """Delete the persona / leave the group: a complaint counted against the account."""
        self.model.count_delete(self.account)
        self.leave(LOST)

    # -- need and purchase (sim.rules.buying: purchase_hazard, purchase, order_values) --
    def purchase_hazard(self, promo_seen: float) -> float:
        """Daily chance to buy: need x trust x promotion x segment x where they are."""
        sc = self.model.scenario
        b = sc.behaviour
        promo_pull = 1 - math.exp(-promo_seen)
        need = min(self.need + b.promo_pull_forward * promo_pull, 1.0)  # promotions pull purchases forward
        h = b.buy_rate * max(need, 0.0) ** sc.category.need_sharpness * self.trust ** b.trust_power * self.buy_propensity
        h *= 1 + b.promo_lift * promo_pull
        if self.segment == DEAL_SEEKER:  # deal-seekers barely buy without a promotion
            h *= b.deal_seeker_base + (1 - b.deal_seeker_base) * promo_pull
        if self.orders and not self.satisfied:  # burnt by the last product
            h *= b.bad_product_rebuy
        if self.state == MUTED:
            h *= sc.private.muted_buy
        elif self.state != ACTIVE:
            h *= b.public_buy_factor  # past members buy on public platforms
        if self.model.discount:  # a campaign discount lifts buying (sim.rules.buying.purchase)
            h = min(h * (1 + b.discount_lift * self.model.discount), 1.0)
        return h

    def buy(self) -> None:
        """Place one order: value from the personal basket, inside WeChat or on a platform."""
        m, r = self.model, self.model.random
        sc = m.scenario
        cat, priv = sc.category, sc.private
        s = cat.price_sigma
        value = cat.price_mean * self.basket * math.exp(s * r.gauss(0.0, 1.0) - s * s / 2)
        if self.segment == DEAL_SEEKER:
            value *= cat.deal_seeker_basket
        value *= 1 - m.discount
        p_private = {ACTIVE: priv.private_purchase_share, MUTED: priv.private_purchase_share * 0.5}.get(self.state, 0.0)
        private = r.random() < p_private
        if private:
            take = 0.0
        elif self.source < len(sc.public_channels):
            take = value * sc.public_channels[self.source].take_rate
        else:
            take = value * priv.public_take_rate
        self.orders += 1
        self.spend += value
        self.need = 0.0
        self.last_buy = m.day
        m.count_order(value, private, take)

    def after_purchase(self) -> None:
        """A good product builds trust, a bad one destroys it. Without the service layer a
        follow-up (if the strategy does them and the customer is still a friend in the pool)
        comes at once, adding to the first and repairing part of the second; with it,
        follow-ups are staff tasks on later days (:meth:`hear_followup`)."""
        m = self.model
        b = m.scenario.behaviour
        before = self.trust
        good = m.random.random() < self.satisfaction
        self.satisfied = good
        t = before + b.trust_good_purchase * (1 - before) if good else before * (1 - b.trust_bad_purchase)
        if m.levers_today.followup and not m.scenario.service.enabled and self.in_pool and self.channels & FRIEND:
            m.today["followups"] += 1
            t = t + b.trust_followup * (1 - t) if good else t + b.trust_bad_purchase * b.followup_recovery * before
        self.trust = min(max(t, 0.0), 1.0)

    # -- service (sim.rules.service) -----------------------------------------------------
    def hear_answer(self, kind: int, wait_minutes: float, outcome: int) -> None:
        """What today's question did (sim.rules.service.answer_effect), for a pool member: a fast
        answer builds trust (an expert's more, an auto-reply less), waiting erodes it, no
        answer costs more (an unanswered after-sale problem most). A pre-sale question that
        got any answer means the customer is ready to buy.

        Two questions on one day apply one after the other here; the vectorised rule
        computes both from the morning's trust and keeps the last. Both questions on one
        day need a pre-sale question (2 % x need) the day after a purchase, so the
        difference is far below what the equivalence tests can see.
        """
        if not self.in_pool:
            return
        m = self.model
        s, t = m.scenario.service, self.trust
        if outcome == ANSWERED and wait_minutes <= s.fast_answer_minutes:
            t += s.trust_fast_answer * (s.expert_factor if m.levers_today.expert_staff else 1.0) * (1 - t)
        elif outcome == ANSWERED:
            t *= 1 - s.trust_slow_answer * min((wait_minutes - s.fast_answer_minutes) / 60, 3)
        elif outcome == AUTO_REPLIED:
            t += s.trust_fast_answer * s.auto_reply_factor * (1 - t)
        elif kind == AFTERSALE:
            t *= 1 - s.trust_unanswered_aftersale
        else:
            t *= 1 - s.trust_unanswered
        self.trust = min(max(t, 0.0), 1.0)
        if kind == PRESALE and outcome != UNANSWERED:
            self.need = max(self.need, 1.0)

    def hear_followup(self, kind: int, outcome: int) -> None:
        """A follow-up the staff made (sim.rules.service.followup_effect): a delivery check
        reassures; a satisfaction check builds trust after a good product and restores
        part of what a bad one took."""
        if outcome != ANSWERED and kind == SATISFACTION_CHECK:
            self.check_missed = True  # decided after today's purchase, as the engine does
        if outcome != ANSWERED or not self.in_pool:  # left since the follow-up was scheduled
            return
        m = self.model
        b, t = m.scenario.behaviour, self.trust
        if kind == DELIVERY_CHECK:
            t += m.scenario.service.trust_delivery_check * (1 - t)
        elif kind == SATISFACTION_CHECK and self.satisfied:
            t += b.trust_followup * (1 - t)
        elif kind == SATISFACTION_CHECK:
            t += b.followup_recovery * (t / max(1 - b.trust_bad_purchase, 1e-6) - t)
        self.trust = min(max(t, 0.0), 1.0)

    # -- referral (sim.rules.joining.refer) ---------------------------------------------
    def refer(self) -> None:
        """A satisfied, trusting active member may bring a friend from the public domain.

        The friend joins only if the referrer's account has room today and someone of the
        friend's segment is left in the public domain. Customers move in shuffled order, so
        when room runs out it is a random referrer who misses out; the vectorised rule lets
        the earliest rows through instead. Each referral that gets through counts the same
        either way (one friend, one reward per commission level), so the daily counts and
        costs have the same distribution; only *which* referrer got through differs, which
        nothing downstream reads except the referral depth of the friend.
        """
        if self.state != ACTIVE or not self.satisfied:
            return
        m, r = self.model, self.model.random
        b, lev = m.scenario.behaviour, m.levers_today
        reward = lev.referral_reward if lev.referral_levels > 0 else 0.0
        p = b.referral_rate * self.trust ** 2 * (1 + b.referral_reward_lift * reward / m.scenario.category.price_mean)
        if r.random() >= p or r.random() >= b.referral_conversion:
            return
        account = m.accounts[self.account]
        if account.room <= 0:
            return
        segment = FIT if r.random() < b.referral_fit_share else DEAL_SEEKER
        if not m.take_from_public_domain(segment):
            return
        account.room -= 1
        friend = m.customer_class(m, segment)
        friend.join(self.account, m.SOURCE_REFERRAL, b.trust_referred)
        friend.referrer, friend.depth = self, min(self.depth + 1, 255)
        m.today["referrals"] += 1
        # commission up the chain, one reward per level that exists
        paid, up = 0, self
        for _ in range(lev.referral_levels):
            if up is None:
                break
            paid += 1
            up = up.referrer
        m.today["reward_cost"] += reward * paid

    def __repr__(self) -> str:
        names = {ACTIVE: "active", MUTED: "muted", LOST: "lost", BANNED: "banned"}
        return f"CustomerAgent({self.unique_id}, {names.get(self.state)}, trust={self.trust:.2f})"
