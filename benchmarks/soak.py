"""Soak: many consecutive comparisons in one process must not grow memory.

Runs ``--compares`` (default 200) small harvest-vs-nurture comparisons back to back in
this process (workers=1, so every model lives and dies here: Mesa once kept models
alive through its agent registry) and prints, every ``--every`` compares, the resident
memory and how many ``PoolModel`` objects are still alive. A leak shows as a steadily
rising RSS column or a growing model count.

    .venv/bin/python benchmarks/soak.py [--compares 200] [--every 20]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mib() -> float:
    """Resident set size of this process, MiB."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compares", type=int, default=200)
    ap.add_argument("--every", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--audience", type=int, default=3000)
    ap.add_argument("--replications", type=int, default=2)
    args = ap.parse_args()

    from experiments.compare import compare
    from sim.model import PoolModel
    from sim.scenario import Scenario

    scenario = Scenario.from_dict({"name": "soak", "days": args.days,
                                   "market": {"audience": args.audience, "initial_pool": args.audience // 10}})
    gc.collect()
    start = rss_mib()
    print(f"soak: {args.compares} compares of harvest vs nurture, {args.replications} replications each, "
          f"{args.days} days, audience {args.audience:,}; SIYU_CHECK={os.environ.get('SIYU_CHECK', '')!r}")
    print(f"{'compares':>8} {'RSS MiB':>9} {'vs start':>9} {'live models':>12} {'s/compare':>10}")
    print(f"{0:>8} {start:>9.1f} {0:>+9.1f} {0:>12} {'':>10}")
    rows = []
    t0 = time.perf_counter()
    for i in range(1, args.compares + 1):
        # a different root seed each time, so nothing can be served from a cache
        compare(scenario, ["harvest", "nurture"], replications=args.replications, seed=i, workers=1)
        if i % args.every == 0:
            gc.collect()
            rss = rss_mib()
            live = sum(1 for o in gc.get_objects() if isinstance(o, PoolModel))
            per = (time.perf_counter() - t0) / i
            rows.append((i, rss))
            print(f"{i:>8} {rss:>9.1f} {rss - start:>+9.1f} {live:>12} {per:>10.3f}", flush=True)
    if len(rows) >= 2:
        (a, ra), (b, rb) = rows[0], rows[-1]
        print(f"growth from compare {a} to {b}: {rb - ra:+.1f} MiB ({(rb - ra) / (b - a) * 1024:+.1f} KiB per compare)")


if __name__ == "__main__":
    main()
