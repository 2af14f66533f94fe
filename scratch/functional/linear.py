r"""The affine map of a dense layer, and inverted dropout.

linear:   y = x W^T + b,  x (..., in), W (out, in), b (out,), y (..., out).
dropout:  y = x * m / (1 - p),  m_i ~ Bernoulli(1 - p) drawn on x's device.
"""

from __future__ import annotations

from .. import backend
from ..autograd.tensor import Tensor
from ._checks import float_tensor, same_backend
from .math import affine

__all__ = ["linear", "dropout"]


def linear(x, weight, bias=None) -> Tensor:
    r"""y = x W^T + b, PyTorch's weight layout W (out_features, in_features).

    Derivation: y_{..j} = sum_i x_{..i} W_{ji} + b_j, so
      dL/dx = gy W,   dL/dW = sum over the leading axes of gy^T x,   dL/db = sum of gy
    over the leading axes -- what matmul's and add's chain rules give for
    matmul(x, W^T) + b; ``functional.math.affine`` computes it as one fused graph node.

    Parameters
    ----------
    x : Tensor (..., in_features)
    weight : Tensor (out_features, in_features)
    bias : Tensor (out_features,), optional

    Returns
    -------
    Tensor (..., out_features)
    """
    x = float_tensor(x, "input")
    weight = float_tensor(weight, "weight")
    if bias is not None:
        bias = float_tensor(bias, "bias")
    same_backend(("input", x), ("weight", weight), ("bias", bias))
    if weight.ndim != 2:
        raise ValueError(f"weight must be 2-D (out_features, in_features), got {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"input's last axis must have in_features = {weight.shape[1]} entries, got input "
            f"{x.shape} for weight {weight.shape}"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},), got {bias.shape}")
    return affine(x, weight, bias)  # the same chain rule, fused into one graph node


def dropout(x, p: float = 0.5, training: bool = True, rng: backend.Rng | None = None) -> Tensor:
    r"""Inverted dropout: y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p), while training.

    Dividing by the keep probability 1 - p keeps E[y] = x, so evaluation (``training=False``
    or p = 0) is the identity and needs no rescaling. Derivative: dL/dx = gy * m / (1 - p),
    the same mask (a constant of the graph). p = 1 drops everything (y = 0).

    Parameters
    ----------
    x : Tensor (...)
    p : float in [0, 1], the probability of dropping an element
    training : bool
    rng : scratch.backend.Rng on x's backend; required when training with p > 0 (the mask
        is random, and scratch has no global generator)

    Returns
    -------
    Tensor (...), same shape, dtype and device as x
    """
    x = float_tensor(x, "input")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p must be a number in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    if not isinstance(rng, backend.Rng):
        raise TypeError(
            "dropout(training=True, p > 0) needs rng=scratch.backend.get(name).rng(seed) "
            f"(no global generator), got {type(rng).__name__}"
        )
    if rng.backend.name != backend.backend_name(x.data):
        raise backend.BackendError(
            f"rng draws on backend {rng.backend.name!r} but input lives on "
            f"{backend.backend_name(x.data)!r}; use scratch.backend.get(name).rng(seed)"
        )
    xp = x.xp
    if p == 1:
        return x * 0.0
    u = rng.uniform(0.0, 1.0, size=x.shape, dtype=x.dtype)
    same_backend(("input", x), ("rng", u))
    keep = u >= p  # P(u >= p) = 1 - p
    scale = xp.where(keep, xp.full_like(u, 1.0 / (1.0 - p)), xp.zeros_like(u))
    return x * Tensor(scale)
