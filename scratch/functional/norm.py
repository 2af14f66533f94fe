r"""Normalization: batch_norm, layer_norm, group_norm, instance_norm, like PyTorch.

All four standardize x over a set A of axes and then apply a per-feature affine map:

    mu = (1/n) sum_A x,  sigma^2 = (1/n) sum_A (x - mu)^2  (biased),  n = |A|,
    xhat = (x - mu) / sigma,  sigma = sqrt(sigma^2 + eps),    y = gamma xhat + beta.

They differ only in A: batch norm over (N, H, W) per channel, layer norm over the last
dims, instance norm over (H, W) per sample and channel, group norm over a group of
channels and (H, W) per sample.

The backward of the standardization, in closed form. With g = dL/dxhat (= gamma dL/dy),
xhat depends on x directly and through mu and sigma:
    dmu/dx_k = 1/n,  dsigma/dx_k = xhat_k / (n sigma),
    dxhat_i/dx_k = (1/sigma) ([i == k] - 1/n - xhat_i xhat_k / n),
so summing over i,
    dL/dx_k = (1/sigma) (g_k - (1/n) sum_A g - xhat_k (1/n) sum_A g xhat)
            = (1/n) (1/sigma) (n g_k - sum_A g - xhat_k sum_A (g xhat)),
which for batch norm (gamma constant over A) is the compact
dx = (1/N) gamma/sigma (N dy - sum dy - xhat sum(dy xhat)).  The affine part gives
dL/dgamma = sum dL/dy xhat and dL/dbeta = sum dL/dy over all but the feature axes.
``Standardize`` implements this backward with differentiable operations: when the graph
is recorded (create_graph=True) it rebuilds xhat and 1/sigma from x as a graph, so the
gradient can be differentiated again; otherwise it reuses the values saved by forward.
Batch norm in training uses ``BatchNormTrain``, the same derivation with the affine map
fused into one node, so its forward and backward make a few passes over the data.

Running statistics (batch and instance norm, training): r <- (1 - momentum) r + momentum
s, with s the batch mean for the running mean and the UNBIASED batch variance
sigma^2 n / (n - 1) for the running variance (what PyTorch keeps), updated in place.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Function, is_grad_enabled, no_grad
from ..autograd.tensor import Tensor
from . import math as m
from ._checks import float_tensor, same_backend

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


class Standardize(Function):
    r"""xhat = (x - mean_A x) / sqrt(var_A x + eps) over ``axes`` A (see the module doc).

    Backward: dL/dx = (1/sigma) (g - mean_A g - xhat mean_A(g xhat)), g = dL/dxhat.
    After forward, ``mean`` and ``var`` hold the (biased) moments, keepdims shape.
    """

    def __init__(self, axes: tuple[int, ...], eps: float):
        self.axes, self.eps = tuple(axes), float(eps)

    def forward(self, x):
        xp = backend.namespace(x)
        mu = xp.mean(x, axis=self.axes, keepdims=True)
        xc = x - mu
        var = xp.mean(xc * xc, axis=self.axes, keepdims=True)
        inv_sigma = 1.0 / xp.sqrt(var + self.eps)
        xhat = xc * inv_sigma
        self.mean, self.var = mu, var
        self.save_for_backward(xhat, inv_sigma)
        return xhat

    def _graph_of_xhat(self):
        """xhat and 1/sigma rebuilt from the input Tensor, so their dependence on x is recorded."""
        (x,) = self.inputs
        xc = x - m.mean(x, self.axes, keepdims=True)
        inv_sigma = (m.mean(xc * xc, self.axes, keepdims=True) + self.eps) ** -0.5
        return xc * inv_sigma, inv_sigma

    def backward(self, g):
        if is_grad_enabled():  # create_graph: the gradient must know how xhat depends on x
            xhat, inv_sigma = self._graph_of_xhat()
        else:
            xhat, inv_sigma = (Tensor(a) for a in self.saved)
        mean_g = m.mean(g, self.axes, keepdims=True)
        mean_gx = m.mean(g * xhat, self.axes, keepdims=True)
        return inv_sigma * (g - mean_g - xhat * mean_gx)


class BatchNormTrain(Function):
    r"""y = gamma xhat + beta, xhat standardized per channel over A = (N, *spatial): one node.

    Batch norm in training, with the affine map fused in, so that forward and backward
    each make a few passes over the data instead of one per elementary operation.
    Forward: mu = mean_A x, then sigma^2 = mean_A (x - mu)^2 (two passes: no
    cancellation), xhat = (x - mu) / sigma, y = gamma xhat + beta.
    Backward (module doc, with g = gamma dL/dy and gamma constant over A):
        dL/dbeta = sum_A dy,   dL/dgamma = sum_A dy xhat,
        dL/dx = (gamma / sigma) (dy - (1/n) dL/dbeta - xhat (1/n) dL/dgamma),
    so the two sums the affine gradients need are the only reductions. With the graph
    recorded (create_graph=True) the same formula is written with differentiable ops on
    xhat and 1/sigma rebuilt from x, so it can be differentiated again.
    Shapes: x (N, C, *), gamma and beta (C,), y like x. ``mean`` and ``var`` hold the
    (biased) batch moments, shape (C,), after forward.
    """

    def __init__(self, eps: float):
        self.eps = float(eps)

    def forward(self, x, gamma, beta):
        xp = backend.namespace(x)
        n, c = x.shape[0], x.shape[1]
        self.axes = (0,) + tuple(range(2, x.ndim))
        self.view = (1, c) + (1,) * (x.ndim - 2)
        count = math.prod(x.shape) // c
        mu = xp.sum(x, axis=self.axes, keepdims=True) / count
        xhat = x - mu  # a fresh array: the steps below work in place on it
        rows = xp.reshape(xhat, (n, c, -1))  # per sample and channel, a row of pixels
        var = xp.sum(xp.vecdot(rows, rows), axis=0) / count  # sum_A (x - mu)^2 / n, (C,)
        inv_sigma = xp.reshape(1.0 / xp.sqrt(var + self.eps), self.view)
        xhat *= inv_sigma
        y = xhat * xp.reshape(gamma, self.view)
        y += xp.reshape(beta, self.view)
        self.mean, self.var = xp.reshape(mu, (c,)), var
        self.save_for_backward(xhat, inv_sigma)
        return y

    def backward(self, gy):
        x, gamma, beta = self.inputs
        count = x.size // x.shape[1]
        if is_grad_enabled():  # create_graph: the gradient must know how xhat depends on x
            xc = x - m.mean(x, self.axes, keepdims=True)
            inv_sigma = (m.mean(xc * xc, self.axes, keepdims=True) + self.eps) ** -0.5
            xhat = xc * inv_sigma
            g_beta = m.sum(gy, self.axes)
            g_gamma = m.sum(gy * xhat, self.axes)
            scale = m.reshape(gamma, self.view) * inv_sigma
            gx = scale * (
                gy
                - m.reshape(g_beta, self.view) * (1.0 / count)
                - xhat * m.reshape(g_gamma, self.view) * (1.0 / count)
            )
            return gx, g_gamma, g_beta
        xp = backend.namespace(gy.data)
        xhat, inv_sigma = self.saved
        n, c = xhat.shape[0], xhat.shape[1]
        dy = gy.data
        g_beta = xp.sum(dy, axis=self.axes)
        g_gamma = xp.sum(
            xp.vecdot(xp.reshape(dy, (n, c, -1)), xp.reshape(xhat, (n, c, -1))), axis=0
        )
        gx = None
        if x.requires_grad:
            scale = xp.reshape(gamma.data, self.view) * inv_sigma
            gx = xhat * (xp.reshape(g_gamma, self.view) * (-1.0 / count))
            gx -= xp.reshape(g_beta, self.view) * (1.0 / count)
            gx += dy
            gx *= scale
            gx = Tensor(gx)
        g_gamma = Tensor(g_gamma) if gamma.requires_grad else None
        g_beta = Tensor(g_beta) if beta.requires_grad else None
        return gx, g_gamma, g_beta


# ---------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------


def _eps_ok(eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(f"eps must be a non-negative number, got {eps!r}")
    return float(eps)


def _momentum_ok(momentum):
    if momentum is None:
        return None
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
        raise ValueError(f"momentum must be a number in [0, 1] or None, got {momentum!r}")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
    return float(momentum)


def _affine(x, weight, bias, shape, name_shape):
    """weight/bias as Tensors of ``shape`` (or None), same dtype and backend as x."""
    out = []
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            out.append(None)
            continue
        t = float_tensor(t, name)
        same_backend(("input", x), (name, t))
        if t.shape != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)} ({name_shape}), got {t.shape}")
        if t.dtype != x.dtype:
            raise TypeError(f"{name} has dtype {t.dtype} but input has {x.dtype}")
        out.append(t)
    return out


def _apply_affine(xhat, weight, bias, view):
    y = xhat
    if weight is not None:
        y = y * m.reshape(weight, view)
    if bias is not None:
        y = y + m.reshape(bias, view)
    return y


def _running(buf, name, c, x):
    """The raw array of a running-statistics buffer of shape (c,) (None stays None)."""
    if buf is None:
        return None
    a = buf.data if isinstance(buf, Tensor) else buf
    if not backend.is_array(a):
        raise TypeError(f"{name} must be an array or a Tensor, got {type(buf).__name__}")
    same_backend(("input", x), (name, a))
    if tuple(a.shape) != (c,):
        raise ValueError(f"{name} must have shape ({c},), got {tuple(a.shape)}")
    return a


def _update_running(buf, batch_stat, momentum):
    """buf <- (1 - momentum) buf + momentum batch_stat, in place (no graph)."""
    xp = backend.namespace(buf)
    new = (1.0 - momentum) * buf + momentum * xp.astype(batch_stat, buf.dtype)
    buf[...] = new


def _channels_input(input, name="input"):
    x = float_tensor(input, name)
    if x.ndim < 2 or 0 in x.shape:
        raise ValueError(
            f"{name} must be non-empty with at least 2 dims (N, C, ...), got {x.shape}"
        )
    return x


# ---------------------------------------------------------------------------------------
# the four normalizations
# ---------------------------------------------------------------------------------------


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Batch normalization over (N, *spatial) per channel (axis 1), like PyTorch.

    Training: standardize with the batch moments and update ``running_mean`` and
    ``running_var`` in place (unbiased variance, see the module doc). Evaluation:
    y = (x - running_mean) / sqrt(running_var + eps) gamma + beta.

    Parameters
    ----------
    input : Tensor or array (N, C) or (N, C, *)
    running_mean, running_var : array or Tensor (C,), or None (then training must be True)
    weight, bias : Tensor (C,), optional
        gamma and beta.
    training : bool
    momentum : float in [0, 1]
    eps : float

    Returns
    -------
    Tensor of the input's shape
    """
    x = _channels_input(input)
    c = x.shape[1]
    eps, momentum = _eps_ok(eps), _momentum_ok(momentum)
    if momentum is None:
        momentum = 0.0  # PyTorch's functional form: no update (the layer passes 1/count)
    rm = _running(running_mean, "running_mean", c, x)
    rv = _running(running_var, "running_var", c, x)
    w, b = _affine(x, weight, bias, (c,), "num_features")
    view = (1, c) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // c
        if n <= 1:
            raise ValueError(
                f"expected more than 1 value per channel when training, got input of shape "
                f"{x.shape}"
            )
        xp = x.xp
        gamma = w if w is not None else Tensor(xp.ones((c,), dtype=x.dtype, device=x.device))
        beta = b if b is not None else Tensor(xp.zeros((c,), dtype=x.dtype, device=x.device))
        f = BatchNormTrain(eps)
        y = f(x, gamma, beta)
        with no_grad():
            if rm is not None:
                _update_running(rm, f.mean, momentum)
            if rv is not None:
                _update_running(rv, f.var * (n / (n - 1)), momentum)
        return y
    if rm is None or rv is None:
        raise ValueError("running_mean and running_var are required when training=False")
    xp = x.xp
    mean = Tensor(xp.reshape(xp.astype(rm, x.dtype), view))
    inv_sigma = Tensor(xp.reshape(1.0 / xp.sqrt(xp.astype(rv, x.dtype) + eps), view))
    xhat = (x - mean) * inv_sigma
    return _apply_affine(xhat, w, b, view)


def instance_norm(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Instance normalization: standardize each (sample, channel) over its spatial axes.

    With ``use_input_stats`` the running statistics (if given) move towards the batch
    average of the per-instance mean and unbiased variance (PyTorch's rule); without it
    the running statistics normalize, as batch norm does in evaluation.

    Parameters
    ----------
    input : Tensor or array (N, C, *spatial) with at least one spatial axis
    running_mean, running_var : array or Tensor (C,), optional
    weight, bias : Tensor (C,), optional
    use_input_stats : bool
    momentum : float in [0, 1]
    eps : float

    Returns
    -------
    Tensor of the input's shape
    """
    x = _channels_input(input)
    if x.ndim < 3:
        raise ValueError(f"input must be (N, C, *spatial), got shape {x.shape}")
    c = x.shape[1]
    eps, momentum = _eps_ok(eps), _momentum_ok(momentum)
    momentum = 0.0 if momentum is None else momentum
    rm = _running(running_mean, "running_mean", c, x)
    rv = _running(running_var, "running_var", c, x)
    w, b = _affine(x, weight, bias, (c,), "num_features")
    view = (1, c) + (1,) * (x.ndim - 2)
    if use_input_stats:
        n = math.prod(x.shape[2:])
        if n <= 1:
            raise ValueError(
                f"expected more than 1 spatial element when use_input_stats, got {x.shape}"
            )
        f = Standardize(tuple(range(2, x.ndim)), eps)
        xhat = f(x)
        with no_grad():
            xp = x.xp
            if rm is not None:
                _update_running(rm, xp.mean(xp.reshape(f.mean, x.shape[:2]), axis=0), momentum)
            if rv is not None:
                unbiased = xp.reshape(f.var, x.shape[:2]) * (n / (n - 1))
                _update_running(rv, xp.mean(unbiased, axis=0), momentum)
    else:
        if rm is None or rv is None:
            raise ValueError("running_mean and running_var are required when use_input_stats=False")
        xp = x.xp
        mean = Tensor(xp.reshape(xp.astype(rm, x.dtype), view))
        inv_sigma = Tensor(xp.reshape(1.0 / xp.sqrt(xp.astype(rv, x.dtype) + eps), view))
        xhat = (x - mean) * inv_sigma
    return _apply_affine(xhat, w, b, view)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    r"""Layer normalization over the trailing ``normalized_shape`` dims, like PyTorch.

    Parameters
    ----------
    input : Tensor or array (..., *normalized_shape)
    normalized_shape : int or tuple of ints
    weight, bias : Tensor of shape normalized_shape, optional (elementwise affine)
    eps : float

    Returns
    -------
    Tensor of the input's shape
    """
    x = float_tensor(input, "input")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"normalized_shape must be positive int(s), got {normalized_shape!r}")
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k :] != shape or 0 in x.shape:
        raise ValueError(
            f"input of shape {x.shape} does not end with normalized_shape {shape} (or is empty)"
        )
    eps = _eps_ok(eps)
    w, b = _affine(x, weight, bias, shape, "normalized_shape")
    xhat = Standardize(tuple(range(x.ndim - k, x.ndim)), eps)(x)
    return _apply_affine(xhat, w, b, shape)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    r"""Group normalization: per sample, standardize each group of C/G channels jointly.

    x (N, C, *) is viewed as (N, G, (C/G) prod(*)) and standardized along the last axis;
    the affine map is per channel.

    Parameters
    ----------
    input : Tensor or array (N, C, *)
    num_groups : int
        Must divide C.
    weight, bias : Tensor (C,), optional
    eps : float

    Returns
    -------
    Tensor of the input's shape
    """
    x = _channels_input(input)
    c = x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"num_groups must be a positive int, got {num_groups!r}")
    if c % num_groups:
        raise ValueError(f"channels ({c}) must be divisible by num_groups={num_groups}")
    eps = _eps_ok(eps)
    w, b = _affine(x, weight, bias, (c,), "num_channels")
    grouped = m.reshape(x, (x.shape[0], num_groups, -1))
    xhat = m.reshape(Standardize((2,), eps)(grouped), x.shape)
    return _apply_affine(xhat, w, b, (1, c) + (1,) * (x.ndim - 2))
