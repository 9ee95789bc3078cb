"""Playing a live comparison: simulate for a while, redraw, repeat.

One policy for the explorer and for its benchmark (``benchmarks/explore.py``), so the
speed measured is the speed shown. The first redraw comes right after the first day (a
moved slider shows its first new point at once); after that a frame simulates for at
least :data:`MIN_FRAME_SECONDS` and at least :data:`SIMULATE_PER_DRAW` times as long as the
last redraw took, so drawing takes about a fifth of the work at most. Both are counted in
this thread's CPU time, not wall time: on a machine shared with other work (a laptop in a
workshop, a busy test machine) the share of drawing stays what it is on an idle one,
instead of growing as every wall-clock second holds less simulation.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from siyu.explorer.live import LiveComparison

#: shortest stretch of simulation between two redraws while playing, CPU seconds
MIN_FRAME_SECONDS = 0.4
#: seconds simulated per second of drawing, at least (a frame every second or two at 10^4 customers)
SIMULATE_PER_DRAW = 4.0


@dataclass
class Clock:
    """What one play measured: days simulated, wall seconds (drawing included), seconds
    spent drawing, and the seconds from the start to the first point drawn."""

    days: int = 0
    seconds: float = 0.0
    drawing: float = 0.0
    first_point: float | None = None
    started: float = field(default_factory=time.perf_counter)

    @property
    def days_per_second(self) -> float | None:
        return self.days / self.seconds if self.seconds > 0 else None


def play(live: LiveComparison, redraw: Callable[[], None], stop: threading.Event | None = None,
         clock: Clock | None = None, until: int | None = None) -> Clock:
    """Advance ``live`` to day ``until`` (default: the horizon) or until ``stop`` is set,
    calling ``redraw`` after each frame; returns the :class:`Clock`."""
    clock = clock or Clock()
    stop = stop or threading.Event()
    end = live.days if until is None else min(until, live.days)
    last_draw = 0.0
    while not stop.is_set() and live.day < end:
        budget = 0.0 if live.day == 0 else max(MIN_FRAME_SECONDS, SIMULATE_PER_DRAW * last_draw)
        start = time.thread_time()
        while not stop.is_set() and live.day < end:
            clock.days += live.advance(1)
            if time.thread_time() - start >= budget:
                break
        drawn, drawn_cpu = time.perf_counter(), time.thread_time()
        redraw()
        last_draw = time.thread_time() - drawn_cpu
        clock.drawing += time.perf_counter() - drawn
        if clock.first_point is None:
            clock.first_point = time.perf_counter() - clock.started
        clock.seconds = time.perf_counter() - clock.started
    return clock
