"""SVC fit (rbf, C = 1, gamma = 'scale', tol = 1e-3) by our SMO against scikit-learn's libsvm.

Data: make_classification(n_samples=n, n_features=20, n_informative=10, random_state=0),
float64, two classes. Both closures run one full ``fit`` (kernel rows, SMO to the same
stopping rule m - M <= tol, bias, support vectors), both with shrinking (the default of
both SVCs; ours: ``smo_shrinking``). libsvm runs single-threaded C; ours is Python
driving O(|active set|) device vector ops per SMO iteration plus on-demand kernel rows,
so the ratio measures the per-iteration overhead of the Array-API formulation.
``scratch bench --profile svc_2000`` splits our time into selection, kernel rows,
update, shrink and reconstruct (the marks in smo_shrinking).

``svc_2000`` and ``svc_10000`` are the two fixed points; the scaling curve (fit time vs
n, 1k..10k) runs over ``n_samples``; ``scaling_curve(ns, backends)`` times it by hand.
"""

from __future__ import annotations

import time

import numpy as np

from . import Curve, Workload

CURVE = [1000, 2000, 4000, 6000, 8000, 10000]


def _data(n: int):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=20, n_informative=10, random_state=0)
    return X.astype(np.float64), y.astype(np.int64)


def make_ours(bk, size: dict):
    from scratch.classic import SVC

    X, y = _data(size["n_samples"])
    X, y = bk.asarray(X, dtype=bk.float), bk.asarray(y, dtype=bk.xp.int64)

    def fit():
        return SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3).fit(X, y).dual_coef_

    return fit


def make_sklearn(size: dict, device: str):
    if device != "cpu":
        return None
    from sklearn.svm import SVC

    X, y = _data(size["n_samples"])

    def fit():
        return SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3).fit(X, y).dual_coef_

    return fit


def scaling_curve(ns=CURVE, backends=("numpy",), repeats: int = 3) -> dict[str, list[float]]:
    """Median fit seconds at each n for our SVC on ``backends`` and for scikit-learn.

    Returns
    -------
    dict
        ``{"sklearn": [...], "numpy": [...], ...}``, one time per n in ``ns``.
    """
    from scratch import backend

    out: dict[str, list[float]] = {name: [] for name in ("sklearn", *backends)}
    for n in ns:
        size = {"n_samples": n}
        makers = {"sklearn": make_sklearn(size, "cpu")}
        for name in backends:
            bk = backend.get(name)
            makers[name] = make_ours(bk, size)
        for name, fn in makers.items():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            out[name].append(float(np.median(times)))
    return out


def _workload(name: str, n_full: int) -> Workload:
    return Workload(
        name=name,
        family="classic",
        description=f"SVC fit, rbf, C=1, make_classification n={n_full} d=20",
        sizes={
            "full": {"n_samples": n_full},
            "quick": {"n_samples": min(n_full, 4000)},
            "tiny": {"n_samples": 200},
        },
        make=make_ours,
        peers={"sklearn": make_sklearn},
        backends=("numpy", "strict", "cupy", "torch"),
        curve=Curve("n_samples", full=CURVE, quick=[1000, 2000], tiny=[100, 200])
        if n_full == 2000
        else None,
        dtype="float64",
    )


WORKLOADS = [_workload("svc_2000", 2000), _workload("svc_10000", 10000)]
