"""The E- and M-step pieces: the log density, the precision factors, the weighted estimates."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import to_numpy
from scratch.classic.mixture.gaussian import (
    estimate_gaussian_parameters,
    log_gaussian_prob,
    precision_cholesky,
    precision_cholesky_from_precisions,
    precisions_from_cholesky,
)
from scratch.testing.strategies import spd_matrices

TYPES = ("full", "tied", "diag", "spherical")


def _as_full(cov, covariance_type, K, d):
    c = np.asarray(cov)
    return {
        "full": lambda: c,
        "tied": lambda: np.repeat(c[None], K, axis=0),
        "diag": lambda: np.stack([np.diag(v) for v in c]),
        "spherical": lambda: c[:, None, None] * np.eye(d)[None],
    }[covariance_type]()


@st.composite
def gaussians(draw, covariance_type):
    """K means and covariances of one type in d dimensions (SPD, eigenvalues >= 0.1)."""
    bk = backend.get("numpy")
    d, K = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if covariance_type == "full":
        cov = np.stack([draw(spd_matrices(bk, n=d)) for _ in range(K)])
    elif covariance_type == "tied":
        cov = draw(spd_matrices(bk, n=d))
    elif covariance_type == "diag":
        cov = rng.uniform(0.1, 3.0, size=(K, d))
    else:
        cov = rng.uniform(0.1, 3.0, size=K)
    return rng.normal(size=(K, d)) * 2, cov, rng.normal(size=(7, d)) * 2


@pytest.mark.parametrize("covariance_type", TYPES)
@given(data=st.data())
def test_log_density_through_the_precision_factor_matches_scipy(xp, covariance_type, data):
    """log N(x | mu, Sigma) = -(d/2) log 2pi - ||x^T U - mu^T U||^2 / 2 + sum log U_jj with
    U = L^{-T}, against scipy.stats.multivariate_normal.logpdf (oracle), every type.
    1e-9 absolute: Sigma's condition number is <= 50 here, float64 rounding ~1e-13."""
    stats = pytest.importorskip("scipy.stats")
    means, cov, X = data.draw(gaussians(covariance_type))
    K, d = means.shape
    U = precision_cholesky(xp.asarray(cov), covariance_type)
    ours = to_numpy(log_gaussian_prob(xp.asarray(X), xp.asarray(means), U, covariance_type))
    full = _as_full(cov, covariance_type, K, d)
    ref = np.stack(
        [stats.multivariate_normal(means[k], full[k]).logpdf(X).reshape(-1) for k in range(K)],
        axis=1,
    )
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
@given(data=st.data())
def test_precision_factors_are_upper_triangular_square_roots(xp, covariance_type, data):
    """U U^T = Sigma^{-1} for U = L^{-T}; the factor from given precisions P is also upper
    with U U^T = P (the exchange-matrix trick), so both layouts agree with scikit-learn's."""
    _, cov, _ = data.draw(gaussians(covariance_type))
    U = precision_cholesky(xp.asarray(cov), covariance_type)
    P = to_numpy(precisions_from_cholesky(U, covariance_type))
    np.testing.assert_allclose(P, np.linalg.inv(cov), rtol=1e-9, atol=1e-9)
    assert np.allclose(np.tril(to_numpy(U), -1), 0.0)
    V = precision_cholesky_from_precisions(xp.asarray(P), covariance_type)
    assert np.allclose(np.tril(to_numpy(V), -1), 0.0)
    np.testing.assert_allclose(to_numpy(V), to_numpy(U), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_one_hot_responsibilities_give_per_cluster_statistics(xp, covariance_type):
    """Hard (0/1) responsibilities reduce the M step to per-cluster sample means and biased
    covariances (+ reg_covar), the tied one pooled with weights N_k / n."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    z = np.repeat([0, 1, 2], 10)
    resp = np.eye(3)[z]
    N_k, means, cov = estimate_gaussian_parameters(
        xp.asarray(X), xp.asarray(resp), 1e-6, covariance_type
    )
    np.testing.assert_allclose(to_numpy(N_k), [10, 10, 10], atol=1e-12)
    np.testing.assert_allclose(to_numpy(means), [X[z == k].mean(0) for k in range(3)], atol=1e-12)
    S = np.stack([np.cov(X[z == k].T, bias=True) for k in range(3)])
    expected = {
        "full": S + 1e-6 * np.eye(2),
        "tied": S.mean(0) + 1e-6 * np.eye(2),
        "diag": np.stack([np.diag(s) for s in S]) + 1e-6,
        "spherical": np.array([np.diag(s).mean() for s in S]) + 1e-6,
    }[covariance_type]
    np.testing.assert_allclose(to_numpy(cov), expected, atol=1e-12)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_a_zero_variance_is_a_clear_error_not_a_nan(xp, covariance_type):
    """The precision factor of a singular covariance is refused for every type."""
    zero = {"full": (2, 2, 2), "tied": (2, 2), "diag": (2, 2), "spherical": (2,)}
    with pytest.raises(ValueError, match="ill-defined covariance.*reg_covar"):
        precision_cholesky(xp.zeros(zero[covariance_type]), covariance_type)
