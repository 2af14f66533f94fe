r"""Growing a tree depth first (TreeGenerate, Zhou's algorithm 4.2; scikit-learn's builder).

    grow(node with samples D):
        value(node) = class counts of D (or mean of y); impurity I(D)
        if D is pure, too small, or the depth limit is reached: node is a leaf
        find the best split (splitter.best_split); if none is valid, or its weighted
        impurity decrease (|D| / N) Gain < min_impurity_decrease: node is a leaf
        else for every branch v: grow(child with samples D^v)
        (an empty branch of a multi-way split becomes a leaf with the parent's value)

The stopping rules and their order are scikit-learn's (``min_samples_split`` is raised
to 2 ``min_samples_leaf``; a node of impurity <= float64 eps is a leaf), so CART grown
here equals sklearn's tree on data without tied candidates.

Data layout. ``order`` (F_n, m) holds each numeric feature's sample indices at the node
sorted by that feature (one argsort at the root). A child's rows are the parent's rows
with the other samples masked out: a stable partition, so they stay sorted and no
node sorts again. Per node: a gather of the values and statistics (F_n m), one
cumulative sum, the gains, a few reductions, and two host transfers (the impurity,
then the chosen split): the structure is a host decision, commented where taken.
An explicit stack replaces recursion (no depth limit from Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import backend
from .splitter import SplitSpec, best_split
from .structure import EQUAL, MULTIWAY, NUMERIC, Tree

EPS = 2.220446049250313e-16  # float64 machine epsilon, scikit-learn's purity threshold


@dataclass
class GrowData:
    """The training data as the builder uses it (all on one device).

    XnT : (F_n, n) numeric features, transposed (or None); Xc : (n, F_c) category codes
    (or None); y : (n,) class codes or targets; n_classes : K (0 for regression);
    numeric, categorical : host lists of the original column indices; n_categories :
    host list, the number of categories of each categorical column.
    """

    XnT: Any
    Xc: Any
    y: Any
    n_classes: int
    numeric: list[int]
    categorical: list[int]
    n_categories: list[int]


@dataclass
class Limits:
    max_depth: int | None
    min_samples_split: int
    min_samples_leaf: int
    min_impurity_decrease: float


def _node_stats(data: GrowData, Y1: Any, order: Any):
    """Statistics (R, m, S) of the node's samples in every row's order, sums, value.

    Y1 (n, K) holds the one-hot classes (classification) or is None (regression).
    """
    xp = backend.namespace(order)
    R, m = order.shape
    flat = xp.reshape(order, (-1,))
    if Y1 is not None:
        st = xp.reshape(xp.take(Y1, flat, axis=0), (R, m, Y1.shape[1]))
        s_total = xp.sum(st[0, ...], axis=0)
        return st, s_total, s_total
    yv = xp.reshape(xp.take(data.y, flat), (R, m))
    mu = xp.mean(yv[0, :])
    d = yv - mu  # centred: S1 ~ 0, so S1^2 / n never cancels against S2
    st = xp.stack([d, d * d], axis=-1)
    s_total = xp.sum(st[0, ...], axis=0)
    return st, s_total, (mu + s_total[0] / m)[None]


def grow(data: GrowData, crit, spec: SplitSpec, limits: Limits) -> tuple[Tree, list[float]]:
    """Grow the tree; returns it and m Gain summed per original feature (importances)."""
    xp = backend.namespace(data.y)
    dev = backend.device_of(data.y)
    n = data.y.shape[0]
    Fn, F = len(data.numeric), len(data.numeric) + len(data.categorical)
    if Fn:
        root = xp.argsort(data.XnT, axis=1, stable=True)
    else:
        root = xp.arange(n, dtype=xp.int64, device=dev)[None, :]
    Y1 = crit.stats(data.y, data.n_classes) if crit.classification else None
    tree = Tree()
    importance = [0.0] * F
    stack = [(root, 0, -1, -1, None)]
    while stack:
        order, depth, parent, branch, parent_value = stack.pop()
        m = order.shape[1]
        if m == 0:  # an empty branch of a multi-way split: a leaf with the parent's value
            leaf = tree.add_node(parent, depth, 0.0, 0, parent_value)
            tree.children[parent][branch] = leaf
            continue
        st, s_total, value = _node_stats(data, Y1, order)
        # host decision: is the node a leaf? (one scalar per node)
        impurity = float(backend.to_numpy(crit.impurity(s_total, float(m))))
        node = tree.add_node(parent, depth, impurity, m, value)
        if parent >= 0:
            tree.children[parent][branch] = node
        if (
            (limits.max_depth is not None and depth >= limits.max_depth)
            or m < limits.min_samples_split
            or m < 2 * limits.min_samples_leaf
            or impurity <= EPS
        ):
            continue
        xs = xp.take_along_axis(data.XnT, order, axis=1) if Fn else None
        codes = xp.take(data.Xc, order[0, :], axis=0) if data.Xc is not None else None
        choice = best_split(xs, st if Fn else None, codes, st[0, ...], s_total, spec)
        # host decision: the split (feature, gain, threshold, left size), one transfer
        j, gain, threshold, n_left = (float(v) for v in backend.to_numpy(choice))
        if gain == float("-inf") or (m / n) * gain + EPS < limits.min_impurity_decrease:
            continue
        j = int(j)
        children = _partition(data, spec, order, j, threshold, int(n_left))
        col = data.numeric[j] if j < Fn else data.categorical[j - Fn]
        kind = NUMERIC if j < Fn else (MULTIWAY if spec.multiway else EQUAL)
        t = threshold if kind != MULTIWAY else float("nan")
        tree.make_split(node, kind, col, t, len(children))
        importance[col] += m * gain
        for b in reversed(range(len(children))):  # first child on top: preorder
            stack.append((children[b], depth + 1, node, b, value))
    return tree.finish(), importance


def _partition(data: GrowData, spec: SplitSpec, order: Any, j: int, threshold: float, n_left: int):
    """The children's ``order`` arrays: each row's samples masked, so still sorted."""
    xp = backend.namespace(order)
    R, m = order.shape
    Fn = len(data.numeric)
    flat = xp.reshape(order, (-1,))
    if j < Fn:
        vals = xp.reshape(xp.take(data.XnT[j, :], flat), (R, m))
        go_left = vals <= threshold
    else:
        vals = xp.reshape(xp.take(data.Xc[:, j - Fn], flat), (R, m))
        if spec.multiway:
            V = data.n_categories[j - Fn]
            v = xp.arange(V, dtype=vals.dtype, device=backend.device_of(vals))
            # host decision: the size of every branch (one transfer of V counts)
            sizes = backend.to_numpy(xp.sum(xp.astype(vals[0, :][:, None] == v, xp.int64), axis=0))
            return [xp.reshape(order[vals == float(c)], (R, int(sizes[c]))) for c in range(V)]
        go_left = vals == threshold
    return [
        xp.reshape(order[go_left], (R, n_left)),
        xp.reshape(order[~go_left], (R, m - n_left)),
    ]
