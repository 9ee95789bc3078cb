"""The brand's operator accounts (personas) and group chats: engine state.

An account's friends are pool members whose ``account`` is its index; the model keeps
the per-account numbers the vectorised rules need in arrays (:class:`AccountBook`) and
each :class:`OperatorAccount` (a ``mesa.Agent``) is the readable face of one row of them.
Group chats are one row each of :class:`GroupBook`.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.compiled import njit
from sim.population import ACTIVE, GROUP, MUTED


class AccountBook:
    """Per-account arrays: capacity, friends today, posting factor, ban status."""

    def __init__(self, count: int, cap: int, posting_factor: np.ndarray):
        self.cap = np.full(count, cap, np.int64)
        self.friends = np.zeros(count, np.int64)
        self.posting_factor = posting_factor.astype(float)
        self.banned_until = np.full(count, -1, np.int64)  # day the replacement account starts
        self.bans = np.zeros(count, np.int64)

    @property
    def count(self) -> int:
        return int(self.cap.size)

    def active(self, day: int) -> np.ndarray:
        """Accounts not currently banned."""
        return self.banned_until <= day

    def capacity(self, day: int, daily_add_limit: int) -> np.ndarray:
        """New friends each account can take today: friend cap and add limit, zero if banned."""
        room = np.minimum(self.cap - self.friends, daily_add_limit)
        return np.where(self.active(day), np.maximum(room, 0), 0)

    def schedule(self, levers, day: int) -> dict[str, np.ndarray]:
        """Messages per member per day from each account, by channel (banned: none)."""
        on = self.active(day) * self.posting_factor
        return {
            "moments": levers.moments_posts * on,
            "group": levers.group_messages * on,
            "private": levers.private_messages * on,
            "official": np.full(self.count, levers.official_posts) * self.active(day),
        }


def friends_per_account(state: np.ndarray, account: np.ndarray, count: int) -> np.ndarray:
    """Pool members (active or muted) on each of ``count`` accounts, in one pass over the
    population (``np.bincount`` of the members' accounts)."""
    friends = _friends(state, account, count)
    if friends is None:
        raise ValueError(f"a pool member is on an account outside 0..{count - 1}")
    return friends


@njit(cache=True)
def _friends(state, account, count):
    friends = np.zeros(count, np.int64)
    for i in range(state.size):
        if state[i] == ACTIVE or state[i] == MUTED:
            a = account[i]
            if a < 0 or a >= count:
                return None
            friends[a] += 1
    return friends


def accounts_with_group_members(account: np.ndarray, channels: np.ndarray, count: int) -> np.ndarray:
    """Which of ``count`` accounts have someone in the group channel (one pass)."""
    has = _with_group_members(account, channels, count)
    if has is None:
        raise ValueError(f"a group member is on an account outside 0..{count - 1}")
    return has


@njit(cache=True)
def _with_group_members(account, channels, count):
    has = np.zeros(count, np.bool_)
    for i in range(account.size):
        if (channels[i] & GROUP) > 0:
            a = account[i]
            if a < 0 or a >= count:
                return None
            has[a] = True
    return has


class GroupBook:
    """The brand's group chats: owning account, members (as of yesterday), vitality 0-1."""

    def __init__(self) -> None:
        self.account = np.zeros(0, np.int64)
        self.members = np.zeros(0, np.int64)
        self.vitality = np.zeros(0, float)
        self._newest: dict[int, int] = {}

    @property
    def size(self) -> int:
        return int(self.account.size)

    def new_group(self, account: int) -> int:
        """Open a group for ``account``; a new group starts lively."""
        self.account = np.append(self.account, account)
        self.members = np.append(self.members, 0)
        self.vitality = np.append(self.vitality, 1.0)
        self._newest[account] = self.size - 1
        return self.size - 1

    def open_group(self, account: int) -> int:
        """The account's newest group (opening the first one if it has none)."""
        g = self._newest.get(account)
        return self.new_group(account) if g is None else g


class OperatorAccount(mesa.Agent):
    """One WeChat or WeCom persona run by the brand."""

    def __init__(self, model: mesa.Model, index: int, kind: str):
        super().__init__(model)
        self.index = index
        self.kind = kind

    @property
    def book(self) -> AccountBook:
        return self.model.accounts

    @property
    def friends(self) -> int:
        """Pool members on this account today."""
        return int(self.book.friends[self.index])

    @property
    def friend_cap(self) -> int:
        return int(self.book.cap[self.index])

    @property
    def banned(self) -> bool:
        return bool(self.book.banned_until[self.index] > self.model.day)

    @property
    def posting_factor(self) -> float:
        """This account's posting relative to the strategy's schedule."""
        return float(self.book.posting_factor[self.index])

    def __repr__(self) -> str:
        return f"OperatorAccount({self.index}, {self.kind}, friends={self.friends}, banned={self.banned})"
