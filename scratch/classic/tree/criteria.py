r"""Impurity measures and the gain of a split, from summed per-sample statistics.

A node t holds n samples. Its impurity comes from sums of per-sample statistics:

* classification: class counts c = (c_1..c_K), p_k = c_k / n,
  - entropy (Shannon, in bits): Ent(t) = -sum_k p_k log2 p_k,
  - Gini: Gini(t) = 1 - sum_k p_k^2;
* regression: sums S1 = sum y, S2 = sum y^2,
  - squared error (the variance): MSE(t) = S2 / n - (S1 / n)^2.

A split sends the n samples to children with n_v samples each. Its gain (the impurity
decrease per sample of the node, Zhou's Gain(D, a) when the measure is entropy) is

    Gain = I(t) - sum_v (n_v / n) I(t_v).

Numerical forms. With cost(c) = n I(c) (the child's impurity times its size):

* entropy: cost(c) = n log2 n - sum_k c_k log2 c_k  (0 log 0 = 0); the impurity
  itself as -sum_k p_k log2 p_k, exactly 0 at a pure node (the purity test needs that),
* Gini: cost(c) = n - sum_k c_k^2 / n,
* squared error: Gain = (S1_L^2 / n_L + S1_R^2 / n_R - S1^2 / n) / n for a binary
  split (the S2 terms cancel exactly, so they are never subtracted in floating point),
  and sum_v S1_v^2 / n_v - S1^2 / n over n for a multi-way one. The split search
  feeds y minus the node's mean, so S1 ~ 0 and nothing large cancels.

C4.5's split information (Quinlan's intrinsic value) of the sizes n_v:
IV = -sum_v (n_v / n) log2 (n_v / n); the gain ratio is Gain / IV.

Every function takes arrays of any leading shape and reduces the last axis of the
statistics; sizes n are arrays broadcast against them. An empty child (n_v = 0)
contributes nothing (its sizes are replaced by 1 before dividing).
"""

from __future__ import annotations

import math
from typing import Any

from ... import backend

__all__ = [
    "CRITERIA",
    "Criterion",
    "contingency",
    "entropy",
    "gain_ratio",
    "gini",
    "information_gain",
    "intrinsic_value",
    "xlog2x",
]


def xlog2x(c: Any):
    """c log2 c elementwise with 0 log 0 = 0 (c an array or a Python number)."""
    if backend.is_host_scalar(c):
        return c * math.log2(c) if c > 0 else 0.0
    xp = backend.namespace(c)
    return c * xp.log2(xp.where(c > 0, c, 1.0))


def _safe(n: Any):
    """n with its zeros replaced by 1 (the sizes of empty children, before dividing)."""
    if backend.is_host_scalar(n):
        return n if n > 0 else 1.0
    xp = backend.namespace(n)
    return xp.where(n > 0, n, 1.0)


def entropy(counts: Any):
    """Ent = -sum_k p_k log2 p_k of class counts (..., K) -> (...), in bits."""
    xp = backend.namespace(counts)
    n = xp.sum(counts, axis=-1)
    return -xp.sum(xlog2x(counts / _safe(n)[..., None]), axis=-1)


def gini(counts: Any):
    """Gini = 1 - sum_k p_k^2 of class counts (..., K) -> (...) (0 for an empty node)."""
    xp = backend.namespace(counts)
    n = xp.sum(counts, axis=-1)
    return xp.where(n > 0, 1.0 - xp.sum(counts * counts, axis=-1) / _safe(n) ** 2, 0.0)


class Criterion:
    """One impurity measure: per-sample statistics, node impurity, cost and gains.

    ``stats(y_coded, n_classes)`` gives the per-sample statistic vectors (m, S) whose
    sums describe a node; the methods below take those sums (..., S) and sizes (...).
    """

    name: str = ""
    classification: bool = True

    def stats(self, y: Any, n_classes: int):
        """One-hot class indicators (m, K): their sums are the class counts."""
        xp = backend.namespace(y)
        k = xp.arange(n_classes, dtype=y.dtype, device=backend.device_of(y))
        return xp.astype(y[..., None] == k, _float_of(y))

    def impurity(self, s: Any, n: Any):
        raise NotImplementedError

    def cost(self, s: Any, n: Any):
        """n I(s): the child's share of the weighted impurity, times the node size."""
        return n * self.impurity(s, n)

    def binary_gain(self, s_left: Any, n_left: Any, s_total: Any, n: Any):
        """Gain of sending n_left samples with sums s_left left, the rest right."""
        s_right, n_right = s_total - s_left, n - n_left
        children = self.cost(s_left, n_left) + self.cost(s_right, n_right)
        return self.impurity(s_total, n) - children / n

    def multiway_gain(self, s_parts: Any, n_parts: Any, s_total: Any, n: Any):
        """Gain of a split into the parts (..., V, S) of sizes (..., V)."""
        xp = backend.namespace(s_parts)
        children = xp.sum(self.cost(s_parts, n_parts), axis=-1)
        return self.impurity(s_total, n) - children / n


class Entropy(Criterion):
    """Information gain (ID3); also the impurity of C4.5's gain ratio."""

    name = "entropy"

    def impurity(self, s, n):
        """-sum_k p_k log2 p_k in the p-form: exactly 0 for a pure node (the n log2 n
        form leaves ~4e-16 there, above the purity threshold)."""
        xp = backend.namespace(s)
        p = s / (_safe(n) if backend.is_host_scalar(n) else _safe(n)[..., None])
        return -xp.sum(xlog2x(p), axis=-1)

    def cost(self, s, n):
        xp = backend.namespace(s)
        return xlog2x(n) - xp.sum(xlog2x(s), axis=-1)


class Gini(Criterion):
    """Gini impurity (CART)."""

    name = "gini"

    def impurity(self, s, n):
        xp = backend.namespace(s)
        return 1.0 - xp.sum(s * s, axis=-1) / _safe(n) ** 2  # (an empty node is never asked)

    def cost(self, s, n):
        xp = backend.namespace(s)
        return n - xp.sum(s * s, axis=-1) / _safe(n)


class SquaredError(Criterion):
    """Variance reduction (CART regression); statistics (y, y^2)."""

    name = "squared_error"
    classification = False

    def stats(self, y, n_classes=0):
        xp = backend.namespace(y)
        return xp.stack([y, y * y], axis=-1)

    def impurity(self, s, n):
        mean = s[..., 0] / _safe(n)
        return s[..., 1] / _safe(n) - mean * mean

    def binary_gain(self, s_left, n_left, s_total, n):
        s1, s1_left = s_total[..., 0], s_left[..., 0]
        s1_right, n_right = s1 - s1_left, n - n_left
        return (s1_left**2 / _safe(n_left) + s1_right**2 / _safe(n_right) - s1**2 / n) / n

    def multiway_gain(self, s_parts, n_parts, s_total, n):
        xp = backend.namespace(s_parts)
        s1 = s_total[..., 0]
        parts = xp.sum(s_parts[..., 0] ** 2 / _safe(n_parts), axis=-1)
        return (parts - s1**2 / n) / n


CRITERIA = {
    "entropy": Entropy(),
    "gain_ratio": Entropy(),
    "gini": Gini(),
    "squared_error": SquaredError(),
}


def _float_of(a: Any):
    xp = backend.namespace(a)
    return a.dtype if xp.isdtype(a.dtype, "real floating") else xp.float64


def intrinsic_value(n_parts: Any):
    """IV = -sum_v (n_v / n) log2 (n_v / n) of part sizes (..., V) -> (...)."""
    return entropy(n_parts)


# --------------------------------------------------------------------------------------
# The textbook quantities on one attribute (Zhou, section 4.2), for reading and testing
# --------------------------------------------------------------------------------------


def contingency(a: Any, y: Any, n_values: int, n_classes: int):
    """N_vk = |{i : a_i = v, y_i = k}|, shape (V, K), for integer codes a and y.

    One matrix product of the two one-hot encodings: N = A^T Y.
    """
    xp = backend.namespace(a, y)
    dev = backend.device_of(a)
    A = xp.astype(a[:, None] == xp.arange(n_values, dtype=a.dtype, device=dev), xp.float64)
    Y = xp.astype(y[:, None] == xp.arange(n_classes, dtype=y.dtype, device=dev), xp.float64)
    return xp.matmul(xp.matrix_transpose(A), Y)


def _codes(a: Any):
    xp = backend.namespace(a)
    values, inverse = xp.unique_inverse(a)
    return inverse, values.shape[0]


def information_gain(a: Any, y: Any):
    """Gain(D, a) = Ent(D) - sum_v |D^v| / |D| Ent(D^v) of attribute a (n,), labels y (n,)."""
    xp = backend.namespace(a, y)
    av, V = _codes(a)
    yv, K = _codes(y)
    N = contingency(av, yv, V, K)
    n_v = xp.sum(N, axis=1)
    n = xp.sum(n_v)
    return entropy(xp.sum(N, axis=0)) - xp.sum(n_v / n * entropy(N))


def gain_ratio(a: Any, y: Any):
    """Gain_ratio(D, a) = Gain(D, a) / IV(a) (C4.5)."""
    av, V = _codes(a)
    xp = backend.namespace(a)
    n_v = xp.sum(
        xp.astype(av[:, None] == xp.arange(V, device=backend.device_of(a)), xp.float64), axis=0
    )
    return information_gain(a, y) / intrinsic_value(n_v)
