"""Fourier series: orthogonality, coefficients, L2 convergence, the Gibbs overshoot."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.mathx import (
    GIBBS_CONSTANT,
    fourier_coefficients,
    fourier_partial_sum,
    gibbs_overshoot,
    square_wave,
    square_wave_coefficients,
)
from scratch.mathx.fourier import quadrature_grid, trigonometric_basis


@given(n_terms=st.integers(0, 20), period=st.sampled_from([2 * math.pi, 1.0, 7.5]))
def test_trigonometric_system_is_orthogonal_over_one_period(xp, n_terms, period):
    """int 1*1 = T, int cos^2 = int sin^2 = T/2, all other products 0 (Gram matrix
    diag(T, T/2, ..., T/2)). The midpoint rule with M = 256 > 2N points integrates
    trigonometric polynomials of degree < M exactly, so only rounding is left."""
    x, h = quadrature_grid(256, period, like=xp)
    B = backend.to_numpy(trigonometric_basis(x, n_terms, period))
    G = h * B @ B.T
    expected = np.diag([period] + [period / 2] * (2 * n_terms))
    np.testing.assert_allclose(G, expected, atol=1e-12 * period)


@given(
    seed=st.integers(0, 10_000),
    n_terms=st.integers(1, 12),
    period=st.sampled_from([2 * math.pi, 3.0]),
)
def test_coefficients_of_a_trigonometric_polynomial_are_recovered(xp, seed, n_terms, period):
    """Spectral accuracy: for f = a0/2 + sum a_n cos + b_n sin of degree N the quadrature
    returns the coefficients to rounding (1e-12), and S_N(x) = f(x)."""
    rng = np.random.default_rng(seed)
    a0, a, b = rng.normal(), rng.normal(size=n_terms), rng.normal(size=n_terms)
    true = (xp.asarray(np.array(a0)), xp.asarray(a), xp.asarray(b))

    def f(x):
        return fourier_partial_sum(true, x, period)

    c = fourier_coefficients(f, n_terms, period, n_points=512, like=xp)
    assert backend.backend_name(c.a) == xp.name
    np.testing.assert_allclose(float(backend.to_numpy(c.a0)), a0, atol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(c.a), a, atol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(c.b), b, atol=1e-12)


def test_square_wave_coefficients_are_4_over_n_pi_for_odd_n(xp):
    """Textbook (e.g. Kreyszig, Advanced Engineering Mathematics, sec. 11.1): the square
    wave sign(sin x) has a_n = 0 and b_n = 4/(n pi), n odd; b_n = 0, n even. The midpoint
    rule on a jump errs by O(n h^2) here (the jump sits between grid points, halfway);
    with M = 2^14 points that is < 1e-6 for n <= 25."""
    c = fourier_coefficients(square_wave, 25, n_points=2**14, like=xp)
    exact = square_wave_coefficients(25, like=xp)
    np.testing.assert_allclose(backend.to_numpy(c.a), 0.0, atol=1e-12)
    np.testing.assert_allclose(float(backend.to_numpy(c.a0)), 0.0, atol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(c.b), backend.to_numpy(exact.b), atol=1e-6)
    n = np.arange(1, 26)
    np.testing.assert_allclose(backend.to_numpy(exact.b), np.where(n % 2, 4 / (n * np.pi), 0))


def test_square_wave_partial_sums_converge_in_l2(xp):
    """||sq - S_N||^2 = (T/2) sum_{n > N} b_n^2 (Parseval) decreases strictly over odd N
    and matches the tail sum pi * sum_{odd n > N} 16 / (n pi)^2. The midpoint grid of
    2^15 points integrates |sq - S_N|^2 to ~1e-4 relative for N <= 63."""
    x, h = quadrature_grid(2**15, like=xp)
    f = square_wave(x)
    errors = []
    for N in (1, 3, 7, 15, 31, 63):
        S = fourier_partial_sum(square_wave_coefficients(N, like=xp), x)
        err2 = float(backend.to_numpy(xp.sum((f - S) ** 2))) * h
        n = np.arange(N + 1, 200_001)
        tail = np.pi * np.sum(np.where(n % 2, 16 / (n * np.pi) ** 2, 0.0))
        np.testing.assert_allclose(err2, tail, rtol=1e-3)
        errors.append(err2)
    assert all(b < a for a, b in zip(errors, errors[1:]))


def test_gibbs_overshoot_tends_to_8_95_percent_of_the_jump(xp):
    """max S_N on (0, pi) -> (2/pi) Si(pi) = 1.17898, an overshoot of Si(pi)/pi - 1/2 =
    0.089490 of the jump 2, which does not vanish as N grows. S_N's peak converges to it
    as O(1/N^2) (measured N^2 * error: 0.14 at N = 11, 0.16 at N = 101, 0.13 at N = 1001),
    so we ask |overshoot - G| <= 0.25 / N^2, and the grid search (4001 points over the first
    lobes) adds < 1e-8. The constant itself is checked against scipy's sine integral."""
    for N in (11, 101, 1001):
        g = gibbs_overshoot(square_wave_coefficients(N, like=xp))
        assert g > GIBBS_CONSTANT
        assert abs(g - GIBBS_CONSTANT) <= 0.25 / N**2 + 1e-8
    special = pytest.importorskip("scipy.special")
    assert abs(special.sici(np.pi)[0] / np.pi - 0.5 - GIBBS_CONSTANT) < 1e-15


def test_fourier_refuses_bad_input(xp):
    with pytest.raises(ValueError, match="n_terms"):
        fourier_coefficients(square_wave, -1, like=xp)
    with pytest.raises(ValueError, match="n_points"):
        fourier_coefficients(square_wave, 10, n_points=8, like=xp)
    with pytest.raises(ValueError, match="period"):
        fourier_coefficients(square_wave, 3, period=0.0, like=xp)
    with pytest.raises(ValueError, match="f\\(x\\) contains NaN"):
        fourier_coefficients(lambda x: x * float("nan"), 3, like=xp)
    with pytest.raises(ValueError, match="same length"):
        fourier_partial_sum((0.0, xp.zeros(3), xp.zeros(2)), xp.zeros(4))
