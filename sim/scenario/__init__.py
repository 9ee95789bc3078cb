"""Scenario files: what a strategist writes, validated before anything runs.

A scenario is data (TOML, read with :mod:`tomllib`), never code. Every field has a
default, a declared unit (:mod:`sim.scenario.units`) and a meaning, and the shipped files
say where each value comes from (a sourced figure, or "assumption"). Unknown keys are
rejected so a misspelt lever never silently does nothing, and no value is coerced to
another type.

The schema is split by topic: :mod:`~sim.scenario.market` (audience, category, public
channels, Bass mode), :mod:`~sim.scenario.people` (private channels' reach, behaviour)
and :mod:`~sim.scenario.brand` (platform rules, accounts, levers, campaigns, service);
:mod:`~sim.scenario.overrides` changes a scenario by dotted path.

>>> s = Scenario.from_toml("scenarios/default.toml")   # doctest: +SKIP
>>> s.days, s.market.audience                           # doctest: +SKIP
(365, 60000)
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, model_serializer, model_validator

from sim.errors import ScenarioError, format_validation_error
from sim.scenario.brand import (SHARE_SUM_TOLERANCE, Accounts, Campaign, Levers, Platform, Service,
                                StrategyChoice)
from sim.scenario.files import MAX_FILE_BYTES, read_toml
from sim.scenario.market import Arrival, Bass, Category, Market, PublicChannel
from sim.scenario.overrides import apply_paths, get_path, set_path
from sim.scenario.people import Behaviour, PrivateChannels
from sim.scenario.start import Start
from sim.scenario.valuation import Valuation
from sim.scenario.uncertainty import DISTRIBUTIONS, Uncertainty
from sim.scenario.units import UNITS, Strict, param, unit_of
from sim.scenario.writing import scenario_toml

#: working memory per person besides the stored state: the rules' temporary masks and
#: random draws over all rows (an upper estimate, see Scenario.memory_estimate)
WORKING_BYTES_PER_CUSTOMER = 64
#: bytes of state per customer row (sim.population's columns; checked by a test)
STATE_BYTES_PER_CUSTOMER = 66


#: fields added after scenarios were first hashed, with the value that leaves their mechanism off
LATER_FIELDS = {"bass": None, "behaviour.drop_out_shape": 0.0, "behaviour.buy_rate_shape": 0.0,
                "behaviour.arrival_walk_out": 1.0, "market.pool_trust_concentration": 8.0, "strategy.schedule": [],
                "start": {"strategy": None, "days": 0, "state": None}, "valuation": {"discount_rate": 0.0}}


def _content_digest(path: str) -> str:
    """SHA-256 of a file's content (``missing`` if it cannot be read: the run will say why)."""
    try:
        return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing:" + path


class Scenario(Strict):
    """One world to simulate: market, category, channels, platform, accounts, strategy overrides."""

    name: str = param("scenario", unit="text", min_length=1, max_length=200, description="scenario name shown in outputs")
    description: str = param("", unit="text", max_length=5000, description="free text for reports")
    days: int = param(365, unit="days", ge=1, le=3650, description="horizon, days")
    seed: int = param(20261125, unit="seed", ge=0, lt=2**63, description="root seed for replications")
    market: Market = Field(default_factory=Market)
    category: Category = Field(default_factory=Category)
    public_channels: list[PublicChannel] = Field(
        default_factory=lambda: [PublicChannel(name="douyin", cost_per_contact=1.0)],
        description="public platforms contacts are bought on")
    private: PrivateChannels = Field(default_factory=PrivateChannels)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    platform: Platform = Field(default_factory=Platform)
    accounts: Accounts = Field(default_factory=Accounts)
    strategy: StrategyChoice = Field(default_factory=StrategyChoice)
    # the TOML text it was read from (comments say where values come from; the report shows them)
    _source_text: str | None = PrivateAttr(default=None)
    service: Service = Field(default_factory=Service)
    campaigns: list[Campaign] = Field(default_factory=list, description="promotion periods ([[campaigns]])")
    bass: Bass | None = Field(None, description="Bass mode ([bass] p, q): diffusion only, for model validation; absent = the full model")
    start: Start = Field(default_factory=Start, description="history before day 0 ([start]): a warm-up strategy and its days")
    valuation: Valuation = Field(default_factory=Valuation, description="how customer value is counted ([valuation])")
    uncertainties: dict[str, Uncertainty] = Field(
        default_factory=dict, description="plausible ranges of assumptions, by dotted path ([uncertainties.\"path\"]); "
                                          "varied only by a robust comparison (siyu compare --uncertain N)")

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        names = [c.name for c in self.public_channels]
        if len(set(names)) != len(names):
            raise ValueError(f"public_channels: names must be unique, got {names}")
        for who, lev in self.strategy.levers.items():
            unknown = sorted(set(lev.channel_mix) - set(names))
            if unknown:
                raise ValueError(f"strategy.levers.{who}.channel_mix: unknown public channel(s) "
                                 f"{', '.join(map(repr, unknown))}; expected names from public_channels: {names}")
        for i, c in enumerate(self.campaigns):
            if c.start >= self.days:
                raise ValueError(f"campaigns[{i}].start: campaign '{c.name}' starts on day {c.start}, after the horizon "
                                 f"of {self.days} days; expected a start day below {self.days}")
        # negative days are the warm-up's: day -k is k days before the measured run's day 0
        warm_up = self.start.days
        dated = [(f"campaigns[{i}].start", c.start) for i, c in enumerate(self.campaigns)]
        dated += [(f"market.arrivals[{i}].day", a.day) for i, a in enumerate(self.market.arrivals)]
        for field, day in dated:
            if day < -warm_up:
                covers = f"its warm-up covers days -{warm_up} to -1" if warm_up else "it has no [start] warm-up"
                raise ValueError(f"{field}: day {day} falls before the scenario's first simulated day ({covers}); "
                                 f"expected a day of at least {-warm_up} (negative days are days of a warm-up: "
                                 "[start] strategy and days)")
        if self.bass is not None and self.market.arrivals:
            raise ValueError("market.arrivals: Bass mode ([bass]) is diffusion only; expected no arrivals with [bass]")
        cap = self.friend_cap * self.accounts.count
        if self.market.initial_pool > cap and "friend" in self.market.initial_pool_channels:
            raise ValueError(
                f"market.initial_pool: {self.market.initial_pool} exceeds the accounts' friend capacity "
                f"({self.accounts.count} x {self.friend_cap} = {cap})")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_ranges(self, handler):
        # a scenario that declares no ranges serialises exactly as before ranges existed
        data = handler(self)
        if isinstance(data, dict) and not self.uncertainties:
            data.pop("uncertainties", None)
        return data

    @property
    def friend_cap(self) -> int:
        """Friends one account may hold, for its kind."""
        p = self.platform
        return p.personal_friend_cap if self.accounts.kind == "personal" else p.wecom_contact_cap

    # -- loading -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario file; raise :class:`ScenarioError` naming file and field."""
        path = Path(path)
        data, text = read_toml(path)
        start = data.get("start")
        if isinstance(start, dict) and isinstance(start.get("state"), str):
            # a saved pool is named relative to the scenario file; the run needs where it lies
            saved = path.parent / start["state"]
            try:
                found = saved.is_file()
            except (OSError, ValueError):  # a name no file system takes (too long, a NUL byte)
                found = False
            if not found:
                raise ScenarioError(path, "start.state", f"'{start['state']}' is not a file (looked for {saved}); "
                                                         "expected a pool written by siyu run --save-state")
            start["state"] = str(saved.resolve())
        scenario = cls.from_dict(data, source=path)
        scenario._source_text = text
        return scenario

    @classmethod
    def from_dict(cls, data: dict, source: str | Path = "<dict>") -> "Scenario":
        """Validate a plain dict (as read from TOML). The answer depends on the data alone,
        never on the machine (resources are checked where a run starts)."""
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise format_validation_error(exc, source, cls) from None
        except RecursionError:
            raise ScenarioError(source, None, "values nested too deeply; expected a flat TOML scenario") from None
        for path, u in scenario.uncertainties.items():
            for end in (u.low, u.high):  # each end of a range must itself be a valid world
                try:
                    scenario.world({path: end}, source=source)
                except ScenarioError as exc:
                    raise ScenarioError(source, f"uncertainties.{path}",
                                        f"value {end:g} gives an invalid scenario ({exc.field}: {exc.message})") from None
        return scenario

    def world(self, values: dict[str, float], source: str | Path | None = None) -> "Scenario":
        """One plausible world: this scenario without its uncertainties, with ``values`` (dotted
        path -> number) set. A value for a whole-number field is rounded to the nearest integer."""
        source = str(source or f"<{self.name} world>")
        data = self.model_dump()
        data.pop("uncertainties", None)
        changes = {}
        for path, v in values.items():
            current = get_path(data, path, source)
            v = float(v)
            changes[path] = int(round(v)) if isinstance(current, int) and not isinstance(current, bool) else v
        world = type(self).from_dict(apply_paths(data, changes, source), source=source)
        world._source_text = self._source_text
        return world

    def with_overrides(self, changes: dict[str, Any] | None = None, /, source: str | None = None,
                       **fields: Any) -> "Scenario":
        """A validated copy with fields changed: top-level names as keywords (``days=90``) or
        dotted paths in a dict (``{"market.audience": 10000}``; see :mod:`sim.scenario.overrides`).

        Shortening ``days`` drops campaigns that would start after the new horizon (a
        file must keep its campaigns inside its own horizon; a shorter run of it simply
        ends before them). A bad path or value is a :class:`ScenarioError` naming it.
        """
        source = source or f"<{self.name} overrides>"
        data = apply_paths(self.model_dump(), {**(changes or {}), **fields}, source)
        changed = type(self).from_dict(data, source=source)
        changed._source_text = self._source_text  # the report marks values that differ from the file
        return changed

    def to_toml(self, changes: dict[str, Any] | None = None, header: list[str] | tuple[str, ...] = (),
                uncertainties: dict[str, dict] | None = None, notes: dict[str, str] | None = None) -> str:
        """This scenario as a TOML file, with ``changes`` (dotted path -> value) set,
        ``uncertainties`` (dotted path -> range table) declared, ``header`` as comment lines
        and ``notes`` (dotted path -> text) as comments after the values they name: the
        tables its file wrote (or, for a scenario built in code or changed since it was
        read, all of them), so a file read back gives ``self.with_overrides(changes)`` with
        those ranges."""
        data = tomllib.loads(self._source_text) if self._source_text is not None else None
        if data is None or type(self).from_dict(data).canonical_json() != self.canonical_json():
            data = self.model_dump(exclude_none=True)
        if uncertainties:
            data = {**data, "uncertainties": {**data.get("uncertainties", {}), **uncertainties}}
        return scenario_toml(data, dict(changes or {}), list(header), source=f"<{self.name} file>", notes=notes)

    # -- resources -----------------------------------------------------------------
    def memory_estimate(self) -> int:
        """Bytes one run may need at worst: every person in the audience becomes a
        customer row (its state, x2.5 while the arrays grow) plus the rules' working arrays."""
        per_row = 2.5 * STATE_BYTES_PER_CUSTOMER + WORKING_BYTES_PER_CUSTOMER
        return int(self.market.audience * per_row)

    # -- identity ------------------------------------------------------------------
    def canonical_json(self) -> str:
        """Every parameter, defaults included, in a stable order: what the hash covers. A
        field added to the schema later is left out while it has its neutral value (the
        mechanism it switches on is off), so a world that does not use it keeps its hash."""
        data = self.model_dump(mode="json")
        for path, neutral in LATER_FIELDS.items():
            *tables, name = path.split(".")
            node = data
            for table in tables:
                node = node.get(table) or {}
            if name in node and node[name] == neutral:
                del node[name]
        # the hash names the world simulated; the ranges of other plausible worlds are not
        # part of it (a robust comparison keys each world by its own values)
        data.pop("uncertainties", None)
        if data.get("start", {}).get("state"):  # a saved pool is named by its content, not its place
            data["start"]["state"] = _content_digest(data["start"]["state"])
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the canonical scenario: same hash, same world."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()[:16]


__all__ = [
    "Accounts", "Arrival", "Bass", "Behaviour", "Campaign", "Category", "DISTRIBUTIONS", "Uncertainty", "Levers", "MAX_FILE_BYTES", "Market",
    "Platform", "PrivateChannels", "PublicChannel", "Start", "Valuation", "SHARE_SUM_TOLERANCE", "Scenario", "Service", "Strict",
    "StrategyChoice", "UNITS", "apply_paths", "get_path", "param", "read_toml", "set_path", "unit_of",
]
