"""``njit``: numba's compiler for the per-customer loops that numpy cannot fuse.

Whole-array numpy spends most of a million-customer day writing temporaries; a loop
that reads each customer once does not. Each compiled loop is the only implementation
of its rule (plain Python that numba compiles; ``NUMBA_DISABLE_JIT=1`` runs it as
Python), and lives in the module of the rule it implements. Compiled code is cached
next to the module (``cache=True``).

The loops stay in float32 like the arrays they read: a float64 literal or an int ``1``
would promote a loop to float64 and stop it vectorising, hence :data:`F32` and :data:`ONE`.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; this keeps a broken install usable
    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

F32 = np.float32
ONE = F32(1)  # a float32 literal keeps float32 loops in float32

__all__ = ["F32", "ONE", "njit"]
