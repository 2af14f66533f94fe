"""Markov's and Chebyshev's inequalities on samples of hypothesis-drawn distributions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.mathx import chebyshev_bound, empirical_check, markov_bound

# non-negative families (for Markov) with parameters, drawn by hypothesis
NONNEG = {
    "exponential": lambda r, p, n: r.exponential(p, n),
    "uniform": lambda r, p, n: r.uniform(0, p, n),
    "lognormal": lambda r, p, n: r.lognormal(0, min(p, 2.0), n),
    "poisson": lambda r, p, n: r.poisson(p, n).astype(float),
    "pareto": lambda r, p, n: r.pareto(p + 0.5, n),
    "bernoulli": lambda r, p, n: r.binomial(1, min(p / 10, 0.99), n).astype(float),
}
SIGNED = {
    "normal": lambda r, p, n: r.normal(0, p, n),
    "student_t": lambda r, p, n: r.standard_t(p + 2.1, n),
    "laplace": lambda r, p, n: r.laplace(0, p, n),
    "two_point": lambda r, p, n: np.where(r.random(n) < 0.5, -p, p),
}


@given(
    family=st.sampled_from(sorted(NONNEG)),
    param=st.floats(0.1, 10.0),
    n=st.integers(1, 400),
    seed=st.integers(0, 10_000),
)
def test_markov_bound_holds_on_samples_of_any_nonnegative_distribution(xp, family, param, n, seed):
    """P_n(X >= a) <= mean / a for the empirical distribution of any sample (the proof
    a 1{X >= a} <= X holds pointwise), at thresholds from 0.1x to 10x the mean. Only
    the rounding of the mean (1e-12 relative) separates them at equality."""
    x = NONNEG[family](np.random.default_rng(seed), param, n)
    m = max(x.mean(), 1e-3)
    a = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 10.0]) * m
    bound, empirical = empirical_check(xp.asarray(x), xp.asarray(a), "markov")
    assert backend.backend_name(bound) == xp.name
    bound, empirical = backend.to_numpy(bound), backend.to_numpy(empirical)
    np.testing.assert_allclose(empirical, (x[:, None] >= a).mean(axis=0))
    assert np.all(empirical <= bound * (1 + 1e-12))


@given(
    family=st.sampled_from(sorted(SIGNED) + sorted(NONNEG)),
    param=st.floats(0.1, 10.0),
    n=st.integers(2, 400),
    seed=st.integers(0, 10_000),
)
def test_chebyshev_bound_holds_on_samples_of_any_distribution(xp, family, param, n, seed):
    """P_n(|X - mu| >= k sigma) <= 1/k^2 with the sample's own mu and sigma (ddof = 0),
    for k from 0.5 to 5; the two-point law +-p attains equality at k = 1."""
    x = {**SIGNED, **NONNEG}[family](np.random.default_rng(seed), param, n)
    if x.std() == 0:
        return  # Chebyshev is about sigma > 0; the zero-variance case is refused (below)
    k = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 5.0])
    bound, empirical = empirical_check(xp.asarray(x), xp.asarray(k), "chebyshev")
    bound, empirical = backend.to_numpy(bound), backend.to_numpy(empirical)
    np.testing.assert_allclose(bound, 1 / k**2)
    assert np.all(empirical <= bound * (1 + 1e-12))


def test_the_bounds_against_exact_tails_of_the_exponential(xp):
    """Worked example: X ~ Exp(1) has P(X >= a) = e^-a <= 1/a (Markov), and
    P(|X - 1| >= k) = e^-(1+k) <= 1/k^2 for k >= 1 (Chebyshev, sigma = 1). On 10^5
    samples the empirical tails are within 5 standard errors of the exact ones."""
    x = np.random.default_rng(0).exponential(1.0, 100_000)
    a = np.array([1.0, 2.0, 4.0])
    bound, emp = (backend.to_numpy(v) for v in empirical_check(xp.asarray(x), xp.asarray(a)))
    exact = np.exp(-a)
    se = np.sqrt(exact * (1 - exact) / x.size)
    assert np.all(np.abs(emp - exact) <= 5 * se)
    np.testing.assert_allclose(bound, x.mean() / a)
    assert np.all(exact <= 1 / a)


def test_inequalities_refuse_bad_input(xp):
    with pytest.raises(ValueError, match="non-negative"):
        markov_bound(xp.asarray(np.array([1.0, -1.0])), 1.0)
    with pytest.raises(ValueError, match="a must be > 0"):
        markov_bound(xp.asarray(np.array([1.0, 2.0])), 0.0)
    with pytest.raises(ValueError, match="zero variance"):
        chebyshev_bound(xp.asarray(np.ones(5)), 2.0)
    with pytest.raises(ValueError, match="k must be > 0"):
        chebyshev_bound(xp.asarray(np.array([1.0, 2.0])), -1.0)
    with pytest.raises(ValueError, match="samples contains NaN"):
        markov_bound(xp.asarray(np.array([1.0, np.nan])), 1.0)
    with pytest.raises(ValueError, match="kind"):
        empirical_check(xp.asarray(np.array([1.0, 2.0])), 1.0, "hoeffding")
