r"""The split search at one node: every candidate of every feature in a few array ops.

Numeric features (CART's and C4.5's binary splits x_f <= t). The node keeps, for each
numeric feature, its samples sorted by that feature (``order``, shape (F, m)): sorting
happens once at the root, and a stable partition keeps every row sorted in the children.
With the samples of row f in that order, the per-sample statistics s_i (one-hot classes,
or (y, y^2)) are summed cumulatively: L_fi = sum_{j <= i} s_j are the statistics of the
left child when the first i + 1 samples go left. Every candidate threshold of every
feature is then evaluated at once (no loop over thresholds):

    gain_fi = I(t) - (n_L I(L_fi) + n_R I(T - L_fi)) / m,     n_L = i + 1, n_R = m - n_L,

valid where x_f changes between positions i and i + 1 (the threshold is the midpoint
x_(i)/2 + x_(i+1)/2, as scikit-learn places it) and both children keep at least
``min_samples_leaf`` samples; invalid candidates get gain -inf.

Categorical features. With the codes of the node's samples one-hot encoded over V
values, A (m, F_c V), the statistics of every (feature, value) part are one product
P = A^T S, shape (F_c, V, S). ID3 / C4.5 split multi-way (one child per value:
``multiway_gain`` of the parts); CART splits binary, x_f == v against the rest
(``binary_gain`` with the part as the left child), as in Li Hang's CART (section 5.5.2).

Choosing the feature. ID3 and CART take the largest gain. C4.5 (Quinlan's heuristic)
takes, among the features whose gain is at least the average gain of the features
with a valid split, the one of largest gain ratio Gain / IV, IV the split information
of the child sizes. Exact ties go to the feature that comes first in ``tie_order`` (the
column order, or a permutation drawn from ``random_state``), then to the lowest
threshold, as scikit-learn's scan does.

Everything stays on the device; the caller moves the 4 numbers of the choice to the
host in one transfer (the tree's shape is a host decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import backend
from .criteria import Criterion, intrinsic_value

__all__ = ["SplitSpec", "numeric_gains", "categorical_parts", "best_split"]

NEG_INF = -float("inf")


@dataclass
class SplitSpec:
    """What the search needs besides the data (fixed for one fit).

    criterion : the Criterion; ratio : C4.5's heuristic; multiway : categorical splits
    are multi-way; n_values : V, the most categories of any categorical feature;
    min_samples_leaf : int; tie_order : host list, indices into the concatenation
    [numeric features, categorical features] in tie-breaking order.
    """

    criterion: Criterion
    ratio: bool
    multiway: bool
    n_values: int
    min_samples_leaf: int
    tie_order: Any


def numeric_gains(xs: Any, st: Any, spec: SplitSpec):
    """gain (F, m - 1) of the thresholds between sorted neighbours (-inf where invalid).

    Parameters
    ----------
    xs : array (F, m)
        Each row a feature's values at the node, sorted ascending.
    st : array (F, m, S)
        The per-sample statistics in the same order as each row.
    """
    xp = backend.namespace(xs, st)
    m = xs.shape[1]
    cum = xp.cumulative_sum(st, axis=1)  # (F, m, S)
    left = cum[:, :-1, :]  # the first i + 1 samples
    total = cum[:, -1:, :]  # per row: the same sums, added in that row's order
    n_left = xp.astype(xp.arange(1, m, device=backend.device_of(xs)), st.dtype)
    n = float(m)
    gain = spec.criterion.binary_gain(left, n_left[None, :], total, n)
    k = spec.min_samples_leaf
    valid = (xs[:, 1:] > xs[:, :-1]) & (n_left >= k)[None, :] & ((n - n_left) >= k)[None, :]
    return xp.where(valid, gain, NEG_INF)


def categorical_parts(codes: Any, st: Any, n_values: int):
    """Statistics P (F_c, V, S) and sizes N (F_c, V) of every (feature, value) part.

    codes (m, F_c) integer-valued category codes 0..V-1; st (m, S). P = A^T S with A the
    one-hot encoding (m, F_c V) of the codes: one matrix product for all features.
    """
    xp = backend.namespace(codes, st)
    m, Fc = codes.shape
    v = xp.arange(n_values, device=backend.device_of(codes))
    A = xp.astype(xp.astype(codes, xp.int64)[:, :, None] == v, st.dtype)  # (m, Fc, V)
    A = xp.reshape(A, (m, Fc * n_values))
    P = xp.matmul(xp.matrix_transpose(A), st)  # (Fc V, S)
    N = xp.sum(A, axis=0)
    return xp.reshape(P, (Fc, n_values, st.shape[1])), xp.reshape(N, (Fc, n_values))


def _two_way_iv(n_left: Any, n: float):
    xp = backend.namespace(n_left)
    return intrinsic_value(xp.stack([n_left, n - n_left], axis=-1))


def best_split(xs: Any, st: Any, codes: Any, st0: Any, s_total: Any, spec: SplitSpec):
    """The chosen split at a node as one device vector (j, gain, threshold, n_left).

    Parameters
    ----------
    xs, st : arrays (F_n, m), (F_n, m, S) or None
        Sorted numeric features and their statistics (see ``numeric_gains``).
    codes, st0 : arrays (m, F_c), (m, S) or None
        Category codes of the node's samples and their statistics in that order.
    s_total : array (S,)
        The node's summed statistics.

    Returns
    -------
    array (4,): j (index into [numeric, categorical] features), gain (-inf: no valid
    split), threshold (numeric: t; CART categorical: the code v sent left; multi-way:
    -1), n_left (samples of the left child of a binary split).
    """
    xp = backend.namespace(s_total)
    dev = backend.device_of(s_total)
    dt = s_total.dtype
    gains, thresholds, n_lefts, ivs = [], [], [], []
    if xs is not None:
        m = xs.shape[1]
        G = numeric_gains(xs, st, spec)  # (F_n, m - 1)
        p = xp.argmax(G, axis=1)  # first maximum: the lowest threshold
        g = xp.max(G, axis=1)
        lo = xp.take_along_axis(xs, p[:, None], axis=1)[:, 0]
        hi = xp.take_along_axis(xs, p[:, None] + 1, axis=1)[:, 0]
        t = lo / 2 + hi / 2
        t = xp.where((t == hi) | ~xp.isfinite(t), lo, t)  # scikit-learn's rounding guard
        n_left = xp.astype(p + 1, dt)
        gains.append(g)
        thresholds.append(xp.astype(t, dt))
        n_lefts.append(n_left)
        ivs.append(_two_way_iv(n_left, float(m)))
    if codes is not None:
        m = codes.shape[0]
        P, N = categorical_parts(codes, st0, spec.n_values)
        k = spec.min_samples_leaf
        crit = spec.criterion
        if spec.multiway:
            present = N > 0
            enough = xp.all((N >= k) | ~present, axis=1)
            two = xp.sum(xp.astype(present, xp.int64), axis=1) >= 2
            g = crit.multiway_gain(P, N, s_total, float(m))
            gains.append(xp.where(enough & two, g, NEG_INF))
            thresholds.append(xp.full(g.shape, -1.0, dtype=dt, device=dev))
            n_lefts.append(xp.zeros(g.shape, dtype=dt, device=dev))
            ivs.append(intrinsic_value(N))
        else:
            G = crit.binary_gain(P, N, s_total, float(m))  # (F_c, V): value v goes left
            valid = (N >= k) & (float(m) - N >= k) & (N > 0) & (N < m)
            G = xp.where(valid, G, NEG_INF)
            v = xp.argmax(G, axis=1)
            n_left = xp.take_along_axis(N, v[:, None], axis=1)[:, 0]
            gains.append(xp.max(G, axis=1))
            thresholds.append(xp.astype(v, dt))
            n_lefts.append(n_left)
            ivs.append(_two_way_iv(n_left, float(m)))
    order = xp.asarray(spec.tie_order, dtype=xp.int64, device=dev)
    g = xp.take(xp.concat(gains), order)
    score = g
    if spec.ratio:  # C4.5: best gain ratio among the features of at least average gain
        valid = g > NEG_INF
        n_valid = xp.sum(xp.astype(valid, dt))
        mean = xp.sum(xp.where(valid, g, 0.0)) / xp.maximum(n_valid, 1.0)
        iv = xp.take(xp.concat(ivs), order)
        ratio = g / xp.where(iv > 0, iv, 1.0)
        # 1e-12: a gain equal to the average (a tie in exact arithmetic) still qualifies
        score = xp.where(valid & (g >= mean - 1e-12), ratio, NEG_INF)
    best = xp.argmax(score)
    j = xp.take(order, best[None])
    out = [
        xp.astype(j, dt),
        xp.take(g, best[None]),
        xp.take(xp.concat(thresholds), j),
        xp.take(xp.concat(n_lefts), j),
    ]
    return xp.concat(out)
