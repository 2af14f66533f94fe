"""LDA: Fisher's criterion, the generalized eigenproblem, scikit-learn parity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import BackendError
from scratch.classic import LinearDiscriminantAnalysis
from scratch.classic.decomposition.lda import fisher_criterion, scatter_matrices


def _data(seed, n, d, K):
    """K Gaussian classes with a shared, random (anisotropic) covariance."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(K), rng.integers(0, K, n - K)])  # every class present
    A = rng.standard_normal((d, d)) + 2 * np.eye(d)
    means = rng.normal(0, 2, (K, d))
    return rng.standard_normal((n, d)) @ A + means[y], y


def _np(a):
    return backend.to_numpy(a)


def _sk():
    return pytest.importorskip("sklearn.discriminant_analysis").LinearDiscriminantAnalysis


@pytest.mark.parametrize("K, d", [(2, 3), (3, 4), (5, 6), (4, 2)])
def test_directions_equal_sklearn_eigen_solver_up_to_sign(xp, K, d):
    """Oracle: sklearn's solver='eigen' solves eigh(S_b, S_w) with W^T S_w W = I, the
    same normalization as our W = L^-T U, so the K-1 discriminant directions agree up to
    a sign each (sklearn's sign is LAPACK's). The directions with eigenvalue 0 span a
    degenerate null space and are not unique, so they are not compared. Tolerance: the
    eigenvalues are separated by >= 1e-2 here, so 1e-8."""
    X, y = _data(K * 10 + d, 200, d, K)
    ours = LinearDiscriminantAnalysis().fit(xp.asarray(X), xp.asarray(y))
    ref = _sk()(solver="eigen").fit(X, y)
    for name in ("scalings_", "means_", "priors_", "coef_", "classes_"):
        assert backend.backend_name(getattr(ours, name)) == xp.name  # results follow X
    k = min(K - 1, d)
    W, W_ref = _np(ours.scalings_)[:, :k], ref.scalings_[:, :k]
    signs = np.sign(np.sum(W * W_ref, axis=0))
    np.testing.assert_allclose(W, W_ref * signs, atol=1e-8 * np.abs(W_ref).max())
    np.testing.assert_allclose(
        _np(ours.explained_variance_ratio_), ref.explained_variance_ratio_, atol=1e-10
    )
    np.testing.assert_allclose(_np(ours.means_), ref.means_, rtol=1e-12)
    np.testing.assert_allclose(_np(ours.covariance_), ref.covariance_, rtol=1e-10, atol=1e-12)
    Z = _np(ours.transform(xp.asarray(X)))
    np.testing.assert_allclose(Z * signs, ref.transform(X), atol=1e-8 * np.abs(Z).max())


@pytest.mark.parametrize("priors", [None, [0.2, 0.5, 0.3]])
def test_predict_and_predict_proba_agree_with_sklearn(xp, priors):
    """P(k|x) = softmax(x^T S_w^-1 mu_k - mu_k^T S_w^-1 mu_k / 2 + log pi_k) for the
    shared-covariance Gaussian model: probabilities to 1e-10, labels exactly."""
    X, y = _data(7, 150, 4, 3)
    Xt, _ = _data(8, 60, 4, 3)
    p = None if priors is None else xp.asarray(np.array(priors))
    ours = LinearDiscriminantAnalysis(priors=p).fit(xp.asarray(X), xp.asarray(y))
    ref = _sk()(solver="eigen", priors=priors).fit(X, y)
    np.testing.assert_allclose(
        _np(ours.predict_proba(xp.asarray(Xt))), ref.predict_proba(Xt), atol=1e-10
    )
    np.testing.assert_array_equal(_np(ours.predict(xp.asarray(Xt))), ref.predict(Xt))
    np.testing.assert_allclose(
        _np(ours.decision_function(xp.asarray(Xt))), ref.decision_function(Xt), atol=1e-8
    )
    np.testing.assert_allclose(
        _np(ours.predict_log_proba(xp.asarray(Xt))), ref.predict_log_proba(Xt), atol=1e-8
    )
    assert ours.score(xp.asarray(X), xp.asarray(y)) == pytest.approx(ref.score(X, y))


def test_two_class_decision_function_and_labels_match_sklearn(xp):
    """Two classes: decision_function is delta_1 - delta_0 (1-D), as in scikit-learn;
    labels that are not 0..K-1 are returned as given."""
    X, y = _data(3, 80, 3, 2)
    y = np.where(y == 1, 7, -2)
    ours = LinearDiscriminantAnalysis().fit(xp.asarray(X), xp.asarray(y))
    ref = _sk()(solver="eigen").fit(X, y)
    np.testing.assert_allclose(
        _np(ours.decision_function(xp.asarray(X))), ref.decision_function(X), atol=1e-9
    )
    np.testing.assert_array_equal(_np(ours.predict(xp.asarray(X))), ref.predict(X))


@given(
    seed=st.integers(0, 10_000),
    K=st.integers(2, 5),
    d=st.integers(1, 6),
)
def test_fisher_direction_beats_100_random_directions(xp, seed, K, d):
    """The top generalized eigenvector maximizes J(w) = w^T S_b w / w^T S_w w (the
    Rayleigh quotient of the pencil (S_b, S_w)), so no direction does better; its J is the
    top eigenvalue. Slack 1e-10 relative for rounding."""
    X, y = _data(seed, 60, d, K)
    Xd, yd = xp.asarray(X), xp.asarray(y)
    w = LinearDiscriminantAnalysis().fit(Xd, yd).scalings_[:, 0]
    J_best = float(_np(fisher_criterion(w, Xd, yd)))
    R = xp.asarray(np.random.default_rng(seed).standard_normal((d, 100)))
    J_random = _np(fisher_criterion(R, Xd, yd))
    assert np.all(J_random <= J_best * (1 + 1e-10))


@given(seed=st.integers(0, 10_000), K=st.integers(2, 5), d=st.integers(1, 6))
def test_scalings_solve_the_generalized_eigenproblem(xp, seed, K, d):
    """S_b W = S_w W diag(lambda), W^T S_w W = I, lambda descending, at most K-1 non-zero;
    the criterion of column j is lambda_j."""
    X, y = _data(seed, 60, d, K)
    Xd, yd = xp.asarray(X), xp.asarray(y)
    m = LinearDiscriminantAnalysis().fit(Xd, yd)
    S_w, S_b, _, _ = (_np(a) for a in scatter_matrices(Xd, yd))
    W = _np(m.scalings_)
    lam = np.diag(W.T @ S_b @ W)
    scale = np.abs(S_b).max() + np.abs(S_w).max()
    np.testing.assert_allclose(S_b @ W, S_w @ W * lam, atol=1e-9 * scale * np.abs(W).max())
    np.testing.assert_allclose(W.T @ S_w @ W, np.eye(d), atol=1e-9)
    assert np.all(np.diff(lam) <= 1e-9 * max(lam[0], 1))
    assert np.all(np.abs(lam[K - 1 :]) <= 1e-9 * max(lam[0], 1))
    np.testing.assert_allclose(
        _np(fisher_criterion(m.scalings_, Xd, yd))[: K - 1], lam[: K - 1], rtol=1e-8
    )


def test_two_class_direction_is_sw_inverse_times_mean_difference(xp):
    """Closed form for K = 2: S_b w is always along m1 - m0, so w ~ S_w^-1 (m1 - m0)."""
    X, y = _data(11, 100, 4, 2)
    m = LinearDiscriminantAnalysis().fit(xp.asarray(X), xp.asarray(y))
    w = _np(m.scalings_[:, 0])
    S_w = _np(m.covariance_)
    means = _np(m.means_)
    v = np.linalg.solve(S_w, means[1] - means[0])
    cos = abs(w @ v) / (np.linalg.norm(w) * np.linalg.norm(v))
    assert cos == pytest.approx(1.0, abs=1e-12)


def test_scatter_decomposition_total_equals_within_plus_between(xp):
    """With the class frequencies as priors, S_t = S_w + S_b (ddof = 0): the law of
    total covariance."""
    X, y = _data(5, 90, 3, 4)
    S_w, S_b, _, _ = (_np(a) for a in scatter_matrices(xp.asarray(X), xp.asarray(y)))
    np.testing.assert_allclose(S_w + S_b, np.cov(X, rowvar=False, ddof=0), atol=1e-12)


def test_lda_refuses_bad_input(xp):
    X, y = _data(0, 30, 3, 3)
    Xd, yd = xp.asarray(X), xp.asarray(y)
    with pytest.raises(ValueError, match="at least two classes"):
        LinearDiscriminantAnalysis().fit(Xd, xp.asarray(np.zeros(30, dtype=np.int64)))
    with pytest.raises(ValueError, match="n_components must be an int between 1 and"):
        LinearDiscriminantAnalysis(n_components=3).fit(Xd, yd)
    with pytest.raises(ValueError, match="y has 29 entries"):
        LinearDiscriminantAnalysis().fit(Xd, xp.asarray(y[:29]))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        LinearDiscriminantAnalysis().fit(xp.asarray(bad), yd)
    with pytest.raises(ValueError, match="priors must be positive and sum to one"):
        LinearDiscriminantAnalysis(priors=xp.asarray(np.array([0.5, 0.5, 0.5]))).fit(Xd, yd)
    with pytest.raises(ValueError, match="one entry per class"):
        LinearDiscriminantAnalysis(priors=xp.asarray(np.array([0.5, 0.5]))).fit(Xd, yd)
    const = np.hstack([X, np.ones((30, 1))])
    with pytest.raises(ValueError, match="singular.*reg_covar"):
        LinearDiscriminantAnalysis().fit(xp.asarray(const), yd)
    m = LinearDiscriminantAnalysis(reg_covar=1e-6).fit(xp.asarray(const), yd)
    assert np.all(np.isfinite(_np(m.predict_proba(xp.asarray(const)))))
    with pytest.raises(ValueError, match="reg_covar must be >= 0"):
        LinearDiscriminantAnalysis(reg_covar=-1.0).fit(Xd, yd)
    with pytest.raises(ValueError, match="w must have 3 rows"):
        fisher_criterion(xp.asarray(np.ones(2)), Xd, yd)
    if xp.name != "numpy":
        with pytest.raises(BackendError, match="different libraries"):
            m.predict(const)
        with pytest.raises(BackendError):
            LinearDiscriminantAnalysis().fit(Xd, y)
