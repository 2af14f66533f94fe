r"""Normalization: batch_norm, layer_norm, group_norm, instance_norm, like PyTorch.

All four standardize x over a set A of axes and then apply a per-feature affine map:

    mu = (1/n) sum_A x,  sigma^2 = (1/n) sum_A (x - mu)^2  (biased),  n = |A|,
    xhat = (x - mu) / sigma,  sigma = sqrt(sigma^2 + eps),    y = gamma xhat + beta.

They differ only in A: batch norm over (N, H, W) per channel, layer norm over the last
dims, instance norm over (H, W) per sample and channel, group norm over a group of
channels and (H, W) per sample.

The textbook version comes first: ``standardize_reference`` writes these three lines
with autograd operations (mean, subtraction, sqrt, division), so its derivatives of
every order are the chain rule's, and ``batch_norm_reference`` (``layer_norm_reference``,
``group_norm_reference``, ``instance_norm_reference``) are the four normalizations built
on it. The public functions run the fused path, ``Normalize`` (``_norm_engine.py``: one
node, whole-array passes over raw arrays), tested equal to the references in values,
first and second derivatives and running statistics (tests/functional/test_norm_reference.py).

The backward of the standardization, in closed form. With g = dL/dxhat (= gamma dL/dy),
xhat depends on x directly and through mu and sigma:
    dmu/dx_k = 1/n,  dsigma/dx_k = xhat_k / (n sigma),
    dxhat_i/dx_k = (1/sigma) ([i == k] - 1/n - xhat_i xhat_k / n),
so summing over i,
    dL/dx_k = (1/sigma) (g_k - (1/n) sum_A g - xhat_k (1/n) sum_A g xhat)
            = (1/n) (1/sigma) (n g_k - sum_A g - xhat_k sum_A (g xhat)),
which for gamma constant over A (batch norm) is the compact
dx = (1/N) gamma/sigma (N dy - sum dy - xhat sum(dy xhat)).  The affine part gives
dL/dgamma = sum dL/dy xhat and dL/dbeta = sum dL/dy over all but the feature axes.
``Normalize`` writes this backward for raw arrays (the first order: from x and the
moments forward saved) and for Tensors (``_closed_form``, create_graph=True: xhat and
1/sigma rebuilt from x by the reference, so the gradient can be differentiated again).

Running statistics (batch and instance norm, training): r <- (1 - momentum) r + momentum
s, with s the batch mean for the running mean and the UNBIASED batch variance
sigma^2 n / (n - 1) for the running variance (what PyTorch keeps), updated in place.
Evaluation normalizes with them: (x - r_mean) / sqrt(r_var + eps), autograd operations.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor, no_grad
from ..autograd import ops as m  # the primitives: the checked face (math.py) is for users
from ._checks import empty_batch, float_tensor, same_backend, same_dtype
from ._norm_engine import Normalize

__all__ = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "standardize_reference",
    "batch_norm_reference",
    "layer_norm_reference",
    "group_norm_reference",
    "instance_norm_reference",
]

# ---------------------------------------------------------------------------------------
# the textbook version: every step an autograd operation
# ---------------------------------------------------------------------------------------


def standardize_reference(x: Tensor, axes: tuple[int, ...], eps: float):
    r"""xhat = (x - mu) / sqrt(sigma^2 + eps) over ``axes`` A, from the definition.

        mu = mean_A x,   sigma^2 = mean_A (x - mu)^2 (biased),   xhat = (x - mu) / sigma.

    Autograd operations only: the engine derives the backward (the closed form of the
    module docstring is what it amounts to).

    Returns
    -------
    xhat, mu, sigma2 : Tensors; mu and sigma2 keep the reduced axes (size 1)
    """
    mu = m.mean(x, axes, keepdims=True)
    xc = x - mu
    sigma2 = m.mean(xc * xc, axes, keepdims=True)
    return xc / m.sqrt(sigma2 + eps), mu, sigma2


def batch_norm_reference(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5
) -> Tensor:
    """``batch_norm`` built on ``standardize_reference``: same arguments, checks, results
    and running-statistics updates, every derivative from the chain rule."""
    return _batch_norm(
        input, running_mean, running_var, weight, bias, training, momentum, eps, False
    )


def instance_norm_reference(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
) -> Tensor:
    """``instance_norm`` built on ``standardize_reference`` (same arguments and results)."""
    args = (input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
    return _instance_norm(*args, False)


def layer_norm_reference(input, normalized_shape, weight=None, bias=None, eps=1e-5) -> Tensor:
    """``layer_norm`` built on ``standardize_reference`` (same arguments and results)."""
    return _layer_norm(input, normalized_shape, weight, bias, eps, False)


def group_norm_reference(input, num_groups, weight=None, bias=None, eps=1e-5) -> Tensor:
    """``group_norm`` built on ``standardize_reference`` (same arguments and results)."""
    return _group_norm(input, num_groups, weight, bias, eps, False)


# ---------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------


def _eps_ok(eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(
            f"eps must be a non-negative number, got {eps!r} (refused deliberately where "
            "torch may accept it: sqrt(var + eps) is NaN for var < -eps)"
        )
    return float(eps)


def _momentum_ok(momentum):
    if momentum is None:
        return None
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
        raise ValueError(f"momentum must be a number in [0, 1] or None, got {momentum!r}")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(
            f"momentum must be in [0, 1], got {momentum!r} (refused deliberately, torch "
            "accepts it: outside [0, 1] the running statistics are no longer an average)"
        )
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
        same_dtype("normalization", x, (name, t))
        out.append(t)
    return out


def _normalize_with(x: Tensor, mean, var, eps: float, view) -> Tensor:
    """(x - mean) / sqrt(var + eps) with given statistics (evaluation), autograd operations."""
    xp = x.xp
    mean = Tensor(xp.reshape(xp.astype(mean, x.dtype), view))
    inv_sigma = Tensor(xp.reshape(1.0 / xp.sqrt(xp.astype(var, x.dtype) + eps), view))
    return (x - mean) * inv_sigma


def _standardized(x: Tensor, axes, eps: float, fused: bool):
    """(xhat, mu, sigma2): the fused node or the reference; the moments as raw arrays."""
    if fused:
        f = Normalize(axes, eps)
        return f(x), f.mean, f.var
    xhat, mu, sigma2 = standardize_reference(x, axes, eps)
    return xhat, mu.data, sigma2.data


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
    same_dtype("batch/instance norm", x, (name, a))
    return a


def _update_running(buf, batch_stat, momentum):
    """buf <- (1 - momentum) buf + momentum batch_stat, in place (no graph)."""
    xp = backend.namespace(buf)
    new = (1.0 - momentum) * buf + momentum * xp.astype(batch_stat, buf.dtype)
    buf[...] = new


def _channels_input(input, name="input"):
    x = float_tensor(input, name)
    if x.ndim < 2 or 0 in x.shape[1:]:  # N = 0 is allowed: torch's empty result
        raise ValueError(
            f"{name} must have at least 2 dims (N, C, ...), all but N non-empty, got {x.shape}"
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
    args = (input, running_mean, running_var, weight, bias, training, momentum, eps)
    return _batch_norm(*args, True)


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, fused):
    """batch_norm on the fused node (``fused``) or on the reference."""
    x = _channels_input(input)
    c = x.shape[1]
    eps, momentum = _eps_ok(eps), _momentum_ok(momentum)
    if momentum is None:
        momentum = 0.0  # PyTorch's functional form: no update (the layer passes 1/count)
    rm = _running(running_mean, "running_mean", c, x)
    rv = _running(running_var, "running_var", c, x)
    w, b = _affine(x, weight, bias, (c,), "num_features")
    view = (1, c) + (1,) * (x.ndim - 2)
    if not training:
        if rm is None or rv is None:
            raise ValueError("running_mean and running_var are required when training=False")
        return _apply_affine(_normalize_with(x, rm, rv, eps, view), w, b, view)
    if x.shape[0] == 0:  # N = 0: torch's empty result, the running statistics unchanged
        return empty_batch(x.shape, x, w, b)
    n = x.size // c
    if n <= 1:
        raise ValueError(
            f"expected more than 1 value per channel when training, got input of shape {x.shape}"
        )
    axes = (0,) + tuple(range(2, x.ndim))
    if fused:  # the affine map joins the node (gamma 1, beta 0 when absent)
        xp = x.xp
        gamma = w if w is not None else Tensor(xp.ones((c,), dtype=x.dtype, device=x.device))
        beta = b if b is not None else Tensor(xp.zeros((c,), dtype=x.dtype, device=x.device))
        f = Normalize(axes, eps)
        y, mu, sigma2 = f(x, gamma, beta), f.mean, f.var
    else:
        xhat, mu, sigma2 = _standardized(x, axes, eps, False)
        y = _apply_affine(xhat, w, b, view)
    with no_grad():
        xp = x.xp
        if rm is not None:
            _update_running(rm, xp.reshape(mu, (c,)), momentum)
        if rv is not None:
            _update_running(rv, xp.reshape(sigma2, (c,)) * (n / (n - 1)), momentum)
    return y


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
    args = (input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
    return _instance_norm(*args, True)


def _instance_norm(
    input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps, fused
):
    """instance_norm on the fused node (``fused``) or on the reference."""
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
    if not use_input_stats:
        if rm is None or rv is None:
            raise ValueError("running_mean and running_var are required when use_input_stats=False")
        return _apply_affine(_normalize_with(x, rm, rv, eps, view), w, b, view)
    if x.shape[0] == 0:  # N = 0: torch's empty result, the running statistics unchanged
        return empty_batch(x.shape, x, w, b)
    n = math.prod(x.shape[2:])
    if n <= 1:
        raise ValueError(
            f"expected more than 1 spatial element when use_input_stats, got {x.shape}"
        )
    xhat, mu, sigma2 = _standardized(x, tuple(range(2, x.ndim)), eps, fused)
    with no_grad():
        xp = x.xp
        if rm is not None:
            _update_running(rm, xp.mean(xp.reshape(mu, x.shape[:2]), axis=0), momentum)
        if rv is not None:
            unbiased = xp.reshape(sigma2, x.shape[:2]) * (n / (n - 1))
            _update_running(rv, xp.mean(unbiased, axis=0), momentum)
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
    return _layer_norm(input, normalized_shape, weight, bias, eps, True)


def _layer_norm(input, normalized_shape, weight, bias, eps, fused):
    """layer_norm on the fused node (``fused``) or on the reference."""
    x = float_tensor(input, "input")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"normalized_shape must be positive int(s), got {normalized_shape!r}")
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k :] != shape:
        raise ValueError(f"input of shape {x.shape} does not end with normalized_shape {shape}")
    eps = _eps_ok(eps)
    w, b = _affine(x, weight, bias, shape, "normalized_shape")
    if x.size == 0:  # an empty leading axis (N = 0): torch's empty result
        return empty_batch(x.shape, x, w, b)
    xhat, _, _ = _standardized(x, tuple(range(x.ndim - k, x.ndim)), eps, fused)
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
    return _group_norm(input, num_groups, weight, bias, eps, True)


def _group_norm(input, num_groups, weight, bias, eps, fused):
    """group_norm on the fused node (``fused``) or on the reference."""
    x = _channels_input(input)
    c = x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"num_groups must be a positive int, got {num_groups!r}")
    if c % num_groups:
        raise ValueError(f"channels ({c}) must be divisible by num_groups={num_groups}")
    eps = _eps_ok(eps)
    w, b = _affine(x, weight, bias, (c,), "num_channels")
    if x.shape[0] == 0:  # N = 0: torch's empty result
        return empty_batch(x.shape, x, w, b)
    grouped = m.reshape(x, (x.shape[0], num_groups, -1))
    xhat = m.reshape(_standardized(grouped, (2,), eps, fused)[0], x.shape)
    return _apply_affine(xhat, w, b, (1, c) + (1,) * (x.ndim - 2))
