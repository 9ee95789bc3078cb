"""The shipped strategies: harvest, nurture and custom (docs/domain.md, "The two strategies")."""

from __future__ import annotations

import numpy as np

from agents.strategy import Strategy, get_strategy
from sim.errors import SiyuInputError


class Harvest(Strategy):
    """Harvest (收割, "cut the leeks").

    From the domain document (docs/domain.md, "The two strategies"): pull in as many people as possible with coupon and
    freebie hooks and head-count KPIs, then push promotions: 6-7 Moments posts a day,
    more than ten group messages a day, mass private messages for every campaign,
    little content of value, no follow-up after a sale. Budget goes where contacts
    are cheapest.
    """

    name = "harvest"
    colour = "#c0392b"
    classifier = {
        "stance": "harvest",
        "acquisition": "head-count (cheapest contacts, coupon hook)",
        "followup": False,
        "source": "docs/domain.md: The two strategies / Harvest",
    }
    preset = {
        "hook": 20.0,               # coupon for joining (assumption: ~1/6 of a cosmetics order)
        "moments_posts": 6.5,       # DOMAIN: 6-7 Moments posts a day
        "group_messages": 12.0,     # DOMAIN: more than ten group messages a day
        "private_messages": 0.3,    # DOMAIN: mass messages for every campaign (~2 a week, assumption)
        "official_posts": 1.0,
        "value_share": 0.15,        # DOMAIN: little content of value
        "group_invite_share": 0.8,  # DOMAIN: coupons for joining a group
        "group_fit_only": False,
        "followup": False,          # DOMAIN: no follow-up after a sale
        "super_user_share": 0.0,
        "referral_reward": 0.0,
        "referral_levels": 1,
        "recall_after_days": 0,
        "staff_per_1000_members": 0.1,  # DOMAIN: head-count KPIs, service is an afterthought (assumption)
        "expert_staff": False,
        "auto_reply": True,             # assumption: keyword bots instead of people
    }

    def default_weights(self, scenario):
        # head-count KPI: weight channels by contacts per yuan
        return np.array([1.0 / c.cost_per_contact for c in scenario.public_channels]) ** 2


class Nurture(Strategy):
    """Nurture (养, "raise the fish").

    From the domain document (docs/domain.md, "The two strategies"): acquire precisely (people who fit the persona,
    thresholds to join groups), a trusted persona posting 2-3 Moments a day of mostly
    tips and life (Perfect Diary's Xiaowanzi), value before asking, fast answers,
    follow-up after a purchase, most effort on the best ~20 % of customers, referral.
    "Light touch, always available to serve, the sale follows." Budget goes where fit
    people are cheapest.
    """

    name = "nurture"
    colour = "#1e8449"
    classifier = {
        "stance": "nurture",
        "acquisition": "precision (cheapest fit contacts, 1-yuan card)",
        "followup": True,
        "source": "docs/domain.md: The two strategies / Nurture",
    }
    preset = {
        "hook": 1.0,                # DOMAIN: Perfect Diary's 1-yuan cash-back card
        "moments_posts": 2.5,       # DOMAIN: 2-3 Moments posts a day
        "group_messages": 2.0,      # assumption: a few expert posts a day
        "private_messages": 0.05,   # assumption: rare broadcasts
        "official_posts": 0.3,
        "value_share": 0.75,        # DOMAIN: mostly make-up tips and life photos
        "group_invite_share": 0.4,
        "group_fit_only": True,     # DOMAIN: thresholds to join groups
        "followup": True,           # DOMAIN: confirm delivery, ask two days later, thank
        "super_user_share": 0.05,   # DOMAIN: effort on the best customers (tiering)
        "super_user_value_messages": 1.0,
        "referral_reward": 10.0,    # assumption: a small thank-you per referral
        "referral_levels": 1,
        "recall_after_days": 60,    # assumption: recall dormant customers after two months
        "staff_per_1000_members": 0.5,  # DOMAIN: "always available to serve" (ratio: assumption)
        "expert_staff": True,       # DOMAIN: experts rather than generic customer service in groups
        "auto_reply": False,
    }

    def default_weights(self, scenario):
        # precision: weight channels by fit contacts per yuan
        return np.array([c.precision / c.cost_per_contact for c in scenario.public_channels]) ** 2


class Scheduled(Strategy):
    """Scheduled: the strategies of the scenario's ``[[strategy.schedule]]``, each from its day
    on (e.g. harvest on day 0, nurture from day 90: a pool that switches). Each scheduled
    strategy runs with its own preset and the scenario's overrides for its name, exactly as
    it would alone; a schedule with one entry runs that strategy."""

    name = "schedule"
    classifier = {"stance": "scheduled", "source": "the scenario file's [[strategy.schedule]]"}

    def __init__(self, scenario):
        super().__init__(scenario)
        if not scenario.strategy.schedule:
            raise SiyuInputError("strategy 'schedule' needs a [[strategy.schedule]] in the scenario "
                                 "(day = 0, name = \"harvest\"; day = 90, name = \"nurture\")")
        self.plan = [(e.day, get_strategy(e.name)(scenario)) for e in scenario.strategy.schedule]
        self.current = self.plan[0][1]

    def levers(self, day, model):
        self.current = next(s for start, s in reversed(self.plan) if start <= day)
        return self.current.levers(day, model)

    def channel_weights(self, scenario, levers):
        return self.current.channel_weights(scenario, levers)


class Custom(Strategy):
    """Custom: every lever comes from the scenario file (``[strategy.levers.custom]``).

    Unset levers keep the neutral defaults documented on :class:`~sim.scenario.Levers`.
    """

    name = "custom"
    classifier = {"stance": "user-defined", "source": "the scenario file"}
    preset = {}
