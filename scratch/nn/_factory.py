"""Where a layer's parameters live: the backend, dtype and random generator it was given.

Layers take keyword-only ``backend=None`` (a name such as ``"strict"`` or a
``scratch.backend.Backend``; default ``SCRATCH_BACKEND`` or numpy), ``dtype=None``
(default float32; a dtype of that backend or its name) and ``rng=None`` (an int seed,
a ``scratch.backend.Rng``, or None for fresh entropy). These helpers turn them into
concrete objects, so every layer resolves them the same way.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend, backend_of, resolve_rng  # noqa: F401 - re-exported for nn
from ..backend import resolve as resolve_backend  # noqa: F401


def resolve_dtype(bk: Backend, dtype: Any = None):
    """The dtype object of ``bk`` for ``dtype`` (None means float32, a str names one)."""
    if dtype is None:
        return bk.xp.float32
    if isinstance(dtype, str):
        if dtype not in ("float16", "float32", "float64"):
            raise ValueError(f"dtype must be float16, float32 or float64, got {dtype!r}")
        return getattr(bk.xp, dtype)
    if not bk.xp.isdtype(dtype, "real floating"):
        raise TypeError(f"dtype must be a real floating dtype, got {dtype}")
    return dtype
