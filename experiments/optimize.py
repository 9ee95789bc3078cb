"""Searching a strategy's levers for the best objective, with common random numbers.

Every candidate lever setting is judged on the *same* replication streams (0..R-1), so
two candidates differ only by their levers, not by luck: the comparison the search makes
is paired, and far less noisy than independent runs. The search is
``scipy.optimize.differential_evolution`` (global, derivative-free; each generation's
candidates go to the executor as one batch), with constraints such as
``retention_90>=0.4`` handled by feasibility first: any feasible candidate beats any
infeasible one, and among infeasible ones the smaller violation wins.

The best candidate is chosen on the search streams, so its objective there is
optimistic (winner's curse); it is therefore re-run on fresh streams (R..R+V-1), and that
*validation* estimate, with its CI and its paired difference from the strategy's own
preset levers, is the honest figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.optimize import differential_evolution

from agents.strategy import get_strategy
from experiments import numbers
from experiments.chart_text import chart_text
from experiments.design import Experiment
from experiments.executors import executor as make_executor
from experiments.runs import run_all
from experiments.stats import mean_ci, paired_difference
from experiments.store import ExperimentStore, load
from experiments.sweep import check_outputs
from sim.errors import SiyuInputError

_CONSTRAINT = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(>=|<=)\s*(-?[0-9.eE+-]+)\s*$")
_INFEASIBLE = 1e15  # above any objective: feasible candidates always win


@dataclass(frozen=True)
class Constraint:
    """``output >= bound`` or ``output <= bound``, on the mean over replications."""

    output: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> "Constraint":
        m = _CONSTRAINT.match(text)
        if not m:
            raise SiyuInputError(f"constraint {text!r}: expected OUTPUT>=NUMBER or OUTPUT<=NUMBER, e.g. retention_90>=0.4")
        return cls(m[1], m[2], float(m[3]))

    def violation(self, value: float) -> float:
        if value is None or np.isnan(value):
            return np.inf
        gap = (self.bound - value) if self.op == ">=" else (value - self.bound)
        return max(gap, 0.0) / max(abs(self.bound), 1e-9)

    def __str__(self) -> str:
        return f"{self.output}{self.op}{self.bound:g}"


@dataclass
class OptimizeResult:
    """Best levers, their objective (search and validation streams, 95 % CI), and the history."""

    strategy: str
    objective: str
    maximize: bool
    best: dict
    search: dict                       # objective mean/CI on the search streams (optimistic)
    validation: dict                   # objective mean/CI on fresh streams (honest)
    preset: dict                       # the strategy's own levers on the same fresh streams
    gain_over_preset: dict             # paired difference best - preset on the fresh streams
    constraints: dict                  # constraint output -> mean/CI on the fresh streams, and "satisfied"
    history: pd.DataFrame = field(repr=False)
    converged: bool = False
    message: str = ""
    iteration_limit_hit: bool = False  # the search stopped at maxiter generations, not by converging
    maxiter: int = 0

    @property
    def gain_significant(self) -> bool:
        """The validated gain over the preset levers is in the wanted direction and
        significant at 5 % (paired t-test on the fresh streams)."""
        return gain_significant(self.gain_over_preset, self.maximize)

    def figure(self):
        """The objective of every candidate against each lever's value (:func:`search_figure`)."""
        return search_figure(self.history, list(self.best), self.objective, self.strategy, self.best)

    def to_dict(self) -> dict:
        """What ``best.json`` holds."""
        keys = ("strategy", "objective", "maximize", "best", "search", "validation", "preset", "gain_over_preset",
                "constraints", "converged", "message", "iteration_limit_hit", "maxiter", "gain_significant")
        return {k: getattr(self, k) for k in keys}


def gain_significant(gain: dict, maximize: bool, level: float = 0.05) -> bool:
    """A paired gain (``mean``, ``p_value``) that goes the wanted way with p below ``level``."""
    mean, p = gain.get("mean"), gain.get("p_value")
    if mean is None or p is None:
        return False
    return p < level and (mean > 0 if maximize else mean < 0)


def describe_search(best: dict) -> list[str]:
    """Plain sentences about a finished search (``best`` as ``best.json`` holds it): the
    levers found and their objective on fresh replications; whether the gain over the
    preset levers is significant (if not, the preset levers are what to keep: a
    noise-level optimum is no recommendation); the constraints; and whether the search
    stopped at its iteration limit rather than by converging."""
    o, strategy = best["objective"], best["strategy"]
    unit = f" {numbers.unit(o)}" if numbers.unit(o) else ""
    v, preset, gain = best["validation"], best["preset"], best["gain_over_preset"]
    found = ", ".join(f"{k} = {numbers.plain(x)}" for k, x in best["best"].items())
    own = ", ".join(f"{k} = {numbers.plain(x)}" for k, x in (preset.get("levers") or {}).items())
    p = "n/a" if gain.get("p_value") is None else f"{gain['p_value']:.2g}"
    lines = []
    if gain_significant(gain, best["maximize"]):
        lines.append(f"best {strategy} levers: {found}; {o} on fresh replications {numbers.stat(v, o)}{unit}, "
                     f"against {numbers.value(preset.get('mean'), o)}{unit} with the preset levers ({own}); "
                     f"gain {numbers.difference(gain, o)}{unit}, p = {p}")
    else:
        lines.append(f"no significant gain over the preset {strategy} levers ({own}): the best candidate found "
                     f"({found}) changes {o} by {numbers.difference(gain, o)}{unit} on fresh replications (p = {p}), "
                     "within the noise; keep the preset levers, or search with more replications")
    lines.append(f"{o} of that candidate on the search replications: {numbers.value(best['search']['mean'], o)}{unit} "
                 "(optimistic: it was chosen on these runs)")
    constraints = best.get("constraints") or {}
    for name, c in constraints.items():
        if name != "satisfied":
            lines.append(f"constraint {name}: {numbers.stat(c, Constraint.parse(name).output)} on fresh replications"
                         + ("" if constraints.get("satisfied", True) else " (not met on fresh replications)"))
    if best.get("iteration_limit_hit"):
        lines.append(f"the search stopped at its iteration limit ({best.get('maxiter')} generations) before "
                     "converging: a larger --maxiter may find better levers")
    elif best.get("converged"):
        lines.append("the search converged before its iteration limit")
    return lines


def search_figure(history: pd.DataFrame, levers: list[str], objective: str, strategy: str, best: dict | None = None):
    """The objective (mean over the search replications) of every candidate evaluated,
    against each searched lever's value: one panel per lever, feasible and infeasible
    candidates apart, the chosen levers marked. A flat cloud says the lever hardly matters."""
    fig = make_subplots(rows=1, cols=len(levers), shared_yaxes=True, horizontal_spacing=0.04)
    for col, lever in enumerate(levers, start=1):
        for ok, name, colour in ((True, "feasible", "#2e8b57"), (False, "infeasible", "#d9534f")):
            f = history[history["feasible"] == ok]
            fig.add_trace(go.Scatter(x=f[lever], y=f["objective"], mode="markers", name=name, legendgroup=name,
                                     showlegend=col == 1, marker={"color": colour, "size": 6, "opacity": 0.7},
                                     text=f["generation"].map("generation {}".format)), row=1, col=col)
        if best is not None and lever in best:
            chosen = history[history["feasible"]]
            y = chosen.loc[(chosen[levers] == pd.Series(best)).all(axis=1), "objective"]
            fig.add_trace(go.Scatter(x=[best[lever]], y=[y.iloc[0] if len(y) else None], mode="markers",
                                     name="chosen levers", legendgroup="chosen", showlegend=col == 1,
                                     marker={"color": "#1f77b4", "size": 14, "symbol": "star"}), row=1, col=col)
        fig.update_xaxes(title_text=chart_text(lever), row=1, col=col)
    fig.update_yaxes(title_text=f"{objective} (mean of replications)", row=1, col=1)
    fig.update_layout(title=f"Search for the best {chart_text(strategy)} levers: {objective} against each lever",
                      template="plotly_white")
    return fig


def check_search_space(experiment: Experiment) -> list:
    """The factors optimize searches: the sweep file's levers, when it has levers and no
    uncertainties (refused before the first run otherwise)."""
    levers = [r for r in experiment.factors if r.kind == "lever"]
    if not levers or len(levers) != len(experiment.factors):
        raise SiyuInputError(f"{experiment.source}: optimize searches levers: the sweep file needs [levers.*] ranges "
                             "and no uncertainties")
    return levers


def run_optimize(experiment: Experiment, out: str | Path, objective: str = "gmv_total",
                 constraints: list[str] | list[Constraint] = (), strategy: str | None = None, maximize: bool = True,
                 maxiter: int = 10, popsize: int = 8, validation_replications: int | None = None,
                 seed: int | None = None, executor: str = "process", workers: int = 1, address: str | None = None,
                 experiment_file: str | None = None, resume: bool = False, on_done=None,
                 on_start=None) -> OptimizeResult:
    """Search the sweep file's levers (their ``low``..``high`` ranges are the bounds) for the
    best ``objective`` of ``strategy``; every run lands in the store at ``out``.

    ``on_start(n)`` is told, once the first generation's size is known, the most runs the
    search can take (every generation up to ``maxiter``, the best re-run on the search
    streams, then it and the preset levers on the fresh ones); ``on_done(n)`` counts runs
    done, stored ones included. A search that converges early stops short of that."""
    strategy = strategy or experiment.spec.strategies[0]
    cons = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints]
    levers = check_search_space(experiment)
    names = [r.name for r in levers]
    bounds = [r.factor.bounds for r in levers]
    integrality = [r.factor.integer for r in levers]
    R = experiment.spec.replications
    V = validation_replications or R
    seed = experiment.seed if seed is None else seed
    with ExperimentStore(out) as store:
        extra = {"optimize": {"strategy": strategy, "objective": objective, "maximize": maximize,
                              "constraints": [str(c) for c in cons], "levers": names, "maxiter": maxiter,
                              "popsize": popsize, "search_seed": seed, "search_streams": [0, R],
                              "validation_streams": [R, R + V]}}
        store.begin("optimize", experiment, experiment_file, 0, extra=extra, resume=resume)
        history: list[dict] = []
        outputs = [objective] + [c.output for c in cons]

        with make_executor(executor, workers, address) as ex:
            def evaluate(points: pd.DataFrame, reps: range) -> pd.DataFrame:
                """Mean (and per-replication values) of the outputs at each point."""
                specs = experiment.runs(points=points, replications=reps, strategies=[strategy])
                run_all(specs, store, ex, on_done)
                table = load(out, keys={s.key for s in specs}).set_index("key")
                _check_outputs(table, outputs)
                return pd.DataFrame([dict(table.loc[s.key, outputs]) | {"point": s.point, "replication": s.replication}
                                     for s in specs])

            def cost(X: np.ndarray) -> np.ndarray:
                X = np.atleast_2d(X.T)  # vectorized: X arrives as (d, S)
                if not history and on_start is not None:
                    on_start(len(X) * R * (maxiter + 1) + R + 2 * V)
                points = _points(X, names, integrality, start=len(history))
                # scipy evaluates the initial population, then one batch per generation
                generation = int(history[-1]["generation"]) + 1 if history else 0
                per = evaluate(points, range(R))
                means = per.groupby("point")[outputs].mean()
                costs = []
                for p, row in points.iterrows():
                    m = means.loc[p]
                    viol = sum(c.violation(m[c.output]) for c in cons)
                    obj = float(m[objective])
                    costs.append(_INFEASIBLE * (1 + viol) if viol > 0 else (-obj if maximize else obj))
                    history.append({"evaluation": p, "generation": generation} | {n: _py(v) for n, v in row.items()}
                                   | {"objective": obj, "feasible": viol == 0, "violation": viol}
                                   | {f"mean_{c.output}": float(m[c.output]) for c in cons})
                return np.array(costs)

            res = differential_evolution(cost, bounds, maxiter=maxiter, popsize=popsize, seed=seed, polish=False,
                                         vectorized=True, updating="deferred", integrality=integrality,
                                         init="sobol" if popsize * len(names) >= 4 else "latinhypercube", tol=1e-9)
            hist = pd.DataFrame(history)
            best_row = _best(hist, maximize)
            best = {n: _py(best_row[n]) for n in names}
            best_pt = pd.DataFrame([best], index=pd.Index([0], name="point"))
            search = evaluate(best_pt, range(R))
            fresh = evaluate(best_pt, range(R, R + V))
            preset = _preset_levers(experiment, strategy, names)
            base = evaluate(pd.DataFrame([preset], index=pd.Index([0], name="point")), range(R, R + V))
        store.finish(best=best)
    fresh, base = fresh.sort_values("replication"), base.sort_values("replication")
    cons_out = {str(c): mean_ci(fresh[c.output].tolist()) for c in cons}
    satisfied = all(c.violation(cons_out[str(c)]["mean"]) == 0 for c in cons)
    return OptimizeResult(
        strategy=strategy, objective=objective, maximize=maximize, best=best,
        search=mean_ci(search[objective].tolist()), validation=mean_ci(fresh[objective].tolist()),
        preset={"levers": preset} | mean_ci(base[objective].tolist()),
        gain_over_preset=paired_difference(base[objective].tolist(), fresh[objective].tolist()),
        constraints=cons_out | {"satisfied": satisfied}, history=hist,
        converged=bool(res.success), message=str(res.message),
        iteration_limit_hit=not res.success and int(res.nit) >= maxiter, maxiter=maxiter)


def _points(X: np.ndarray, names, integrality, start: int) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=names)
    for n, integer in zip(names, integrality):
        frame[n] = frame[n].round().astype(int) if integer else frame[n].astype(float)
    frame.index = pd.RangeIndex(start, start + len(frame), name="point")
    return frame


def _best(hist: pd.DataFrame, maximize: bool) -> pd.Series:
    feas = hist[hist["feasible"]]
    if feas.empty:
        raise SiyuInputError("no candidate met the constraints; loosen them or widen the lever ranges "
                             f"(least violation {hist['violation'].min():.3g})")
    return feas.loc[feas["objective"].idxmax() if maximize else feas["objective"].idxmin()]


def _preset_levers(experiment: Experiment, strategy: str, names: list[str]) -> dict:
    """The strategy's own values of the searched levers in the base scenario."""
    base = get_strategy(strategy)(experiment.base).base
    return {n: getattr(base, n) for n in names}


def _check_outputs(table: pd.DataFrame, outputs: list[str]) -> None:
    check_outputs(table, outputs)


def _py(v):
    return v.item() if isinstance(v, np.generic) else v
