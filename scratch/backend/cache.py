"""How large a loop's temporaries should be on a device: cache-sized chunks on a CPU,
the whole batch on a GPU. ``working_set(nbytes)`` changes the CPU size for a block."""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from .arrays import backend_name, device_of

# The bytes a loop's temporary working set (a chunk of im2col columns) should stay within
# on a CPU by default: a few MiB keep it in the L2/L3 caches, where the GEMM that reads it
# runs up to twice as fast as on one large matrix streamed from memory (measured on a
# 2-core Xeon with OpenBLAS: 222 GFLOP/s on 1024-row chunks against 105 on all 32768 rows).
CPU_WORKING_SET = 6 * 2**20

# The CPU working set in force. A context variable, so a ``working_set`` block changes it
# for its own thread (and asyncio task) only; other threads keep the default.
_cpu_working_set: ContextVar[int | None] = ContextVar(
    "scratch_cpu_working_set", default=CPU_WORKING_SET
)


@contextlib.contextmanager
def working_set(nbytes: int | None) -> Iterator[None]:
    """Within the block, CPU loops chunk their temporaries to ``nbytes`` bytes.

    ``None`` lifts the bound (every loop does its whole batch at once, as on a GPU). The
    previous size comes back when the block ends, also on an exception; blocks nest.

    Parameters
    ----------
    nbytes : positive int or None
        The CPU working-set size in bytes (default outside any block: ``CPU_WORKING_SET``).

    Raises
    ------
    ValueError
        When ``nbytes`` is not a positive int or None.
    """
    if nbytes is not None and (
        isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral) or nbytes < 1
    ):
        raise ValueError(f"nbytes must be a positive int or None, got {nbytes!r}")
    token = _cpu_working_set.set(None if nbytes is None else int(nbytes))
    try:
        yield
    finally:
        _cpu_working_set.reset(token)


def working_set_bytes(x: Any) -> int | None:
    """How large a chunk of temporaries on x's device should be; None: do it all at once.

    CPU libraries (numpy, strict, torch on the cpu) get the CPU working set in force
    (``CPU_WORKING_SET`` unless a ``working_set`` block says otherwise); a GPU gets None,
    since one launch over the whole batch beats many small ones there.

    Parameters
    ----------
    x : array or Tensor
        An array of any supported library (a Tensor is looked through to its array).
    """
    name = backend_name(x)
    if name == "cupy" or (name == "torch" and getattr(device_of(x), "type", "cpu") != "cpu"):
        return None
    return _cpu_working_set.get()
