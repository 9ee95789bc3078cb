"""Runtime of a robust comparison of the default scenario (siyu compare --uncertain N).

    python benchmarks/robust.py [--worlds 200] [--replications 2] [--workers 2] [--flip-steps 4]

Runs :func:`experiments.robust.robust_compare` in a fresh temporary store (every run made
now, none reused), prints the wall time, the runs made and the rate, the time 200 worlds
would take at that rate (the target: 10 minutes on 2 cores), and the headline: the share
of worlds in which each strategy wins on 365-day GMV and profit, and the flip boxes.
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

from experiments.robust import robust_compare  # noqa: E402
from reports.robust_section import flip_sentences  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=200)
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--flip-steps", type=int, default=4)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "default.toml"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="siyu-bench-robust-") as tmp:
        start = time.perf_counter()
        r = robust_compare(args.scenario, worlds=args.worlds, replications=args.replications, workers=args.workers,
                           flip_steps=args.flip_steps, store=tmp)
        seconds = time.perf_counter() - start
    world_runs, flip_runs = len(r.runs), len(r.flip_points)
    rate = (world_runs + flip_runs) / seconds
    at_200 = (200 * world_runs / args.worlds + flip_runs) / rate
    print(f"{'worlds':>7} {'reps':>5} {'workers':>8} {'world runs':>11} {'flip runs':>10} {'seconds':>9} "
          f"{'runs/s':>7} {'200 worlds, s':>14}")
    print(f"{args.worlds:>7} {args.replications:>5} {args.workers:>8} {world_runs:>11} {flip_runs:>10} "
          f"{seconds:>9.1f} {rate:>7.2f} {at_200:>14.0f}")
    for m in ("gmv_365", "profit"):
        stats = r.summary["metrics"].get(m)
        if stats is None:
            continue
        shares = ", ".join(f"{s} {100 * w['share']:.0f} % (CI {100 * w['ci_low']:.0f}-{100 * w['ci_high']:.0f})"
                           for s, w in stats["win_share"].items())
        d = stats["difference"]
        print(f"{m}: worlds won: {shares}; {r.summary['compared']['second']} - {r.summary['compared']['first']} "
              f"median {d['median']:,.0f} (90 % of worlds {d['q05']:,.0f} to {d['q95']:,.0f})")
    for line in flip_sentences(r.summary):
        print("  " + line)
    for row in r.summary["what_would_have_to_be_true"]["assumptions"]:
        flips = "; ".join(f"{f['value']:.3g} ({f['ci_low']:.3g}-{f['ci_high']:.3g})" for f in row["flips"]) or "no flip"
        print(f"  {row['path']}: {flips} (scenario {row['scenario_value']:.3g})")


if __name__ == "__main__":
    main()
