"""frechet_distance and fid: SciPy-sqrtm parity, zero for equal statistics, singular inputs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.metrics import fid, frechet_distance
from scratch.metrics.frechet import trace_sqrt_product


def _spd(rng, d, lo=0.2, hi=3.0):
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = (Q * rng.uniform(lo, hi, d)) @ Q.T
    return (A + A.T) / 2


def scipy_frechet(mu1, s1, mu2, s2):
    """The pytorch-fid formula: real part of scipy.linalg.sqrtm(S1 S2), then the trace."""
    linalg = pytest.importorskip("scipy.linalg")
    covmean = np.real(linalg.sqrtm(s1 @ s2))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


@given(seed=st.integers(0, 10_000), d=st.integers(1, 12))
def test_frechet_distance_equals_the_scipy_sqrtm_formula(xp, seed, d):
    """Same d^2 as pytorch-fid's sqrtm formula to 1e-6 relative on random SPD pairs."""
    rng = np.random.default_rng(seed)
    mu1, mu2, s1, s2 = rng.normal(size=d), rng.normal(size=d), _spd(rng, d), _spd(rng, d)
    got = frechet_distance(*(xp.asarray(a) for a in (mu1, s1, mu2, s2)))
    assert backend.backend_name(got) == xp.name and got.ndim == 0
    np.testing.assert_allclose(float(got), scipy_frechet(mu1, s1, mu2, s2), rtol=1e-6)


def test_frechet_distance_of_diagonal_gaussians_is_the_textbook_sum(xp):
    """Commuting covariances: d^2 = ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2."""
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    got = float(frechet_distance(*(xp.asarray(x) for x in (mu1, np.diag(a), mu2, np.diag(b)))))
    assert got == pytest.approx(5.0 + 1.0 + 0.0 + 4.0, rel=1e-13)


@given(seed=st.integers(0, 10_000), d=st.integers(1, 10))
def test_frechet_distance_is_zero_for_identical_statistics(xp, seed, d):
    """d(N, N) = 0: tr(S) + tr(S) - 2 tr(S) up to round-off of the eigenvalues (1e-12 tr S)."""
    rng = np.random.default_rng(seed)
    mu, S = rng.normal(size=d), _spd(rng, d)
    got = float(frechet_distance(xp.asarray(mu), xp.asarray(S), xp.asarray(mu), xp.asarray(S)))
    assert 0.0 <= got <= 1e-12 * np.trace(S)


@given(seed=st.integers(0, 10_000), n=st.integers(2, 8), d=st.integers(9, 30))
def test_fid_stays_real_and_exact_on_singular_covariances(xp, seed, n, d):
    """Fewer samples than features: S1, S2 have rank < d. The symmetric route stays real,
    finite and equal to the nuclear-norm identity tr((S1 S2)^(1/2)) =
    ||X1c X2c^T||_* / sqrt((n1 - 1)(n2 - 1)) (eig(S1 S2) = sigma(X1c X2c^T)^2)."""
    rng = np.random.default_rng(seed)
    X1 = rng.normal(size=(n, d))
    X2 = rng.normal(size=(n + 1, d)) + 0.5
    got = fid(xp.asarray(X1), xp.asarray(X2))
    g = float(got)
    assert np.isfinite(g) and g >= 0
    X1c, X2c = X1 - X1.mean(0), X2 - X2.mean(0)
    nuclear = np.linalg.svd(X1c @ X2c.T, compute_uv=False).sum() / np.sqrt((n - 1) * n)
    s1, s2 = np.cov(X1, rowvar=False), np.cov(X2, rowvar=False)
    diff = X1.mean(0) - X2.mean(0)
    want = diff @ diff + np.trace(s1) + np.trace(s2) - 2 * nuclear
    np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-9 * np.trace(s1 + s2))


def test_nearly_singular_covariances_give_a_real_finite_distance_where_sqrtm_is_noisy(xp):
    """Rank-deficient S1 (eigenvalues down to 1e-14): our result is real, finite, >= 0 and
    matches the low-rank identity, while the non-symmetric sqrtm route needs np.real()."""
    rng = np.random.default_rng(1)
    d = 40
    B = rng.normal(size=(d, 5))
    s1 = B @ B.T + 1e-14 * np.eye(d)
    s2 = _spd(rng, d)
    mu = np.zeros(d)
    got = float(frechet_distance(*(xp.asarray(a) for a in (mu, s1, mu, s2))))
    # tr((S1 S2)^(1/2)) = sum sqrt(eig(B^T S2 B)) for S1 = B B^T (the 1e-14 ridge adds ~1e-6)
    ts = np.sqrt(np.clip(np.linalg.eigvalsh(B.T @ s2 @ B), 0, None)).sum()
    want = np.trace(s1) + np.trace(s2) - 2 * ts
    assert np.isfinite(got) and got >= 0
    np.testing.assert_allclose(got, want, rtol=1e-5)


@given(seed=st.integers(0, 10_000), n=st.integers(30, 60), d=st.integers(1, 8))
def test_fid_is_frechet_distance_of_the_sample_statistics(xp, seed, n, d):
    """fid(X1, X2) == frechet_distance(mean, numpy.cov) == the SciPy formula (1e-6)."""
    rng = np.random.default_rng(seed)
    X1, X2 = rng.normal(size=(n, d)), rng.normal(size=(n + 3, d)) * 1.5 + 0.2
    got = float(fid(xp.asarray(X1), xp.asarray(X2)))
    stats = (X1.mean(0), np.cov(X1, rowvar=False).reshape(d, d))
    stats2 = (X2.mean(0), np.cov(X2, rowvar=False).reshape(d, d))
    np.testing.assert_allclose(got, scipy_frechet(*stats, *stats2), rtol=1e-6)


def test_trace_sqrt_product_is_symmetric_in_its_arguments(xp):
    """tr((S1 S2)^(1/2)) = tr((S2 S1)^(1/2)): S1 S2 and S2 S1 have the same eigenvalues."""
    rng = np.random.default_rng(4)
    s1, s2 = xp.asarray(_spd(rng, 6)), xp.asarray(_spd(rng, 6))
    np.testing.assert_allclose(
        float(trace_sqrt_product(s1, s2)), float(trace_sqrt_product(s2, s1)), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "mu1 and mu2"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "sigma1 must be a"),
        ((np.zeros(2), np.eye(2), np.zeros(2), np.ones(2)), "sigma2 must be 2-dimensional"),
        (
            (np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2)),
            "sigma1 must be symmetric",
        ),
        (
            (np.zeros(2), np.eye(2), np.zeros(2), np.diag([1.0, -1.0])),
            "sigma2 must be positive semi",
        ),
        ((np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "mu1 contains NaN"),
        ((np.zeros(0), np.eye(0), np.zeros(0), np.eye(0)), "mu1 needs at least"),
    ],
)
def test_frechet_distance_refuses_bad_input_naming_the_argument(xp, args, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(*(xp.asarray(a) for a in args))


@pytest.mark.parametrize(
    ("f1", "f2", "match"),
    [
        (np.zeros((1, 3)), np.zeros((5, 3)), "features1 needs at least 2"),
        (np.zeros((5, 3)), np.zeros((5, 4)), "same number of features"),
        (np.zeros((5, 3)), np.full((5, 3), np.nan), "features2 contains NaN"),
        (np.zeros(5), np.zeros((5, 1)), "features1 must be 2-dimensional"),
    ],
)
def test_fid_refuses_bad_features_naming_the_argument(xp, f1, f2, match):
    with pytest.raises(ValueError, match=match):
        fid(xp.asarray(f1), xp.asarray(f2))


def test_fid_refuses_mixed_backends():
    s = backend.get("strict")
    with pytest.raises(backend.BackendError):
        fid(np.zeros((4, 2)), s.asarray(np.ones((4, 2))))


@given(seed=st.integers(0, 10_000), d=st.integers(1, 12), rank=st.integers(0, 12))
def test_cholesky_fast_path_equals_the_eigh_root(xp, seed, d, rank):
    """A = chol(S1) and A = V sqrt(Lambda) are both S1^(1/2) Q (Q orthogonal), so
    eig(A^T S2 A) and the trace of the root agree (1e-10 relative), for a positive-definite
    S1 (the Cholesky path) and for a singular one of rank < d (the eigh fallback)."""
    rng = np.random.default_rng(seed)
    r = min(rank, d)
    B = rng.normal(size=(d, r))
    s1 = B @ B.T if r < d else _spd(rng, d)
    s2 = _spd(rng, d)
    fast = float(trace_sqrt_product(xp.asarray(s1), xp.asarray(s2)))
    slow = float(trace_sqrt_product(xp.asarray(s1), xp.asarray(s2), root="eigh"))
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="root must be"):
        trace_sqrt_product(xp.asarray(s1), xp.asarray(s2), root="sqrtm")


def test_singular_psd_covariances_are_accepted_and_give_the_textbook_value(xp):
    """diag(1, 0) against diag(0, 1): no Cholesky exists, the eigh root takes over;
    d^2 = (1 - 0)^2 + (0 - 1)^2 = 2 (commuting covariances, equal means)."""
    mu = xp.asarray([0.0, 0.0])
    got = frechet_distance(mu, xp.asarray(np.diag([1.0, 0.0])), mu, xp.asarray(np.diag([0.0, 1.0])))
    assert float(got) == pytest.approx(2.0, rel=1e-14)
