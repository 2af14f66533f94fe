r"""Loss functions with PyTorch's semantics: regression, binary and multi-class.

Each loss first computes the per-element losses l_n, then reduces them
(``reduction``): 'none' keeps l, 'sum' gives sum_n l_n, 'mean' gives sum_n l_n / N,
except for the class-weighted losses (nll_loss, cross_entropy with class indices),
whose mean is the *weighted* mean sum_n w_{y_n} l_n / sum_n w_{y_n} over the targets
that are not ``ignore_index``, as in PyTorch.

The per-element losses are compositions of differentiable operations (log_softmax,
softplus, where, sum), so gradients and second derivatives come from the chain rule;
binary_cross_entropy is its own Function because PyTorch clamps its logarithm and
its gradient's denominator, and we reproduce both.

One fast path: cross_entropy's common case (logits (N, C), class indices, no label
smoothing) runs as one fused node, ``CrossEntropyIndices``, beside the textbook
composition it must equal, ``cross_entropy_reference`` (log_softmax, then the target's
weighted NLL); tests/functional/test_losses_reference.py draws inputs and compares
values, first and second derivatives.

Extremes (tests/test_extremes_numeric.py): at logits of +-1e4 (and +-1e30 in float64)
binary_cross_entropy_with_logits (with pos_weight), cross_entropy (indices and
probabilities, with label smoothing) and nll_loss of log_softmax give finite values and
gradients equal to torch's; binary_cross_entropy at probabilities 0 and 1 gives torch's
clamped 100 and its finite gradient; mse_loss at differences of 1e150 overflows to inf
in float64 exactly as torch does (its gradient 2 (x - y) stays finite), l1_loss stays finite.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor, as_tensor, is_grad_enabled
from ..autograd.ops import clip, log, reshape, transpose, where
from ..autograd.ops import mean as _mean
from ..autograd.ops import sum as _sum
from ._checks import float_tensor, legacy_reduction, reduction_ok, same_backend, same_dtype
from .activations import log_softmax, softmax, softplus

__all__ = [
    "mse_loss",
    "l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "cross_entropy_reference",
]

_LOG_FLOOR = -100.0  # PyTorch clamps log(x) and log(1 - x) at -100 in binary_cross_entropy
# and the gradient's denominator x (1 - x) at 1e-12, a float32 constant there: float32(1e-12)
_BCE_EPS = 9.999999960041972e-13


# ---------------------------------------------------------------------------------------
# shared pieces: argument checks and the reduction
# ---------------------------------------------------------------------------------------


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return _sum(loss)
    if loss.size == 0:  # the mean of no elements: torch's NaN (0 / 0), without NumPy's warning
        return _sum(loss) * math.nan
    return _mean(loss)


def _weighted_reduce(loss: Tensor, w, reduction: str) -> Tensor:
    """torch's weighted regression losses: w l, sum(w l) or sum(w l) / sum(w) ('mean')."""
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * Tensor(w)
    if reduction == "mean":
        return _sum(loss) / Tensor(loss.xp.sum(w))
    return _reduce(loss, reduction)


def _elementwise_weight(weight, x: Tensor, name: str):
    """mse_loss's / l1_loss's ``weight``: input's shape (torch: "Weights and input must have
    the same size")."""
    w = _raw(weight, "weight", x)
    if w is not None and tuple(w.shape) != x.shape:
        raise ValueError(f"{name}: weight must have input's shape {x.shape}, got {tuple(w.shape)}")
    return w


def _pair(input, target, name: str):
    """input and target as float Tensors of one shape, on one backend, not empty."""
    x = float_tensor(input, "input")
    t = float_tensor(target, "target")
    same_backend(("input", x), ("target", t))
    if x.shape != t.shape:
        raise ValueError(
            f"{name}: target must have the shape of input, got input {x.shape} and target {t.shape}"
        )
    return x, t


def _raw(value, name: str, like: Tensor):
    """An optional constant argument (weight, pos_weight) as a raw array on input's backend."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.data
    if not backend.is_array(value):
        raise TypeError(f"{name} must be an array or a Tensor, got {type(value).__name__}")
    same_backend(("input", like), (name, value))
    if not like.xp.isdtype(value.dtype, "real floating"):
        raise TypeError(f"{name} must have a real floating dtype, got {value.dtype}")
    same_dtype("loss", like, (name, value))
    return value


def _broadcasts_to(shape, target_shape) -> bool:
    if len(shape) > len(target_shape):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target_shape)))


# ---------------------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------------------


def mse_loss(
    input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None
) -> Tensor:
    r"""Squared error l_n = (x_n - t_n)^2, reduced.

    Derivative: dl_n/dx_n = 2 (x_n - t_n) (and -2 (x_n - t_n) for the target); the 1/N
    of the mean is part of the graph.

    Parameters
    ----------
    input, target : Tensor, same shape (...)
    size_average, reduce : bool, optional
        torch's legacy slots: when either is given, ``reduction`` follows torch's
        ``legacy_get_string`` rule (None counts as True; reduce=False is 'none',
        size_average=False 'sum', else 'mean'), without torch's deprecation warning.
    reduction : {'mean', 'sum', 'none'}
    weight : array, optional, input's shape
        Per-element weights w (torch 2.13): l_n = w_n d_n, and 'mean' is
        sum_n w_n d_n / sum_n w_n.

    Returns
    -------
    Tensor, shape () or (...) for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "mse_loss")
    w = _elementwise_weight(weight, x, "mse_loss")
    d = x - t
    return _weighted_reduce(d * d, w, reduction)


def l1_loss(
    input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None
) -> Tensor:
    r"""Absolute error l_n = |x_n - t_n|, reduced.

    Derivative: dl_n/dx_n = sign(x_n - t_n) (0 at a tie, PyTorch's subgradient).

    Parameters
    ----------
    input, target : Tensor, same shape (...)
    size_average, reduce : bool, optional
        torch's legacy slots: when either is given, ``reduction`` follows torch's
        ``legacy_get_string`` rule (None counts as True; reduce=False is 'none',
        size_average=False 'sum', else 'mean'), without torch's deprecation warning.
    reduction : {'mean', 'sum', 'none'}
    weight : array, optional, input's shape
        Per-element weights w (torch 2.13): l_n = w_n d_n, and 'mean' is
        sum_n w_n d_n / sum_n w_n.

    Returns
    -------
    Tensor, shape () or (...) for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "l1_loss")
    w = _elementwise_weight(weight, x, "l1_loss")
    return _weighted_reduce((x - t).abs(), w, reduction)


# ---------------------------------------------------------------------------------------
# binary
# ---------------------------------------------------------------------------------------


class BinaryCrossEntropy(Function):
    r"""l = -w [t log x + (1 - t) log(1 - x)] for probabilities x in [0, 1].

    Derivatives:
      dl/dx = -w [t / x - (1 - t) / (1 - x)] = w (x - t) / (x (1 - x)),
      dl/dt = -w [log x - log(1 - x)].
    PyTorch's numerics, reproduced: each logarithm is clamped at -100 (so x = 0 or 1
    gives a finite loss of exactly 100, in float32 too) and the denominator x (1 - x) at
    1e-12 in the gradient (finite, equal to torch's, at x = 0 and 1).
    Shapes: x, t (...); w (constant) broadcastable to (...); l (...).
    """

    def __init__(self, w):
        self.w = w

    def forward(self, x, t):
        xp = backend.namespace(x, t)
        # log 0 -> -100 by a where, not log(max(x, e^-100)): e^-100 is a float32 subnormal
        # (few bits), whose log is -99.98, not torch's -100; log never sees a 0 either way
        pos = x > 0.0
        log_x = xp.where(pos, xp.log(xp.where(pos, x, 1.0)), _LOG_FLOOR)
        log_x = xp.maximum(log_x, _LOG_FLOOR)
        one = x >= 1.0  # log1p(-1) = -inf: the clamp's value, without evaluating it
        log_1mx = xp.where(one, _LOG_FLOOR, xp.log1p(-xp.where(one, 0.0, x)))
        log_1mx = xp.maximum(log_1mx, _LOG_FLOOR)
        loss = -(t * log_x + (1.0 - t) * log_1mx)
        return loss if self.w is None else loss * self.w

    def backward(self, gy):
        x, t = self.inputs
        gw = gy if self.w is None else gy * Tensor(self.w)
        gx = gw * (x - t) / clip(x * (1.0 - x), _BCE_EPS, None) if x.requires_grad else None
        gt = None
        if t.requires_grad:
            floor = math.exp(_LOG_FLOOR)
            log_x = clip(log(clip(x, floor, None)), _LOG_FLOOR, None)
            log_1mx = clip(log(clip(1.0 - x, floor, None)), _LOG_FLOOR, None)
            gt = gw * (log_1mx - log_x)
        return gx, gt


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    r"""Binary cross-entropy of probabilities: l_n = -w_n [t_n log x_n + (1 - t_n) log(1 - x_n)].

    See :class:`BinaryCrossEntropy` for the derivative and PyTorch's clamping.

    Parameters
    ----------
    input : Tensor (...), probabilities in [0, 1]
    target : Tensor (...), same shape (usually 0/1, any value in [0, 1] is allowed)
    weight : array, optional, broadcastable to input's shape (a rescaling per element)
    size_average, reduce : bool, optional
        torch's legacy slots: when either is given, ``reduction`` follows torch's
        ``legacy_get_string`` rule (None counts as True; reduce=False is 'none',
        size_average=False 'sum', else 'mean'), without torch's deprecation warning.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor, shape () or (...) for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "binary_cross_entropy")
    w = _raw(weight, "weight", x)
    if w is not None and not _broadcasts_to(tuple(w.shape), x.shape):
        raise ValueError(f"weight of shape {tuple(w.shape)} does not broadcast to {x.shape}")
    xp = x.xp
    # a Python decision on one host scalar: refuse probabilities outside [0, 1], as PyTorch does
    outside = xp.any((x.data < 0) | (x.data > 1) | xp.isnan(x.data))
    if bool(backend.to_numpy(outside)):
        raise ValueError("binary_cross_entropy: every element of input must lie in [0, 1]")
    return _reduce(BinaryCrossEntropy(w)(x, t), reduction)


def binary_cross_entropy_with_logits(
    input,
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight=None,
) -> Tensor:
    r"""Binary cross-entropy of logits: l = w [p t log(1 + e^-x) + (1 - t) log(1 + e^x)].

    From l = -w [p t log sigma(x) + (1 - t) log(1 - sigma(x))] with
    log sigma(x) = -softplus(-x) and log(1 - sigma(x)) = -softplus(x).
    Derivative: dl/dx = w [(1 - t) sigma(x) - p t sigma(-x)]  (= w (sigma(x) - t) for p = 1).
    Stable form: softplus(z) = max(z, 0) + log1p(exp(-|z|)), exact for every z (no
    threshold), so logits of +-1e4 give finite losses and gradients.

    Parameters
    ----------
    input : Tensor (...), logits
    target : Tensor (...), same shape, in [0, 1]
    weight : array, optional, broadcastable to (...)
    size_average, reduce : bool, optional
        torch's legacy slots: when either is given, ``reduction`` follows torch's
        ``legacy_get_string`` rule (None counts as True; reduce=False is 'none',
        size_average=False 'sum', else 'mean'), without torch's deprecation warning.
    reduction : {'mean', 'sum', 'none'}
    pos_weight : array, optional, broadcastable to (...) (one weight per class along the
        last axis), the weight p of the positive term

    Returns
    -------
    Tensor, shape () or (...) for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "binary_cross_entropy_with_logits")
    w = _raw(weight, "weight", x)
    p = _raw(pos_weight, "pos_weight", x)
    for name, v in (("weight", w), ("pos_weight", p)):
        if v is not None and not _broadcasts_to(tuple(v.shape), x.shape):
            raise ValueError(f"{name} of shape {tuple(v.shape)} does not broadcast to {x.shape}")
    inf = math.inf
    positive = softplus(-x, 1.0, inf) * t
    if p is not None:
        positive = positive * Tensor(p)
    loss = positive + softplus(x, 1.0, inf) * (1.0 - t)
    if w is not None:
        loss = loss * Tensor(w)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------------------
# multi-class
# ---------------------------------------------------------------------------------------


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d1, ..., dk) -> (N d1 ... dk, C): the class axis last, every position a row."""
    if x.ndim > 2:
        x = transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))
    return reshape(x, (-1, x.shape[-1]))


def _index_target(x: Tensor, target, name: str):
    """Class-index targets: integral, shape (N, d1, ..., dk) for input (N, C, d1, ..., dk)."""
    t = target.data if isinstance(target, Tensor) else target
    if not backend.is_array(t):
        raise TypeError(f"{name}: target must be an array or a Tensor, got {type(t).__name__}")
    same_backend(("input", x), ("target", t))
    xp = x.xp
    if not xp.isdtype(t.dtype, "integral"):
        raise TypeError(f"{name}: class-index target must be integral, got dtype {t.dtype}")
    expected = (x.shape[0],) + x.shape[2:]
    if tuple(t.shape) != expected:
        raise ValueError(
            f"{name}: target must have shape {expected} for input {x.shape}, got {tuple(t.shape)}"
        )
    return t


def _check_targets(xp, t, valid, C: int, name: str) -> None:
    """Class indices must lie in [0, C) wherever they are not ignore_index."""
    # a Python decision on one host scalar: targets outside [0, C) are an error, as in PyTorch
    if bool(backend.to_numpy(xp.any(valid & ((t < 0) | (t >= C))))):
        raise ValueError(f"{name}: target values must lie in [0, {C}) or equal ignore_index")


class CrossEntropyIndices(Function):
    r"""l_n = -w_n log softmax(x_n)_{t_n} for logits x (N, C), fused into one node.

    The fast path of ``cross_entropy_reference``'s common case (same numbers).
    Forward, stable: log softmax(x_n)_{t_n} = x_{n,t_n} - logsumexp(x_n)
    (``backend.logsumexp``: the row maximum is subtracted first). Reduction 'mean' divides the sum
    by sum_n w_n (NaN when every target is ignored, as PyTorch), 'sum' sums, 'none' keeps
    l (N,). w_n is the class weight of t_n, 0 where the target is ignored.
    Backward: dl_n/dx_n = w_n (softmax(x_n) - e_{t_n}), times dL/dl_n (1/sum w for 'mean').
    Without create_graph it works on the saved softmax; with it, it is written with the
    differentiable softmax so second derivatives are exact.
    """

    def __init__(self, t, w_n, reduction: str):
        self.t, self.w_n, self.reduction = t, w_n, reduction

    def forward(self, x):
        xp = backend.namespace(x)
        logp = x - backend.logsumexp(x, axis=1, keepdims=True)  # log softmax, stable
        l = -self.w_n * xp.take_along_axis(logp, self.t[:, None], axis=1)[:, 0]
        self.p = xp.exp(logp)  # softmax, kept for the first-order backward
        classes = xp.arange(x.shape[1], dtype=self.t.dtype, device=backend.device_of(x))
        self.onehot = xp.astype(self.t[:, None] == classes[None, :], x.dtype)
        if self.reduction == "none":
            return l
        if self.reduction == "sum":
            return xp.sum(l)
        self.denominator = xp.sum(self.w_n)
        empty = self.denominator == 0
        safe = xp.where(empty, xp.ones_like(self.denominator), self.denominator)
        return xp.where(empty, xp.full_like(safe, math.nan), xp.sum(l) / safe)

    def _coefficient(self, gy):
        """dL/dl_n as a (N, 1) column: gy_n for 'none', gy for 'sum', gy / sum w for 'mean'."""
        if self.reduction == "none":
            return reshape(gy, (-1, 1)) * Tensor(self.w_n[:, None])
        scale = self.w_n[:, None]
        if self.reduction == "mean":
            xp = backend.namespace(scale)
            scale = scale / xp.where(self.denominator == 0, 1.0, self.denominator)
        return gy * Tensor(scale)

    def backward(self, gy):
        (x,) = self.inputs
        if is_grad_enabled():  # create_graph: the softmax stays a function of x
            return (softmax(x, dim=1) - Tensor(self.onehot)) * self._coefficient(gy)
        return Tensor((self.p - self.onehot) * self._coefficient(gy).data)


def _picked(x2: Tensor, t, C: int, weight, ignore_index: int, name: str):
    """For rows x2 (M, C) and targets t (M,): x2[n, t_n], w_{t_n} (0 where ignored), valid."""
    xp = x2.xp
    dev = backend.device_of(t)
    valid = t != ignore_index
    _check_targets(xp, t, valid, C, name)
    t_safe = xp.where(valid, t, xp.zeros_like(t))
    classes = xp.arange(C, dtype=t.dtype, device=dev)
    onehot = (t_safe[:, None] == classes[None, :]) & valid[:, None]
    picked = _sum(where(onehot, x2, as_tensor(0.0, x2)), axis=1)
    if weight is None:
        w_n = xp.astype(valid, x2.dtype)
    else:
        w_n = xp.where(valid, xp.take(weight, t_safe), xp.zeros_like(xp.take(weight, t_safe)))
    return picked, w_n, valid


def _weighted_mean(total: Tensor, denominator) -> Tensor:
    """total / denominator, and NaN (PyTorch's value) when every target was ignored."""
    xp = total.xp
    empty = denominator == 0
    safe = xp.where(empty, xp.ones_like(denominator), denominator)
    return where(empty, as_tensor(math.nan, total), total / Tensor(safe))


def _weight_arg(weight, x: Tensor, C: int):
    w = _raw(weight, "weight", x)
    if w is not None and tuple(w.shape) != (C,):
        raise ValueError(
            f"weight must have shape ({C},), one entry per class, got {tuple(w.shape)}"
        )
    return w


def _check_batched(x: Tensor, name: str) -> None:
    if x.ndim < 2:
        raise ValueError(f"{name}: input must have shape (N, C, ...) or (C,), got {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{name}: input has no classes (shape {x.shape})")


def nll_loss(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    r"""Negative log-likelihood of class indices: l_n = -w_{y_n} x_{n, y_n}.

    ``input`` holds log-probabilities (e.g. from log_softmax). Targets equal to
    ``ignore_index`` contribute nothing, to the sum and to the mean's denominator:
    'mean' = sum_n l_n / sum_{n not ignored} w_{y_n}.
    Derivative: dL/dx_{n,c} = -w_{y_n} [c = y_n] (divided by the denominator for 'mean').

    Parameters
    ----------
    input : Tensor (N, C), (N, C, d1, ..., dk) or (C,)
    target : integer array (N,), (N, d1, ..., dk) or (), values in [0, C) or ignore_index
    weight : array (C,), optional, a rescaling weight per class
    size_average : bool, optional
        Legacy slot, see ``reduce``.
    ignore_index : int
    reduce : bool, optional
        torch's legacy slots: when ``size_average`` or ``reduce`` is given, ``reduction``
        follows torch's ``legacy_get_string`` rule (None counts as True; reduce=False
        is 'none', size_average=False 'sum', else 'mean'), without its warning.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor, shape () or target's shape for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x = float_tensor(input, "input")
    x, t, unbatched = _batched(x, target, "nll_loss")
    C = x.shape[1]
    w = _weight_arg(weight, x, C)
    t_flat = x.xp.reshape(t, (-1,))
    picked, w_n, _ = _picked(_classes_last(x), t_flat, C, w, ignore_index, "nll_loss")
    loss = -picked * Tensor(w_n)
    if reduction == "none":
        return reshape(loss, () if unbatched else tuple(t.shape))
    if reduction == "sum":
        return _sum(loss)
    return _weighted_mean(_sum(loss), x.xp.sum(w_n))


def _is_array_like(v) -> bool:
    return isinstance(v, Tensor) or backend.is_array(v)


def _batched(x: Tensor, target, name: str):
    """Input (C,) with target () becomes a batch of one; then the shapes are checked."""
    if not _is_array_like(target):
        raise TypeError(f"{name}: target must be an array or a Tensor, got {type(target).__name__}")
    t = target.data if isinstance(target, Tensor) else target
    unbatched = x.ndim == 1
    if unbatched:
        if t.ndim != 0:
            raise ValueError(
                f"{name}: input of shape {x.shape} needs a 0-d target, got {tuple(t.shape)}"
            )
        x = reshape(x, (1,) + x.shape)
        t = x.xp.reshape(t, (1,))
    _check_batched(x, name)
    return x, _index_target(x, t, name), unbatched


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Cross-entropy of logits: log_softmax over the class axis, then the target's NLL.

    Class-index targets y:  l_n = -w_{y_n} log softmax(x_n)_{y_n}  (= nll_loss(log_softmax)).
    Class-probability targets q (same shape as input):  l_n = -sum_c w_c q_{n,c} log p_{n,c},
    with 'mean' dividing by N d1 ... dk (not by the weights).
    Label smoothing eps mixes the target with the uniform distribution over C classes:
    q' = (1 - eps) q + eps / C. For class indices PyTorch writes this as
    (1 - eps) nll + (eps / C) sum_c (-w_c log p_{n,c}), ignored positions dropped, with
    the same (weighted) mean denominator as nll.
    Derivative (one row, no weights): dl/dx = softmax(x) - q'.
    Stable form: log_softmax subtracts the row maximum, so logits of +-1e4 are fine.

    Parameters
    ----------
    input : Tensor (N, C), (N, C, d1, ..., dk) or (C,), logits
    target : integer array of class indices with shape (N, d1, ..., dk) or (), or a float
        Tensor of class probabilities with input's shape
    weight : array (C,), optional
    size_average : bool, optional
        Legacy slot, see ``reduce``.
    ignore_index : int (class-index targets only)
    reduce : bool, optional
        torch's legacy slots: when ``size_average`` or ``reduce`` is given, ``reduction``
        follows torch's ``legacy_get_string`` rule (None counts as True; reduce=False
        is 'none', size_average=False 'sum', else 'mean'), without its warning.
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float in [0, 1]

    Returns
    -------
    Tensor, shape () or (N, d1, ..., dk) for 'none'
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, True)


def cross_entropy_reference(
    input,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""``cross_entropy`` as the textbook composition, for every input.

    log p = log_softmax(x) over the class axis, then l_n = -w_{y_n} log p_{n, y_n}
    (the target's weighted NLL, ``_picked``), smoothing and the reduction: autograd
    operations only, every derivative from the chain rule. ``cross_entropy`` is the same
    function, with its common case on the fused node ``CrossEntropyIndices``.
    """
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, False)


def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, fused):
    """cross_entropy; ``fused`` lets the common case run on CrossEntropyIndices."""
    reduction_ok(reduction)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)):
        raise TypeError(f"label_smoothing must be a float, got {type(label_smoothing).__name__}")
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must lie in [0, 1], got {label_smoothing}")
    x = float_tensor(input, "input")
    if not _is_array_like(target):
        raise TypeError(f"target must be an array or a Tensor, got {type(target).__name__}")
    tdata = target.data if isinstance(target, Tensor) else target
    same_backend(("input", x), ("target", tdata))
    if x.xp.isdtype(tdata.dtype, "real floating"):
        return _cross_entropy_probabilities(x, target, weight, reduction, eps)
    x, t, unbatched = _batched(x, target, "cross_entropy")
    C = x.shape[1]
    w = _weight_arg(weight, x, C)
    if fused and eps == 0 and x.ndim == 2:
        # The fused node, not the composition below (the same numbers): one forward and
        # one backward instead of ~10 small ops. Measured (numpy float32, forward +
        # backward, medians of two runs on a shared 2-core machine): 86-89 against
        # 213-220 us at (64, 10), the MLP benchmark's batch; 1.0-1.2 against 1.5-4.8 ms
        # at (1024, 100).
        loss = _cross_entropy_fused(x, t, w, ignore_index, reduction)
        return reshape(loss, ()) if unbatched and reduction == "none" else loss
    # the textbook composition: log_softmax, then the target's weighted NLL
    logp = _classes_last(log_softmax(x, dim=1))
    t_flat = x.xp.reshape(t, (-1,))
    picked, w_n, valid = _picked(logp, t_flat, C, w, ignore_index, "cross_entropy")
    loss = -picked * Tensor(w_n)
    if eps > 0:
        w_c = logp if w is None else logp * Tensor(w)
        smooth = where(valid, -_sum(w_c, axis=1), as_tensor(0.0, logp))
        loss = loss * (1.0 - eps) + smooth * (eps / C)
    if reduction == "none":
        return reshape(loss, () if unbatched else tuple(t.shape))
    if reduction == "sum":
        return _sum(loss)
    return _weighted_mean(_sum(loss), x.xp.sum(w_n))


def _cross_entropy_fused(x: Tensor, t, w, ignore_index: int, reduction: str) -> Tensor:
    """Logits (N, C), class indices t (N,): the per-row weights, then the fused node."""
    xp = x.xp
    valid = t != ignore_index
    _check_targets(xp, t, valid, x.shape[1], "cross_entropy")
    t_safe = xp.where(valid, t, xp.zeros_like(t))
    if w is None:
        w_n = xp.astype(valid, x.dtype)
    else:
        zeros = xp.zeros(t.shape, dtype=x.dtype, device=x.device)
        w_n = xp.where(valid, xp.take(w, t_safe), zeros)
    return CrossEntropyIndices(t_safe, w_n, reduction)(x)


def _cross_entropy_probabilities(x: Tensor, target, weight, reduction: str, eps: float):
    """Cross-entropy with class-probability targets q (same shape as the logits x)."""
    q = float_tensor(target, "target")
    same_backend(("input", x), ("target", q))
    if q.shape != x.shape:
        raise ValueError(
            f"cross_entropy: probability target must have input's shape {x.shape}, got {q.shape}"
        )
    class_dim = 0 if x.ndim == 1 else 1
    C = x.shape[class_dim]
    w = _weight_arg(weight, x, C)
    if eps > 0:
        q = q * (1.0 - eps) + eps / C
    terms = log_softmax(x, dim=class_dim) * q
    if w is not None:
        w_shape = tuple(C if i == class_dim else 1 for i in range(x.ndim))
        terms = terms * Tensor(x.xp.reshape(w, w_shape))
    if reduction == "none":
        return -_sum(terms, axis=class_dim)
    if reduction == "sum":
        return -_sum(terms)
    if x.size == 0:  # the mean over no samples: torch's NaN, without NumPy's warning
        return _sum(terms) * math.nan
    return -_sum(terms) * (C / x.size)
