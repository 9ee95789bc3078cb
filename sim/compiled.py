"""``njit``: numba's compiler for the few per-customer loops that numpy cannot fuse.

Issue 4 asks for a million-customer day in well under a tenth of a second. Whole-array
numpy spends most of that writing temporaries; a loop that reads each customer once
does not. Each compiled loop is the only implementation of its rule (plain Python that
numba compiles; ``NUMBA_DISABLE_JIT=1`` runs it as Python), so there is one source of
truth per rule. Compiled code is cached next to the module (``cache=True``).
"""

from __future__ import annotations

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; this keeps a broken install usable
    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

__all__ = ["njit"]
