"""Two strategies stepped side by side, day by day, for the explorer's live view.

A :class:`LiveComparison` holds one :class:`~sim.model.PoolModel` per (strategy,
replication). Replication ``i`` of every strategy runs on the ``i``-th stream of the
seed (:func:`sim.model.seed_sequence`), exactly as ``siyu compare`` runs it, so the
strategies share their random numbers (common random numbers) and a finished live run
equals the comparison with the same scenario, strategies, seed and replications.

Everything the view draws comes from here as plain arrays (``days x replications``) so
the charts never touch a model; the headline verdict is the comparison's own
(:func:`experiments.compare.statistics` then :func:`reports.compare_report.verdicts`),
computed on the days simulated so far.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.strategy import make_strategy
from experiments.compare import statistics
from reports.compare_report import verdicts
from sim.errors import SiyuInputError
from sim.metrics import funnel_counts, summarize
from sim.model import PoolModel, seed_sequence
from sim.resources import require_memory
from sim.scenario import Scenario
from sim.simulation import daily_table, identity

#: replications the live view runs at most (each one is a full model per strategy)
MAX_REPLICATIONS = 5
#: daily columns the live charts draw
SERIES = ("active", "muted", "lost", "banned", "pool", "gmv", "orders", "mean_trust", "mean_fatigue",
          "trust_p10", "trust_p90", "fatigue_p10", "fatigue_p90", "acquisition_cost", "reward_cost",
          "operating_cost", "take_paid")


@dataclass(frozen=True)
class Settings:
    """What one live run is: the scenario (with every override applied), the two
    strategies (first, second: the verdict is second vs first), seed and replications."""

    scenario: Scenario
    first: str = "harvest"
    second: str = "nurture"
    seed: int = 20261125
    replications: int = 1

    def checked(self) -> "Settings":
        """Itself, or a :class:`~sim.errors.SiyuInputError` naming the bad setting."""
        if not 1 <= self.replications <= MAX_REPLICATIONS:
            raise SiyuInputError(f"replications: {self.replications}; expected 1-{MAX_REPLICATIONS} in the explorer")
        if self.first == self.second:
            raise SiyuInputError(f"strategies: both sides are '{self.first}'; expected two different strategies")
        if not 0 <= self.seed < 2**63:
            raise SiyuInputError(f"seed: {self.seed}; expected a whole number from 0 to 2^63-1")
        return self


class LiveComparison:
    """The models of one live run, stepped together; built only from valid settings.

    Building it checks memory (:func:`sim.resources.require_memory`) and names an unknown
    strategy (:class:`~sim.errors.SiyuInputError`) before any day is simulated.
    """

    def __init__(self, settings: Settings):
        self.settings = s = settings.checked()
        self.strategies = (s.first, s.second)
        self.lock = threading.RLock()  # held while models step; readers take it too
        require_memory(s.scenario, copies=2 * s.replications)
        self.models: dict[str, list[PoolModel]] = {
            name: [PoolModel(s.scenario, make_strategy(s.scenario, name), seed_sequence(s.seed, r))
                   for r in range(s.replications)]
            for name in self.strategies}

    @property
    def day(self) -> int:
        """Days simulated so far (every model is on the same day)."""
        return self.models[self.strategies[0]][0].day

    @property
    def days(self) -> int:
        """The horizon."""
        return self.settings.scenario.days

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def advance(self, days: int = 1) -> int:
        """Step every model ``days`` days (never past the horizon); the days stepped."""
        with self.lock:
            n = max(0, min(days, self.days - self.day))
            for _ in range(n):
                for runs in self.models.values():
                    for m in runs:
                        m.step()
        return n

    def series(self, name: str) -> dict[str, np.ndarray]:
        """The daily column ``name`` so far, per strategy, as ``days x replications``."""
        with self.lock:
            return self._series(name)

    def _series(self, name: str) -> dict[str, np.ndarray]:
        out = {}
        for strategy, runs in self.models.items():
            cols = [np.asarray(m.datacollector.model_vars[name], dtype=float) for m in runs]
            out[strategy] = np.column_stack(cols) if cols and cols[0].size else np.zeros((0, len(runs)))
        return out

    def funnel(self) -> dict[str, dict[str, float]]:
        """Funnel counts (:func:`sim.metrics.funnel_counts`) per strategy, mean over replications."""
        out = {}
        with self.lock:
            for strategy, runs in self.models.items():
                counts = [funnel_counts(m.population) for m in runs]
                out[strategy] = {k: float(np.mean([c[k] for c in counts])) for k in counts[0]}
        return out

    def summary(self) -> dict | None:
        """What ``comparison.json`` would hold for the days simulated so far (``days`` is
        that count); ``None`` before the first day."""
        s = self.settings
        rows, dailies = [], []
        with self.lock:
            if self.day == 0:
                return None
            for strategy, runs in self.models.items():
                for r, m in enumerate(runs):
                    daily = daily_table(m.datacollector.get_model_vars_dataframe())
                    rows.append(identity(s.scenario, strategy, s.seed, r) | summarize(m, daily))
                    dailies.append(daily.assign(strategy=strategy, replication=r))
            day = self.day
        summary = statistics(s.scenario, list(self.strategies), s.replications, s.seed,
                             pd.DataFrame(rows), pd.concat(dailies, ignore_index=True))
        summary["days"] = day
        return summary

    def verdicts(self, lang: str = "en") -> list[str]:
        """The headline sentences, worded as ``siyu compare`` and the report word them."""
        summary = self.summary()
        return verdicts(summary, lang) if summary is not None else []
