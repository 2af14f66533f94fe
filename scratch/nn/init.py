r"""Parameter initialisation: keep the signal's variance constant through the layers.

The variance argument. For a layer y_i = sum_{j=1}^{n} W_ij x_j with independent
zero-mean weights of variance Var(W) and inputs with E[x_j^2] = q,
    Var(y_i) = n Var(W) q.
The forward pass keeps Var(y) = q when Var(W) = 1 / fan_in (n = fan_in); the backward
pass, where the same sum runs over the fan_out outputs, keeps the gradient's variance
when Var(W) = 1 / fan_out.
- Glorot & Bengio (2010) ("xavier") compromise between the two:
  Var(W) = gain^2 * 2 / (fan_in + fan_out).
- He et al. (2015) ("kaiming") account for the nonlinearity: ReLU zeroes half of its
  inputs, so E[relu(z)^2] = Var(z) / 2 and the forward pass needs Var(W) = 2 / fan_in,
  i.e. gain^2 / fan (gain = sqrt(2)); for leaky ReLU with slope a, gain^2 = 2 / (1 + a^2).
A uniform U(-b, b) has variance b^2 / 3, so the uniform variants use b = sqrt(3) * std.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), with the receptive field
r = prod(kernel), fan_in = in * r and fan_out = out * r.

Every function fills the Tensor in place (its ``data`` is replaced, on its own device
and dtype, outside the graph) and returns it. ``rng`` is an int seed, a
``scratch.backend.Rng`` or None (fresh entropy).
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor
from ..backend import Rng
from ._factory import backend_of, resolve_rng

__all__ = [
    "calculate_gain",
    "calculate_fan_in_and_fan_out",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The gain g with Var(W) = g^2 / fan that keeps the variance after ``nonlinearity``.

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: sqrt(2);
    leaky_relu (slope a, default 0.01): sqrt(2 / (1 + a^2));  selu: 3/4 (PyTorch's values).

    Parameters
    ----------
    nonlinearity : str
        "linear", "identity", "conv1d/2d/3d", "conv_transpose1d/2d/3d", "sigmoid", "tanh",
        "relu", "leaky_relu" or "selu".
    param : float, optional
        The negative slope a of leaky_relu (default 0.01).
    """
    linear_like = (
        "linear",
        "identity",
        "sigmoid",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    )
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise ValueError(f"negative_slope must be a number, got {param!r}")
        return math.sqrt(2.0 / (1.0 + a * a))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (in * r, out * r) for a weight (out, in, *kernel), r = prod(kernel).

    Parameters
    ----------
    t : Tensor
        A weight with at least 2 dimensions.
    """
    shape = tuple(t.shape)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a tensor of at least 2 dimensions, got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _check(t) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"tensor must be a scratch Tensor or Parameter, got {type(t).__name__}")
    return t


def _fill(t: Tensor, draw) -> Tensor:
    """Draw numbers with the right generator and place them in ``t`` (its device and dtype)."""
    values = draw()
    t.data = backend.asarray_like(values, t.data)
    return t


def _rng_and_dtype(t: Tensor, rng: int | Rng | None):
    bk = backend_of(t.data)
    gen = resolve_rng(bk, rng)
    same = gen.backend.name == bk.name and str(gen.backend.device) == str(bk.device)
    return gen, (t.dtype if same else None)


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, rng: int | Rng | None = None) -> Tensor:
    """Fill ``t`` with samples of U(a, b).

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    a, b : float
        The interval's ends (a <= b).
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    _check(t)
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    gen, dtype = _rng_and_dtype(t, rng)
    return _fill(t, lambda: gen.uniform(a, b, size=t.shape, dtype=dtype))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, rng: int | Rng | None = None) -> Tensor:
    """Fill ``t`` with samples of N(mean, std^2).

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    mean : float
        The mean.
    std : float
        The standard deviation (>= 0).
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    _check(t)
    if not std >= 0:
        raise ValueError(f"std must be >= 0, got {std}")
    gen, dtype = _rng_and_dtype(t, rng)
    return _fill(t, lambda: gen.normal(mean, std, size=t.shape, dtype=dtype))


def constant_(t: Tensor, value: float) -> Tensor:
    """Fill ``t`` with ``value``.

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    value : float
        The fill value.

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    _check(t)
    xp = t.xp
    t.data = xp.full(t.shape, value, dtype=t.dtype, device=t.device)
    return t


def zeros_(t: Tensor) -> Tensor:
    """Fill ``t`` with zeros.

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    """Fill ``t`` with ones.

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    return constant_(t, 1.0)


def xavier_uniform_(t: Tensor, gain: float = 1.0, rng: int | Rng | None = None) -> Tensor:
    r"""Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)) = sqrt(3) * std.

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    gain : float
        The factor g (``calculate_gain`` of the next nonlinearity).
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(_check(t))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(t, -bound, bound, rng)


def xavier_normal_(t: Tensor, gain: float = 1.0, rng: int | Rng | None = None) -> Tensor:
    r"""Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    gain : float
        The factor g (``calculate_gain`` of the next nonlinearity).
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(_check(t))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(t, 0.0, std, rng)


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(_check(t))
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"cannot initialise a tensor with a zero {mode} (shape {t.shape})")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: int | Rng | None = None,
) -> Tensor:
    r"""He uniform: U(-b, b), b = sqrt(3) gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    With a = sqrt(5) (torch.nn.Linear's default) gain^2 = 2 / 6, so b = 1 / sqrt(fan_in).

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    a : float
        The negative slope of the leaky ReLU that follows (0: ReLU).
    mode : {"fan_in", "fan_out"}
        Keep the forward pass's variance (fan_in) or the backward pass's (fan_out).
    nonlinearity : str
        Passed to ``calculate_gain`` with ``a``.
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    std = _kaiming_std(t, a, mode, nonlinearity)
    bound = math.sqrt(3.0) * std
    return uniform_(t, -bound, bound, rng)


def kaiming_normal_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: int | Rng | None = None,
) -> Tensor:
    r"""He normal: N(0, std^2), std = gain / sqrt(fan).

    Parameters
    ----------
    t : Tensor
        The tensor (e.g. a Parameter) whose ``data`` is replaced.
    a : float
        The negative slope of the leaky ReLU that follows (0: ReLU).
    mode : {"fan_in", "fan_out"}
        Keep the forward pass's variance (fan_in) or the backward pass's (fan_out).
    nonlinearity : str
        Passed to ``calculate_gain`` with ``a``.
    rng : int, Rng or None
        Seed or generator of the draw (None: fresh entropy).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    std = _kaiming_std(t, a, mode, nonlinearity)
    return normal_(t, 0.0, std, rng)
