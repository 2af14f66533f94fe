"""The 8x8 handwritten digits (UCI, Alpaydin & Kaynak 1998; CC BY 4.0), shipped in the package.

1797 images of 8x8 pixel counts in 0..16 with labels 0..9 (see DIGITS_LICENSE.txt).
A fixed split, the same everywhere: a PCG64 permutation with seed 0 puts 1437 images
in "train" and the remaining 360 in "test".
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

import numpy as np

from .. import backend
from ..backend import Backend

N_TRAIN, N_TEST = 1437, 360
SPLIT_SEED = 0


@functools.lru_cache(maxsize=1)
def _host_digits() -> tuple[np.ndarray, np.ndarray]:
    raw = resources.files(__package__).joinpath("digits.csv.gz").read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode().splitlines(), delimiter=",")
    X, y = table[:, :-1], table[:, -1].astype(np.int64)
    if X.shape != (N_TRAIN + N_TEST, 64):
        raise ValueError(f"digits.csv.gz is damaged: expected 1797 x 65 values, got {table.shape}")
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _split_indices(split: str | None) -> np.ndarray:
    n = N_TRAIN + N_TEST
    if split is None:
        return np.arange(n)
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    if split == "train":
        return np.sort(order[:N_TRAIN])
    if split == "test":
        return np.sort(order[N_TRAIN:])
    raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")


def load_digits(split: str | None = None, backend: str | Backend | None = None):
    """The digits as (X, y) on a backend.

    Parameters
    ----------
    split : {None, "train", "test"}
        All 1797 images, or the fixed 1437/360 train/test split.
    backend : str or Backend, optional
        Where to place the arrays (default: ``SCRATCH_BACKEND`` or numpy).

    Returns
    -------
    X : array, shape (n, 64)
        Pixel counts 0..16, row-major 8x8, in the backend's default float (float64
        where the device has it, else float32).
    y : array, shape (n,), int64
        Labels 0..9.
    """
    bk = _resolve(backend)
    X, y = _host_digits()
    idx = _split_indices(split)
    return bk.asarray(X[idx], dtype=bk.float), bk.asarray(y[idx], dtype=bk.xp.int64)


def _resolve(bk) -> Backend:
    if bk is None or isinstance(bk, str):
        return backend.get(bk)
    if isinstance(bk, Backend):
        return bk
    raise TypeError(f"backend must be a backend name or a Backend, got {type(bk).__name__}")
