"""The day's levers: the strategy's choice, promotion campaigns on top, and WeCom's rule of
at most one mass broadcast a day (the calendar of campaigns every model shares)."""

from __future__ import annotations


def campaign_levers(levers, campaigns, day: int):
    """Levers during a campaign: extra promotional posts and mass messages; returns the
    levers and today's discount (0 outside campaigns)."""
    for c in campaigns:
        if c.start <= day < c.start + c.length:
            posts = levers.moments_posts + levers.group_messages + levers.private_messages
            extra = 2 * c.extra_posts + c.extra_private
            promo_share = (1 - levers.value_share) * posts + extra
            value_share = 1 - promo_share / (posts + extra) if posts + extra > 0 else levers.value_share
            changed = levers.model_copy(update={
                "moments_posts": levers.moments_posts + c.extra_posts,
                "group_messages": levers.group_messages + c.extra_posts,
                "private_messages": levers.private_messages + c.extra_private,
                "value_share": value_share,
            })
            return changed, c.discount
    return levers, 0.0


def todays_levers(model, day: int):
    """The levers for ``day``: the strategy's choice, campaigns on top, then WeCom's rule of
    at most one mass broadcast a day. Returns ``(levers, discount)``."""
    sc = model.scenario
    lev, discount = campaign_levers(model.strategy.levers(day, model), sc.campaigns, day)
    if sc.accounts.kind == "wecom" and sc.platform.wecom_one_broadcast_per_day:
        lev = lev.model_copy(update={"private_messages": min(lev.private_messages, 1.0)})
    return lev, discount
