"""inception_score: 1 for uniform predictions, C for confident balanced ones, the formula."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.metrics import inception_score


def _reference(P, splits):
    """The original code's loop (Salimans et al. 2016), with 0 ln 0 = 0."""
    n, scores = P.shape[0], []
    for i in range(splits):
        part = P[i * n // splits : (i + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(py)), 0.0)
        scores.append(np.exp(kl.sum(1).mean()))
    return np.mean(scores), np.std(scores)


@pytest.mark.parametrize("splits", [1, 4])
def test_uniform_predictions_score_one(xp, splits):
    """p(y|x) = p(y) for every x: no information, KL = 0, IS = exp(0) = 1, std 0."""
    m, s = inception_score(xp.asarray(np.full((40, 7), 1 / 7)), splits=splits)
    assert backend.backend_name(m) == xp.name
    assert float(m) == pytest.approx(1.0, abs=1e-14) and float(s) == pytest.approx(0, abs=1e-14)


@pytest.mark.parametrize("C", [2, 5, 10])
def test_confident_balanced_predictions_score_the_number_of_classes(xp, C):
    """One-hot p(y|x), each class equally often in each split: IS = exp(ln C) = C."""
    P = np.eye(C)[np.arange(20 * C) % C]
    m, s = inception_score(xp.asarray(P), splits=2)
    assert float(m) == pytest.approx(C, rel=1e-13) and float(s) == pytest.approx(0, abs=1e-12)


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(4, 60),
    c=st.integers(2, 10),
    splits=st.integers(1, 4),
)
def test_inception_score_equals_the_reference_loop_and_lies_in_one_to_c(xp, seed, n, c, splits):
    """Mean/std of per-split exp(E KL(p(y|x) || p(y))) as the original code computes it;
    each split's score is exp of a mutual information, so 1 <= IS <= C."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(n, c))
    P = np.exp(logits - logits.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[0] = np.eye(c)[0]  # a row with exact zeros: 0 ln 0 = 0
    m, s = inception_score(xp.asarray(P), splits=splits)
    rm, rs = _reference(P, splits)
    np.testing.assert_allclose([float(m), float(s)], [rm, rs], rtol=1e-12, atol=1e-12)
    assert 1.0 - 1e-12 <= float(m) <= c + 1e-12


def test_float32_probabilities_are_accepted_at_their_own_tolerance(xp32):
    """A float32 softmax sums to 1 only to ~1e-7; the check allows sqrt(eps32) * C."""
    P = xp32.asarray(np.full((10, 3), 1 / 3), dtype=xp32.float32)
    m, _ = inception_score(P, splits=1)
    assert float(m) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("P", "kw", "match"),
    [
        (np.array([[0.5, 0.6], [0.5, 0.5]]), {}, "sum to 1"),
        (np.array([[1.5, -0.5], [0.5, 0.5]]), {}, "non-negative"),
        (np.array([[np.nan, 1.0]]), {"splits": 1}, "probs contains NaN"),
        (np.zeros((0, 3)), {}, "probs needs at least"),
        (np.full(4, 0.25), {}, "probs must be 2-dimensional"),
        (np.full((4, 2), 0.5), {"splits": 5}, "splits"),
        (np.full((4, 2), 0.5), {"splits": 0}, "splits"),
        (np.full((4, 2), 0.5), {"splits": 2.0}, "splits"),
    ],
)
def test_bad_probabilities_and_splits_are_refused_naming_the_argument(xp, P, kw, match):
    with pytest.raises(ValueError, match=match):
        inception_score(xp.asarray(P), **kw)
