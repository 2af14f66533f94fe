r"""Activation functions, each with its derivative, like torch.nn.functional.

Every activation is a Function: ``forward`` computes on raw arrays in a form that
cannot overflow, ``backward`` writes dL/dx = dL/dy * dy/dx with differentiable Tensor
operations on ``self.inputs`` / ``self.outputs``, so second derivatives are exact
(gradgradcheck). Elementwise activations keep the shape: x (...) -> y (...);
softmax and log_softmax normalize along ``dim``.

Derivatives at kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope,
hardtanh' = 0 at the clip points, elu'(0) = alpha.

Extremes: softplus, sigmoid, tanh, silu, gelu (both forms), elu, selu, softmax and
log_softmax give finite values and gradients equal to torch's at inputs of +-1e4 (float32
and float64) and +-1e30 (float64); tests/test_extremes_numeric.py.
"""

from __future__ import annotations

import math
import warnings

from .. import backend
from ..autograd.function import Function
from ..autograd.ops import abs as _abs
from ..autograd.ops import exp, where
from ..autograd.ops import sum as _sum
from ..autograd.tensor import Tensor, as_tensor
from ._checks import dim_ok, empty_batch, float_tensor, inplace_result

__all__ = [
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "silu",
    "hardtanh",
    "softmax",
    "log_softmax",
    "normal_cdf",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _zero(like: Tensor) -> Tensor:
    return as_tensor(0.0, like)


def _sigmoid_raw(xp, x):
    """sigma(x) without overflow: with e = exp(-|x|) <= 1, 1/(1+e) for x >= 0, e/(1+e) else."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# ---------------------------------------------------------------------------------------
# piecewise linear
# ---------------------------------------------------------------------------------------


class ReLU(Function):
    r"""y = max(x, 0).

    Derivative: dy/dx = [x > 0] (0 at the kink x = 0, PyTorch's choice), so
    dL/dx = dL/dy [x > 0]. The mask is a constant of the graph: relu'' = 0.
    """

    def forward(self, x):
        xp = backend.namespace(x)
        positive = x > 0
        self.save_for_backward(positive)
        return xp.where(positive, x, xp.zeros_like(x))

    def backward(self, gy):
        (positive,) = self.saved
        return where(positive, gy, _zero(gy))


class LeakyReLU(Function):
    r"""y = x for x > 0, a x otherwise (a = ``negative_slope``).

    Derivative: dy/dx = 1 for x > 0, a otherwise, so dL/dx = dL/dy (1 or a).
    """

    def __init__(self, negative_slope: float):
        self.a = negative_slope

    def forward(self, x):
        xp = backend.namespace(x)
        positive = x > 0
        self.save_for_backward(positive)
        return xp.where(positive, x, x * self.a)

    def backward(self, gy):
        (positive,) = self.saved
        return where(positive, gy, gy * self.a)


class Hardtanh(Function):
    r"""y = min(max(x, lo), hi).

    Derivative: dy/dx = [lo < x < hi] (0 at the clip points, as in PyTorch).
    """

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        xp = backend.namespace(x)
        inside = (x > self.lo) & (x < self.hi)
        self.save_for_backward(inside)
        return xp.clip(x, self.lo, self.hi)

    def backward(self, gy):
        (inside,) = self.saved
        return where(inside, gy, _zero(gy))


# ---------------------------------------------------------------------------------------
# exponential family: elu, selu, sigmoid, tanh, softplus, silu, softsign
# ---------------------------------------------------------------------------------------


class ELU(Function):
    r"""y = x for x > 0, alpha (exp(x) - 1) otherwise.

    Derivative: dy/dx = 1 for x > 0, alpha exp(x) = y + alpha otherwise, so
    dL/dx = dL/dy (y + alpha) on the negative side, written with the output y so the
    second derivative (alpha exp(x)) follows by differentiating y again.
    Stable form: expm1 of min(x, 0), so exp never sees a large positive x and
    exp(x) - 1 keeps its digits near 0.
    """

    def __init__(self, alpha: float):
        self.alpha = alpha

    def forward(self, x):
        xp = backend.namespace(x)
        positive = x > 0
        self.save_for_backward(positive)
        return xp.where(positive, x, self.alpha * xp.expm1(xp.minimum(x, 0.0)))

    def backward(self, gy):
        (positive,) = self.saved
        (y,) = self.outputs
        return where(positive, gy, gy * (y + self.alpha))


class Sigmoid(Function):
    r"""y = sigma(x) = 1 / (1 + exp(-x)).

    Derivative: dy/dx = exp(-x) / (1 + exp(-x))^2 = y (1 - y), so
    dL/dx = dL/dy y (1 - y), with the output y (a Tensor) for double backward.
    Stable form: with e = exp(-|x|) <= 1, y = 1/(1 + e) for x >= 0 and e/(1 + e)
    for x < 0, so exp never overflows.
    """

    def forward(self, x):
        return _sigmoid_raw(backend.namespace(x), x)

    def backward(self, gy):
        (y,) = self.outputs
        return gy * y * (1.0 - y)


class Tanh(Function):
    r"""y = tanh(x) = (e^x - e^-x) / (e^x + e^-x).

    Derivative: dy/dx = 1 - tanh(x)^2 = 1 - y^2, so dL/dx = dL/dy (1 - y^2).
    Stable form: the library's tanh, which saturates to +-1 without overflow.
    """

    def forward(self, x):
        return backend.namespace(x).tanh(x)

    def backward(self, gy):
        (y,) = self.outputs
        return gy * (1.0 - y * y)


class Softplus(Function):
    r"""y = (1/beta) log(1 + exp(beta x)), and y = x where beta x > threshold (PyTorch).

    Derivative: dy/dx = exp(beta x) / (1 + exp(beta x)) = sigma(beta x), and 1 on the
    linear side of the threshold; dL/dx = dL/dy sigma(beta x).
    Stable form: log(1 + e^z) = max(z, 0) + log1p(exp(-|z|)) with z = beta x, exact for
    every z (threshold=inf gives the exact softplus everywhere).
    """

    def __init__(self, beta: float, threshold: float):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = backend.namespace(x)
        z = self.beta * x
        linear = z > self.threshold
        self.save_for_backward(linear)
        soft = (xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))) / self.beta
        return xp.where(linear, x, soft)

    def backward(self, gy):
        (linear,) = self.saved
        (x,) = self.inputs
        return where(linear, gy, gy * sigmoid(x * self.beta))


class SiLU(Function):
    r"""y = x sigma(x) (the swish).

    Derivative: dy/dx = sigma(x) + x sigma(x)(1 - sigma(x)) = s (1 + x (1 - s)), s = sigma(x).
    Stable form: the stable sigmoid above.
    """

    def forward(self, x):
        return x * _sigmoid_raw(backend.namespace(x), x)

    def backward(self, gy):
        (x,) = self.inputs
        s = sigmoid(x)
        return gy * s * (1.0 + x * (1.0 - s))


class Softsign(Function):
    r"""y = x / (1 + |x|).

    Derivative: dy/dx = ((1 + |x|) - x sign(x)) / (1 + |x|)^2 = 1 / (1 + |x|)^2.
    No exponentials, nothing to overflow.
    """

    def forward(self, x):
        return x / (1.0 + backend.namespace(x).abs(x))

    def backward(self, gy):
        (x,) = self.inputs
        d = 1.0 + _abs(x)
        return gy / (d * d)


# ---------------------------------------------------------------------------------------
# Gaussian family: the normal CDF and GELU
# ---------------------------------------------------------------------------------------


def _phi(x: Tensor) -> Tensor:
    """The standard normal density phi(x) = exp(-x^2/2) / sqrt(2 pi), as a Tensor expression."""
    return exp(x * x * -0.5) * _INV_SQRT_2PI


class NormalCDF(Function):
    r"""y = Phi(x) = (1 + erf(x / sqrt(2))) / 2, the standard normal CDF.

    Derivative: dy/dx = phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    erf comes from ``scratch.backend.erf`` (the standard has none).
    """

    def forward(self, x):
        return 0.5 * (1.0 + backend.erf(x * (1.0 / math.sqrt(2.0))))

    def backward(self, gy):
        (x,) = self.inputs
        return gy * _phi(x)


class GELU(Function):
    r"""y = x Phi(x) (``approximate='none'``) or its tanh form (``approximate='tanh'``).

    Exact form: dy/dx = Phi(x) + x phi(x).
    Tanh form (Hendrycks and Gimpel): y = x (1 + tanh(u)) / 2 with
    u = sqrt(2/pi) (x + 0.044715 x^3), so with t = tanh(u)
      dy/dx = (1 + t)/2 + x (1 - t^2) u'(x) / 2,  u'(x) = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
    Stable form: erf and tanh saturate; for the tanh form x is clipped to [-100, 100]
    inside u (tanh(u) is exactly +-1 there already), so x^3 cannot overflow in float32;
    the clipped term is multiplied by 1 - t^2 = 0 outside, so nothing changes.
    """

    def __init__(self, approximate: str):
        self.approximate = approximate

    def forward(self, x):
        xp = backend.namespace(x)
        if self.approximate == "none":
            return x * (0.5 * (1.0 + backend.erf(x * (1.0 / math.sqrt(2.0)))))
        xc = xp.clip(x, -100.0, 100.0)
        u = _SQRT_2_OVER_PI * (xc + _GELU_C * xc * xc * xc)
        return 0.5 * x * (1.0 + xp.tanh(u))

    def backward(self, gy):
        (x,) = self.inputs
        if self.approximate == "none":
            return gy * (normal_cdf(x) + x * _phi(x))
        xc = x.clip(-100.0, 100.0)
        t = tanh((xc + xc * xc * xc * _GELU_C) * _SQRT_2_OVER_PI)
        du = (1.0 + xc * xc * (3.0 * _GELU_C)) * _SQRT_2_OVER_PI
        return gy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)


# ---------------------------------------------------------------------------------------
# normalizers along a dimension
# ---------------------------------------------------------------------------------------


class Softmax(Function):
    r"""y_i = exp(x_i) / sum_j exp(x_j) along ``dim``.

    Derivative (Jacobian): dy_i/dx_k = y_i ([i = k] - y_k), so
    dL/dx_k = sum_i gy_i y_i ([i = k] - y_k) = y_k (gy_k - sum_i gy_i y_i).
    Stable form: subtract m = max_j x_j first (exp(x - m) <= 1; the ratio is unchanged).
    """

    def __init__(self, dim: int):
        self.dim = dim

    def forward(self, x):
        xp = backend.namespace(x)
        m = xp.max(x, axis=self.dim, keepdims=True)
        e = xp.exp(x - m)
        return e / xp.sum(e, axis=self.dim, keepdims=True)

    def backward(self, gy):
        (y,) = self.outputs
        return y * (gy - _sum(gy * y, axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    r"""y_i = x_i - log sum_j exp(x_j) along ``dim``.

    Derivative: dy_i/dx_k = [i = k] - softmax(x)_k = [i = k] - exp(y_k), so
    dL/dx_k = gy_k - exp(y_k) sum_i gy_i.
    Stable form: log-sum-exp with the max subtracted (``scratch.backend.logsumexp``).
    """

    def __init__(self, dim: int):
        self.dim = dim

    def forward(self, x):
        return x - backend.logsumexp(x, axis=self.dim, keepdims=True)

    def backward(self, gy):
        (y,) = self.outputs
        return gy - exp(y) * _sum(gy, axis=self.dim, keepdims=True)


# ---------------------------------------------------------------------------------------
# the public functions (torch.nn.functional's names and defaults)
# ---------------------------------------------------------------------------------------


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value) and name != "threshold":
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def relu(input, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise. See :class:`ReLU`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    x = float_tensor(input)
    return inplace_result("relu", x, ReLU()(x), inplace)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise. See :class:`LeakyReLU`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    negative_slope : float
        The slope for x < 0.
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    x = float_tensor(input)
    return inplace_result(
        "leaky_relu", x, LeakyReLU(_number(negative_slope, "negative_slope"))(x), inplace
    )


def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise. See :class:`ELU`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    alpha : float
        The saturation value -alpha for x -> -inf.
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    x = float_tensor(input)
    return inplace_result("elu", x, ELU(_number(alpha, "alpha"))(x), inplace)


def selu(input, inplace: bool = False) -> Tensor:
    r"""scale * elu(x, alpha) with Klambauer et al.'s self-normalizing constants.

    alpha = 1.6732632423543772..., scale = 1.0507009873554804...; the derivative is
    scale * elu'(x, alpha) by the chain rule through the product with a constant.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    x = float_tensor(input)
    return inplace_result("selu", x, ELU(SELU_ALPHA)(x) * SELU_SCALE, inplace)


def gelu(input, approximate: str = "none") -> Tensor:
    """x Phi(x), or its tanh approximation with ``approximate='tanh'``. See :class:`GELU`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    approximate : {'none', 'tanh'}
        'none': the exact Phi (via erf); 'tanh': Phi(x) ~ (1 + tanh(sqrt(2/pi) (x +
        0.044715 x^3))) / 2.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU(approximate)(float_tensor(input))


def sigmoid(input) -> Tensor:
    """1 / (1 + exp(-x)), stable for any x. See :class:`Sigmoid`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    """
    return Sigmoid()(float_tensor(input))


def tanh(input) -> Tensor:
    """The hyperbolic tangent. See :class:`Tanh`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    """
    return Tanh()(float_tensor(input))


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/beta) log(1 + exp(beta x)); x itself where beta x > threshold. See :class:`Softplus`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    beta : float
        Sharpness (nonzero): softplus tends to relu as beta grows.
    threshold : float
        Where beta x > threshold the result is x itself.
    """
    beta = _number(beta, "beta")
    if beta == 0:
        raise ValueError("beta must be nonzero, got 0")
    return Softplus(beta, _number(threshold, "threshold"))(float_tensor(input))


def softsign(input) -> Tensor:
    """x / (1 + |x|). See :class:`Softsign`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    """
    return Softsign()(float_tensor(input))


def silu(input, inplace: bool = False) -> Tensor:
    """x sigma(x). See :class:`SiLU`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    x = float_tensor(input)
    return inplace_result("silu", x, SiLU()(x), inplace)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]. See :class:`Hardtanh`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    min_val, max_val : float
        The clip range (min_val <= max_val).
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """
    lo, hi = _number(min_val, "min_val"), _number(max_val, "max_val")
    if lo > hi:
        raise ValueError(f"min_val must not exceed max_val, got {min_val} > {max_val}")
    x = float_tensor(input)
    return inplace_result("hardtanh", x, Hardtanh(lo, hi)(x), inplace)


def normal_cdf(input) -> Tensor:
    """Phi(x), the standard normal CDF (differentiable; used by GELU). See :class:`NormalCDF`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    """
    return NormalCDF()(float_tensor(input))


def _softmax_input(name: str, input, dim, dtype):
    """(x cast to ``dtype`` if given, the normalized dim): torch's softmax argument rules.

    ``dim=None`` is torch's legacy implicit choice (0 for 0-, 1- and 3-D input, else 1),
    with torch's warning, since the result depends on the input's rank.
    """
    x = float_tensor(input)
    if dtype is not None:
        x = x.astype(dtype)  # torch: "the input is cast to dtype before the operation"
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated (as in torch); "
            "pass dim explicitly",
            UserWarning,
            stacklevel=3,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return x, dim_ok(dim, x.ndim)


def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum exp(x) along ``dim`` (``dtype``: cast first). See :class:`Softmax`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    dim : int, optional
        The axis that sums to one (None: torch's implicit choice, with its warning).
    dtype : dtype, optional
        Cast the input to this dtype first.
    """
    x, dim = _softmax_input("softmax", input, dim, dtype)
    if x.size == 0:  # nothing to normalize (an empty batch or dim): torch's empty result
        return empty_batch(x.shape, x)
    return Softmax(dim)(x)


def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (``dtype``: cast first). See :class:`LogSoftmax`.

    Parameters
    ----------
    input : Tensor or array
        Any shape (real floating); the output has the same shape.
    dim : int, optional
        The axis of the log-sum-exp (None: torch's implicit choice, with its warning).
    dtype : dtype, optional
        Cast the input to this dtype first.
    """
    x, dim = _softmax_input("log_softmax", input, dim, dtype)
    if x.size == 0:  # nothing to normalize (an empty batch or dim): torch's empty result
        return empty_batch(x.shape, x)
    return LogSoftmax(dim)(x)
