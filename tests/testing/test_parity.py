"""assert_matches_torch: passes on a correct function, fails on a wrong value or derivative."""

import numpy as np
import pytest

from scratch import functional as F
from scratch.autograd import Tensor
from scratch.autograd.function import Function
from scratch.testing.parity import assert_matches_torch

torch = pytest.importorskip("torch")
X = [np.random.default_rng(0).standard_normal((3, 4))]


class _WrongSecond(Function):
    """y = x^3 with the right first derivative written without its own dependence on x
    (3 x^2 from a saved constant), so second derivatives are lost."""

    def forward(self, x):
        self.save_for_backward(3 * x * x)
        return x * x * x

    def backward(self, gy):
        (d,) = self.saved
        return gy * Tensor(d)


def test_a_correct_function_passes(xp):
    assert_matches_torch(xp, lambda x: F.tanh(x * x), lambda x: (x * x).tanh(), X, 0)


def test_a_wrong_value_fails(xp):
    with pytest.raises(AssertionError):
        assert_matches_torch(xp, lambda x: x * 1.000001, lambda x: x, X, 0)


def test_a_lost_second_derivative_fails(xp):
    assert_matches_torch(xp, lambda x: _WrongSecond()(x), lambda x: x**3, X, 0, second_order=False)
    with pytest.raises(AssertionError):
        assert_matches_torch(xp, lambda x: _WrongSecond()(x), lambda x: x**3, X, 0)
