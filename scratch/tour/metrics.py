"""Tour steps: KL between Gaussians, FID / IS of digits, the 2-D Gaussian picture.

``kl-gaussian``: the closed form against a Monte Carlo estimate of E_0[ln p0 - ln p1].
``fid-is``: real test digits against the training digits, and against noisy and
mode-dropped ones, measured by the shipped digits CNN; the metric must order them.
``gaussian-2d``: the k-sigma ellipses as the correlation sweeps -1 .. +1, tangent to the
box of half-widths k s1, k s2.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, figures_available, step

MU0, MU1 = np.array([0.0, 1.0, -0.5]), np.array([0.8, 0.2, 0.0])
S0 = np.array([[1.0, 0.4, 0.1], [0.4, 0.8, -0.2], [0.1, -0.2, 0.5]])
S1 = np.array([[1.5, -0.3, 0.0], [-0.3, 1.0, 0.3], [0.0, 0.3, 0.7]])


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _logpdf(x, mu, S):
    d = x - mu
    _, logdet = np.linalg.slogdet(S)
    m2 = np.sum(d * np.linalg.solve(S, d.T).T, axis=1)
    return -0.5 * (m2 + logdet + mu.size * np.log(2 * np.pi))


@step(
    "kl-gaussian",
    order=46,
    derivation=[
        (
            r"\mathrm{KL}(N_0 \| N_1) = \tfrac12 \left[ \mathrm{tr}(\Sigma_1^{-1}\Sigma_0) + "
            r"(\mu_1 - \mu_0)^\top \Sigma_1^{-1} (\mu_1 - \mu_0) - k + "
            r"\ln \frac{\det \Sigma_1}{\det \Sigma_0} \right]",
            "trace term, Mahalanobis term, minus the dimension, log-determinant ratio",
        ),
        (
            r"M = L_1^{-1} L_0, \quad z = L_1^{-1}(\mu_1 - \mu_0), \quad "
            r"\mathrm{KL} = \tfrac12 \left[ \sum_i (m_{ii}^2 - 1 - \ln m_{ii}^2) + "
            r"\sum_{i > j} m_{ij}^2 + \|z\|^2 \right]",
            r"Cholesky factors $\Sigma_j = L_j L_j^\top$, forward substitution, no inverse; "
            r"every term is $\ge 0$",
        ),
        (
            r"\widehat{\mathrm{KL}} = \frac1n \sum_{i=1}^n \left[\ln p_0(x_i) - "
            r"\ln p_1(x_i)\right], \quad x_i \sim N_0",
            "the Monte Carlo estimate the closed form is checked against",
        ),
    ],
    criterion=r"the Monte Carlo mean of 20,000 draws lies within 4 standard errors of the "
    r"closed form; $\mathrm{KL}(N \| N) = 0$ exactly; variances and the matching diagonal "
    r"matrices give the same value ($10^{-12}$).",
    reference=["scratch.metrics.gaussian:kl_gaussian", "scratch.metrics._linalg:solve_lower"],
    api=["scratch.metrics:kl_gaussian"],
    captions={
        "kl_gaussian.png": "left: the running Monte Carlo estimate with its 4-SE band closing "
        "in on the closed form (red); right: the closed form's three terms for this pair."
    },
)
def kl_gaussian_step(bk, out):
    """Closed-form KL of two 3-D Gaussians against a Monte Carlo estimate."""
    from ..metrics import kl_gaussian

    on = [bk.asarray(a, dtype=bk.float) for a in (MU0, S0, MU1, S1)]
    kl = float(to_numpy(kl_gaussian(*on)))
    zero = float(to_numpy(kl_gaussian(on[0], on[1], on[0], on[1])))
    v0, v1 = np.diag(S0).copy(), np.diag(S1).copy()
    diag = float(to_numpy(kl_gaussian(on[0], bk.asarray(v0), on[2], bk.asarray(v1))))
    full = float(
        to_numpy(kl_gaussian(on[0], bk.asarray(np.diag(v0)), on[2], bk.asarray(np.diag(v1))))
    )
    x = np.random.default_rng(0).multivariate_normal(MU0, S0, size=20_000)
    r = _logpdf(x, MU0, S0) - _logpdf(x, MU1, S1)
    n = np.arange(1, r.size + 1)
    running = np.cumsum(r) / n
    se = r.std(ddof=1) / np.sqrt(r.size)
    mc = float(running[-1])
    passed = abs(mc - kl) < 4 * se and zero == 0.0 and abs(diag - full) <= 1e-12 * diag

    d = MU1 - MU0
    S1inv = np.linalg.inv(S1)
    terms = {
        "trace": float(np.trace(S1inv @ S0)),
        "Mahalanobis": float(d @ S1inv @ d),
        "-k": -3.0,
        "ln det ratio": float(np.linalg.slogdet(S1)[1] - np.linalg.slogdet(S0)[1]),
    }
    if figures_available():  # the checks above ran either way
        plt = _plt()
        widths = {"width_ratios": [1.6, 1]}
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw=widths)
        band = 4 * r.std(ddof=1) / np.sqrt(n)
        ax1.fill_between(n, running - band, running + band, color="C0", alpha=0.2, label="4 SE")
        ax1.plot(n, running, color="C0", label="Monte Carlo mean of ln p0 - ln p1")
        ax1.axhline(kl, color="C3", label=f"closed form {kl:.4f}")
        ax1.set_xscale("log")
        ax1.set_ylim(kl - 1.0, kl + 1.0)
        ax1.set_xlabel("draws from N0")
        ax1.set_ylabel("KL estimate")
        ax1.legend(fontsize=8)
        ax2.bar(list(terms), list(terms.values()), color=["C0", "C1", "C7", "C2"])
        ax2.axhline(0, color="k", lw=0.8)
        ax2.set_title(f"KL = (sum of the bars) / 2 = {sum(terms.values()) / 2:.4f}", fontsize=9)
        ax2.tick_params(axis="x", labelsize=8)
        save_figure(fig, out / "kl_gaussian.png")
    return Outcome(
        result=f"KL(N0 || N1) = {kl:.5f}, Monte Carlo {mc:.5f} +- {se:.5f} (SE)",
        check=f"|MC - KL| = {abs(mc - kl):.2g} < 4 SE = {4 * se:.2g}; KL(N || N) = {zero}; "
        f"diagonal path {diag:.12g} == full path {full:.12g}",
        passed=passed,
        figures=["kl_gaussian.png"],
        numbers={"KL": kl, "Monte Carlo": mc, "standard error": se, "KL(N||N)": zero},
    )


def _digit_sets(bk):
    from ..data import load_digits

    Xtr, _ = load_digits("train", backend="numpy")
    Xte, yte = load_digits("test", backend="numpy")
    noisy = np.clip(Xte + np.random.default_rng(0).normal(0.0, 4.0, Xte.shape), 0.0, 16.0)
    host = {"real test": Xte, "noisy test": noisy, "test, digits 0-4 only": Xte[yte < 5]}
    return bk.asarray(Xtr, dtype=bk.float), {
        k: bk.asarray(v, dtype=bk.float) for k, v in host.items()
    }


def _nuclear_fid(F1, F2):
    """FID from the identity tr((S1 S2)^(1/2)) = ||X1c X2c^T||_* / sqrt((n1 - 1)(n2 - 1))."""
    A, B = F1 - F1.mean(0), F2 - F2.mean(0)
    d = F1.mean(0) - F2.mean(0)
    nuc = np.linalg.svd(A @ B.T, compute_uv=False).sum() / np.sqrt((len(A) - 1) * (len(B) - 1))
    return float(
        d @ d + np.trace(np.cov(F1, rowvar=False)) + np.trace(np.cov(F2, rowvar=False)) - 2 * nuc
    )


@step(
    "fid-is",
    order=47,
    derivation=[
        (
            r"d^2 = \|\mu_1 - \mu_2\|^2 + \mathrm{tr}\,\Sigma_1 + \mathrm{tr}\,\Sigma_2 - "
            r"2\,\mathrm{tr}\left(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}\right)^{1/2}",
            "the Frechet distance of Gaussians fitted to the CNN's 256-d penultimate features",
        ),
        (
            r"\Sigma_1 = V \Lambda V^\top, \quad A = V \Lambda^{1/2}, \quad "
            r"\mathrm{tr}(\Sigma_1 \Sigma_2)^{1/2} = "
            r"\sum_i \sqrt{\mathrm{eig}_i(A^\top \Sigma_2 A)}",
            "symmetric eigenproblems only: real where sqrtm of the product is complex noise",
        ),
        (
            r"\mathrm{IS} = \exp\left( \mathbb{E}_x\, \mathrm{KL}(p(y \mid x) \,\|\, p(y)) \right)",
            "the CNN's softmax; 1 for uninformative predictions, 10 for confident balanced ones",
        ),
    ],
    criterion=r"FID(real test, train) $< 15$, FID(noisy) $> 3\times$ and FID(mode-dropped) "
    r"$> 5\times$ that; IS(real) $> 9$, IS(noisy) $<$ IS(real) $- 1$, IS(mode-dropped) "
    r"$< 5.5$; the FID of the real test digits equals the nuclear-norm identity "
    r"computed on the host ($10^{-8}$ relative) and digits_fid gives the same number.",
    reference=[
        "scratch.metrics.frechet:trace_sqrt_product",
        "scratch.metrics.inception:inception_score",
    ],
    api=[
        "scratch.metrics:digits_fid",
        "scratch.metrics:digits_inception_score",
        "scratch.metrics:fid",
        "scratch.metrics:frechet_distance",
    ],
    captions={
        "fid_is.png": "each set of digits with its FID against the 1437 training digits "
        "(lower is closer) and its Inception Score (higher: confident and varied)."
    },
)
def fid_is(bk, out):
    """Digits FID and IS order real, noisy and mode-dropped digits as they should."""
    from ..metrics import digits_fid, digits_inception_score, fid
    from ..metrics.digits import digits_features

    train, sets = _digit_sets(bk)
    F_train = digits_features(train)  # the training digits go through the CNN once
    feats = {k: digits_features(v) for k, v in sets.items()}
    fids = {k: float(to_numpy(fid(F, F_train))) for k, F in feats.items()}
    iss = {k: float(to_numpy(digits_inception_score(v, splits=1)[0])) for k, v in sets.items()}
    real, noisy, dropped = (fids[k] for k in sets)
    is_real, is_noisy, is_dropped = (iss[k] for k in sets)
    public = float(to_numpy(digits_fid(sets["real test"], train)))
    host = _nuclear_fid(to_numpy(feats["real test"]), to_numpy(F_train))
    agree = abs(host - real) <= 1e-8 * real and public == real
    passed = (
        real < 15 and noisy > 3 * real and dropped > 5 * real and is_real > 9
        and is_noisy < is_real - 1 and is_dropped < 5.5 and agree
    )  # fmt: skip

    if figures_available():  # the checks above ran either way
        plt = _plt()
        fig, axes = plt.subplots(3, 8, figsize=(10, 4.4))
        for row, (name, X) in zip(axes, sets.items()):
            imgs = to_numpy(X)[:8].reshape(-1, 8, 8)
            for ax, img in zip(row, imgs):
                ax.imshow(img, cmap="gray_r", vmin=0, vmax=16)
                ax.set_xticks([])
                ax.set_yticks([])
            row[0].set_ylabel(name, fontsize=8)
            row[0].set_title(
                f"{name}: FID {fids[name]:.1f}, IS {iss[name]:.2f}", fontsize=9, loc="left"
            )
        save_figure(fig, out / "fid_is.png")
    return Outcome(
        result="FID "
        + ", ".join(f"{k} {v:.1f}" for k, v in fids.items())
        + "; IS "
        + ", ".join(f"{k} {v:.2f}" for k, v in iss.items()),
        check=f"real {real:.1f} < noisy {noisy:.1f}, mode-dropped {dropped:.1f}; IS real "
        f"{is_real:.2f} > noisy {is_noisy:.2f}, mode-dropped {is_dropped:.2f}; nuclear-norm "
        f"FID {host:.8g} vs {real:.8g}",
        passed=passed,
        figures=["fid_is.png"],
        numbers={
            **{f"FID {k}": v for k, v in fids.items()},
            **{f"IS {k}": v for k, v in iss.items()},
        },
    )


@step(
    "gaussian-2d",
    order=48,
    derivation=[
        (
            r"\Sigma = \begin{pmatrix} s_1^2 & \rho s_1 s_2 \\ \rho s_1 s_2 & s_2^2 "
            r"\end{pmatrix}, \quad -1 \le \rho \le 1",
            r"the covariance runs from $-s_1 s_2$ to $+s_1 s_2$",
        ),
        (
            r"\max_{\|u\| = 1} e^\top k \Sigma^{1/2} u = k \sqrt{e^\top \Sigma e}",
            r"the extent of the $k$-sigma ellipse along $e$: $k s_1$ along $x$, $k s_2$ along $y$",
        ),
        (
            r"R_x = \sqrt{a^2 \cos^2\theta + b^2 \sin^2\theta}",
            r"the same extent from the ellipse's semi-axes $a, b$ and angle $\theta$: the check",
        ),
    ],
    criterion=r"for 41 correlations from $-1$ to $+1$ and $k = 1, 2, 3$ the extents from the "
    r"axes and angle equal $k s_1, k s_2$ to $10^{-12}$ (a few ulps of a 2 x 2 "
    r"eigendecomposition), and the touching points have Mahalanobis radius $k$ ($10^{-9}$).",
    reference=["scratch.viz.gaussian2d:ellipse_extents", "scratch.viz.gaussian2d:tangent_points"],
    api=[
        "scratch.viz.gaussian2d:correlation_sweep_figure",
        "scratch.viz.gaussian2d:plot_gaussian_2d",
    ],
    captions={
        "gaussian_2d.png": "density and 1-, 2-, 3-sigma ellipses as the correlation sweeps; "
        "dashed: the boxes of half-widths k s1, k s2; red: where each ellipse touches its box."
    },
)
def gaussian_2d(bk, out):
    """The k-sigma ellipses stay tangent to the box k s1 x k s2 for every correlation."""
    from ..viz.gaussian2d import (
        box_half_widths,
        correlated_covariance,
        correlation_sweep_figure,
        ellipse_extents,
        tangent_points,
    )

    s1, s2, mu = 1.0, 0.6, bk.asarray([0.5, -0.25], dtype=bk.float)
    m = to_numpy(mu)
    worst, worst_radius = 0.0, 0.0
    for rho in np.linspace(-1.0, 1.0, 41):
        cov = bk.asarray(correlated_covariance(s1, s2, float(rho)), dtype=bk.float)
        for k in (1.0, 2.0, 3.0):
            hx, hy = box_half_widths(cov, k)
            ext = np.array(ellipse_extents(mu, cov, k))
            box = np.array([m[0] - hx, m[0] + hx, m[1] - hy, m[1] + hy])
            worst = max(worst, float(np.abs(ext - box).max()))
            if abs(rho) < 1:
                d = tangent_points(mu, cov, k) - m
                c = to_numpy(cov)
                r2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(c), d)
                worst_radius = max(worst_radius, float(np.abs(np.sqrt(r2) - k).max()) / k)
    passed = worst < 1e-12 and worst_radius < 1e-9
    if figures_available():  # the checks above ran either way
        save_figure(correlation_sweep_figure(s1, s2), out / "gaussian_2d.png")
    return Outcome(
        result=f"41 correlations x 3 ellipses, s1 = {s1}, s2 = {s2}",
        check=f"max |extent - box| = {worst:.2g}; max relative error of the touching points' "
        f"Mahalanobis radius {worst_radius:.2g}",
        passed=passed,
        figures=["gaussian_2d.png"],
        numbers={"max |extent - box|": worst, "max radius error": worst_radius},
    )
