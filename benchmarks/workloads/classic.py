"""Classic estimators side by side with scikit-learn: KMeans, PCA, LDA.

Each maker builds its data with NumPy from a fixed seed (the same numbers for us and
the peer), places it on the backend once, and returns a closure that runs one fit.

* kmeans: Lloyd iterations from the same initial centers (k rows drawn from X), exactly
  max_iter iterations (tol = 0, and Gaussian noise never reaches a fixed point in 20),
  n_init = 1; the peer is KMeans(init=centers, algorithm="lloyd"). ``scratch bench
  --profile kmeans`` splits our time into distance GEMM, argmin, center sums, means and
  inertia (the marks in kmeans.py's _nearest_t and _lloyd).
* pca: fit of the covariance-eigh solver; the peer is PCA(n_components) whose 'auto'
  policy picks the same covariance_eigh solver for n >= 10 d, d <= 1000.
* lda: fit; peers LinearDiscriminantAnalysis() (default solver 'svd') and
  solver='eigen' (the algorithm we implement).
"""

from __future__ import annotations

import numpy as np

from . import Curve, Workload


def _kmeans_data(size):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((size["n"], size["d"]))
    C0 = X[rng.choice(size["n"], size["k"], replace=False)]
    return X, C0


def _kmeans_ours(bk, size):
    from scratch.classic import KMeans

    X, C0 = _kmeans_data(size)
    Xd, Cd = bk.asarray(X, dtype=bk.float), bk.asarray(C0, dtype=bk.float)
    est = KMeans(size["k"], init=Cd, n_init=1, max_iter=size["iters"], tol=0.0)
    return lambda: est.fit(Xd)


def _kmeans_sklearn(size, device="cpu"):
    from sklearn.cluster import KMeans

    if device != "cpu":
        return None
    X, C0 = _kmeans_data(size)
    est = KMeans(size["k"], init=C0, n_init=1, max_iter=size["iters"], tol=0.0, algorithm="lloyd")
    return lambda: est.fit(X)


def _pca_data(size):
    rng = np.random.default_rng(1)
    d = size["d"]
    scales = 1.0 / np.sqrt(np.arange(1, d + 1))  # a decaying spectrum, like real data
    return (
        rng.standard_normal((size["n"], d)) * scales @ np.linalg.qr(rng.standard_normal((d, d)))[0]
    )


def _pca_ours(bk, size):
    from scratch.classic import PCA

    X = bk.asarray(_pca_data(size), dtype=bk.float)
    est = PCA(size["k"], solver="eigh")
    return lambda: est.fit(X)


def _pca_sklearn(size, device="cpu"):
    from sklearn.decomposition import PCA

    if device != "cpu":
        return None
    X = _pca_data(size)
    est = PCA(size["k"])
    return lambda: est.fit(X)


def _lda_data(size):
    rng = np.random.default_rng(2)
    n, d, K = size["n"], size["d"], size["classes"]
    y = rng.integers(0, K, n)
    means = rng.normal(0, 1.0, (K, d))
    A = rng.standard_normal((d, d)) / np.sqrt(d) + np.eye(d)
    return rng.standard_normal((n, d)) @ A + means[y], y


def _lda_ours(bk, size):
    from scratch.classic import LinearDiscriminantAnalysis

    X, y = _lda_data(size)
    Xd, yd = bk.asarray(X, dtype=bk.float), bk.asarray(y, dtype=bk.int64)
    est = LinearDiscriminantAnalysis()
    return lambda: est.fit(Xd, yd)


def _lda_sklearn(solver):
    def make(size, device="cpu"):
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        if device != "cpu":
            return None
        X, y = _lda_data(size)
        est = LinearDiscriminantAnalysis(solver=solver)
        return lambda: est.fit(X, y)

    return make


WORKLOADS = [
    Workload(
        name="kmeans",
        family="classic",
        sizes={
            "full": {"n": 100_000, "d": 32, "k": 16, "iters": 20},
            "quick": {"n": 10_000, "d": 32, "k": 16, "iters": 20},
            "tiny": {"n": 500, "d": 4, "k": 3, "iters": 5},
        },
        make=_kmeans_ours,
        peers={"sklearn": _kmeans_sklearn},
        # per iteration: distances X C^T (2nkd) and the one-hot update Y^T X (2nkd)
        flops=lambda s: 4.0 * s["iters"] * s["n"] * s["k"] * s["d"],
        curve=Curve(
            "n", full=[10_000, 30_000, 100_000, 300_000], quick=[5_000, 10_000], tiny=[200, 500]
        ),
        description="KMeans Lloyd, same initial centers, fixed iterations, n_init=1",
    ),
    Workload(
        name="pca",
        family="classic",
        sizes={
            "full": {"n": 10_000, "d": 512, "k": 50},
            "quick": {"n": 2_000, "d": 128, "k": 20},
            "tiny": {"n": 100, "d": 8, "k": 3},
        },
        make=_pca_ours,
        peers={"sklearn": _pca_sklearn},
        # Xc^T Xc (2 n d^2) plus the symmetric eigensolver (~9 d^3)
        flops=lambda s: 2.0 * s["n"] * s["d"] ** 2 + 9.0 * s["d"] ** 3,
        description="PCA fit, covariance eigh",
    ),
    Workload(
        name="lda",
        family="classic",
        sizes={
            "full": {"n": 10_000, "d": 64, "classes": 10},
            "quick": {"n": 2_000, "d": 32, "classes": 10},
            "tiny": {"n": 100, "d": 4, "classes": 3},
        },
        make=_lda_ours,
        peers={"sklearn": _lda_sklearn("svd"), "sklearn-eigen": _lda_sklearn("eigen")},
        # the within-class scatter R^T R (2 n d^2) dominates
        flops=lambda s: 2.0 * s["n"] * s["d"] ** 2,
        description="LinearDiscriminantAnalysis fit (eigen solver)",
    ),
]
