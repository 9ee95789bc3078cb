"""The explorer's controls, read off the scenario schema rather than listed by hand.

Every numeric or yes/no leaf field of a scenario table becomes a :class:`Control` with
the bounds, unit and description its pydantic field declares (``param(..., unit=)``,
:mod:`sim.scenario.units`), so a field added to the schema appears in the explorer with
no UI work. Levers are per side: the control for ``moments_posts`` of harvest starts at
harvest's own value (preset, then the scenario's overrides) and writes
``strategy.levers.harvest.moments_posts``. Changes go through
:meth:`Scenario.with_overrides` (dotted paths), the one override mechanism.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from agents.strategy import make_strategy
from sim.scenario import Levers, Scenario
from sim.scenario.units import unit_of

#: scenario tables whose fields are assumptions the explorer offers, in the order shown
ASSUMPTION_TABLES = ("market", "category", "private", "behaviour", "service", "platform", "accounts")
#: a slider spans at most this many times the starting value when the declared bound is far beyond it
SLIDER_REACH = 10.0
#: slider positions between its ends (about)
SLIDER_STEPS = 200


@dataclass(frozen=True)
class Control:
    """One field as a control: ``kind`` is ``slider`` (a number), ``switch`` (yes/no) or
    ``select`` (one of ``choices``). ``low``/``high`` are the declared bounds (``None``:
    unbounded; ``low_open``/``high_open`` when the bound itself is excluded); the slider
    spans ``slider_low``-``slider_high`` and a typed value may go anywhere in the bounds."""

    path: str
    name: str
    table: str
    kind: Literal["slider", "switch", "select"]
    unit: str
    description: str
    value: Any
    integer: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    slider_low: float = 0.0
    slider_high: float = 1.0
    step: float = 1.0
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The field's name as words (``moments_posts`` -> ``moments posts``)."""
        return self.name.replace("_", " ")


def _bounds(info) -> tuple[float | None, float | None, bool, bool]:
    low = high = None
    low_open = high_open = False
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            low = float(m.ge)
        elif isinstance(m, annotated_types.Gt):
            low, low_open = float(m.gt), True
        elif isinstance(m, annotated_types.Le):
            high = float(m.le)
        elif isinstance(m, annotated_types.Lt):
            high, high_open = float(m.lt), True
    return low, high, low_open, high_open


def _nice_step(span: float, integer: bool) -> float:
    raw = span / SLIDER_STEPS
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return max(1.0, round(step)) if integer else step


def _scalar_type(annotation) -> type | None:
    """``int``, ``float``, ``bool`` or ``Literal`` of a leaf field (``X | None`` counts as ``X``)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is Literal:
        return Literal
    return annotation if annotation in (int, float, bool) else None


def field_control(model: type[BaseModel], name: str, path: str, table: str, value: Any) -> Control | None:
    """The control for field ``name`` of ``model`` now at ``value``; ``None`` for fields a
    control cannot set (text, lists, tables, an unset optional number)."""
    info = model.model_fields[name]
    kind = _scalar_type(info.annotation)
    unit = unit_of(model, name) or ""
    common = dict(path=path, name=name, table=table, unit=unit, description=info.description or "", value=value)
    if kind is bool:
        return Control(kind="switch", **common)
    if kind is Literal:
        return Control(kind="select", choices=tuple(str(c) for c in typing.get_args(info.annotation)), **common)
    if kind not in (int, float) or value is None or unit in ("seed", "day_index"):
        return None
    low, high, low_open, high_open = _bounds(info)
    integer = kind is int
    start = abs(float(value))
    slider_low = low if low is not None else -SLIDER_REACH * max(start, 1.0)
    reach = SLIDER_REACH * max(start, 1.0)
    slider_high = high if high is not None and high - slider_low <= reach else slider_low + reach
    if integer:
        slider_high = float(math.ceil(slider_high))
    step = _nice_step(slider_high - slider_low, integer)
    slider_low = math.floor(slider_low / step) * step  # the slider's positions are multiples of its step
    if low_open:  # the excluded end is never a slider position
        slider_low += step
    if high_open:
        slider_high -= step
    return Control(kind="slider", integer=integer, low=low, high=high, low_open=low_open, high_open=high_open,
                   slider_low=slider_low, slider_high=max(slider_high, float(value)), step=step, **common)


def lever_controls(scenario: Scenario, strategy: str) -> list[Control]:
    """A control per lever of ``strategy``, starting at the value it runs with in ``scenario``."""
    base = make_strategy(scenario, strategy).base
    out = []
    for name in Levers.model_fields:
        c = field_control(Levers, name, f"strategy.levers.{strategy}.{name}", strategy, getattr(base, name))
        if c is not None:
            out.append(c)
    return out


def assumption_controls(scenario: Scenario) -> dict[str, list[Control]]:
    """Controls per assumption table (:data:`ASSUMPTION_TABLES`), at the scenario's values."""
    out = {}
    for table in ASSUMPTION_TABLES:
        node = getattr(scenario, table)
        model = type(node)
        controls = [field_control(model, name, f"{table}.{name}", table, getattr(node, name))
                    for name in model.model_fields]
        out[table] = [c for c in controls if c is not None]
    return out


def run_controls(scenario: Scenario) -> list[Control]:
    """The run's own settings that live in the scenario: horizon and population size."""
    days = field_control(Scenario, "days", "days", "run", scenario.days)
    audience = field_control(type(scenario.market), "audience", "market.audience", "run", scenario.market.audience)
    return [c for c in (audience, days) if c is not None]


def parse_typed(control: Control, text: str) -> Any:
    """A value typed into ``control``'s field, as its type; ``ValueError`` naming what was
    expected. Whether it is in bounds is the schema's to say (through ``with_overrides``)."""
    text = text.strip()
    try:
        return int(text) if control.integer else float(text)
    except ValueError:
        kind = "a whole number" if control.integer else "a number"
        raise ValueError(f"{control.path}: '{text}' is not {kind}") from None
