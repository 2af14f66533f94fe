r"""Strided conv_t (the transposed convolution) as ONE dense GEMM per chunk, no col2im.

conv_t(dy, w) adds every dy[n, o, p, q] w[o, c, i, j] into dx[n, c, h, v] at
h = p s_h + i - p_top (and v alike; dilation 1). Split the output rows by their phase:
with u = h + p_top = s_h m + a, a < s_h, the taps that reach u are i = a + s_h t and they
come from p = m - t. So with T_h = kh / s_h taps per phase and the window
p = m - T_h + 1 + r, r < T_h (the same T_h rows of dy for EVERY phase a),

    dx[n, c, s_h m + a - p_top, s_w m' + b - p_left]
        = sum_{r, r', o} dy[n, o, m - T_h + 1 + r, m' - T_w + 1 + r'] W[(r, r', o), (a, b, c)],
    W[(r, r', o), (a, b, c)] = w[o, c, a + s_h (T_h - 1 - r), b + s_w (T_w - 1 - r')],

a stride-1 T_h x T_w unfolding of dy (zero outside it) times a dense
(T_h T_w C_out, s_h s_w C) matrix: the columns (a, b, c) of row (n, m, m') are the
s_h s_w output pixels of one cell, and the "pixel shuffle" (m, a) -> s_h m + a puts them
in place (one copy, cut to the H x W image). Used when s divides k (then W has no zero
entries), dilation 1 and one group; ``conv_t`` in ``_conv_products`` falls back to the
GEMM + col2im otherwise.

Why: col2im adds kh kw strided slices of the (M, kh kw C) product into the image (16
slice-adds for the benchmark's k4 s2 conv_transpose2d: 3.6 ms of its 22 ms, the GEMM of
inner size C_out = 64 beside it). Here the adds happen inside the GEMM (inner size
T_h T_w C_out = 256) for 1.13x its arithmetic (the m grid runs one cell past the image).
"""

from __future__ import annotations

from .. import backend
from .. import profiling as _ph
from ._im2col import Geometry, unfold


def applies(g: Geometry) -> bool:
    """Stride > 1 dividing the kernel, dilation 1, one group."""
    return (
        (g.sh, g.sw) != (1, 1)
        and (g.dh, g.dw) == (1, 1)
        and g.groups == 1
        and g.kh % g.sh == 0
        and g.kw % g.sw == 0
    )


def _cells(k: int, s: int, p_before: int, size: int, n_in: int):
    """One axis: taps per phase T, cells m0..m0 + M - 1, and dy's rows p_lo..p_hi read.

    Output u = h + p_before in [p_before, p_before + size) lies in cell u // s; cell m
    reads dy rows m - T + 1 .. m, of which only 0 .. n_in - 1 exist (the rest are zero).
    Returns (T, m0, M, p_lo, crop, pad_before, pad_after): rows crop = [lo, hi) of dy are
    kept and padded by pad_before / pad_after zero rows to M + T - 1.
    """
    t = k // s
    m0, m1 = p_before // s, (p_before + size - 1) // s
    p_lo, p_hi = m0 - t + 1, m1
    lo, hi = max(p_lo, 0), min(p_hi, n_in - 1) + 1
    pad_before = lo - p_lo
    pad_after = (m1 - m0 + t) - pad_before - (hi - lo)
    return t, m0, m1 - m0 + 1, (lo, hi), pad_before, pad_after


def _phases(s: int, offset: int, size: int, cells: int):
    """(a, output slice, cell slice) for each phase a < s that has output rows, where
    dx[h] = cell (m, a) for h = s m + a - offset.

    offset (< s) is where pixel 0 sits in the cells; the pixel shuffle (m, a) -> s m + a
    is then s strided copies, each a slice of every s-th output row.
    """
    out = []
    for a in range(s):
        m_lo = 0 if a >= offset else 1
        m_hi = min(cells, -(-(size + offset - a) // s))
        h_lo = s * m_lo + a - offset
        if m_hi > m_lo:
            out.append((a, slice(h_lo, h_lo + s * (m_hi - m_lo - 1) + 1, s), slice(m_lo, m_hi)))
    return out


def weight_matrix(w, g: Geometry):
    """W (T_h T_w C_out, s_h s_w C) from w (C_out, C, kh, kw); see the module docstring."""
    xp = backend.namespace(w)
    c_out, c = w.shape[0], w.shape[1]
    th, tw = g.kh // g.sh, g.kw // g.sw
    w6 = xp.reshape(w, (c_out, c, th, g.sh, tw, g.sw))  # i = t s_h + a, j = t' s_w + b
    w6 = xp.flip(w6, axis=(2, 4))  # t -> r = T_h - 1 - t
    w6 = xp.permute_dims(w6, (2, 4, 0, 3, 5, 1))  # (r, r', o, a, b, c)
    return xp.reshape(w6, (th * tw * c_out, g.sh * g.sw * c))


def conv_t(dy, w, g: Geometry, in_hw, chunks, b=None):
    """dx = conv_t(dy, w) + b, (N, C_out, Ho, Wo) -> (N, H, W, C) (channels last).

    ``chunks(n, per_image, like)`` gives the slices of the batch (``_conv_products``'s
    cache-sized chunks). None when the cells read no row or column of dy (an output
    entirely in the padding): the caller's general path then runs.
    """
    xp = backend.namespace(dy, w)
    n, c_out, ho, wo = dy.shape
    c = w.shape[1]
    h, v = in_hw
    th, m0h, mh, rows, pt2, pb2 = _cells(g.kh, g.sh, g.pt, h, ho)
    tw, m0w, mw, cols, pl2, pr2 = _cells(g.kw, g.sw, g.pl, v, wo)
    if rows[1] <= rows[0] or cols[1] <= cols[0]:
        return None
    dy_in = dy[:, :, rows[0] : rows[1], cols[0] : cols[1]]
    g_win = Geometry(th, tw, 1, 1, 1, 1, pt2, pb2, pl2, pr2)
    w_mat = weight_matrix(w, g)
    phase_h = _phases(g.sh, g.pt - m0h * g.sh, h, mh)
    phase_w = _phases(g.sw, g.pl - m0w * g.sw, v, mw)
    dx = xp.empty((n, h, v, c), dtype=dy.dtype, device=backend.device_of(dy))
    per_image = mh * mw * (th * tw * c_out + g.sh * g.sw * c)
    slices = chunks(n, per_image, dy)
    step = slices[0].stop  # the columns of a chunk go into one buffer (see _Layout.columns)
    buffer = xp.empty((step, mh, mw, th, tw, c_out), dtype=dy.dtype, device=backend.device_of(dy))
    _ph.start()
    for sl in slices:
        nb = sl.stop - sl.start
        win = unfold(dy_in[sl, ...], g_win, (mh, mw), out=buffer[:nb, ...])
        x_col = xp.reshape(win, (nb * mh * mw, th * tw * c_out))
        _ph.mark("unfold")
        y = xp.matmul(x_col, w_mat)  # rows (n, m, m'), columns (a, b, c)
        _ph.mark("GEMM")
        y6 = xp.reshape(y, (nb, mh, mw, g.sh, g.sw, c))  # a view
        for a, h_sl, m_sl in phase_h:
            for a_w, v_sl, mw_sl in phase_w:
                dx[sl, h_sl, v_sl, :] = y6[:, m_sl, mw_sl, a, a_w, :]
        _ph.mark("layout")
        if b is not None:
            dx[sl, ...] += b
            _ph.mark("bias")
    return dx
