"""Tour step ``hmm``: sample from a known HMM, learn it back by Baum-Welch, decode.

Data: 100 sequences of length 40 drawn from a 3-state, 4-symbol categorical HMM.
A CategoricalHMM starts from random parameters and runs Baum-Welch on the backend;
the result compares the recovered A and B with the true ones (states matched by the
permutation that fits B best). The checks are the derivation's identities: the forward
probability of a tiny model equals the brute-force sum over all K^T state paths, and
the log likelihood recorded by Baum-Welch never decreases. Figures: the posterior
state probabilities of one sequence with its Viterbi path and its true states, and the
EM history with the true and fitted matrices.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..backend import to_numpy
from ..io import save_figure
from . import Outcome, figures_available, step

TRUE_PI = np.array([0.5, 0.3, 0.2])
TRUE_A = np.array([[0.85, 0.10, 0.05], [0.10, 0.80, 0.10], [0.05, 0.15, 0.80]])
TRUE_B = np.array([[0.70, 0.20, 0.05, 0.05], [0.05, 0.15, 0.70, 0.10], [0.05, 0.05, 0.20, 0.70]])


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _brute_force_log_prob(pi, A, B, O):
    """log sum_Q P(O, Q | lambda) by enumerating every state path (host, NumPy)."""
    total = 0.0
    for q in itertools.product(range(len(pi)), repeat=len(O)):
        p = pi[q[0]] * B[q[0], O[0]]
        for t in range(1, len(O)):
            p *= A[q[t - 1], q[t]] * B[q[t], O[t]]
        total += p
    return float(np.log(total))


def _best_permutation(B_fit):
    """The state order of the fitted model that matches the true emission rows best."""
    perms = list(itertools.permutations(range(len(TRUE_B))))
    errors = [np.abs(B_fit[list(p)] - TRUE_B).max() for p in perms]
    return list(perms[int(np.argmin(errors))])


@step(
    "hmm",
    order=45,
    derivation=[
        (
            r"\alpha_1(i) = \pi_i\, b_i(o_1), \quad \alpha_{t+1}(j) = \Big[\sum_i \alpha_t(i)\, "
            r"a_{ij}\Big]\, b_j(o_{t+1})",
            "the forward recursion (scaled at every step against underflow)",
        ),
        (
            r"P(O \mid \lambda) = \sum_i \alpha_T(i) = \sum_{q_1, \ldots, q_T} \pi_{q_1} "
            r"b_{q_1}(o_1) \prod_{t=2}^{T} a_{q_{t-1} q_t}\, b_{q_t}(o_t)",
            "the check: the recursion equals the brute-force sum over all $K^T$ state paths",
        ),
        (
            r"\gamma_t(i) = \frac{\alpha_t(i)\,\beta_t(i)}{P(O \mid \lambda)}, \quad \xi_t(i,j) = "
            r"\frac{\alpha_t(i)\, a_{ij}\, b_j(o_{t+1})\, \beta_{t+1}(j)}{P(O \mid \lambda)}",
            "Baum-Welch's E step",
        ),
        (
            r"\hat{a}_{ij} = \frac{\sum_t \xi_t(i,j)}{\sum_t \gamma_t(i)}, \quad \hat{b}_j(k) = "
            r"\frac{\sum_{t:\, o_t = k} \gamma_t(j)}{\sum_t \gamma_t(j)}",
            r"its M step; as in every EM, $\log P(O \mid \lambda)$ never decreases",
        ),
        (
            r"\delta_{t+1}(j) = \max_i\, \delta_t(i)\, a_{ij}\, b_j(o_{t+1})",
            "Viterbi: the same recursion with max for the sum, then backtracking",
        ),
    ],
    criterion=r"the forward $\log P$ (scaled and log-space) within $10^{-12}$ relative of the "
    r"brute-force sum over $3^6 = 729$ paths; the log-likelihood never decreases (beyond "
    r"$10^{-8}$ relative); A and B within 0.08 of the truth (4000 samples).",
    reference=[
        "scratch.classic.hmm.algorithms:forward_scaled",
        "scratch.classic.hmm.algorithms:posteriors_scaled",
        "scratch.classic.hmm.algorithms:viterbi",
    ],
    api=["scratch.classic:CategoricalHMM"],
    captions={
        "hmm_posteriors.png": "the posterior probability of each state along sequence 0 "
        "(fitted model, states in the true order), with the Viterbi path and the true states: "
        "the Viterbi errors sit where the posterior is uncertain.",
        "hmm_fit.png": "left: log P(O | lambda) per Baum-Welch iteration (never falls); "
        "right: the true and the fitted transition matrix A and emission matrix B.",
    },
)
def hmm(bk, out):
    """Baum-Welch on sampled sequences; forward vs brute force; posterior and Viterbi plot."""
    from ..classic.hmm import CategoricalHMM

    truth = CategoricalHMM(3)
    truth.startprob_, truth.transmat_, truth.emissionprob_ = TRUE_PI, TRUE_A, TRUE_B
    n_seq, T = 100, 40
    samples = [truth.sample(T, random_state=seed) for seed in range(n_seq)]  # host, NumPy
    X_host = np.concatenate([s[0] for s in samples])
    states_host = np.concatenate([s[1] for s in samples])
    lengths = [T] * n_seq
    X = bk.asarray(X_host)

    model = CategoricalHMM(3, n_iter=60, tol=1e-3, random_state=1).fit(X, lengths)
    history = np.array(model.monitor_.history)
    # log P sums ~4000 log terms: rounding stays far below 1e-8 relative
    monotone = bool(np.all(np.diff(history) >= -1e-8 * np.abs(history[:-1])))
    order = _best_permutation(to_numpy(model.emissionprob_))
    A_fit = to_numpy(model.transmat_)[np.ix_(order, order)]
    B_fit = to_numpy(model.emissionprob_)[order]
    err_A, err_B = float(np.abs(A_fit - TRUE_A).max()), float(np.abs(B_fit - TRUE_B).max())

    # forward == brute force on a tiny model (3 states, length 6: 729 paths)
    tiny_O = [0, 2, 3, 3, 1, 0]
    tiny = CategoricalHMM(3)
    tiny.startprob_, tiny.transmat_, tiny.emissionprob_ = (
        bk.asarray(TRUE_PI),
        bk.asarray(TRUE_A),
        bk.asarray(TRUE_B),
    )
    X_tiny = bk.asarray(np.array(tiny_O)[:, None])
    brute = _brute_force_log_prob(TRUE_PI, TRUE_A, TRUE_B, tiny_O)
    forward_ok = all(
        abs(m.score(X_tiny) - brute) < 1e-12 * abs(brute) for m in (tiny, _with_impl(tiny, "log"))
    )

    # one sequence: posteriors, Viterbi path, truth (the fitted model, states in true order)
    X0 = X[:T, :]
    gamma = to_numpy(model.predict_proba(X0))[:, order]
    inverse = np.argsort(order)  # fitted state j is true state inverse[j]
    viterbi = inverse[to_numpy(model.decode(X0)[1])]
    agree = float(np.mean(viterbi == states_host[:T]))

    if figures_available():  # the checks above ran either way
        from ..viz.hmm import plot_matrices, plot_posteriors

        plt = _plt()
        fig = plt.figure(figsize=(11, 4.8))
        plot_posteriors(
            fig,
            gamma,
            {"Viterbi": viterbi, "true": states_host[:T]},
            title=f"sequence 0: posteriors of the fitted model; Viterbi agrees with the truth "
            f"at {agree:.0%} of the steps",
        )
        save_figure(fig, out / "hmm_posteriors.png")

        fig = plt.figure(figsize=(14, 3.8))
        grid = fig.add_gridspec(1, 5, width_ratios=[1.5, 1, 1, 1.3, 1.3], wspace=0.4)
        ax = fig.add_subplot(grid[0])
        ax.plot(np.arange(1, len(history) + 1), history, "o-", ms=3)
        ax.set_xlabel("Baum-Welch iteration")
        ax.set_ylabel("log P(O | lambda)")
        ax.set_title(f"Baum-Welch from a random start; never decreases: {monotone}", fontsize=9)
        ax.grid(alpha=0.3)
        plot_matrices(
            [fig.add_subplot(grid[i]) for i in range(1, 5)],
            {"A": (TRUE_A, A_fit), "B": (TRUE_B, B_fit)},
            labels={"A": ("from state i", "to state j"), "B": ("state j", "symbol k")},
        )
        save_figure(fig, out / "hmm_fit.png")

    # 4000 samples: frequencies within a few hundredths; EM adds no bias at this size
    close = err_A < 0.08 and err_B < 0.08
    return Outcome(
        result=f"max|A-A*| {err_A:.3f}, max|B-B*| {err_B:.3f}, {model.monitor_.iter} its",
        check="forward = sum over paths; log P never decreases",
        passed=forward_ok and monotone and close,
        figures=["hmm_posteriors.png", "hmm_fit.png"],
    )


def _with_impl(model, implementation):
    from ..classic.hmm import CategoricalHMM

    other = CategoricalHMM(model.n_components, implementation=implementation)
    other.startprob_, other.transmat_ = model.startprob_, model.transmat_
    other.emissionprob_ = model.emissionprob_
    return other
