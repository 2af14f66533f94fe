"""Windows of an array without copying it: sliding_windows (the conv/pool patches) and
shifted_slabs (the stride-1 taps of a flattened image), as strided views where the
library makes them, as stacked slices elsewhere."""

from __future__ import annotations

import numpy as np

from .arrays import backend_name, namespace
from .cache import working_set_bytes


def _element_strides(x) -> tuple[int, ...] | None:
    """x's strides in elements where its library makes strided views (else None)."""
    name = backend_name(x)
    if name == "torch":
        return tuple(x.stride())
    if name in ("numpy", "cupy"):
        return tuple(s // x.itemsize for s in x.strides)
    return None


def _strided_view(x, shape, strides):
    """A read-only view of x's memory with ``shape`` and element ``strides`` (no copy)."""
    if backend_name(x) == "torch":
        return x.as_strided(shape, strides, x.storage_offset())
    byte_strides = tuple(s * x.itemsize for s in strides)
    if backend_name(x) == "cupy":
        import cupy

        return cupy.lib.stride_tricks.as_strided(x, shape, byte_strides)
    return np.lib.stride_tricks.as_strided(x, shape, byte_strides, writeable=False)


def sliding_windows(x, window, step=(1, 1), dilation=(1, 1)):
    r"""The (dilated) kh x kw windows of x (N, H, W, ...): an array (N, Ho, Wo, kh, kw, ...).

    windows[n, p, q, i, j, ...] = x[n, p s_h + i d_h, q s_w + j d_w, ...], for
    Ho = floor((H - d_h (kh - 1) - 1) / s_h) + 1 (and Wo alike); trailing axes (the
    channels) stay last, so a copy of the result moves contiguous runs of them.

    Portable path (any Array-API library): the kh kw strided slices x[:, i d_h :: s_h,
    j d_w :: s_w] (basic slicing), stacked: one copy. Fast paths: a strided VIEW of x
    with no copy at all (``numpy.lib.stride_tricks.as_strided``, ``cupy``'s, and
    ``torch.as_strided``); the caller's reshape then makes the only copy. The result
    is read-only: do not write into it.

    Parameters
    ----------
    x : array (N, H, W, ...)
    window, step, dilation : pairs of positive ints (kh, kw), (s_h, s_w), (d_h, d_w)

    Returns
    -------
    array (N, Ho, Wo, kh, kw, ...)
    """
    xp = namespace(x)
    (kh, kw), (sh, sw), (dh, dw) = window, step, dilation
    n, h, w, rest = x.shape[0], x.shape[1], x.shape[2], tuple(x.shape[3:])
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"window {window} with dilation {dilation} does not fit x {x.shape}")
    shape = (n, ho, wo, kh, kw) + rest
    t = _element_strides(x)
    if t is not None:
        strides = (t[0], t[1] * sh, t[2] * sw, t[1] * dh, t[2] * dw) + tuple(t[3:])
        return _strided_view(x, shape, strides)

    def tap(i: int, j: int):  # rows i d_h + p s_h, columns j d_w + q s_w of every window
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
        return x[:, rows, cols, ...]

    taps = [tap(i, j) for i in range(kh) for j in range(kw)]
    return xp.reshape(xp.stack(taps, axis=3), shape)


def shifted_slabs(x, taps, shift, length: int):
    r"""Slabs of the last axis of x at a 2-D grid of offsets: (..., ti, tj, length).

    slabs[..., i, j, m] = x[..., i shift_0 + j shift_1 + m] for i < taps[0], j < taps[1],
    m < length. On a flattened padded image (row width W) with shift = (d_h W, d_w) these
    are the stride-1 convolution windows, tap by tap, each one contiguous run.

    Portable path: the ti tj basic slices, stacked (one copy). Fast paths: a strided
    VIEW of x (NumPy, CuPy, PyTorch); the caller's reshape makes the only copy.

    Parameters
    ----------
    x : array
        Input (..., L); the slabs run along the last axis.
    taps : (int, int)
        (ti, tj), the grid of offsets.
    shift : (int, int)
        The offset step along each grid axis, in elements.
    length : int
        The length of each slab (>= 1); the last slab must end within L.

    Returns
    -------
    array (..., ti, tj, length)
        A read-only view where the library has strided views, else a copy.
    """
    xp = namespace(x)
    (ti, tj), (a, b) = taps, shift
    last = x.shape[-1]
    if length < 1 or (ti - 1) * a + (tj - 1) * b + length > last:
        raise ValueError(f"slabs of {taps} taps, shift {shift}, length {length} overrun {last}")
    lead = tuple(x.shape[:-1])
    t = _element_strides(x)
    if t is not None:
        strides = tuple(t[:-1]) + (a * t[-1], b * t[-1], t[-1])
        return _strided_view(x, lead + (ti, tj, length), strides)
    slabs = [x[..., i * a + j * b : i * a + j * b + length] for i in range(ti) for j in range(tj)]
    return xp.reshape(xp.stack(slabs, axis=-2), lead + (ti, tj, length))


# When ``assign_transposed`` copies in blocks, and how many channels a block holds:
# measured (numpy, float32, 2-core AMD EPYC, (N, 64, H, W) NCHW -> padded NHWC, min of
# 15, ms, plain / blocks of 8 / blocks of 16): H W 4 B = 4096 (32 x 32) 3.5 / 1.29 / 1.46,
# 16384 (64 x 64) 3.53 / 1.19 / 1.37, 2048 (16 x 32) 0.87 / 0.55 / 0.36, 6144 (48 x 32)
# 1.36 / 0.86 / 0.65; but 1024 (16 x 16) 0.36 / 0.38 / 0.26, 1600 (20 x 20) 0.34 / 0.60 /
# 0.43, 2304 0.46 / 0.86 / 0.65, 3136 0.73 / 1.27 / 1.05, 256 (8 x 8) 0.03 / 0.07 / 0.05:
# only strides that are multiples of 2 KiB alias, and elsewhere one plain copy is best.
_ALIASING_STRIDE = 2048
_PAGE = 4096


def assign_transposed(out, key: tuple, src) -> None:
    r"""out[key] = src, for a src whose last axis is the widest-strided one in memory.

    The case is a channels-first array seen channels last (NCHW permuted to NHWC): the
    copy walks the destination in order, so every element it reads is a row of H W
    numbers away from the last one. When that stride is a multiple of 2 KiB (32 x 32
    float32 images: 4 KiB), all the lines a copy keeps open fall into one or two sets
    of the L1 cache and evict each other. Copying the last axis in blocks of a few
    channels (8 at multiples of 4 KiB, else 16) keeps those lines few enough to stay:
    2-3x faster (measurements at ``_ALIASING_STRIDE``). Other strides alias less, and
    one plain copy is faster there.

    Portable path, GPUs, other strides and sources not laid out that way: one assignment.

    Parameters
    ----------
    out : array
    key : tuple of slices, one per axis of ``out``
        ``out[key]`` has src's shape.
    src : array
    """
    t = _element_strides(src)
    c = src.shape[-1] if src.ndim else 0
    cpu = working_set_bytes(src) is not None  # a GPU does the whole copy in one launch
    inner = [abs(s) for s, n in zip(t or (), src.shape[:-1]) if n > 1]
    stride = (
        abs(t[-1]) * (src.element_size() if backend_name(src) == "torch" else src.itemsize)
        if t
        else 0
    )
    block = 8 if stride % _PAGE == 0 else 16
    if (
        not cpu
        or not inner
        or abs(t[-1]) <= min(inner)  # already channels last
        or stride % _ALIASING_STRIDE
        or c <= block
    ):
        out[key] = src  # one copy
        return
    head, last = tuple(key[:-1]), key[-1]
    start = 0 if last.start is None else last.start
    for c0 in range(0, c, block):
        c1 = min(c0 + block, c)
        out[head + (slice(start + c0, start + c1),)] = src[..., c0:c1]
