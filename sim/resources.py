"""Whether a run fits in this machine: the memory guard that runs where a run starts.

Validating a scenario file never depends on the machine; starting a run does. Memory
available to this process is the smallest of what the machine has free
(``MemAvailable``), what its control group still allows (cgroup v2 ``memory.max`` or v1
``memory.limit_in_bytes``, less what the group uses) and what ``ulimit -v`` / ``-d``
leave of the address space.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from sim.errors import SiyuInputError

_CGROUP = Path("/sys/fs/cgroup")


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """Bytes the process's memory control group still allows, if it has a limit."""
    limit = _read_int(_CGROUP / "memory.max")
    used = _read_int(_CGROUP / "memory.current")
    if limit is None:  # cgroup v1
        limit = _read_int(_CGROUP / "memory" / "memory.limit_in_bytes")
        used = _read_int(_CGROUP / "memory" / "memory.usage_in_bytes")
        if limit is not None and limit >= 2**60:  # v1's "no limit"
            return None
    if limit is None:
        return None
    return max(limit - (used or 0), 0)


def _rlimit_room() -> int | None:
    """Bytes of address space (``ulimit -v``) or data segment (``ulimit -d``) left."""
    rooms = []
    for kind in (resource.RLIMIT_AS, getattr(resource, "RLIMIT_DATA", None)):
        if kind is None:
            continue
        soft, _ = resource.getrlimit(kind)
        if soft == resource.RLIM_INFINITY:
            continue
        vm = None
        try:
            with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmSize:" if kind == resource.RLIMIT_AS else "VmData:"):
                        vm = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        rooms.append(max(soft - (vm or 0), 0))
    return min(rooms) if rooms else None


def available_memory() -> int | None:
    """Bytes a new allocation of this process can take, or None if nothing is known."""
    known = [m for m in (_meminfo("MemAvailable"), _cgroup_room(), _rlimit_room()) if m is not None]
    return min(known) if known else None


def require_memory(scenario, copies: int = 1, what: str = "market.audience") -> None:
    """Refuse (exit 2) to start ``copies`` simultaneous runs of ``scenario`` that would not
    fit: the message says how much they need and how much there is."""
    need = scenario.memory_estimate() * max(1, copies)
    free = available_memory()
    if free is not None and need > free:
        runs = f" for {copies} parallel runs" if copies > 1 else ""
        raise SiyuInputError(
            f"{what}: {scenario.market.audience:,} people need about {need / 2**30:.1f} GiB of memory{runs} "
            f"but this process can use {free / 2**30:.1f} GiB (free memory, cgroup and ulimit limits); "
            f"expected a smaller audience (or fewer workers)")
