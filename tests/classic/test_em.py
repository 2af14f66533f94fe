"""ThreeCoinEM: the textbook numbers, the monotone likelihood, the formulas, bad input."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import to_numpy
from scratch.classic.mixture.em import ThreeCoinEM
from scratch.validation import NotFittedError

# Li Hang, Statistical Learning Methods, EM chapter, example 9.1: ten tosses
TOSSES = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 1])


def _tosses(xp):
    """The tosses in the check float dtype (integer input would become the namespace's
    default float, float32 on torch)."""
    return xp.asarray(TOSSES, dtype=xp.float)


@pytest.mark.parametrize(
    "start, expected",
    [
        ((0.5, 0.5, 0.5), (0.5, 0.6, 0.6)),
        ((0.4, 0.6, 0.7), (0.4064, 0.5368, 0.6432)),
    ],
)
def test_reproduces_the_textbook_three_coin_example(xp, start, expected):
    """Li Hang, example 9.1: from (0.5, 0.5, 0.5) EM reaches (0.5, 0.6, 0.6); from
    (0.4, 0.6, 0.7) it reaches (0.4064, 0.5368, 0.6432) (the book's 4 decimals)."""
    model = ThreeCoinEM(*start).fit(_tosses(xp))
    fitted = [float(to_numpy(v)) for v in (model.pi_, model.p_, model.q_)]
    np.testing.assert_allclose(fitted, expected, atol=5e-5)
    assert model.converged_
    # the book reaches the answer in one iteration; the second one only confirms it
    np.testing.assert_allclose(model.history_[1], expected, atol=5e-5)


def test_the_first_iteration_matches_the_formulas_by_hand(xp):
    """One E and M step from (0.4, 0.6, 0.7) written out: mu = 0.4*0.6/(0.4*0.6 + 0.6*0.7)
    = 4/11 for heads, 0.4*0.4/(0.4*0.4 + 0.6*0.3) = 8/17 for tails; six heads, four tails:
    pi = (6*4/11 + 4*8/17)/10, p = 6*(4/11) / (6*4/11 + 4*8/17), q = 6*(7/11) / (6*7/11 + 4*9/17).
    """
    model = ThreeCoinEM(0.4, 0.6, 0.7, max_iter=1).fit(_tosses(xp))
    mu_h, mu_t = 4 / 11, 8 / 17
    pi = (6 * mu_h + 4 * mu_t) / 10
    p = 6 * mu_h / (6 * mu_h + 4 * mu_t)
    q = 6 * (1 - mu_h) / (6 * (1 - mu_h) + 4 * (1 - mu_t))
    np.testing.assert_allclose(model.history_[1], (pi, p, q), rtol=1e-14)


def test_log_likelihood_is_the_sum_over_the_hidden_coin(xp):
    """log L = sum_j log sum_{z in {B, C}} P(z) P(y_j | z), enumerated term by term."""
    model = ThreeCoinEM(0.4, 0.6, 0.7).fit(_tosses(xp))
    pi, p, q = (float(to_numpy(v)) for v in (model.pi_, model.p_, model.q_))
    by_hand = sum(
        math.log(pi * (p if y else 1 - p) + (1 - pi) * (q if y else 1 - q)) for y in TOSSES
    )
    assert abs(float(to_numpy(model.log_likelihood(_tosses(xp)))) - by_hand) < 1e-12
    assert abs(model.log_likelihood_ - by_hand) < 1e-12


def test_the_fitted_model_matches_the_observed_heads_frequency(xp):
    """After one M step pi p + (1 - pi) q = mean(y): the marginal P(y = 1) is fitted exactly
    (sum_j mu_j y_j + sum_j (1 - mu_j) y_j = sum_j y_j)."""
    model = ThreeCoinEM(0.3, 0.2, 0.9).fit(_tosses(xp))
    pi, p, q = model.history_[-1]
    assert abs(pi * p + (1 - pi) * q - TOSSES.mean()) < 1e-12


def test_posterior_is_the_e_step(xp):
    """predict_proba(y) = pi P(y|B) / P(y|theta) at the fitted theta."""
    model = ThreeCoinEM(0.4, 0.6, 0.7).fit(_tosses(xp))
    pi, p, q = model.history_[-1]
    mu = to_numpy(model.predict_proba(xp.asarray(np.array([1.0, 0.0]), dtype=xp.float)))
    np.testing.assert_allclose(
        mu, [pi * p / (pi * p + (1 - pi) * q), pi * (1 - p) / (pi * (1 - p) + (1 - pi) * (1 - q))]
    )
    assert backend.backend_name(model.pi_) == xp.name


@given(
    tosses=st.lists(st.integers(0, 1), min_size=1, max_size=30),
    start=st.tuples(*[st.floats(0.05, 0.95)] * 3),
)
def test_em_never_decreases_the_likelihood(xp, tosses, start):
    """EM's monotonicity on the three-coin model, from any start and any toss sequence.

    log L is O(n) <= 30 in size; 1e-12 absolute covers float64 rounding.
    """
    y = xp.asarray(np.array(tosses), dtype=xp.float)
    model = ThreeCoinEM(*start, max_iter=20, tol=0.0).fit(y)
    history = np.array(model.log_likelihood_history_)
    assert np.all(np.isfinite(history))
    assert np.all(np.diff(history) >= -1e-12), history


def test_every_start_on_a_grid_lands_on_the_same_likelihood(xp):
    """Non-identifiability: many different (pi, p, q) are maxima, but all have the same
    likelihood, that of a single coin with P(heads) = mean(y) = 0.6."""
    best = 6 * math.log(0.6) + 4 * math.log(0.4)
    for start in itertools.product([0.2, 0.5, 0.8], repeat=3):
        model = ThreeCoinEM(*start).fit(_tosses(xp))
        assert abs(model.log_likelihood_ - best) < 1e-9, start


@pytest.mark.parametrize("bad", [[0, 1, 2], [0.5, 1.0], [-1, 0]])
def test_tosses_outside_zero_and_one_are_refused(xp, bad):
    with pytest.raises(ValueError, match="y must hold coin tosses coded 0"):
        ThreeCoinEM().fit(xp.asarray(np.array(bad)))


def test_bad_shapes_values_and_starts_are_refused(xp):
    with pytest.raises(ValueError, match="y must be 1-dimensional"):
        ThreeCoinEM().fit(xp.asarray(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="y needs at least 1 sample"):
        ThreeCoinEM().fit(xp.asarray(np.zeros(0)))
    with pytest.raises(ValueError, match="y contains NaN"):
        ThreeCoinEM().fit(xp.asarray(np.array([0.0, np.nan])))
    with pytest.raises(ValueError, match=r"pi must lie in the open interval \(0, 1\)"):
        ThreeCoinEM(pi=1.0).fit(_tosses(xp))
    with pytest.raises(ValueError, match="q must be > 0"):
        ThreeCoinEM(q=0.0).fit(_tosses(xp))
    with pytest.raises(NotFittedError):
        ThreeCoinEM().predict_proba(_tosses(xp))


def test_float32_tosses_stay_float32(xp32):
    """On a device without float64 the whole fit runs in float32 (no float64 leaks)."""
    model = ThreeCoinEM(0.4, 0.6, 0.7).fit(xp32.asarray(TOSSES.astype(np.float32)))
    assert model.pi_.dtype == xp32.float32
    np.testing.assert_allclose(model.history_[-1], (0.4064, 0.5368, 0.6432), atol=5e-5)
