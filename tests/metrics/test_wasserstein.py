"""wasserstein_1d: scipy.stats.wasserstein_distance parity (weighted too), order statistics."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.metrics import wasserstein_1d


@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), m=st.integers(1, 40), ties=st.booleans())
def test_w1_equals_scipy_wasserstein_distance(xp, seed, n, m, ties):
    """Area between the two CDFs == scipy.stats.wasserstein_distance (ties included)."""
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=n), rng.normal(0.5, 2.0, size=m)
    if ties:
        u, v = np.round(u), np.round(v)
    got = wasserstein_1d(xp.asarray(u), xp.asarray(v))
    assert backend.backend_name(got) == xp.name and got.ndim == 0
    np.testing.assert_allclose(float(got), stats.wasserstein_distance(u, v), rtol=1e-12, atol=1e-14)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), m=st.integers(1, 30))
def test_weighted_w1_equals_scipy_weighted_wasserstein_distance(xp, seed, n, m):
    """Weighted CDFs (weights need not sum to 1; zero weights allowed) == SciPy's."""
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=n), rng.exponential(size=m)
    uw, vw = rng.uniform(0, 3, n), rng.uniform(0, 1, m)
    uw[0] = 0.0 if n > 1 else uw[0]
    got = float(wasserstein_1d(*(xp.asarray(a) for a in (u, v, uw, vw))))
    want = stats.wasserstein_distance(u, v, uw, vw)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    one_sided = float(wasserstein_1d(xp.asarray(u), xp.asarray(v), u_weights=xp.asarray(uw)))
    np.testing.assert_allclose(
        one_sided, stats.wasserstein_distance(u, v, uw), rtol=1e-12, atol=1e-14
    )


@given(seed=st.integers(0, 10_000), n=st.integers(1, 30))
def test_equal_sizes_give_the_mean_gap_of_the_order_statistics(xp, seed, n):
    """Unweighted, |u| = |v| = n: W1 = (1/n) sum_i |u_(i) - v_(i)| (monotone transport)."""
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=n), rng.normal(1.0, 0.5, size=n)
    got = float(wasserstein_1d(xp.asarray(u), xp.asarray(v)))
    np.testing.assert_allclose(got, np.abs(np.sort(u) - np.sort(v)).mean(), rtol=1e-12, atol=1e-14)


def test_w1_of_a_shift_is_the_shift(xp):
    """W1(u, u + c) = |c|, and W1(u, u) = 0."""
    u = xp.asarray([0.0, 1.0, 3.0, 7.0])
    assert float(wasserstein_1d(u, u + 2.5)) == pytest.approx(2.5, rel=1e-15)
    assert float(wasserstein_1d(u, u)) == 0.0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.zeros(0), np.ones(3)), "u needs at least 1"),
        ((np.zeros(2), np.zeros((2, 2))), "v must be 1-dimensional"),
        ((np.array([np.nan]), np.ones(3)), "u contains NaN"),
        ((np.zeros(2), np.ones(3), np.ones(3)), "u_weights must have one weight per sample"),
        ((np.zeros(2), np.ones(3), None, np.array([1.0, -1.0, 1.0])), "v_weights must be non-neg"),
        ((np.zeros(2), np.ones(3), np.zeros(2)), "u_weights must have a positive sum"),
    ],
)
def test_bad_samples_and_weights_are_refused_naming_the_argument(xp, args, match):
    with pytest.raises(ValueError, match=match):
        wasserstein_1d(*(None if a is None else xp.asarray(a) for a in args))


def test_mixed_backends_are_refused():
    s = backend.get("strict")
    with pytest.raises(backend.BackendError):
        wasserstein_1d(np.zeros(3), s.asarray(np.ones(3)))
