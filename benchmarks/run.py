"""Speed and scale benchmarks: one command, prints a table.

    python benchmarks/run.py                      # 10^4 .. 10^7 customers, full 365-day years
    python benchmarks/run.py --quick --json FILE  # skips 10^7, short time budgets (~2 minutes)

What is counted. The speed scenario is the default cosmetics scenario with the pool
already full: audience N, day-0 pool 0.9 N spread over ceil(N / 10,000) personal
accounts (9,000 friends each), acquisition budget in proportion, all mechanics on
(campaigns, service desk, follow-ups, referral, bans). A *customer-day* is one known
customer (a row of the engine, an agent of the reference: pool members and lost
customers alike) simulated for one day; people never reached are counts and are not
counted. Rates are customer-days / wall seconds, harvest and nurture pooled, one
process (numpy single-threaded).

With ``--quick`` each run stops at a time budget (whole days, at least one) and the rate
is over the days it did; the table says how many. Without it every run is a full year.

Also measured: the Mesa reference (``agents.reference``) at 10^3 and 10^4 in the same
run and its ratio to the engine at 10^4; peak memory per customer (resident-set growth
over the run / customers, in a fresh subprocess) at 10^6 and 10^7; wall time of
``siyu compare scenarios/default.toml --replications 20`` with 1 and 2 workers (with
``--quick``: ``--days 30``); log-log scaling exponents of wall time in customers
and in days; and the explorer's simulated days per second with its charts drawn, and the
time from a moved slider to the first new point (``benchmarks/explore.py``). Timings are wall-clock on this machine; no test asserts on them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.population import Population  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

STRATEGIES = ("harvest", "nurture")


def speed_scenario(customers: int, days: int = 365) -> Scenario:
    """The default scenario with ``customers`` people, 90 % of them in the pool on day 0."""
    base = Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    budget = base.strategy.levers["all"].acquisition_budget * customers / base.market.audience
    return base.with_overrides(days=days, campaigns=[c.model_dump() for c in base.campaigns if c.start < days], **{
        "market.audience": customers,
        "market.initial_pool": int(0.9 * customers),
        "accounts.count": max(1, math.ceil(customers / 10_000)),
        "strategy.levers": {"all": {"acquisition_budget": budget}},
    })


def time_run(customers: int, strategy: str, days: int, budget_s: float | None, engine: str = "engine") -> dict:
    """Step one model day by day until ``days`` or the time budget; customer-days and wall."""
    from agents import make_strategy
    from agents.reference import ReferenceModel
    from sim.model import PoolModel

    def Model(scenario, strategy, seed):  # noqa: N802 (a model class either way)
        if engine == "engine":
            return PoolModel(scenario, make_strategy(scenario, strategy), seed)
        return ReferenceModel(scenario, strategy, seed)

    scenario = speed_scenario(customers, days)
    # compile and import once on a tiny model first: that memory is per process, not per customer
    Model(speed_scenario(1000, 2), strategy, seed=0).step()
    rss0 = _rss()
    start = time.perf_counter()
    model = Model(scenario, strategy, seed=1)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    customer_days, done = 0, 0
    while done < days:
        model.step()
        done += 1
        customer_days += model.population.size if engine == "engine" else len(model.people)
        if budget_s is not None and time.perf_counter() - start > budget_s:
            break
    wall = time.perf_counter() - start
    size = model.population.size if engine == "engine" else len(model.people)
    return {"customers": customers, "strategy": strategy, "engine": engine, "days": done, "wall_s": wall,
            "setup_s": setup, "customer_days": customer_days, "rate": customer_days / wall,
            "final_customers": size, "rss_growth": _peak_rss() - rss0}


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def in_subprocess(customers: int, strategy: str, days: int, budget_s: float | None, engine: str = "engine") -> dict:
    """:func:`time_run` in a fresh interpreter, so that its peak resident set is this run's."""
    code = ("import json, sys; sys.path.insert(0, %r); from benchmarks.run import time_run; "
            "print(json.dumps(time_run(%d, %r, %d, %r, %r)))" % (str(ROOT), customers, strategy, days, budget_s, engine))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_wall(workers: int, days: int | None) -> float:
    """Wall seconds of ``siyu compare scenarios/default.toml --replications 20`` (a fresh process)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-c", "from siyu.cli import main; main()", "compare", "scenarios/default.toml",
               "--replications", "20", "--workers", str(workers), "--out", out, "--force"]
        if days:
            cmd += ["--days", str(days)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        return time.perf_counter() - start


def exponent(x: list[float], y: list[float]) -> float | None:
    """Slope of log y on log x (1 = linear)."""
    if len(set(x)) < 2:
        return None
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def pooled(runs: list[dict]) -> float:
    return sum(r["customer_days"] for r in runs) / sum(r["wall_s"] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip 10^7 and stop each run at a short time budget")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    quick = args.quick
    days = 365
    budget = {10**4: 3.0, 10**5: 4.0, 10**6: 1.0, 10**7: None} if quick else {}
    sizes = [10**4, 10**5, 10**6] if quick else [10**4, 10**5, 10**6, 10**7]
    memory_sizes = [10**6] if quick else [10**6, 10**7]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    engine: dict[int, list[dict]] = {}
    for n in sizes:
        for strategy in STRATEGIES:
            # the sizes whose memory is measured run in a fresh process
            r = (in_subprocess(n, strategy, days, budget.get(n)) if n in memory_sizes
                 else time_run(n, strategy, days, budget.get(n)))
            engine.setdefault(n, []).append(r)
            log(f"  engine    {n:>10,} {strategy:8s} {r['days']:3d} days {r['wall_s']:8.2f} s")
    mesa: dict[int, list[dict]] = {}
    for n in (10**3, 10**4):
        for strategy in STRATEGIES:
            r = time_run(n, strategy, days, 3.0 if quick else None, engine="reference")
            mesa.setdefault(n, []).append(r)
            log(f"  reference {n:>10,} {strategy:8s} {r['days']:3d} days {r['wall_s']:8.2f} s")
    # cost in days: the same 10^4 pool for 1/4, 1/2 and all of a horizon
    horizon = 60 if quick else 365
    day_runs = [(d, time_run(10**4, "nurture", d, None)) for d in (horizon // 4, horizon // 2, horizon)]
    compare_days = 30 if quick else None
    walls = {w: compare_wall(w, compare_days) for w in (1, 2)}
    log(f"  compare   1 worker {walls[1]:.1f} s, 2 workers {walls[2]:.1f} s")

    import explore  # benchmarks/explore.py (it imports this script's speed scenario)

    explore_rows = [explore.measure(n, 8.0 if quick else None) for n in explore.TARGETS]

    rates = {n: pooled(runs) for n, runs in engine.items()}
    mesa_rates = {n: pooled(runs) for n, runs in mesa.items()}
    bytes_per = {n: max(r["rss_growth"] / r["final_customers"] for r in engine[n]) for n in memory_sizes}
    per_day = {n: sum(r["wall_s"] for r in rs) / sum(r["days"] for r in rs) for n, rs in engine.items()}
    ratio = rates[10**4] / mesa_rates[10**4]
    exp_customers = exponent(list(per_day), list(per_day.values()))
    exp_days = exponent([d for d, _ in day_runs], [r["wall_s"] for _, r in day_runs])

    print(f"\nsiyu {sim.__version__} — full model (all mechanics), one process; "
          f"customers = known customers (day-0 pool 0.9 N + joiners), N = audience")
    print(f"{'model':10} {'N':>11} {'strategy':9} {'days':>5} {'wall s':>8} {'customers':>10} {'customer-days/s':>16}")
    for label, table in (("engine", engine), ("mesa ref", mesa)):
        for n, runs in table.items():
            for r in runs:
                print(f"{label:10} {n:>11,} {r['strategy']:9} {r['days']:5d} {r['wall_s']:8.2f} "
                      f"{r['final_customers']:10,} {r['rate']:16,.0f}")
    print("\ncustomer-days/s, harvest and nurture pooled:")
    for n, rate in rates.items():
        print(f"  engine {n:>11,}: {rate:14,.0f}")
    for n, rate in mesa_rates.items():
        print(f"  mesa   {n:>11,}: {rate:14,.0f}")
    print(f"engine / mesa reference at 10^4: {ratio:,.0f} x")
    for n, b in bytes_per.items():
        print(f"peak resident-set growth per customer at {n:,}: {b:,.0f} bytes "
              f"(state arrays alone: {Population.bytes_per_customer()} bytes)")
    print(f"siyu compare scenarios/default.toml --replications 20{' --days 30' if compare_days else ''}: "
          f"{walls[1]:.1f} s with 1 worker, {walls[2]:.1f} s with 2")
    print(f"scaling exponent of wall time per day in customers: {exp_customers:.2f}; "
          f"of wall time in days (10^4, {', '.join(str(d) for d, _ in day_runs)} days): {exp_days:.2f}")
    print(explore.table(explore_rows))

    if args.json:
        figures = {
            "customer_days_per_s": {str(n): r for n, r in rates.items()},
            "row_days_per_s": {str(n): {r["strategy"]: r["rate"] for r in runs} for n, runs in engine.items()},
            "mesa_customer_days_per_s": {str(n): r for n, r in mesa_rates.items()},
            "mesa_ratio": ratio,
            "bytes_per_customer": {str(n): b for n, b in bytes_per.items()},
            "compare_wall_s": {str(w): s for w, s in walls.items()},
            "compare_days": compare_days or 365,
            "scaling_exponent": {"customers": exp_customers, "days": exp_days},
            "days_simulated": {str(n): {r["strategy"]: r["days"] for r in runs} for n, runs in engine.items()},
            "explore": explore_rows,
            "quick": quick,
            "version": sim.__version__,
        }
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
