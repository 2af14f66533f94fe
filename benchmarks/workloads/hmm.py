"""Baum-Welch for a categorical HMM side by side with hmmlearn's two implementations.

Job: K = 5 states, M = 10 symbols, ``n_seq`` sequences of length ``T`` sampled from a
fixed random model, 10 Baum-Welch iterations from one fixed starting point (the same
numbers for us and the peers; init_params="" and tol=-inf so every fit runs exactly
``iters`` iterations). Ours advances all sequences together, one batched
(n_seq, K) @ (K, K) product per time step; hmmlearn loops over the sequences in Python and
runs each one through its C++ forward/backward ("scaling" or "log").

FLOPs of one fit, per iteration and sequence step: forward and backward matrix products
(2 * 2 K^2), the scaled emissions, gamma and the xi product (~2 K^2 + 10 K): about
6 K^2 + 10 K, times n_seq * T * iters. The scaling curve varies n_seq (100 .. 10000).
"""

from __future__ import annotations

import numpy as np

from . import Curve, Workload, numpy_ml_peers

K, M = 5, 10


def _problem(size):
    """Observations (n_seq * T, 1), lengths, and the shared starting parameters."""
    rng = np.random.default_rng(11)
    n_seq, T = size["n_seq"], size["T"]
    pi = rng.dirichlet(np.ones(K))
    A = rng.dirichlet(np.ones(K) * 2, size=K) + 4 * np.eye(K)
    A /= A.sum(axis=1, keepdims=True)
    B = rng.dirichlet(np.ones(M) * 0.5, size=K)
    q = np.empty((n_seq, T), dtype=np.int64)  # sample all sequences at once, time-major
    q[:, 0] = rng.choice(K, size=n_seq, p=pi)
    cdf_A, cdf_B = np.cumsum(A, axis=1), np.cumsum(B, axis=1)
    for t in range(1, T):
        q[:, t] = np.minimum((cdf_A[q[:, t - 1]] <= rng.random(n_seq)[:, None]).sum(1), K - 1)
    X = np.minimum((cdf_B[q.reshape(-1)] <= rng.random(n_seq * T)[:, None]).sum(1), M - 1)
    start = {
        "startprob_": np.full(K, 1.0 / K),
        "transmat_": rng.dirichlet(np.ones(K) * 5, size=K),
        "emissionprob_": rng.dirichlet(np.ones(M) * 5, size=K),
    }
    return X[:, None], [T] * n_seq, start


def _ours(bk, size):
    from scratch.classic.hmm import CategoricalHMM

    X, lengths, start = _problem(size)
    Xd = bk.asarray(X)
    on_device = {name: bk.asarray(a, dtype=bk.float) for name, a in start.items()}

    def run():
        est = CategoricalHMM(K, n_iter=size["iters"], tol=-np.inf, init_params="", n_features=M)
        for name, a in on_device.items():
            setattr(est, name, a)
        return est.fit(Xd, lengths)

    return run


def _hmmlearn(implementation):
    def make(size, device="cpu"):
        from hmmlearn.hmm import CategoricalHMM

        if device != "cpu":
            return None
        X, lengths, start = _problem(size)

        def run():
            est = CategoricalHMM(
                K,
                n_iter=size["iters"],
                tol=-np.inf,
                init_params="",
                implementation=implementation,
                n_features=M,
            )
            for name, a in start.items():
                setattr(est, name, a.copy())
            return est.fit(X, lengths)

        return run

    return make


def _flops(size):
    return size["iters"] * size["n_seq"] * size["T"] * (6.0 * K * K + 10.0 * K)


WORKLOADS = [
    Workload(
        name="hmm_baum_welch",
        family="classic",
        sizes={
            "full": {"n_seq": 1000, "T": 100, "iters": 10},
            "quick": {"n_seq": 300, "T": 100, "iters": 10},
            "tiny": {"n_seq": 20, "T": 30, "iters": 2},
        },
        make=_ours,
        peers={
            "hmmlearn-scaling": _hmmlearn("scaling"),
            "hmmlearn-log": _hmmlearn("log"),
            "numpy-ml": numpy_ml_peers.hmm,
        },
        flops=_flops,
        curve=Curve(
            "n_seq",
            full=[100, 300, 1000, 3000, 10000],
            quick=[100, 300, 1000],
            tiny=[10, 20],
        ),
        dtype="float64",
        description="CategoricalHMM K=5, M=10, 1000 x length-100 sequences, 10 Baum-Welch "
        "iterations from a fixed start",
    )
]
