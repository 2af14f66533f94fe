"""Tour steps: EM on a Gaussian mixture and on the three-coin model.

``gmm``: 2-D data drawn from three known Gaussians, a full-covariance mixture fitted by EM;
the check is EM's own theorem (the lower bound never decreases) and the recovery of the
true weights, means and covariances. ``three-coins``: Li Hang's worked example, whose
numbers are the check.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, figures_available, step

TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([[-3.0, 0.0], [2.5, 2.5], [2.0, -3.0]])
TRUE_COVS = np.array(
    [
        [[1.5, 0.9], [0.9, 1.0]],
        [[0.6, -0.3], [-0.3, 0.8]],
        [[1.2, 0.0], [0.0, 0.3]],
    ]
)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _mixture_data(n=900, seed=0):
    """n samples of the true mixture: z ~ Categorical(w), x = mu_z + A_z e."""
    rng = np.random.default_rng(seed)
    z = rng.choice(3, size=n, p=TRUE_WEIGHTS)
    A = np.linalg.cholesky(TRUE_COVS)
    e = rng.standard_normal((n, 2))
    return TRUE_MEANS[z] + np.einsum("nij,nj->ni", A[z], e), z


def _match(means):
    """For each true component, the index of the nearest fitted mean."""
    d = np.linalg.norm(TRUE_MEANS[:, None, :] - means[None], axis=2)
    return d.argmin(axis=1)


@step(
    "gmm",
    order=33,
    derivation=[
        r"p(x \mid \theta) = \sum_{k=1}^K w_k\, \mathcal{N}(x \mid \mu_k, \Sigma_k)",
        (
            r"\gamma_{ik} = \frac{w_k\, \mathcal{N}(x_i \mid \mu_k, \Sigma_k)}{\sum_j w_j\, "
            r"\mathcal{N}(x_i \mid \mu_j, \Sigma_j)}",
            "E step: the responsibilities (computed in log space with logsumexp)",
        ),
        (
            r"N_k = \sum_i \gamma_{ik}, \quad w_k = \frac{N_k}{n}, \quad \mu_k = "
            r"\frac{1}{N_k}\sum_i \gamma_{ik}\, x_i, \quad \Sigma_k = \frac{1}{N_k}\sum_i "
            r"\gamma_{ik}\,(x_i - \mu_k)(x_i - \mu_k)^\top",
            "M step: weighted frequencies, means and covariances",
        ),
        (
            r"\ell(\theta) = \sum_i \log p(x_i \mid \theta) \ge \sum_i \sum_k \gamma_{ik} \log "
            r"\frac{w_k\, \mathcal{N}(x_i \mid \mu_k, \Sigma_k)}{\gamma_{ik}} = "
            r"\mathcal{L}(\gamma, \theta)",
            r"Jensen's inequality, with equality when $\gamma$ is the posterior (after the E step)",
        ),
        (
            r"\ell(\theta^{t+1}) \ge \mathcal{L}(\gamma^{t}, \theta^{t+1}) \ge "
            r"\mathcal{L}(\gamma^{t}, \theta^{t}) = \ell(\theta^{t})",
            "so EM never lowers the likelihood: the check",
        ),
    ],
    criterion=r"the mean log-likelihood never decreases (beyond $10^{-9}$ of rounding); the "
    r"weights within 0.05, the means within 0.3 and the covariances within 30 % (relative "
    r"Frobenius) of the truth, the sampling error of 180-450 points per component; EM "
    r"restarted from its own parameters one iteration at a time retraces the run ($10^{-6}$).",
    reference=[
        "scratch.classic.mixture.gmm:GaussianMixture._e_step",
        "scratch.classic.mixture.gmm:GaussianMixture._m_step",
        "scratch.classic.mixture.gaussian:estimate_gaussian_parameters",
    ],
    api=["scratch.classic:GaussianMixture"],
    captions={
        "gmm.png": "left: the data coloured by fitted component, the fitted 1-, 2- and "
        "3-sigma ellipses, the true 2-sigma ellipses dashed, and the path of each mean from "
        "the random start (all start near the grand mean); right: the log-likelihood per EM "
        "iteration, which must never fall.",
        "gmm_covariance_types.png": "the same data fitted with each covariance type (full, "
        "tied, diag, spherical): compare the ellipses with the tilted true clusters and the "
        "BIC in the titles (lower is better).",
    },
)
def gmm(bk, out):
    """A full-covariance Gaussian mixture fitted by EM, ellipses against the truth."""
    from ..classic.mixture.gmm import COVARIANCE_TYPES, GaussianMixture
    from ..viz.ellipses import full_covariances, plot_gaussian_ellipses

    X_host, _ = _mixture_data()
    X = bk.asarray(X_host, dtype=bk.float)
    # random responsibilities start every mean near the grand mean: a slow, visible climb
    settings = dict(covariance_type="full", init_params="random", random_state=0, tol=1e-6)
    g = GaussianMixture(3, **settings).fit(X)
    history = np.array(g.lower_bound_history_)
    monotone = bool(np.all(np.diff(history) >= -1e-9))
    means, covs, weights = to_numpy(g.means_), to_numpy(g.covariances_), to_numpy(g.weights_)
    order = _match(means)
    weight_err = float(np.abs(weights[order] - TRUE_WEIGHTS).max())
    mean_err = float(np.linalg.norm(means[order] - TRUE_MEANS, axis=1).max())
    cov_err = float(
        max(
            np.linalg.norm(covs[j] - TRUE_COVS[k]) / np.linalg.norm(TRUE_COVS[k])
            for k, j in enumerate(order)
        )
    )
    # sampling error with ~180-450 points per component: weights ~0.02, means ~0.1,
    # covariances ~10 % (relative Frobenius); the bounds leave room for that
    close = weight_err < 0.05 and mean_err < 0.3 and cov_err < 0.3 and len(set(order)) == 3
    passed = monotone and close

    # the path of the means: one EM iteration at a time, each from the previous parameters
    step_fit = GaussianMixture(3, **{**settings, "max_iter": 1}).fit(X)
    path = [to_numpy(step_fit.means_)]
    for _ in range(g.n_iter_ - 1):
        step_fit = GaussianMixture(
            3,
            max_iter=1,
            weights_init=step_fit.weights_,
            means_init=step_fit.means_,
            precisions_init=step_fit.precisions_,
        ).fit(X)
        path.append(to_numpy(step_fit.means_))
    path = np.stack(path)
    # restarting EM from its own parameters must continue the same run
    passed = passed and bool(np.allclose(path[-1], means, atol=1e-6))
    if figures_available():  # the checks above ran either way
        plt = _plt()
        labels = to_numpy(g.predict(X))
        widths = {"width_ratios": [1.3, 1]}
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw=widths)
        for k in range(3):
            m = labels == k
            ax1.scatter(X_host[m, 0], X_host[m, 1], s=5, alpha=0.5, color=f"C{k}")
            ax1.plot(
                path[:, k, 0],
                path[:, k, 1],
                ".-",
                color="k",
                lw=0.8,
                ms=3,
                label="path of the means" if k == 0 else None,
            )
            plot_gaussian_ellipses(ax1, means[k], covs[k], color=f"C{k}", label=f"fitted {k}")
        for k in range(3):
            plot_gaussian_ellipses(
                ax1,
                TRUE_MEANS[k],
                TRUE_COVS[k],
                n_std=(2.0,),
                color="k",
                linewidth=1.0,
                alpha=0.8,
                label="true 2-sigma" if k == 0 else None,
                mark_mean=False,
                linestyle="--",
            )
        ax1.set_aspect("equal")
        ax1.set_title("EM fit: 1, 2, 3-sigma ellipses (true 2-sigma dashed)")
        ax1.legend(fontsize=8, loc="upper left")
        ax2.plot(np.arange(1, len(history) + 1), history, "o-", ms=3)
        ax2.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax2.set_xlabel("EM iteration")
        ax2.set_ylabel("mean log-likelihood (lower_bound_)")
        ax2.set_title(f"never decreases: {monotone}; {g.n_iter_} iterations")
        ax2.grid(alpha=0.3)
        save_figure(fig, out / "gmm.png")

        fig, axes = plt.subplots(1, 4, figsize=(16, 4.2))
        for ax, ctype in zip(axes, COVARIANCE_TYPES):
            m = GaussianMixture(3, covariance_type=ctype, random_state=0).fit(X)
            cov_k = full_covariances(m.covariances_, ctype, 3)
            mu_k = to_numpy(m.means_)
            pred = to_numpy(m.predict(X))
            for k in range(3):
                Xk = X_host[pred == k]
                ax.scatter(Xk[:, 0], Xk[:, 1], s=3, alpha=0.4, color=f"C{k}")
                plot_gaussian_ellipses(ax, mu_k[k], cov_k[k], n_std=(1.0, 2.0), color=f"C{k}")
            bic = float(to_numpy(m.bic(X)))
            ax.set_title(f"{ctype}: BIC {bic:.0f}")
            ax.set_aspect("equal")
        save_figure(fig, out / "gmm_covariance_types.png")

    result = f"L={g.lower_bound_:.4f} it={g.n_iter_} dmu={mean_err:.2f} dS={cov_err:.2f}"
    return Outcome(
        result,
        "lower bound non-decreasing; w, mu, Sigma near truth",
        passed,
        ["gmm.png", "gmm_covariance_types.png"],
    )


TOSSES = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 1])
TEXTBOOK = {(0.5, 0.5, 0.5): (0.5, 0.6, 0.6), (0.4, 0.6, 0.7): (0.4064, 0.5368, 0.6432)}


@step(
    "three-coins",
    order=34,
    derivation=[
        (
            r"P(y \mid \theta) = \pi\, p^{y}(1-p)^{1-y} + (1-\pi)\, q^{y}(1-q)^{1-y}",
            r"coin A (heads with probability $\pi$) picks coin B (heads $p$) or coin C "
            "(heads $q$); only the second toss $y$ is seen",
        ),
        (
            r"\mu_j = \frac{\pi\, p^{y_j}(1-p)^{1-y_j}}{\pi\, p^{y_j}(1-p)^{1-y_j} + (1-\pi)\, "
            r"q^{y_j}(1-q)^{1-y_j}}",
            "E step: the probability that toss $j$ came from coin B",
        ),
        (
            r"\pi = \frac{1}{n}\sum_j \mu_j, \quad p = \frac{\sum_j \mu_j\, y_j}{\sum_j \mu_j}, "
            r"\quad q = \frac{\sum_j (1-\mu_j)\, y_j}{\sum_j (1-\mu_j)}",
            "M step: weighted frequencies",
        ),
    ],
    criterion=r"both runs of Li Hang's example 9.1 reproduced to $5 \cdot 10^{-5}$ (the book "
    r"prints 4 decimals): $(0.5, 0.5, 0.5) \to (0.5, 0.6, 0.6)$ and $(0.4, 0.6, 0.7) \to "
    r"(0.4064, 0.5368, 0.6432)$; the log-likelihood never decreases.",
    reference=[
        "scratch.classic.mixture.em:_coin_likelihoods",
        "scratch.classic.mixture.em:ThreeCoinEM.fit",
    ],
    api=["scratch.classic:ThreeCoinEM"],
    captions={
        "three_coins.png": "left: the EM steps in the (p, q) plane from the book's two "
        "starting points, on the contours of log L; the dotted lines are the maxima, where "
        "pi p + (1 - pi) q = 0.6; right: the log-likelihood per iteration. One iteration "
        "reaches the maximum 6 log 0.6 + 4 log 0.4 and stays: the model is not identifiable, "
        "so the two starts end at different points of the same likelihood."
    },
)
def three_coins(bk, out):
    """Li Hang's three-coin example 9.1: the book's numbers from both starting points."""
    from ..classic.mixture.em import ThreeCoinEM

    y = bk.asarray(TOSSES, dtype=bk.float)
    fits = {start: ThreeCoinEM(*start).fit(y) for start in TEXTBOOK}
    errors = [
        max(abs(a - b) for a, b in zip(model.history_[-1], TEXTBOOK[start]))
        for start, model in fits.items()
    ]
    monotone = all(np.all(np.diff(m.log_likelihood_history_) >= -1e-12) for m in fits.values())
    passed = max(errors) < 5e-5 and monotone

    if figures_available():  # the checks above ran either way
        plt = _plt()
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
        mean = TOSSES.mean()
        p, q = np.meshgrid(np.linspace(0.01, 0.99, 200), np.linspace(0.01, 0.99, 200))
        for (start, model), color in zip(fits.items(), ("C0", "C3")):
            pi_end = model.history_[-1][0]
            if start == (0.4, 0.6, 0.7):
                heads = pi_end * p + (1 - pi_end) * q  # P(y = 1 | theta)
                logL = 6 * np.log(heads) + 4 * np.log(1 - heads)
                levels = np.linspace(-11, -6.7, 12)
                cs = ax1.contourf(p, q, logL, levels=levels, cmap="viridis", alpha=0.55)
                fig.colorbar(cs, ax=ax1, label="log L", shrink=0.8, format="%.1f")
                ax1.set_title(f"log L(p, q) at pi = {pi_end:.4f}; EM steps (p, q)")
            ps = [h[1] for h in model.history_]
            qs = [h[2] for h in model.history_]
            ax1.plot(ps, qs, "o-", color=color, label=f"start {start} -> {TEXTBOOK[start]}")
            line = np.linspace(0.01, 0.99, 50)
            ax1.plot(
                line,
                (mean - pi_end * line) / (1 - pi_end),
                ":",
                color=color,
                label=f"maxima at pi={pi_end:.4f}: pi p + (1-pi) q = 0.6",
            )
        ax1.set_xlim(0, 1)
        ax1.set_ylim(0, 1)
        ax1.set_xlabel("p  (P(heads) of coin B)")
        ax1.set_ylabel("q  (P(heads) of coin C)")
        ax1.legend(fontsize=7, loc="lower left")
        ax1.set_aspect("equal")
        for (start, model), color in zip(fits.items(), ("C0", "C3")):
            ll = model.log_likelihood_history_
            ax2.plot(range(len(ll)), ll, "o-", color=color, label=f"start {start}")
        best = 6 * np.log(0.6) + 4 * np.log(0.4)
        ax2.axhline(best, color="k", ls="--", lw=1, label="max: 6 log 0.6 + 4 log 0.4")
        ax2.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax2.set_xlabel("EM iteration")
        ax2.set_ylabel("log-likelihood")
        ax2.set_title("one iteration reaches a maximum (fixed point after)")
        ax2.legend(fontsize=8)
        ax2.grid(alpha=0.3)
        save_figure(fig, out / "three_coins.png")

    a, b = (fits[s].history_[-1] for s in TEXTBOOK)
    result = f"{a[0]:.1f}/{a[1]:.1f}/{a[2]:.1f}; {b[0]:.4f}/{b[1]:.4f}/{b[2]:.4f}"
    return Outcome(result, "Li Hang ex. 9.1 to 4 decimals; L monotone", passed, ["three_coins.png"])
