"""Quantiles of a float array exactly as ``np.quantile`` computes them (method ``"linear"``),
compiled: the daily bands of trust and fatigue and the answered-wait percentile ask for a
few quantiles of up to 20,000 values every simulated day, where numpy's per-call work
(and its partition of the whole array) cost more than the quantiles themselves.

Exactness is the contract: the same order statistics and numpy's interpolation in the
same arithmetic, so a run's daily table does not change by a bit (``tests/test_metrics.py``
checks it against ``np.quantile`` on random arrays, ties included).
"""

from __future__ import annotations

import math

import numpy as np

from sim.compiled import njit


def linear_quantiles(values: np.ndarray, qs) -> np.ndarray:
    """``np.quantile(values, qs)`` (method ``"linear"``, ``qs`` a sequence) of a 1-D float
    array, bit for bit, without numpy's per-call overhead: the same order statistics
    (found by selection, not a sort) and numpy's interpolation in the same arithmetic
    (the difference in the array's dtype, then float64; from the upper neighbour when the
    weight is at least 0.5). Order statistics are unique bit patterns except for NaN and
    signed zeros, whose order a selection may not share with numpy's: an array holding a
    NaN or a -0.0 goes to ``np.quantile`` itself."""
    q = np.asarray(qs, dtype=np.float64)
    bits = _BIT_PATTERNS.get(values.dtype) if isinstance(values, np.ndarray) else None
    if bits is None or values.ndim != 1 or values.size == 0 or q.ndim != 1:
        return np.quantile(values, q)
    out = _linear_quantiles(values, values.view(bits[0]), bits[1], q)
    return np.quantile(values, q) if out is None else out


#: the unsigned integer of each float's bit pattern, and its sign bit
_BIT_PATTERNS = {np.dtype(np.float32): (np.uint32, np.uint64(1) << np.uint64(31)),
                 np.dtype(np.float64): (np.uint64, np.uint64(1) << np.uint64(63))}


#: arrays up to this size are selected in directly; larger ones are first narrowed to the
#: few value ranges (of at most 2^BUCKET_BITS) that hold the wanted order statistics
DIRECT_SELECTION = 512
BUCKET_BITS = 12


@njit(cache=True)
def _linear_quantiles(values, bits, sign, q):
    n = values.size
    # numpy's neighbours and weights: virtual index (n - 1) q; past the ends both neighbours
    # are the end (index -1 or 0) and the weight is taken from that index
    lower = np.empty(q.size, np.int64)
    upper = np.empty(q.size, np.int64)
    weight = np.empty(q.size, np.float64)
    for j in range(q.size):
        virtual = np.float64(n - 1) * q[j]
        below = np.floor(virtual)
        if virtual >= n - 1:
            lower[j] = upper[j] = n - 1
            weight[j] = virtual - (-1.0)
        elif virtual < 0:
            lower[j] = upper[j] = 0
            weight[j] = virtual
        else:
            lower[j], upper[j] = np.int64(below), np.int64(below) + 1
            weight[j] = virtual - below
    ranks = np.unique(np.concatenate((lower, upper)))
    at_rank = _order_statistics(values, bits, sign, ranks)
    if at_rank is None:
        return None
    out = np.empty(q.size, np.float64)
    for j in range(q.size):
        a = at_rank[np.searchsorted(ranks, lower[j])]
        b = at_rank[np.searchsorted(ranks, upper[j])]
        t = weight[j]
        diff = b - a  # in the array's dtype, as numpy's _lerp
        if t >= 0.5:
            out[j] = np.float64(b) - np.float64(diff) * (1.0 - t)
        else:
            out[j] = np.float64(a) + np.float64(diff) * t
    return out


@njit(cache=True)
def _order_statistics(values, bits, sign, ranks):
    """The values at ``ranks`` (ascending, distinct) of the sorted ``values``; ``None`` if a
    NaN or a -0.0 is among them.

    Each value's bit pattern, read as an unsigned integer with the sign bit flipped (all
    bits of negatives flipped), orders as the values do; the integers' leading bits
    (above the spread between the least and the greatest) sort the values into at most
    4096 ordered buckets, counted in one pass; the wanted statistics are then selected
    among the members of their own buckets only."""
    n = values.size
    keys = np.empty(n, np.uint64)
    lo = hi = np.uint64(0)
    for i in range(n):
        x = values[i]
        if x != x or (x == 0 and math.copysign(1.0, x) < 0):
            return None  # NaN or -0.0: numpy decides
        u = np.uint64(bits[i])
        k = u | sign if (u & sign) == 0 else (sign - np.uint64(1)) - (u - sign)  # negatives: greater magnitude first
        keys[i] = k
        if i == 0 or k < lo:
            lo = k
        if i == 0 or k > hi:
            hi = k
    out = np.empty(ranks.size, values.dtype)
    if n <= DIRECT_SELECTION or lo == hi:
        buf = values.copy()
        start = 0
        for j in range(ranks.size):
            _select(buf, start, n, ranks[j])
            out[j] = buf[ranks[j]]
            start = ranks[j] + 1
        return out
    shift = np.uint64(0)
    while ((hi - lo) >> shift) >= np.uint64(1 << BUCKET_BITS):
        shift += np.uint64(1)
    counts = np.zeros(((hi - lo) >> shift) + np.uint64(1), np.int64)
    for i in range(n):
        counts[(keys[i] - lo) >> shift] += 1
    ends = np.cumsum(counts)
    bucket_of = np.searchsorted(ends, ranks, side="right")
    # the wanted buckets' members, bucket after bucket, in one buffer
    slot = np.full(counts.size, -1, np.int64)
    first = np.zeros(ranks.size + 1, np.int64)
    used = 0
    for j in range(ranks.size):
        b = bucket_of[j]
        if slot[b] < 0:
            slot[b] = used
            first[used + 1] = first[used] + counts[b]
            used += 1
    buf = np.empty(first[used], values.dtype)
    fill = first[:used].copy()
    for i in range(n):
        s = slot[(keys[i] - lo) >> shift]
        if s >= 0:
            buf[fill[s]] = values[i]
            fill[s] += 1
    start = -1
    for j in range(ranks.size):  # ascending ranks: within a bucket, each selection narrows the next
        b = bucket_of[j]
        s = slot[b]
        k = first[s] + ranks[j] - (ends[b] - counts[b])
        if start < first[s]:
            start = first[s]
        _select(buf, start, first[s + 1], k)
        out[j] = buf[k]
        start = k + 1
    return out


@njit(cache=True)
def _select(buf, lo, hi, k):
    """Rearrange ``buf[lo:hi]`` so that ``buf[k]`` holds the value it holds once sorted, with
    nothing greater before it and nothing smaller after it: quickselect (median-of-three
    pivot, scans that stop on ties, so equal values cost no more than distinct ones); a
    range that fails to shrink in 64 rounds is sorted instead."""
    left, right = lo, hi - 1
    for _ in range(64):
        if right - left < 2:
            if right == left + 1 and buf[right] < buf[left]:
                buf[left], buf[right] = buf[right], buf[left]
            return
        mid = (left + right) // 2
        buf[mid], buf[left + 1] = buf[left + 1], buf[mid]
        if buf[left] > buf[right]:
            buf[left], buf[right] = buf[right], buf[left]
        if buf[left + 1] > buf[right]:
            buf[left + 1], buf[right] = buf[right], buf[left + 1]
        if buf[left] > buf[left + 1]:
            buf[left], buf[left + 1] = buf[left + 1], buf[left]
        pivot = buf[left + 1]
        i, j = left + 1, right
        while True:
            i += 1
            while buf[i] < pivot:
                i += 1
            j -= 1
            while buf[j] > pivot:
                j -= 1
            if j < i:
                break
            buf[i], buf[j] = buf[j], buf[i]
        buf[left + 1] = buf[j]
        buf[j] = pivot
        if j >= k:
            right = j - 1
        if j <= k:
            left = i
    buf[left:right + 1].sort()
