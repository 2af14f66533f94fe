"""DecisionTreeClassifier fit (unlimited depth) against scikit-learn's, gini and entropy.

Data: make_classification(n_samples=n, n_features=20, random_state=0), float64, two
classes; both grow the full tree (max_depth=None, min_samples_leaf=1). sklearn's builder
is Cython over presorted-per-node samples; ours is one Python step per node driving a
fixed handful of Array-API operations over all candidate thresholds of the node (the
features' presorted rows, one cumulative sum, the gains, an argmax), so the ratio is the
per-node overhead of that formulation. The goal in issue 15: <= 5x at 20000 x 20.
"""

from __future__ import annotations

import numpy as np

from . import Workload


def _data(n: int, d: int):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=d, random_state=0)
    return X.astype(np.float64), y.astype(np.int64)


def _ours(criterion: str):
    def make(bk, size):
        from scratch.classic import DecisionTreeClassifier

        X, y = _data(size["n"], size["d"])
        Xd, yd = bk.asarray(X, dtype=bk.float), bk.asarray(y, dtype=bk.xp.int64)
        est = DecisionTreeClassifier(criterion=criterion)
        return lambda: est.fit(Xd, yd).tree_.node_count

    return make


def _sklearn(criterion: str):
    def make(size, device="cpu"):
        if device != "cpu":
            return None
        from sklearn.tree import DecisionTreeClassifier

        X, y = _data(size["n"], size["d"])
        est = DecisionTreeClassifier(criterion=criterion, random_state=0)
        return lambda: est.fit(X, y).tree_.node_count

    return make


SIZES = {
    "full": {"n": 20_000, "d": 20},
    "quick": {"n": 20_000, "d": 20},
    "tiny": {"n": 300, "d": 5},
}

WORKLOADS = [
    Workload(
        name=f"tree_{criterion}",
        family="classic",
        sizes=SIZES,
        make=_ours(criterion),
        peers={"sklearn": _sklearn(criterion)},
        backends=("numpy", "strict", "cupy"),
        description=f"DecisionTreeClassifier({criterion!r}) fit, unlimited depth, 20000 x 20",
    )
    for criterion in ("gini", "entropy")
]
