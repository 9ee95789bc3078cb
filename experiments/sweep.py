"""Sweeps: run a design into a results store, then read response curves off it.

>>> from experiments import numbers
from experiments.design import Experiment                    # doctest: +SKIP
>>> exp = Experiment.from_toml("experiments/moments_frequency.toml")
>>> table, report = run_sweep(exp, "runs/moments", workers=2)
>>> curves, fig = response_curves(table, "moments_posts", ["gmv_365", "contribution"])
>>> peaks(table, "moments_posts", ["contribution"])              # where (and whether) it peaks
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import difflib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agents.strategy import colour
from experiments import numbers
from experiments.chart_text import chart_text
from experiments.design import Experiment, RunSpec, require_design_memory
from experiments.executors import executor as make_executor
from experiments.runs import RunReport, run_all
from experiments.stats import mean_ci, paired_difference
from experiments.store import FACTOR_PREFIX, ExperimentStore, load
from sim.errors import SiyuInputError


def run_design(experiment: Experiment, out: str | Path, specs: list[RunSpec] | None = None, kind: str = "sweep",
               executor: str = "process", workers: int = 1, address: str | None = None,
               experiment_file: str | None = None, resume: bool = False, extra: dict | None = None,
               on_start: Callable[[int], None] | None = None, on_done: Callable[[int], None] | None = None,
               on_damaged: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, RunReport]:
    """Run ``specs`` (default: every run of the design) into the store at ``out`` (holding
    its lock); return the table of those runs (read back from disk) and what was skipped / run."""
    if specs is None:
        require_design_memory(experiment.point_count() * len(experiment.spec.strategies) * experiment.spec.replications,
                              experiment.source)
    specs = experiment.runs() if specs is None else specs
    total = len({s.key for s in specs})
    with ExperimentStore(out, on_damaged) as store:
        store.begin(kind, experiment, experiment_file, total, extra=extra, resume=resume)
        if on_start:
            on_start(total)
        with make_executor(executor, workers, address) as ex:
            report = run_all(specs, store, ex, on_done)
        store.finish(runs_done=report.total)
    return load(out, keys={s.key for s in specs}), report


def run_sweep(experiment: Experiment, out: str | Path, **kwargs) -> tuple[pd.DataFrame, RunReport]:
    """Run every (point, strategy, replication) of a sweep; see :func:`run_design`."""
    return run_design(experiment, out, kind="sweep", **kwargs)


def _column(table: pd.DataFrame, factor: str) -> str:
    col = factor if factor.startswith(FACTOR_PREFIX) else FACTOR_PREFIX + factor
    if col not in table.columns:
        known = [c.removeprefix(FACTOR_PREFIX) for c in table.columns if c.startswith(FACTOR_PREFIX)]
        raise SiyuInputError(f"no factor '{factor}' in these results (factors: {', '.join(known) or 'none'})")
    return col


def check_outputs(table: pd.DataFrame, outputs: list[str]) -> None:
    """Every output must be a column of the run table (any summary key will do)."""
    missing = [o for o in outputs if o not in table.columns]
    if missing:
        hints = [f"{m} (did you mean {difflib.get_close_matches(m, table.columns, n=1)[0]}?)"
                 if difflib.get_close_matches(m, table.columns, n=1) else m for m in missing]
        raise SiyuInputError(f"unknown output(s): {', '.join(hints)}; outputs are summary keys of a run")


def response_curves(table: pd.DataFrame, factor: str, outputs: list[str], by: str = "strategy",
                    level: float = 0.95):
    """Mean of each output against one factor, per ``by`` group, with a t-interval over
    replications (other factors, if any, are averaged over). Returns ``(frame, figure)``."""
    check_outputs(table, outputs)
    col = _column(table, factor)
    rows = []
    for (group, x), g in table.groupby([by, col], sort=True):
        for o in outputs:
            ci = mean_ci(g[o].tolist(), level)
            rows.append({by: group, factor: x, "output": o, "n": int(g[o].notna().sum())} | ci)
    frame = pd.DataFrame(rows)
    return frame, _curves_figure(frame, factor, outputs, by)


def _curves_figure(frame: pd.DataFrame, factor: str, outputs: list[str], by: str):
    # the factor (a path that may name a channel) and the groups (strategies, values) are user text
    fig = make_subplots(rows=len(outputs), cols=1, shared_xaxes=True, subplot_titles=outputs,
                        vertical_spacing=0.08 if len(outputs) > 1 else 0.2)
    for i, group in enumerate(sorted(frame[by].unique())):
        col = colour(str(group), i)
        for r, o in enumerate(outputs, start=1):
            f = frame[(frame[by] == group) & (frame["output"] == o)].sort_values(factor)
            x = f[factor].tolist()
            fig.add_trace(go.Scatter(x=x + x[::-1], y=f["ci_high"].tolist() + f["ci_low"].tolist()[::-1],
                                     fill="toself", fillcolor=col, opacity=0.2, line={"width": 0},
                                     hoverinfo="skip", showlegend=False), row=r, col=1)
            fig.add_trace(go.Scatter(x=x, y=f["mean"].tolist(), name=chart_text(group), legendgroup=str(group),
                                     showlegend=(r == 1), mode="lines+markers", line={"color": col}), row=r, col=1)
    fig.update_xaxes(title_text=chart_text(factor), row=len(outputs), col=1)
    fig.update_layout(height=260 * len(outputs) + 80, title=f"Response to {chart_text(factor)} (mean, 95 % CI)",
                      template="plotly_white")
    return fig


def peaks(table: pd.DataFrame, factor: str, outputs: list[str], by: str = "strategy", level: float = 0.95) -> pd.DataFrame:
    """Whether and where each response curve peaks.

    For each group and output: the factor value with the highest mean, and the paired
    difference (same replication streams under common random numbers) between that point
    and each end of the range. ``shape`` is ``"peak"`` when the best point is inside the
    range and beats both ends with ``level`` confidence, ``"rising"``/``"falling"`` when
    the best point is an end, ``"undefined"`` when no run gives the output a value (a
    90-day metric of a 60-day run), else ``"flat"``. The best point is chosen on the same runs
    it is judged on, so its height is optimistic (winner's curse); the ends are not.
    """
    check_outputs(table, outputs)
    col = _column(table, factor)
    rows = []
    for group, g in table.groupby(by, sort=True):
        xs = sorted(g[col].unique())
        for o in outputs:
            means = g.groupby(col)[o].mean()
            if means.isna().all():  # no run gives it a value (a 90-day metric of a 60-day run)
                rows.append({by: group, "output": o, "best_" + factor: None, "mean_at_best": None, "ci_low": None,
                             "ci_high": None, "gain_over_low_end": None, "gain_over_low_end_ci_low": None,
                             "gain_over_high_end": None, "gain_over_high_end_ci_low": None, "shape": "undefined"})
                continue
            best = means.idxmax()
            wide = g.pivot_table(index="replication", columns=col, values=o, aggfunc="mean")
            d_low = paired_difference(wide[xs[0]].tolist(), wide[best].tolist(), level)
            d_high = paired_difference(wide[xs[-1]].tolist(), wide[best].tolist(), level)
            above = lambda d: d["ci_low"] is not None and d["ci_low"] > 0  # noqa: E731
            if best not in (xs[0], xs[-1]) and above(d_low) and above(d_high):
                shape = "peak"
            elif best == xs[-1] and above(d_low):
                shape = "rising"
            elif best == xs[0] and above(d_high):
                shape = "falling"
            else:
                shape = "flat"
            ci = mean_ci(g[g[col] == best][o].tolist(), level)
            rows.append({by: group, "output": o, "best_" + factor: _py(best), "mean_at_best": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "gain_over_low_end": d_low["mean"], "gain_over_low_end_ci_low": d_low["ci_low"],
                         "gain_over_high_end": d_high["mean"], "gain_over_high_end_ci_low": d_high["ci_low"],
                         "shape": shape})
    return pd.DataFrame(rows)


def describe_peaks(frame: pd.DataFrame, factor: str, by: str = "strategy") -> list[str]:
    """One plain sentence per (group, output) row of :func:`peaks`."""
    lines = []
    for _, r in frame.iterrows():
        if r["shape"] == "undefined":
            lines.append(f"{r[by]}: {r['output']} has no value in any run (it needs a longer horizon, or customers "
                         "it can be measured on)")
            continue
        at = f"{factor} = {r['best_' + factor]:g}" if isinstance(r["best_" + factor], (int, float)) else str(r["best_" + factor])
        text = {"peak": f"peaks inside the range, at {at}, above both ends with 95 % confidence",
                "rising": f"keeps rising: highest at the top of the range ({at})",
                "falling": f"keeps falling: highest at the bottom of the range ({at})",
                "flat": f"no clear peak (highest at {at}, not distinguishable from an end)"}[r["shape"]]
        o = r["output"]
        u = numbers.unit(o)
        lines.append(f"{r[by]}: {o} {text}; mean there "
                     f"{numbers.with_ci(r['mean_at_best'], r['ci_low'], r['ci_high'], o)}{' ' + u if u else ''}")
    return lines


def _py(v):
    return v.item() if isinstance(v, np.generic) else v
