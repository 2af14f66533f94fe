r"""Convolution as one matrix product: im2col, col2im, conv2d, conv_transpose2d, conv2d_matrix.

Read ``conv2d_reference`` and ``conv_transpose2d_reference`` first (the first code in
this file): the textbook version, im2col and ONE matrix product per group, written as a
composition of autograd operations, so its backward (col2im of dY W_col^T, and
X_col^T dY) is derived by the engine, not by hand. ``conv2d`` and ``conv_transpose2d``
are the engine beside it, tested equal to it in values and in first and second
derivatives (tests/functional/test_conv_reference.py); which engine path runs when is
at the end of this docstring.

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

    Y = X_col W_col + b,   X_col (N Ho Wo, K C),  W_col (K C, C_out),  Y (N Ho Wo, C_out).

The unfolding itself is a strided view of the padded input, xpad read through the windows
(``backend.sliding_windows``: no copy on NumPy, CuPy and PyTorch; kh kw basic slices
elsewhere), made contiguous by one copy: the cost is one GEMM plus one copy of X_col.
Memory layout: columns are ordered (i, j, c) with the channel fastest and the input is
read channels-last (N, H, W, C), so the copy moves contiguous runs of C numbers; with g
groups the product is a batch of g GEMMs, (g, N Ho Wo, K C/g) @ (g, K C/g, C_out/g).
Grouped stride-1 convolutions with at most 16 channels per group skip the unfolding:
on the image flattened row by row, each kernel tap of all outputs is one contiguous
slice, so y is a sum of kh kw GEMMs on views (``_conv_products._DirectLayout``); other
grouped stride-1 ones use the channels-first unfolding of ``unfold_flat`` (a group's
channels are contiguous there, and its copies move whole image rows).

Backward, from Y = X_col W_col:  dL/dW_col = X_col^T dY  (PyTorch's dW, reshaped), and
dL/dX_col = dY W_col^T; the unfolding copied each pixel into every window that covers
it, so its adjoint (col2im) ADDS each row's entries back to the pixels they came from:
dL/dx = col2im(dY W_col^T). That is exactly the transposed convolution of dY with w.

So three bilinear products carry everything, each a Function whose backward is made
of the other two (gradients of any order follow):

    conv(x, w)        = X_col W_col                 (N, C_out, Ho, Wo)
    conv_t(dy, w)     = col2im(dY W_col^T)          (N, C, H, W): conv's input gradient
    conv_w(x, dy)     = X_col^T dY                  (C_out, C/g, kh, kw): its weight gradient

with <conv(x, w), dy> = <x, conv_t(dy, w)> = <w, conv_w(x, dy)> (one scalar, three
ways of grouping it): differentiating conv_t(dy, w) against g gives conv(g, w) for dy
and conv_w(g, dy) for w; conv_w(x, dy) against g gives conv_t(dy, g) for x and
conv(x, g) for dy. conv_transpose2d is conv_t with its own weight read as that of the
convolution it is the adjoint of.

Two shortcuts, from the same algebra. (1) With stride 1, conv_t is itself a
convolution: of dy, padded by d (k - 1) - p, with the flipped kernel (in and out
channels swapped), ``_full_correlation``; no col2im. (2) Without a graph of the
gradient, conv's backward then needs ONE unfolding, of dy: its columns dY'_col give
dx = dY'_col W'_col and also the weight gradient, as X^T dY'_col (the sum over (n, h, w)
of x times dy's window is the same sum as X_col^T dY, ordered by the input pixel).

Cache blocking. The rows of X_col split by image, so each product runs over chunks of
the batch whose columns fit a few MiB (``backend.working_set_bytes``): the unfolding,
the GEMM and the col2im of a chunk then stay in the CPU's caches, and the GEMM on a
cached 1024-row chunk runs about twice as fast as on all rows (the whole of X_col,
75 MB for the benchmark's 32 images, never exists). On a GPU the chunk is the batch.
Outputs keep the channels-last memory of the GEMM (an (N, C, H, W) view of it), which
is what the next convolution reads.

Seen as a linear map of one sample, conv2d is y.ravel() = M x.ravel() with a sparse
M (C_out Ho Wo, C H W) (``conv2d_matrix``); conv_transpose2d is x -> M^T x.

Which engine path runs when. conv2d's forward: the chunked channels-last im2col and one
GEMM per group (for grouped stride-1 convolutions: one GEMM per tap without unfolding up
to 16 channels per group, channels-first columns beyond). Its
first-order backward (``backward()``, or ``grad`` without create_graph) when x and w
both need gradients, with stride 1 and padding at most d (k - 1) on every side: ONE
unfolding of dy, whose product with the flipped kernel is dx and whose product with x is
dW (shortcut 2, no col2im). Otherwise dW = X_col^T dY and dx = conv_t(dy, w): the
flipped-kernel convolution where shortcut 1 applies (stride 1, padding at most
d (k - 1)), col2im of dY W_col^T where it does not (stride > 1). With create_graph=True
the three Functions below call each other, so second derivatives take the same paths.
conv_transpose2d's forward is conv_t (the same two cases); its backward is a
convolution and a weight gradient from one unfolding of dL/dy, never col2im.
"""

from __future__ import annotations

from .. import backend
from .. import profiling as _ph
from ..autograd import Function, Tensor, is_grad_enabled
from ..autograd import ops as m  # the primitives: the checked face (math.py) is for users
from . import _conv_products as _p
from ._checks import empty_batch, float_tensor, same_backend, same_dtype
from ._im2col import (
    Col2Im,
    Geometry,
    Im2Col,
    as_raw,
    check_fits,
    check_image,
    col2im,
    geometry,
    im2col,
    pair,
)

__all__ = [
    "im2col",
    "col2im",
    "conv2d",
    "conv_transpose2d",
    "conv2d_matrix",
    "conv2d_reference",
    "conv_transpose2d_reference",
    "geometry",  # PyTorch-style kernel/stride/padding/dilation/groups parsed and checked
    "pair",  # an int or a pair of ints as a checked pair (the layers' argument rule)
]

# ---------------------------------------------------------------------------------------
# the textbook version: im2col and one matrix product, differentiated by the engine
# ---------------------------------------------------------------------------------------


def conv2d_reference(
    input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    r"""conv2d from the definition: unfold the input (im2col), then ONE matmul per group.

        X_col = im2col(x)         (g, N Ho Wo, K C/g)   rows (n, p, q), columns (i, j, c)
        W_col = w laid out        (g, K C/g, C_out/g)   rows (i, j, c)
        Y     = X_col W_col + b   (g, N Ho Wo, C_out/g) -> (N, C_out, Ho, Wo)

    Every step is an autograd operation, so the backward is the engine's chain rule
    through them: the matmul gives dX_col = dY W_col^T and dW_col = X_col^T dY, and
    im2col's backward (col2im) adds dX_col back onto the pixels, dx = col2im(dY W_col^T).
    Same arguments, checks and result as ``conv2d``, which computes it faster.
    """
    x, w, b, unbatched, g, (ho, wo) = _conv2d_args(
        input, weight, bias, stride, padding, dilation, groups
    )
    n, (c_out, cg, kh, kw) = x.shape[0], w.shape
    cols = Im2Col(g, (ho, wo))(x)  # (N, Ho, Wo, g, K, C/g)
    X_col = m.permute(m.reshape(cols, (n * ho * wo, groups, kh * kw * cg)), (1, 0, 2))
    Y = m.matmul(X_col, _weight_columns(w, groups))  # (g, N Ho Wo, C_out/g)
    Y = m.reshape(Y, (groups, n, ho, wo, c_out // groups))
    y = m.reshape(m.permute(Y, (1, 0, 4, 2, 3)), (n, c_out, ho, wo))
    if b is not None:
        y = y + m.reshape(b, (1, c_out, 1, 1))
    return m.reshape(y, y.shape[1:]) if unbatched else y


def conv_transpose2d_reference(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1, dilation=1
) -> Tensor:
    r"""conv_transpose2d from the definition: ONE matmul per group, then col2im.

    w (C_in, C_out/g, kh, kw) is the weight of the convolution from C_out to C_in
    channels that this is the adjoint of (its W_col is (g, K C_out/g, C_in/g)); with
    the rows X (g, N H W, C_in/g) of the input,

        y = col2im(X W_col^T) + b     (N, C_out, Ho, Wo),

    that convolution's input gradient. The engine differentiates the composition:
    dX = dY_col W_col with dY_col = im2col(dy) (col2im's backward), and so on.
    Same arguments, checks and result as ``conv_transpose2d``.
    """
    x, w, b, unbatched, g, (ho, wo) = _conv_transpose2d_args(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    (n, c_in, h, wd), (_, og, kh, kw) = x.shape, w.shape
    rows = m.reshape(m.permute(x, (0, 2, 3, 1)), (n * h * wd, groups, c_in // groups))
    X = m.permute(rows, (1, 0, 2))  # (g, N H W, C_in/g)
    d_cols = m.matmul(X, m.matrix_transpose(_weight_columns(w, groups)))  # (g, N H W, K og)
    windows = m.reshape(d_cols, (groups, n, h, wd, kh * kw, og))
    y = Col2Im(g, (ho, wo))(m.permute(windows, (1, 2, 3, 0, 4, 5)))  # (N, C_out, Ho, Wo)
    if b is not None:
        y = y + m.reshape(b, (1, og * groups, 1, 1))
    return m.reshape(y, y.shape[1:]) if unbatched else y


def _weight_columns(w: Tensor, groups: int) -> Tensor:
    """w (O, C/g, kh, kw) -> W_col (g, kh kw C/g, O/g), rows (i, j, c): a differentiable view."""
    o, cg, kh, kw = w.shape
    w5 = m.permute(m.reshape(w, (groups, o // groups, cg, kh, kw)), (0, 3, 4, 2, 1))
    return m.reshape(w5, (groups, kh * kw * cg, o // groups))


# ---------------------------------------------------------------------------------------
# argument checks, shared by the reference and the engine
# ---------------------------------------------------------------------------------------


def _prepare(input, weight, bias):
    """Tensors with one floating dtype on one device; a 3-D input gains a batch axis."""
    x = float_tensor(input, "input")
    w = float_tensor(weight, "weight")
    b = None if bias is None else float_tensor(bias, "bias")
    same_backend(("input", x), ("weight", w), ("bias", b))
    same_dtype("conv", x, ("weight", w), ("bias", b))
    unbatched = x.ndim == 3
    if unbatched:
        x = m.reshape(x, (1,) + x.shape)
    if not (x.ndim == 4 and x.shape[0] == 0 and 0 not in x.shape[1:]):
        check_image(x)  # a zero-size batch (N = 0) passes: torch's empty result
    if w.ndim != 4:
        raise ValueError(f"weight must be 4-D, got shape {w.shape}")
    return x, w, b, unbatched


def _check_bias(b, c_out):
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},), got {b.shape}")


def _conv2d_args(input, weight, bias, stride, padding, dilation, groups):
    """conv2d's checked arguments: x, w, b, unbatched, the Geometry and (Ho, Wo)."""
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
    return x, w, b, unbatched, g, check_fits(g, h, wd)


def _conv_transpose2d_args(input, weight, bias, stride, padding, output_padding, groups, dilation):
    """conv_transpose2d's checked arguments: x, w, b, unbatched, the Geometry, (Ho, Wo)."""
    x, w, b, unbatched = _prepare(input, weight, bias)
    if isinstance(padding, str):
        raise ValueError(f"conv_transpose2d takes an int or pair padding, got {padding!r}")
    g = geometry(w.shape[2:], stride, padding, dilation, groups)
    oph, opw = pair(output_padding, "output_padding", 0)
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
    _check_bias(b, w.shape[1] * groups)
    ho = (h - 1) * g.sh - g.pt - g.pb + g.dh * (g.kh - 1) + oph + 1
    wo = (wd - 1) * g.sw - g.pl - g.pr + g.dw * (g.kw - 1) + opw + 1
    if ho < 1 or wo < 1:
        raise ValueError(
            f"padding {padding!r} is too large: the output would have size ({ho}, {wo})"
        )
    return x, w, b, unbatched, g, (ho, wo)


# ---------------------------------------------------------------------------------------
# the engine: three bilinear products as Functions, each differentiated by the others
# ---------------------------------------------------------------------------------------


def _bias_grad(gy: Tensor, inputs: tuple) -> tuple:
    """(dL/db,) = (sum of gy over (n, h, w),) when a bias is the third input, else ()."""
    if len(inputs) < 3 or not inputs[2].requires_grad:
        return () if len(inputs) < 3 else (None,)
    _ph.start()
    gb = m.sum(gy, axis=(0, 2, 3))
    _ph.mark("bias")
    return (gb,)


class Convolution(Function):
    """y = conv(x, w) + b.  Backward: dL/dx = conv_t(gy, w), dL/dw = conv_w(x, gy),
    dL/db = sum of gy over (n, p, q)."""

    def __init__(self, g: Geometry, out_hw: tuple[int, int]):
        self.g, self.out_hw = g, tuple(out_hw)

    def forward(self, x, w, b=None):
        return _p.conv(x, w, b, self.g, self.out_hw)

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        both = None
        if x.requires_grad and w.requires_grad and not is_grad_enabled():
            both = _p.conv_grads(x.data, w.data, gy.data, self.g)  # no graph: one unfolding
        if both is not None:
            gx, gw = Tensor(both[0]), Tensor(both[1])
        else:
            gx = ConvolutionInputGrad(self.g, x.shape[2:])(gy, w) if x.requires_grad else None
            gw = ConvolutionWeightGrad(self.g)(x, gy) if w.requires_grad else None
        return (gx, gw) + _bias_grad(gy, self.inputs)


class ConvolutionInputGrad(Function):
    """dx = conv_t(dy, w) + b, the adjoint of conv in x (plus conv_transpose2d's bias).
    Backward (g = dL/ddx): dL/ddy = conv(g, w), dL/dw = conv_w(g, dy), dL/db = sum of g
    over (n, h, w)."""

    def __init__(self, g: Geometry, in_hw: tuple[int, int]):
        self.g, self.in_hw = g, tuple(in_hw)

    def forward(self, dy, w, b=None):
        return _p.conv_t(dy, w, self.g, self.in_hw, b)

    def backward(self, g_dx):
        dy, w = self.inputs[0], self.inputs[1]
        if dy.requires_grad and w.requires_grad and not is_grad_enabled():
            # no graph: both products read the same unfolding of g, computed once
            g_dy, g_w = _p.products(g_dx.data, self.g, dy.shape[2:], w=w.data, r=dy.data)
            g_dy, g_w = Tensor(g_dy), Tensor(g_w)
        else:
            g_dy = Convolution(self.g, dy.shape[2:])(g_dx, w) if dy.requires_grad else None
            g_w = ConvolutionWeightGrad(self.g)(g_dx, dy) if w.requires_grad else None
        return (g_dy, g_w) + _bias_grad(g_dx, self.inputs)


class ConvolutionWeightGrad(Function):
    """dw = conv_w(x, dy) = X_col^T dY.  Backward (g = dL/ddw):
    dL/dx = conv_t(dy, g), dL/ddy = conv(x, g)."""

    def __init__(self, g: Geometry):
        self.g = g

    def forward(self, x, dy):
        return _p.conv_w(x, dy, self.g)

    def backward(self, g_dw):
        x, dy = self.inputs
        g_x = ConvolutionInputGrad(self.g, x.shape[2:])(dy, g_dw) if x.requires_grad else None
        g_dy = Convolution(self.g, dy.shape[2:])(x, g_dw) if dy.requires_grad else None
        return g_x, g_dy


# ---------------------------------------------------------------------------------------
# convolution and transposed convolution
# ---------------------------------------------------------------------------------------


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
    stride : int or pair of positive ints
    padding : int or pair of non-negative ints, or 'valid' / 'same'
    dilation : int or pair of positive ints
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
    x, w, b, unbatched, g, out_hw = _conv2d_args(
        input, weight, bias, stride, padding, dilation, groups
    )
    if x.shape[0] == 0:  # N = 0: torch's (0, C_out, Ho, Wo), gradients of shape (0, ...)
        return empty_batch((0, w.shape[0]) + tuple(out_hw), x, w, b)
    # The engine, not conv2d_reference (the same numbers, tests/functional/
    # test_conv_reference.py): cache-sized chunks, the flipped-kernel input gradient and
    # one unfolding for both gradients took the benchmark's conv2d step (N=32, 64->64,
    # 3x3, 32x32, forward + backward) from 106-120 ms to ~60 ms (benchmarks/README.md).
    y = Convolution(g, out_hw)(*((x, w) if b is None else (x, w, b)))
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

    The weight w (C_in, C_out/g, kh, kw) is read as the weight of the convolution from
    C_out to C_in channels that this is the adjoint of; with the rows
    X (N H W, C_in) of the input, y = col2im(X W_col^T) + b (conv_t in the module
    docstring: exactly that convolution's input gradient), of size
        Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + output_padding_h + 1  (Wo alike).
    The convolution of y with w (same stride, padding, dilation, groups) maps back to
    (N, C_in, H, W), and <conv2d(y), x> = <y, conv_transpose2d(x)>. ``output_padding``
    (< stride or < dilation) picks among the output sizes that conv2d maps to H.
    Backward: dL/dx = conv2d(dL/dy, w), dL/dw = conv_w(dL/dy, x).

    Parameters
    ----------
    input : Tensor or array (N, C_in, H, W) (or (C_in, H, W))
    weight : Tensor or array (C_in, C_out / groups, kh, kw)
    bias : Tensor or array (C_out,), optional
    stride : int or pair of positive ints
    padding, output_padding : int or pair of non-negative ints
    groups : int
    dilation : int or pair of positive ints
        After ``groups``, torch's order.

    Returns
    -------
    Tensor (N, C_out, Ho, Wo)
    """
    x, w, b, unbatched, g, out_hw = _conv_transpose2d_args(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    if x.shape[0] == 0:  # N = 0: torch's (0, C_out, Ho, Wo), gradients of shape (0, ...)
        return empty_batch((0, w.shape[1] * groups) + tuple(out_hw), x, w, b)
    # The engine, not conv_transpose2d_reference (the same numbers): chunked, and for
    # stride 1 a convolution with the flipped kernel instead of col2im (about 1.7x faster),
    # for a stride dividing the kernel one dense sub-pixel GEMM (forward 0.47x the time).
    y = ConvolutionInputGrad(g, out_hw)(*((x, w) if b is None else (x, w, b)))
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
    w = as_raw(weight, "weight")
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
    ho, wo = check_fits(g, h, wd)
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
