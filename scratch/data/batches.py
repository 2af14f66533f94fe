"""Mini-batches over a data set, on the data's own device.

One epoch visits every sample exactly once: with shuffling, in the order of a fresh
random permutation pi drawn on the device; batch b holds the samples
pi[b B : (b + 1) B] (B = batch_size), gathered with ``xp.take``, so no batch makes
a round trip through the host. The last batch is shorter when B does not divide n,
unless ``drop_last`` drops it. Augmentation (``augment``) is applied to each batch
after the gather, with the iterator's generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from .. import backend
from ..backend import Rng


class BatchIterator:
    """Iterate over (X_batch, y_batch) pairs, one epoch per ``iter()``.

    Parameters
    ----------
    X : array, shape (n, ...)
    y : array, shape (n,) or (n, ...), optional (None yields X batches only)
    batch_size : int
    shuffle : bool
        Draw a new permutation each epoch (default True).
    drop_last : bool
        Skip the final short batch.
    rng : int or Rng, optional
        Seed or generator of the permutations and augmentations (reproducible per seed).
    augment : callable (X_batch, rng) -> X_batch, optional
        E.g. ``scratch.data.Augment(...)``; applied to X batches only.
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        drop_last: bool = False,
        rng: int | Rng | None = None,
        augment: Callable | None = None,
    ):
        if not backend.is_array(X):
            raise TypeError(f"X must be an array, got {type(X).__name__}")
        if X.ndim < 1 or X.shape[0] == 0:
            raise ValueError(f"X must hold at least one sample, got shape {tuple(X.shape)}")
        if y is not None:
            if not backend.is_array(y):
                raise TypeError(f"y must be an array, got {type(y).__name__}")
            try:
                backend.namespace(X, y)
            except backend.BackendError as e:  # the same message, naming the argument
                raise backend.BackendError(f"y must live where X lives: {e}") from None
            if y.ndim < 1 or y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"y has {y.shape[0] if y.ndim else 0} entries but X has {X.shape[0]} "
                    "samples; they must match"
                )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if augment is not None and not callable(augment):
            raise TypeError(f"augment must be callable, got {type(augment).__name__}")
        self.X, self.y = X, y
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.augment = augment
        if isinstance(rng, Rng):
            self.rng = rng
        elif rng is None or (type(rng) is int and rng >= 0):
            self.rng = backend.backend_of(X).rng(rng)
        else:
            raise TypeError(f"rng must be None, a non-negative int seed or an Rng, got {rng!r}")

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, B = self.n_samples, self.batch_size
        return n // B if self.drop_last else math.ceil(n / B)

    def __iter__(self) -> Iterator:
        xp = backend.namespace(self.X)
        n, B = self.n_samples, self.batch_size
        order = self.rng.permutation(n) if self.shuffle else None
        for b in range(len(self)):
            lo, hi = b * B, min((b + 1) * B, n)
            if order is None:
                Xb = self.X[lo:hi, ...]
                yb = None if self.y is None else self.y[lo:hi, ...]
            else:
                idx = order[lo:hi]
                Xb = xp.take(self.X, idx, axis=0)
                yb = None if self.y is None else xp.take(self.y, idx, axis=0)
            if self.augment is not None:
                Xb = self.augment(Xb, self.rng)
            yield Xb if self.y is None else (Xb, yb)
