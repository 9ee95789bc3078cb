"""A pool's state at the end of a run, saved as data (``siyu run ... --save-state FILE``)
and read back as the start of another run (``[start] state = "FILE"``).

The file is a NumPy ``.npz`` archive of plain arrays, read with ``allow_pickle=False``
(never a pickle, never code):

- ``pop.<column>``: every per-customer column of :mod:`sim.population` (one row per
  customer who ever joined);
- ``accounts.<field>``: the operator accounts (friend caps, friends, posting factors,
  ban state); ``groups.<field>``: the group chats (owning account, members, vitality);
- ``followups.<day>.delivery`` / ``.satisfaction``: follow-ups the desk has promised;
- ``super_users``: the members given one-to-one care (absent when none);
- ``meta``: UTF-8 JSON: ``format`` (``"siyu-state"``), ``format_version``, ``day`` (days
  simulated), ``scenario`` and ``scenario_hash`` of the run that wrote it, the public-domain
  counts ``unaware`` / ``exposed`` per segment, ``discount``, ``waiting_arrivals`` and
  ``streams`` (each random stream's bit-generator state).

A run that starts from a saved state continues the *pool*; its random streams are its own
(each replication of a comparison must draw differently). :func:`restore` with
``streams=True`` also continues the saved streams: the next day is then exactly the day
the saving run would have simulated next.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.files import write_atomic
from sim.population import COLUMNS, Population
from sim.scenario import Arrival

FORMAT, FORMAT_VERSION = "siyu-state", 1
#: per-customer columns added after the format's first files: a file without them reads as
#: members whose group stays began before the saved day (the seated ones on day 0), none
#: ended, and who are alike in readiness to buy (propensity 1)
LATER_COLUMNS = ("group_joined", "group_left", "group_quit", "buy_propensity")
_ACCOUNT_FIELDS = ("cap", "friends", "posting_factor", "banned_until", "bans")
_GROUP_FIELDS = ("account", "members", "vitality")


def _stream_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def save(model, path: str | Path) -> Path:
    """Write ``model``'s end state to ``path`` (atomically)."""
    pop = model.population
    arrays = {f"pop.{name}": getattr(pop, name).copy() for name in COLUMNS}
    arrays |= {f"accounts.{f}": getattr(model.accounts, f) for f in _ACCOUNT_FIELDS}
    arrays |= {f"groups.{f}": getattr(model.groups, f) for f in _GROUP_FIELDS}
    for day, (delivery, satisfaction) in model.desk.pending_followups.items():
        arrays[f"followups.{day}.delivery"] = np.asarray(delivery, np.int64)
        arrays[f"followups.{day}.satisfaction"] = np.asarray(satisfaction, np.int64)
    if model.super_users is not None:
        arrays["super_users"] = np.asarray(model.super_users)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "day": int(model.day),
            "scenario": model.scenario.name, "scenario_hash": model.scenario.hash,
            "unaware": pop.unaware.tolist(), "exposed": pop.exposed.tolist(), "discount": float(model.discount),
            "waiting_arrivals": [[int(n), a.model_dump(mode="json")] for n, a in model.waiting_arrivals],
            "streams": {name: _stream_state(rng) for name, rng in model.streams.items()} | {"model": _stream_state(model.rng)}}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_atomic(Path(path), buffer.getvalue())


def read(path: str | Path, source=None, field: str = "start.state") -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and arrays of a saved state; a :class:`ScenarioError` naming ``source``
    and ``field`` for a missing, damaged or foreign file."""
    path = Path(path)
    source = source or path
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(bytes(arrays.pop("meta")).decode("utf-8"))
    except FileNotFoundError:
        raise ScenarioError(source, field, f"no file {path}; expected a state written by siyu run --save-state") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ScenarioError(source, field, f"{path} is not a saved pool state ({type(exc).__name__}: {exc}); "
                                           "expected a file written by siyu run --save-state") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ScenarioError(source, field, f"{path} is not a saved pool state of format {FORMAT} "
                                           f"version {FORMAT_VERSION}")
    missing = [f"pop.{c}" for c in COLUMNS if f"pop.{c}" not in arrays and c not in LATER_COLUMNS]
    missing += [f"accounts.{f}" for f in _ACCOUNT_FIELDS if f"accounts.{f}" not in arrays]
    if missing:
        raise ScenarioError(source, field, f"{path} lacks {', '.join(missing)}; expected a file written by siyu run --save-state")
    return meta, arrays


def check_fits(scenario, path: str | Path, source=None) -> None:
    """The saved pool fits ``scenario``: its accounts and public channels exist there."""
    meta, arrays = read(path, source)
    n = arrays["accounts.cap"].size
    if n != scenario.accounts.count:
        raise ScenarioError(source or path, "start.state", f"the saved pool was run on {n} accounts; the scenario has "
                            f"accounts.count = {scenario.accounts.count}; expected the same number")


def restore(model, path: str | Path, streams: bool = False) -> int:
    """Replace ``model``'s pool, accounts, groups, promised follow-ups and day by the saved
    state (and, with ``streams``, its random streams); return the day it was saved on."""
    meta, arrays = read(path)
    pop = Population(unaware=np.asarray(meta["unaware"], np.int64), exposed=np.asarray(meta["exposed"], np.int64))
    size = arrays["pop.state"].size
    pop.reserve(max(size, 1024))
    pop.add(size)
    for name, (dtype, _) in COLUMNS.items():
        if f"pop.{name}" in arrays:
            getattr(pop, name)[:] = arrays[f"pop.{name}"].astype(dtype)
    if "pop.group_joined" not in arrays:  # a file from before group stays were kept
        pop.group_joined[pop.group >= 0] = 0
    model.population = pop
    for f in _ACCOUNT_FIELDS:
        setattr(model.accounts, f, arrays[f"accounts.{f}"].copy())
    for f in _GROUP_FIELDS:
        setattr(model.groups, f, arrays.get(f"groups.{f}", np.zeros(0)).astype(getattr(model.groups, f).dtype))
    model.groups._newest = {int(a): int(i) for i, a in enumerate(model.groups.account)}
    model.desk.pending_followups = {
        int(k.split(".")[1]): [arrays[k], arrays[k.replace(".delivery", ".satisfaction")]]
        for k in arrays if k.startswith("followups.") and k.endswith(".delivery")}
    model.super_users = arrays.get("super_users")
    model.waiting_arrivals = [[n, Arrival.model_validate(a)] for n, a in meta["waiting_arrivals"]]
    model.discount = float(meta["discount"])
    model.day = int(meta["day"])
    if model.invariants is not None:  # the restored pool is the new baseline of the checks
        model.invariants = type(model.invariants)(model)
    if streams:
        for name, rng in model.streams.items():
            rng.bit_generator.state = meta["streams"][name]
        model.rng.bit_generator.state = meta["streams"]["model"]
    return model.day
