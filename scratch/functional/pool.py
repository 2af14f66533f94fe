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
counted) or D = number of real pixels in the window (False), found by unfolding ones;
divisor_override replaces D. dL/dx = col2im(dL/dy / D broadcast over the taps).

ceil_mode rounds the output size up; the extra last windows read padding beyond the
bottom/right (-inf for max; for the average D counts only what lies in [-p, H + p),
torch's divisor), and a window that would start in the right padding is dropped.

adaptive_avg_pool2d.  Output cell (i, j) averages rows [floor(i H / Ho), ceil((i+1) H / Ho))
and the columns alike (PyTorch's bins). The average over a rectangle is separable, so
y[n, c] = A_h x[n, c] A_w^T with A_h[i, r] = [r in bin i] / |bin i| (Ho, H): two
matrix products, differentiable as such.
"""

from __future__ import annotations

from .. import backend
from ..autograd import ops as m  # the primitives: the checked face (math.py) is for users
from ..autograd.tensor import Tensor
from ._checks import empty_batch, float_tensor
from ._im2col import Im2Col, geometry, pair, unfold

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _out_len(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling output length, and the ceil_mode rule for the last window.

    L = floor or ceil((n + 2 p - d (k - 1) - 1) / s) + 1; with ceil_mode the last window
    must start inside the input or the left padding: drop it when (L - 1) s >= n + p.
    """
    span = n + 2 * p - d * (k - 1) - 1
    if span < 0:
        return 0
    length = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (length - 1) * s >= n + p:
        length -= 1
    return length


def _prepare(input, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """(x, g, out_hw, unbatched): g pads the bottom/right further for ceil_mode's windows."""
    x = float_tensor(input, "input")
    unbatched = x.ndim == 3
    if unbatched:
        x = m.reshape(x, (1,) + x.shape)
    if x.ndim != 4 or 0 in x.shape[1:]:
        raise ValueError(
            f"input must be (N, C, H, W) or (C, H, W) with non-empty C, H, W, got {x.shape}"
        )
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be a bool, got {ceil_mode!r}")
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
    h, w = x.shape[2], x.shape[3]
    ho = _out_len(h, g.kh, g.sh, g.pt, g.dh, ceil_mode)
    wo = _out_len(w, g.kw, g.sw, g.pl, g.dw, ceil_mode)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"kernel_size {kernel_size!r} (dilation included) is larger than the padded "
            f"input ({h}, {w}) + padding {padding!r}: output size ({ho}, {wo})"
        )
    # the padding that the last (ceil_mode) window reads beyond the right/bottom padding
    extra_h = max(0, (ho - 1) * g.sh + g.dh * (g.kh - 1) + 1 - (h + 2 * g.pt))
    extra_w = max(0, (wo - 1) * g.sw + g.dw * (g.kw - 1) + 1 - (w + 2 * g.pl))
    g = g._replace(pb=g.pb + extra_h, pr=g.pr + extra_w)
    return x, g, (ho, wo), unbatched


def _finish(y, x_shape, out_hw, unbatched):
    """(N, Ho, Wo, 1, C) -> (N, C, Ho, Wo) (or (C, Ho, Wo) for an unbatched input)."""
    n, c = x_shape[0], x_shape[1]
    y = m.transpose(m.reshape(y, (n, out_hw[0], out_hw[1], c)), (0, 3, 1, 2))
    return m.reshape(y, y.shape[1:]) if unbatched else y


def _flat_indices(first_max, g, out_hw, w: int):
    """Arg-max taps (N, Ho, Wo, 1, 1, C) -> flat indices r W + c into the input plane.

    Tap k = (i, j) of output (p, q) reads row p s_h - p_top + i d_h and column
    q s_w - p_left + j d_w (torch's return_indices: int64, per (n, c) plane).
    """
    xp = backend.namespace(first_max)
    dev = backend.device_of(first_max)
    ho, wo = out_hw
    k = xp.astype(first_max[:, :, :, 0, 0, :], xp.int64)  # (N, Ho, Wo, C)
    i, j = k // g.kw, k % g.kw
    p = xp.reshape(xp.arange(ho, dtype=xp.int64, device=dev), (1, ho, 1, 1))
    q = xp.reshape(xp.arange(wo, dtype=xp.int64, device=dev), (1, 1, wo, 1))
    rows = p * g.sh - g.pt + i * g.dh
    cols = q * g.sw - g.pl + j * g.dw
    return xp.permute_dims(rows * w + cols, (0, 3, 1, 2))  # (N, C, Ho, Wo)


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    r"""Max over each (dilated) kh x kw window; padding is -inf (PyTorch semantics).

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) or (C, H, W); N may be 0
    kernel_size : int or pair
    stride : int or pair, optional
        Default: kernel_size.
    padding : int or pair
        At most half the kernel size.
    dilation : int or pair
    ceil_mode : bool
        Round the output size up (torch's rule: a last window that would start in the
        right padding is dropped); the extra windows read -inf beyond the input.
    return_indices : bool
        Also return the arg-max positions: int64 flat indices r W + c into each input
        plane (N, C, Ho, Wo), the first maximal tap on ties (torch's max_unpool2d input).

    Returns
    -------
    Tensor (N, C, Ho, Wo), Ho = floor((H + 2 p - d (k - 1) - 1) / s) + 1 (ceil with
    ceil_mode); with return_indices the pair (Tensor, int64 Tensor of the same shape)
    """
    if not isinstance(return_indices, bool):
        raise TypeError(f"return_indices must be a bool, got {return_indices!r}")
    x, g, out_hw, unbatched = _prepare(input, kernel_size, stride, padding, dilation, ceil_mode)
    xp = x.xp
    if x.shape[0] == 0:  # a zero-size batch: torch's empty result, gradients of shape (0, ...)
        y = empty_batch((0, x.shape[1]) + out_hw, x)
        if not return_indices:
            return y
        return y, Tensor(xp.zeros(y.shape, dtype=xp.int64, device=x.device))
    cols = Im2Col(g, out_hw, pad_value=-float("inf"))(x)  # (N, Ho, Wo, 1, K, C)
    k = g.kh * g.kw
    first_max = xp.argmax(cols.data, axis=4, keepdims=True)  # the first maximal tap
    taps = xp.reshape(xp.arange(k, device=backend.device_of(x.data)), (1, 1, 1, 1, k, 1))
    winner = taps == first_max
    y = _finish(m.sum(m.where(winner, cols, 0.0), axis=4), x.shape, out_hw, unbatched)
    if not return_indices:
        return y
    idx = _flat_indices(first_max, g, out_hw, x.shape[3])
    return y, Tensor(idx[0, ...] if unbatched else idx)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> Tensor:
    r"""Mean over each kh x kw window (zero padding; counted unless count_include_pad=False).

    y = (1/D) sum_k cols_k with D = divisor_override when given, else the window's size
    clipped to the padded input [-p, H + p) (count_include_pad=True; kh kw except for
    ceil_mode's last windows), else the number of real pixels in it (torch's divisors).

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) or (C, H, W); N may be 0
    kernel_size : int or pair
    stride : int or pair, optional
        Default: kernel_size.
    padding : int or pair
        At most half the kernel size.
    ceil_mode : bool
        Round the output size up (torch's rule: a last window that would start in the
        right padding is dropped).
    count_include_pad : bool
        Count the zero padding in the divisor (True) or only the real pixels (False).
    divisor_override : int, optional
        A non-zero divisor D used for every window instead.

    Returns
    -------
    Tensor (N, C, Ho, Wo)
    """
    if not isinstance(count_include_pad, bool):
        raise TypeError(f"count_include_pad must be a bool, got {count_include_pad!r}")
    if divisor_override is not None and (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, int)
        or divisor_override == 0
    ):
        raise ValueError(
            f"divisor_override must be a non-zero int or None, got {divisor_override!r}"
        )
    x, g, out_hw, unbatched = _prepare(input, kernel_size, stride, padding, 1, ceil_mode)
    if x.shape[0] == 0:  # a zero-size batch: torch's empty result, gradients of shape (0, ...)
        return empty_batch((0, x.shape[1]) + out_hw, x)
    cols = Im2Col(g, out_hw)(x)
    total = m.sum(cols, axis=4)  # (N, Ho, Wo, 1, C)
    extra = g.pb > g.pt or g.pr > g.pl  # ceil_mode's windows beyond the right padding
    if divisor_override is not None:
        y = total * (1.0 / divisor_override)
    elif not (g.pt or g.pl or extra) or (count_include_pad and not extra):
        y = total * (1.0 / (g.kh * g.kw))
    else:
        xp = x.xp
        h, w = x.shape[2:]
        if count_include_pad:  # ones over the padded image [-p, H + p), zeros beyond
            ones = xp.ones((1, 1, h + 2 * g.pt, w + 2 * g.pl), dtype=x.dtype, device=x.device)
            g1 = g._replace(pt=0, pl=0, pb=g.pb - g.pt, pr=g.pr - g.pl)
        else:  # ones over the real pixels only
            ones = xp.ones((1, 1, h, w), dtype=x.dtype, device=x.device)
            g1 = g
        count = xp.sum(unfold(ones, g1, out_hw), axis=4)  # divisor per window (1,Ho,Wo,1,1)
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
    input : Tensor or array (N, C, H, W) or (C, H, W); N may be 0
    output_size : int or pair (an entry None keeps that input size)

    Returns
    -------
    Tensor (N, C, Ho, Wo)
    """
    x = float_tensor(input, "input")
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(
            f"input must be (N, C, H, W) or (C, H, W) with non-empty C, H, W, got {x.shape}"
        )
    h, w = x.shape[-2:]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(
            h if o is None and i == 0 else w if o is None else o for i, o in enumerate(output_size)
        )
    ho, wo = pair(output_size, "output_size", 1)
    a_h = Tensor(_bins(h, ho, x.data))
    a_w = Tensor(_bins(w, wo, x.data))
    return m.matmul(m.matmul(a_h, x), m.matrix_transpose(a_w))
