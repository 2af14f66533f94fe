"""Numerical extremes for the estimators: finite results where the naive formula is not.

* an HMM sequence of length 1e5: prod_t P(o_t | ...) underflows after ~1e3 steps, the
  scaled and the log-space forward pass keep log P finite (and equal);
* a GMM component collapsing onto one point: reg_covar keeps Sigma_k = reg_covar I and
  the likelihood finite (mixture/gmm.py docstring);
* PCA of rank-deficient and constant data (decomposition/pca.py docstring);
* LDA with a singular within-class scatter (decomposition/lda.py docstring).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratch.backend import to_numpy
from scratch.classic import (
    PCA,
    CategoricalHMM,
    GaussianHMM,
    GaussianMixture,
    LinearDiscriminantAnalysis,
)

T_LONG = 100_000


def _long_categorical_hmm(xp):
    m = CategoricalHMM(3, init_params="", params="")
    m.startprob_ = xp.asarray(np.array([0.5, 0.3, 0.2]))
    m.transmat_ = xp.asarray(np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))
    m.emissionprob_ = xp.asarray(np.array([[0.7, 0.2, 0.1], [0.1, 0.7, 0.2], [0.2, 0.1, 0.7]]))
    m.n_features = 3
    return m


def test_hmm_log_likelihood_of_a_1e5_step_sequence_is_finite_and_agrees():
    """Scaling (Rabiner's c_t) and log-space forward give the same finite log P for
    T = 1e5 (P itself is ~e^-1e5, far below the smallest float64); Viterbi's log P of the
    best path is finite and below log P(O). NumPy only: a 1e5-step loop per backend
    would cost seconds each, and the recursion is the one the strict tests already pin."""
    from scratch import backend

    xp = backend.get("numpy")
    m = _long_categorical_hmm(xp)
    X = xp.asarray(np.random.default_rng(0).integers(0, 3, (T_LONG, 1)))
    scaled = m.score(X)
    m.implementation = "log"
    logspace = m.score(X)
    assert math.isfinite(scaled) and scaled < -T_LONG * 0.5  # ~ -1.15 per step here
    assert scaled == pytest.approx(logspace, rel=1e-12)
    best, path = m.decode(X)
    assert math.isfinite(best) and best < scaled
    assert path.shape == (T_LONG,)


def test_gaussian_hmm_long_sequence_is_finite(xp):
    """Gaussian emissions with far-apart states: each log b_j(x_t) is very negative for
    the wrong state, and over many steps the product of densities underflows; the
    scaled pass shifts by m_t = max_j log b_j(x_t) and stays finite (5e3 steps, every
    backend)."""
    rng = np.random.default_rng(1)
    T = 5_000
    m = GaussianHMM(2, init_params="", params="")
    m.startprob_ = xp.asarray(np.array([0.5, 0.5]))
    m.transmat_ = xp.asarray(np.array([[0.99, 0.01], [0.01, 0.99]]))
    m.means_ = xp.asarray(np.array([[0.0], [50.0]]))
    m.covars_ = xp.asarray(np.array([[1.0], [1.0]]))
    X = xp.asarray(rng.normal(size=(T, 1)) + 50.0 * (rng.random((T, 1)) < 0.5))
    log_p = m.score(X)
    assert math.isfinite(log_p)
    assert np.all(np.isfinite(to_numpy(m.predict_proba(X))))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_gmm_component_collapsing_on_one_point_stays_finite(xp, covariance_type):
    """30 copies of one point beside a Gaussian blob: one component takes the copies,
    its scatter is 0, and reg_covar leaves Sigma_k = reg_covar I; log p(x) at the point is
    then the finite log w_k - (d/2) log(2 pi reg_covar) (up to the blob's tiny share)."""
    rng = np.random.default_rng(0)
    point = np.array([5.0, 5.0])
    X = np.vstack([np.tile(point, (30, 1)), rng.normal(size=(60, 2))])
    reg = 1e-6
    g = GaussianMixture(2, covariance_type=covariance_type, reg_covar=reg, random_state=0)
    g.fit(xp.asarray(X))
    assert math.isfinite(g.lower_bound_)
    means = to_numpy(g.means_)
    k = int(np.argmin(np.linalg.norm(means - point, axis=1)))
    np.testing.assert_allclose(means[k], point, atol=1e-9)
    cov = to_numpy(g.covariances_)
    if covariance_type == "full":
        np.testing.assert_allclose(cov[k], reg * np.eye(2), rtol=1e-6, atol=1e-15)
    elif covariance_type in ("diag", "spherical"):
        np.testing.assert_allclose(cov[k], reg, rtol=1e-6)
    scores = to_numpy(g.score_samples(xp.asarray(X)))
    assert np.all(np.isfinite(scores))
    if covariance_type != "tied":  # tied shares the blob's covariance: no spike
        w = to_numpy(g.weights_)[k]
        expected = math.log(w) - math.log(2 * math.pi * reg)
        assert scores[0] == pytest.approx(expected, rel=1e-6)


def test_gmm_collapse_without_reg_covar_is_a_clear_error(xp):
    rng = np.random.default_rng(0)
    X = np.vstack([np.tile([5.0, 5.0], (30, 1)), rng.normal(size=(60, 2))])
    with pytest.raises(ValueError, match="collapsed on a single point.*increase reg_covar"):
        GaussianMixture(2, reg_covar=0.0, random_state=0).fit(xp.asarray(X))


@pytest.mark.parametrize("solver", ["eigh", "svd"])
def test_pca_of_rank_deficient_data_is_finite_and_reconstructs(xp, solver):
    """X = A B with rank 2 in 5 features: explained_variance_ has 3 (clipped) zeros,
    every attribute is finite, 2 components reconstruct X exactly, and whitening a
    zero-variance direction gives 0 scores, not inf (the eps floor)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) @ rng.normal(size=(2, 5)) + 3.0
    m = PCA(solver=solver).fit(xp.asarray(X))
    lam = to_numpy(m.explained_variance_)
    assert np.all(np.isfinite(lam)) and np.all(lam >= 0)
    assert np.all(lam[2:] < 1e-12 * lam[0])
    np.testing.assert_allclose(to_numpy(m.explained_variance_ratio_)[:2].sum(), 1.0, rtol=1e-12)
    assert 0.0 <= m.noise_variance_ < 1e-12
    two = PCA(2, solver=solver).fit(xp.asarray(X))
    back = two.inverse_transform(two.transform(xp.asarray(X)))
    np.testing.assert_allclose(to_numpy(back), X, atol=1e-10)
    white = PCA(whiten=True, solver=solver).fit(xp.asarray(X))
    Z = to_numpy(white.transform(xp.asarray(X)))
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(np.var(Z[:, :2], axis=0, ddof=1), 1.0, rtol=1e-10)


def test_pca_of_constant_data_has_zero_ratios_not_nan(xp):
    X = xp.asarray(np.full((10, 3), 7.0))
    m = PCA(whiten=True).fit(X)
    assert np.all(to_numpy(m.explained_variance_) == 0.0)
    assert np.all(to_numpy(m.explained_variance_ratio_) == 0.0)
    assert np.all(to_numpy(m.transform(X)) == 0.0)


def test_lda_with_singular_within_class_scatter(xp):
    """S_w singular (a constant feature; fewer samples than features): without
    reg_covar a ValueError naming it, never a NaN; with reg_covar every output finite
    and the training data still separated."""
    rng = np.random.default_rng(0)
    X = np.hstack(
        [rng.normal(size=(30, 3)) + np.repeat(np.eye(3) * 4, 10, axis=0), np.ones((30, 1))]
    )
    y = np.repeat([0, 1, 2], 10)
    with pytest.raises(ValueError, match="singular.*reg_covar"):
        LinearDiscriminantAnalysis().fit(xp.asarray(X), xp.asarray(y))
    m = LinearDiscriminantAnalysis(reg_covar=1e-8).fit(xp.asarray(X), xp.asarray(y))
    for out in (m.predict_proba(xp.asarray(X)), m.transform(xp.asarray(X)), m.coef_):
        assert np.all(np.isfinite(to_numpy(out)))
    assert m.score(xp.asarray(X), xp.asarray(y)) > 0.9
    wide = rng.normal(size=(6, 10)) + np.repeat([[0.0], [3.0]], 3, axis=0)
    y2 = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="singular.*reg_covar"):
        LinearDiscriminantAnalysis().fit(xp.asarray(wide), xp.asarray(y2))
    m = LinearDiscriminantAnalysis(reg_covar=1e-3).fit(xp.asarray(wide), xp.asarray(y2))
    assert np.all(np.isfinite(to_numpy(m.predict_proba(xp.asarray(wide)))))
    assert m.score(xp.asarray(wide), xp.asarray(y2)) == 1.0
