r"""The 1-Wasserstein (earth mover's) distance between two 1-D distributions.

On the real line the optimal transport plan is monotone, and W1 is the area between
the two cumulative distribution functions:

    W1(u, v) = int_R |F_u(t) - F_v(t)| dt.

For samples (with optional non-negative weights) both F are step functions that only
jump at sample points, so with all values z_0 <= z_1 <= ... of u and v pooled and sorted,

    W1 = sum_j |F_u(z_j) - F_v(z_j)| (z_{j+1} - z_j),
    F_u(z) = (sum of the weights of u_i <= z) / (sum of all weights of u),

where F_u(z_j) is a cumulative sum of u's sorted weights read at
searchsorted(sorted u, z_j, side="right"). This is the distance
scipy.stats.wasserstein_distance computes. For two unweighted samples of equal size n it
reduces to the textbook (1/n) sum_i |u_(i) - v_(i)| of the order statistics.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..validation import check_array

__all__ = ["wasserstein_1d"]


def _check_weights(w: Any, n: int, name: str, like: Any):
    w = check_array(w, name=name, ndim=1, like=like)
    if w.shape[0] != n:
        raise ValueError(f"{name} must have one weight per sample ({n}), got {w.shape[0]}")
    xp = backend.namespace(w)
    # host decisions: a clear error instead of a NaN distance
    if not bool(backend.to_numpy(xp.all(w >= 0))):
        raise ValueError(f"{name} must be non-negative")
    w_max = float(backend.to_numpy(xp.max(w)))
    if not w_max > 0:
        raise ValueError(f"{name} must have a positive sum")
    # F only needs the weights' ratios: scaled by a power of two (exact) so that the
    # largest is in [0.5, 1), their cumulative sum cannot overflow; tiny weights are
    # scaled up by at most 2^120, which float32 still holds
    return w * 2.0 ** -max(math.frexp(w_max)[1], -120)


def _cdf_at(xp, values, weights, z):
    """F(z) for the sample ``values`` (weighted or not) at the points z."""
    order = xp.argsort(values)
    idx = xp.searchsorted(xp.take(values, order), z, side="right")
    if weights is None:
        return xp.astype(idx, z.dtype) / values.shape[0]
    c = xp.cumulative_sum(xp.take(weights, order))
    c = xp.concat([xp.zeros(1, dtype=c.dtype, device=backend.device_of(c)), c])
    return xp.take(c, idx) / c[-1]


def wasserstein_1d(u: Any, v: Any, u_weights: Any = None, v_weights: Any = None):
    r"""W1 between the (weighted) empirical distributions of u and v (module docstring).

    Parameters
    ----------
    u, v : array, shape (n,), (m,)
        Samples (n, m >= 1).
    u_weights, v_weights : array, shape (n,), (m,), optional
        Non-negative weights with a positive sum (need not be normalized).

    Returns
    -------
    0-d array on the inputs' backend, the same value as scipy.stats.wasserstein_distance.
    Finite for samples near 1e300 (only differences of sorted values are formed, no squares).
    """
    like = next((a for a in (u, v, u_weights, v_weights) if backend.is_array(a)), None)
    u = check_array(u, name="u", ndim=1, like=like)
    v = check_array(v, name="v", ndim=1, like=like)
    uw = None if u_weights is None else _check_weights(u_weights, u.shape[0], "u_weights", like)
    vw = None if v_weights is None else _check_weights(v_weights, v.shape[0], "v_weights", like)
    xp = backend.namespace(*(a for a in (u, v, uw, vw) if a is not None))
    z = xp.sort(xp.concat([u, v]))
    dz = z[1:] - z[:-1]
    zl = z[:-1]
    gap = xp.abs(_cdf_at(xp, u, uw, zl) - _cdf_at(xp, v, vw, zl))
    return xp.sum(gap * dz)
