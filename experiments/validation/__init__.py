"""Model validation: the battery behind ``siyu validate-model``.

Following Rand & Rust (2011, "Agent-based modeling in marketing: Guidelines for rigor"),
each check compares the simulator with something it was not built from: a theoretical
limit (Bass diffusion, the M/M/c queue), another implementation (docking against the
per-agent Mesa reference), facts observed in the field (DOMAIN.md), data it never saw
(a real transaction log, against BG/NBD), and which assumptions drive the verdict
(sensitivity). Every check is a function ``check_*(quick: bool) -> list[Check]``, one
module per family; :func:`run_battery` runs them all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Check:
    """One validation check: what is compared, what was expected, what was observed.

    ``expected``, ``observed`` and ``tolerance`` are short human-readable statements (with
    numbers); ``passed`` is the verdict; ``evidence`` is one sentence for the report and
    ``figure`` a plotly figure (not written to JSON)."""

    name: str
    family: str
    compares: str
    expected: str
    observed: str
    tolerance: str
    passed: bool
    evidence: str = ""
    figure: Any = field(default=None, repr=False)
    details: dict = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    def record(self) -> dict:
        """The ``validation.json`` entry (keys: name, compares, expected, observed, tolerance, passed, ...)."""
        return {"name": self.name, "compares": self.compares, "expected": self.expected, "observed": self.observed,
                "tolerance": self.tolerance, "passed": bool(self.passed), "family": self.family,
                "evidence": self.evidence, "details": self.details, "seconds": round(self.seconds, 2)}


def families() -> dict[str, Callable[[bool], list[Check]]]:
    """The battery, in report order: family name -> check function."""
    from experiments.validation import bass, docking, empirical, queue, sensitivity, stylized

    return {"diffusion": bass.check_bass, "queue": queue.check_queue, "docking": docking.check_docking,
            "stylized": stylized.check_stylized, "empirical": empirical.check_empirical,
            "sensitivity": sensitivity.check_sensitivity}


#: rough relative cost of each family at either size, to start the longest first
COST = {"empirical": 6, "stylized": 5, "sensitivity": 3, "docking": 2, "diffusion": 1, "queue": 1}


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
    out: list[Check] = []
    if workers <= 1 or len(names) <= 1:
        for name in names:
            checks = run_family(name, quick)
            for c in checks:
                if on_check:
                    on_check(c)
            out += checks
        return out
    from concurrent.futures import ProcessPoolExecutor

    from experiments.executors import _context, _ignore_sigint, _stop_now

    pool = ProcessPoolExecutor(max_workers=min(workers, len(names)), mp_context=_context(),
                               initializer=_ignore_sigint)
    try:
        futures = {n: pool.submit(run_family, n, quick) for n in sorted(names, key=lambda n: -COST.get(n, 1))}
        for name in names:
            checks = futures[name].result()
            for c in checks:
                if on_check:
                    on_check(c)
            out += checks
        return out
    except KeyboardInterrupt:
        _stop_now(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
