"""gradcheck itself: it passes correct gradients and catches wrong ones."""

import numpy as np
import pytest

from scratch.autograd import Function, Tensor
from scratch.testing import GradcheckError, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x^2 with the deliberately wrong derivative 3x (the true one is 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3.0 * x


class WrongCube(Function):
    """y = x^3 with dy/dx = 3 x^2 right, but its second derivative wrong (built from a copy)."""

    def forward(self, x):
        return x * x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3.0 * Tensor(x.data * x.data)  # x.data breaks the graph: d2y/dx2 = 0


def _x(xp, shape=(3, 2), offset=0.5):
    rng = np.random.default_rng(0)
    return Tensor(xp.asarray(rng.random(shape) + offset), requires_grad=True)


def test_gradcheck_passes_a_correct_gradient(xp):
    assert gradcheck(lambda x: (x * x).sum(axis=1), [_x(xp)])


def test_gradcheck_catches_a_wrong_gradient_and_says_where(xp):
    with pytest.raises(GradcheckError, match=r"input 0 .* element \(0, 0\): analytic .* numeric"):
        gradcheck(lambda x: WrongSquare()(x), [_x(xp)])


def test_gradcheck_can_return_false_instead_of_raising(xp):
    assert gradcheck(lambda x: WrongSquare()(x), [_x(xp)], raise_exception=False) is False


def test_gradcheck_names_the_wrong_input_among_several(xp):
    a, b = _x(xp), _x(xp)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a * 2.0 + WrongSquare()(b), [a, b])


def test_gradgradcheck_passes_correct_second_derivatives(xp):
    assert gradgradcheck(lambda x: (x * x * x).sum(), [_x(xp)])


def test_gradgradcheck_catches_a_wrong_second_derivative(xp):
    x = _x(xp)
    assert gradcheck(lambda x: WrongCube()(x), [x])  # first derivative is right
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda x: WrongCube()(x), [x])


def test_gradcheck_refuses_float32(xp32):
    x = Tensor(xp32.asarray(np.ones(3), dtype=xp32.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * x, [x])


def test_gradcheck_needs_an_input_that_requires_grad(xp):
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * x, [Tensor(xp.ones(2))])
