"""Scaling of the experiment runner: runs per minute with 1 and 2 workers (and more if asked).

    python benchmarks/experiments.py [--runs 8] [--workers 1,2] [--executor process|dask]

Runs the default scenario (full horizon) ``--runs`` times per worker count, through the
same runner and results store as ``siyu sweep`` (a fresh temporary store each time), and
prints runs per minute and parallel efficiency (rate with n workers / (n x rate with 1)).
A benchmark, not a test: numbers depend on the machine and on what else it is running.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from experiments.design import Experiment
    from experiments.sweep import run_sweep
    from sim.scenario import Scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8, help="runs per measurement")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--executor", default="process", choices=["process", "dask"])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "default.toml"))
    args = ap.parse_args()
    base = Scenario.from_toml(args.scenario)
    exp = Experiment.from_dict({"name": "bench", "strategies": ["nurture"], "replications": args.runs}, base)
    rates = {}
    print(f"{base.name}: {base.days} days, audience {base.market.audience:,}; {args.runs} runs per row, "
          f"executor {args.executor}")
    print(f"{'workers':>8} {'seconds':>9} {'runs/min':>10} {'efficiency':>11}")
    for n in [int(x) for x in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            _, rep = run_sweep(exp, tmp, executor=args.executor, workers=n)
            dt = time.perf_counter() - t
        assert rep.ran == args.runs
        rates[n] = args.runs / dt * 60
        eff = rates[n] / (n * rates[min(rates)] / min(rates)) if rates else 1.0
        print(f"{n:>8} {dt:>9.1f} {rates[n]:>10.1f} {eff:>10.0%}")


if __name__ == "__main__":
    main()
