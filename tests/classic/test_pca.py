"""PCA: scikit-learn parity, the two solvers agree, inverse transform, whitening."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import BackendError
from scratch.classic import PCA
from scratch.validation import NotFittedError


def _data(seed, n, d):
    """n x d data with a well-separated spectrum: Z diag(scales) Q + offset.

    Scales d, d-1, ..., 1 keep neighbouring eigenvalue gaps large relative to the
    sampling noise, so eigenvectors are well conditioned (error ~ eps ||C|| / gap)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.arange(d, 0, -1, dtype=float) ** 1.5
    return rng.standard_normal((n, d)) * scales @ Q.T + rng.normal(0, 5, d)


def _np(a):
    return backend.to_numpy(a)


@pytest.mark.parametrize("solver", ["eigh", "svd"])
@pytest.mark.parametrize("n_components", [1, 3, 6])
def test_components_and_variances_equal_sklearn(xp, solver, n_components):
    """Oracle: sklearn.decomposition.PCA (svd_solver='full', ddof = 1). Both use the sign
    convention 'largest |entry| of each component positive', so components agree
    exactly, not just up to sign. Tolerance: eigh squares the condition number, so
    1e-10 relative on variances of size ~1..15, 1e-9 on components."""
    sk = pytest.importorskip("sklearn.decomposition")
    X = _data(0, 120, 6)
    ours = PCA(n_components, solver=solver).fit(xp.asarray(X))
    ref = sk.PCA(n_components, svd_solver="full").fit(X)
    assert backend.backend_name(ours.components_) == xp.name
    np.testing.assert_allclose(_np(ours.components_), ref.components_, atol=1e-9)
    for name in ("explained_variance_", "explained_variance_ratio_", "singular_values_"):
        np.testing.assert_allclose(_np(getattr(ours, name)), getattr(ref, name), rtol=1e-10)
    np.testing.assert_allclose(_np(ours.mean_), ref.mean_, rtol=1e-13)
    np.testing.assert_allclose(float(_np(ours.noise_variance_)), ref.noise_variance_, rtol=1e-10)
    np.testing.assert_allclose(
        _np(ours.transform(xp.asarray(X))), ref.transform(X), atol=1e-9 * np.abs(X).max()
    )


def test_variance_fraction_picks_the_same_number_of_components_as_sklearn(xp):
    """n_components=0.9: the fewest k with cumulative explained ratio >= 0.9."""
    sk = pytest.importorskip("sklearn.decomposition")
    X = _data(1, 80, 7)
    for frac in (0.3, 0.6, 0.9, 0.99):
        ours = PCA(frac).fit(xp.asarray(X))
        assert ours.n_components_ == sk.PCA(frac, svd_solver="full").fit(X).n_components_


@given(seed=st.integers(0, 10_000), n=st.integers(8, 60), d=st.integers(1, 6))
def test_eigh_and_svd_solvers_agree(xp, seed, n, d):
    """C = V diag(s^2/(n-1)) V^T: the eigenvectors of C are the right singular vectors of
    Xc and lambda = s^2 / (n-1); with the same sign rule both give the same components."""
    X = xp.asarray(_data(seed, n, d))
    a = PCA(solver="eigh").fit(X)
    b = PCA(solver="svd").fit(X)
    scale = float(_np(a.explained_variance_[0]))
    np.testing.assert_allclose(
        _np(a.explained_variance_), _np(b.explained_variance_), atol=1e-11 * scale
    )
    # components: compare those whose eigenvalue gap is >= 5% of the largest eigenvalue
    lam = _np(b.explained_variance_)
    gaps = np.abs(np.diff(lam))
    for j in range(len(lam)):
        near = [gaps[i] for i in (j - 1, j) if 0 <= i < len(gaps)]
        if min(near, default=np.inf) >= 0.05 * scale:
            np.testing.assert_allclose(
                _np(a.components_[j, :]), _np(b.components_[j, :]), atol=1e-8
            )


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 40),
    d=st.integers(1, 8),
    whiten=st.booleans(),
    solver=st.sampled_from(["eigh", "svd"]),
)
def test_inverse_transform_with_all_components_is_the_identity(xp, seed, n, d, whiten, solver):
    """With k = min(n, d) components, Z V^T + mu = Xc V V^T + mu = X: the rows of Xc lie
    in the span of V (for n < d, Xc has rank <= n - 1 < k)."""
    if whiten and n <= d:
        return  # then an eigenvalue is 0 and whitening divides by it
    X = _data(seed, n, d)
    p = PCA(whiten=whiten, solver=solver).fit(xp.asarray(X))
    back = _np(p.inverse_transform(p.transform(xp.asarray(X))))
    np.testing.assert_allclose(back, X, atol=1e-9 * np.abs(X).max())


@given(seed=st.integers(0, 10_000), n=st.integers(10, 60), d=st.integers(1, 6))
def test_whitened_scores_have_unit_variance_and_no_correlation(xp, seed, n, d):
    """z_j = (x - mu)^T v_j / sqrt(lambda_j) has sample variance lambda_j / lambda_j = 1
    and the scores are uncorrelated (V^T C V = diag(lambda)): cov(Z) = I."""
    X = xp.asarray(_data(seed, n, d))
    Z = _np(PCA(whiten=True).fit_transform(X))
    np.testing.assert_allclose(np.cov(Z, rowvar=False).reshape(d, d), np.eye(d), atol=1e-9)


def test_components_are_orthonormal_and_fit_transform_equals_transform(xp):
    X = xp.asarray(_data(2, 50, 5))
    p = PCA(3, solver="svd")
    Z = _np(p.fit_transform(X))
    V = _np(p.components_)
    np.testing.assert_allclose(V @ V.T, np.eye(3), atol=1e-14)
    np.testing.assert_allclose(Z, _np(p.transform(X)), atol=1e-12)


def test_pca_of_a_textbook_example(xp):
    """Worked example: points on the line y = x with spread var 1 along it and none across.
    X = [[-1,-1],[0,0],[1,1]] has C = [[1,1],[1,1]], lambda = (2, 0), v_1 = (1, 1)/sqrt 2."""
    p = PCA().fit(xp.asarray(np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]])))
    np.testing.assert_allclose(_np(p.explained_variance_), [2.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(_np(p.components_[0, :]), [2**-0.5, 2**-0.5], atol=1e-15)


def test_pca_refuses_bad_input(xp):
    X = _data(0, 10, 3)
    with pytest.raises(ValueError, match="n_components must be between 1 and"):
        PCA(4).fit(xp.asarray(X))
    with pytest.raises(ValueError, match="n_components must be between 1 and"):
        PCA(0).fit(xp.asarray(X))
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        PCA(1.5).fit(xp.asarray(X))
    with pytest.raises(ValueError, match="solver"):
        PCA(solver="qr").fit(xp.asarray(X))
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        PCA().fit(xp.asarray(bad))
    with pytest.raises(ValueError, match="at least 2 sample"):
        PCA().fit(xp.asarray(X[:1]))
    with pytest.raises(NotFittedError):
        PCA().transform(xp.asarray(X))
    p = PCA(2).fit(xp.asarray(X))
    with pytest.raises(ValueError, match="3 features|has 2 features"):
        p.transform(xp.asarray(X[:, :2]))
    with pytest.raises(ValueError, match="Z has 3 columns"):
        p.inverse_transform(xp.asarray(X))
    if xp.name != "numpy":
        with pytest.raises(BackendError):
            p.transform(X)
