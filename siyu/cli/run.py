"""``siyu validate | run | compare``: check a scenario, run one strategy, compare strategies."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import List, Literal, Optional

import typer
from rich.markup import escape
from rich.table import Table

from agents.play import simulate
from agents.strategy import get_strategy, load_strategy_module
from experiments import numbers
from experiments.design import Experiment, is_sweep_file
from experiments.robust import FLIP_METRIC, ROBUST_METRICS, SAMPLINGS, check_robust
from experiments.store import ExperimentStore, RunStore
from reports.compare_report import verdicts
from reports.plans_section import plan_verdicts
from reports.robust_section import robust_lines
from reports.spreadsheets import run_files, write_files
from reports.strategy_section import lever_lines
from siyu import INTERRUPTED
from siyu.cli.common import (SHIPPED_STRATEGIES, CheckInvariants, Csv, Days, Force, SetValues, StrategiesFrom, Xlsx,
                             check_named_strategies, console, fmt, is_interrupt, load_scenario, out, parse_sets,
                             progress_bar, results_complete)
from siyu.comparison import compare as run_compare
from siyu.comparison import compare_plans as run_compare_plans
from siyu.comparison import write_plans
from sim.errors import SiyuInputError
from sim.files import refuse_overwrite, write_parquet_atomic

#: the metrics a robust comparison can search flip values for (shown as choices in --help)
RobustMetric = Literal[ROBUST_METRICS]
#: how a robust comparison draws its worlds (shown as choices in --help)
Sampling = Literal[SAMPLINGS]

#: files `compare` writes; any of them present means OUT holds finished results
COMPARE_OUTPUTS = ("comparison.json", "report.html", "daily.parquet", "runs.parquet", "retention.parquet")


def validate(scenario: Path = typer.Argument(..., metavar="FILE", help="scenario or sweep TOML file"),
             strategies_from: Optional[Path] = StrategiesFrom, sets: Optional[List[str]] = SetValues) -> None:
    """Check a scenario file or a sweep file (with any --set changes); exit 0 if it is valid, 2
    with the problems if not.

    A sweep file is told apart by its keys (it names a base scenario, or has levers,
    replications or outputs and no scenario tables) and checked as `siyu sweep` would
    check it before its first run.
    """
    if is_sweep_file(scenario):
        _validate_sweep(scenario, strategies_from, sets)
        return
    s = load_scenario(scenario, strategies_from, sets)
    check_named_strategies(s, scenario)
    out.print(f"[green]ok[/green] {escape(str(scenario))}: '{escape(s.name)}', {s.days} days, "
              f"audience {s.market.audience:,}, hash {s.hash}")


def _validate_sweep(path: Path, strategies_from: Optional[Path], sets: Optional[List[str]] = None) -> None:
    """A sweep file (or a scenario's [sweep] table) checked as ``siyu sweep`` would check it
    before its first run: base scenario, strategies, outputs, every factor's extreme values."""
    if strategies_from is not None:
        load_strategy_module(strategies_from)
    exp = Experiment.from_toml(path, parse_sets(sets))
    spec = exp.spec
    runs = exp.point_count() * len(spec.strategies) * spec.replications
    strategies = f"{len(spec.strategies)} strateg{'y' if len(spec.strategies) == 1 else 'ies'}"
    out.print(f"[green]ok[/green] {escape(str(path))}: sweep '{escape(spec.name)}' of '{escape(exp.base.name)}', "
              f"{exp.point_count():,} point(s) × {strategies} × {spec.replications} replications = {runs:,} runs; "
              f"factors: "
              f"{escape(', '.join(f.name for f in exp.factors) or 'none')}; outputs: {escape(', '.join(spec.outputs))}",
              soft_wrap=True)


def run(scenario: Path = typer.Argument(..., metavar="SCENARIO", help="scenario TOML file"),
        strategy: Optional[str] = typer.Option(None, help=f"strategy name: {SHIPPED_STRATEGIES}, or one of yours "
                                                          "(--strategies-from); default: the scenario's"),
        seed: Optional[int] = typer.Option(None, min=0, max=2**63 - 1, help="seed (default: the scenario's)"),
        days: Optional[int] = Days,
        out_dir: Path = typer.Option(Path("runs/latest"), "--out", help="output directory"),
        strategies_from: Optional[Path] = StrategiesFrom,
        check: bool = CheckInvariants, force: bool = Force, sets: Optional[List[str]] = SetValues,
        csv: bool = Csv, xlsx: bool = Xlsx,
        save_state: Optional[Path] = typer.Option(None, "--save-state", help="also write the pool's end state to FILE (.npz of plain arrays), for a scenario's [start] state = \"FILE\""),
        customers: bool = typer.Option(False, "--customers", help="also write OUT/customers.parquet: one row per customer"),
        outlook: int = typer.Option(0, "--outlook", min=0, max=1000, help="with --customers: add each customer's p_active_90 and expected_purchases_90 from N forward simulations of the next 90 days")) -> None:
    """Run one strategy once; print its headline numbers with units (and, with --save-state, write the end state).

    Writes OUT/summary.json and OUT/daily.parquet; with --csv also summary.csv and
    daily.csv, with --xlsx run.xlsx (summary, daily table, assumptions).
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
    # the spreadsheets go before summary.json, which marks a finished run
    sheets = write_files(out_dir, run_files(result, csv=csv, xlsx=xlsx))
    result.write(out_dir)
    results_complete()
    out.print(run_table(result))
    out.print(f"wrote {', '.join(str(p) for p in [out_dir / 'summary.json', out_dir / 'daily.parquet', *sheets])}"
              + (f"; pool state: {save_state}" if save_state is not None else ""))


#: the metrics `run` prints, in this order
RUN_METRICS = ("gmv_total", "gmv_30", "gmv_365", "profit", "roi", "orders", "pool_final", "retention_90",
               "repurchase_rate", "top20_gmv_share", "mutes", "deletes", "bans", "gmv_per_member", "ltv_12m", "cac",
               "ltv_cac_12m", "silent_90", "delete_rate")


def run_table(result) -> Table:
    """One run's headline numbers, each formatted by its kind and with its unit."""
    t = Table(title=escape(f"{result.summary['scenario']} — {result.strategy} (seed {result.seed})"))
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("unit")
    for key in RUN_METRICS:
        if key in result.summary:
            t.add_row(key, fmt(result.summary.get(key), key), numbers.unit(key))
    return t


def compare(scenario: List[Path] = typer.Argument(..., metavar="SCENARIO [PLAN_B]",
                                                 help="scenario TOML file; a second file compares plan against plan"),
            strategies: str = typer.Option("harvest,nurture", help=f"comma-separated strategy names ({SHIPPED_STRATEGIES}, "
                                           "or yours with --strategies-from); the second is compared with the first"),
            replications: int = typer.Option(20, min=2, max=100_000, help="replications per strategy (at least 2: a 95 % CI needs two)"),
            seed: Optional[int] = typer.Option(None, min=0, max=2**63 - 1, help="root seed (default: the scenario's)"),
            days: Optional[int] = Days,
            workers: int = typer.Option(1, min=1, max=1024, help="worker processes"),
            out_dir: Path = typer.Option(Path("reports/latest"), "--out", help="output directory"),
            strategies_from: Optional[Path] = StrategiesFrom,
            check: bool = CheckInvariants, force: bool = Force, sets: Optional[List[str]] = SetValues,
            uncertain: int = typer.Option(0, min=0, max=100_000, help="also compare in N plausible worlds sampled from the scenario's [uncertainties] (Latin hypercube; --replications runs per world); writes robust.json"),
            flip_metric: RobustMetric = typer.Option(FLIP_METRIC, help="with --uncertain: the metric whose flip value each assumption is searched for"),
            flip_steps: int = typer.Option(4, min=0, max=20, help="with --uncertain: bisection steps per assumption for its flip value"),
            sampling: Sampling = typer.Option("lhs", help="with --uncertain: how worlds are drawn: lhs (Latin hypercube) or sobol (scrambled Sobol; best with a power of 2 worlds)"),
            csv: bool = Csv, xlsx: bool = Xlsx,
            outlook: int = typer.Option(0, "--outlook", min=0, max=1000, help="also give each strategy's outlook_active_90 and outlook_purchases_90 (today's members active and their orders in 90 days) with CIs, from N forward simulations of the next 90 days per run")) -> None:
    """Compare strategies with common random numbers; print the table and the verdict.

    Writes comparison.json, daily.parquet and report.html (with --uncertain N also
    robust.json and robust_runs.parquet; with --csv comparison.csv, daily_means.csv and
    runs.csv; with --xlsx comparison.xlsx: the comparison, daily means, runs, assumptions).
    Given two scenario files, compare plan against plan: both run on one seed,
    comparison.json gains `plans` (second minus first) and the second plan's comparison is
    written to OUT/plan_b; --set changes both plans.
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
    if outlook and len(plans) == 2:
        raise SiyuInputError("--outlook: compares strategies on one scenario; expected one scenario file with it")
    if uncertain and len(plans) == 2:
        raise SiyuInputError("--uncertain: compares strategies on one scenario; expected one scenario file with it")
    if len(plans) == 2:
        return _compare_plans(plans, scenario, names, replications, seed, days, workers, out_dir, check, force)
    if uncertain:
        check_robust(s if days is None else s.with_overrides(days=days), uncertain, flip_metric, sampling)
    if not _unfinished_comparison(out_dir):
        refuse_overwrite([out_dir / n for n in COMPARE_OUTPUTS], force)
    try:
        with progress_bar() as bar:
            task = bar.add_task(escape(s.name), total=replications * len(names))
            worlds = bar.add_task("plausible worlds, then flip points", total=None, visible=bool(uncertain))
            c = run_compare(s, names, replications=replications, seed=seed, days=days, workers=workers,
                            on_run_done=lambda: bar.advance(task), store=out_dir, check=check or None,
                            on_damaged=lambda m: console.print(escape(m), highlight=False),
                            uncertain=uncertain, flip_metric=flip_metric, flip_steps=flip_steps, sampling=sampling,
                            on_robust_runs_done=lambda n: bar.advance(worlds, n), outlook=outlook)
    except (KeyboardInterrupt, SystemError) as exc:
        if not is_interrupt(exc):  # a compiled rule reports an interrupt inside it as a SystemError
            raise
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print(f"{INTERRUPTED}: {RunStore(out_dir / 'runs').finished()} finished run(s) are kept in "
                      f"{escape(str(out_dir / 'runs'))}; run the same command again to resume", soft_wrap=True,
                      highlight=False)
        sys.exit(130)
    written = c.write(out_dir, csv=csv, xlsx=xlsx)
    results_complete()
    print_comparison(c)
    sheets = [p for p in written if p.suffix in (".csv", ".xlsx")]
    if sheets:
        out.print(f"spreadsheets: {', '.join(str(p) for p in sheets)}")
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
    results_complete()
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
        t.add_row(m, *[numbers.difference(c, m) for c in cells])
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


#: the metrics `compare` prints, in this order (those a run does not have are left out)
COMPARE_METRICS = ("gmv_30", "gmv_90", "gmv_365", "gmv_total", "profit", "roi", "retention_90", "repurchase_rate",
                   "pool_final", "top20_gmv_share", "monthly_churn", "bans", "gmv_per_member", "ltv_12m", "cac",
                   "ltv_cac_12m", "silent_90", "delete_rate", "still_active_90", "outlook_active_90",
                   "outlook_purchases_90", "group_quit_90", "group_median_days")


def print_comparison(c) -> None:
    summ = c.summary
    first, second = summ["compared"]["first"], summ["compared"]["second"]
    t = Table(title=escape(f"{summ['scenario']}: {', '.join(c.strategies)} "
                           f"({summ['replications']} replications; mean [95 % CI])"))
    t.add_column("metric")
    t.add_column("unit")
    for name in c.strategies:
        t.add_column(escape(name), justify="right")
    t.add_column(escape(f"{second} - {first}"), justify="right")
    t.add_column("p", justify="right")
    for m in COMPARE_METRICS:
        if m not in summ["difference"] or all(summ["strategies"][n][m]["mean"] is None for n in c.strategies):
            continue  # e.g. gmv_365 on a shorter horizon
        cells = [numbers.stat(summ["strategies"][name][m], m) for name in c.strategies]
        d = summ["difference"][m]
        t.add_row(m, numbers.unit(m), *cells, numbers.difference(d, m),
                  "n/a" if d["p_value"] is None else f"{d['p_value']:.2g}")
    out.print(t)
    for line in lever_lines(c):
        out.print(escape(line))
    for line in verdicts(summ, robust=c.robust.summary if c.robust is not None else None):
        out.print("• " + line)
    if c.robust is not None:
        for line in robust_lines(c.robust.summary):
            out.print("• " + line)
