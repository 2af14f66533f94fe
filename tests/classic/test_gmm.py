"""GaussianMixture: EM's monotone likelihood, parity with scikit-learn, sampling, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import BackendError, to_numpy
from scratch.classic.mixture.gmm import COVARIANCE_TYPES, GaussianMixture
from scratch.validation import NotFittedError

ATTRIBUTES = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_")


def _blobs(seed=0, n_per=60, d=2, K=3, spread=4.0):
    """K Gaussian blobs with different shapes, in d dimensions."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(K):
        A = rng.normal(size=(d, d)) * 0.6 + np.eye(d) * (0.4 + 0.3 * k)
        parts.append(rng.normal(size=(n_per, d)) @ A.T + rng.normal(scale=spread, size=d))
    return np.concatenate(parts)


def _inits(X, K, covariance_type):
    """A fixed, sklearn-compatible starting point: uniform weights, K spread-out samples
    as means, and scaled identity precisions in the layout of each covariance type."""
    d = X.shape[1]
    weights = np.full(K, 1.0 / K)
    means = X[np.linspace(0, len(X) - 1, K).astype(int)]
    lam = 1.0 / X.var(axis=0).mean()
    precisions = {
        "full": np.repeat(lam * np.eye(d)[None], K, axis=0),
        "tied": lam * np.eye(d),
        "diag": np.full((K, d), lam),
        "spherical": np.full(K, lam),
    }[covariance_type]
    return {"weights_init": weights, "means_init": means, "precisions_init": precisions}


def _on(xp, inits):
    return {k: xp.asarray(v) for k, v in inits.items()}


# ---------------------------------------------------------------------------------------
# Parity with scikit-learn (the oracle)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_matches_sklearn_from_the_same_initialization(xp, covariance_type):
    """Same start, same EM: every parameter, lower_bound_, n_iter_, the per-iteration
    lower bounds, score_samples, predict_proba, bic and aic agree with scikit-learn.

    Tolerance 1e-6 absolute (the contract); the two differ only in summation order
    (our covariances come from centered differences), ~1e-13 in practice.
    """
    mixture = pytest.importorskip("sklearn.mixture")
    X = _blobs(seed=1)
    K = 3
    inits = _inits(X, K, covariance_type)
    ref = mixture.GaussianMixture(K, covariance_type=covariance_type, **inits).fit(X)
    Xb = xp.asarray(X)
    ours = GaussianMixture(K, covariance_type=covariance_type, **_on(xp, inits)).fit(Xb)
    assert ours.n_iter_ == ref.n_iter_ and ours.converged_ == ref.converged_
    assert abs(ours.lower_bound_ - ref.lower_bound_) < 1e-6
    np.testing.assert_allclose(ours.lower_bound_history_, ref.lower_bounds_, rtol=0, atol=1e-6)
    for name in ATTRIBUTES:
        np.testing.assert_allclose(
            to_numpy(getattr(ours, name)), getattr(ref, name), rtol=0, atol=1e-6, err_msg=name
        )
    np.testing.assert_allclose(to_numpy(ours.score_samples(Xb)), ref.score_samples(X), atol=1e-6)
    np.testing.assert_allclose(to_numpy(ours.predict_proba(Xb)), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(to_numpy(ours.predict(Xb)), ref.predict(X))
    assert abs(float(to_numpy(ours.bic(Xb))) - ref.bic(X)) < 1e-6
    assert abs(float(to_numpy(ours.aic(Xb))) - ref.aic(X)) < 1e-6


def test_fitted_attributes_live_on_the_input_backend(xp):
    """Results follow the input: a mixture fitted on strict arrays holds strict arrays."""
    X = xp.asarray(_blobs(seed=2))
    g = GaussianMixture(3, **_on(xp, _inits(_blobs(seed=2), 3, "full"))).fit(X)
    for name in ATTRIBUTES:
        assert backend.backend_name(getattr(g, name)) == xp.name
        assert backend.device_of(getattr(g, name)) == backend.device_of(X)
    assert backend.backend_name(g.predict(X)) == xp.name


def test_one_component_is_the_gaussian_maximum_likelihood_estimate(xp):
    """K = 1: every responsibility is 1, so one M step gives the sample mean and the biased
    sample covariance (1/n) sum (x - xbar)(x - xbar)^T + reg I (closed form)."""
    X = _blobs(seed=3, K=1, d=3)
    g = GaussianMixture(1, reg_covar=1e-6).fit(xp.asarray(X))
    np.testing.assert_allclose(to_numpy(g.means_)[0], X.mean(axis=0), atol=1e-12)
    expected = np.cov(X.T, bias=True) + 1e-6 * np.eye(3)
    np.testing.assert_allclose(to_numpy(g.covariances_)[0], expected, atol=1e-12)
    np.testing.assert_allclose(to_numpy(g.weights_), [1.0], atol=1e-12)


# ---------------------------------------------------------------------------------------
# The EM property: the likelihood never decreases
# ---------------------------------------------------------------------------------------


@st.composite
def mixture_problems(draw):
    """Continuous data (no exact duplicates) from a random mixture, and a random start."""
    seed = draw(st.integers(0, 2**16))
    d = draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    n = draw(st.integers(8 * K, 40))
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=draw(st.floats(0.0, 4.0)), size=(K, d))
    X = centers[rng.integers(0, K, n)] + rng.normal(size=(n, d))
    return X, K, seed


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@given(problem=mixture_problems())
def test_em_never_decreases_the_log_likelihood(xp, covariance_type, problem):
    """EM's monotonicity (Jensen: the E step makes the bound tight, the M step raises it):
    L(theta_t+1) >= L(theta_t) at every iteration, from a random start.

    reg_covar is 1e-10 so the M step is the exact maximizer up to ~1e-10 in L; the
    tolerance 1e-9 on the mean log-likelihood covers that and float64 rounding (~1e-14).
    """
    X, K, seed = problem
    g = GaussianMixture(
        K,
        covariance_type=covariance_type,
        init_params="random",
        reg_covar=1e-10,
        tol=0.0,
        max_iter=25,
        random_state=seed,
    ).fit(xp.asarray(X))
    history = np.array(g.lower_bound_history_)
    assert np.all(np.isfinite(history))
    assert np.all(np.diff(history) >= -1e-9), history


def test_more_initializations_never_give_a_worse_lower_bound(xp):
    """n_init keeps the best start; the first start of n_init=4 is the start of n_init=1
    (same seed, same stream), so the lower bound can only go up."""
    X = xp.asarray(_blobs(seed=4, K=4, spread=2.0))
    one = GaussianMixture(4, init_params="random", random_state=7).fit(X)
    four = GaussianMixture(4, init_params="random", n_init=4, random_state=7).fit(X)
    assert four.lower_bound_ >= one.lower_bound_


@pytest.mark.parametrize("init_params", ["random", "random_from_data", "kmeans"])
def test_every_initialization_recovers_well_separated_clusters(xp, init_params):
    """Three far-apart blobs: each fitted mean lies within 0.5 of a true center.

    tol=1e-6: "random" responsibilities are all near 1/K, so every mean starts near the
    grand mean, a plateau where L can change by less than the default 1e-3 per iteration
    before the symmetry breaks (scikit-learn's "random" init behaves the same way).
    """
    rng = np.random.default_rng(5)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = np.concatenate([c + rng.normal(size=(80, 2)) for c in centers])
    g = GaussianMixture(3, init_params=init_params, n_init=3, tol=1e-6, random_state=0)
    g.fit(xp.asarray(X))
    means = to_numpy(g.means_)
    dist = np.linalg.norm(means[:, None, :] - centers[None], axis=2)
    assert np.all(dist.min(axis=0) < 0.5), means
    np.testing.assert_allclose(np.sort(to_numpy(g.weights_)), [1 / 3] * 3, atol=0.02)


# ---------------------------------------------------------------------------------------
# Degenerate data: no NaN, a clear error when regularization is switched off
# ---------------------------------------------------------------------------------------


def _collapsing_problem():
    """Ten copies of one point plus a spread cloud; component 0 starts on the copies."""
    rng = np.random.default_rng(6)
    X = np.concatenate([np.full((10, 2), 5.0), rng.normal(size=(30, 2))])
    return X


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_a_component_collapsing_on_duplicate_points_stays_finite(xp, covariance_type):
    """A component that captures only the duplicates has zero scatter; reg_covar on the
    diagonal keeps its covariance positive definite, so nothing becomes NaN."""
    X = _collapsing_problem()
    inits = _inits(X, 2, covariance_type)
    inits["means_init"] = np.array([[5.0, 5.0], [0.0, 0.0]])
    g = GaussianMixture(2, covariance_type=covariance_type, max_iter=50, **_on(xp, inits))
    g.fit(xp.asarray(X))
    for name in ATTRIBUTES:
        assert np.all(np.isfinite(to_numpy(getattr(g, name)))), name
    assert np.all(np.isfinite(to_numpy(g.score_samples(xp.asarray(X)))))
    assert math.isfinite(g.lower_bound_)
    if covariance_type in ("full", "diag", "spherical"):
        # the collapsed component's variance is reg_covar (up to the scatter's rounding)
        var = to_numpy(g.covariances_)[0]
        assert np.allclose(np.diag(var) if var.ndim == 2 else var, 1e-6, rtol=1e-3)


def test_a_collapsed_component_without_regularization_is_a_clear_error(xp):
    """reg_covar=0 and a full component on duplicates: its scatter matrix is singular, and
    fit says so (naming reg_covar) instead of returning NaN."""
    X = _collapsing_problem()
    inits = _inits(X, 2, "full")
    inits["means_init"] = np.array([[5.0, 5.0], [0.0, 0.0]])
    g = GaussianMixture(2, reg_covar=0.0, **_on(xp, inits))
    with pytest.raises(ValueError, match="reg_covar"):
        g.fit(xp.asarray(X))


def test_an_empty_component_stays_finite(xp):
    """A mean far from every sample gets responsibilities that underflow to 0; the 10 eps
    floor on N_k keeps its weight, mean and covariance finite."""
    X = _blobs(seed=7, K=2)
    inits = _inits(X, 3, "full")
    inits["means_init"] = np.concatenate([X[:2], [[1e3, 1e3]]])
    g = GaussianMixture(3, max_iter=5, **_on(xp, inits)).fit(xp.asarray(X))
    for name in ATTRIBUTES:
        assert np.all(np.isfinite(to_numpy(getattr(g, name)))), name
    assert to_numpy(g.weights_)[2] < 1e-12


# ---------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_draws_from_the_fitted_mixture(xp, covariance_type):
    """Moment check per component: samples labelled k have mean mu_k and covariance
    Sigma_k (catches A vs A^T in x = mu + A e), and label frequencies match w_k.

    20000 draws, ~10000 per component: standard errors ~0.01 sigma for the mean and
    ~0.015 sigma^2 for the covariance; the tolerances are 5 standard errors.
    """
    X = _blobs(seed=8, K=2, spread=6.0)
    inits = _inits(X, 2, covariance_type)
    g = GaussianMixture(2, covariance_type=covariance_type, random_state=0, **_on(xp, inits))
    g.fit(xp.asarray(X))
    S, y = g.sample(20000)
    S, y = to_numpy(S), to_numpy(y)
    assert S.shape == (20000, 2) and y.shape == (20000,)
    assert np.all(np.diff(y) >= 0)  # grouped by component, as scikit-learn does
    from scratch.viz.ellipses import full_covariances

    covs = full_covariances(g.covariances_, covariance_type, 2)
    weights, means = to_numpy(g.weights_), to_numpy(g.means_)
    for k in range(2):
        Sk = S[y == k]
        sd = np.sqrt(np.diag(covs[k]))
        assert np.all(np.abs(Sk.mean(axis=0) - means[k]) < 5 * sd / np.sqrt(len(Sk)))
        scale = np.outer(sd, sd)
        np.testing.assert_allclose(np.cov(Sk.T) / scale, covs[k] / scale, atol=0.08)
        assert abs(len(Sk) / 20000 - weights[k]) < 5 * np.sqrt(0.25 / 20000)


def test_sample_is_reproducible_for_an_int_random_state(xp):
    X = xp.asarray(_blobs(seed=9))
    g = GaussianMixture(3, random_state=3, **_on(xp, _inits(_blobs(seed=9), 3, "full"))).fit(X)
    a, _ = g.sample(50)
    b, _ = g.sample(50)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


def test_nan_in_X_is_refused(xp):
    X = _blobs(seed=10)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        GaussianMixture(2).fit(xp.asarray(X))


def test_more_components_than_samples_is_refused(xp):
    with pytest.raises(ValueError, match="n_components=5 must be <= n_samples=4"):
        GaussianMixture(5).fit(xp.asarray(np.arange(8.0).reshape(4, 2)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"covariance_type": "banded"}, "covariance_type must be one of full"),
        ({"init_params": "kmeans++"}, "init_params must be one of"),
        ({"n_components": 0}, "n_components must be > 0"),
        ({"reg_covar": -1.0}, "reg_covar must be >= 0"),
        ({"tol": -1e-3}, "tol must be >= 0"),
        ({"n_init": 0}, "n_init must be > 0"),
    ],
)
def test_invalid_parameters_are_refused_with_their_name(xp, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**{"n_components": 2, **kwargs}).fit(xp.asarray(_blobs()))


@pytest.mark.parametrize(
    "weights, match",
    [
        ([0.5, 0.6], "weights_init must sum to one"),
        ([0.2, 0.3, 0.5], r"weights_init must have shape \(2,\)"),
        ([1.5, -0.5], r"weights_init must lie in \[0, 1\]"),
        ([[0.5, 0.5]], "weights_init must be 1-dimensional"),
    ],
)
def test_bad_weights_init_is_refused(xp, weights, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(2, weights_init=xp.asarray(np.array(weights))).fit(xp.asarray(_blobs()))


def test_bad_means_and_precisions_init_are_refused(xp):
    X = xp.asarray(_blobs())
    with pytest.raises(ValueError, match=r"means_init must have shape \(2, 2\)"):
        GaussianMixture(2, means_init=xp.asarray(np.zeros((3, 2)))).fit(X)
    not_pd = np.array([[[1.0, 2.0], [2.0, 1.0]]] * 2)
    with pytest.raises(ValueError, match="precisions_init .* positive definite"):
        GaussianMixture(2, precisions_init=xp.asarray(not_pd)).fit(X)
    with pytest.raises(ValueError, match="precisions_init .* must be positive"):
        GaussianMixture(
            2, covariance_type="diag", precisions_init=xp.asarray(-np.ones((2, 2)))
        ).fit(X)


def test_unfitted_wrong_width_and_mixed_backends_are_refused(xp):
    X = _blobs()
    g = GaussianMixture(3, **_on(xp, _inits(X, 3, "full")))
    with pytest.raises(NotFittedError, match="not fitted"):
        g.predict(xp.asarray(X))
    g.fit(xp.asarray(X))
    with pytest.raises(ValueError, match="X has 3 features"):
        g.score_samples(xp.asarray(np.zeros((4, 3))))
    if xp.name != "numpy":
        with pytest.raises(BackendError):
            g.predict(X)  # numpy data against a model on another backend


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_data_is_fitted_in_float32(xp32, covariance_type):
    """On a device without float64 every attribute and sample stays float32, and the fit
    agrees with the float64 one to float32 accuracy (1e-3 on the mean log-likelihood)."""
    X = _blobs(seed=11)
    inits = {k: v.astype(np.float32) for k, v in _inits(X, 3, covariance_type).items()}
    g = GaussianMixture(3, covariance_type=covariance_type, **_on(xp32, inits))
    g.fit(xp32.asarray(X.astype(np.float32)))
    for name in ATTRIBUTES:
        assert getattr(g, name).dtype == xp32.float32, name
    assert g.sample(4)[0].dtype == xp32.float32
    ref = GaussianMixture(3, covariance_type=covariance_type, **_inits(X, 3, covariance_type))
    ref.fit(X)
    assert abs(g.lower_bound_ - ref.lower_bound_) < 1e-3
