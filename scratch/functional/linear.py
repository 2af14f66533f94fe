r"""The affine map of a dense layer, and inverted dropout.

linear:   y = x W^T + b,  x (..., in), W (out, in), b (out,), y (..., out).
dropout:  y = x * m / (1 - p),  m_i ~ Bernoulli(1 - p) drawn on x's device.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Function, Tensor
from ..autograd.ops import matmul, matrix_transpose, reshape
from ..autograd.ops import sum as _sum
from ._checks import float_tensor, inplace_result, same_backend, same_dtype

__all__ = ["linear", "dropout", "affine"]


class Affine(Function):
    r"""y = x W^T + b, fused into one node (the dense layer's affine map).

    With y_{..j} = sum_i x_{..i} W_{ji} + b_j and the leading axes flattened into rows:
      dL/dx = gy W,   dL/dW = gy^T x,   dL/db = sum over rows of gy.
    Shapes: x (..., in), W (out, in), b (out,) or absent, y (..., out).
    One node instead of transpose + matmul + broadcast add (and their backward nodes):
    fewer Python calls per layer. The backward is written once, with differentiable ops:
    under ``create_graph`` they record the gradient's graph (double backward), otherwise
    they run unrecorded.
    """

    def forward(self, x, W, b=None):
        xp = backend.namespace(x)
        y = xp.matmul(x, xp.matrix_transpose(W))
        return y if b is None else y + b

    def backward(self, gy):
        x, W = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) > 2 else None
        n_in, n_out = W.shape[1], W.shape[0]
        gy2 = reshape(gy, (-1, n_out))  # rows: every leading index of x
        gx = matmul(gy, W) if x.requires_grad else None
        gW = matmul(matrix_transpose(gy2), reshape(x, (-1, n_in))) if W.requires_grad else None
        gb = _sum(gy2, axis=0) if b is not None and b.requires_grad else None
        return gx, gW, gb


def affine(x, weight, bias=None) -> Tensor:
    """y = x W^T + b as one graph node (see Affine); ``bias`` may be None.

    Parameters
    ----------
    x : Tensor (..., in_features)
        Input.
    weight : Tensor (out_features, in_features)
        W.
    bias : Tensor (out_features,), optional
        b.
    """
    return Affine()(x, weight) if bias is None else Affine()(x, weight, bias)


def linear(input, weight, bias=None) -> Tensor:
    r"""y = x W^T + b, PyTorch's weight layout W (out_features, in_features).

    Derivation: y_{..j} = sum_i x_{..i} W_{ji} + b_j, so
      dL/dx = gy W,   dL/dW = sum over the leading axes of gy^T x,   dL/db = sum of gy
    over the leading axes -- what matmul's and add's chain rules give for
    matmul(x, W^T) + b; ``affine`` below computes it as one fused graph node.

    Parameters
    ----------
    input : Tensor (..., in_features)
    weight : Tensor (out_features, in_features)
    bias : Tensor (out_features,), optional

    Returns
    -------
    Tensor (..., out_features)
    """
    x = float_tensor(input, "input")
    weight = float_tensor(weight, "weight")
    if bias is not None:
        bias = float_tensor(bias, "bias")
    same_backend(("input", x), ("weight", weight), ("bias", bias))
    same_dtype("linear", x, ("weight", weight), ("bias", bias))
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


def dropout(
    input, p: float = 0.5, training: bool = True, inplace: bool = False, *, rng=None
) -> Tensor:
    r"""Inverted dropout: y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p), while training.

    Dividing by the keep probability 1 - p keeps E[y] = x, so evaluation (``training=False``
    or p = 0) is the identity and needs no rescaling. Derivative: dL/dx = gy * m / (1 - p),
    the same mask (a constant of the graph). p = 1 drops everything (y = 0).

    Parameters
    ----------
    input : Tensor (...)
    p : float in [0, 1], the probability of dropping an element
    training : bool
    inplace : bool
        Write the result into ``input``'s memory and return ``input`` (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    rng : scratch.backend.Rng on x's backend; required when training with p > 0 (the mask
        is random, and scratch has no global generator)

    Returns
    -------
    Tensor (...), same shape, dtype and device as x
    """
    x = float_tensor(input, "input")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p must be a number in [0, 1], got {p!r}")
    if not training or p == 0:
        return inplace_result("dropout", x, x, inplace)
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
        return inplace_result("dropout", x, x * 0.0, inplace)
    u = rng.uniform(0.0, 1.0, size=x.shape, dtype=x.dtype)
    same_backend(("input", x), ("rng", u))
    keep = u >= p  # P(u >= p) = 1 - p
    scale = xp.where(keep, xp.full_like(u, 1.0 / (1.0 - p)), xp.zeros_like(u))
    return inplace_result("dropout", x, x * Tensor(scale), inplace)
