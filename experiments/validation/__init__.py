"""Model validation: the battery behind ``siyu validate-model``.

Following Rand & Rust (2011, "Agent-based modeling in marketing: Guidelines for rigor"),
each check compares the simulator with something it was not built from: a theoretical
limit (Bass diffusion, the M/M/c queue), another implementation (docking against the
per-agent Mesa reference), facts observed in the field, data it never saw (a real
transaction log, against BG/NBD), and which assumptions drive the verdict (sensitivity).
Every check is a function ``check_*(quick: bool) -> list[Check]``, one module per family;
:func:`run_battery` runs them all.
"""

from __future__ import annotations

import json
import time
from typing import Callable

from experiments.executors import map_runs
from experiments.validation import bass, docking, empirical, queue, sensitivity, stylized
from experiments.validation.check import Check, Statement, say

#: the battery, in report order: family name -> check function
FAMILIES: dict[str, Callable[[bool], list[Check]]] = {
    "diffusion": bass.check_bass, "queue": queue.check_queue, "docking": docking.check_docking,
    "stylized": stylized.check_stylized, "empirical": empirical.check_empirical,
    "sensitivity": sensitivity.check_sensitivity}

#: rough relative cost of each family at either size, to start the longest first
COST = {"empirical": 6, "stylized": 5, "sensitivity": 3, "docking": 2, "diffusion": 1, "queue": 1}


def families() -> dict[str, Callable[[bool], list[Check]]]:
    """The battery, in report order: family name -> check function."""
    return dict(FAMILIES)


def run_family(name: str, quick: bool) -> list[Check]:
    """One family's checks, each stamped with its share of the family's wall time."""
    t = time.perf_counter()
    checks = families()[name](quick)
    dt = (time.perf_counter() - t) / max(len(checks), 1)
    for c in checks:
        c.seconds = dt
    return checks


def run_battery(quick: bool = False, only: list[str] | None = None, on_check=None, workers: int = 1) -> list[Check]:
    """Run the checks (``only``: family names) and return them in report order.

    With ``workers`` > 1 the families run in a process pool (longest first); every check
    seeds its own random streams, so the results do not depend on ``workers``.
    ``on_check(check)`` is called for each check, in report order, as soon as its family
    (and every family before it) is done."""
    names = [n for n in families() if not only or n in only]
    order = sorted(names, key=lambda n: -COST.get(n, 1))  # longest first
    done: dict[str, list[Check]] = {}
    reported = 0

    def finished(i: int, checks: list[Check]) -> None:
        nonlocal reported
        done[order[i]] = checks
        while reported < len(names) and names[reported] in done:
            for c in done[names[reported]]:
                if on_check:
                    on_check(c)
            reported += 1

    map_runs(run_family, [(n, quick) for n in order], workers=workers, on_done=finished)
    return [c for n in names for c in done[n]]


def to_json(checks: list[Check], quick: bool, seconds: float) -> str:
    """``validation.json``: whether every check passed, and one record per check."""
    return json.dumps({"quick": quick, "seconds": round(seconds, 1), "passed": all(c.passed for c in checks),
                       "checks": [c.record() for c in checks]}, indent=2, ensure_ascii=False, default=float)


__all__ = ["COST", "Check", "FAMILIES", "Statement", "families", "run_battery", "run_family", "say", "to_json"]
