r"""The unfolding behind convolution and pooling: im2col, col2im and their arguments.

Every output pixel (n, p, q) of a convolution or a pooling reads a window of
K = kh kw pixels: xpad[n, :, p s_h + i d_h, q s_w + j d_w] for taps i < kh, j < kw
(stride s, dilation d, zero padding (or -inf for max pooling) around the image).
``unfold`` lays the windows out as the rows of a matrix, channels-last:

    cols[n, p, q, grp, (i, j), c] = xpad[n, grp C/g + c, p s_h + i d_h, q s_w + j d_w],

a strided VIEW of the padded channels-last image (``backend.sliding_windows``) that
the caller's reshape copies once. ``fold`` is its adjoint: it ADDS every entry back
to the pixel it was read from (kh kw strided slice-adds), so a pixel covered by r
windows receives r terms and <unfold(x), Z> = <x, fold(Z)>. Im2Col and Col2Im are the
two as Functions, each the other's backward, so gradients of any order follow.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import backend
from .. import profiling as _ph
from ..autograd.function import Function
from ..autograd.tensor import Tensor

# ---------------------------------------------------------------------------------------
# argument parsing
# ---------------------------------------------------------------------------------------


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """``value`` (int or pair of ints) as a pair, each >= ``minimum``."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    elif isinstance(value, int):
        pair = (value, value)
    else:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            bound = "positive" if minimum == 1 else "non-negative"
            raise ValueError(f"{name} must be a {bound} int or pair, got {value!r}")
    return pair


class Geometry(NamedTuple):
    """Kernel (kh, kw), stride, dilation, padding (top, bottom, left, right) and groups."""

    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pb: int
    pl: int
    pr: int
    groups: int = 1

    def out_size(self, h: int, w: int) -> tuple[int, int]:
        """Ho = floor((H + pt + pb - dh (kh - 1) - 1) / sh) + 1, and Wo alike."""
        ho = (h + self.pt + self.pb - self.dh * (self.kh - 1) - 1) // self.sh + 1
        wo = (w + self.pl + self.pr - self.dw * (self.kw - 1) - 1) // self.sw + 1
        return ho, wo


def geometry(kernel_size, stride=1, padding=0, dilation=1, groups=1) -> Geometry:
    """Parse PyTorch-style arguments; padding may be an int, a pair, 'valid' or 'same'.

    'same' pads d (k - 1) in total, floor of half before and the rest after (PyTorch's
    split for even kernels), and needs stride 1.
    """
    kh, kw = pair(kernel_size, "kernel_size", 1)
    sh, sw = pair(stride, "stride", 1)
    dh, dw = pair(dilation, "dilation", 1)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise ValueError(f"padding='same' needs stride 1, got stride {stride!r}")
            th, tw = dh * (kh - 1), dw * (kw - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    else:
        ph, pw = pair(padding, "padding", 0)
        pads = (ph, ph, pw, pw)
    return Geometry(kh, kw, sh, sw, dh, dw, *pads, groups)


def check_fits(g: Geometry, h: int, w: int, name: str = "input") -> tuple[int, int]:
    """Output size, refusing a dilated kernel larger than the padded input."""
    ekh, ekw = g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1
    hp, wp = h + g.pt + g.pb, w + g.pl + g.pr
    if ekh > hp or ekw > wp:
        raise ValueError(
            f"kernel ({ekh}, {ekw}) (dilation included) is larger than the padded {name} "
            f"({hp}, {wp})"
        )
    return g.out_size(h, w)


# ---------------------------------------------------------------------------------------
# the unfolding and its adjoint, on raw arrays
# ---------------------------------------------------------------------------------------


def _tap(g: Geometry, i: int, j: int, ho: int, wo: int):
    """The basic-slice key picking kernel tap (i, j) of every window: rows i dh + p sh."""
    rows = slice(i * g.dh, i * g.dh + g.sh * (ho - 1) + 1, g.sh)
    cols = slice(j * g.dw, j * g.dw + g.sw * (wo - 1) + 1, g.sw)
    return (slice(None), rows, cols, Ellipsis)


def _pad(x, g: Geometry, value: float, spatial=(1, 2), extra_rows: int = 0):
    """x inside a border of ``value`` on its two ``spatial`` axes: one copy of x.

    ``extra_rows`` more rows of ``value`` go below the bottom padding. Only the border
    strips are filled, so every element is written once.
    """
    xp = backend.namespace(x)
    ah, aw = spatial
    h, w = x.shape[ah], x.shape[aw]
    hp, wp = h + g.pt + g.pb + extra_rows, w + g.pl + g.pr
    shape = list(x.shape)
    shape[ah], shape[aw] = hp, wp
    xpad = xp.empty(tuple(shape), dtype=x.dtype, device=backend.device_of(x))

    def key(rows, cols):
        k = [slice(None)] * x.ndim
        k[ah], k[aw] = rows, cols
        return tuple(k)

    middle = slice(g.pt, g.pt + h)
    for rows, cols in (
        (slice(0, g.pt), slice(None)),
        (slice(g.pt + h, hp), slice(None)),
        (middle, slice(0, g.pl)),
        (middle, slice(g.pl + w, wp)),
    ):
        xpad[key(rows, cols)] = value
    backend.assign_transposed(xpad, key(middle, slice(g.pl, g.pl + w)), x)  # NCHW seen NHWC
    return xpad


def unfold(x, g: Geometry, out_hw: tuple[int, int], pad_value: float = 0.0, out=None):
    """x (N, C, H, W) -> windows (N, Ho, Wo, groups, kh kw, C / groups); see module doc.

    The windows are a strided view of the padded channels-last input
    (``backend.sliding_windows``); the reshape into columns is the one copy. With one
    group, ``out`` (N, Ho, Wo, kh, kw, C) takes that copy instead of a fresh array (the
    result is then a view of it): a caller unfolding chunk after chunk reuses one buffer.
    """
    xp = backend.namespace(x)
    n, c, h, w = x.shape
    ho, wo = out_hw
    xt = xp.permute_dims(x, (0, 2, 3, 1))  # channels-last view: copies move runs of C
    # The padded channels-last copy, made also without padding: the windows' copy reads
    # it kh kw times, and read straight from an NCHW x it would walk the 4 KiB strides
    # ``backend.assign_transposed`` avoids (3x3 'valid', 8 x 64 x 32 x 32 float32, min of
    # 15: 7.0 ms read from the NCHW view, 1.5 ms with this copy first; 0.55 -> 0.63 ms when
    # x is channels last already).
    xpad = _pad(xt, g, pad_value)
    _ph.mark("layout")
    win = backend.sliding_windows(xpad, (g.kh, g.kw), (g.sh, g.sw), (g.dh, g.dw))
    win = win[:, :ho, :wo, ...]  # (N, Ho, Wo, kh, kw, C)
    k, cg = g.kh * g.kw, c // g.groups
    if g.groups == 1:
        if out is not None:
            out[...] = win
            win = out
        return xp.reshape(win, (n, ho, wo, 1, k, c))
    win = xp.reshape(win, (n, ho, wo, k, g.groups, cg))
    return xp.reshape(xp.permute_dims(win, (0, 1, 2, 4, 3, 5)), (n, ho, wo, g.groups, k, cg))


def unfold_flat(x, g: Geometry, out_hw: tuple[int, int]):
    r"""Stride 1: x (N, C, H, W) -> columns (N, groups, C/groups kh kw, Ho Wp), channels first.

    Flatten the padded image row by row (width Wp = W + p_left + p_right). With stride
    1 the window of output (p, q) starts at flat index p Wp + q and its tap (i, j) sits
    i d_h Wp + j d_w further on, so for one channel and one tap the pixels read by ALL
    the outputs p Wp + q, q < Wp, are one contiguous run of length Ho Wp:

        cols[n, grp, (c, i, j), p Wp + q] = xflat[n, grp C/g + c, i d_h Wp + j d_w + p Wp + q].

    The outputs in the Wp - Wo extra columns of each row are discarded after the product
    (Wp/Wo - 1 more arithmetic), and the copy moves runs of Ho Wp numbers instead of C.
    One extra row of padding keeps the last taps of those columns inside the image.
    """
    xp = backend.namespace(x)
    n, c = x.shape[0], x.shape[1]
    ho = out_hw[0]
    xpad = _pad(x, g, 0.0, spatial=(2, 3), extra_rows=1)
    _ph.mark("layout")  # the padded copy
    wp = xpad.shape[3]
    flat = xp.reshape(xpad, (n, c, xpad.shape[2] * wp))
    slabs = backend.shifted_slabs(flat, (g.kh, g.kw), (g.dh * wp, g.dw), ho * wp)
    return xp.reshape(slabs, (n, g.groups, (c // g.groups) * g.kh * g.kw, ho * wp))


def fold(cols, g: Geometry, in_hw: tuple[int, int]):
    """The adjoint of unfold: windows (N, Ho, Wo, groups, K, C/groups) -> (N, C, H, W).

    A view of ``fold_channels_last``: the memory stays channels-last.
    """
    xp = backend.namespace(cols)
    return xp.permute_dims(fold_channels_last(cols, g, in_hw), (0, 3, 1, 2))


def fold_channels_last(cols, g: Geometry, in_hw: tuple[int, int]):
    """The adjoint of unfold, channels last: windows -> (N, H, W, C).

    Each of the K kernel taps is one strided slice-add into the padded image; pixels
    covered by several windows receive the sum, the padding is cut off at the end.
    """
    xp = backend.namespace(cols)
    n, ho, wo, groups, _, cg = cols.shape
    h, w = in_hw
    hp, wp = h + g.pt + g.pb, w + g.pl + g.pr
    gpad = xp.zeros((n, hp, wp, groups, cg), dtype=cols.dtype, device=backend.device_of(cols))
    k = 0
    for i in range(g.kh):
        for j in range(g.kw):
            gpad[_tap(g, i, j, ho, wo)] += cols[:, :, :, :, k, :]
            k += 1
    gx = gpad[:, g.pt : g.pt + h, g.pl : g.pl + w, :, :]
    return xp.reshape(gx, (n, h, w, groups * cg))


class Im2Col(Function):
    """cols = unfold(x) (N, Ho, Wo, groups, K, C/groups).  Backward: dL/dx = fold(dL/dcols)."""

    def __init__(self, g: Geometry, out_hw: tuple[int, int], pad_value: float = 0.0):
        self.g, self.out_hw, self.pad_value = g, tuple(out_hw), pad_value

    def forward(self, x):
        self.in_hw = tuple(x.shape[2:])
        return unfold(x, self.g, self.out_hw, self.pad_value)

    def backward(self, gcols):
        return Col2Im(self.g, self.in_hw)(gcols)


class Col2Im(Function):
    """x = fold(cols) (N, C, H, W).  Backward: dL/dcols = unfold(dL/dx) (zero padding)."""

    def __init__(self, g: Geometry, in_hw: tuple[int, int]):
        self.g, self.in_hw = g, tuple(in_hw)

    def forward(self, cols):
        self.out_hw = tuple(cols.shape[1:3])
        return fold(cols, self.g, self.in_hw)

    def backward(self, gx):
        return Im2Col(self.g, self.out_hw)(gx)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1):
    r"""Unfold a raw image batch into the matrix whose product with the weight is conv2d.

    X_col[(n, p, q), (grp, i, j, c)] = xpad[n, grp C/g + c, p s_h + i d_h, q s_w + j d_w].

    Parameters
    ----------
    x : array (N, C, H, W)
    kernel_size, stride, padding, dilation : int or pair (padding also 'same'/'valid')
    groups : int
        Order the columns group by group (C must be divisible by groups).

    Returns
    -------
    array (N Ho Wo, kh kw C): rows are output positions (n, p, q) in C order, columns
    the receptive field (group, i, j, c) with the channel fastest.
    """
    x = as_raw(x, "x")
    check_image(x, "x")
    g = geometry(kernel_size, stride, padding, dilation, groups)
    if x.shape[1] % groups:
        raise ValueError(f"channels of x ({x.shape[1]}) must be divisible by groups={groups}")
    ho, wo = check_fits(g, x.shape[2], x.shape[3], "x")
    cols = unfold(x, g, (ho, wo))
    xp = backend.namespace(x)
    return xp.reshape(cols, (x.shape[0] * ho * wo, g.kh * g.kw * x.shape[1]))


def col2im(cols, input_shape, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1):
    r"""The adjoint of ``im2col``: add every column entry back to the pixel it was read from.

    <im2col(x), Z> == <x, col2im(Z)> for all x, Z (a pixel in r windows gets r terms).

    Parameters
    ----------
    cols : array (N Ho Wo, kh kw C), laid out as ``im2col`` returns it
    input_shape : (N, C, H, W) of the image
    kernel_size, stride, padding, dilation, groups : as for ``im2col``

    Returns
    -------
    array (N, C, H, W)
    """
    cols = as_raw(cols, "cols")
    if len(tuple(input_shape)) != 4:
        raise ValueError(f"input_shape must be (N, C, H, W), got {input_shape!r}")
    n, c, h, w = (int(v) for v in input_shape)
    g = geometry(kernel_size, stride, padding, dilation, groups)
    if c % groups:
        raise ValueError(f"channels ({c}) must be divisible by groups={groups}")
    ho, wo = check_fits(g, h, w)
    want = (n * ho * wo, g.kh * g.kw * c)
    if tuple(cols.shape) != want:
        raise ValueError(
            f"cols must have shape {want} for input_shape {input_shape}, got {tuple(cols.shape)}"
        )
    xp = backend.namespace(cols)
    cols6 = xp.reshape(cols, (n, ho, wo, groups, g.kh * g.kw, c // groups))
    return fold(cols6, g, (h, w))


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


def as_raw(a, name):
    a = a.data if isinstance(a, Tensor) else a
    if not backend.is_array(a):
        raise TypeError(f"{name} must be an array or a Tensor, got {type(a).__name__}")
    return a


def check_image(x, name="input"):
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    if 0 in tuple(x.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
