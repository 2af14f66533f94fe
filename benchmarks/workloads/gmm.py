"""Gaussian mixture EM side by side with scikit-learn's GaussianMixture.

Both fit the same data from the same starting point (uniform weights, k rows of X as
means, identity precisions scaled by 1 / mean feature variance), with tol = 0 so both run
exactly ``iters`` EM iterations (scikit-learn's ConvergenceWarning is silenced), n_init = 1.
Data: k Gaussian blobs in d dimensions (fixed seed, the same numbers for us and the peer).

FLOPs of one fit, per iteration: the E step's matmul X [U_1 | ... | U_k] (2 n d k d) plus the
M step's k scatter matrices (2 k n d d) and means (2 n k d), about 4 n k d^2 + 2 n k d.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import Curve, Workload, numpy_ml_peers


def _data(size):
    rng = np.random.default_rng(3)
    n, d, k = size["n"], size["d"], size["k"]
    centers = rng.normal(scale=3.0, size=(k, d))
    X = centers[rng.integers(0, k, n)] + rng.standard_normal((n, d))
    inits = {
        "weights_init": np.full(k, 1.0 / k),
        "means_init": X[rng.choice(n, k, replace=False)],
        "precisions_init": np.repeat(np.eye(d)[None] / X.var(axis=0).mean(), k, axis=0),
    }
    return X, inits


def _ours(bk, size):
    from scratch.classic.mixture.gmm import GaussianMixture

    X, inits = _data(size)
    Xd = bk.asarray(X, dtype=bk.float)
    on_device = {name: bk.asarray(a, dtype=bk.float) for name, a in inits.items()}
    est = GaussianMixture(size["k"], max_iter=size["iters"], tol=0.0, **on_device)
    return lambda: est.fit(Xd)


def _sklearn(size, device="cpu"):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    if device != "cpu":
        return None
    X, inits = _data(size)
    est = GaussianMixture(size["k"], max_iter=size["iters"], tol=0.0, **inits)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0 never converges
            return est.fit(X)

    return run


def _flops(size):
    n, d, k = size["n"], size["d"], size["k"]
    return size["iters"] * (4.0 * n * k * d * d + 2.0 * n * k * d)


WORKLOADS = [
    Workload(
        name="gmm",
        family="classic",
        sizes={
            "full": {"n": 20000, "d": 8, "k": 8, "iters": 50},
            "quick": {"n": 5000, "d": 8, "k": 8, "iters": 20},
            "tiny": {"n": 400, "d": 2, "k": 3, "iters": 5},
        },
        make=_ours,
        peers={"sklearn": _sklearn, "numpy-ml": numpy_ml_peers.gmm},
        flops=_flops,
        curve=Curve("n", full=[5000, 20000, 80000], quick=[2000, 5000], tiny=[200, 400]),
        dtype="float64",
        description="GaussianMixture k=8 full covariances, 50 EM iterations from a fixed start",
    )
]
