r"""Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d, like PyTorch.

Max and average pooling read the same windows as a convolution, so they reuse its
unfolding: cols = unfold(x) (N, Ho, Wo, 1, K, C) with K = kh kw taps per window, then
reduce over the K axis.

max_pool2d.  y = max_k cols[..., k, :]. Padding is -inf, so a pad never wins. The
derivative of a max is the indicator of its arg max: dL/dcols_k = dL/dy [k == argmax],
sent to the FIRST maximal tap in window order on ties (PyTorch's choice). Written as
y = sum_k where(k == argmax, cols_k, 0), the gradient is a masked copy of dL/dy
folded back by col2im (pixels in several windows add up); the second derivative is
zero, and the graph says so.

avg_pool2d.  y = (1/D) sum_k cols_k with D = K (count_include_pad=True, zero padding
counted) or D = number of real pixels in the window (False), found by unfolding ones.
dL/dx = col2im(dL/dy / D broadcast over the taps).

adaptive_avg_pool2d.  Output cell (i, j) averages rows [floor(i H / Ho), ceil((i+1) H / Ho))
and the columns alike (PyTorch's bins). The average over a rectangle is separable, so
y[n, c] = A_h x[n, c] A_w^T with A_h[i, r] = [r in bin i] / |bin i| (Ho, H): two
matrix products, differentiable as such.
"""

from __future__ import annotations

from .. import backend
from ..autograd.tensor import Tensor
from . import math as m
from ._checks import float_tensor
from ._im2col import Im2Col, check_fits, geometry, pair, unfold

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _prepare(input, kernel_size, stride, padding, dilation=1):
    x = float_tensor(input, "input")
    unbatched = x.ndim == 3
    if unbatched:
        x = m.reshape(x, (1,) + x.shape)
    if x.ndim != 4 or 0 in x.shape:
        raise ValueError(f"input must be a non-empty (N, C, H, W) or (C, H, W), got {x.shape}")
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel_size
    if isinstance(padding, str):
        raise ValueError(f"padding must be an int or a pair, got {padding!r}")
    g = geometry(kernel_size, stride, padding, dilation)
    for p, k in ((g.pt, g.kh), (g.pl, g.kw)):
        if p > k // 2:  # PyTorch's rule: half the kernel size, dilation not counted
            raise ValueError(
                f"padding must be at most half of the kernel size, got padding "
                f"{padding!r} for kernel_size {kernel_size!r}"
            )
    out_hw = check_fits(g, x.shape[2], x.shape[3])
    return x, g, out_hw, unbatched


def _finish(y, x_shape, out_hw, unbatched):
    """(N, Ho, Wo, 1, C) -> (N, C, Ho, Wo) (or (C, Ho, Wo) for an unbatched input)."""
    n, c = x_shape[0], x_shape[1]
    y = m.transpose(m.reshape(y, (n, out_hw[0], out_hw[1], c)), (0, 3, 1, 2))
    return m.reshape(y, y.shape[1:]) if unbatched else y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1) -> Tensor:
    r"""Max over each (dilated) kh x kw window; padding is -inf (PyTorch semantics).

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) or (C, H, W)
    kernel_size : int or pair
    stride : int or pair, optional
        Default: kernel_size.
    padding : int or pair
        At most half the kernel size.
    dilation : int or pair

    Returns
    -------
    Tensor (N, C, Ho, Wo), Ho = floor((H + 2 p - d (k - 1) - 1) / s) + 1
    """
    x, g, out_hw, unbatched = _prepare(input, kernel_size, stride, padding, dilation)
    xp = x.xp
    cols = Im2Col(g, out_hw, pad_value=-float("inf"))(x)  # (N, Ho, Wo, 1, K, C)
    k = g.kh * g.kw
    first_max = xp.argmax(cols.data, axis=4, keepdims=True)  # the first maximal tap
    taps = xp.reshape(xp.arange(k, device=backend.device_of(x.data)), (1, 1, 1, 1, k, 1))
    winner = taps == first_max
    y = m.sum(m.where(winner, cols, 0.0), axis=4)
    return _finish(y, x.shape, out_hw, unbatched)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, count_include_pad: bool = True
) -> Tensor:
    r"""Mean over each kh x kw window (zero padding; counted unless count_include_pad=False).

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) or (C, H, W)
    kernel_size : int or pair
    stride : int or pair, optional
        Default: kernel_size.
    padding : int or pair
        At most half the kernel size.
    count_include_pad : bool
        Divide by kh kw (True) or by the number of real pixels in the window (False).

    Returns
    -------
    Tensor (N, C, Ho, Wo)
    """
    x, g, out_hw, unbatched = _prepare(input, kernel_size, stride, padding)
    cols = Im2Col(g, out_hw)(x)
    total = m.sum(cols, axis=4)  # (N, Ho, Wo, 1, C)
    if count_include_pad or not (g.pt or g.pl):
        y = total * (1.0 / (g.kh * g.kw))
    else:
        xp = x.xp
        ones = xp.ones((1, 1) + x.shape[2:], dtype=x.dtype, device=x.device)
        count = xp.sum(unfold(ones, g, out_hw), axis=4)  # real pixels per window (1,Ho,Wo,1,1)
        y = total / Tensor(count)
    return _finish(y, x.shape, out_hw, unbatched)


def _bins(n_in: int, n_out: int, like):
    """A (n_out, n_in): A[i, r] = [start_i <= r < end_i] / (end_i - start_i), PyTorch's bins."""
    xp = backend.namespace(like)
    dev = backend.device_of(like)
    starts = [(i * n_in) // n_out for i in range(n_out)]
    ends = [-((-(i + 1) * n_in) // n_out) for i in range(n_out)]
    s = xp.reshape(xp.asarray(starts, device=dev), (n_out, 1))
    e = xp.reshape(xp.asarray(ends, device=dev), (n_out, 1))
    r = xp.reshape(xp.arange(n_in, device=dev), (1, n_in))
    inside = xp.astype((r >= s) & (r < e), like.dtype)
    return inside / xp.astype(e - s, like.dtype)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    r"""Average over PyTorch's adaptive bins: y[n, c] = A_h x[n, c] A_w^T.

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) or (C, H, W)
    output_size : int or pair (an entry None keeps that input size)

    Returns
    -------
    Tensor (N, C, Ho, Wo)
    """
    x = float_tensor(input, "input")
    if x.ndim not in (3, 4) or 0 in x.shape:
        raise ValueError(f"input must be a non-empty (N, C, H, W) or (C, H, W), got {x.shape}")
    h, w = x.shape[-2:]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(
            h if o is None and i == 0 else w if o is None else o for i, o in enumerate(output_size)
        )
    ho, wo = pair(output_size, "output_size", 1)
    a_h = Tensor(_bins(h, ho, x.data))
    a_w = Tensor(_bins(w, wo, x.data))
    return m.matmul(m.matmul(a_h, x), m.matrix_transpose(a_w))
