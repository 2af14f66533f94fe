"""scatter_add: the bucket sums the Array-API standard lacks (col2im needs them)."""

from __future__ import annotations

import numpy as np

from .arrays import backend_name, device_of, namespace


def scatter_add(n: int, index, values):
    r"""out[k] = sum_{i: index[i] = k} values[i] for k in range(n) (repeats add up).

    Portable path (any Array-API library): sort the indices, take the cumulative sum
    of the values in that order, S = [0, cumsum(v_sorted)], and read each bucket as
    the difference of S at its two ends, found by binary search:
    out[k] = S[right(k)] - S[left(k)].  O((m + n) log m), no loops, no setitem.

    Fast paths: ``numpy.add.at``, ``cupyx.scatter_add``, ``torch.index_add``.

    Parameters
    ----------
    n : int
        Length of the result.
    index : integer array, shape (m,)
        Target positions in ``[0, n)``.
    values : array, shape (m, ...)
        Values to add; trailing dimensions are kept.

    Returns
    -------
    array, shape (n, ...)
    """
    xp = namespace(index, values)
    if index.ndim != 1 or values.shape[:1] != index.shape:
        raise ValueError(
            f"index must be 1-D with values.shape[0] == len(index), got index {index.shape} "
            f"and values {values.shape}"
        )
    name = backend_name(values)
    if name == "numpy":
        out = np.zeros((n,) + values.shape[1:], dtype=values.dtype)
        np.add.at(out, index, values)
        return out
    if name == "cupy":
        import cupy
        import cupyx

        out = cupy.zeros((n,) + values.shape[1:], dtype=values.dtype)
        cupyx.scatter_add(out, index, values)
        return out
    if name == "torch":
        out = xp.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device)
        return out.index_add(0, index, values)
    order = xp.argsort(index)
    idx_sorted = xp.take(index, order)
    v_sorted = xp.take(values, order, axis=0)
    zero = xp.zeros((1,) + tuple(values.shape[1:]), dtype=values.dtype, device=device_of(values))
    S = xp.concat([zero, xp.cumulative_sum(v_sorted, axis=0)], axis=0)
    k = xp.arange(n, dtype=index.dtype, device=device_of(index))
    left = xp.searchsorted(idx_sorted, k, side="left")
    right = xp.searchsorted(idx_sorted, k, side="right")
    return xp.take(S, right, axis=0) - xp.take(S, left, axis=0)
