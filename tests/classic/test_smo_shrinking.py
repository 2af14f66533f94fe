"""SMO with libsvm's shrinking against the textbook SMO it must equal.

Sources: Chang & Lin, "LIBSVM: a library for support vector machines" (2011), sec. 5.1
(the shrinking rule, be_shrunk, with Gmax1 = m and Gmax2 = -M; unshrinking at 10 tol;
the gradient reconstruction), and Fan, Chen & Lin (2005) for the working sets.

Claims: the shrinking engine stops at the reference's KKT tolerance on all n samples,
reaches the same dual optimum (same support set and predictions at a tight tol), drops
exactly libsvm's be_shrunk set, rebuilds F = y - K beta exactly on the inactive set, and
serves the same kernel entries over any active set as the full kernel matrix.
Most tests shrink every 3 steps (``every=3``) so that shrinking and unshrinking happen
many times on small problems; ``min_active < n`` is asserted so no test is vacuous.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import SVC
from scratch.classic.svm.kernels import KernelRows, kernel_matrix, kernel_rows
from scratch.classic.svm.smo import ConvergenceWarning, _ActiveSet, smo, smo_shrinking

to_np = backend.to_numpy

KERNELS = {
    "rbf": {"kernel": "rbf", "gamma": 0.5, "degree": 3, "coef0": 0.0},
    "linear": {"kernel": "linear", "gamma": 1.0, "degree": 3, "coef0": 0.0},
    "poly": {"kernel": "poly", "gamma": 0.5, "degree": 2, "coef0": 1.0},
}


def _problem(seed: int, n: int, d: int = 3):
    """Two overlapping Gaussian classes, labels +-1 (both present), in random order."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    X = rng.normal(size=(n, d)) + 0.8 * y[:, None]
    return X, y


def _dual(K, y, beta) -> float:
    """D(beta) = sum_t y_t beta_t - 1/2 beta^T K beta."""
    return float(y @ beta - 0.5 * beta @ K @ beta)


def _max_violation(K, y, beta, C) -> float:
    """m - M from scratch: F = y - K beta, m = max over I_up, M = min over I_low."""
    F = y - K @ beta
    U, L = np.where(y > 0, C, 0.0), np.where(y > 0, 0.0, -C)
    return float(F[beta < U].max() - F[beta > L].min())


def _rows(xp, X, kernel, cache_size=200.0):
    return kernel_rows(xp.asarray(X), KERNELS[kernel], cache_size)


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(12, 60),
    kernel=st.sampled_from(sorted(KERNELS)),
    C=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_shrinking_stops_at_the_reference_tolerance_on_all_samples(xp, seed, n, kernel, C):
    """Both runs end with m - M <= tol over all n samples (recomputed from beta, not
    taken from the solver), so their duals differ by at most the gap bound C n tol."""
    X, y = _problem(seed, n)
    tol = 1e-3
    ref = smo(_rows(xp, X, kernel), xp.asarray(y), C, tol)
    shr = smo_shrinking(_rows(xp, X, kernel), xp.asarray(y), C, tol, every=3)
    assert shr.min_active < n and shr.n_reconstruct >= 1  # it did shrink and rebuild
    K = to_np(kernel_matrix(X, X, **KERNELS[kernel]))
    for res in (ref, shr):
        beta = to_np(res.beta)
        # 1e-9: F is accumulated step by step in the solver, recomputed here
        assert _max_violation(K, y, beta, C) <= tol + 1e-9
        assert abs(beta.sum()) <= 1e-9 * max(1.0, C)
        assert np.all(np.abs(beta) <= C * (1 + 1e-12)) and np.all(beta * y >= -1e-12)
    assert abs(_dual(K, y, to_np(ref.beta)) - _dual(K, y, to_np(shr.beta))) <= C * n * tol


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(12, 60),
    kernel=st.sampled_from(["rbf", "poly"]),
    C=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_shrinking_reaches_the_same_optimum_support_set_and_predictions(xp, seed, n, kernel, C):
    """At tol = 1e-9 both runs sit at the unique optimum (K positive definite for
    distinct points): the same support set, beta and bias to 1e-5 (the optimum is
    Lipschitz in the stopping tolerance), the same predictions on fresh points."""
    X, y = _problem(seed, n)
    tol = 1e-9
    ref = smo(_rows(xp, X, kernel), xp.asarray(y), C, tol)
    shr = smo_shrinking(_rows(xp, X, kernel), xp.asarray(y), C, tol, every=3)
    assert shr.min_active < n
    b_ref, b_shr = to_np(ref.beta), to_np(shr.beta)
    np.testing.assert_allclose(b_shr, b_ref, rtol=0, atol=1e-5 * C)
    np.testing.assert_array_equal(np.abs(b_shr) > 1e-7 * C, np.abs(b_ref) > 1e-7 * C)
    assert abs(shr.b - ref.b) <= 1e-5
    Z = np.random.default_rng(seed + 1).normal(size=(50, X.shape[1])) * 1.5
    K_Z = to_np(kernel_matrix(Z, X, **KERNELS[kernel]))
    f_ref, f_shr = K_Z @ b_ref + ref.b, K_Z @ b_shr + shr.b
    sure = np.abs(f_ref) > 1e-4  # points on the decision boundary may go either way
    np.testing.assert_array_equal(np.sign(f_shr[sure]), np.sign(f_ref[sure]))


def test_the_default_period_shrinks_a_larger_problem_to_the_same_dual(xp):
    """libsvm's period min(n, 1000): on n = 1200, C = 10 (1423 steps) the engine shrinks
    after 1000 steps to a quarter of the samples and still meets the reference's
    stopping rule and dual value (within C n tol)."""
    X, y = _problem(7, 1200, d=5)
    C = 10.0
    ref = smo(_rows(xp, X, "rbf"), xp.asarray(y), C, 1e-3)
    shr = smo_shrinking(_rows(xp, X, "rbf"), xp.asarray(y), C, 1e-3)
    assert shr.n_iter > 1000 and shr.min_active < 1200 / 2
    K = to_np(kernel_matrix(X, X, **KERNELS["rbf"]))
    beta = to_np(shr.beta)
    assert _max_violation(K, y, beta, C) <= 1e-3 + 1e-9
    assert abs(_dual(K, y, beta) - _dual(K, y, to_np(ref.beta))) <= C * 1200 * 1e-3


def _be_shrunk_libsvm(alpha, G, y, C, Gmax1, Gmax2) -> bool:
    """libsvm's Solver::be_shrunk, verbatim in its own variables (alpha, G = grad of
    the minimised 1/2 a^T Q a - e^T a)."""
    if alpha >= C:  # is_upper_bound
        return -G > Gmax1 if y > 0 else -G > Gmax2
    if alpha <= 0:  # is_lower_bound
        return G > Gmax2 if y > 0 else G > Gmax1
    return False


@settings(max_examples=20)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(4, 40), C=st.sampled_from([0.5, 2.0]))
def test_shrink_drops_exactly_libsvms_be_shrunk_set(xp, seed, n, C):
    """With F = -y G (our residual is libsvm's gradient times -y), m = Gmax1 and
    M = -Gmax2, the engine drops t iff libsvm's be_shrunk(t) holds, on drawn states
    with coefficients at both bounds and in between."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    alpha = rng.choice([0.0, C, C / 3], size=n)
    beta = y * alpha
    F = rng.normal(size=n)
    X = rng.normal(size=(n, 2))
    stt = _ActiveSet(kernel_rows(xp.asarray(X), KERNELS["rbf"], 200.0), xp.asarray(y), C)
    stt.F = xp.asarray(F)
    U, L = np.where(y > 0, C, 0.0), np.where(y > 0, 0.0, -C)
    stt.up, stt.low = xp.asarray(beta < U), xp.asarray(beta > L)
    m, M = (float(v) for v in stt.violation())
    G = -y * F
    Gmax1, Gmax2 = m, -M
    expected = [_be_shrunk_libsvm(alpha[t], G[t], y[t], C, Gmax1, Gmax2) for t in range(n)]
    stt.shrink(m, M, beta.tolist())
    kept = set(stt.act_h)
    if all(expected) or not any(expected):  # nothing or everything: the set stays whole
        assert kept == set(range(n))
    else:
        assert kept == {t for t in range(n) if not expected[t]}
        np.testing.assert_array_equal(to_np(stt.F), F[sorted(kept)])


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1), n=st.integers(6, 40), kernel=st.sampled_from(["rbf", "poly"])
)
def test_unshrink_rebuilds_the_residual_y_minus_K_beta_exactly(xp, seed, n, kernel):
    """Shrink twice at drawn states, move beta on the active set in between (F kept
    exact there, as SMO does), then unshrink: F equals y - K beta on all n to 1e-12,
    and I_up, I_low are those of beta."""
    rng = np.random.default_rng(seed)
    X, y = _problem(seed, n)
    C = 1.0
    K = to_np(kernel_matrix(X, X, **KERNELS[kernel]))
    stt = _ActiveSet(kernel_rows(xp.asarray(X), KERNELS[kernel], 200.0), xp.asarray(y), C)
    U, L = np.where(y > 0, C, 0.0), np.where(y > 0, 0.0, -C)
    beta = np.zeros(n)
    for _ in range(2):
        act = np.array(stt.act_h)
        # move the active coefficients: to a bound or inside the box, at random
        new = rng.choice([0.0, 1.0, 0.4], size=act.size) * np.where(y[act] > 0, C, -C)
        beta[act] = new
        F = y - K @ beta
        stt.F = xp.asarray(F[act])
        stt.up, stt.low = xp.asarray((beta < U)[act]), xp.asarray((beta > L)[act])
        m, M = (float(v) for v in stt.violation())
        stt.shrink(m, M, beta.tolist())
    beta[np.array(stt.act_h)] *= 0.5  # one more move of the active set only
    stt.F = xp.asarray((y - K @ beta)[np.array(stt.act_h)])
    stt.unshrink(beta.tolist())
    assert stt.act_h == list(range(n))
    np.testing.assert_allclose(to_np(stt.F), y - K @ beta, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(to_np(stt.up), beta < U)
    np.testing.assert_array_equal(to_np(stt.low), beta > L)


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    kernel=st.sampled_from(sorted(KERNELS)),
    cache_rows=st.sampled_from([2, 50]),
)
def test_active_rows_equal_the_kernel_matrix_over_any_active_set(xp, seed, kernel, cache_rows):
    """Through a sequence of shrinking sets, a regrowth to all n and a new shrink, every
    row served is K[i, A] of the full kernel matrix (cached, cut down or recomputed)."""
    rng = np.random.default_rng(seed)
    n = 30
    X = rng.normal(size=(n, 3))
    K = to_np(kernel_matrix(X, X, **KERNELS[kernel]))
    rows = KernelRows(X=xp.asarray(X), params=KERNELS[kernel], cache_rows=cache_rows)
    act = np.arange(n)
    sets = []
    for _ in range(3):
        act = np.sort(rng.choice(act, size=max(2, act.size * 2 // 3), replace=False))
        sets.append(act)
    sets += [np.arange(n), np.sort(rng.choice(n, size=12, replace=False))]
    for act in sets:
        rows.restrict(xp.asarray(act))
        for i in rng.choice(n, size=8):
            np.testing.assert_allclose(
                to_np(rows.active_row(int(i))), K[i, act], rtol=1e-13, atol=1e-15
            )


@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_kernel_blocks_tile_the_kernel_matrix(xp, kernel):
    """blocks(I, J) yields K[I, J] in row chunks that tile it, also for a precomputed K."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 4))
    K = to_np(kernel_matrix(X, X, **KERNELS[kernel]))
    I, J = np.sort(rng.choice(40, 25, replace=False)), np.sort(rng.choice(40, 9, replace=False))
    for rows in (
        KernelRows(X=xp.asarray(X), params=KERNELS[kernel], cache_rows=4),
        KernelRows(K=xp.asarray(K)),
    ):
        parts = list(rows.blocks(xp.asarray(I), xp.asarray(J), max_entries=20))
        assert len(parts) == math.ceil(25 / 2)  # 20 entries: 2 rows of 9 per chunk
        got = np.concatenate([to_np(Kb) for _, Kb in parts])
        np.testing.assert_allclose(got, K[np.ix_(I, J)], rtol=1e-13, atol=1e-15)


def test_svc_with_and_without_shrinking_is_the_same_classifier(xp):
    """SVC(shrinking=True), the default as in scikit-learn, and SVC(shrinking=False)
    (the textbook SMO) give the same support, coefficients and predictions at a tight
    tol, for three classes (three pair problems) and a precomputed kernel."""
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(c, 1.0, (40, 2)) for c in (-2.0, 0.0, 2.0)])
    y = np.repeat([0, 1, 2], 40)
    Xb, yb = xp.asarray(X), xp.asarray(y)
    for kernel in ("rbf", "precomputed"):
        A = xp.asarray(to_np(kernel_matrix(X, X, "rbf", gamma=0.5))) if kernel != "rbf" else Xb
        models = [
            SVC(kernel=kernel, gamma=0.5, tol=1e-9, shrinking=s).fit(A, yb) for s in (True, False)
        ]
        a, b = models
        np.testing.assert_array_equal(to_np(a.support_), to_np(b.support_))
        np.testing.assert_allclose(to_np(a.dual_coef_), to_np(b.dual_coef_), atol=1e-6)
        np.testing.assert_array_equal(to_np(a.predict(A)), to_np(b.predict(A)))


def test_shrinking_must_be_a_bool(xp):
    X, y = _problem(0, 10)
    with pytest.raises(TypeError, match="shrinking must be True or False, got 'yes'"):
        SVC(shrinking="yes").fit(xp.asarray(X), xp.asarray(y > 0))


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(12, 60),
    C=st.sampled_from([0.1, 1.0, 10.0]),
    data=st.data(),
)
def test_before_the_first_review_the_engine_takes_the_references_steps_bit_for_bit(
    xp, seed, n, C, data
):
    """From the same kernel values (a precomputed K) and before the first shrink (the
    period is min(n, 1000) = n steps), every step of the engine is the reference's: after
    k steps the same n_iter, the same beta and bias to the last bit. Pins the F_up /
    F_low bookkeeping (a coefficient joining or leaving I_up, I_low), b |b| / (a / 2)
    against b^2 / a in WSS 2, and the curvatures cached with the rows."""
    X, y = _problem(seed, n)
    K = xp.asarray(to_np(kernel_matrix(X, X, **KERNELS["rbf"])))
    k = data.draw(st.integers(1, n - 1), label="steps")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopped at max_iter = k
        ref = smo(KernelRows(K=K), xp.asarray(y), C, 1e-3, max_iter=k)
        shr = smo_shrinking(KernelRows(K=K), xp.asarray(y), C, 1e-3, max_iter=k)
    assert shr.n_iter == ref.n_iter and shr.min_active == n
    np.testing.assert_array_equal(to_np(shr.beta), to_np(ref.beta))
    assert shr.b == ref.b and shr.max_violation == ref.max_violation


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    kernel=st.sampled_from(sorted(KERNELS)),
    cache_rows=st.sampled_from([2, 5, 50]),
)
def test_cached_curvatures_equal_the_kernel_distances_within_the_cache_budget(
    xp, seed, kernel, cache_rows
):
    """Through shrinking sets and a regrowth to all n, the curvatures served with a row
    are max((K_tt + K_ii) / 2 - K_it, floor) of the full kernel matrix (rbf's shortcut
    1 - K_it included), and the cache never holds more than cache_rows vectors."""
    rng = np.random.default_rng(seed)
    n, floor = 30, 0.5e-12
    X = rng.normal(size=(n, 3))
    K = to_np(kernel_matrix(X, X, **KERNELS[kernel]))
    d = np.diag(K)
    rows = KernelRows(X=xp.asarray(X), params=KERNELS[kernel], cache_rows=cache_rows)
    sets = [np.arange(n), np.sort(rng.choice(n, 20, replace=False))]
    sets += [np.sort(rng.choice(sets[-1], 9, replace=False)), np.arange(n)]
    for act in sets:
        rows.restrict(xp.asarray(act))
        for i in rng.choice(n, size=10):
            i = int(i)
            row, half = rows.active_row_and_half_distances(i, floor)
            expected = np.maximum((d[act] + d[i]) / 2 - K[i, act], floor)
            np.testing.assert_allclose(to_np(row), K[i, act], rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(to_np(half), expected, rtol=1e-12, atol=1e-14)
            vectors = sum(1 + (e[2] is not None) for e in rows._rows.values())
            assert vectors == rows._n_vectors <= cache_rows
