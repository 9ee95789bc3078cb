"""Speed benchmarks: customer-days per second of the full model.

    python benchmarks/run.py            # the table
    python benchmarks/run.py --quick    # smaller sizes only

The default scenario is scaled: audience N, day-0 pool N/20, acquisition budget and
accounts in proportion, so the share of the market the brand touches stays the same.
"Addressable" counts every person in the market per day; "rows" counts the people
the brand has touched (the arrays the daily rules work on), the honest measure of work.
Timings are wall-clock on this machine, one core; no test asserts on them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model import PoolModel  # noqa: E402
from sim.scenario import Scenario  # noqa: E402


def scaled(audience: int, days: int = 365) -> Scenario:
    base = Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    factor = audience / base.market.audience
    budget = base.strategy.levers["all"].acquisition_budget * factor
    return base.with_overrides(**{
        "days": days,
        "market.audience": audience,
        "market.initial_pool": audience // 20,
        "accounts.count": max(1, math.ceil(audience / 10_000)),
        "platform.daily_add_limit": 240,
        "strategy.levers": {"all": {"acquisition_budget": budget}},
    })


def time_run(scenario: Scenario, strategy: str) -> dict:
    model = PoolModel(scenario, strategy, seed=1)
    start = time.perf_counter()
    row_days = 0
    for _ in range(scenario.days):
        model.step()
        row_days += model.population.size
    wall = time.perf_counter() - start
    return {"wall_s": wall, "addressable_per_s": scenario.market.audience * scenario.days / wall,
            "rows_per_s": row_days / wall, "rows_final": model.population.size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10^4 and 10^5 only")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows, figures = [], {"customer_days_per_s": {}, "row_days_per_s": {}}
    for n in sizes:
        for strategy in ("harvest", "nurture"):
            r = time_run(scaled(n), strategy)
            rows.append((n, strategy, r))
            figures["customer_days_per_s"].setdefault(str(n), {})[strategy] = r["addressable_per_s"]
            figures["row_days_per_s"].setdefault(str(n), {})[strategy] = r["rows_per_s"]
            print(f"  {n:>9,} {strategy:8s} {r['wall_s']:7.2f} s", file=sys.stderr, flush=True)
    print(f"\nsiyu {sim.__version__} — full model, 365 days, one core")
    print(f"{'audience':>10} {'strategy':9} {'wall s':>8} {'touched':>9} {'addressable cust-days/s':>24} {'touched cust-days/s':>20}")
    for n, strategy, r in rows:
        print(f"{n:>10,} {strategy:9} {r['wall_s']:8.2f} {r['rows_final']:9,} {r['addressable_per_s']:24,.0f} {r['rows_per_s']:20,.0f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
