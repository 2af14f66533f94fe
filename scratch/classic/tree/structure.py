"""The fitted tree: node arrays on the host, a copy on the device for prediction.

Host decision (documented): the tree's *shape* is data-dependent and small (at most
2 n - 1 nodes), so it is grown and pruned as plain Python lists, like scikit-learn's
``tree_`` (which is host memory too). Everything that scales with the samples, the
split search and prediction, runs on the input's backend.

Nodes are numbered in preorder, first child first (scikit-learn's numbering). Node i:

* ``kind[i]``: LEAF, NUMERIC (child 0 if x_f <= t, else child 1), EQUAL (CART on a
  categorical feature: child 0 if x_f == v, else child 1), MULTIWAY (child c for the
  category code c: ID3 / C4.5 on a categorical feature);
* ``feature[i]`` (-1 at leaves), ``threshold[i]`` (t, or v for EQUAL, nan otherwise);
* ``children[i]``: list of child ids (empty at leaves);
* ``impurity[i]``, ``n_node_samples[i]``, ``value[i]`` (class counts, or the mean).

Prediction walks all samples down together: with the current node of every sample
(n,), one step gathers its feature value, picks the branch b and moves to
``table[node, b]`` (a leaf points to itself). ``max_depth`` steps reach every leaf:
a handful of gathers per level, no loop over samples.
"""

from __future__ import annotations

from typing import Any

from ... import backend

LEAF, NUMERIC, EQUAL, MULTIWAY = -1, 0, 1, 2


class Tree:
    """Host-side node arrays (lists) of a grown tree; see the module docstring.

    Attributes
    ----------
    node_count, max_depth, n_leaves : int
    feature, kind, children, threshold, impurity, n_node_samples, depth, parent : lists
    value : device array (node_count, K) of class counts, or (node_count, 1) of means
    children_left, children_right : lists (binary nodes; -1 where there is none)
    """

    def __init__(self) -> None:
        self.feature: list[int] = []
        self.kind: list[int] = []
        self.threshold: list[float] = []
        self.children: list[list[int]] = []
        self.impurity: list[float] = []
        self.n_node_samples: list[int] = []
        self.depth: list[int] = []
        self.parent: list[int] = []
        self._values: list[Any] = []
        self.value: Any = None

    def add_node(self, parent: int, depth: int, impurity: float, n: int, value: Any) -> int:
        """Append a leaf (it becomes a split with ``make_split``); returns its id."""
        self.feature.append(-1)
        self.kind.append(LEAF)
        self.threshold.append(float("nan"))
        self.children.append([])
        self.impurity.append(impurity)
        self.n_node_samples.append(n)
        self.depth.append(depth)
        self.parent.append(parent)
        self._values.append(value)
        return len(self.feature) - 1

    def make_split(self, node: int, kind: int, feature: int, threshold: float, n_children: int):
        self.kind[node] = kind
        self.feature[node] = feature
        self.threshold[node] = threshold
        self.children[node] = [-1] * n_children

    def finish(self) -> Tree:
        """Stack the node values on the device and derive the summary attributes."""
        xp = backend.namespace(self._values[0])
        self.value = xp.stack(self._values)
        self.node_count = len(self.feature)
        self.max_depth = max(self.depth)
        self.n_leaves = sum(1 for k in self.kind if k == LEAF)
        self.children_left = [c[0] if len(c) == 2 else -1 for c in self.children]
        self.children_right = [c[1] if len(c) == 2 else -1 for c in self.children]
        self._device = None
        return self

    def subtree(self, keep_as_leaf: list[bool], in_subtree: list[bool]) -> Tree:
        """A copy holding the nodes ``in_subtree``, those in ``keep_as_leaf`` made leaves.

        Preorder numbering is kept (the copy is made by a preorder walk).
        """
        out = Tree()
        stack = [(0, -1, -1)]
        while stack:
            i, parent, branch = stack.pop()
            j = out.add_node(
                parent,
                self.depth[i],
                self.impurity[i],
                self.n_node_samples[i],
                self.value[i, ...],
            )
            if parent >= 0:
                out.children[parent][branch] = j
            if keep_as_leaf[i] or self.kind[i] == LEAF:
                continue
            out.make_split(
                j, self.kind[i], self.feature[i], self.threshold[i], len(self.children[i])
            )
            for b in reversed(range(len(self.children[i]))):
                stack.append((self.children[i][b], j, b))
        return out.finish()

    def leaves_of(self, node: int) -> list[int]:
        """The leaves below ``node`` (itself, if it is one)."""
        out, stack = [], [node]
        while stack:
            i = stack.pop()
            if self.kind[i] == LEAF:
                out.append(i)
            else:
                stack.extend(self.children[i])
        return out

    # ---------------------------------------------------------------- prediction

    def _device_arrays(self, like: Any):
        """feature, kind, threshold, table (flat), branches B: on like's device, cached."""
        if self._device is None:
            xp = backend.namespace(like)
            dev = backend.device_of(like)
            B = max(2, max(len(c) for c in self.children))
            table = []
            for i, c in enumerate(self.children):
                row = list(c) if c else [i]
                table.extend(row + [row[-1]] * (B - len(row)))
            feats = [max(f, 0) for f in self.feature]
            thr = [0.0 if t != t else t for t in self.threshold]
            self._device = (
                xp.asarray(feats, dtype=xp.int64, device=dev),
                xp.asarray(self.kind, dtype=xp.int64, device=dev),
                xp.asarray(thr, dtype=like.dtype, device=dev),
                xp.asarray(table, dtype=xp.int64, device=dev),
                B,
            )
        return self._device

    def apply(self, X: Any):
        """The leaf id of every row of X (n, F) (categorical columns as codes), int64 (n,)."""
        xp = backend.namespace(X)
        dev = backend.device_of(X)
        n, F = X.shape
        feats, kind, thr, table, B = self._device_arrays(X)
        node = xp.zeros((n,), dtype=xp.int64, device=dev)
        flat = xp.reshape(X, (-1,))
        rows = xp.arange(n, dtype=xp.int64, device=dev) * F
        for _ in range(self.max_depth):
            x = xp.take(flat, rows + xp.take(feats, node))
            k = xp.take(kind, node)
            t = xp.take(thr, node)
            b = xp.where(
                k == NUMERIC,
                xp.astype(x > t, xp.int64),
                xp.where(k == EQUAL, xp.astype(x != t, xp.int64), xp.astype(x, xp.int64)),
            )
            b = xp.where(k == LEAF, 0, b)
            node = xp.take(table, node * B + b)
        return node

    def decision_path_nodes(self, node: int) -> list[int]:
        """The nodes from the root down to ``node``."""
        path = [node]
        while self.parent[path[-1]] >= 0:
            path.append(self.parent[path[-1]])
        return path[::-1]
