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
from scipy.optimize import differential_evolution

from agents.strategy import get_strategy
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

    def figure(self):
        """Objective of every candidate evaluated, in order, with the best so far."""
        import plotly.graph_objects as go

        h = self.history
        fig = go.Figure()
        for ok, name, col in ((True, "feasible", "#2e8b57"), (False, "infeasible", "#d9534f")):
            f = h[h["feasible"] == ok]
            fig.add_trace(go.Scatter(x=f["evaluation"], y=f["objective"], mode="markers", name=name,
                                     marker={"color": col, "size": 6}, text=f["generation"].map("generation {}".format)))
        feas = h["objective"].where(h["feasible"])
        best = (feas.cummax() if self.maximize else feas.cummin())
        fig.add_trace(go.Scatter(x=h["evaluation"], y=best, mode="lines", name="best so far", line={"color": "#1f77b4"}))
        fig.update_layout(title=f"Search for the best {self.strategy} levers: {self.objective} (mean of replications)",
                          xaxis_title="candidate evaluated", yaxis_title=self.objective, template="plotly_white")
        return fig


def search_space(experiment: Experiment) -> list:
    """The levers optimize searches, or an exit-2 error naming the sweep file when it has
    none, or has uncertainties too (the world's unknowns are not the brand's to choose)."""
    levers = [r for r in experiment.factors if r.kind == "lever"]
    if not levers or len(levers) != len(experiment.factors):
        raise SiyuInputError(f"{experiment.source}: optimize searches levers: the sweep file needs [levers.*] ranges "
                             "and no [uncertainties]")
    return levers


def run_optimize(experiment: Experiment, out: str | Path, objective: str = "gmv_total",
                 constraints: list[str] | list[Constraint] = (), strategy: str | None = None, maximize: bool = True,
                 maxiter: int = 10, popsize: int = 8, validation_replications: int | None = None,
                 seed: int | None = None, executor: str = "process", workers: int = 1, address: str | None = None,
                 experiment_file: str | None = None, resume: bool = False, on_done=None) -> OptimizeResult:
    """Search the sweep file's levers (their ``low``..``high`` ranges are the bounds) for the
    best ``objective`` of ``strategy``; every run lands in the store at ``out``."""
    strategy = strategy or experiment.spec.strategies[0]
    cons = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints]
    levers = search_space(experiment)
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
                points = _points(X, names, integrality, start=len(history))
                per = evaluate(points, range(R))
                means = per.groupby("point")[outputs].mean()
                costs = []
                for p, row in points.iterrows():
                    m = means.loc[p]
                    viol = sum(c.violation(m[c.output]) for c in cons)
                    obj = float(m[objective])
                    costs.append(_INFEASIBLE * (1 + viol) if viol > 0 else (-obj if maximize else obj))
                    history.append({"evaluation": p} | {n: _py(v) for n, v in row.items()}
                                   | {"objective": obj, "feasible": viol == 0, "violation": viol}
                                   | {f"mean_{c.output}": float(m[c.output]) for c in cons})
                return np.array(costs)

            res = differential_evolution(cost, bounds, maxiter=maxiter, popsize=popsize, seed=seed, polish=False,
                                         vectorized=True, updating="deferred", integrality=integrality,
                                         init="sobol" if popsize * len(names) >= 4 else "latinhypercube", tol=1e-9)
            hist = _with_generations(pd.DataFrame(history), popsize * len(names))
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
        converged=bool(res.success), message=str(res.message))


def _points(X: np.ndarray, names, integrality, start: int) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=names)
    for n, integer in zip(names, integrality):
        frame[n] = frame[n].round().astype(int) if integer else frame[n].astype(float)
    frame.index = pd.RangeIndex(start, start + len(frame), name="point")
    return frame


def _with_generations(hist: pd.DataFrame, population: int) -> pd.DataFrame:
    # the first batch is the initial population; each later batch is one generation
    hist = hist.copy()
    hist["generation"] = np.maximum(0, (hist["evaluation"] - population) // max(population, 1) + 1)
    return hist


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
