"""Tour steps: PCA, LDA, k-means, the Jacobi eigensolver, Fourier series, inequalities.

Each step fits on small built-in data (the digits, or 2-D Gaussian blobs drawn here),
runs the derivation's own check on the chosen backend and writes its figures.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, step


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _digits(bk):
    """(X, y) of the 1797 digits on the backend (scratch.data, else scikit-learn's copy)."""
    try:
        from ..data import load_digits

        return load_digits(backend=bk)
    except ImportError:
        import gzip
        from pathlib import Path

        import sklearn

        path = Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"
        with gzip.open(path) as f:
            data = np.loadtxt(f, delimiter=",")
        return bk.asarray(data[:, :-1], dtype=bk.float), bk.asarray(data[:, -1], dtype=bk.int64)


def _blobs(bk, seed=0, n=600):
    rng = np.random.default_rng(seed)
    centers = np.array([[-4.0, -2.0], [0.0, 4.0], [4.0, -1.0], [1.0, -5.0]])
    y = rng.integers(0, 4, n)
    X = centers[y] + rng.standard_normal((n, 2)) * np.array([1.2, 0.9])
    return bk.asarray(X, dtype=bk.float), centers


def _scatter_by_digit(ax, Z, y, title):
    plt = _plt()
    cmap = plt.get_cmap("tab10")
    for digit in range(10):
        m = y == digit
        ax.scatter(Z[m, 0], Z[m, 1], s=6, color=cmap(digit), label=str(digit), alpha=0.7)
    ax.legend(markerscale=3, fontsize=7, ncol=2, title="digit", title_fontsize=7)
    ax.set_title(title)


@step("pca", order=30)
def pca(bk, out):
    """Digits projected on their first two principal components (eigh and SVD)."""
    from ..classic import PCA

    X, y = _digits(bk)
    a = PCA(2, solver="eigh").fit(X)
    b = PCA(2, solver="svd").fit(X)
    solvers_gap = float(np.abs(to_numpy(a.components_) - to_numpy(b.components_)).max())
    full = PCA(solver="svd").fit(X)
    back = full.inverse_transform(full.transform(X))
    recon = float(np.abs(to_numpy(back) - to_numpy(X)).max())
    passed = solvers_gap < 1e-8 and recon < 1e-9
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    _scatter_by_digit(ax1, to_numpy(a.transform(X)), to_numpy(y), "digits on PC 1 and PC 2")
    ax1.set_xlabel("PC 1")
    ax1.set_ylabel("PC 2")
    ratio = to_numpy(full.explained_variance_ratio_)
    ax2.plot(np.arange(1, 65), np.cumsum(ratio), marker=".")
    ax2.set_xlabel("number of components k")
    ax2.set_ylabel("cumulative explained variance ratio")
    ax2.set_ylim(0, 1.02)
    ax2.grid(alpha=0.3)
    ax2.set_title("explained variance (eigenvalues of the covariance)")
    save_figure(fig, out / "pca.png")
    top2 = float(ratio[:2].sum())
    return Outcome(
        f"2 PCs explain {top2:.1%}",
        f"eigh==svd {solvers_gap:.1e}; X->Z->X {recon:.1e}",
        passed,
        ["pca.png"],
    )


@step("lda", order=31)
def lda(bk, out):
    """Digits on Fisher's two most discriminant directions."""
    from ..classic import LinearDiscriminantAnalysis
    from ..classic.decomposition.lda import fisher_criterion

    X, y = _digits(bk)
    # some digit pixels are always 0, so S_w is singular: a small ridge makes it PD
    m = LinearDiscriminantAnalysis(n_components=2, reg_covar=1e-2).fit(X, y)
    J_best = float(to_numpy(fisher_criterion(m.scalings_[:, 0], X, y)))
    R = bk.asarray(np.random.default_rng(0).standard_normal((64, 100)), dtype=bk.float)
    J_random = to_numpy(fisher_criterion(R, X, y))
    passed = bool(np.all(J_random <= J_best))
    acc = m.score(X, y)
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), width_ratios=[1.4, 1])
    _scatter_by_digit(ax1, to_numpy(m.transform(X)), to_numpy(y), "digits on LD 1 and LD 2")
    ax1.set_xlabel("LD 1")
    ax1.set_ylabel("LD 2")
    ax2.hist(J_random, bins=20, color="gray", label="100 random directions")
    ax2.axvline(J_best, color="C3", lw=2, label=f"Fisher direction, J = {J_best:.1f}")
    ax2.set_xlabel("J(w) = w'S_b w / w'S_w w")
    ax2.set_ylabel("count")
    ax2.legend(fontsize=8)
    ax2.set_title("Fisher's criterion")
    save_figure(fig, out / "lda.png")
    return Outcome(
        f"train acc {acc:.3f}, J={J_best:.1f}",
        f"J(w*) >= J of 100 random (max {J_random.max():.2f})",
        passed,
        ["lda.png"],
    )


@step("kmeans", order=32)
def kmeans(bk, out):
    """k-means on four 2-D Gaussian blobs, from four poorly placed initial centers."""
    from ..classic import KMeans

    X, true_centers = _blobs(bk)
    # one run from 4 random samples (not k-means++), so the iterations have work to do
    C0 = X[-4:, :]
    m = KMeans(4, init=C0, n_init=1).fit(X)
    h = np.array(m.inertia_history_)
    passed = bool(np.all(np.diff(h) <= 1e-12 * h[0]))
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    Xh, lab, C = to_numpy(X), to_numpy(m.labels_), to_numpy(m.cluster_centers_)
    cmap = plt.get_cmap("tab10")
    for j in range(4):
        ax1.scatter(*Xh[lab == j].T, s=6, color=cmap(j), alpha=0.6)
    ax1.scatter(
        *to_numpy(C0).T,
        marker="o",
        s=120,
        facecolors="none",
        edgecolors="k",
        label="initial centers",
    )
    ax1.scatter(*C.T, marker="X", s=160, c="k", label="fitted centers")
    ax1.scatter(*true_centers.T, marker="+", s=160, c="C3", label="true centers")
    ax1.legend(fontsize=8)
    ax1.set_aspect("equal")
    ax1.set_title("k-means clusters, k = 4")
    ax2.plot(np.arange(1, len(h) + 1), h, marker="o")
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("inertia J = sum ||x - c(x)||^2")
    ax2.set_title("the objective never increases")
    ax2.xaxis.get_major_locator().set_params(integer=True)
    ax2.grid(alpha=0.3)
    save_figure(fig, out / "kmeans.png")
    return Outcome(
        f"inertia {float(to_numpy(m.inertia_)):.1f} in {m.n_iter_} it",
        "objective non-increasing",
        passed,
        ["kmeans.png"],
    )


@step("jacobi", order=35)
def jacobi(bk, out):
    """Cyclic Jacobi sweeps on the 64 x 64 covariance of the digits, against eigh."""
    from ..mathx import covariance, jacobi_eigh

    X, _ = _digits(bk)
    C = covariance(X)
    (lam, V), hist = jacobi_eigh(C, return_history=True)
    ref = bk.linalg.eigh(C)
    lam_h, lam_ref = to_numpy(lam), to_numpy(ref.eigenvalues)
    err = float(np.abs(lam_h - lam_ref).max() / np.abs(lam_ref).max())
    Vh, Ch = to_numpy(V), to_numpy(C)
    ortho = float(np.abs(Vh.T @ Vh - np.eye(64)).max())
    passed = err < 1e-12 and ortho < 1e-12
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.semilogy(range(len(hist)), np.maximum(hist, 1e-30), marker="o")
    ax1.set_xlabel("sweep")
    ax1.set_ylabel("off(A) / ||A||_F")
    ax1.set_title("quadratic convergence of the Jacobi sweeps")
    ax1.grid(alpha=0.3, which="both")
    # the always-blank pixels give eigenvalues that are 0 up to rounding: leave them out
    keep = lam_ref[::-1] > 1e-12 * lam_ref.max()
    idx = np.arange(1, 65)[keep]
    ax2.semilogy(idx, lam_ref[::-1][keep], "o", mfc="none", label="eigh")
    ax2.semilogy(idx, lam_h[::-1][keep], ".", label="Jacobi")
    ax2.set_xlabel(f"index (descending; {64 - keep.sum()} zero eigenvalues not shown)")
    ax2.set_ylabel("eigenvalue of the digits covariance")
    ax2.legend()
    ax2.set_title(f"spectrum, max relative difference {err:.1e}")
    ax2.grid(alpha=0.3, which="both")
    save_figure(fig, out / "jacobi.png")
    resid = float(np.abs(Ch @ Vh - Vh * lam_h).max())
    return Outcome(
        f"{len(hist) - 1} sweeps, |AV-VL| {resid:.1e}",
        f"vs eigh {err:.1e}, V'V=I {ortho:.1e}",
        passed,
        ["jacobi.png"],
    )


@step("fourier", order=36)
def fourier(bk, out):
    """Partial sums of the square wave: L2 convergence and the Gibbs overshoot."""
    from ..mathx import (
        GIBBS_CONSTANT,
        fourier_coefficients,
        fourier_partial_sum,
        gibbs_overshoot,
        square_wave,
    )
    from ..mathx.fourier import quadrature_grid

    Ns = [1, 3, 5, 9, 17, 33, 65, 129]
    coeffs = fourier_coefficients(square_wave, Ns[-1], n_points=2**14, like=bk)
    x, h = quadrature_grid(2**14, like=bk)
    f = square_wave(x)
    l2, over, sums = [], [], {}
    for N in Ns:
        c = (coeffs.a0, coeffs.a[:N], coeffs.b[:N])
        S = fourier_partial_sum(c, x)
        l2.append(math.sqrt(float(to_numpy(bk.sum((f - S) ** 2))) * h))
        over.append(gibbs_overshoot(c))
        sums[N] = to_numpy(S)
    decreasing = all(b < a for a, b in zip(l2, l2[1:]))
    # N = 129 from quadrature coefficients: O(1/N^2) ~ 1e-5 from the limit, plus the
    # quadrature's O(N/M^2)-ish error in b_n; 1e-3 of the jump is a generous, honest bar
    close = abs(over[-1] - GIBBS_CONSTANT) < 1e-3
    passed = decreasing and close
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    xh = to_numpy(x)
    ax1.plot(xh, to_numpy(f), "k", lw=1.5, label="square wave")
    for N in (1, 5, 17, 129):
        ax1.plot(xh, sums[N], lw=1, label=f"S_{N}")
    ax1.axhline(1 + 2 * GIBBS_CONSTANT, color="gray", ls=":", lw=1)
    ax1.text(-3.0, 1 + 2 * GIBBS_CONSTANT + 0.04, "1 + 8.95% of the jump", fontsize=8)
    ax1.set_ylim(-1.45, 1.45)
    ax1.set_xlabel("x")
    ax1.legend(fontsize=8, loc="lower right")
    ax1.set_title("partial sums of the square wave")
    ax2.loglog(Ns, l2, "o-", label="L2 error ||f - S_N||")
    ax2.loglog(Ns, over, "s-", label="overshoot / jump")
    ax2.axhline(GIBBS_CONSTANT, color="gray", ls=":", label="Gibbs limit 0.0895")
    ax2.set_xlabel("N (harmonics)")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    ax2.set_title("L2 error -> 0, overshoot does not")
    save_figure(fig, out / "fourier.png")
    return Outcome(
        f"L2 err {l2[-1]:.3f}, overshoot {over[-1]:.4f}",
        "L2 decreasing, overshoot ~8.95% of jump",
        passed,
        ["fourier.png"],
    )


@step("inequalities", order=37)
def inequalities(bk, out):
    """Markov (exponential samples) and Chebyshev (Laplace samples) bounds vs empirical tails."""
    from ..mathx import empirical_check

    rng = np.random.default_rng(0)
    expo = bk.asarray(rng.exponential(1.0, 100_000), dtype=bk.float)
    lap = bk.asarray(rng.laplace(0.0, 1.0, 100_000), dtype=bk.float)
    a = np.linspace(0.1, 8.0, 80)
    k = np.linspace(0.5, 5.0, 80)
    mb, me = (to_numpy(v) for v in empirical_check(expo, bk.asarray(a, dtype=bk.float)))
    cb, ce = (to_numpy(v) for v in empirical_check(lap, bk.asarray(k, dtype=bk.float), "chebyshev"))
    passed = bool(np.all(me <= mb) and np.all(ce <= cb))
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.semilogy(a, np.minimum(mb, 1), label="Markov bound E[X]/a")
    ax1.semilogy(a, np.maximum(me, 1e-6), label="empirical P(X >= a)")
    ax1.semilogy(a, np.exp(-a), "k:", label="exact e^-a")
    ax1.set_xlabel("a")
    ax1.set_title("Markov, X ~ Exp(1), 10^5 samples")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, which="both")
    ax2.semilogy(k, np.minimum(cb, 1), label="Chebyshev bound 1/k^2")
    ax2.semilogy(k, np.maximum(ce, 1e-6), label="empirical P(|X - mu| >= k sigma)")
    ax2.semilogy(k, np.exp(-k * math.sqrt(2)), "k:", label="exact e^(-k sqrt 2)")
    ax2.set_xlabel("k")
    ax2.set_title("Chebyshev, X ~ Laplace(0, 1), 10^5 samples")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    save_figure(fig, out / "inequalities.png")
    return Outcome(
        f"P(X>=4)={me[np.searchsorted(a, 4.0)]:.3f}<={mb[np.searchsorted(a, 4.0)]:.3f}",
        "bound >= empirical tail everywhere",
        passed,
        ["inequalities.png"],
    )
