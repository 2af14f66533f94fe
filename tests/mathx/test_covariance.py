"""Sample covariance and correlation: numpy.cov / numpy.corrcoef parity, symmetry, PSD."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.mathx import correlation, covariance


def _data(seed, n, d, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * scale + rng.normal(size=d)


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 30),
    d=st.integers(1, 6),
    ddof=st.sampled_from([0, 1]),
)
def test_covariance_equals_numpy_cov_and_is_symmetric_psd(xp, seed, n, d, ddof):
    """C = Xc^T Xc / (n - ddof) equals numpy.cov(X, rowvar=False, ddof=ddof); C = C^T and
    v^T C v = ||Xc v||^2 / (n - ddof) >= 0, so its eigenvalues are >= -(rounding)."""
    X = _data(seed, n, d)
    C = covariance(xp.asarray(X), ddof=ddof)
    assert backend.backend_name(C) == xp.name
    C = backend.to_numpy(C)
    expected = np.cov(X, rowvar=False, ddof=ddof).reshape(d, d)
    # two summation orders of the same O(n) sums: a few ulps of the largest entry
    np.testing.assert_allclose(C, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    np.testing.assert_array_equal(C, C.T)
    assert np.linalg.eigvalsh(C).min() >= -1e-12 * max(1.0, np.abs(C).max())


@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), d=st.integers(1, 6))
def test_correlation_equals_numpy_corrcoef(xp, seed, n, d):
    """R = D^-1/2 C D^-1/2 equals numpy.corrcoef; unit diagonal, entries in [-1, 1]."""
    X = _data(seed, n, d)
    R = backend.to_numpy(correlation(xp.asarray(X)))
    np.testing.assert_allclose(R, np.corrcoef(X, rowvar=False).reshape(d, d), atol=1e-12)
    np.testing.assert_allclose(np.diag(R), 1.0, atol=1e-14)
    assert np.abs(R).max() <= 1.0


def test_covariance_of_a_textbook_table(xp):
    """Worked example: X = [[1, 2], [3, 6], [5, 10]] has var 4 and 16 and cov 8 (ddof=1)."""
    X = xp.asarray(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]]))
    np.testing.assert_allclose(backend.to_numpy(covariance(X)), [[4.0, 8.0], [8.0, 16.0]])
    np.testing.assert_allclose(backend.to_numpy(correlation(X)), np.ones((2, 2)))


def test_covariance_refuses_bad_input(xp):
    X = np.ones((4, 2))
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        covariance(xp.asarray(X))
    with pytest.raises(ValueError, match="at least 2 sample"):
        covariance(xp.asarray(np.ones((1, 3))))
    with pytest.raises(ValueError, match="2-dimensional"):
        covariance(xp.asarray(np.ones(3)))
    with pytest.raises(ValueError, match="ddof"):
        covariance(xp.asarray(np.ones((3, 3))), ddof=-1)
    with pytest.raises(ValueError, match="constant column"):
        correlation(xp.asarray(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])))
