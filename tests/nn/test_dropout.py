"""Dropout module: inverted dropout in training, identity in eval, reproducible per seed."""

import numpy as np
import pytest

from scratch.autograd import Tensor
from scratch.nn import Dropout


def test_dropout_is_the_identity_in_eval_mode(xp):
    x = Tensor(xp.ones((50, 40)))
    d = Dropout(0.5, rng=0).eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())


def test_dropout_keeps_the_expectation_and_drops_a_fraction_p(xp):
    """E[y] = x: kept entries are scaled by 1/(1-p); the dropped fraction is ~ p."""
    p, n = 0.3, 20000
    y = Dropout(p, rng=1)(Tensor(xp.ones((n,)))).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)  # float64/float32 rounding
    # binomial fraction: 5 standard deviations sqrt(p (1 - p) / n) ~ 0.016
    assert abs((~kept).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_dropout_masks_are_reproducible_per_seed_and_change_between_calls(xp):
    x = Tensor(xp.ones((10, 10)))
    a, b = Dropout(0.5, rng=3), Dropout(0.5, rng=3)
    first, second = a(x).numpy(), a(x).numpy()
    np.testing.assert_array_equal(first, b(x).numpy())
    assert not np.array_equal(first, second)


def test_dropout_validates_p():
    with pytest.raises(ValueError, match="p must be in"):
        Dropout(1.5)
