"""The engine's cost per simulated day: CPU seconds of one run, one process.

    python benchmarks/engine.py [--repeats 3]

Two workloads, each timed with ``time.process_time`` (CPU, not wall: a busy machine
slows it less), the best of ``--repeats`` runs after one short warm-up run (compiled
loops loaded, imports done):

* the default scenario, 365 days, harvest and nurture (``sim.run``): what a comparison,
  a robust comparison (800 such runs) and the live explorer pay per day;
* the validation battery's cohort simulation (``experiments.translog.simulate_transactions``
  of the CDNOW cohort, 2,357 customers over 546 days, the fitted parameters), which a
  cohort fit repeats about a thousand times: there the fixed cost of a day dominates.

Prints seconds per run and microseconds per simulated day. A benchmark, not a test:
numbers depend on the machine and on what else it is running.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from agents import make_strategy  # noqa: E402
from experiments.translog import simulate_transactions  # noqa: E402
from experiments.validation.empirical import cdnow_log, shop_scenario  # noqa: E402

#: the cohort fit's parameters (experiments/validation/empirical.py, fitted to CDNOW)
COHORT_FIT = {"category.purchase_cycle_days": 73, "category.cycle_shape": 0.37, "behaviour.drift_leave_rate": 0.011,
              "category.quality": 0.72, "behaviour.drop_out_shape": 0.74, "behaviour.trust_decay": 0.0019}


def cpu_seconds(run, repeats: int) -> float:
    """Best CPU time of ``repeats`` calls of ``run``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    default = sim.Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    cohort = shop_scenario(cdnow_log()).with_overrides(COHORT_FIT)
    sim.run(default, make_strategy(default, "harvest"), seed=1, days=5)  # warm-up
    simulate_transactions(cohort.with_overrides(days=5), "custom", cohort.seed, 1)
    rows = [(f"default, {s}", default.days,
             lambda s=s: sim.run(default, make_strategy(default, s), seed=1)) for s in ("harvest", "nurture")]
    rows.append(("validation cohort", cohort.days, lambda: simulate_transactions(cohort, "custom", cohort.seed, 1)))
    print(f"{'workload':<20} {'days':>5} {'CPU s/run':>10} {'us/day':>8}")
    for name, days, run in rows:
        seconds = cpu_seconds(run, args.repeats)
        print(f"{name:<20} {days:>5} {seconds:>10.3f} {1e6 * seconds / days:>8.0f}")


if __name__ == "__main__":
    main()
