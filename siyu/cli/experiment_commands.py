"""``siyu sweep | sensitivity | optimize | calibrate``: experiments from the command line.

Every command runs its simulations through the run store (:mod:`experiments.store`)
where it can (so a rerun, or ``--resume``, skips finished runs), on a process pool
(``--workers N``) or a Dask cluster (``--executor dask [--address tcp://HOST:PORT]``),
and writes a CSV table and a self-contained HTML figure into ``--out``.
"""

from __future__ import annotations

import json
import signal
import tomllib
from pathlib import Path
from typing import List, Literal, Optional

import typer
from rich.markup import escape
from rich.table import Table

from agents.strategy import load_strategy_module
from experiments import numbers
from experiments.calibrate import calibrate as run_calibrate
from experiments.calibrate import check_parameters, read_log_target, read_series
from experiments.design import Experiment, check_outputs_declared, check_strategy
from experiments.executors import executor as make_executor
from experiments.optimize import Constraint, check_search_space, describe_search, run_optimize
from experiments.sensitivity import METHODS, run_sensitivity
from experiments.sensitivity import check_size as check_sensitivity_size
from experiments.store import ExperimentStore
from experiments.sweep import describe_peaks, peaks, response_curves, run_sweep
from reports.experiment_figures import calibration_figure, search_figure, sensitivity_figure, standalone_html
from reports.spreadsheets import sweep_files, write_files
from siyu import INTERRUPTED
from siyu.cli.common import (Address, Csv, ExecutorKind, ExecutorOpt, Force, Lang, Language, Resume, SetValues,
                             StrategiesFrom, Workers, Xlsx, console, csv_list, fmt, is_interrupt, load_scenario, out,
                             parse_sets, progress_bar, results_complete)
from sim.customer_value import channel_names
from sim.errors import SiyuInputError
from sim.scenario import Scenario
from sim.files import refuse_overwrite, write_atomic
from sim.simulation import to_json


#: the methods of `siyu sensitivity` (shown as choices in --help)
SensitivityMethod = Literal[METHODS]


def _experiment(sweep: Optional[Path], out_dir: Path, resume: bool, strategies_from: Optional[Path],
                sets: Optional[List[str]] = None):
    if strategies_from is not None:
        load_strategy_module(strategies_from)
    changes = parse_sets(sets)
    if sweep is not None:
        return Experiment.from_toml(sweep, changes), str(sweep)
    if changes:
        raise SiyuInputError("--set: an experiment resumed from its manifest keeps the base it was started with; "
                             "give the sweep file with the same --set values to add to it")
    m = ExperimentStore(out_dir).manifest()
    if not resume or m is None:
        raise SiyuInputError(f"give a sweep file, or --resume with an --out that holds a manifest.json ({out_dir} has none)"
                             if resume else "give a sweep file (or --resume --out DIR)")
    if not isinstance(m.get("experiment"), dict):
        raise SiyuInputError(f"{out_dir}/manifest.json: field 'experiment' is missing; expected the manifest siyu writes")
    return Experiment.from_resolved(m["experiment"], f"{out_dir}/manifest.json"), m.get("experiment_file")


def _check_choices(exp, outputs: Optional[list[str]] = None, strategy: Optional[str] = None,
                   factor: Optional[str] = None, option: str = "--outputs") -> None:
    """The command's own choices, checked against the experiment before the first run."""
    if outputs:
        check_outputs_declared(outputs, option, None, list(channel_names(exp.base).values()))
    if strategy is not None:
        check_strategy(strategy, "--strategy", None)
        if strategy not in exp.spec.strategies:
            raise SiyuInputError(f"--strategy: '{strategy}' is not among the sweep file's strategies "
                                 f"({', '.join(exp.spec.strategies)}); its levers would not be varied")
    if factor is not None and factor not in [f.name for f in exp.factors]:
        raise SiyuInputError(f"--factor: unknown factor {factor!r}; expected one of: "
                             f"{', '.join(f.name for f in exp.factors) or '(the sweep has no factors)'}")


def _write_figure(fig, path: Path, lang: str = "en") -> None:
    write_atomic(path, standalone_html(fig, lang))


def _write_csv(frame, path: Path) -> None:
    write_atomic(path, frame.to_csv(index=False))


def _print_frame(frame, title: str, columns: list[str], formats: Optional[dict] = None) -> None:
    """``frame``'s ``columns`` as a table; ``formats`` maps a column to its formatter
    (:mod:`experiments.numbers`), other numbers print plainly."""
    t = Table(title=title)
    for c in columns:
        t.add_column(c, justify="left" if frame[c].dtype == object else "right")
    for _, r in frame.iterrows():
        t.add_row(*[r[c] if isinstance(r[c], str) else (formats or {}).get(c, fmt)(r[c]) for c in columns])
    out.print(t)


def _print_parameters(frame) -> None:
    """Fitted parameters: estimate and 95 % CI (bounds with the digits to differ), search range."""
    t = Table(title="fitted parameters (95 % CI)")
    for c, justify in (("parameter", "left"), ("estimate", "right"), ("95 % CI", "right"), ("searched", "right")):
        t.add_column(c, justify=justify)
    for _, r in frame.iterrows():
        low, high = numbers.interval(r["ci_low"], r["ci_high"], r["parameter"], formatter=numbers.plain)
        t.add_row(r["parameter"], numbers.plain(r["estimate"]), f"[{low}, {high}]",
                  f"{numbers.plain(r['low'])} – {numbers.plain(r['high'])}")
    out.print(t)


class _Bar:
    """Progress bar whose total is known at start (sweep) or not (searches)."""

    def __init__(self, description: str, total: Optional[int] = None):
        self.bar = progress_bar()
        self.description, self.total = description, total

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task(self.description, total=self.total)
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def done(self, n: int = 1) -> None:
        self.bar.advance(self.task, n)

    def finish(self) -> None:
        """Done: a search that stopped before its largest possible total ends at 100 %."""
        self.bar.update(self.task, total=self.bar.tasks[self.task].completed)


def _write_sweep_sheets(exp, out_dir: Path, table, curves, pk, csv: bool, xlsx: bool) -> None:
    for path in write_files(out_dir, sweep_files(exp.base, table, curves, pk, csv=csv, xlsx=xlsx)):
        out.print(f"spreadsheet: {path}")


def _damaged(message: str) -> None:
    console.print(escape(message), highlight=False)


def sweep(sweep_file: Optional[Path] = typer.Argument(None, metavar="SWEEP", help="sweep TOML file"),
          out_dir: Path = typer.Option(Path("runs/sweep"), "--out", help="experiment directory"),
          factor: Optional[str] = typer.Option(None, help="factor on the x axis of the response curves (default: the first)"),
          outputs: Optional[str] = typer.Option(None, help="comma-separated summary keys (default: the sweep file's)"),
          workers: int = Workers, executor: ExecutorKind = ExecutorOpt, address: Optional[str] = Address,
          resume: bool = Resume, strategies_from: Optional[Path] = StrategiesFrom,
          csv: bool = Csv, xlsx: bool = Xlsx, sets: Optional[List[str]] = SetValues) -> None:
    """Run a sweep (resumable) and draw response curves with 95 % bands; say where each peaks.

    Writes the runs, curves.csv, peaks.csv and response.html into --out; with --csv also
    runs.csv, with --xlsx sweep.xlsx (curves, peaks, runs, assumptions).
    """
    exp, source = _experiment(sweep_file, out_dir, resume, strategies_from, sets)
    _check_choices(exp, csv_list(outputs), factor=factor)
    try:
        with _Bar(exp.spec.name) as bar:
            table, report = run_sweep(exp, out_dir, executor=executor, workers=workers, address=address,
                                      experiment_file=source, resume=resume, on_start=bar.start, on_done=bar.done,
                                      on_damaged=_damaged)
    except (KeyboardInterrupt, SystemError) as exc:
        if not is_interrupt(exc):  # a compiled rule reports an interrupt inside it as a SystemError
            raise
        # finished runs are already on disk (one file each, written atomically)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print(f"{INTERRUPTED}: finished runs are kept in {escape(str(out_dir))}; resume with "
                      f"`siyu sweep --resume --out {escape(str(out_dir))}` or rerun the same command",
                      soft_wrap=True, highlight=False)
        raise SystemExit(130) from None
    out.print(f"{report.total} runs: {report.skipped} already on disk, {report.ran} run now -> {out_dir}")
    if not exp.factors:
        _write_sweep_sheets(exp, out_dir, table, None, None, csv, xlsx)
        return
    factor = factor or exp.factors[0].name
    outs = csv_list(outputs) or list(exp.spec.outputs)
    curves, fig = response_curves(table, factor, outs)
    pk = peaks(table, factor, outs)
    _write_csv(curves, out_dir / "curves.csv")
    _write_csv(pk, out_dir / "peaks.csv")
    _write_figure(fig, out_dir / "response.html")
    _write_sweep_sheets(exp, out_dir, table, curves, pk, csv, xlsx)
    results_complete()
    for line in describe_peaks(pk, factor):
        out.print("• " + line)
    out.print(f"curves: {out_dir / 'curves.csv'}, figure: {(out_dir / 'response.html').resolve()}")


def sensitivity(sweep_file: Optional[Path] = typer.Argument(None, metavar="SWEEP", help="sweep TOML file (its factors' ranges)"),
                method: SensitivityMethod = typer.Option("sobol", help="sobol (first-order and total indices) or morris (screening)"),
                n: int = typer.Option(64, min=2, max=1_000_000, help="base sample size (sobol: n*(d+2) points; morris: n trajectories)"),
                strategy: Optional[str] = typer.Option(None, help="strategy (default: the sweep file's first)"),
                outputs: Optional[str] = typer.Option(None, help="comma-separated summary keys (default: the sweep file's)"),
                parameters: Optional[str] = typer.Option(None, help="comma-separated factors (default: all)"),
                out_dir: Path = typer.Option(Path("runs/sensitivity"), "--out", help="experiment directory"),
                workers: int = Workers, executor: ExecutorKind = ExecutorOpt, address: Optional[str] = Address,
                resume: bool = Resume, strategies_from: Optional[Path] = StrategiesFrom,
                sets: Optional[List[str]] = SetValues, lang: Language = Lang) -> None:
    """Global sensitivity (Sobol or Morris, via SALib) of outputs to the sweep file's factors."""
    if method not in METHODS:
        raise SiyuInputError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    exp, source = _experiment(sweep_file, out_dir, resume, strategies_from, sets)
    _check_choices(exp, csv_list(outputs), strategy=strategy)
    check_sensitivity_size(exp, method, n, csv_list(parameters))
    with _Bar(f"{exp.spec.name} ({method})") as bar:
        frame, fig, _ = run_sensitivity(exp, out_dir, method=method, n=n, outputs=csv_list(outputs), strategy=strategy,
                                        parameters=csv_list(parameters), executor=executor, workers=workers,
                                        address=address, experiment_file=source, resume=resume,
                                        on_start=bar.start, on_done=bar.done, on_damaged=_damaged)
    _write_csv(frame, out_dir / "indices.csv")
    _write_figure(sensitivity_figure(fig, lang), out_dir / "sensitivity.html", lang)
    results_complete()
    cols = ["output", "parameter"] + (["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu_star", "mu_star_conf", "sigma"])
    _print_frame(frame, f"{method} indices ({exp.spec.replications} replications per point; conf = 95 % half-width)", cols)
    out.print(f"indices: {out_dir / 'indices.csv'}, figure: {(out_dir / 'sensitivity.html').resolve()}")


def optimize(sweep_file: Optional[Path] = typer.Argument(None, metavar="SWEEP", help="sweep TOML file: its levers' ranges are the search space"),
             objective: str = typer.Option("gmv_total", help="summary key to optimise (mean over replications)"),
             constraint: Optional[List[str]] = typer.Option(None, "--constraint", help="e.g. retention_90>=0.4 (repeatable)"),
             strategy: Optional[str] = typer.Option(None, help="strategy whose levers are searched (default: the sweep file's first)"),
             minimize: bool = typer.Option(False, "--minimize", help="minimise instead of maximise"),
             maxiter: int = typer.Option(10, min=1, max=10_000, help="generations of differential evolution"),
             popsize: int = typer.Option(8, min=2, max=1000, help="population per lever (scipy's popsize)"),
             validation_replications: Optional[int] = typer.Option(None, min=2, help="fresh replications to judge the best (default: as many as the search)"),
             out_dir: Path = typer.Option(Path("runs/optimize"), "--out", help="experiment directory"),
             workers: int = Workers, executor: ExecutorKind = ExecutorOpt, address: Optional[str] = Address,
             resume: bool = Resume, strategies_from: Optional[Path] = StrategiesFrom,
             sets: Optional[List[str]] = SetValues, lang: Language = Lang) -> None:
    """Search a strategy's levers for the best objective with common random numbers."""
    exp, source = _experiment(sweep_file, out_dir, resume, strategies_from, sets)
    _check_choices(exp, [objective], strategy=strategy, option="--objective")
    _check_choices(exp, [Constraint.parse(c).output for c in constraint or []], option="--constraint")
    check_search_space(exp)
    with _Bar(f"optimising {objective}") as bar:
        res = run_optimize(exp, out_dir, objective=objective, constraints=constraint or [], strategy=strategy,
                           maximize=not minimize, maxiter=maxiter, popsize=popsize,
                           validation_replications=validation_replications, executor=executor, workers=workers,
                           address=address, experiment_file=source, resume=resume, on_start=bar.start,
                           on_done=bar.done)
        bar.finish()
    write_atomic(out_dir / "best.json", to_json(json.loads(json.dumps(res.to_dict(), default=float))))
    _write_csv(res.history, out_dir / "history.csv")
    _write_figure(search_figure(res.figure(), res.objective, res.strategy, lang), out_dir / "search.html", lang)
    results_complete()
    for line in describe_search(res.to_dict()):
        out.print("• " + line, highlight=False)
    out.print(f"wrote {out_dir / 'best.json'}, {out_dir / 'history.csv'}, {out_dir / 'search.html'}")


def calibrate(scenario: Path = typer.Argument(..., metavar="SCENARIO", help="scenario TOML file (the model to fit)"),
              series: Optional[Path] = typer.Option(None, help="CSV: day/date/month column + daily metrics (pool, orders, gmv, ...)"),
              transactions: Optional[Path] = typer.Option(None, help="CSV transaction log: customer_id, date, amount"),
              date_format: Optional[str] = typer.Option(None, "--date-format", help="the dates' format if not ISO YYYY-MM-DD, e.g. %m/%d/%Y (strftime codes)"),
              param: List[str] = typer.Option(..., "--param", help="PATH=LOW:HIGH, e.g. category.purchase_cycle_days=20:120 (repeatable)"),
              strategy: Optional[str] = typer.Option(None, help="strategy the brand ran (default: the scenario's)"),
              calibration_end: Optional[int] = typer.Option(None, min=1, help="last day used for fitting; later data is the holdout"),
              holdout: float = typer.Option(0.25, min=0.0, max=0.9, help="share of the horizon held out (if no --calibration-end)"),
              replications: int = typer.Option(4, min=2, max=1000, help="replications per candidate (common random numbers)"),
              maxiter: int = typer.Option(8, min=1, max=10_000, help="generations of differential evolution"),
              popsize: int = typer.Option(6, min=2, max=1000, help="population per parameter (scipy's popsize)"),
              out_dir: Path = typer.Option(Path("runs/calibration"), "--out", help="output directory"),
              workers: int = Workers, executor: ExecutorKind = ExecutorOpt, address: Optional[str] = Address,
              strategies_from: Optional[Path] = StrategiesFrom, force: bool = Force,
              sets: Optional[List[str]] = SetValues, lang: Language = Lang) -> None:
    """Fit scenario parameters to an observed series or transaction log; report fit and holdout error."""
    if (series is None) == (transactions is None):
        raise SiyuInputError("give exactly one of --series CSV or --transactions CSV")
    params = {}
    for p in param:
        path, _, rng = p.rpartition("=")  # a list item's name may hold "=" itself
        lo, _, hi = rng.partition(":")
        try:
            params[path.strip()] = (float(lo), float(hi))
        except ValueError:
            raise SiyuInputError(f"--param {p!r}: expected PATH=LOW:HIGH, e.g. category.quality=0.5:0.95") from None
    # calibration.html is written last: it marks finished results (an interrupted
    # calibration is finished by a plain rerun); manifest.json marks another command's
    s = load_scenario(scenario, strategies_from, sets)
    refuse_overwrite([out_dir / "calibration.html", out_dir / "manifest.json"], force)
    if series is not None:
        target, observed = read_series(series, calibration_end, holdout, date_format=date_format)
    else:
        target, observed = read_log_target(transactions, calibration_end, holdout, date_format=date_format)
    check_parameters(s, params)
    if strategy is not None:
        check_strategy(strategy, "--strategy", None)
    with _Bar("calibrating") as bar, make_executor(executor, workers, address) as ex:
        res = run_calibrate(s, target, observed, params, strategy=strategy, replications=replications, maxiter=maxiter,
                            popsize=popsize, seed=s.seed, executor=ex, workers=workers, on_start=bar.start,
                            on_done=bar.done)
        bar.finish()
    for frame, name in ((res.parameters, "parameters.csv"), (res.fit, "fit.csv"), (res.summary, "fit_summary.csv"),
                        (res.history, "history.csv")):
        _write_csv(frame, out_dir / name)
    fitted = res.fitted_toml(s, (series or transactions).name, scenario.name)
    Scenario.from_dict(tomllib.loads(fitted), source=out_dir / "fitted.toml")  # reads back, or exit 2 naming it
    write_atomic(out_dir / "fitted.toml", fitted)
    _write_figure(calibration_figure(res.figure(), lang), out_dir / "calibration.html", lang)
    results_complete()
    _print_parameters(res.parameters)
    _print_frame(res.summary, f"goodness of fit (calibration: days 1-{target.calibration_end}, holdout after)",
                 ["set", "moments", "rmse", "mape", "mean_abs_z", "share_inside_band"],
                 formats={"mape": numbers.pct, "share_inside_band": numbers.pct})
    out.print(f"wrote {out_dir}/parameters.csv, fit.csv, fit_summary.csv, calibration.html and fitted.toml "
              f"(the scenario with the fitted values: siyu compare {out_dir / 'fitted.toml'})")
