r"""The raw products behind conv2d and conv_transpose2d, a chunk of the batch at a time.

conv(x, w) = X_col W_col, conv_t(dy, w) = col2im(dY W_col^T), conv_w(x, dy) = X_col^T dY
(derived in ``conv.py``, which wraps them as Functions). Here: the GEMM layouts
(channels-last columns, a batch of one GEMM per group; for grouped stride-1
convolutions one GEMM per kernel tap on slices of the flattened image, or channels-first
``unfold_flat`` columns beyond 16 channels per group; ``_layout`` chooses), the
cache-sized chunks of the batch, the stride-1 input gradient as a convolution with the
flipped kernel, the strided one as a sub-pixel GEMM (``_subpixel``), and both gradients
from one unfolding. Everything works on raw arrays of
any backend. The steps mark their phases for ``scratch bench --profile`` (``scratch.profiling``).
"""

from __future__ import annotations

from .. import backend
from .. import profiling as _ph
from . import _subpixel
from ._im2col import Geometry, _pad, fold_channels_last, unfold, unfold_flat


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
    docstring. y is kept channels last, (N, Ho, Wo, g, C_out/g).
    """

    def __init__(self, g: Geometry, c_out: int, c_in: int, out_hw: tuple[int, int]):
        self.g, self.groups, self.c_out, self.c_in = g, g.groups, c_out, c_in
        self.og, self.cg, self.k = c_out // g.groups, c_in // g.groups, g.kh * g.kw
        self.out_hw = tuple(out_hw)
        self.per_image = out_hw[0] * out_hw[1] * self.k * c_in  # numbers of X_col per image
        self.buffer = None  # X_col of one chunk (one group), reused by the next chunks

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

    def bias(self, b):
        return backend.namespace(b).reshape(b, (self.groups, 1, self.og))

    def output(self, n: int, like):
        xp = backend.namespace(like)
        shape = (n,) + self.out_hw + (self.groups, self.og)
        return xp.empty(shape, dtype=like.dtype, device=backend.device_of(like))

    def columns(self, x):
        """X_col of a chunk of images (g, M, K C/g), M = nb Ho Wo: ``unfold``'s one copy.

        With one group the copy goes into a buffer kept for the next chunks. Measured
        (numpy, the benchmark's 64 -> 64 3x3 columns of 2 images, 4.7 MB, 4 chunks, best
        of 15): 1.7-2.3 ms into fresh arrays, 0.28 ms into one reused buffer. A fresh
        array that large is new memory from the kernel on every chunk, and the copy
        then runs at the speed of its page faults.
        """
        xp = backend.namespace(x)
        nb = x.shape[0]
        rows = nb * self.out_hw[0] * self.out_hw[1]
        out = None
        if self.groups == 1:
            if self.buffer is None or self.buffer.shape[0] < nb:
                shape = (nb,) + self.out_hw + (self.g.kh, self.g.kw, self.c_in)
                self.buffer = xp.empty(shape, dtype=x.dtype, device=backend.device_of(x))
            out = self.buffer[:nb, ...]
        windows = unfold(x, self.g, self.out_hw, out=out)
        cols = xp.reshape(windows, (rows, self.groups, self.k * self.cg))
        return xp.permute_dims(cols, (1, 0, 2))

    def apply(self, cols, w_col):
        return backend.namespace(cols).matmul(cols, w_col)  # (g, M, C_out/g)

    def store(self, y, sl: slice, y_c):
        """Rows (g, M, C_out/g) of images sl into y, channels last."""
        xp = backend.namespace(y_c)
        y5 = xp.reshape(y_c, (self.groups, sl.stop - sl.start) + self.out_hw + (self.og,))
        y[sl, ...] = xp.permute_dims(y5, (1, 2, 3, 0, 4))

    def weight_part(self, cols, r):
        r_rows = self.rows(r)
        _ph.mark("layout")
        return _at_b(cols, r_rows)  # (g, K C/g, C_out/g)

    def finish(self, y):
        xp = backend.namespace(y)
        return _channels_first(xp.reshape(y, (y.shape[0],) + self.out_hw + (self.c_out,)))

    def rows(self, dy):
        """dY of a chunk (nb, C_out, Ho, Wo) as GEMM rows (g, M, C_out/g)."""
        xp = backend.namespace(dy)
        nb, _, ho, wo = dy.shape
        dy5 = xp.permute_dims(xp.reshape(dy, (nb, self.groups, self.og, ho, wo)), (1, 0, 3, 4, 2))
        rows = xp.empty(dy5.shape, dtype=dy.dtype, device=backend.device_of(dy))
        backend.assign_transposed(rows, (slice(None),) * 5, dy5)  # NCHW dy: blocks of channels
        return xp.reshape(rows, (self.groups, -1, self.og))

    def windows(self, d_cols, nb: int):
        """dX_col (g, M, K C/g) as the windows fold takes: (nb, Ho, Wo, g, K, C/g)."""
        xp = backend.namespace(d_cols)
        d6 = xp.reshape(d_cols, (self.groups, nb) + self.out_hw + (self.k, self.cg))
        return xp.permute_dims(d6, (1, 2, 3, 0, 4, 5))


class _FlatLayout:
    """Grouped stride-1 convolutions on ``unfold_flat``'s channels-first columns.

    A group's channels are contiguous: per image and group the product is
    (C_out/g, K C/g) @ (K C/g, Ho Wp), a wide GEMM, and y comes out (N, C_out, Ho, Wo)
    once the Wp - Wo extra columns are cut off. The weight gradient takes R on the
    same wide grid, zero in the extra columns, so the discarded outputs add nothing.
    Measured on the benchmark's g = 8 convolution: 1.6x faster than one GEMM per group on
    channels-last columns, whose copies move runs of only C/g numbers.
    """

    def __init__(self, g: Geometry, c_out: int, c_in: int, out_hw: tuple[int, int], wp: int):
        self.g, self.groups, self.c_out, self.c_in = g, g.groups, c_out, c_in
        self.og, self.cg, self.k = c_out // g.groups, c_in // g.groups, g.kh * g.kw
        self.out_hw, self.wp = tuple(out_hw), wp
        self.per_image = c_in * self.k * out_hw[0] * wp  # numbers of the columns per image
        self.r_wide = None  # R on the wide grid, allocated once, zero past Wo

    def weight_columns(self, w):
        return backend.namespace(w).reshape(w, (self.groups, self.og, self.cg * self.k))

    def weight_from_columns(self, acc):
        shape = (self.c_out, self.cg, self.g.kh, self.g.kw)
        return backend.namespace(acc).reshape(acc, shape)

    def bias(self, b):
        return backend.namespace(b).reshape(b, (self.groups, self.og, 1))

    def output(self, n: int, like):
        xp = backend.namespace(like)
        shape = (n, self.groups, self.og) + self.out_hw
        return xp.empty(shape, dtype=like.dtype, device=backend.device_of(like))

    def columns(self, x):
        return unfold_flat(x, self.g, self.out_hw)  # (nb, g, K C/g, Ho Wp)

    def apply(self, cols, w_mat):
        return backend.namespace(cols).matmul(w_mat, cols)  # (nb, g, C_out/g, Ho Wp)

    def store(self, y, sl: slice, y_c):
        xp = backend.namespace(y_c)
        ho, wo = self.out_hw
        y_wide = xp.reshape(y_c, (sl.stop - sl.start, self.groups, self.og, ho, self.wp))
        y[sl, ...] = y_wide[..., :wo]

    def wide_rows(self, r):
        """R of a chunk (nb, C_out, Ho, Wo) on the wide grid (nb, g, C_out/g, Ho Wp), zero
        in the Wp - Wo extra columns (a buffer allocated once, zeroed once)."""
        xp = backend.namespace(r)
        nb, (ho, wo) = r.shape[0], self.out_hw
        if self.r_wide is None or self.r_wide.shape[0] < nb:
            shape = (nb, self.groups, self.og, ho, self.wp)
            self.r_wide = xp.zeros(shape, dtype=r.dtype, device=backend.device_of(r))
        self.r_wide[:nb, ..., :wo] = xp.reshape(r, (nb, self.groups, self.og, ho, wo))
        _ph.mark("layout")
        return xp.reshape(self.r_wide[:nb, ...], (nb, self.groups, self.og, ho * self.wp))

    def weight_part(self, cols, r):
        xp = backend.namespace(cols, r)
        r_rows = self.wide_rows(r)
        return xp.sum(xp.matmul(r_rows, xp.matrix_transpose(cols)), axis=0)

    def finish(self, y):
        return backend.namespace(y).reshape(y, (y.shape[0], self.c_out) + self.out_hw)


class _DirectLayout(_FlatLayout):
    r"""Grouped stride-1 convolutions with few channels per group, without unfolding.

    On ``unfold_flat``'s grid (the padded image flattened row by row, width Wp), tap
    (i, j) of all the outputs p Wp + q reads ONE contiguous run, xflat[c, o_ij + p Wp + q]
    with o_ij = i d_h Wp + j d_w, so per image and group

        y_wide = sum_{i, j} W[:, :, i, j] xflat[:, o_ij : o_ij + Ho Wp]
                 (C_out/g, C/g) @ (C/g, Ho Wp), the right operand a slice (a view),

    and the weight gradient per tap is dW[:, :, i, j] = sum_n R_wide xflat[:, o_ij : ...]^T.
    No columns are copied, for kh kw GEMMs of inner size C/g and kh kw - 1 additions
    of y_wide. Measured (numpy, the benchmark's g = 8, C/g = 8, N = 8 forward, best of
    20 on the shared 2-core machine): 1.65-1.75 ms against 5.0-11.8 ms for the
    unfolded ``_FlatLayout`` (whose copy of the columns is kh kw times the input); with
    C/g = 64 (groups = 1) the two were even, so ``products`` takes it up to C/g = 16.
    """

    def __init__(self, g: Geometry, c_out: int, c_in: int, out_hw: tuple[int, int], wp: int):
        super().__init__(g, c_out, c_in, out_hw, wp)
        hp = out_hw[0] + g.dh * (g.kh - 1) + 1  # padded rows (at least), for the chunk size
        self.per_image = c_in * hp * wp + c_out * out_hw[0] * wp
        self.offsets = [i * g.dh * wp + j * g.dw for i in range(g.kh) for j in range(g.kw)]

    def weight_columns(self, w):
        """w (C_out, C/g, kh, kw) -> the taps (K, g, C_out/g, C/g), one matrix per tap."""
        xp = backend.namespace(w)
        w4 = xp.reshape(w, (self.groups, self.og, self.cg, self.k))
        return xp.permute_dims(w4, (3, 0, 1, 2))

    def weight_from_columns(self, acc):
        """(g, C_out/g, C/g, K) -> (C_out, C/g, kh, kw)."""
        shape = (self.c_out, self.cg, self.g.kh, self.g.kw)
        return backend.namespace(acc).reshape(acc, shape)

    def columns(self, x):
        """The padded chunk, flattened per channel: (nb, g, C/g, (Ho + d_h (kh - 1) + 1) Wp)."""
        xp = backend.namespace(x)
        xpad = _pad(x, self.g, 0.0, spatial=(2, 3), extra_rows=1)
        _ph.mark("layout")
        nb, flat_len = x.shape[0], xpad.shape[2] * xpad.shape[3]
        return xp.reshape(xpad, (nb, self.groups, self.cg, flat_len))

    def _tap(self, flat, t: int):
        length = self.out_hw[0] * self.wp
        return flat[..., self.offsets[t] : self.offsets[t] + length]

    def apply(self, flat, w_taps):
        xp = backend.namespace(flat)
        y = xp.matmul(w_taps[0, ...], self._tap(flat, 0))  # (nb, g, C_out/g, Ho Wp)
        for t in range(1, self.k):
            y += xp.matmul(w_taps[t, ...], self._tap(flat, t))
        return y

    def weight_part(self, flat, r):
        xp = backend.namespace(flat, r)
        r_rows = self.wide_rows(r)
        taps = [
            xp.sum(xp.matmul(r_rows, xp.matrix_transpose(self._tap(flat, t))), axis=0)
            for t in range(self.k)
        ]
        return xp.stack(taps, axis=-1)  # (g, C_out/g, C/g, K)


def _at_b(a, d):
    """a^T d for tall a (..., M, K) and d (..., M, C_out).

    OpenBLAS runs A^T dY up to 20x slower when its output has fewer rows than columns
    (measured: A^T (64, 8192), dY (8192, 512)): then form (dY^T A)^T, the same numbers.
    """
    xp = backend.namespace(a, d)
    if a.shape[-1] < d.shape[-1]:
        return xp.matrix_transpose(xp.matmul(xp.matrix_transpose(d), a))
    return xp.matmul(xp.matrix_transpose(a), d)


def _layout(g: Geometry, c_out: int, c_in: int, out_hw, in_hw):
    """The GEMM layout for a convolution: direct taps for grouped stride-1 convolutions
    with at most 16 channels per group, channels-first columns for the other grouped
    stride-1 ones, channels-last columns otherwise (the measurements in their docstrings).

    Measured and not taken: the direct taps for ungrouped convolutions too, on the
    channels-last image flattened to rows (kh kw GEMMs (rows, C) @ (C, C_out) on row
    slices, no columns copied). On the benchmark's 64 -> 64 3x3 forward + backward,
    interleaved with the unfolded ``_Layout`` in one process: 0.83-0.90x its time at
    best, but 1.3-3.8x in the median on the loaded 2-core machine. Each of the 9x more
    GEMM calls ends in a barrier of OpenBLAS's two threads, and with a core taken by
    another process each barrier waits for the scheduler. The grouped taps are small
    enough for OpenBLAS to run them on one thread, so they do not wait (median 0.42x).
    """
    wp = in_hw[1] + g.pl + g.pr
    if (g.sh, g.sw) == (1, 1) and g.groups > 1:
        wide = _DirectLayout if c_in // g.groups <= 16 else _FlatLayout
        return wide(g, c_out, c_in, out_hw, wp)
    return _Layout(g, c_out, c_in, out_hw)


def products(x, g: Geometry, out_hw, w=None, b=None, r=None):
    """One pass over the unfolding of x, chunk by chunk, for up to two products.

    y = X_col W_col + b (the convolution, when ``w`` is given), (N, C_out, Ho, Wo), and
    dW = X_col^T R (its weight gradient for the output gradient ``r``, when given),
    (C_out, C/g, kh, kw); both from the same columns when both are asked for. Grouped
    stride-1 convolutions use the channels-first ``_FlatLayout``, all others ``_Layout``.
    """
    c_out, c_in = (w.shape[0] if w is not None else r.shape[1]), x.shape[1]
    lay = _layout(g, c_out, c_in, out_hw, tuple(x.shape[2:]))
    n = x.shape[0]
    y = acc = None
    if w is not None:
        w_op, b_op, y = lay.weight_columns(w), None if b is None else lay.bias(b), lay.output(n, x)
    _ph.start()
    for sl in _chunks(n, lay.per_image, x):
        cols = lay.columns(x[sl, ...])
        _ph.mark("unfold")
        if w is not None:
            y_c = lay.apply(cols, w_op)
            _ph.mark("GEMM")
            if b_op is not None:
                y_c += b_op
                _ph.mark("bias")
            lay.store(y, sl, y_c)
            _ph.mark("layout")
        if r is not None:
            part = lay.weight_part(cols, r[sl, ...])
            acc = part if acc is None else acc + part
            _ph.mark("GEMM")
    return (
        None if y is None else lay.finish(y),
        None if acc is None else lay.weight_from_columns(acc),
    )


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
    about 1.7x faster than the GEMM and the kh kw slice-adds of col2im. With a stride
    that divides the kernel it is one dense GEMM per chunk and a pixel shuffle
    (``_subpixel``): measured on the benchmark's conv_transpose2d (k4 s2 p1, 64 -> 32,
    16x16 -> 32x32, N = 32, float32), old and new interleaved in one process, 12 rounds:
    forward 4.5 ms against 9.7 ms, forward + backward 16.7 ms against 23.8 ms. The bias (of
    conv_transpose2d) is added to each chunk while it is in cache.
    """
    full = _full_correlation(w, g, tuple(dy.shape[2:]), in_hw)
    if full is not None:
        return conv(dy, full[0], b, full[1], in_hw)
    if _subpixel.applies(g):
        dx = _subpixel.conv_t(dy, w, g, in_hw, _chunks, b)
        if dx is not None:
            return _channels_first(dx)
    xp = backend.namespace(dy, w)
    lay = _Layout(g, w.shape[0], w.shape[1] * g.groups, tuple(dy.shape[2:]))
    w_col_t = xp.matrix_transpose(lay.weight_columns(w))
    n = dy.shape[0]
    dx = xp.empty((n,) + tuple(in_hw) + (lay.c_in,), dtype=dy.dtype, device=backend.device_of(dy))
    _ph.start()
    for sl in _chunks(n, lay.per_image, dy):
        dy_rows = lay.rows(dy[sl, ...])
        _ph.mark("layout")
        d_cols = xp.matmul(dy_rows, w_col_t)  # (g, M, K C/g)
        _ph.mark("GEMM")
        windows = lay.windows(d_cols, sl.stop - sl.start)
        dx_c = fold_channels_last(windows, g, in_hw)  # a fresh array: the bias goes in place
        _ph.mark("fold")
        if b is not None:
            dx_c += b
            _ph.mark("bias")
        dx[sl, ...] = dx_c
        _ph.mark("layout")
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
