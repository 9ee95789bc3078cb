"""The reference's operator accounts, group chats and platform rules, one account or one
chat at a time.

This is the plain-Python specification of the engine's account book and platform rules;
each function or method names the engine function it specifies. An :class:`Account` is
a plain object, not a ``mesa.Agent``: the reference model's only agents are customers.

* :class:`Account` — friend cap, today's room for new friends (cap and daily add
  limit), posting factor and schedule, bans and the replacement account
  (:class:`sim.accounts.AccountBook`);
* :func:`spread_over_accounts` — joiners spread over accounts in proportion to their
  room, largest remainder first (:func:`sim.rules.joining.fill_accounts`);
* :func:`moments_seen` — Moments folding (:func:`sim.rules.messaging.moments_seen`);
* :class:`GroupChat` and :class:`GroupChats` — seating, vitality and chatter
  (:func:`sim.rules.groups.assign_groups`, :func:`sim.rules.groups.group_chatter`);
* :func:`ban_hazard` and :func:`ban_intensity` — the platform's daily ban hazard
  (:func:`sim.rules.enforcement.ban_hazard` and the intensity of :func:`sim.day.enforce`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Posts:
    """Messages per member per day one account sends today, by channel."""

    moments: float = 0.0
    group: float = 0.0
    private: float = 0.0
    official: float = 0.0


class Account:
    """One operator account (persona): a row of :class:`sim.accounts.AccountBook`.

    ``friends`` are the pool members on the account when the day opens; ``room`` is
    how many new friends it may still take today. A banned account is out of
    service until ``banned_until``, the day its replacement (a fresh account under
    the same index, same cap and posting habit, no friends) starts.
    """

    def __init__(self, index: int, friend_cap: int, posting_factor: float):
        self.index = index
        self.friend_cap = friend_cap
        self.posting_factor = posting_factor  # how much it posts relative to the strategy's schedule
        self.friends = 0
        self.room = 0
        self.banned_until = -1
        self.bans = 0

    def running(self, day: int) -> bool:
        """Not banned on ``day`` (:meth:`sim.accounts.AccountBook.active`)."""
        return self.banned_until <= day

    def open_room(self, friends: int, day: int, daily_add_limit: int) -> None:
        """Room for new friends today (:meth:`sim.accounts.AccountBook.capacity`): what is
        left under the friend cap, and at most the daily add limit (the day has just
        begun, so nobody has been added yet); none while banned."""
        self.friends = friends
        self.room = max(min(self.friend_cap - friends, daily_add_limit), 0) if self.running(day) else 0

    def posts(self, levers, day: int) -> Posts:
        """Today's schedule (:meth:`sim.accounts.AccountBook.schedule`): the strategy's
        posts times this account's posting factor; the official account posts the same
        for everyone; a banned account sends nothing."""
        if not self.running(day):
            return Posts()
        f = self.posting_factor
        return Posts(moments=levers.moments_posts * f, group=levers.group_messages * f,
                     private=levers.private_messages * f, official=levers.official_posts)

    def ban(self, day: int, replace_after_days: int) -> None:
        """Banned today: out of service from tomorrow until the replacement starts."""
        self.banned_until = day + 1 + replace_after_days
        self.bans += 1

    def __repr__(self) -> str:
        return f"Account({self.index}, friends={self.friends}, room={self.room}, bans={self.bans})"


def spread_over_accounts(n: int, rooms: list[int]) -> list[int]:
    """How many of ``n`` joiners each account takes (:func:`sim.rules.joining.fill_accounts`).

    Each account gets its share of the joiners in proportion to its room, rounded
    down; the joiners left over go one each to the accounts with the largest
    remainders (lower index first on ties) that still have room. ``n`` must not
    exceed the total room; no account gets more than its room.
    """
    total = sum(rooms)
    if n <= 0 or total <= 0:
        return [0] * len(rooms)
    shares = [room * (n / total) for room in rooms]
    counts = [math.floor(share) for share in shares]
    short = n - sum(counts)
    with_room = [i for i in range(len(rooms)) if counts[i] < rooms[i]]
    with_room.sort(key=lambda i: -(shares[i] - counts[i]))  # stable: lower index first on ties
    for i in with_room[:max(short, 0)]:
        counts[i] += 1
    return counts


def moments_seen(posts: float, threshold: float, fold_reach: float) -> float:
    """Moments posts a friend effectively sees (:func:`sim.rules.messaging.moments_seen`):
    WeChat folds an account's posts beyond the daily threshold, and only ``fold_reach``
    of the folded ones are opened."""
    return min(posts, threshold) + fold_reach * max(posts - threshold, 0.0)


# -- group chats -----------------------------------------------------------------------
class GroupChat:
    """One WeChat group: its owning account, members as last counted, vitality 0-1."""

    def __init__(self, account: int):
        self.account = account
        self.members = 0
        self.vitality = 1.0  # a new group starts lively

    def __repr__(self) -> str:
        return f"GroupChat(account={self.account}, members={self.members}, vitality={self.vitality:.2f})"


class GroupChats:
    """The brand's group chats (:class:`sim.accounts.GroupBook`); a customer's ``group`` is
    an index into :attr:`chats`."""

    def __init__(self) -> None:
        self.chats: list[GroupChat] = []
        self.newest: dict[int, int] = {}  # account -> its newest group

    def seat(self, person, cap: int) -> None:
        """Seat a group member not yet in a chat (:func:`sim.rules.groups.assign_groups`):
        their account's newest group, or a new one when that is full (or the account has
        none). Counted as a member at once, so the next newcomer sees the group fuller."""
        g = self.newest.get(person.account)
        if g is None or self.chats[g].members >= cap:
            g = len(self.chats)
            self.chats.append(GroupChat(person.account))
            self.newest[person.account] = g
        person.group = g
        self.chats[g].members += 1

    def chatter(self, members_now: list[int], brand_value: list[float], private) -> list[float]:
        """Members' own messages per day in each group (:func:`sim.rules.groups.group_chatter`).

        ``members_now[g]`` is the members group ``g`` has now; ``brand_value[a]`` the
        valuable group messages per day account ``a`` sends. A group that lost members
        since they were last counted loses vitality (people talk less in an emptying
        group: the share still there to the power ``group_vitality_loss``); the brand's
        valuable content restores part of what is missing. Chatter is members x
        vitality x ``group_chatter_per_member``.
        """
        out = []
        for chat, now in zip(self.chats, members_now):
            kept = min(now / max(chat.members, 1), 1.0) ** private.group_vitality_loss
            v = chat.vitality * kept
            feed = private.group_vitality_recovery * brand_value[chat.account]
            chat.vitality = min(max(v + feed * (1 - v), 0.0), 1.0)
            chat.members = now
            out.append(private.group_chatter_per_member * now * chat.vitality)
        return out

    def lively(self) -> int:
        """Groups with members (as last counted)."""
        return sum(chat.members > 0 for chat in self.chats)


# -- platform enforcement ------------------------------------------------------------
def ban_intensity(posts: Posts, has_group: bool, recalls: int, members: int, private, platform) -> float:
    """Messages per member per day the platform weighs (as :func:`sim.day.enforce`
    computes it): mass private messages, group messages (weighted, if the account has a
    group member), Moments posts beyond the folding threshold, and one-to-one recall
    messages spread over the account's members."""
    folded = max(posts.moments - private.moments_fold_threshold, 0.0)
    group = platform.ban_group_weight * posts.group if has_group else 0.0
    return posts.private + group + folded + recalls / members


def ban_hazard(intensity: float, delete_rate: float, platform) -> float:
    """Daily chance the platform bans an account (:func:`sim.rules.enforcement.ban_hazard`):
    the base hazard times (intensity / safe intensity) to the ``ban_exponent`` (steep
    above the safe level), times 1 + ``ban_complaint_weight`` x today's delete rate."""
    pressure = (intensity / platform.ban_safe_intensity) ** platform.ban_exponent
    h = platform.ban_base_hazard * pressure * (1 + platform.ban_complaint_weight * delete_rate)
    return min(max(h, 0.0), 1.0)
