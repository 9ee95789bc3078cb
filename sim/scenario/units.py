"""The vocabulary of a scenario's parameters: one strict base for every table, and the
unit each field is measured in, declared with the field.

A scenario file is strict data: a boolean is not a number, a string is neither, an
unknown key is an error (never a silently ignored lever). Every leaf field declares its
unit (``param(..., unit="share")``), so readers (the report's assumptions table, the
explorer's sliders) never guess it from the wording of a description.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

#: unit keys: what a number of that unit means (the report prints them in en / zh)
UNITS = {
    "share": "a share of a whole, 0-1",
    "probability": "a chance per event, 0-1",
    "prob_day": "a chance per day (a daily hazard)",
    "yuan": "yuan",
    "yuan_day": "yuan per day",
    "yuan_hour": "yuan per staff hour",
    "yuan_contact": "yuan per person reached",
    "yuan_post": "yuan per post",
    "days": "a number of days",
    "day_index": "a day of the run, counted from 0",
    "hour": "an hour of the day, 0-24",
    "minutes": "minutes",
    "count": "a count",
    "people": "a number of people",
    "factor": "a relative multiplier",
    "exponent": "an exponent",
    "sigma": "a log-normal standard deviation",
    "shape": "a gamma shape",
    "concentration": "a Beta concentration (higher = closer to the mean)",
    "per_day": "times per day",
    "msgs_day": "messages per day",
    "msgs_member_day": "messages per member per day",
    "trust": "a trust level, 0-1",
    "share_per_msg": "a share of trust (or of the room left to full trust) per message",
    "fatigue": "fatigue units (1 = a typical person's tolerance)",
    "fatigue_per_msg": "fatigue units per message",
    "flag": "yes / no",
    "text": "text",
    "choice": "one of a fixed set of words",
    "list": "a list",
    "seed": "a random seed",
    "as_path": "in the unit of the parameter a range is declared for",
}


class Strict(BaseModel):
    """Base of every scenario and experiment table: unknown keys are errors, no value is
    coerced to another type (``true`` is not ``1``, ``"30"`` is not ``30``), no infinities."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False, strict=True)


def param(default: Any = PydanticUndefined, *, unit: str, description: str, **constraints: Any) -> Any:
    """A scenario field with its unit (a key of :data:`UNITS`) and meaning."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)


def unit_of(model: type[BaseModel], name: str) -> str | None:
    """The declared unit of field ``name`` of ``model`` (None for a nested table)."""
    extra = model.model_fields[name].json_schema_extra
    return extra.get("unit") if isinstance(extra, dict) else None
