"""Tour step: SVC by SMO on the digits (one-vs-one), its KKT and duality checks, its margins.

Result: test accuracy on the fixed digits split. Check, on a binary problem (digits 3
against 8): the largest KKT violation is <= tol, and the duality gap per sample and per
unit of C, (P - D) / (C n), is <= tol (the bound derived in scratch.classic.svm).
Figure: decision regions, the margins f = -1, 0, +1 and the circled support vectors of a
linear and an rbf SVC on two 2-D data sets.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, step

# strict pays Python overhead per array op (it is the correctness stand-in for a GPU):
# it fits on a subset of the training split to keep the tour to a few seconds
STRICT_TRAIN = 300


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _moons(n: int, seed: int):
    """Two interleaved half circles with Gaussian noise (labels 0 and 1)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, n)
    y = np.arange(n) % 2
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),
    )
    return X + rng.normal(scale=0.15, size=X.shape), y


def _blobs(n: int, seed: int):
    """Two overlapping Gaussian clouds (labels 0 and 1): a soft margin is needed."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.where(y[:, None] == 0, [-1.0, -0.5], [1.0, 0.8]) + rng.normal(size=(n, 2)) * 0.8
    return X, y


@step("svm", order=40)
def svm(bk, out):
    """SVC on the digits, KKT and duality gap on 3 vs 8, margins on 2-D data."""
    from ..classic import SVC
    from ..data import load_digits
    from ..viz.decision import plot_decision_margins

    Xtr, ytr = load_digits("train", backend=bk)
    Xte, yte = load_digits("test", backend=bk)
    if bk.name == "strict":
        Xtr, ytr = Xtr[:STRICT_TRAIN, :], ytr[:STRICT_TRAIN]
    model = SVC(C=1.0, gamma="scale").fit(Xtr, ytr)
    acc = model.score(Xte, yte)

    # the binary check: 3 against 8, the pair the digits confuse most
    y_h = to_numpy(ytr)
    keep = np.nonzero((y_h == 3) | (y_h == 8))[0]
    idx = bk.asarray(keep, dtype=bk.xp.int64)
    Xb, yb = bk.xp.take(Xtr, idx, axis=0), bk.xp.take(ytr, idx)
    tol, C = 1e-3, 1.0
    binary = SVC(C=C, gamma="scale", tol=tol).fit(Xb, yb)
    kkt = float(to_numpy(bk.xp.max(binary.kkt_violations(Xb, yb))))
    gap = float(to_numpy(binary.duality_gap(Xb, yb))[0])
    P = float(to_numpy(binary.primal_objective(Xb, yb))[0])
    per_sample = gap / (C * len(keep))
    passed = kkt <= tol and -1e-9 * abs(P) <= gap and per_sample <= tol and acc > 0.9

    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, (name, data, kernel) in zip(
        axes, [("overlapping blobs", _blobs, "linear"), ("two moons", _moons, "rbf")]
    ):
        X2, y2 = data(200, seed=0)
        m = SVC(C=1.0, kernel=kernel, gamma="scale").fit(bk.asarray(X2), bk.asarray(y2))
        plot_decision_margins(
            lambda G, m=m: m.decision_function(bk.asarray(G, dtype=bk.float)),
            X2,
            y2,
            support_vectors=m.support_vectors_,
            ax=ax,
            title=f"{kernel} SVC, C = 1, on {name}",
        )
    fig.suptitle("SVC by SMO: decision regions, margins f = -1, 0, +1, support vectors")
    save_figure(fig, out / "svm_margins.png")

    n_train = Xtr.shape[0]
    return Outcome(
        result=f"digits test acc {acc:.3f} (train {n_train})",
        check=f"3v8 KKT {kkt:.1e}<=tol, gap/(Cn) {per_sample:.1e}<=tol",
        passed=passed,
        figures=["svm_margins.png"],
    )
