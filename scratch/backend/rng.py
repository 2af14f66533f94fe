"""Random numbers on a backend's device, reproducible per seed (outside the Array-API
standard, so the backend supplies them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .arrays import to_numpy

if TYPE_CHECKING:
    from .registry import Backend


class Rng:
    """Random numbers on a backend's device, reproducible per seed.

    On numpy, strict and torch the numbers are drawn by NumPy's PCG64 on the host
    and placed on the device in one transfer per call, so the same seed gives the
    same numbers on all three. On cupy they are drawn on the GPU by CuPy's own
    PCG64-based generator.

    Parameters
    ----------
    backend : Backend
        Where the numbers are placed (and, on cupy, drawn).
    seed : int, optional
        The seed (None: fresh entropy).
    """

    def __init__(self, backend: Backend, seed: int | None = None):
        self.backend = backend
        if backend.name == "cupy":
            import cupy

            self._gen = cupy.random.default_rng(seed)
        else:
            self._gen = np.random.default_rng(seed)

    def get_state(self) -> dict | None:
        """The generator's state as a plain dict (NumPy's ``bit_generator.state``).

        Returns
        -------
        dict or None
            None where the backend's generator exposes no such dict (CuPy).
        """
        bit_generator = getattr(self._gen, "bit_generator", None)
        state = getattr(bit_generator, "state", None)
        return state if isinstance(state, dict) else None

    def set_state(self, state: dict) -> None:
        """Put a state from ``get_state`` back: the next draws repeat those that followed it.

        Parameters
        ----------
        state : dict
            As returned by ``get_state``.
        """
        bit_generator = getattr(self._gen, "bit_generator", None)
        if bit_generator is None or not isinstance(state, dict):
            raise ValueError(
                f"this {self.backend.name} generator cannot take a saved state; got {state!r:.80}"
            )
        bit_generator.state = state

    def _place(self, a, dtype=None):
        if self.backend.name == "cupy":
            return a if dtype is None else a.astype(dtype)
        return self.backend.asarray(np.asarray(a), dtype=dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None):
        """Samples of N(loc, scale^2).

        Parameters
        ----------
        loc : float
            The mean.
        scale : float
            The standard deviation.
        size : int or tuple of int, optional
            The result's shape (None: one number, a 0-d array).
        dtype : dtype, optional
            The result's dtype (default: the backend's float).
        """
        return self._place(self._gen.normal(loc, scale, size), dtype or self.backend.float)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None):
        """Samples of U[low, high).

        Parameters
        ----------
        low, high : float
            The interval's ends.
        size : int or tuple of int, optional
            The result's shape (None: one number, a 0-d array).
        dtype : dtype, optional
            The result's dtype (default: the backend's float).
        """
        return self._place(self._gen.uniform(low, high, size), dtype or self.backend.float)

    def integers(self, low, high=None, size=None):
        """Integers in [low, high) as int64.

        Parameters
        ----------
        low : int
            The lowest value (or, with high=None, the exclusive upper bound, from 0).
        high : int, optional
            The exclusive upper bound.
        size : int or tuple of int, optional
            The result's shape (None: one number, a 0-d array).
        """
        return self._place(self._gen.integers(low, high, size), self.backend.xp.int64)

    def permutation(self, n: int):
        """A random permutation of range(n) as int64.

        Parameters
        ----------
        n : int
            The length.
        """
        return self._place(self._gen.permutation(n), self.backend.xp.int64)

    def choice(self, n: int, size=None, replace=True, p=None):
        """Indices drawn from range(n), optionally without replacement or with weights ``p``.

        Parameters
        ----------
        n : int
            Draw from range(n).
        size : int or tuple of int, optional
            The result's shape (None: one number, a 0-d array).
        replace : bool
            With replacement.
        p : array, optional
            The probabilities of the n values (any backend; moved to the generator's side).
        """
        if p is not None and self.backend.name != "cupy":
            p = to_numpy(p)
        return self._place(
            self._gen.choice(n, size=size, replace=replace, p=p), self.backend.xp.int64
        )

    def spawn_seed(self) -> int:
        """A fresh integer seed drawn from this generator (for child generators)."""
        return int(self._gen.integers(0, 2**31 - 1))


def resolve_rng(bk: Backend, rng: int | Rng | None) -> Rng:
    """An Rng on ``bk``'s device from an int seed, an Rng (returned as is) or None.

    Parameters
    ----------
    bk : Backend
        The device of a new generator.
    rng : int, Rng or None
        A non-negative seed, a generator (returned as is) or None (fresh entropy).
    """
    if isinstance(rng, Rng):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng seed must be non-negative, got {rng}")
        return bk.rng(rng)
    raise TypeError(f"rng must be None, an int seed or a scratch.backend.Rng, got {rng!r}")
