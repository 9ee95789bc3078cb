"""The ``siyu`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (a message naming the file, the field and what was
expected; no traceback), 1 an internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sim.errors import SiyuInputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="siyu (私域): simulate a brand's private pool and compare strategies.")
console = Console(stderr=True)
out = Console()

StrategiesFrom = typer.Option(None, "--strategies-from", help="Python file defining your own Strategy classes (loaded before the run).")
Check = typer.Option(False, "--check", help="assert the model invariants after every simulated day (slower; for debugging)")
Force = typer.Option(False, "--force", help="overwrite results already in the output directory")

#: files `compare` writes; any of them present means OUT holds finished results
COMPARE_OUTPUTS = ("comparison.json", "report.html", "daily.parquet", "runs.parquet", "retention.parquet")


def _load(scenario: Path, strategies_from: Optional[Path] = None):
    from agents.strategy import load_strategy_module
    from sim.scenario import Scenario

    if strategies_from is not None:
        load_strategy_module(str(strategies_from))
    return Scenario.from_toml(scenario)


def progress_bar() -> Progress:
    """The rich progress bar every long command shows: done / total, elapsed, ETA."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="scenario TOML file"),
             strategies_from: Optional[Path] = StrategiesFrom) -> None:
    """Check a scenario file; exit 0 if it is valid, 2 with the problems if not."""
    s = _load(scenario, strategies_from)
    _check_named_strategies(s, scenario)
    out.print(f"[green]ok[/green] {escape(str(scenario))}: '{escape(s.name)}', {s.days} days, "
              f"audience {s.market.audience:,}, hash {s.hash}")


def _check_named_strategies(s, path: Path, only: Optional[str] = None) -> None:
    """Strategies a scenario file names must be registered (shipped, or loaded with
    --strategies-from): a data file names code, it never supplies it."""
    from agents.strategy import get_strategy
    from sim.errors import ScenarioError

    named = {"strategy.default": s.strategy.default} if only is None else {only: s.strategy.default}
    if only is None:
        named |= {f"strategy.levers.{k}": k for k in s.strategy.levers if k != "all"}
    for field, name in named.items():
        try:
            get_strategy(name)
        except SiyuInputError as exc:
            raise ScenarioError(path, field, f"{exc}; a user strategy is loaded with --strategies-from FILE") from None


@app.command()
def run(scenario: Path = typer.Argument(..., help="scenario TOML file"),
        strategy: Optional[str] = typer.Option(None, help="strategy name (default: the scenario's)"),
        seed: Optional[int] = typer.Option(None, help="seed (default: the scenario's)"),
        days: Optional[int] = typer.Option(None, help="horizon in days (default: the scenario's)"),
        out_dir: Path = typer.Option(Path("runs/latest"), "--out", help="output directory"),
        strategies_from: Optional[Path] = StrategiesFrom,
        check: bool = Check, force: bool = Force) -> None:
    """Run one strategy once; write OUT/summary.json and OUT/daily.parquet."""
    from sim.api import simulate
    from sim.files import refuse_overwrite

    s = _load(scenario, strategies_from)
    refuse_overwrite([out_dir / "summary.json", out_dir / "daily.parquet"], force)
    if strategy is None:
        _check_named_strategies(s, scenario, only="strategy.default")
    with console.status(f"simulating {escape(s.name)} ..."):
        result = simulate(s, strategy, seed=seed, days=days, check=check or None)
    result.write(out_dir)
    t = Table(title=escape(f"{result.summary['scenario']} — {result.strategy} (seed {result.seed})"))
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key in ("gmv_total", "gmv_30", "gmv_365", "orders", "pool_final", "retention_90", "repurchase_rate",
                "top20_gmv_share", "mutes", "deletes", "bans"):
        t.add_row(key, _fmt(result.summary.get(key)))
    out.print(t)
    out.print(f"wrote {out_dir / 'summary.json'} and {out_dir / 'daily.parquet'}")


@app.command()
def compare(scenario: Path = typer.Argument(..., help="scenario TOML file"),
            strategies: str = typer.Option("harvest,nurture", help="comma-separated strategy names; the second is compared with the first"),
            replications: int = typer.Option(20, min=1, max=100_000, help="replications per strategy"),
            seed: Optional[int] = typer.Option(None, help="root seed (default: the scenario's)"),
            days: Optional[int] = typer.Option(None, help="horizon in days (default: the scenario's)"),
            workers: int = typer.Option(1, min=1, max=1024, help="worker processes"),
            out_dir: Path = typer.Option(Path("reports/latest"), "--out", help="output directory"),
            strategies_from: Optional[Path] = StrategiesFrom,
            check: bool = Check, force: bool = Force) -> None:
    """Compare strategies with common random numbers; write comparison.json, daily.parquet, report.html."""
    from experiments.compare import compare as run_compare

    s = _load(scenario, strategies_from)
    names = [x.strip() for x in strategies.split(",") if x.strip()]
    from agents.strategy import get_strategy

    for name in names:
        get_strategy(name)
    from sim.files import refuse_overwrite

    refuse_overwrite([out_dir / n for n in COMPARE_OUTPUTS], force)
    store = out_dir / "runs"  # finished runs, kept for resuming (experiments.runstore)
    try:
        with progress_bar() as bar:
            task = bar.add_task(escape(s.name), total=replications * len(names))
            c = run_compare(s, names, replications=replications, seed=seed, days=days, workers=workers,
                            on_run_done=lambda: bar.advance(task), store=store, check=check or None)
    except KeyboardInterrupt:
        from experiments.runstore import RunStore

        console.print(f"interrupted: {RunStore(store).finished()} finished run(s) are kept in {escape(str(store))}; "
                      "run the same command again to resume", soft_wrap=True, highlight=False)
        sys.exit(130)
    c.write(out_dir)
    _print_comparison(c)
    out.print(f"report: {(out_dir / 'report.html').resolve()}")


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


SHARES = {"retention_30", "retention_90", "retention_180", "retention_365", "repurchase_rate",
          "top20_gmv_share", "monthly_churn", "answered_share"}


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


def _print_comparison(c) -> None:
    from reports.compare_report import verdicts

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
              "pool_final", "top20_gmv_share", "monthly_churn", "bans"):
        if m not in summ["difference"] or all(summ["strategies"][n][m]["mean"] is None for n in c.strategies):
            continue  # e.g. gmv_365 on a shorter horizon
        cells = [_with_ci(summ["strategies"][name][m], m) for name in c.strategies]
        d = summ["difference"][m]
        t.add_row(m, *cells, _with_ci(d, m), "n/a" if d["p_value"] is None else f"{d['p_value']:.2g}")
    out.print(t)
    for line in verdicts(summ):
        out.print("• " + line)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: input errors exit 2 without a traceback, internal errors 1."""
    try:
        app(args=argv, standalone_mode=False)
    except SiyuInputError as exc:
        # user text (file names, keys, values) may contain [brackets]: never markup
        console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        # usage errors (bad option values) from typer's click carry their own exit code;
        # typer may vendor click, so recognise them by shape rather than by class
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            console.print("aborted")
            sys.exit(130)
        console.print_exception()
        sys.exit(1)


import sim.cli_report  # noqa: E402,F401  (registers `siyu report`)
import sim.cli_experiments  # noqa: E402,F401  (registers sweep/sensitivity/optimize/calibrate)
import sim.cli_validate  # noqa: E402,F401  (registers `siyu validate-model`)

if __name__ == "__main__":
    # `python -m sim.cli` runs this file as __main__; the sim.cli_* modules register their
    # commands on the imported `sim.cli.app`, so run that one
    from sim.cli import main as _main

    _main()
