r"""Convolution as one matrix product: im2col, col2im, conv2d, conv_transpose2d, conv2d_matrix.

The convolution (PyTorch's cross-correlation) of x (N, C, H, W) with a weight
w (C_out, C/g, kh, kw) in g groups, stride s, dilation d and zero padding (xpad) is

    y[n, o, p, q] = b[o] + sum_{c in group(o)} sum_{i<kh, j<kw}
                    w[o, c - g(o) C/g, i, j] * xpad[n, c, p s_h + i d_h, q s_w + j d_w]

(g(o) = the group of output channel o; (p, q) the output pixel)
with Ho = floor((H + p_top + p_bottom - d_h (kh - 1) - 1) / s_h) + 1 (and Wo alike).

The unfolding (im2col). Every output position (n, p, q) reads a receptive field of
K = kh kw pixels of C channels. Writing those fields as the rows of a matrix,
X_col[(n, p, q), (i, j, c)] = xpad[n, c, p s_h + i d_h, q s_w + j d_w], turns the sum
above into ONE matrix product per group,

    Y = X_col W_col + b,   X_col (N Ho Wo, K C),  W_col (K C, C_out),  Y (N Ho Wo, C_out),

the batch folded into the rows so a single large GEMM does all the arithmetic. The
unfolding itself is a strided view of the padded input, xpad read through the windows
(``backend.sliding_windows``: no copy on NumPy, CuPy and PyTorch; kh kw basic slices
elsewhere), made contiguous by one copy: the cost is one GEMM plus one copy of X_col.
Memory layout: columns are ordered (i, j, c) with the channel fastest and the input is
read channels-last (N, H, W, C), so the copy moves contiguous runs of C numbers. With
g groups, for a few groups of thin outputs the product stays ONE GEMM on these columns,
with the block-diagonal weight W_col[(i, j, c), o] = 0 unless c and o share a group (g
times the arithmetic, but one GEMM at full BLAS efficiency and fast copies); otherwise
(depthwise, wide groups) the columns are ordered (group, i, j, c_in_group) and the
product is a batch of g GEMMs, (g, N Ho Wo, K C/g) @ (g, K C/g, C_out/g).

Backward, from Y = X_col W_col:  dL/dW_col = X_col^T dY  (PyTorch's dW, reshaped), and
dL/dX_col = dY W_col^T; the unfolding copied each pixel into every window that covers
it, so its adjoint (col2im) ADDS each row's entries back to the pixels they came from:
dL/dx = col2im(dY W_col^T). That is exactly the transposed convolution of dY with w,
so conv2d's input gradient is conv_transpose2d and conv_transpose2d's is conv2d.
Here both are built from the two Functions Im2Col and Col2Im, each the other's
backward, and the matrix product (``ColumnProduct``, the chain rule of matmul with a
layout chosen for speed): gradients of any order follow.

Seen as a linear map of one sample, conv2d is y.ravel() = M x.ravel() with a sparse
M (C_out Ho Wo, C H W) (``conv2d_matrix``); conv_transpose2d is x -> M^T x.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import backend
from ..autograd.function import Function, is_grad_enabled
from ..autograd.tensor import Tensor
from . import math as m
from ._checks import float_tensor, same_backend

__all__ = ["im2col", "col2im", "conv2d", "conv_transpose2d", "conv2d_matrix"]


# ---------------------------------------------------------------------------------------
# argument parsing
# ---------------------------------------------------------------------------------------


def _pair(value, name: str, minimum: int) -> tuple[int, int]:
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
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    sh, sw = _pair(stride, "stride", 1)
    dh, dw = _pair(dilation, "dilation", 1)
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
        ph, pw = _pair(padding, "padding", 0)
        pads = (ph, ph, pw, pw)
    return Geometry(kh, kw, sh, sw, dh, dw, *pads, groups)


def _check_fits(g: Geometry, h: int, w: int, name: str = "input") -> tuple[int, int]:
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


def _window(g: Geometry, i: int, j: int, ho: int, wo: int):
    """The basic-slice key picking kernel tap (i, j) of every window: rows i dh + p sh."""
    rows = slice(i * g.dh, i * g.dh + g.sh * (ho - 1) + 1, g.sh)
    cols = slice(j * g.dw, j * g.dw + g.sw * (wo - 1) + 1, g.sw)
    return (slice(None), rows, cols, Ellipsis)


def _unfold(x, g: Geometry, out_hw: tuple[int, int], pad_value: float = 0.0):
    """x (N, C, H, W) -> windows (N, Ho, Wo, groups, kh kw, C / groups); see module doc.

    The windows are a strided view of the padded channels-last input
    (``backend.sliding_windows``); the reshape into columns is the one copy.
    """
    xp = backend.namespace(x)
    n, c, h, w = x.shape
    ho, wo = out_hw
    xt = xp.permute_dims(x, (0, 2, 3, 1))  # channels-last view: copies move runs of C
    if g.pt or g.pb or g.pl or g.pr:
        hp, wp = h + g.pt + g.pb, w + g.pl + g.pr
        xpad = xp.full((n, hp, wp, c), pad_value, dtype=x.dtype, device=backend.device_of(x))
        xpad[:, g.pt : g.pt + h, g.pl : g.pl + w, :] = xt
    else:
        xpad = xt
    win = backend.sliding_windows(xpad, (g.kh, g.kw), (g.sh, g.sw), (g.dh, g.dw))
    win = win[:, :ho, :wo, ...]  # (N, Ho, Wo, kh, kw, C)
    k, cg = g.kh * g.kw, c // g.groups
    if g.groups == 1:
        return xp.reshape(win, (n, ho, wo, 1, k, c))
    win = xp.reshape(win, (n, ho, wo, k, g.groups, cg))
    return xp.reshape(xp.permute_dims(win, (0, 1, 2, 4, 3, 5)), (n, ho, wo, g.groups, k, cg))


def _fold(cols, g: Geometry, in_hw: tuple[int, int]):
    """The adjoint of _unfold: windows (N, Ho, Wo, groups, K, C/groups) -> (N, C, H, W).

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
            gpad[_window(g, i, j, ho, wo)] += cols[:, :, :, :, k, :]
            k += 1
    gx = gpad[:, g.pt : g.pt + h, g.pl : g.pl + w, :, :]
    return xp.permute_dims(xp.reshape(gx, (n, h, w, groups * cg)), (0, 3, 1, 2))


class Im2Col(Function):
    """cols = unfold(x) (N, Ho, Wo, groups, K, C/groups).  Backward: dL/dx = fold(dL/dcols)."""

    def __init__(self, g: Geometry, out_hw: tuple[int, int], pad_value: float = 0.0):
        self.g, self.out_hw, self.pad_value = g, tuple(out_hw), pad_value

    def forward(self, x):
        self.in_hw = tuple(x.shape[2:])
        return _unfold(x, self.g, self.out_hw, self.pad_value)

    def backward(self, gcols):
        return Col2Im(self.g, self.in_hw)(gcols)


class Col2Im(Function):
    """x = fold(cols) (N, C, H, W).  Backward: dL/dcols = unfold(dL/dx) (zero padding)."""

    def __init__(self, g: Geometry, in_hw: tuple[int, int]):
        self.g, self.in_hw = g, tuple(in_hw)

    def forward(self, cols):
        self.out_hw = tuple(cols.shape[1:3])
        return _fold(cols, self.g, self.in_hw)

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
    x = _raw(x, "x")
    _check_image(x, "x")
    g = geometry(kernel_size, stride, padding, dilation, groups)
    if x.shape[1] % groups:
        raise ValueError(f"channels of x ({x.shape[1]}) must be divisible by groups={groups}")
    ho, wo = _check_fits(g, x.shape[2], x.shape[3], "x")
    cols = _unfold(x, g, (ho, wo))
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
    cols = _raw(cols, "cols")
    if len(tuple(input_shape)) != 4:
        raise ValueError(f"input_shape must be (N, C, H, W), got {input_shape!r}")
    n, c, h, w = (int(v) for v in input_shape)
    g = geometry(kernel_size, stride, padding, dilation, groups)
    if c % groups:
        raise ValueError(f"channels ({c}) must be divisible by groups={groups}")
    ho, wo = _check_fits(g, h, w)
    want = (n * ho * wo, g.kh * g.kw * c)
    if tuple(cols.shape) != want:
        raise ValueError(
            f"cols must have shape {want} for input_shape {input_shape}, got {tuple(cols.shape)}"
        )
    xp = backend.namespace(cols)
    cols6 = xp.reshape(cols, (n, ho, wo, groups, g.kh * g.kw, c // groups))
    return _fold(cols6, g, (h, w))


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


def _raw(a, name):
    a = a.data if isinstance(a, Tensor) else a
    if not backend.is_array(a):
        raise TypeError(f"{name} must be an array or a Tensor, got {type(a).__name__}")
    return a


def _check_image(x, name="input"):
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    if 0 in tuple(x.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")


def _prepare(input, weight, bias):
    """Tensors with one floating dtype on one device; a 3-D input gains a batch axis."""
    x = float_tensor(input, "input")
    w = float_tensor(weight, "weight")
    b = None if bias is None else float_tensor(bias, "bias")
    same_backend(("input", x), ("weight", w), ("bias", b))
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{name} has dtype {t.dtype} but input has {x.dtype}; cast one")
    unbatched = x.ndim == 3
    if unbatched:
        x = m.reshape(x, (1,) + x.shape)
    _check_image(x)
    if w.ndim != 4:
        raise ValueError(f"weight must be 4-D, got shape {w.shape}")
    return x, w, b, unbatched


def _check_bias(b, c_out):
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},), got {b.shape}")


# ---------------------------------------------------------------------------------------
# convolution and transposed convolution
# ---------------------------------------------------------------------------------------


class ColumnProduct(Function):
    r"""Y = X_col W_col: conv's one GEMM, X_col (M, K C) tall, W_col (K C, C_out) small.

    The chain rule of the matrix product: dL/dX_col = dY W_col^T, dL/dW_col = X_col^T dY.
    The weight gradient is a product over the long axis M, and OpenBLAS runs such a GEMM
    up to 20x slower when its output has fewer rows than columns (measured: A^T dY with
    A^T (64, 8192), dY (8192, 512)); so dL/dW_col is computed as (dY^T X_col)^T when
    K C < C_out: the same numbers, the longer side of the output first. With
    create_graph=True the backward is the differentiable matmul, so it can be
    differentiated again.
    """

    def forward(self, a, w):
        return backend.namespace(a, w).matmul(a, w)

    def backward(self, gy):
        a, w = self.inputs
        if is_grad_enabled():  # create_graph: record the gradient's own graph
            ga = m.matmul(gy, m.matrix_transpose(w)) if a.requires_grad else None
            gw = m.matmul(m.matrix_transpose(a), gy) if w.requires_grad else None
            return ga, gw
        xp = backend.namespace(gy.data)
        dy, ga, gw = gy.data, None, None
        if a.requires_grad:
            ga = Tensor(xp.matmul(dy, xp.matrix_transpose(w.data)))
        if w.requires_grad:
            if w.shape[0] < w.shape[1]:
                gw = xp.matrix_transpose(xp.matmul(xp.matrix_transpose(dy), a.data))
            else:
                gw = xp.matmul(xp.matrix_transpose(a.data), dy)
            gw = Tensor(gw)
        return ga, gw


def _one_gemm(groups: int, per_group_out: int) -> bool:
    """One GEMM with the block-diagonal weight, rather than a batch of g thin GEMMs?

    The block-diagonal product does g times the arithmetic of the grouped one, but as a
    single large GEMM on the ungrouped column layout, whose copies move runs of C
    numbers; g GEMMs with C_out/g < 32 columns run far below the BLAS peak, and the
    grouped layout's copies move runs of only C/g. So: one GEMM for few groups of thin
    outputs, the batch otherwise (depthwise, wide groups).
    """
    return groups == 1 or (groups <= 16 and per_group_out < 32)


def _between_groups(blocks: Tensor, view: tuple[int, ...]) -> Tensor:
    """blocks * I_g, with the g x g identity reshaped to ``view``: zero between groups.

    blocks holds each group's weights once, broadcast over the output groups; the
    identity keeps group grp's weights where the output group is grp. One product with
    a constant, so the gradient is the incoming one masked to the diagonal blocks.
    """
    groups = max(view)
    if groups == 1:
        return blocks
    eye = blocks.xp.eye(groups, dtype=blocks.dtype, device=blocks.device)
    return blocks * Tensor(blocks.xp.reshape(eye, view))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    r"""2-D convolution (cross-correlation) as one GEMM of the unfolded input, like PyTorch.

    Y = X_col W_col + b with X_col = im2col(x) (N Ho Wo, K C/g) per group and
    W_col = w (C_out, C/g, kh, kw) laid out (g, kh kw C/g, C_out/g); see the module
    docstring for the derivation of the backward (col2im of dY W_col^T, X_col^T dY).

    Parameters
    ----------
    input : Tensor or array (N, C, H, W) (or (C, H, W))
    weight : Tensor or array (C_out, C / groups, kh, kw)
    bias : Tensor or array (C_out,), optional
    stride, dilation : int or pair of positive ints
    padding : int or pair of non-negative ints, or 'valid' / 'same'
    groups : int
        C and C_out must both be divisible by it; groups = C is depthwise convolution.

    Returns
    -------
    Tensor (N, C_out, Ho, Wo)

    Raises
    ------
    ValueError
        Wrong shapes, channels not divisible by groups, negative padding, a kernel larger
        than the padded input.
    """
    x, w, b, unbatched = _prepare(input, weight, bias)
    g = geometry(w.shape[2:], stride, padding, dilation, groups)
    n, c, h, wd = x.shape
    c_out, cg = w.shape[0], w.shape[1]
    if c % groups or c_out % groups:
        raise ValueError(
            f"input channels ({c}) and output channels ({c_out}) must be divisible by "
            f"groups={groups}"
        )
    if cg != c // groups:
        raise ValueError(
            f"weight must have shape (C_out, C/groups, kh, kw) = ({c_out}, {c // groups}, "
            f"{g.kh}, {g.kw}) for input channels {c} and groups={groups}, got {w.shape}"
        )
    _check_bias(b, c_out)
    ho, wo = _check_fits(g, h, wd)
    k, og = g.kh * g.kw, c_out // groups
    w5 = m.reshape(w, (groups, og, cg, g.kh, g.kw))
    if _one_gemm(groups, og):
        cols = Im2Col(g._replace(groups=1), (ho, wo))(x)  # (N, Ho, Wo, 1, K, C)
        x_col = m.reshape(cols, (n * ho * wo, k * c))
        # W_col[(i, j, grp, c), (grp', o)] = w[grp' og + o, c, i, j] [grp == grp']
        blocks = m.reshape(m.transpose(w5, (3, 4, 0, 2, 1)), (g.kh, g.kw, groups, cg, 1, og))
        w_col = _between_groups(blocks, (1, 1, groups, 1, groups, 1))
        y = ColumnProduct()(x_col, m.reshape(w_col, (k * c, c_out)))  # (N Ho Wo, C_out): one GEMM
    else:
        cols = Im2Col(g, (ho, wo))(x)  # (N, Ho, Wo, G, K, C/G)
        x_col = m.transpose(m.reshape(cols, (n * ho * wo, groups, k * cg)), (1, 0, 2))
        w_col = m.reshape(m.transpose(w5, (0, 3, 4, 2, 1)), (groups, k * cg, og))
        y = m.matmul(x_col, w_col)  # (G, N Ho Wo, C_out/G): a batch of g GEMMs
        y = m.reshape(m.transpose(y, (1, 0, 2)), (n * ho * wo, c_out))
    if b is not None:
        y = y + b
    y = m.transpose(m.reshape(y, (n, ho, wo, c_out)), (0, 3, 1, 2))
    return m.reshape(y, y.shape[1:]) if unbatched else y


def conv_transpose2d(
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    r"""Transposed convolution: x -> M^T x, the adjoint of conv2d, like PyTorch.

    With the weight w (C_in, C_out/g, kh, kw) read as the weight of a convolution from
    C_out to C_in channels, the rows X (N H W, C_in/g) per group give the columns
    X W_col^T (N H W, K C_out/g), and col2im adds them into the output image:
    y = col2im(X W_col^T) + b, of size
        Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + output_padding_h + 1  (Wo alike).
    The convolution of y with w (same stride, padding, dilation, groups) maps back to
    (N, C_in, H, W), and <conv2d(y), x> = <y, conv_transpose2d(x)>. ``output_padding``
    (< stride or < dilation) picks among the output sizes that conv2d maps to H.
    Backward: dL/dx = conv2d(dL/dy, w) (Im2Col is Col2Im's backward), dL/dw = X^T im2col(dY).

    Parameters
    ----------
    input : Tensor or array (N, C_in, H, W) (or (C_in, H, W))
    weight : Tensor or array (C_in, C_out / groups, kh, kw)
    bias : Tensor or array (C_out,), optional
    stride, dilation : int or pair of positive ints
    padding, output_padding : int or pair of non-negative ints
    groups : int

    Returns
    -------
    Tensor (N, C_out, Ho, Wo)
    """
    x, w, b, unbatched = _prepare(input, weight, bias)
    if isinstance(padding, str):
        raise ValueError(f"conv_transpose2d takes an int or pair padding, got {padding!r}")
    g = geometry(w.shape[2:], stride, padding, dilation, groups)
    oph, opw = _pair(output_padding, "output_padding", 0)
    if not (oph < max(g.sh, g.dh) and opw < max(g.sw, g.dw)):
        raise ValueError(
            f"output_padding {output_padding!r} must be smaller than stride or dilation "
            f"({(g.sh, g.sw)}, {(g.dh, g.dw)})"
        )
    n, c_in, h, wd = x.shape
    if c_in % groups:
        raise ValueError(f"input channels ({c_in}) must be divisible by groups={groups}")
    if w.shape[0] != c_in:
        raise ValueError(
            f"weight must have shape (C_in, C_out/groups, kh, kw) with C_in = {c_in}, got {w.shape}"
        )
    og = w.shape[1]
    c_out, cig, k = og * groups, c_in // groups, g.kh * g.kw
    _check_bias(b, c_out)
    ho = (h - 1) * g.sh - g.pt - g.pb + g.dh * (g.kh - 1) + oph + 1
    wo = (wd - 1) * g.sw - g.pl - g.pr + g.dw * (g.kw - 1) + opw + 1
    if ho < 1 or wo < 1:
        raise ValueError(
            f"padding {padding!r} is too large: the output would have size ({ho}, {wo})"
        )
    rows = m.reshape(m.transpose(x, (0, 2, 3, 1)), (n * h * wd, c_in))
    w5 = m.reshape(w, (groups, cig, og, g.kh, g.kw))
    if _one_gemm(groups, og):
        # W_col[(grp, c), (i, j, grp', o)] = w[grp cig + c, o, i, j] [grp == grp']
        blocks = m.reshape(m.transpose(w5, (0, 1, 3, 4, 2)), (groups, cig, g.kh, g.kw, 1, og))
        w_col = _between_groups(blocks, (groups, 1, 1, 1, groups, 1))
        cols = ColumnProduct()(rows, m.reshape(w_col, (c_in, k * c_out)))  # (N H W, K C_out)
        cols = m.reshape(cols, (n, h, wd, 1, k, c_out))
        g = g._replace(groups=1)
    else:
        w_col = m.reshape(m.transpose(w5, (0, 1, 3, 4, 2)), (groups, cig, k * og))
        rows = m.transpose(m.reshape(rows, (n * h * wd, groups, cig)), (1, 0, 2))
        cols = m.matmul(rows, w_col)  # (G, N H W, K C_out/G): a batch of g GEMMs
        cols = m.reshape(m.transpose(cols, (1, 0, 2)), (n, h, wd, groups, k, og))
    y = Col2Im(g, (ho, wo))(cols)
    if b is not None:
        y = y + m.reshape(b, (1, c_out, 1, 1))
    return m.reshape(y, y.shape[1:]) if unbatched else y


# ---------------------------------------------------------------------------------------
# the explicit matrix
# ---------------------------------------------------------------------------------------


def conv2d_matrix(input_shape, weight, stride=1, padding=0, dilation=1, groups: int = 1):
    r"""The dense matrix M of conv2d on one sample: conv2d(x)[0].ravel() == M @ x[0].ravel().

    Built straight from the definition, independently of im2col: with
    A_i[p, h] = [h == p s_h - p_top + i d_h] (Ho, H) and B_j[q, w] alike (Wo, W),

        M[(o, p, q), (c, h, w)] = sum_{i, j} W_full[o, c, i, j] A_i[p, h] B_j[q, w],

    where W_full (C_out, C) is block diagonal over the groups (zero between groups).
    Rows and columns are ravelled in C order: row o Ho Wo + p Wo + q, column c H W + h W + w.
    conv_transpose2d of one sample is y -> M^T y. Bias is not included (M is linear).

    Parameters
    ----------
    input_shape : (C, H, W) or (1, C, H, W)
    weight : array or Tensor (C_out, C / groups, kh, kw)
    stride, padding, dilation, groups : as for ``conv2d``

    Returns
    -------
    array (C_out Ho Wo, C H W) on the weight's device, with its dtype
    """
    w = _raw(weight, "weight")
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 4 and shape[0] == 1:
        shape = shape[1:]
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input_shape must be (C, H, W) or (1, C, H, W), got {input_shape!r}")
    if w.ndim != 4:
        raise ValueError(f"weight must be 4-D, got shape {tuple(w.shape)}")
    c, h, wd = shape
    c_out, cg, kh, kw = (int(v) for v in w.shape)
    g = geometry((kh, kw), stride, padding, dilation, groups)
    if c % groups or c_out % groups or cg != c // groups:
        raise ValueError(
            f"weight {tuple(w.shape)} does not fit input channels {c} with groups={groups}"
        )
    ho, wo = _check_fits(g, h, wd)
    xp = backend.namespace(w)
    dev = backend.device_of(w)
    og = c_out // groups
    p = xp.reshape(xp.arange(ho, device=dev), (ho, 1))
    q = xp.reshape(xp.arange(wo, device=dev), (wo, 1))
    hh = xp.reshape(xp.arange(h, device=dev), (1, h))
    ww = xp.reshape(xp.arange(wd, device=dev), (1, wd))
    M = xp.zeros((c_out, ho, wo, c, h, wd), dtype=w.dtype, device=dev)
    for i in range(kh):
        a_i = xp.astype(hh == p * g.sh - g.pt + i * g.dh, w.dtype)  # (Ho, H)
        for j in range(kw):
            b_j = xp.astype(ww == q * g.sw - g.pl + j * g.dw, w.dtype)  # (Wo, W)
            blocks = []
            for grp in range(groups):
                tap = w[grp * og : (grp + 1) * og, :, i, j]  # (C_out/g, C/g)
                left = xp.zeros((og, grp * cg), dtype=w.dtype, device=dev)
                right = xp.zeros((og, (groups - grp - 1) * cg), dtype=w.dtype, device=dev)
                blocks.append(xp.concat([left, tap, right], axis=1))
            w_full = xp.concat(blocks, axis=0)  # (C_out, C), block diagonal
            M = M + (
                xp.reshape(w_full, (c_out, 1, 1, c, 1, 1))
                * xp.reshape(a_i, (1, ho, 1, 1, h, 1))
                * xp.reshape(b_j, (1, 1, wo, 1, 1, wd))
            )
    return xp.reshape(M, (c_out * ho * wo, c * h * wd))
