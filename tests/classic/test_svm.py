"""SVC by SMO: the dual against libsvm, KKT, strong duality, hard margins, one-vs-one.

Sources: Cortes & Vapnik (1995) for the primal/dual pair; Platt (1998) and Fan, Chen &
Lin (2005) for SMO with second-order working sets; Chang & Lin, "LIBSVM" (2011), for
the stopping rule m - M <= tol, the bias and the one-vs-one layout.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import SVC
from scratch.classic.svm.kernels import kernel_matrix

to_np = backend.to_numpy


def _dataset(seed: int, n: int, d: int, separable: bool):
    """n points in d dims, labels 0/1 with both present.

    Separable: labels from a random hyperplane, points within 0.3 of it dropped
    (a positive margin), n // 2 taken from the negative side and the rest from the
    positive one. Otherwise labels from a noisy hyperplane (overlapping classes).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4 * n, d))
    w = rng.normal(size=d)
    s = (X @ w) / np.linalg.norm(w)
    if separable:
        neg, pos = X[s < -0.3][: n // 2], X[s > 0.3][: n - n // 2]
        X = np.concatenate([neg, pos])
        y = np.concatenate([np.zeros(len(neg)), np.ones(len(pos))]).astype(np.int64)
        order = rng.permutation(len(y))
        return X[order], y[order]
    s = s + rng.normal(scale=1.0, size=s.shape)
    X, s = X[:n], s[:n]
    y = (s > 0).astype(np.int64)
    y[0], y[1] = 0, 1  # both classes, whatever the draw
    return X, y


def _dual_from_coef(dual_coef: np.ndarray, K_SS: np.ndarray) -> float:
    """D = sum_t alpha_t - 1/2 beta^T K beta from beta = dual_coef_ (alpha = |beta|)."""
    return float(np.abs(dual_coef).sum() - 0.5 * dual_coef @ K_SS @ dual_coef)


KERNEL_ARGS = {
    "linear": {},
    "poly": {"degree": 3, "coef0": 1.0},
    "rbf": {},
}


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(8, 48),
    d=st.sampled_from([2, 10]),
    separable=st.booleans(),
    kernel=st.sampled_from(sorted(KERNEL_ARGS)),
    C=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_dual_objective_and_predictions_match_libsvm(xp, seed, n, d, separable, kernel, C):
    """The dual optimum is unique in value: ours equals scikit-learn's (libsvm) to 1e-3.

    Both solvers stop within the KKT tolerance of the same strictly concave-in-w problem,
    so D agrees to about C n tol; tol = 1e-6 makes that far below the 1e-3 relative
    bound. Predictions on the training points and 200 fresh points agree on >= 99%;
    the final maximal KKT violation is <= tol (the stopping rule, Chang & Lin 2011).
    """
    sk_svm = pytest.importorskip("sklearn.svm")
    X, y = _dataset(seed, n, d, separable)
    kw = dict(C=C, kernel=kernel, tol=1e-6, **KERNEL_ARGS[kernel])
    ref = sk_svm.SVC(**kw).fit(X, y)
    ours = SVC(**kw).fit(xp.asarray(X), xp.asarray(y))

    K_ref = to_np(kernel_matrix(xp.asarray(X), xp.asarray(X), **ours._params()))
    S = ref.support_
    D_ref = _dual_from_coef(ref.dual_coef_[0], K_ref[np.ix_(S, S)])
    D_ours = float(to_np(ours.dual_objective())[0])
    assert abs(D_ours - D_ref) <= 1e-3 * abs(D_ref), (D_ours, D_ref)

    fresh = np.random.default_rng(seed + 1).normal(size=(200, d))
    points = np.concatenate([X, fresh])
    agree = to_np(ours.predict(xp.asarray(points))) == ref.predict(points)
    assert agree.mean() >= 0.99

    v = to_np(ours.kkt_violations(xp.asarray(X), xp.asarray(y)))
    assert v.min() >= 0.0 and v.max() <= 1e-6


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(8, 48),
    d=st.sampled_from([2, 10]),
    separable=st.booleans(),
    C=st.sampled_from([0.1, 1.0, 10.0]),
    tol=st.sampled_from([1e-2, 1e-3, 1e-4]),
)
def test_duality_gap_is_at_most_C_n_tol(xp, seed, n, d, separable, C, tol):
    """0 <= P - D <= C sum_t v_t <= C n tol (module docstring of scratch.classic.svm).

    With sum beta = 0, P - D = sum_t [alpha_t (y_t f_t - 1) + C xi_t] and every term is
    at most C v_t, v_t the KKT violation; SMO ends with every v_t <= tol. So the gap per
    sample and per unit of C, (P - D) / (C n), is at most tol: the objective scale of P
    is C n (all slacks 1 at w = 0). Rounding slack: 1e-9 (P) absolute.
    """
    X, y = _dataset(seed, n, d, separable)
    m = SVC(C=C, kernel="rbf", tol=tol).fit(xp.asarray(X), xp.asarray(y))
    Xb, yb = xp.asarray(X), xp.asarray(y)
    P = float(to_np(m.primal_objective(Xb, yb))[0])
    D = float(to_np(m.dual_objective())[0])
    gap = float(to_np(m.duality_gap(Xb, yb))[0])
    v = to_np(m.kkt_violations(Xb, yb))
    slack = 1e-9 * max(1.0, abs(P))
    assert gap == pytest.approx(P - D, abs=slack)
    assert -slack <= gap <= C * v.sum() + slack
    assert gap / (C * n) <= tol
    assert v.max() <= tol


def test_hard_margin_of_two_points_is_their_distance(xp):
    """x1 = (1, 1), y = +1 and x2 = (0, 0), y = -1, linear kernel, C = inf.

    Derivation: the dual has alpha_1 = alpha_2 = a (sum alpha y = 0), w = a (x1 - x2)
    = (a, a), and D(a) = 2a - a^2 ||x1 - x2||^2 / 2 = 2a - a^2 is maximal at a = 1.
    So w = (1, 1), b = -1 (w.x2 + b = -1), the margin 2 / ||w|| = sqrt(2) = ||x1 - x2||,
    and strong duality: D = 1 = 1/2 ||w||^2.
    """
    X = xp.asarray(np.array([[1.0, 1.0], [0.0, 0.0]]))
    y = xp.asarray(np.array([1, -1]))
    m = SVC(C=math.inf, kernel="linear", tol=1e-10).fit(X, y)
    w = to_np(m.coef_)[0]
    np.testing.assert_allclose(w, [1.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(to_np(m.intercept_), [-1.0], atol=1e-9)
    assert 2.0 / np.linalg.norm(w) == pytest.approx(math.sqrt(2.0), rel=1e-9)
    np.testing.assert_allclose(np.abs(to_np(m.dual_coef_)), [[1.0, 1.0]], rtol=1e-9)
    assert float(to_np(m.dual_objective())[0]) == pytest.approx(1.0, rel=1e-9)
    assert float(to_np(m.primal_objective(X, y))[0]) == pytest.approx(1.0, rel=1e-9)


def test_hard_margin_of_a_square_is_the_gap_between_its_columns(xp):
    """+1 at (1, 1), (1, -1); -1 at (-1, 1), (-1, -1); linear kernel, C = inf.

    Derivation: by symmetry the maximum-margin line is x_1 = 0; all four points lie on
    the margins, so w . (1, .) + b = 1 and w . (-1, .) + b = -1 for both second
    coordinates give w = (1, 0), b = 0 and margin 2 / ||w|| = 2. The alphas are not
    unique (any alpha with alpha_1 + alpha_2 = alpha_3 + alpha_4 = 1/2 gives the same
    w), but w, b, the margin and D = 1/2 ||w||^2 = 1/2 are.
    """
    X = xp.asarray(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]))
    y = xp.asarray(np.array([1, 1, 0, 0]))
    m = SVC(C=math.inf, kernel="linear", tol=1e-10).fit(X, y)
    w = to_np(m.coef_)[0]
    np.testing.assert_allclose(w, [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(to_np(m.intercept_), [0.0], atol=1e-9)
    assert 2.0 / np.linalg.norm(w) == pytest.approx(2.0, rel=1e-9)
    assert float(to_np(m.dual_objective())[0]) == pytest.approx(0.5, rel=1e-9)
    np.testing.assert_allclose(to_np(m.decision_function(X)), [1, 1, -1, -1], atol=1e-9)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(6, 40), d=st.sampled_from([2, 10]))
def test_hard_margin_on_separable_data_is_the_maximum_margin(xp, seed, n, d):
    """C = inf on linearly separable draws: every point has y_t f(x_t) >= 1 - tol, the
    support vectors sit on the margins (y_t f = 1), and w equals libsvm's with C = 1e8
    (where no slack is ever worth its price), so 2 / ||w|| is the maximal margin.
    Tolerance: both solvers stop at tol = 1e-8 on the same strictly convex primal in w.
    """
    sk_svm = pytest.importorskip("sklearn.svm")
    X, y = _dataset(seed, n, d, separable=True)
    m = SVC(C=math.inf, kernel="linear", tol=1e-8).fit(xp.asarray(X), xp.asarray(y))
    f = to_np(m.decision_function(xp.asarray(X)))
    yf = np.where(y == 1, 1.0, -1.0) * f
    assert yf.min() >= 1.0 - 1e-6
    np.testing.assert_allclose(yf[to_np(m.support_)], 1.0, atol=1e-6)
    ref = sk_svm.SVC(C=1e8, kernel="linear", tol=1e-8).fit(X, y)
    w, w_ref = to_np(m.coef_)[0], ref.coef_[0]
    np.testing.assert_allclose(w, w_ref, rtol=1e-4, atol=1e-6 * np.linalg.norm(w_ref))
    assert 2.0 / np.linalg.norm(w) == pytest.approx(2.0 / np.linalg.norm(w_ref), rel=1e-4)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(3, 4), n=st.integers(30, 60))
def test_one_vs_one_matches_libsvm_layout_and_votes(xp, seed, k, n):
    """k-class fits: support_, n_support_, dual_coef_ (k-1, n_SV), intercept_ and the
    pair values follow libsvm's one-vs-one layout (Chang & Lin 2011, section 7), and
    predict equals scikit-learn's votes.

    tol = 1e-8 makes both solvers' coefficients agree to ~1e-5 (the duals are strictly
    concave in f, so nearby optima have nearby coefficients on non-degenerate draws);
    we compare with 1e-4 absolute.
    """
    sk_svm = pytest.importorskip("sklearn.svm")
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, 2))
    y = np.arange(n) % k
    X = centers[y] + rng.normal(size=(n, 2))
    ref = sk_svm.SVC(C=1.0, tol=1e-8, decision_function_shape="ovo").fit(X, y)
    ours = SVC(C=1.0, tol=1e-8, decision_function_shape="ovo").fit(xp.asarray(X), xp.asarray(y))
    np.testing.assert_array_equal(to_np(ours.support_), ref.support_)
    np.testing.assert_array_equal(to_np(ours.n_support_), ref.n_support_)
    np.testing.assert_allclose(to_np(ours.dual_coef_), ref.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(to_np(ours.intercept_), ref.intercept_, atol=1e-4)
    grid = rng.normal(scale=4.0, size=(300, 2))
    dec = to_np(ours.decision_function(xp.asarray(grid)))
    np.testing.assert_allclose(dec, ref.decision_function(grid), atol=1e-4)
    clear = np.abs(dec).min(axis=1) > 1e-3  # a pair value at 0 may vote either way
    np.testing.assert_array_equal(
        to_np(ours.predict(xp.asarray(grid)))[clear], ref.predict(grid)[clear]
    )
    # every pair's dual is solved: KKT within tol, gap per sample and unit of C within tol
    Xb, yb = xp.asarray(X), xp.asarray(y)
    assert to_np(ours.kkt_violations(Xb, yb)).max() <= 1e-8
    gaps = to_np(ours.duality_gap(Xb, yb))
    assert gaps.shape == (k * (k - 1) // 2,)
    assert np.all(gaps >= -1e-9) and np.all(gaps / n <= 1e-8)


def test_ovr_decision_function_argmax_agrees_with_predict(xp):
    """scikit-learn's 'ovr' aggregation adds squashed confidences in (-1/3, 1/3) to the
    votes, so its argmax is the vote winner whenever the vote has a unique winner."""
    rng = np.random.default_rng(3)
    y = np.arange(60) % 4
    X = rng.normal(scale=3.0, size=(4, 2))[y] + rng.normal(size=(60, 2))
    m = SVC().fit(xp.asarray(X), xp.asarray(y))
    grid = xp.asarray(rng.normal(scale=4.0, size=(200, 2)))
    ovr = to_np(m.decision_function(grid))
    assert ovr.shape == (200, 4)
    votes = np.rint(ovr)  # the squashed confidences stay inside (-1/3, 1/3)
    np.testing.assert_allclose(votes.sum(axis=1), 6.0)  # one vote per pair, 4 * 3 / 2 pairs
    top2 = np.sort(votes, axis=1)[:, -2:]
    unique = top2[:, 1] > top2[:, 0]
    assert unique.mean() > 0.5  # the claim is tested on most points
    np.testing.assert_array_equal(ovr.argmax(axis=1)[unique], to_np(m.predict(grid))[unique])


def test_digits_accuracy_is_within_half_a_point_of_libsvm(xp):
    """The fixed 1437 / 360 digits split (scratch.data), C = 1, gamma = 'scale', rbf."""
    sk_svm = pytest.importorskip("sklearn.svm")
    from scratch.data import load_digits

    Xtr, ytr = load_digits("train", backend=xp)
    Xte, yte = load_digits("test", backend=xp)
    ours = SVC(C=1.0, gamma="scale").fit(Xtr, ytr).score(Xte, yte)
    ref = sk_svm.SVC(C=1.0, gamma="scale").fit(to_np(Xtr), to_np(ytr))
    assert ours >= ref.score(to_np(Xte), to_np(yte)) - 0.005


def test_precomputed_kernel_gives_the_same_model(xp):
    """kernel='precomputed' with K = k(X, X) reproduces the rbf fit and its predictions."""
    X, y = _dataset(5, 40, 2, separable=False)
    Xb, yb = xp.asarray(X), xp.asarray(y)
    a = SVC(kernel="rbf", gamma=0.5, tol=1e-8).fit(Xb, yb)
    K = kernel_matrix(Xb, Xb, kernel="rbf", gamma=0.5)
    b = SVC(kernel="precomputed", tol=1e-8).fit(K, yb)
    np.testing.assert_array_equal(to_np(a.support_), to_np(b.support_))
    np.testing.assert_allclose(to_np(a.dual_coef_), to_np(b.dual_coef_), atol=1e-10)
    np.testing.assert_allclose(
        to_np(a.decision_function(Xb)), to_np(b.decision_function(K)), atol=1e-10
    )


def test_float32_input_gives_a_float32_model_with_the_same_predictions(xp32):
    """On a device without float64 the whole fit runs in float32; at tol = 1e-3 the
    float32 model predicts like the float64 one on >= 99% of fresh points."""
    X, y = _dataset(4, 60, 2, separable=False)
    m32 = SVC().fit(xp32.asarray(X.astype(np.float32)), xp32.asarray(y))
    m64 = SVC().fit(X, y)
    assert m32.dual_coef_.dtype == xp32.float32
    fresh = np.random.default_rng(9).normal(size=(300, 2))
    p32 = to_np(m32.predict(xp32.asarray(fresh.astype(np.float32))))
    assert (p32 == m64.predict(fresh)).mean() >= 0.99


def test_fitted_attributes_follow_the_input_backend(xp):
    X, y = _dataset(0, 30, 2, separable=True)
    m = SVC().fit(xp.asarray(X), xp.asarray(y))
    for a in (m.support_, m.support_vectors_, m.dual_coef_, m.intercept_, m.n_support_):
        assert backend.backend_name(a) == xp.name
        assert backend.device_of(a) == xp.device


def test_a_small_cache_gives_the_same_solution(xp):
    """The LRU row cache only changes where K_i comes from, never its value."""
    X, y = _dataset(2, 60, 10, separable=False)
    Xb, yb = xp.asarray(X), xp.asarray(y)
    big = SVC(tol=1e-6).fit(Xb, yb)
    small = SVC(tol=1e-6, cache_size=2 * 60 * 8 / 2**20).fit(Xb, yb)  # two rows
    np.testing.assert_array_equal(to_np(big.support_), to_np(small.support_))
    np.testing.assert_allclose(to_np(big.dual_coef_), to_np(small.dual_coef_), atol=1e-12)


# --------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params, match",
    [
        ({"C": -1.0}, "C must be > 0"),
        ({"C": 0.0}, "C must be > 0"),
        ({"kernel": "cubic"}, "kernel must be one of"),
        ({"gamma": "wide"}, "gamma must be"),
        ({"tol": 0.0}, "tol must be > 0"),
        ({"max_iter": 0}, "max_iter must be"),
        ({"decision_function_shape": "ova"}, "decision_function_shape"),
    ],
)
def test_bad_parameters_are_refused_at_fit(xp, params, match):
    X, y = _dataset(0, 10, 2, separable=True)
    with pytest.raises(ValueError, match=match):
        SVC(**params).fit(xp.asarray(X), xp.asarray(y))


def test_one_class_only_is_refused(xp):
    with pytest.raises(ValueError, match="only one class"):
        SVC().fit(xp.asarray(np.ones((4, 2))), xp.asarray(np.zeros(4, dtype=np.int64)))


def test_nan_in_X_is_refused(xp):
    X = np.ones((4, 2))
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        SVC().fit(xp.asarray(X), xp.asarray(np.array([0, 1, 0, 1])))


def test_labels_of_the_wrong_length_are_refused(xp):
    with pytest.raises(ValueError, match="y has 3 entries but X has 4"):
        SVC().fit(xp.asarray(np.ones((4, 2))), xp.asarray(np.array([0, 1, 0])))


def test_precomputed_kernel_of_the_wrong_shape_is_refused(xp):
    y = xp.asarray(np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="square"):
        SVC(kernel="precomputed").fit(xp.asarray(np.ones((4, 3))), y)
    m = SVC(kernel="precomputed").fit(xp.asarray(np.eye(4)), y)
    with pytest.raises(ValueError, match=r"\(m, 4\) kernel"):
        m.predict(xp.asarray(np.ones((2, 3))))


def test_predict_before_fit_and_wrong_feature_count_are_refused(xp):
    with pytest.raises(ValueError, match="not fitted"):
        SVC().predict(xp.asarray(np.ones((2, 2))))
    X, y = _dataset(0, 10, 2, separable=True)
    m = SVC().fit(xp.asarray(X), xp.asarray(y))
    with pytest.raises(ValueError, match="3 features"):
        m.predict(xp.asarray(np.ones((2, 3))))


def test_reaching_max_iter_warns_with_the_remaining_violation(xp):
    """SMO stops at max_iter before m - M <= tol and says so (a ConvergenceWarning)."""
    from scratch.classic.svm import ConvergenceWarning

    X, y = _dataset(1, 40, 2, separable=False)
    with pytest.warns(ConvergenceWarning, match="maximal violation"):
        m = SVC(max_iter=2).fit(xp.asarray(X), xp.asarray(y))
    assert to_np(m.n_iter_).tolist() == [2]
