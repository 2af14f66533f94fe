"""Single steps pinned against their derivation, not only the converged end.

* one SMO step is the exact maximizer of the dual along its two-variable segment (brute
  force: a fine grid, then golden section), on drawn small problems;
* SMO's iteration count equals libsvm's (scikit-learn's ``SVC.n_iter_``) on fixed
  problems, same tolerance, same second-order working-set selection;
* one Baum-Welch update (categorical and Gaussian emissions) equals its closed form from
  alpha, beta, gamma and xi computed by enumerating every state path;
* one EM step of the Gaussian mixture equals its closed form, for every covariance type.

A wrong step that still converges (a curvature 1.9 K_ij instead of 2 K_ij, a missing
normalization) passes the end-to-end tests; these fail on it.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend
from scratch.classic import SVC, CategoricalHMM, GaussianHMM, GaussianMixture
from scratch.classic.svm import ConvergenceWarning, smo
from scratch.classic.svm.kernels import KernelRows, kernel_matrix


def _np(a):
    return backend.to_numpy(a)


# ---------------------------------------------------------------------------- SMO


@st.composite
def small_duals(draw):
    """A small binary dual: points (n, 2), labels +-1 (both present), an rbf or linear
    Gram matrix, C, and how many SMO steps to take before the one under test."""
    n = draw(st.integers(3, 7))
    X = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-2, 2)))
    y = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    assume(0 < (y > 0).sum() < n)
    if draw(st.booleans()):
        K = _np(kernel_matrix(X, X, "rbf", gamma=draw(st.floats(0.2, 2.0))))
    else:
        K = X @ X.T
    C = draw(st.floats(0.1, 3.0))
    k = draw(st.integers(0, 6))
    return K, y, C, k


def _dual(K, y, beta):
    """D(beta) = sum_t y_t beta_t - 1/2 beta^T K beta, in extended precision."""
    K, y, beta = (np.asarray(a, dtype=np.longdouble) for a in (K, y, beta))
    return y @ beta - beta @ K @ beta / 2


def _argmax_on_segment(phi, lo, hi, grid=2001, iters=200):
    """argmax of phi on [lo, hi] by brute force: the best point of a fine grid, then
    golden section on the two grid cells around it (phi is only evaluated)."""
    s = np.linspace(lo, hi, grid)
    best = int(np.argmax([phi(v) for v in s]))
    a, b = s[max(best - 1, 0)], s[min(best + 1, grid - 1)]
    r = (math.sqrt(5) - 1) / 2
    c, d = b - r * (b - a), a + r * (b - a)
    for _ in range(iters):
        if phi(c) > phi(d):
            b, d = d, c
            c = b - r * (b - a)
        else:
            a, c = c, d
            d = a + r * (b - a)
    return (a + b) / 2


def _smo_beta(xp, K, y, C, steps):
    """beta after exactly ``steps`` SMO iterations (None if SMO stopped earlier)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = smo(KernelRows(K=xp.asarray(K)), xp.asarray(y), C, 1e-3, max_iter=max(steps, 1))
    if steps == 0:
        return np.zeros_like(y)
    return _np(res.beta) if res.n_iter == steps else None


@given(problem=small_duals())
def test_one_smo_step_is_the_exact_optimum_of_its_two_variable_subproblem(xp, problem):
    """Step k+1 of SMO moves beta along e_i - e_j (sum beta = 0 kept) to the maximizer of
    D on the feasible segment {beta + s (e_i - e_j) in the box}, found here by brute
    force (smo.py: s = (F_i - F_j) / (K_ii + K_jj - 2 K_ij), clipped to the box).

    Tolerance: golden section on D in extended precision locates the maximizer to
    < 5e-9 of the segment length (measured over 200 drawn problems; D is flat to second
    order there), so 1e-7 is safe, while a wrong curvature moves s by ~5% of it."""
    K, y, C, k = problem
    before = _smo_beta(xp, K, y, C, k)
    after = _smo_beta(xp, K, y, C, k + 1)
    assume(before is not None and after is not None)  # SMO had not converged yet
    d = after - before
    moved = np.flatnonzero(d)
    if moved.size < 2:  # a step below the rounding of a coefficient at its bound
        assert np.abs(d).max(initial=0.0) <= 1e-12 * C
        assume(False)
    assert moved.size == 2, f"one SMO step changes two coefficients, changed {moved}"
    i, j = (moved[0], moved[1]) if d[moved[0]] > 0 else (moved[1], moved[0])
    U, L = np.where(y > 0, C, 0.0), np.where(y > 0, 0.0, -C)
    lo = max(L[i] - before[i], before[j] - U[j])
    hi = min(U[i] - before[i], before[j] - L[j])
    direction = np.zeros_like(before)
    direction[i], direction[j] = 1.0, -1.0
    s_brute = _argmax_on_segment(lambda s: _dual(K, y, before + s * direction), lo, hi)
    np.testing.assert_allclose(d[i], s_brute, rtol=0, atol=1e-7 * max(hi - lo, 1.0))
    np.testing.assert_allclose(d[j], -d[i], rtol=1e-12, atol=1e-15)
    assert _dual(K, y, after) >= _dual(K, y, before)  # each step raises the dual


def _libsvm_problem(seed, n=40):
    """Two overlapping Gaussian classes, class 0 first (libsvm's grouping of a pair's
    samples by class, class 0 labelled +1)."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(0, 1, (n // 2, 2)) + 1, rng.normal(0, 1, (n // 2, 2)) - 1])
    return X, np.repeat([0, 1], n // 2)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_smo_iteration_count_matches_libsvm(xp, seed):
    """Oracle: sklearn.svm.SVC (libsvm's Solver with WSS 2, Fan, Chen & Lin 2005) with
    shrinking off takes exactly as many iterations as our SMO, same tol, C, kernel.

    Same working-set selection means same tie rule too: libsvm keeps the *last* index of
    a maximum (``>=`` in select_working_set), xp.argmax the first, and ties are certain
    at step 1 (F = y at beta = 0). Our SVC therefore gets the samples in reverse order,
    which makes the two rules pick the same sample. (What still separates the two paths
    on other problems, e.g. C = 10 or the linear kernel: after an unclipped step the two
    updated coefficients have F_i = F_j exactly in exact arithmetic, so the next
    selection can hinge on the last bit, and libsvm rounds differently: float32 kernel
    cache, G += Q_i da_i + Q_j da_j. A line-by-line Python port of libsvm's Solver
    reproduces sklearn's counts exactly and first differs from ours at such a tie.)"""
    sk_svm = pytest.importorskip("sklearn.svm")
    X, y = _libsvm_problem(seed)
    params = dict(C=1.0, kernel="rbf", gamma=0.5, tol=1e-3)
    ref = sk_svm.SVC(shrinking=False, **params).fit(X, y)
    rev = slice(None, None, -1)
    ours = SVC(shrinking=False, **params).fit(
        xp.asarray(np.ascontiguousarray(X[rev])), xp.asarray(y[rev])
    )
    assert int(_np(ours.n_iter_)[0]) == int(ref.n_iter_[0])


# ---------------------------------------------------------------------------- Baum-Welch


def _enumerate_posteriors(pi, A, b):
    """alpha, beta, gamma (T, K), xi (T-1, K, K) and P(O) of one sequence, by summing
    P(O, Q) = pi_{q1} b_{q1}(o_1) prod_t a_{q_{t-1} q_t} b_{q_t}(o_t) over all K^T paths.
    ``b`` (T, K) holds b_j(o_t)."""
    T, K = b.shape
    alpha, beta = np.zeros((T, K)), np.zeros((T, K))
    gamma, xi = np.zeros((T, K)), np.zeros((max(T - 1, 0), K, K))
    total = 0.0
    for q in itertools.product(range(K), repeat=T):
        w = [pi[q[0]] * b[0, q[0]]]  # w[t] = P(o_1..o_t, q_1..q_t)
        for t in range(1, T):
            w.append(w[-1] * A[q[t - 1], q[t]] * b[t, q[t]])
        p = w[-1]
        total += p
        for t in range(T):
            gamma[t, q[t]] += p
            # alpha_t(i) = sum over the prefixes ending in i: count each prefix once,
            # from the paths whose suffix is all zeros
            if all(s == 0 for s in q[t + 1 :]):
                alpha[t, q[t]] += w[t]
            # beta_t(i) = P(o_{t+1..T} | q_t = i): from the paths whose prefix is all zeros
            if all(s == 0 for s in q[:t]):
                beta[t, q[t]] += p / w[t]
        for t in range(T - 1):
            xi[t, q[t], q[t + 1]] += p
    return alpha, beta, gamma / total, xi / total, total


PI = np.array([0.6, 0.4])
A = np.array([[0.7, 0.3], [0.4, 0.6]])
B = np.array([[0.5, 0.5], [0.1, 0.9]])
SEQUENCES = [[0, 1, 1], [1, 0]]  # two sequences: the batched, padded path is exercised


def test_enumerated_alpha_beta_match_the_forward_backward_kernels(xp):
    """alpha_t = alpha-hat_t prod_{s<=t} c_s and beta_t = beta-hat_t prod_{s>t} c_s
    (Rabiner's scaling) equal the path sums, for the length-3 sequence."""
    from scratch.classic.hmm import algorithms as alg

    O = SEQUENCES[0]
    b = B[:, O].T
    alpha, beta, _, _, total = _enumerate_posteriors(PI, A, b)
    a_hat, c = alg.forward_textbook(xp.asarray(PI), xp.asarray(A), xp.asarray(b))
    b_hat = alg.backward_textbook(xp.asarray(A), xp.asarray(b), c)
    c = _np(c)
    np.testing.assert_allclose(_np(a_hat) * np.cumprod(c)[:, None], alpha, rtol=1e-13)
    after = np.append(np.cumprod(c[::-1])[::-1][1:], 1.0)  # prod_{s>t} c_s
    np.testing.assert_allclose(_np(b_hat) * after[:, None], beta, rtol=1e-13)
    assert np.prod(c) == pytest.approx(total, rel=1e-13)


def _baum_welch_closed_form(pi, A, emissions, sequences):
    """One Baum-Welch update (Rabiner eqs. 40a-c) from the enumerated gamma and xi:
    pi' = mean over sequences of gamma_1, a'_ij = sum_t xi_t(i, j) / sum_{t<T} gamma_t(i);
    returns pi', A' and the per-sequence gammas (for the emission updates)."""
    K = A.shape[0]
    start, trans, gammas = np.zeros(K), np.zeros((K, K)), []
    for b in emissions:
        _, _, gamma, xi, _ = _enumerate_posteriors(pi, A, b)
        start += gamma[0]
        trans += xi.sum(axis=0)
        gammas.append(gamma)
    return start / len(sequences), trans / trans.sum(axis=1, keepdims=True), gammas


@pytest.mark.parametrize("implementation", ["scaling", "log"])
def test_one_baum_welch_update_equals_its_closed_form(xp, implementation):
    """fit(n_iter=1) from (pi, A, B) gives pi', A' above and
    b'_j(k) = sum_t gamma_t(j) [o_t = k] / sum_t gamma_t(j), to 1e-13 (a dozen roundings
    of numbers of order one)."""
    emissions = [B[:, O].T for O in SEQUENCES]
    pi1, A1, gammas = _baum_welch_closed_form(PI, A, emissions, SEQUENCES)
    gamma = np.concatenate(gammas)
    O = np.concatenate(SEQUENCES)
    counts = np.stack([gamma[O == k].sum(axis=0) for k in range(2)], axis=1)  # (K, M)
    B1 = counts / gamma.sum(axis=0)[:, None]

    m = CategoricalHMM(2, n_iter=1, init_params="", implementation=implementation)
    m.startprob_, m.transmat_, m.emissionprob_ = xp.asarray(PI), xp.asarray(A), xp.asarray(B)
    m.fit(xp.asarray(O[:, None]), lengths=[len(s) for s in SEQUENCES])
    np.testing.assert_allclose(_np(m.startprob_), pi1, rtol=1e-13)
    np.testing.assert_allclose(_np(m.transmat_), A1, rtol=1e-13)
    np.testing.assert_allclose(_np(m.emissionprob_), B1, rtol=1e-13)


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_one_gaussian_baum_welch_update_equals_its_closed_form(xp, covariance_type):
    """GaussianHMM, 1-D: mu'_j = sum_t gamma_t(j) x_t / sum_t gamma_t(j) and
    sigma2'_j = sum_t gamma_t(j) (x_t - mu'_j)^2 / sum_t gamma_t(j) (above min_covar),
    gamma from the path enumeration with b_j(x) = N(x | mu_j, sigma2_j)."""
    X = [np.array([-1.0, 0.5, 2.0]), np.array([1.5, -0.5])]
    mu, var = np.array([-0.5, 1.0]), np.array([1.0, 2.0])

    def density(x):
        return np.exp(-((x[:, None] - mu) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)

    pi1, A1, gammas = _baum_welch_closed_form(PI, A, [density(x) for x in X], X)
    gamma, x = np.concatenate(gammas), np.concatenate(X)
    N = gamma.sum(axis=0)
    mu1 = gamma.T @ x / N
    var1 = (gamma * (x[:, None] - mu1) ** 2).sum(axis=0) / N

    m = GaussianHMM(2, covariance_type, min_covar=1e-6, n_iter=1, init_params="")
    m.startprob_, m.transmat_, m.means_ = xp.asarray(PI), xp.asarray(A), xp.asarray(mu[:, None])
    m.covars_ = xp.asarray(var[:, None] if covariance_type == "diag" else var[:, None, None])
    m.fit(xp.asarray(x[:, None]), lengths=[len(s) for s in X])
    np.testing.assert_allclose(_np(m.startprob_), pi1, rtol=1e-12)
    np.testing.assert_allclose(_np(m.transmat_), A1, rtol=1e-12)
    np.testing.assert_allclose(_np(m.means_)[:, 0], mu1, rtol=1e-12)
    np.testing.assert_allclose(_np(m.covars_)[:, 0, 0], var1, rtol=1e-12)


# ---------------------------------------------------------------------------- GMM


def _gmm_step_closed_form(X, w, mu, Sigma, reg, covariance_type):
    """One EM step by the textbook formulas, sample by sample (Bishop 9.23-9.27):
    r_ik = w_k N(x_i | mu_k, Sigma_k) / sum_l w_l N(x_i | mu_l, Sigma_l),
    N_k = sum_i r_ik, w'_k = N_k / n, mu'_k = sum_i r_ik x_i / N_k,
    Sigma'_k = sum_i r_ik (x_i - mu'_k)(x_i - mu'_k)^T / N_k + reg I, then constrained:
    tied = sum_k N_k Sigma'_k / n, diag = diag(Sigma'_k), spherical = mean(diag)."""
    n, d = X.shape
    K = len(w)
    r = np.zeros((n, K))
    for i in range(n):
        for k in range(K):
            diff = X[i] - mu[k]
            S = Sigma[k]
            r[i, k] = (
                w[k]
                * np.exp(-0.5 * diff @ np.linalg.solve(S, diff))
                / np.sqrt(np.linalg.det(2 * np.pi * S))
            )
        r[i] /= r[i].sum()
    N = r.sum(axis=0)
    mu1 = np.array([sum(r[i, k] * X[i] for i in range(n)) / N[k] for k in range(K)])
    full = []
    for k in range(K):
        S = sum(r[i, k] * np.outer(X[i] - mu1[k], X[i] - mu1[k]) for i in range(n)) / N[k]
        full.append(S)
    full = np.array(full)
    eye = np.eye(d)
    cov = {
        "full": full + reg * eye,
        "tied": (N[:, None, None] * full).sum(axis=0) / n + reg * eye,
        "diag": np.array([np.diag(S) for S in full]) + reg,
        "spherical": np.array([np.diag(S).mean() for S in full]) + reg,
    }[covariance_type]
    return N / n, mu1, cov


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_one_gmm_em_step_equals_its_closed_form(xp, covariance_type):
    """GaussianMixture(max_iter=1) from given weights, means and unit precisions returns
    the parameters of one E step + M step, to 1e-10 (the N_k floor of 10 eps and a
    handful of roundings on numbers of order one)."""
    X = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 3.5], [4.0, 3.0], [2.0, 1.0]])
    w, mu = np.array([0.4, 0.6]), np.array([[0.5, 0.0], [3.0, 3.0]])
    reg = 1e-6
    precisions = {
        "full": np.stack([np.eye(2)] * 2),
        "tied": np.eye(2),
        "diag": np.ones((2, 2)),
        "spherical": np.ones(2),
    }[covariance_type]
    w1, mu1, cov1 = _gmm_step_closed_form(X, w, mu, np.stack([np.eye(2)] * 2), reg, covariance_type)
    m = GaussianMixture(
        2,
        covariance_type=covariance_type,
        max_iter=1,
        reg_covar=reg,
        weights_init=xp.asarray(w),
        means_init=xp.asarray(mu),
        precisions_init=xp.asarray(precisions),
    ).fit(xp.asarray(X))
    np.testing.assert_allclose(_np(m.weights_), w1, rtol=1e-10)
    np.testing.assert_allclose(_np(m.means_), mu1, rtol=1e-10)
    np.testing.assert_allclose(_np(m.covariances_), cov1, rtol=1e-10)
