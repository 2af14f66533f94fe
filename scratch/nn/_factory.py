"""Where a layer's parameters live: the backend, dtype and random generator it was given.

Layers take keyword-only ``backend=None`` (a name such as ``"strict"`` or a
``scratch.backend.Backend``; default ``SCRATCH_BACKEND`` or numpy), ``dtype=None``
(default float32; a dtype of that backend or its name) and ``rng=None`` (an int seed,
a ``scratch.backend.Rng``, or None for fresh entropy). These helpers turn them into
concrete objects, so every layer resolves them the same way.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import Backend, Rng, backend_of  # noqa: F401 - backend_of re-exported


def resolve_backend(bk: str | Backend | None) -> Backend:
    """A Backend from a name, a Backend, or None (the default backend)."""
    if bk is None or isinstance(bk, str):
        return backend.get(bk)
    if isinstance(bk, Backend):
        return bk
    raise TypeError(f"backend must be a backend name or a Backend, got {type(bk).__name__}")


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


def resolve_rng(bk: Backend, rng: int | Rng | None) -> Rng:
    """An Rng on ``bk``'s device from an int seed, an Rng (returned as is) or None."""
    if isinstance(rng, Rng):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng seed must be non-negative, got {rng}")
        return bk.rng(rng)
    raise TypeError(f"rng must be None, an int seed or a scratch.backend.Rng, got {rng!r}")
