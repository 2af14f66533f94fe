"""Tour steps: PCA, LDA, k-means, the Jacobi eigensolver, Fourier series, inequalities.

Each step fits on small built-in data (the digits, or 2-D Gaussian blobs drawn here),
runs the derivation's own check on the chosen backend and writes its figures.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, figures_available, step


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


def _pca_figure(out, Z, y, ratio) -> None:
    """pca.png: the digits on PC 1 and PC 2, and the cumulative explained variance."""
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    _scatter_by_digit(ax1, Z, y, "digits on PC 1 and PC 2")
    ax1.set_xlabel("PC 1")
    ax1.set_ylabel("PC 2")
    ax2.plot(np.arange(1, 65), np.cumsum(ratio), marker=".")
    ax2.set_xlabel("number of components k")
    ax2.set_ylabel("cumulative explained variance ratio")
    ax2.set_ylim(0, 1.02)
    ax2.grid(alpha=0.3)
    ax2.set_title("explained variance (eigenvalues of the covariance)")
    save_figure(fig, out / "pca.png")


@step(
    "pca",
    order=30,
    derivation=[
        (
            r"X_c = X - \mathbf{1}\bar{x}^\top, \quad S = \frac{1}{n-1} X_c^\top X_c = V \Lambda "
            r"V^\top",
            "the eigh solver: eigenvectors of the covariance",
        ),
        (
            r"X_c = U \Sigma V^\top \;\Rightarrow\; S = V\, \frac{\Sigma^2}{n-1}\, V^\top",
            "the svd solver: the same $V$ (up to signs, fixed by flip_signs), "
            r"$\Lambda = \Sigma^2/(n-1)$",
        ),
        (
            r"Z = X_c V_k, \quad \hat{X} = Z V_k^\top + \mathbf{1}\bar{x}^\top, \quad \hat{X} = X "
            r"\text{ for } k = d",
            "projection and reconstruction; the explained variance ratio of component $j$ is "
            r"$\lambda_j / \sum_i \lambda_i$",
        ),
    ],
    criterion=r"the eigh and SVD components agree to $10^{-8}$ and the full-rank round trip "
    r"$X \to Z \to X$ to $10^{-9}$ (float64, the 1797 x 64 digits).",
    reference=[
        "scratch.classic.decomposition.pca:PCA.fit",
        "scratch.classic.decomposition.pca:flip_signs",
    ],
    api=["scratch.classic:PCA"],
    captions={
        "pca.png": "left: the 1797 digits on the first two principal components, coloured by "
        "digit (some digits separate, most overlap); right: the cumulative explained variance "
        "ratio against the number of components k."
    },
)
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
    ratio = to_numpy(full.explained_variance_ratio_)
    if figures_available():  # the checks above ran either way
        _pca_figure(out, to_numpy(a.transform(X)), to_numpy(y), ratio)
    top2 = float(ratio[:2].sum())
    return Outcome(
        f"2 PCs explain {top2:.1%}",
        f"eigh==svd {solvers_gap:.1e}; X->Z->X {recon:.1e}",
        passed,
        ["pca.png"],
    )


@step(
    "lda",
    order=31,
    derivation=[
        (
            r"S_w = \sum_c \sum_{i \in c} (x_i - \mu_c)(x_i - \mu_c)^\top, \quad S_b = \sum_c "
            r"n_c\, (\mu_c - \mu)(\mu_c - \mu)^\top",
            "within- and between-class scatter",
        ),
        (r"J(w) = \frac{w^\top S_b\, w}{w^\top S_w\, w}", "Fisher's criterion"),
        (
            r"\nabla J(w) = 0 \iff S_b\, w = J(w)\, S_w\, w",
            "a generalized eigenproblem: the top eigenvector maximizes $J$, and its eigenvalue "
            "is $J(w^*)$",
        ),
    ],
    criterion=r"$J(w^*) \ge J(r)$ for 100 random directions $r$ (an exact inequality, no "
    r"tolerance); $S_w$ gets a ridge of $10^{-2}$ since some pixels are always 0.",
    reference=[
        "scratch.classic.decomposition.lda:scatter_matrices",
        "scratch.classic.decomposition.lda:fisher_criterion",
        "scratch.classic.decomposition.lda:LinearDiscriminantAnalysis.fit",
    ],
    api=["scratch.classic:LinearDiscriminantAnalysis"],
    captions={
        "lda.png": "left: the digits on the two most discriminant directions (compare with "
        "the PCA page: the classes separate more); right: J of 100 random directions (grey) "
        "and of Fisher's direction (red), which must lie right of all of them."
    },
)
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
    if figures_available():  # the checks above ran either way
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


@step(
    "kmeans",
    order=32,
    derivation=[
        (r"J = \sum_i \|x_i - c_{l(i)}\|^2", "the objective, the inertia"),
        (
            r"l(i) = \operatorname*{argmin}_j \|x_i - c_j\|^2",
            "the assignment step cannot raise $J$: each point moves to a nearer center",
        ),
        (
            r"c_j = \frac{1}{|S_j|} \sum_{i \in S_j} x_i, \quad S_j = \{i : l(i) = j\}",
            r"nor can the update step: the mean minimizes $\sum_{i \in S_j} \|x_i - c "
            r"\|^2$ over $c$",
        ),
    ],
    criterion=r"$J_{t+1} \le J_t + 10^{-12} J_0$ at every iteration (rounding only).",
    reference=[
        "scratch.classic.cluster.kmeans:kmeans_assign",
        "scratch.classic.cluster.kmeans:_lloyd",
    ],
    api=["scratch.classic:KMeans"],
    captions={
        "kmeans.png": "left: the four blobs coloured by cluster, the initial centers "
        "(circles), the fitted (X) and the true (+) centers; right: J per iteration, which "
        "must never rise."
    },
)
def kmeans(bk, out):
    """k-means on four 2-D Gaussian blobs, from four poorly placed initial centers."""
    from ..classic import KMeans

    X, true_centers = _blobs(bk)
    # one run from 4 random samples (not k-means++), so the iterations have work to do
    C0 = X[-4:, :]
    m = KMeans(4, init=C0, n_init=1).fit(X)
    h = np.array(m.inertia_history_)
    passed = bool(np.all(np.diff(h) <= 1e-12 * h[0]))
    if figures_available():  # the checks above ran either way
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


@step(
    "jacobi",
    order=35,
    derivation=[
        r"\operatorname{off}(A) = \Big(\sum_{p \ne q} a_{pq}^2\Big)^{1/2}",
        (
            r"A' = J^\top A J, \quad t = \tan\theta = \frac{2\, a_{pq} "
            r"\operatorname{sign}(d)}{|d| + \sqrt{d^2 + 4 a_{pq}^2}}, \quad d = a_{qq} - a_{pp}",
            r"the rotation $J(p, q, \theta)$ that zeros $a'_{pq}$ (the smaller root, for "
            r"stability), $c = 1/\sqrt{1+t^2}$, $s = tc$",
        ),
        (
            r"\operatorname{off}(A')^2 = \operatorname{off}(A)^2 - 2\, a_{pq}^2",
            "each rotation removes its pair's weight; cyclic sweeps converge quadratically",
        ),
        r"V = \prod_k J_k, \quad A V = V \Lambda, \quad V^\top V = I",
    ],
    criterion=r"the eigenvalues within $10^{-12}$ of eigh's (relative to the largest) and "
    r"$\max |V^\top V - I| < 10^{-12}$, on the 64 x 64 covariance of the digits.",
    reference=["scratch.mathx.eigen:jacobi_rotation", "scratch.mathx.eigen:jacobi_eigh"],
    api=["scratch.mathx:covariance"],
    captions={
        "jacobi.png": "left: off(A) / ||A||_F per sweep on a log scale: look for the "
        "quadratic drop (the exponent doubling) in the last sweeps; right: the spectrum by "
        "Jacobi (dots) on eigh's (circles)."
    },
)
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
    if figures_available():  # the checks above ran either way
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


@step(
    "fourier",
    order=36,
    derivation=[
        (
            r"S_N(x) = \frac{a_0}{2} + \sum_{n=1}^{N} \big(a_n \cos nx + b_n \sin nx\big), \quad "
            r"b_n = \frac{1}{\pi}\int_{-\pi}^{\pi} f(x) \sin nx \, dx",
            r"the partial sum (period $2\pi$), coefficients by the midpoint rule",
        ),
        (
            r"f(x) = \operatorname{sign}(\sin x): \quad a_n = 0, \quad b_n = \frac{4}{n\pi} "
            r"\text{ for odd } n, \; 0 \text{ for even } n",
            "the square wave, with a jump of 2 at 0",
        ),
        (
            r"\|f - S_N\|_2^2 = \pi \sum_{n > N} \big(a_n^2 + b_n^2\big)",
            "Parseval: the L2 error can only fall as $N$ grows",
        ),
        (
            r"\frac{\max S_N - 1}{2} \to \frac{\operatorname{Si}(\pi)}{\pi} - \frac{1}{2} = "
            r"0.08949\ldots",
            "Gibbs: the overshoot next to the jump does not vanish; it tends to 8.95 % of the jump",
        ),
    ],
    criterion=r"the L2 error strictly decreases over $N = 1, 3, \ldots, 129$ and the overshoot at "
    r"$N = 129$ is within $10^{-3}$ of the Gibbs constant (the $O(1/N^2)$ gap and the "
    r"quadrature error on $2^{14}$ points are far smaller).",
    reference=[
        "scratch.mathx.fourier:fourier_coefficients",
        "scratch.mathx.fourier:fourier_partial_sum",
        "scratch.mathx.fourier:gibbs_overshoot",
    ],
    api=["scratch.mathx:square_wave"],
    captions={
        "fourier.png": "left: the partial sums S_1, S_5, S_17, S_129 of the square wave: the "
        "ripple next to the jump narrows but keeps its height (dotted line); right: the L2 "
        "error falling and the overshoot levelling off at the Gibbs limit."
    },
)
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
    if figures_available():  # the checks above ran either way
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


@step(
    "inequalities",
    order=37,
    derivation=[
        (
            r"P(X \ge a) \le \frac{\mathbb{E}[X]}{a} \quad (X \ge 0,\ a > 0)",
            r"Markov: take expectations of $a\,\mathbf{1}[X \ge a] \le X$",
        ),
        (
            r"P\big(|X - \mu| \ge k\sigma\big) \le \frac{1}{k^2}",
            r"Chebyshev: Markov applied to $(X - \mu)^2$ at $a = k^2\sigma^2$",
        ),
    ],
    criterion=r"the bound, from the mean and standard deviation of the $10^5$ samples, is at "
    r"least the empirical tail at all 80 thresholds: exact for the empirical distribution, so "
    r"no tolerance.",
    reference=[
        "scratch.mathx.inequalities:markov_bound",
        "scratch.mathx.inequalities:chebyshev_bound",
        "scratch.mathx.inequalities:empirical_tail",
    ],
    api=["scratch.mathx:empirical_check"],
    captions={
        "inequalities.png": "left: Markov's bound E[X]/a, the empirical tail of Exp(1) "
        "samples and the exact e^-a: the bound stays above, loose by orders of magnitude; "
        "right: Chebyshev's 1/k^2 above the tail of Laplace samples."
    },
)
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
    if figures_available():  # the checks above ran either way
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
