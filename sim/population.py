"""The customer population as a struct of numpy arrays (one row per known customer).

Never one Python object per customer: the daily rules in :mod:`sim.rules` work on
whole arrays, so a million customers cost a few dozen vector operations a day
(about 60 bytes of state per customer, see :meth:`Population.bytes_per_customer`).

Who is a row. People in the public domain who have never joined the pool are
exchangeable but for their segment, so they are kept as *counts* (``unaware`` and
``exposed``, per segment). A person becomes a row the first time they join the pool
(from a public channel, a referral, or the day-0 pool) and stays a row for good, so
lost customers keep their history and can be re-acquired. This keeps the daily cost
proportional to the people the brand has actually touched, not to the whole market.

States (``state``), exactly one per person:

=============  ===========================================================
``UNAWARE``    in the public domain, never reached (a count, not a row)
``EXPOSED``    reached on a public platform, did not join (a count)
``ACTIVE``     in the private pool, seeing the brand's messages
``MUTED``      in the pool but has muted the account/group: sees little
``LOST``       deleted the account, left the group or unfollowed
``BANNED``     lost because the account they were on was banned
=============  ===========================================================

``LOST`` and ``BANNED`` customers can come back only through a public channel.
Channel memberships (``channels``) are bit flags, meaningful while in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.compiled import njit

UNAWARE, EXPOSED, ACTIVE, MUTED, LOST, BANNED = range(6)
STATE_NAMES = ("unaware", "exposed", "active", "muted", "lost", "banned")

FRIEND, GROUP, MOMENTS, OFFICIAL = 1, 2, 4, 8
CHANNEL_BITS = {"friend": FRIEND, "group": GROUP, "moments": MOMENTS, "official": OFFICIAL}

FIT, DEAL_SEEKER = 0, 1

#: ``source`` codes besides a public-channel index
SOURCE_INITIAL = 254
SOURCE_REFERRAL = 253
SOURCE_ARRIVAL = 252   # market.arrivals: joined on a given day, outside the paid channels
SOURCE_NONE = 255

NEVER = -1  # day marker: "has not happened"


_COLUMNS = {
    "state": (np.uint8, 0),          # one of the states above
    "channels": (np.uint8, 0),       # bit flags FRIEND|GROUP|MOMENTS|OFFICIAL
    "segment": (np.uint8, FIT),      # FIT or DEAL_SEEKER (fixed)
    "account": (np.int16, -1),       # operator account index, -1 when not in the pool
    "group": (np.int32, -1),         # group chat index (sim.rules.groups), -1 when in none
    "source": (np.uint8, SOURCE_NONE),  # how they last joined: channel index or SOURCE_*
    "trust": (np.float32, 0.0),      # 0..1
    "fatigue": (np.float32, 0.0),    # >= 0, accumulated annoyance
    "tolerance": (np.float32, 1.0),  # personal fatigue tolerance (fixed)
    "need": (np.float32, 0.0),       # purchase readiness; 1 = due
    "need_rate": (np.float32, 0.0),  # need gained per day = 1 / personal cycle (fixed)
    "basket": (np.float32, 1.0),     # personal order size relative to the mean (fixed)
    "satisfaction": (np.uint8, 0),   # personal chance a purchase satisfies, in 1/255 steps (fixed; category.quality_spread)
    "drop_out": (np.float32, 1.0),   # personal drop-out propensity, mean 1 (fixed; behaviour.drop_out_shape)
    "buy_propensity": (np.float32, 1.0),  # personal readiness to buy, mean 1 (fixed; behaviour.buy_rate_shape)
    "spend": (np.float32, 0.0),      # yuan spent, all channels
    "orders": (np.uint16, 0),        # number of orders
    "satisfied": (np.bool_, False),  # was the last purchase satisfying
    "first_join": (np.int16, NEVER),  # day of first joining the pool
    "first_left": (np.int16, NEVER),  # day of first leaving the pool
    "last_buy": (np.int16, NEVER),   # day of the last order
    "referrer": (np.int32, -1),      # row of who referred them
    "depth": (np.uint8, 0),          # referral generation (0 = bought traffic)
    "group_joined": (np.int16, NEVER),  # day of first taking a seat in a group chat
    "group_left": (np.int16, NEVER),    # day that first group stay ended (she left the pool)
    "group_quit": (np.bool_, False),    # that stay ended by her own leaving, not with a banned account
}

#: every per-customer column: name -> (dtype, value of a new row)
COLUMNS = _COLUMNS


@dataclass
class Population:
    """Known customers as parallel arrays (row ``i`` is the same person in each), plus
    counts of the public domain per segment.

    Attributes named in ``_COLUMNS`` are views of the first :attr:`size` rows; they are
    re-sliced whenever rows are added, so never keep one across :meth:`add`.
    """

    unaware: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))  # per segment
    exposed: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))  # per segment
    size: int = 0

    def __post_init__(self) -> None:
        self._full = {name: np.full(0, fill, dtype) for name, (dtype, fill) in _COLUMNS.items()}
        self._reslice()

    # declared for type checkers and readers; filled by _reslice
    state: np.ndarray = field(init=False, repr=False)
    channels: np.ndarray = field(init=False, repr=False)
    segment: np.ndarray = field(init=False, repr=False)
    account: np.ndarray = field(init=False, repr=False)
    group: np.ndarray = field(init=False, repr=False)
    source: np.ndarray = field(init=False, repr=False)
    trust: np.ndarray = field(init=False, repr=False)
    fatigue: np.ndarray = field(init=False, repr=False)
    tolerance: np.ndarray = field(init=False, repr=False)
    need: np.ndarray = field(init=False, repr=False)
    need_rate: np.ndarray = field(init=False, repr=False)
    basket: np.ndarray = field(init=False, repr=False)
    satisfaction: np.ndarray = field(init=False, repr=False)
    drop_out: np.ndarray = field(init=False, repr=False)
    buy_propensity: np.ndarray = field(init=False, repr=False)
    spend: np.ndarray = field(init=False, repr=False)
    orders: np.ndarray = field(init=False, repr=False)
    satisfied: np.ndarray = field(init=False, repr=False)
    first_join: np.ndarray = field(init=False, repr=False)
    first_left: np.ndarray = field(init=False, repr=False)
    last_buy: np.ndarray = field(init=False, repr=False)
    referrer: np.ndarray = field(init=False, repr=False)
    depth: np.ndarray = field(init=False, repr=False)
    group_joined: np.ndarray = field(init=False, repr=False)
    group_left: np.ndarray = field(init=False, repr=False)
    group_quit: np.ndarray = field(init=False, repr=False)

    def _reslice(self) -> None:
        for name, array in self._full.items():
            setattr(self, name, array[: self.size])

    def reserve(self, capacity: int) -> None:
        """Make room for ``capacity`` rows without reallocating later."""
        old = next(iter(self._full.values())).size
        if capacity <= old:
            return
        for name, (dtype, _) in _COLUMNS.items():
            # np.empty: rows not yet added take no memory (the OS maps pages on first
            # write), so headroom costs address space, not resident memory; add() fills them
            grown = np.empty(capacity, dtype)
            grown[: self.size] = self._full[name][: self.size]
            self._full[name] = grown
            setattr(self, name, grown[: self.size])  # drop the old column now: one column at a time in memory twice

    def add(self, k: int) -> slice:
        """Append ``k`` rows with default values; return their slice."""
        start = self.size
        capacity = next(iter(self._full.values())).size
        if start + k > capacity:
            self.reserve(max(start + k, int(capacity * 1.5) + 1024))
        self.size = start + k
        for name, (_, fill) in _COLUMNS.items():
            self._full[name][start:start + k] = fill
        self._reslice()
        return slice(start, start + k)

    @staticmethod
    def bytes_per_customer() -> int:
        """State bytes per known customer (the benchmark budget is 100 bytes in all per customer)."""
        return sum(np.dtype(dtype).itemsize for dtype, _ in _COLUMNS.values())

    @property
    def audience(self) -> int:
        """Everyone, rows and public-domain counts together."""
        return int(self.size + self.unaware.sum() + self.exposed.sum())

    def in_pool(self) -> np.ndarray:
        """Boolean mask of pool members (active or muted)."""
        return (self.state == ACTIVE) | (self.state == MUTED)

    def counts(self) -> np.ndarray:
        """People per state, indexed by the state constants (public domain included)."""
        return self.tally()[0]

    def tally(self) -> tuple[np.ndarray, float, float]:
        """:meth:`counts`, and the sums of trust and of fatigue over pool members, in one pass."""
        out, trust, fatigue = _tally(self.state, self.trust, self.fatigue, len(STATE_NAMES))
        out[UNAWARE] = self.unaware.sum()
        out[EXPOSED] = self.exposed.sum()
        return out, trust, fatigue


@njit(cache=True)
def _tally(state, trust, fatigue, n_states):
    counts = np.zeros(n_states, np.int64)
    trust_sum = fatigue_sum = 0.0
    for i in range(state.size):
        s = state[i]
        counts[s] += 1
        member = s == ACTIVE or s == MUTED
        trust_sum += trust[i] if member else 0.0
        fatigue_sum += fatigue[i] if member else 0.0
    return counts, trust_sum, fatigue_sum
