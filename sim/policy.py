"""What the engine asks of a strategy: the day's levers and how to split the acquisition
budget. Strategies themselves (harvest, nurture, a user's) live in :mod:`agents.strategy`;
the engine only needs an object that answers these two questions."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from sim.scenario import Levers, Scenario


@runtime_checkable
class Policy(Protocol):
    """A strategy as the engine sees it."""

    name: str | None

    def levers(self, day: int, model: Any) -> Levers:
        """The levers for ``day`` (0-based); ``model`` is the running model."""

    def channel_weights(self, scenario: Scenario, levers: Levers) -> np.ndarray:
        """Share of the acquisition budget per public channel (sums to 1)."""


def require_policy(strategy: Any) -> Policy:
    """``strategy`` itself if it is a :class:`Policy`; a clear ``TypeError`` otherwise (a name
    is turned into a strategy by :func:`agents.strategy.make_strategy` or ``siyu.simulate``)."""
    if isinstance(strategy, Policy):
        return strategy
    raise TypeError(f"the engine takes a strategy object, not {strategy!r}; turn a name into one with "
                    "agents.make_strategy(scenario, name), or run it with siyu.simulate(scenario, name)")
