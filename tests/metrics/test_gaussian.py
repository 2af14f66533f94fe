"""kl_gaussian: torch.distributions parity, Monte Carlo, KL >= 0, diagonal == full, batching."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.metrics import kl_gaussian


def _spd(rng, k, batch=()):
    """A = Q diag(lambda) Q^T with lambda in [0.2, 3]: condition number <= 15."""
    Q, _ = np.linalg.qr(rng.standard_normal(batch + (k, k)))
    lam = rng.uniform(0.2, 3.0, batch + (k,))
    A = (Q * lam[..., None, :]) @ np.swapaxes(Q, -1, -2)
    return (A + np.swapaxes(A, -1, -2)) / 2


def _pair(seed, k, batch=()):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=batch + (k,)),
        _spd(rng, k, batch),
        rng.normal(size=batch + (k,)),
        _spd(rng, k, batch),
    )


def _np(x):
    return backend.to_numpy(x)


@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), b=st.integers(0, 3))
def test_full_kl_equals_torch_multivariate_normal(xp, seed, k, b):
    """Closed form == torch.distributions.kl_divergence(MultivariateNormal, ...) to 1e-10."""
    torch = pytest.importorskip("torch")
    from torch.distributions import MultivariateNormal, kl_divergence

    batch = (b,) if b else ()
    mu0, S0, mu1, S1 = _pair(seed, k, batch)
    got = kl_gaussian(xp.asarray(mu0), xp.asarray(S0), xp.asarray(mu1), xp.asarray(S1))
    assert backend.backend_name(got) == xp.name and tuple(got.shape) == batch
    t = [torch.from_numpy(a) for a in (mu0, S0, mu1, S1)]
    want = kl_divergence(MultivariateNormal(t[0], t[1]), MultivariateNormal(t[2], t[3]))
    # both are Cholesky-based O(k^3) float64 computations of a value of order 1-10
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-10, atol=1e-10)


@given(seed=st.integers(0, 10_000), k=st.integers(1, 8), b=st.integers(0, 4))
def test_diagonal_kl_equals_torch_independent_normal(xp, seed, k, b):
    """Variances path == KL of torch Independent(Normal(mu, sqrt(v)), 1) to 1e-10."""
    torch = pytest.importorskip("torch")
    from torch.distributions import Independent, Normal, kl_divergence

    rng = np.random.default_rng(seed)
    shape = ((b,) if b else ()) + (k,)
    mu0, mu1 = rng.normal(size=shape), rng.normal(size=shape)
    v0, v1 = rng.uniform(0.05, 4.0, shape), rng.uniform(0.05, 4.0, shape)
    got = kl_gaussian(*(xp.asarray(a) for a in (mu0, v0, mu1, v1)))

    def dist(mu, v):
        return Independent(Normal(torch.from_numpy(mu), torch.from_numpy(np.sqrt(v))), 1)

    want = kl_divergence(dist(mu0, v0), dist(mu1, v1)).numpy()
    np.testing.assert_allclose(_np(got), want, rtol=1e-10, atol=1e-12)


def test_kl_matches_a_monte_carlo_estimate_within_four_standard_errors(xp):
    """KL = E_0[ln p0(x) - ln p1(x)]: the mean of 20,000 draws lies within 4 SE of it."""
    mu0, S0, mu1, S1 = _pair(3, 3)
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(mu0, S0, size=20_000)

    def logpdf(x, mu, S):
        d = x - mu
        _, logdet = np.linalg.slogdet(S)
        return -0.5 * (
            np.sum(d * np.linalg.solve(S, d.T).T, axis=1) + logdet + 3 * np.log(2 * np.pi)
        )

    r = logpdf(x, mu0, S0) - logpdf(x, mu1, S1)
    se = r.std(ddof=1) / np.sqrt(r.size)
    kl = float(kl_gaussian(*(xp.asarray(a) for a in (mu0, S0, mu1, S1))))
    assert abs(r.mean() - kl) < 4 * se
    assert se < 0.05 * kl  # the check has teeth: 4 SE is a fifth of the value


@given(seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_kl_is_non_negative_and_exactly_zero_for_equal_distributions(xp, seed, k):
    """Gibbs' inequality: KL >= 0, with equality iff N0 == N1 (here: bit for bit 0)."""
    mu0, S0, mu1, S1 = (xp.asarray(a) for a in _pair(seed, k))
    assert float(kl_gaussian(mu0, S0, mu1, S1)) >= 0
    assert float(kl_gaussian(mu1, S1, mu0, S0)) >= 0
    assert float(kl_gaussian(mu0, S0, mu0, S0)) == 0.0
    v = xp.asarray(np.linspace(0.5, 2.0, k))
    assert float(kl_gaussian(mu0, v, mu0, v)) == 0.0


@given(seed=st.integers(0, 10_000), k=st.integers(1, 6))
def test_diagonal_path_equals_full_path_on_diagonal_matrices(xp, seed, k):
    """Variances v and the matrices diag(v) give the same KL (and mixed diag/full too)."""
    rng = np.random.default_rng(seed)
    mu0, mu1 = rng.normal(size=k), rng.normal(size=k)
    v0, v1 = rng.uniform(0.1, 3.0, k), rng.uniform(0.1, 3.0, k)
    a = [xp.asarray(x) for x in (mu0, v0, mu1, v1)]
    diag = _np(kl_gaussian(*a))
    full = _np(kl_gaussian(a[0], xp.asarray(np.diag(v0)), a[2], xp.asarray(np.diag(v1))))
    mixed = _np(kl_gaussian(a[0], a[1], a[2], xp.asarray(np.diag(v1))))
    np.testing.assert_allclose(full, diag, rtol=1e-12)
    np.testing.assert_allclose(mixed, diag, rtol=1e-12)


def test_batched_equals_looped_and_batch_axes_broadcast(xp):
    """A (2, 3) batch equals 6 separate calls; a single N1 broadcasts against the batch."""
    mu0, S0, mu1, S1 = _pair(7, 3, (2, 3))
    got = _np(kl_gaussian(*(xp.asarray(a) for a in (mu0, S0, mu1, S1))))
    assert got.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            one = kl_gaussian(*(xp.asarray(a[i, j]) for a in (mu0, S0, mu1, S1)))
            np.testing.assert_allclose(got[i, j], _np(one), rtol=1e-13)
    prior = _np(
        kl_gaussian(xp.asarray(mu0), xp.asarray(S0), xp.asarray(np.zeros(3)), xp.asarray(np.eye(3)))
    )
    for i in range(2):
        for j in range(3):
            one = kl_gaussian(
                xp.asarray(mu0[i, j]),
                xp.asarray(S0[i, j]),
                xp.asarray(np.zeros(3)),
                xp.asarray(np.eye(3)),
            )
            np.testing.assert_allclose(prior[i, j], _np(one), rtol=1e-13)


def test_kl_of_a_textbook_example():
    """1-D: KL(N(0, 1) || N(1, 4)) = ln 2 + (1 + 1) / 8 - 1/2 = ln 2 - 1/4."""
    got = float(kl_gaussian(np.array([0.0]), np.array([1.0]), np.array([1.0]), np.array([4.0])))
    assert got == pytest.approx(np.log(2) - 0.25, rel=1e-15)
    got = float(kl_gaussian(np.array([0.0]), np.array([[1.0]]), np.array([1.0]), np.array([[4.0]])))
    assert got == pytest.approx(np.log(2) - 0.25, rel=1e-14)


def test_diagonal_kl_on_tensors_is_differentiable_with_the_textbook_gradient(xp):
    """VAE term KL(N(mu, v) || N(0, 1)) = 1/2 sum(v + mu^2 - 1 - ln v):
    d/dmu = mu, d/dv = (1 - 1/v) / 2."""
    mu = Tensor(xp.asarray([[0.3, -1.2], [2.0, 0.1]]), requires_grad=True)
    v = Tensor(xp.asarray([[0.5, 1.5], [1.0, 2.0]]), requires_grad=True)
    kl = kl_gaussian(mu, v, xp.asarray([0.0, 0.0]), xp.asarray([1.0, 1.0]))
    assert isinstance(kl, Tensor) and tuple(kl.shape) == (2,)
    kl.sum().backward()
    m, s = _np(mu.data), _np(v.data)
    np.testing.assert_allclose(
        _np(kl.data), 0.5 * np.sum(s + m**2 - 1 - np.log(s), axis=1), rtol=1e-14
    )
    np.testing.assert_allclose(_np(mu.grad), m, rtol=1e-14)
    np.testing.assert_allclose(_np(v.grad), 0.5 * (1 - 1 / s), rtol=1e-14)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "same dimension"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "cov0"),
        ((np.zeros(2), np.eye(2), np.zeros(2), np.ones((2, 2, 2, 2))), "cov1"),
        (
            (np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]), np.zeros(2), np.eye(2)),
            "cov0 must be symmetric positive definite",
        ),
        (
            (np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]])),
            "cov1 must be symmetric",
        ),
        ((np.zeros(2), np.array([1.0, 0.0]), np.zeros(2), np.ones(2)), "cov0 holds variances"),
        ((np.zeros(2), np.ones(2), np.zeros(2), np.array([1.0, -1.0])), "cov1 holds variances"),
        ((np.array([0.0, np.nan]), np.ones(2), np.zeros(2), np.ones(2)), "mu0 contains NaN"),
        ((np.zeros(2), np.ones(2), np.zeros(2), np.array([1.0, np.inf])), "cov1 contains NaN"),
        ((np.zeros((0, 2)), np.ones((0, 2)), np.zeros(2), np.ones(2)), "mu0 needs at least"),
        ((np.zeros(0), np.ones(0), np.zeros(0), np.ones(0)), "mu0"),
        ((np.zeros((2, 3)), np.ones((2, 3)), np.zeros((4, 3)), np.ones(3)), "cov1 must hold"),
        ((np.zeros((2, 3)), np.ones((2, 3)), np.zeros((4, 3)), np.ones((4, 3))), "batch shapes"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(xp, args, match):
    with pytest.raises(ValueError, match=match):
        kl_gaussian(*(xp.asarray(a) for a in args))


def test_mixed_backends_and_tensors_with_full_covariances_are_refused():
    s = backend.get("strict")
    with pytest.raises(backend.BackendError):
        kl_gaussian(np.zeros(2), np.eye(2), s.asarray(np.zeros(2)), s.asarray(np.eye(2)))
    with pytest.raises(TypeError, match="diagonal"):
        kl_gaussian(Tensor(np.zeros(2)), np.eye(2), np.zeros(2), np.eye(2))


@given(seed=st.integers(0, 10_000), k=st.integers(1, 7), m=st.integers(1, 4))
def test_forward_substitution_solves_the_lower_triangular_system(xp, seed, k, m):
    """solve_lower(L, B) == numpy.linalg.solve(L, B), and L^-1 L is the identity exactly."""
    from scratch.metrics._linalg import solve_lower

    rng = np.random.default_rng(seed)
    L = np.tril(rng.normal(size=(2, k, k)))
    L[:, np.arange(k), np.arange(k)] = rng.uniform(0.5, 2.0, (2, k))
    B = rng.normal(size=(2, k, m))
    got = _np(solve_lower(xp.asarray(L), xp.asarray(B)))
    np.testing.assert_allclose(got, np.linalg.solve(L, B), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(
        _np(solve_lower(xp.asarray(L), xp.asarray(L))), np.broadcast_to(np.eye(k), (2, k, k))
    )


def test_float32_inputs_stay_float32_and_close_to_float64(xp32):
    """On a device without float64 the result is float32, within 1e-4 of the float64 value."""
    mu0, S0, mu1, S1 = _pair(11, 4)
    want = float(kl_gaussian(mu0, S0, mu1, S1))
    got = kl_gaussian(*(xp32.asarray(a, dtype=xp32.float32) for a in (mu0, S0, mu1, S1)))
    assert got.dtype == xp32.float32
    assert float(got) == pytest.approx(want, rel=1e-4)
