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
from . import Outcome, figures_available, step

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


@step(
    "svm",
    order=40,
    derivation=[
        (
            r"\min_{w, b, \xi}\ \tfrac12 \|w\|^2 + C \sum_t \xi_t \quad \text{s.t.} "
            r"\quad y_t f(x_t) \ge 1 - \xi_t,\ \xi_t \ge 0",
            r"the soft-margin primal, $f(x) = \langle w, \phi(x) \rangle + b$",
        ),
        (
            r"\max_\alpha\ D(\alpha) = \sum_t \alpha_t - \tfrac12 \sum_{s,t} \alpha_s \alpha_t\, "
            r"y_s y_t K_{st} \quad \text{s.t.} \quad 0 \le \alpha_t \le C,\ \sum_t \alpha_t y_t = "
            r"0",
            "the dual, solved by SMO",
        ),
        (
            r"\beta \leftarrow \beta + s\,(e_i - e_j), \quad s = \frac{F_i - F_j}{K_{ii} + K_{jj} "
            r"- 2K_{ij}}, \quad F = y - K\beta",
            r"one SMO step on two coefficients $\beta_t = y_t \alpha_t$, then clipped to the box",
        ),
        (
            r"\alpha_t = 0 \Rightarrow y_t f_t \ge 1, \quad 0 < \alpha_t < C \Rightarrow y_t f_t "
            r"= 1, \quad \alpha_t = C \Rightarrow y_t f_t \le 1",
            "the KKT conditions: the first half of the check",
        ),
        (
            r"0 \le P - D \le C\, n\, \mathrm{tol}",
            "weak duality and SMO's stopping rule: the second half",
        ),
    ],
    criterion=r"on digits 3 against 8: the largest KKT violation $\le$ tol $= 10^{-3}$, "
    r"$P - D \ge -10^{-9}|P|$ and $(P - D)/(Cn) \le$ tol; test accuracy on the digits $> 0.9$.",
    reference=[
        "scratch.classic.svm.smo:smo",
        "scratch.classic.svm.svc:SVC.kkt_violations",
        "scratch.classic.svm.svc:SVC.duality_gap",
    ],
    api=["scratch.classic:SVC"],
    captions={
        "svm_margins.png": "decision regions of a linear SVC on overlapping blobs and an rbf "
        "SVC on two moons: the solid line is f = 0, the dashed ones the margins f = -1 and "
        "+1, and the circled points are the support vectors (on or inside their margin)."
    },
)
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

    if figures_available():  # the checks above ran either way
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
