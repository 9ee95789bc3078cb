"""Where a run starts ([start]): a fresh pool (the default), or a pool shaped by history.

A warm-up (``[start] strategy = "harvest"``, ``days = 730``) simulates ``days`` days of
the pool run by ``strategy`` before day 0; the run's own days follow on the same model
and the same random streams, and only they are counted in the outcomes (see
:mod:`sim.warm_start`). A saved pool (``[start] state = "pool.npz"``, written by
``siyu run --save-state``; :mod:`sim.state`) is the history instead: the run continues that
pool on its own random streams. A path written in a scenario file is relative to that file's
folder; one given on the command line (``--set start.state=FILE``) is relative to the working
folder. Either is checked before anything runs (exit 2 naming the file and ``start.state``);
the scenario's hash covers the saved file's content, not its place.

Days are counted on the measured run's calendar: day 0 is its first day, and a warm-up of
``days = N`` runs days ``-N`` to ``-1``. Campaigns and arrivals the scenario declares on
negative days run in the warm-up (a campaign may run on past day 0); a saved pool's history
is already made, so with ``state`` (or no warm-up) every day is 0 or later.
"""

from __future__ import annotations

from pydantic import model_validator

from sim.scenario.units import Strict, param


class Start(Strict):
    """The history a run starts from ([start]); absent = a fresh pool on day 0."""

    strategy: str | None = param(None, unit="text", min_length=1,
                                 description="strategy that ran the pool during the warm-up (a registered name)")
    days: int = param(0, unit="days", ge=0, le=3650,
                      description="days of history simulated before day 0 (not counted in the outcomes)")
    state: str | None = param(None, unit="text", min_length=1,
                              description="a pool saved by siyu run --save-state to start from (a path relative to the scenario file; with --set, to the working folder)")

    @model_validator(mode="after")
    def _both_or_neither(self) -> "Start":
        if self.state is not None and (self.days or self.strategy is not None):
            raise ValueError("start.state: a run starts from a saved pool or from a warm-up, not both; "
                             "expected state alone, or strategy and days")
        if self.days > 0 and self.strategy is None:
            raise ValueError("start.strategy: a warm-up of days > 0 needs the strategy that ran it, "
                             "e.g. strategy = \"harvest\"")
        if self.strategy is not None and self.days == 0:
            raise ValueError("start.days: a warm-up strategy needs days > 0 of history, e.g. days = 730")
        return self
