r"""The raw products behind conv2d and conv_transpose2d, a chunk of the batch at a time.

conv(x, w) = X_col W_col, conv_t(dy, w) = col2im(dY W_col^T), conv_w(x, dy) = X_col^T dY
(derived in ``conv.py``, which wraps them as Functions). Here: the GEMM layouts
(channels-last columns, a batch of one GEMM per group; channels-first ``unfold_flat``
columns for grouped stride-1 convolutions), the cache-sized chunks of the batch, the
stride-1 input gradient as a convolution with the flipped kernel, and both gradients
from one unfolding. Everything works on raw arrays of any backend.
"""

from __future__ import annotations

from .. import backend
from ._im2col import Geometry, fold_channels_last, unfold, unfold_flat


def _chunks(n: int, per_image: int, like) -> list[slice]:
    """Slices of a batch of n images, ``per_image`` numbers of ``like``'s dtype each, whose
    chunks fit ``backend.working_set_bytes`` (one chunk on a GPU)."""
    budget = backend.working_set_bytes(like)
    itemsize = backend.namespace(like).finfo(like.dtype).bits // 8
    step = n if budget is None else max(1, min(n, budget // (per_image * itemsize)))
    return [slice(lo, min(lo + step, n)) for lo in range(0, n, step)]


class _Layout:
    """Channels-last GEMM operands of one convolution, a batch of one GEMM per group.

    X_col (g, M, K C/g) with rows (n, p, q) and columns (i, j, c); W_col (g, K C/g,
    C_out/g); dY (g, M, C_out/g). With g = 1 the batch is the single GEMM of the module
    docstring.
    """

    def __init__(self, g: Geometry, c_out: int, c_in: int):
        self.g, self.groups, self.c_out, self.c_in = g, g.groups, c_out, c_in
        self.og, self.cg, self.k = c_out // g.groups, c_in // g.groups, g.kh * g.kw

    def weight_columns(self, w):
        """w (C_out, C/g, kh, kw) -> W_col (g, K C/g, C_out/g), rows (i, j, c)."""
        xp = backend.namespace(w)
        w5 = xp.reshape(w, (self.groups, self.og, self.cg, self.g.kh, self.g.kw))
        w5 = xp.permute_dims(w5, (0, 3, 4, 2, 1))
        return xp.reshape(w5, (self.groups, self.k * self.cg, self.og))

    def weight_from_columns(self, w_col):
        """The inverse of weight_columns: (g, K C/g, C_out/g) -> (C_out, C/g, kh, kw)."""
        xp = backend.namespace(w_col)
        w5 = xp.reshape(w_col, (self.groups, self.g.kh, self.g.kw, self.cg, self.og))
        w5 = xp.permute_dims(w5, (0, 4, 3, 1, 2))
        return xp.reshape(w5, (self.c_out, self.cg, self.g.kh, self.g.kw))

    def columns(self, x, out_hw):
        """X_col of a chunk of images (g, M, K C/g), M = nb Ho Wo: ``unfold``'s one copy."""
        xp = backend.namespace(x)
        rows = x.shape[0] * out_hw[0] * out_hw[1]
        cols = xp.reshape(unfold(x, self.g, out_hw), (rows, self.groups, self.k * self.cg))
        return xp.permute_dims(cols, (1, 0, 2))

    def rows(self, dy):
        """dY of a chunk (nb, C_out, Ho, Wo) as GEMM rows (g, M, C_out/g)."""
        xp = backend.namespace(dy)
        nb, _, ho, wo = dy.shape
        dy5 = xp.reshape(dy, (nb, self.groups, self.og, ho, wo))
        return xp.reshape(xp.permute_dims(dy5, (1, 0, 3, 4, 2)), (self.groups, -1, self.og))

    def channels_last(self, y, nb: int, out_hw):
        """The inverse of rows, channels last: (g, M, C_out/g) -> (nb, Ho, Wo, g, C_out/g)."""
        xp = backend.namespace(y)
        y5 = xp.reshape(y, (self.groups, nb, out_hw[0], out_hw[1], self.og))
        return xp.permute_dims(y5, (1, 2, 3, 0, 4))

    def windows(self, d_cols, nb: int, out_hw):
        """dX_col (g, M, K C/g) as the windows fold takes: (nb, Ho, Wo, g, K, C/g)."""
        xp = backend.namespace(d_cols)
        d6 = xp.reshape(d_cols, (self.groups, nb, out_hw[0], out_hw[1], self.k, self.cg))
        return xp.permute_dims(d6, (1, 2, 3, 0, 4, 5))


def _at_b(a, d):
    """a^T d for tall a (..., M, K) and d (..., M, C_out).

    OpenBLAS runs A^T dY up to 20x slower when its output has fewer rows than columns
    (measured: A^T (64, 8192), dY (8192, 512)): then form (dY^T A)^T, the same numbers.
    """
    xp = backend.namespace(a, d)
    if a.shape[-1] < d.shape[-1]:
        return xp.matrix_transpose(xp.matmul(xp.matrix_transpose(d), a))
    return xp.matmul(xp.matrix_transpose(a), d)


def products(x, g: Geometry, out_hw, w=None, b=None, r=None):
    """One pass over the unfolding of x, chunk by chunk, for up to two products.

    y = X_col W_col + b (the convolution, when ``w`` is given), (N, C_out, Ho, Wo), and
    dW = X_col^T R (its weight gradient for the output gradient ``r``, when given),
    (C_out, C/g, kh, kw); both from the same columns when both are asked for. Grouped
    stride-1 convolutions use the channels-first layout of ``unfold_flat``.
    """
    if (g.sh, g.sw) == (1, 1) and g.groups > 1:
        return _flat_products(x, g, out_hw, w, b, r)
    xp = backend.namespace(x)
    lay = _Layout(g, w.shape[0] if w is not None else r.shape[1], x.shape[1])
    n, (ho, wo) = x.shape[0], out_hw
    y = acc = None
    if w is not None:
        w_col = lay.weight_columns(w)
        b = None if b is None else xp.reshape(b, (lay.groups, 1, lay.og))
        y = xp.empty((n, ho, wo, lay.groups, lay.og), dtype=x.dtype, device=backend.device_of(x))
    for sl in _chunks(n, ho * wo * lay.k * lay.c_in, x):
        cols = lay.columns(x[sl, ...], out_hw)  # (g, M, K C/g)
        if w is not None:
            y_c = xp.matmul(cols, w_col)  # (g, M, C_out/g)
            if b is not None:
                y_c += b
            y[sl, ...] = lay.channels_last(y_c, sl.stop - sl.start, out_hw)
        if r is not None:
            part = _at_b(cols, lay.rows(r[sl, ...]))  # (g, K C/g, C_out/g)
            acc = part if acc is None else acc + part
    if y is not None:
        y = _channels_first(xp.reshape(y, (n, ho, wo, lay.c_out)))
    return y, None if acc is None else lay.weight_from_columns(acc)


def _flat_products(x, g: Geometry, out_hw, w=None, b=None, r=None):
    """``products`` for grouped stride-1 convolutions, on ``unfold_flat``'s columns.

    Channels first, a group's channels are contiguous: per image and group the product
    is (C_out/g, K C/g) @ (K C/g, Ho Wp), a wide GEMM, and y comes out (N, C_out, Ho, Wo)
    once the Wp - Wo extra columns are cut off. The weight gradient takes R on the
    same wide grid, zero in the extra columns, so the discarded outputs add nothing.
    Measured on the benchmark's g = 8 convolution: 1.6x faster than one GEMM per group on
    channels-last columns, whose copies move runs of only C/g numbers.
    """
    xp = backend.namespace(x)
    n, c = x.shape[0], x.shape[1]
    c_out, G, (ho, wo) = (w.shape[0] if w is not None else r.shape[1]), g.groups, out_hw
    og, k, dev = c_out // G, g.kh * g.kw, backend.device_of(x)
    wp = x.shape[3] + g.pl + g.pr
    y = acc = None
    if w is not None:
        w_mat = xp.reshape(w, (G, og, (c // G) * k))
        b = None if b is None else xp.reshape(b, (G, og, 1))
        y = xp.empty((n, G, og, ho, wo), dtype=x.dtype, device=dev)
    for sl in _chunks(n, c * k * ho * wp, x):
        nb = sl.stop - sl.start
        cols = unfold_flat(x[sl, ...], g, out_hw)  # (nb, g, K C/g, Ho Wp)
        if w is not None:
            y_c = xp.matmul(w_mat, cols)  # (nb, g, C_out/g, Ho Wp)
            if b is not None:
                y_c += b
            y[sl, ...] = xp.reshape(y_c, (nb, G, og, ho, wp))[..., :wo]
        if r is not None:
            r_wide = xp.zeros((nb, G, og, ho, wp), dtype=x.dtype, device=dev)
            r_wide[..., :wo] = xp.reshape(r[sl, ...], (nb, G, og, ho, wo))
            r_rows = xp.reshape(r_wide, (nb, G, og, ho * wp))
            part = xp.sum(xp.matmul(r_rows, xp.matrix_transpose(cols)), axis=0)
            acc = part if acc is None else acc + part
    if y is not None:
        y = xp.reshape(y, (n, c_out, ho, wo))
    return y, None if acc is None else xp.reshape(acc, (c_out, c // G, g.kh, g.kw))


def _channels_first(y):
    """(N, H, W, C) -> (N, C, H, W) as a view: the result keeps channels-last memory.

    The next convolution reads its input channels-last, so a chain of them never
    transposes; elementwise operations keep the layout.
    """
    return backend.namespace(y).permute_dims(y, (0, 3, 1, 2))


def conv(x, w, b, g: Geometry, out_hw):
    """y = X_col W_col + b: (N, C, H, W) -> (N, C_out, Ho, Wo)."""
    return products(x, g, out_hw, w=w, b=b)[0]


def conv_w(x, dy, g: Geometry):
    """dW = X_col^T dY, as (C_out, C/g, kh, kw)."""
    return products(x, g, tuple(dy.shape[2:]), r=dy)[1]


def conv_t(dy, w, g: Geometry, in_hw, b=None):
    """dx = col2im(dY W_col^T) + b: (N, C_out, Ho, Wo) -> (N, C, H, W).

    With stride 1 the same sum is a convolution (``_full_correlation``), which runs
    about 1.7x faster than the GEMM and the kh kw slice-adds of col2im. The bias (of
    conv_transpose2d) is added to each chunk while it is in cache.
    """
    full = _full_correlation(w, g, tuple(dy.shape[2:]), in_hw)
    if full is not None:
        return conv(dy, full[0], b, full[1], in_hw)
    xp = backend.namespace(dy, w)
    lay = _Layout(g, w.shape[0], w.shape[1] * g.groups)
    w_col_t = xp.matrix_transpose(lay.weight_columns(w))
    n, out_hw = dy.shape[0], tuple(dy.shape[2:])
    dx = xp.empty((n,) + tuple(in_hw) + (lay.c_in,), dtype=dy.dtype, device=backend.device_of(dy))
    for sl in _chunks(n, out_hw[0] * out_hw[1] * lay.k * lay.c_in, dy):
        d_cols = xp.matmul(lay.rows(dy[sl, ...]), w_col_t)  # (g, M, K C/g)
        windows = lay.windows(d_cols, sl.stop - sl.start, out_hw)
        dx_c = fold_channels_last(windows, g, in_hw)
        dx[sl, ...] = dx_c if b is None else dx_c + b
    return _channels_first(dx)


def _full_correlation(w, g: Geometry, out_hw, in_hw):
    r"""For stride 1: conv_t(dy, w) = conv(dy, w'), padding P', or None when that fails.

    With stride 1, x[h] feeds y[p] through tap i exactly when h = p + i d - p_top, so
    dx[h] = sum_i w[i] dy[h + p_top - i d]. Renaming i' = kh - 1 - i turns this into
    a correlation, dx[h] = sum_i' w[kh - 1 - i'] dy[h - P'_top + i' d], with

        w'[c, o, i', j'] = w[o, c, kh - 1 - i', kw - 1 - j']   (flipped, in/out swapped
                                                             within each group),
        P'_top = d (kh - 1) - p_top,  P'_bottom = H - Ho + p_top  (and the width alike).

    Valid while the padding P' is not negative (p <= d (k - 1)).
    """
    if (g.sh, g.sw) != (1, 1):
        return None
    pads = (
        g.dh * (g.kh - 1) - g.pt,
        in_hw[0] - out_hw[0] + g.pt,
        g.dw * (g.kw - 1) - g.pl,
        in_hw[1] - out_hw[1] + g.pl,
    )
    if min(pads) < 0:
        return None
    return _flip(w, g.groups), g._replace(pt=pads[0], pb=pads[1], pl=pads[2], pr=pads[3])


def _flip(w, groups: int):
    """w'[c, o, i', j'] = w[o, c, kh - 1 - i', kw - 1 - j'] within each group.

    (C_out, C/g, kh, kw) -> (C, C_out/g, kh, kw). Applied twice it is the identity, so it
    is its own inverse: it also takes a gradient with respect to w' back to w.
    """
    xp = backend.namespace(w)
    c_out, cg, kh, kw = w.shape
    w5 = xp.reshape(w, (groups, c_out // groups, cg, kh, kw))
    w5 = xp.flip(xp.permute_dims(w5, (0, 2, 1, 3, 4)), axis=(3, 4))
    return xp.reshape(w5, (groups * cg, c_out // groups, kh, kw))


def conv_grads(x, w, dy, g: Geometry):
    """Both gradients of y = conv(x, w) from ONE unfolding, of dy, or None (stride > 1).

    dx = conv(dy, w') (``_full_correlation``), and the weight gradient, a sum over all
    (n, h, w) of x times dy's window, is X^T dY'_col on the same columns dY'_col of dy:
    it is the weight gradient dW' of that convolution, for the output gradient x,
    re-indexed from w' back to w (w' is a permutation of w's entries, so the gradient
    follows the inverse permutation). The separate products would unfold x and dy once
    each: this saves one unfolding and one transposed copy of dy.
    """
    in_hw = tuple(x.shape[2:])
    full = _full_correlation(w, g, tuple(dy.shape[2:]), in_hw)
    if full is None:
        return None
    flipped, g_full = full
    dx, dw_flipped = products(dy, g_full, in_hw, w=flipped, r=x)
    return dx, _flip(dw_flipped, g.groups)
