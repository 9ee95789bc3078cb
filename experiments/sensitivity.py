"""Global sensitivity: which inputs move which outputs (SALib).

Two methods: **Sobol** (first-order ``S1`` and total ``ST`` indices with bootstrap
confidence intervals; Saltelli's scheme, ``n * (d + 2)`` points) and **Morris** elementary
effects (``mu_star``, ``sigma``; ``n * (d + 1)`` points) for cheap screening of many
factors. The same plumbing — :func:`sample`, then :func:`analyze` — serves the model
(:func:`run_sensitivity`: every point run through the results store, averaged over its
replications) and any plain function (:func:`analyze_function`, used to check the
wiring on the Ishigami function, whose indices are known analytically).
"""

from __future__ import annotations

import difflib

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from experiments.chart_text import chart_text
from experiments.design import Experiment, check_design_size, require_design_memory
from experiments.sweep import check_outputs, run_design
from sim.errors import SiyuInputError

METHODS = ("sobol", "morris")


def check_size(experiment: Experiment, method: str, n: int, parameters: list[str] | None = None) -> None:
    """Refuse (exit 2) before any run a sample whose run count or memory is beyond limits."""
    d = problem_of(experiment, parameters)["num_vars"]
    points = n * (d + 2 if method == "sobol" else d + 1)
    check_design_size(points * experiment.spec.replications, "--n", f"{method} with {d} factor(s), {points:,} points")
    require_design_memory(points * experiment.spec.replications, "--n")


def problem_of(experiment: Experiment, names: list[str] | None = None) -> dict:
    """The SALib problem (names and bounds) of an experiment's factors, or of ``names`` among them."""
    refs = [r for r in experiment.factors if names is None or r.name in names]
    if names:
        unknown = set(names) - {r.name for r in refs}
        if unknown:
            known = [r.name for r in experiment.factors]
            hints = [f"{n} (did you mean {difflib.get_close_matches(n, known, n=1)[0]}?)"
                     if difflib.get_close_matches(n, known, n=1) else n for n in sorted(unknown)]
            raise SiyuInputError(f"--parameters: unknown parameter(s) {', '.join(hints)}; the sweep file's factors "
                                 f"are {', '.join(known) or 'none'}")
    if not refs:
        raise SiyuInputError("sensitivity needs at least one lever or uncertainty with a range in the sweep file")
    return {"num_vars": len(refs), "names": [r.name for r in refs], "bounds": [list(r.factor.bounds) for r in refs],
            "integer": [r.factor.integer for r in refs]}


def sample(problem: dict, method: str, n: int, seed: int) -> np.ndarray:
    """Points to evaluate, one row each (SALib's samplers)."""
    p = {k: problem[k] for k in ("num_vars", "names", "bounds")}
    if method == "sobol":
        from SALib.sample import sobol

        import warnings

        with warnings.catch_warnings():  # SALib warns when n is not a power of 2; allowed
            warnings.simplefilter("ignore")
            X = sobol.sample(p, n, calc_second_order=False, seed=seed)
    elif method == "morris":
        from SALib.sample import morris

        X = morris.sample(p, n, num_levels=4, seed=seed)
    else:
        raise SiyuInputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    for j, integer in enumerate(problem.get("integer", [])):
        if integer:
            X[:, j] = np.round(X[:, j])
    return X


def analyze(problem: dict, method: str, X: np.ndarray, Y: dict[str, np.ndarray], seed: int = 0,
            level: float = 0.95) -> pd.DataFrame:
    """Indices per (output, parameter). Sobol: ``S1``, ``ST`` with their CI half-widths
    (``S1_conf``, ``ST_conf``, bootstrap); Morris: ``mu_star`` (with ``mu_star_conf``), ``mu``, ``sigma``."""
    p = {k: problem[k] for k in ("num_vars", "names", "bounds")}
    rows = []
    for output, y in Y.items():
        y = np.asarray(y, float)
        if not np.all(np.isfinite(y)):
            raise SiyuInputError(f"output '{output}' is undefined (NaN) at some points; pick an output defined "
                                 "over the whole horizon (e.g. gmv_total rather than gmv_365 on a short run)")
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(p, y, calc_second_order=False, conf_level=level, seed=seed)
            cols = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(p, X, y, conf_level=level, num_levels=4, seed=seed)
            cols = ("mu_star", "mu_star_conf", "mu", "sigma")
        for j, name in enumerate(p["names"]):
            rows.append({"output": output, "parameter": name, "method": method}
                        | {c: float(np.asarray(res[c])[j]) for c in cols})
    return pd.DataFrame(rows)


def analyze_function(fn: Callable[[np.ndarray], np.ndarray], problem: dict, method: str = "sobol", n: int = 1024,
                     seed: int = 0, output: str = "y"):
    """Sensitivity of a plain vectorised function ``fn(X) -> y``; returns ``(frame, figure)``."""
    X = sample(problem, method, n, seed)
    frame = analyze(problem, method, X, {output: fn(X)}, seed)
    return frame, figure(frame)


def run_sensitivity(experiment: Experiment, out: str | Path, method: str = "sobol", n: int = 64,
                    outputs: list[str] | None = None, strategy: str | None = None,
                    parameters: list[str] | None = None, seed: int | None = None, **run_kwargs):
    """Sensitivity of the model's ``outputs`` to the sweep file's factors for one strategy.

    Each SALib point is run ``replications`` times (common random numbers across points)
    into the store at ``out``; the analysis uses the mean over replications, so the
    indices describe the expected output, not one run's noise. Returns
    ``(frame, figure, table)`` with the per-run ``table``.
    """
    strategy = strategy or experiment.spec.strategies[0]
    outputs = outputs or list(experiment.spec.outputs)
    problem = problem_of(experiment, parameters)
    seed = experiment.seed if seed is None else seed
    check_size(experiment, method, n, parameters)
    X = sample(problem, method, n, seed)
    points = pd.DataFrame(X, columns=problem["names"])
    for j, name in enumerate(problem["names"]):
        if problem["integer"][j]:
            points[name] = points[name].round().astype(int)
    points.index.name = "point"
    specs = experiment.runs(points=points, strategies=[strategy])
    extra = {"sensitivity": {"method": method, "n": n, "strategy": strategy, "parameters": problem["names"],
                             "sample_seed": seed, "outputs": outputs}}
    table, report = run_design(experiment, out, specs=specs, kind="sensitivity", extra=extra, **run_kwargs)
    check_outputs(table, outputs)
    # points that coincide share their runs (one run per key): a single factor's Saltelli
    # sample repeats each B row as its AB row, and rounding an integer factor merges
    # points; each point takes its outputs from its own runs' keys
    by_key = table.set_index("key")[outputs]
    per_run = pd.DataFrame([by_key.loc[s.key] for s in specs], columns=outputs)
    per_run.index = pd.Index([s.point for s in specs], name="point")
    means = per_run.groupby("point")[outputs].mean().reindex(range(len(points)))
    frame = analyze(problem, method, X, {o: means[o].to_numpy() for o in outputs}, seed)
    frame.insert(0, "strategy", strategy)
    return frame, figure(frame), table


def figure(frame: pd.DataFrame):
    """Bar chart (tornado-like, largest at the top): total and first-order Sobol indices, or
    Morris ``mu_star``, with their confidence intervals; one panel per output."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    outputs = list(dict.fromkeys(frame["output"]))
    fig = make_subplots(rows=1, cols=len(outputs), subplot_titles=outputs, horizontal_spacing=0.12)
    sobol = "ST" in frame.columns
    bars = [("ST", "total (ST)", "#1f77b4"), ("S1", "first-order (S1)", "#ff7f0e")] if sobol else \
        [("mu_star", "mu* (Morris)", "#1f77b4")]
    for c, o in enumerate(outputs, start=1):
        f = frame[frame["output"] == o].sort_values(bars[0][0])
        for key, label, col in bars:
            fig.add_trace(go.Bar(y=f["parameter"].map(chart_text), x=f[key], orientation="h", name=label, marker_color=col,
                                 error_x={"type": "data", "array": f[f"{key}_conf"].tolist()},
                                 legendgroup=key, showlegend=(c == 1)), row=1, col=c)
    title = "Sobol indices (95 % CI)" if sobol else "Morris screening: mu* (95 % CI)"
    fig.update_layout(barmode="group", title=title, template="plotly_white",
                      height=max(320, 60 * frame["parameter"].nunique() + 160), width=max(520, 420 * len(outputs)))
    return fig
