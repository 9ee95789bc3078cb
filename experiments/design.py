"""The design of an experiment, kept apart from running it (as EMA Workbench does).

A *sweep file* (TOML) names a base scenario, the **levers** the operator controls and the
**uncertainties** about the world to vary, how to sample them, the strategies, the
replications and the root seed::

    name = "moments_frequency"
    base = "../scenarios/default.toml"     # relative to this file
    strategies = ["harvest", "nurture"]
    replications = 10
    outputs = ["gmv_365", "retention_90", "contribution"]

    [overrides]                             # fixed changes to the base scenario
    "market.audience" = 60000

    [levers.moments_posts]                  # a lever: applied to every strategy swept
    values = [0, 1, 2, 3]                   # or low / high (/ steps for a grid)

    [uncertainties."category.quality"]      # any dotted scenario path
    low = 0.6
    high = 0.95

    [sampling]
    method = "grid"                         # grid | lhs | sobol (scipy.stats.qmc)

A scenario file may instead carry its own ``[sweep]`` table (same keys, no ``base``).
Files are validated like scenarios: unknown keys and bad values are errors naming the
file and the field path (exit 2 on the command line).

Randomness: replication ``r`` of point ``p`` runs on child ``k`` of one root
``SeedSequence(seed)`` — ``k = r`` with common random numbers (the default: every point
and strategy shares replication ``r``'s stream, so differences between points are
paired), ``k = p * replications + r`` without. A child is computed from its index alone
(:func:`sim.model.seed_sequence`), so the outcome never depends on the executor.

A comparison is the simplest design: no factors, one point (:func:`single_point`).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator
from scipy.stats import qmc

from agents.strategy import get_strategy
from experiments.store import run_key
from sim.customer_value import CHANNEL_FIGURES, channel_names, split_channel_output
from sim.errors import ScenarioError, SiyuInputError, format_validation_error
from sim.scenario import Levers, Scenario, Strict, read_toml
from sim.outcomes import SUMMARY_METRICS
from sim import resources
from sim.scenario.overrides import plain

Value = bool | int | float | str


class Factor(Strict):
    """One varied input: a list of ``values``, or a range ``low``..``high``."""

    values: list[Value] | None = Field(None, min_length=1, description="the values to try (grid) or draw from (lhs/sobol)")
    low: float | None = Field(None, description="lower end of the range")
    high: float | None = Field(None, description="upper end of the range")
    steps: int = Field(5, ge=2, le=10_000, description="grid points across low..high (grid sampling only)")
    integer: bool = Field(False, description="round sampled values to whole numbers")
    strategy: str | None = Field(None, description="levers only: apply to this strategy alone (default: every strategy swept)")

    @model_validator(mode="after")
    def _one_form(self) -> "Factor":
        ranged = self.low is not None or self.high is not None
        if self.values is not None and ranged:
            raise ValueError("give either values or low/high, not both")
        if self.values is None:
            if self.low is None or self.high is None:
                raise ValueError("give values = [...] or both low and high")
            if not self.low < self.high:
                raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """Numeric range (a value list spans its min..max)."""
        if self.values is None:
            return float(self.low), float(self.high)
        nums = [float(v) for v in self.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(nums) != len(self.values):
            raise SiyuInputError("a factor with non-numeric values has no numeric range")
        return min(nums), max(nums)

    def grid(self) -> list[Value]:
        if self.values is not None:
            return list(self.values)
        xs = np.linspace(self.low, self.high, self.steps)
        return [self._cast(x) for x in xs]

    def from_unit(self, u: np.ndarray) -> list[Value]:
        """Map draws in [0, 1) onto this factor (a value list is picked from uniformly)."""
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        return [self._cast(self.low + x * (self.high - self.low)) for x in u]

    def _cast(self, x: float) -> Value:
        return int(round(float(x))) if self.integer else float(x)


class Sampling(Strict):
    """How points are drawn from the factors."""

    method: Literal["grid", "lhs", "sobol"] = Field("grid", description="full grid, Latin hypercube, or scrambled Sobol sequence")
    samples: int = Field(32, ge=1, le=1_000_000, description="points for lhs / sobol (a power of 2 suits sobol)")
    seed: int | None = Field(None, ge=0, description="seed of the sampler (default: the sweep's seed)")


class SweepSpec(Strict):
    """A sweep file (or a scenario's ``[sweep]`` table)."""

    name: str = Field("sweep", min_length=1, max_length=200, description="experiment name")
    description: str = Field("", max_length=5000)
    base: str | None = Field(None, description="base scenario file, relative to the sweep file")
    strategies: list[str] = Field(default_factory=lambda: ["harvest", "nurture"], min_length=1)
    replications: int = Field(10, ge=1, le=100_000, description="replications per point and strategy (a sweep file needs at least 2: a confidence interval needs two)")
    seed: int | None = Field(None, ge=0, lt=2**63, description="root seed (default: the base scenario's)")
    days: int | None = Field(None, ge=1, le=3650, description="horizon override, days")
    common_random_numbers: bool = Field(True, description="replication r of every point shares one stream")
    keep_daily: bool = Field(False, description="store each run's daily series as well as its summary")
    outputs: list[str] = Field(default_factory=lambda: ["gmv_total"], min_length=1, description="summary keys analysed")
    overrides: dict[str, Value | list[Value]] = Field(default_factory=dict, description="fixed changes to the base scenario, by dotted path")
    levers: dict[str, Factor] = Field(default_factory=dict, description="strategy levers to vary, by lever name")
    uncertainties: dict[str, Factor] = Field(default_factory=dict, description="scenario parameters to vary, by dotted path")
    sampling: Sampling = Field(default_factory=Sampling)


#: keys only a sweep file has, and keys only a scenario file has (name, days, ... are both)
SWEEP_ONLY_KEYS = frozenset(SweepSpec.model_fields) - frozenset(Scenario.model_fields)
SCENARIO_ONLY_KEYS = frozenset(Scenario.model_fields) - frozenset(SweepSpec.model_fields)


def is_sweep_file(path: str | Path) -> bool:
    """Whether the TOML file at ``path`` describes a sweep rather than a plain scenario: it
    names a ``base`` scenario, carries a ``[sweep]`` table (a scenario that sweeps itself),
    or has sweep keys (levers, replications, outputs...) and no scenario tables."""
    data = read_toml(path, what="scenario or sweep")[0]
    keys = set(data)
    return bool({"base", "sweep"} & keys) or bool(keys & SWEEP_ONLY_KEYS and not keys & SCENARIO_ONLY_KEYS)


@dataclass(frozen=True)
class FactorRef:
    """A factor resolved to the scenario paths it sets."""

    name: str            # column name in result tables
    kind: str            # "lever" | "uncertainty"
    paths: tuple[str, ...]
    factor: Factor


@dataclass(frozen=True)
class RunSpec:
    """One run to execute: everything a worker needs, as plain values."""

    key: str
    point: int
    strategy: str
    replication: int
    stream: int
    seed: int
    scenario_json: str
    factors: tuple[tuple[str, Value], ...]
    tables: tuple[str, ...] = ()       # tables kept with the summary: daily, retention, cohorts
    check: bool | None = None          # assert the model invariants every day (does not change results)
    outlook_paths: int = 0             # forward paths of the 90-day outlook in the summary (0: none)


def apply(scenario: Scenario, changes: dict[str, Any], source: str = "<overrides>") -> Scenario:
    """A validated copy of ``scenario`` with dotted-path ``changes`` applied (one override
    path for every caller: :meth:`Scenario.with_overrides`)."""
    return scenario.with_overrides(dict(changes), source=source)


class Experiment:
    """A validated sweep: base scenario, factors, design points and the runs they imply."""

    def __init__(self, spec: SweepSpec, base: Scenario, source: str = "<sweep>", resolved: bool = False,
                 sets: dict[str, Any] | None = None):
        self.spec, self.source = spec, source
        # ``resolved``: ``base`` already has the overrides and horizon applied (from a manifest)
        self.base = apply(base, dict(spec.overrides), source) if spec.overrides and not resolved else base
        if spec.days is not None and not resolved:
            self.base = self.base.with_overrides(days=spec.days)
        # the command line's changes come last (they win over the file's) and before the
        # factors are checked, so every factor value is judged against the changed base
        if sets and not resolved:
            self.base = apply(self.base, sets, "--set")
        self.seed = self.base.seed if spec.seed is None else spec.seed
        self.tables: tuple[str, ...] = ("daily",) if spec.keep_daily else ()
        self.check: bool | None = None
        self.outlook_paths = 0  # > 0: each run's summary carries the pool's 90-day outlook (sim.outlook)
        self.factors = self._resolve()
        self._check()

    # -- loading -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path, sets: dict[str, Any] | None = None) -> "Experiment":
        """Read and validate a sweep file; ``sets`` (dotted path -> value, as ``--set`` gives)
        change its base scenario after the file's own ``overrides`` and ``days``."""
        path = Path(path)
        data = read_toml(path, what="sweep")[0]
        inline = None
        if "sweep" in data:
            sweep = data.pop("sweep")
            if not isinstance(sweep, dict):
                raise ScenarioError(path, "sweep", "expected a table")
            if data:
                inline = Scenario.from_dict(data, source=path)
            data = sweep
        spec = cls._spec(data, path)
        if inline is not None:
            if spec.base is not None:
                raise ScenarioError(path, "sweep.base", "a [sweep] inside a scenario sweeps that scenario; remove base")
            return cls(spec, inline, str(path), sets=sets)
        if spec.base is None:
            raise ScenarioError(path, "base", "required: the base scenario file (or put a [sweep] table in a scenario)")
        base_path = (path.parent / spec.base)
        if not base_path.is_file():
            raise ScenarioError(path, "base", f"'{spec.base}' is not a scenario file (looked for {base_path})")
        return cls(spec, Scenario.from_toml(base_path), str(path), sets=sets)

    @classmethod
    def from_dict(cls, data: dict, base: Scenario, source: str = "<sweep>") -> "Experiment":
        return cls(cls._spec(data, source), base, source)

    @staticmethod
    def _spec(data: dict, source) -> SweepSpec:
        """A sweep file's spec: its response curves have a CI per point, so at least two
        replications (designs built in code, e.g. the worlds of a robust comparison, may use one)."""
        try:
            spec = SweepSpec.model_validate(data)
        except ValidationError as exc:
            raise format_validation_error(exc, source, SweepSpec) from None
        if spec.replications < 2:
            raise ScenarioError(source, "replications", f"Input should be greater than or equal to 2 (a confidence "
                                f"interval needs two replications) (got {spec.replications})")
        return spec

    def _resolve(self) -> list[FactorRef]:
        refs = []
        lever_names = list(Levers.model_fields)
        for name, f in self.spec.levers.items():
            if name.startswith("strategy.levers."):
                paths = (name,)
            else:
                if name not in lever_names:
                    hint = difflib.get_close_matches(name, lever_names, n=1)
                    more = f"did you mean '{hint[0]}'?" if hint else f"expected one of: {', '.join(lever_names)}"
                    raise ScenarioError(self.source, f"levers.{name}", f"unknown lever; {more}")
                targets = [f.strategy] if f.strategy else self.spec.strategies
                paths = tuple(f"strategy.levers.{s}.{name}" for s in targets)
            refs.append(FactorRef(name, "lever", paths, f))
        for name, f in self.spec.uncertainties.items():
            if f.strategy is not None:
                raise ScenarioError(self.source, f"uncertainties.{name}.strategy", "only levers apply to one strategy")
            refs.append(FactorRef(name, "uncertainty", (name,), f))
        return refs

    def _check(self) -> None:
        """Every strategy and output named exists, and every factor's extreme values make a
        valid scenario: a typo is refused before the first run, never after the last."""
        for i, s in enumerate(self.spec.strategies):
            check_strategy(s, self.source, f"strategies[{i}]")
            if s in self.spec.strategies[:i]:
                raise ScenarioError(self.source, f"strategies[{i}]", f"'{s}' is listed twice; name each strategy once")
        for name in self.base.strategy.levers:
            if name != "all":
                check_strategy(name, self.source, f"strategy.levers.{name} (of the base scenario)")
        if self.base.start.strategy is not None:
            check_strategy(self.base.start.strategy, self.source, "start.strategy (of the base scenario)")
        for name, f in self.spec.levers.items():
            if f.strategy is not None:
                check_strategy(f.strategy, self.source, f"levers.{name}.strategy")
        for table, factors in (("levers", self.spec.levers), ("uncertainties", self.spec.uncertainties)):
            for name in factors:
                if name.startswith("strategy.levers.") and name.count(".") >= 3:
                    check_strategy(name.split(".")[2], self.source, f"{table}.{name}")
        check_outputs_declared(self.spec.outputs, self.source, "outputs", list(channel_names(self.base).values()))
        check_design_size(self.point_count() * len(self.spec.strategies) * self.spec.replications, self.source,
                          "levers/uncertainties/sampling")
        for ref in self.factors:
            table = "levers" if ref.kind == "lever" else "uncertainties"
            f = ref.factor
            for v in (f.values if f.values is not None else [f.low, f.high]):
                v = int(round(v)) if (f.integer and f.values is None) else v
                try:
                    apply(self.base, {p: v for p in ref.paths}, self.source)
                except ScenarioError as exc:
                    raise ScenarioError(self.source, f"{table}.{ref.name}",
                                        f"value {v!r} gives an invalid scenario ({exc.field}: {exc.message})") from None

    def point_count(self) -> int:
        """How many points :meth:`points` gives, without making them."""
        if not self.factors:
            return 1
        if self.spec.sampling.method != "grid":
            return self.spec.sampling.samples
        n = 1
        for r in self.factors:
            n *= len(r.factor.values) if r.factor.values is not None else r.factor.steps
        return n

    # -- identity ------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The resolved experiment: the spec plus the canonical base scenario (what the hash covers)."""
        return {"spec": self.spec.model_dump(mode="json"), "base": json.loads(self.base.canonical_json())}

    @property
    def hash(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @classmethod
    def from_resolved(cls, data: dict, source: str = "<manifest>") -> "Experiment":
        """Rebuild from :meth:`to_dict` (as kept in a manifest): resuming needs no other file."""
        spec = cls._spec(data["spec"], source)
        return cls(spec, Scenario.from_dict(data["base"], source=source), source, resolved=True)

    # -- points and runs -----------------------------------------------------------
    def points(self) -> pd.DataFrame:
        """Design points, one row per point (index = point id), one column per factor."""
        names = [r.name for r in self.factors]
        if not self.factors:
            return pd.DataFrame(index=pd.RangeIndex(1, name="point"))
        s = self.spec.sampling
        if s.method == "grid":
            rows = list(itertools.product(*[r.factor.grid() for r in self.factors]))
        else:
            u = unit_sample(s.method, len(self.factors), s.samples, self.seed if s.seed is None else s.seed)
            cols = [r.factor.from_unit(u[:, j]) for j, r in enumerate(self.factors)]
            rows = list(zip(*cols))
        frame = pd.DataFrame(rows, columns=names)
        frame.index.name = "point"
        return frame

    def scenario_at(self, values: dict[str, Value]) -> Scenario:
        """The base scenario with the factor ``values`` applied."""
        changes = {}
        for ref in self.factors:
            if ref.name in values:
                changes.update({p: values[ref.name] for p in ref.paths})
        return apply(self.base, changes, self.source) if changes else self.base

    def seed_scheme(self) -> str:
        """How each run's random streams derive from the root seed (for the manifest)."""
        if self.spec.common_random_numbers:
            return "child k of SeedSequence(root_seed_entropy), k = replication (common random numbers)"
        return "child k of SeedSequence(root_seed_entropy), k = point * replications + replication"

    def stream(self, point: int, replication: int) -> int:
        """Child index of the root SeedSequence for (point, replication)."""
        if self.spec.common_random_numbers:
            return replication
        return point * self.spec.replications + replication

    def runs(self, points: pd.DataFrame | None = None, replications: range | None = None,
             strategies: list[str] | None = None) -> list[RunSpec]:
        """Every run of the design, in a fixed order: point, strategy, replication."""
        points = self.points() if points is None else points
        reps = range(self.spec.replications) if replications is None else replications
        out = []
        for p, row in points.iterrows():
            values = {k: plain(v) for k, v in row.items()}
            sc = self.scenario_at(values)
            payload = sc.model_dump_json()
            canon = sc.canonical_json()
            for strategy in strategies or self.spec.strategies:
                for r in reps:
                    k = self.stream(int(p), r)
                    out.append(RunSpec(run_key(canon, strategy, self.seed, k, self.outlook_paths), int(p), strategy, r,
                                       k, self.seed, payload, tuple(values.items()), self.tables, self.check,
                                       self.outlook_paths))
        return out


#: what an experiment may analyse: the declared summary metrics and the contribution margin
DECLARED_OUTPUTS: tuple[str, ...] = (*SUMMARY_METRICS, "contribution")


#: the most runs one experiment may have: beyond it the design is a typo or needs splitting
MAX_RUNS = 200_000
#: what one run costs the parent while the design is built and read back (specs, summary row)
BYTES_PER_RUN = 16 * 1024


def check_design_size(runs: int, source, field: str | None) -> None:
    """Refuse (exit 2), before any run, a design of more than :data:`MAX_RUNS` runs: the
    same answer on every machine."""
    if runs > MAX_RUNS:
        raise ScenarioError(source, field, f"the design has {runs:,} runs (points x strategies x replications); "
                                           f"expected at most {MAX_RUNS:,}: use fewer values, steps or samples")


def require_design_memory(runs: int, what: str) -> None:
    """Where a design starts: refuse (exit 2) one whose bookkeeping alone (run specs, the
    summary rows read back) would not fit in the memory this process may use."""
    need, free = runs * BYTES_PER_RUN, resources.available_memory()
    if free is not None and need > free:
        raise SiyuInputError(f"{what}: the design's {runs:,} runs need about {need / 2**30:.1f} GiB of memory to "
                             f"plan and collect, but this process can use {free / 2**30:.1f} GiB (free memory, "
                             "cgroup and ulimit limits); expected a smaller design")


def check_strategy(name: str, source, field: str | None) -> None:
    """``name`` is a registered strategy (shipped, or loaded with --strategies-from)."""
    try:
        get_strategy(name)
    except SiyuInputError as exc:
        raise ScenarioError(source, field, f"{exc}; a user strategy is loaded with --strategies-from FILE") from None


def check_outputs_declared(outputs, source, field: str | None, channels: list[str] | None = None) -> None:
    """Every output is a declared outcome (:mod:`sim.outcomes`), with a did-you-mean hint, or
    one channel's customer value, ``FIGURE[CHANNEL]`` (``ltv_12m[douyin]``: a figure of
    :data:`sim.customer_value.CHANNEL_FIGURES` and, where ``channels`` is given, one of them)."""
    for i, name in enumerate(outputs):
        where = f"{field}[{i}]" if field == "outputs" else field
        per_channel = split_channel_output(name)
        if per_channel is not None:
            figure, channel = per_channel
            if figure not in CHANNEL_FIGURES:
                raise ScenarioError(source, where, f"unknown output {name!r}: {figure!r} is not a figure by channel; "
                                                   f"expected FIGURE[CHANNEL] with FIGURE one of {', '.join(CHANNEL_FIGURES)}")
            if channels is not None and channel not in channels:
                raise ScenarioError(source, where, f"unknown output {name!r}: no channel {channel!r}; expected one "
                                                   f"of {', '.join(channels)} (the public channels, referral, arrival)")
            continue
        if name not in DECLARED_OUTPUTS:
            hint = difflib.get_close_matches(name, DECLARED_OUTPUTS, n=1)
            more = f"did you mean '{hint[0]}'?" if hint else "expected a summary metric (sim.outcomes) or contribution"
            raise ScenarioError(source, where, f"unknown output {name!r}; {more}")


def unit_sample(method: str, d: int, n: int, seed: int) -> np.ndarray:
    """``n`` points in [0, 1)^d by Latin hypercube or scrambled Sobol (scipy.stats.qmc)."""
    rng = np.random.default_rng(seed)
    if method == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    if method == "sobol":
        with warnings.catch_warnings():  # non-power-of-2 sizes are allowed, just less balanced
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d, scramble=True, rng=rng).random(n)
    raise SiyuInputError(f"unknown sampling method {method!r}; expected grid, lhs or sobol")


def single_point(scenario: Scenario, strategies: list[str], replications: int, seed: int | None = None,
                 name: str | None = None, keep_daily: bool = True) -> Experiment:
    """The design of a comparison: ``strategies`` on ``scenario`` as it is, ``replications``
    runs each on shared streams (common random numbers)."""
    spec = SweepSpec(name=name or scenario.name, strategies=list(strategies), replications=replications,
                     seed=seed, keep_daily=keep_daily)
    experiment = Experiment(spec, scenario, f"<{scenario.name}>", resolved=True)
    experiment.tables = ("daily", "retention", "cohorts") if keep_daily else ()
    return experiment
