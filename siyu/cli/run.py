"""``siyu validate | run | compare``: check a scenario, run one strategy, compare strategies."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

from agents.play import simulate
from agents.strategy import get_strategy
from experiments.robust import FLIP_METRIC, ROBUST_METRICS, check_robust
from experiments.store import ExperimentStore, RunStore
from reports.compare_report import verdicts
from reports.plans_section import plan_verdicts
from reports.robust_section import robust_lines
from siyu import INTERRUPTED
from siyu.cli.common import (CheckInvariants, Force, SetValues, StrategiesFrom, check_named_strategies, console,
                             fmt, load_scenario, out, progress_bar)
from siyu.comparison import compare as run_compare
from siyu.comparison import compare_plans as run_compare_plans
from siyu.comparison import write_plans
from sim.errors import SiyuInputError
from sim.files import refuse_overwrite, write_parquet_atomic
from sim.outcomes import BY_NAME

#: files `compare` writes; any of them present means OUT holds finished results
COMPARE_OUTPUTS = ("comparison.json", "report.html", "daily.parquet", "runs.parquet", "retention.parquet")


def validate(scenario: Path = typer.Argument(..., help="scenario TOML file"),
             strategies_from: Optional[Path] = StrategiesFrom, sets: Optional[List[str]] = SetValues) -> None:
    """Check a scenario file (with any --set changes); exit 0 if it is valid, 2 with the problems if not."""
    s = load_scenario(scenario, strategies_from, sets)
    check_named_strategies(s, scenario)
    out.print(f"[green]ok[/green] {escape(str(scenario))}: '{escape(s.name)}', {s.days} days, "
              f"audience {s.market.audience:,}, hash {s.hash}")


def run(scenario: Path = typer.Argument(..., help="scenario TOML file"),
        strategy: Optional[str] = typer.Option(None, help="strategy name (default: the scenario's)"),
        seed: Optional[int] = typer.Option(None, min=0, max=2**63 - 1, help="seed (default: the scenario's)"),
        days: Optional[int] = typer.Option(None, help="horizon in days (default: the scenario's)"),
        out_dir: Path = typer.Option(Path("runs/latest"), "--out", help="output directory"),
        strategies_from: Optional[Path] = StrategiesFrom,
        check: bool = CheckInvariants, force: bool = Force, sets: Optional[List[str]] = SetValues,
        save_state: Optional[Path] = typer.Option(None, "--save-state", help="also write the pool's end state to FILE (.npz of plain arrays), for a scenario's [start] state = \"FILE\""),
        customers: bool = typer.Option(False, "--customers", help="also write OUT/customers.parquet: one row per customer"),
        outlook: int = typer.Option(0, "--outlook", min=0, max=1000, help="with --customers: add each customer's p_active_90 and expected_purchases_90 from N forward simulations of the next 90 days")) -> None:
    """Run one strategy once; write OUT/summary.json and OUT/daily.parquet (and, with --save-state, the end state).

    Example: siyu run scenarios/default.toml --strategy nurture --set category.quality=0.6 --out runs/q06
    """
    s = load_scenario(scenario, strategies_from, sets)
    # summary.json is written last: without it OUT holds an interrupted run, which a rerun completes
    refuse_overwrite([out_dir / "summary.json"] + ([save_state] if save_state is not None else []), force)
    if outlook and not customers:
        raise SiyuInputError("--outlook: adds columns to the customer table; expected --customers with it")
    check_named_strategies(s, scenario)
    if strategy is not None:
        _known("--strategy", strategy)
    with console.status(f"simulating {escape(s.name)} ..."):
        result = simulate(s, strategy, seed=seed, days=days, check=check or None, save_state=save_state,
                          outlook_paths=outlook if customers else 0)
    if customers:
        write_parquet_atomic(out_dir / "customers.parquet", result.customers)
    result.write(out_dir)
    t = Table(title=escape(f"{result.summary['scenario']} — {result.strategy} (seed {result.seed})"))
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key in ("gmv_total", "gmv_30", "gmv_365", "orders", "pool_final", "retention_90", "repurchase_rate",
                "top20_gmv_share", "mutes", "deletes", "bans"):
        t.add_row(key, fmt(result.summary.get(key)))
    out.print(t)
    out.print(f"wrote {out_dir / 'summary.json'} and {out_dir / 'daily.parquet'}"
              + (f"; pool state: {save_state}" if save_state is not None else ""))


def compare(scenario: List[Path] = typer.Argument(..., metavar="SCENARIO [PLAN_B]",
                                                 help="scenario TOML file; a second file compares plan against plan"),
            strategies: str = typer.Option("harvest,nurture", help="comma-separated strategy names; the second is compared with the first"),
            replications: int = typer.Option(20, min=2, max=100_000, help="replications per strategy (at least 2: a 95 % CI needs two)"),
            seed: Optional[int] = typer.Option(None, min=0, max=2**63 - 1, help="root seed (default: the scenario's)"),
            days: Optional[int] = typer.Option(None, help="horizon in days (default: the scenario's)"),
            workers: int = typer.Option(1, min=1, max=1024, help="worker processes"),
            out_dir: Path = typer.Option(Path("reports/latest"), "--out", help="output directory"),
            strategies_from: Optional[Path] = StrategiesFrom,
            check: bool = CheckInvariants, force: bool = Force, sets: Optional[List[str]] = SetValues,
            uncertain: int = typer.Option(0, min=0, max=100_000, help="also compare in N plausible worlds sampled from the scenario's [uncertainties] (Latin hypercube; --replications runs per world); writes robust.json"),
            flip_metric: str = typer.Option(FLIP_METRIC, help=f"with --uncertain: the metric whose flip value each assumption is searched for ({', '.join(ROBUST_METRICS)})"),
            flip_steps: int = typer.Option(4, min=0, max=20, help="with --uncertain: bisection steps per assumption for its flip value")) -> None:
    """Compare strategies with common random numbers; write comparison.json, daily.parquet, report.html
    (and, with --uncertain N, robust.json and robust_runs.parquet). Given two scenario files, compare
    plan against plan: both run on one seed, comparison.json gains `plans` (second minus first) and
    the second plan's comparison is written to OUT/plan_b; --set changes both plans.

    Example: siyu compare scenarios/default.toml --replications 20 --workers 2 --set category.quality=0.6 --out reports/q06
    """
    if len(scenario) > 2:
        raise SiyuInputError(f"SCENARIO: expected one scenario file, or two to compare plan against plan; "
                             f"got {len(scenario)}")
    plans = [load_scenario(path, strategies_from, sets) for path in scenario]
    s = plans[0]
    names = [x.strip() for x in strategies.split(",") if x.strip()]
    for name in names:
        _known("--strategies", name)
    if len(names) < 2 or len(set(names)) != len(names):
        raise SiyuInputError(f"--strategies: expected at least two different strategies, e.g. harvest,nurture; "
                             f"got {strategies!r}")
    for plan, path in zip(plans, scenario):
        check_named_strategies(plan, path)
    if uncertain and len(plans) == 2:
        raise SiyuInputError("--uncertain: compares strategies on one scenario; expected one scenario file with it")
    if len(plans) == 2:
        return _compare_plans(plans, scenario, names, replications, seed, days, workers, out_dir, check, force)
    if uncertain:
        check_robust(s if days is None else s.with_overrides(days=days), uncertain, flip_metric)
    if not _unfinished_comparison(out_dir):
        refuse_overwrite([out_dir / n for n in COMPARE_OUTPUTS], force)
    try:
        with progress_bar() as bar:
            task = bar.add_task(escape(s.name), total=replications * len(names))
            worlds = bar.add_task("plausible worlds, then flip points", total=None, visible=bool(uncertain))
            c = run_compare(s, names, replications=replications, seed=seed, days=days, workers=workers,
                            on_run_done=lambda: bar.advance(task), store=out_dir, check=check or None,
                            on_damaged=lambda m: console.print(escape(m), highlight=False),
                            uncertain=uncertain, flip_metric=flip_metric, flip_steps=flip_steps,
                            on_robust_runs_done=lambda n: bar.advance(worlds, n))
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print(f"{INTERRUPTED}: {RunStore(out_dir / 'runs').finished()} finished run(s) are kept in "
                      f"{escape(str(out_dir / 'runs'))}; run the same command again to resume", soft_wrap=True,
                      highlight=False)
        sys.exit(130)
    c.write(out_dir)
    print_comparison(c)
    out.print(f"report: {(out_dir / 'report.html').resolve()}")


def _compare_plans(plans, paths, names, replications, seed, days, workers, out_dir, check, force) -> None:
    """Plan against plan: each plan's comparison on one seed, the paired differences printed."""
    if not _unfinished_comparison(out_dir):
        refuse_overwrite([out_dir / n for n in COMPARE_OUTPUTS], force)
    try:
        with progress_bar() as bar:
            task = bar.add_task(escape(f"{paths[0].name} vs {paths[1].name}"), total=2 * replications * len(names))
            p = run_compare_plans(plans[0], plans[1], names, replications=replications, seed=seed, days=days,
                                  workers=workers, on_run_done=lambda: bar.advance(task), store=out_dir,
                                  check=check or None, labels=(paths[0].name, paths[1].name),
                                  on_damaged=lambda m: console.print(escape(m), highlight=False))
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print(f"{INTERRUPTED}: finished runs are kept in {escape(str(out_dir))}; run the same command again "
                      "to resume", soft_wrap=True, highlight=False)
        sys.exit(130)
    write_plans(p, out_dir)
    print_plans(p.summary)
    out.print(f"report: {(out_dir / 'report.html').resolve()}")


def print_plans(plans: dict) -> None:
    """The headline differences (second plan minus first) per strategy, then a verdict per difference."""
    first, second = plans["first"]["label"], plans["second"]["label"]
    t = Table(title=escape(f"{second} - {first} ({plans['replications']} replications on seed {plans['seed']}; "
                           "mean and 95 % CI of the paired difference)"))
    t.add_column("metric")
    for s in plans["strategies"]:
        t.add_column(escape(s), justify="right")
    for m in ("gmv_30", "gmv_90", "gmv_365", "gmv_total", "profit", "retention_90", "repurchase_rate", "pool_final",
              "monthly_churn"):
        cells = [plans["difference"][s][m] for s in plans["strategies"]]
        if all(c["mean"] is None for c in cells):
            continue
        t.add_row(m, *[_with_ci(c, m) for c in cells])
    out.print(t)
    for line in plan_verdicts(plans):
        out.print("• " + escape(line))
    if plans["assumptions"]:
        a = Table(title="assumptions that differ")
        for col in ("parameter", first, second):
            a.add_column(escape(col))
        for row in plans["assumptions"]:
            a.add_row(escape(row["path"]), escape(fmt(row["first"])), escape(fmt(row["second"])))
        out.print(a)
    else:
        out.print("• the two plans have the same assumptions")


def _known(option: str, name: str) -> None:
    try:
        get_strategy(name)
    except SiyuInputError as exc:
        raise SiyuInputError(f"{option}: {exc}; a user strategy is loaded with --strategies-from FILE") from None


def _unfinished_comparison(out_dir: Path) -> bool:
    """OUT holds a comparison that stopped before its last write (``comparison.json``):
    rerunning the same command finishes it, reusing the stored runs."""
    m = ExperimentStore(out_dir).manifest()
    if m is None or m.get("kind") != "comparison":
        return False
    return m.get("finished_at") is None or not (out_dir / "comparison.json").exists()


SHARES = {name for name, o in BY_NAME.items() if o.kind == "share"}


def _short(v: float, metric: str) -> str:
    """A number as a strategist reads it: shares in %, money and counts in k / M."""
    if metric in SHARES:
        return f"{100 * v:.1f}%"
    size = abs(v)
    if size >= 1e6:
        return f"{v / 1e6:.2f}M"
    if size >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}" if size >= 100 else f"{v:.2f}"


def _with_ci(stat: dict, metric: str) -> str:
    """``mean (low..high)`` on one line, so the table fits a terminal."""
    if stat["mean"] is None:
        return "n/a"
    return f"{_short(stat['mean'], metric)} ({_short(stat['ci_low'], metric)}..{_short(stat['ci_high'], metric)})"


def print_comparison(c) -> None:
    summ = c.summary
    first, second = summ["compared"]["first"], summ["compared"]["second"]
    t = Table(title=escape(f"{summ['scenario']}: {', '.join(c.strategies)} "
                           f"({summ['replications']} replications; mean and 95 % CI)"))
    t.add_column("metric")
    for name in c.strategies:
        t.add_column(escape(name), justify="right")
    t.add_column(escape(f"{second} - {first}"), justify="right")
    t.add_column("p", justify="right")
    for m in ("gmv_30", "gmv_90", "gmv_365", "gmv_total", "profit", "retention_90", "repurchase_rate",
              "pool_final", "top20_gmv_share", "monthly_churn", "bans", "gmv_per_member", "ltv_12m", "cac",
              "ltv_cac_12m", "silent_90", "delete_rate"):
        if m not in summ["difference"] or all(summ["strategies"][n][m]["mean"] is None for n in c.strategies):
            continue  # e.g. gmv_365 on a shorter horizon
        cells = [_with_ci(summ["strategies"][name][m], m) for name in c.strategies]
        d = summ["difference"][m]
        t.add_row(m, *cells, _with_ci(d, m), "n/a" if d["p_value"] is None else f"{d['p_value']:.2g}")
    out.print(t)
    for line in verdicts(summ, robust=c.robust.summary if c.robust is not None else None):
        out.print("• " + line)
    if c.robust is not None:
        for line in robust_lines(c.robust.summary):
            out.print("• " + line)
