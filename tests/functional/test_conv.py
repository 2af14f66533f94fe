"""conv2d / conv_transpose2d / im2col / col2im / conv2d_matrix: the derivation's identities.

Claims (see scratch/functional/conv.py): conv2d is one product with the dense matrix M
built from the definition, conv_transpose2d is M^T, col2im is the adjoint of im2col,
a grouped convolution is g independent convolutions, and values and gradients (first
and second order) equal PyTorch's, whichever layout, fused backward and chunking of the
batch the products take.
"""

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional import _conv_products
from scratch.functional.conv import col2im, conv2d, conv2d_matrix, conv_transpose2d, im2col
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.parity import assert_matches_torch

# float64 sums of at most a few hundred products of numbers of size ~3: rounding is
# ~1e-14, so 1e-10 is tight yet far from any real discrepancy.
TOL = 1e-10


@st.composite
def conv_configs(draw, allow_same=True):
    """A small convolution: shapes, stride, padding, dilation, groups that fit together."""
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    if allow_same and (sh, sw) == (1, 1) and draw(st.booleans()):
        padding = draw(st.sampled_from(["same", "valid"]))
        ph = pw = 0 if padding == "valid" else None
    else:
        ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        padding = (ph, pw)
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    lo_h = max(1, ekh - 2 * (ph or 0)) if ph is not None else 1
    lo_w = max(1, ekw - 2 * (pw or 0)) if pw is not None else 1
    if padding == "valid":
        lo_h, lo_w = ekh, ekw
    h, w = draw(st.integers(lo_h, lo_h + 3)), draw(st.integers(lo_w, lo_w + 3))
    n = draw(st.integers(1, 2))
    return {
        "x": (n, groups * cg, h, w),
        "w": (groups * og, cg, kh, kw),
        "stride": (sh, sw),
        "padding": padding,
        "dilation": (dh, dw),
        "groups": groups,
    }


def _draw_arrays(xp, cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["x"])
    w = rng.standard_normal(cfg["w"])
    b = rng.standard_normal(cfg["w"][0])
    return x, w, b


def _kw(cfg):
    return {k: cfg[k] for k in ("stride", "padding", "dilation", "groups")}


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_conv2d_is_the_product_with_the_dense_matrix(xp, cfg, seed):
    """conv2d(x)[n].ravel() == M @ x[n].ravel(), M built from the definition (no im2col)."""
    x, w, _ = _draw_arrays(xp, cfg, seed)
    y = _np(conv2d(xp.asarray(x), xp.asarray(w), **_kw(cfg)))
    M = _np(conv2d_matrix(cfg["x"][1:], xp.asarray(w), **_kw(cfg)))
    for n in range(x.shape[0]):
        np.testing.assert_allclose(M @ x[n].ravel(), y[n].ravel(), rtol=0, atol=TOL)


@given(cfg=conv_configs(allow_same=False), seed=st.integers(0, 2**16))
def test_conv_transpose2d_is_the_transposed_matrix(xp, cfg, seed):
    """conv_transpose2d(y) == M^T y for the conv matrix M of the same weight and geometry."""
    x, w, _ = _draw_arrays(xp, cfg, seed)
    kw = _kw(cfg)
    y_shape = tuple(conv2d(xp.asarray(x), xp.asarray(w), **kw).shape)
    M = _np(conv2d_matrix(cfg["x"][1:], xp.asarray(w), **kw))
    y = np.random.default_rng(seed + 1).standard_normal(y_shape)
    # the output size that maps back to H: Ho = (Hy-1) s - 2p + d(k-1) + 1 + output_padding
    op = []
    for a, s, p, d, k in zip(
        cfg["x"][2:], kw["stride"], kw["padding"], kw["dilation"], cfg["w"][2:]
    ):
        op.append(a - ((y_shape[2 + len(op)] - 1) * s - 2 * p + d * (k - 1) + 1))
    xt = _np(
        conv_transpose2d(
            xp.asarray(y),
            xp.asarray(w),
            stride=kw["stride"],
            padding=kw["padding"],
            output_padding=tuple(op),
            groups=kw["groups"],
            dilation=kw["dilation"],
        )
    )
    assert xt.shape == x.shape
    for n in range(y_shape[0]):
        np.testing.assert_allclose(M.T @ y[n].ravel(), xt[n].ravel(), rtol=0, atol=TOL)


@given(cfg=conv_configs(allow_same=False), seed=st.integers(0, 2**16))
def test_transposed_conv_is_the_adjoint_of_conv(xp, cfg, seed):
    """<conv(x), y> == <x, conv_transpose(y)> for every stride/padding/dilation/groups."""
    x, w, _ = _draw_arrays(xp, cfg, seed)
    kw = _kw(cfg)
    cx = _np(conv2d(xp.asarray(x), xp.asarray(w), **kw))
    y = np.random.default_rng(seed + 2).standard_normal(cx.shape)
    op = [
        a - ((yo - 1) * s - 2 * p + d * (k - 1) + 1)
        for a, yo, s, p, d, k in zip(
            cfg["x"][2:], cx.shape[2:], kw["stride"], kw["padding"], kw["dilation"], cfg["w"][2:]
        )
    ]
    ty = _np(
        conv_transpose2d(
            xp.asarray(y),
            xp.asarray(w),
            None,
            kw["stride"],
            kw["padding"],
            tuple(op),
            kw["groups"],
            kw["dilation"],
        )
    )
    assert np.isclose(np.sum(cx * y), np.sum(x * ty), rtol=1e-12, atol=TOL)


@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_col2im_is_the_adjoint_of_im2col(xp, cfg, seed):
    """<im2col(x), Z> == <x, col2im(Z)>: a pixel in r windows receives r terms."""
    x, w, _ = _draw_arrays(xp, cfg, seed)
    args = (cfg["w"][2:], cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    cols = _np(im2col(xp.asarray(x), *args))
    Z = np.random.default_rng(seed + 3).standard_normal(cols.shape)
    back = _np(col2im(xp.asarray(Z), x.shape, *args))
    assert np.isclose(np.sum(cols * Z), np.sum(x * back), rtol=1e-12, atol=TOL)


@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_grouped_conv_is_the_concatenation_of_per_group_convs(xp, cfg, seed):
    """groups=g equals g separate convolutions on channel slices, outputs concatenated."""
    x, w, b = _draw_arrays(xp, cfg, seed)
    g = cfg["groups"]
    kw = _kw(cfg) | {"groups": 1}
    y = _np(conv2d(xp.asarray(x), xp.asarray(w), xp.asarray(b), **_kw(cfg)))
    cg, og = x.shape[1] // g, w.shape[0] // g
    parts = [
        _np(
            conv2d(
                xp.asarray(x[:, i * cg : (i + 1) * cg]),
                xp.asarray(w[i * og : (i + 1) * og]),
                xp.asarray(b[i * og : (i + 1) * og]),
                **kw,
            )
        )
        for i in range(g)
    ]
    np.testing.assert_allclose(y, np.concatenate(parts, axis=1), rtol=0, atol=TOL)


def test_grouped_conv_has_k2_cin_cout_over_g_weights():
    """Parameter count of a grouped layer is k^2 C_in C_out / g (+ C_out for the bias)."""
    from scratch import nn

    for g in (1, 2, 4, 8):
        layer = nn.Conv2d(8, 16, 3, groups=g, bias=False)
        assert sum(p.size for p in layer.parameters()) == 9 * 8 * 16 // g


def test_depthwise_conv_filters_each_channel_alone(xp):
    """groups = C_in: output channel c sees only input channel c."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 5, 5))
    w = rng.standard_normal((3, 1, 3, 3))
    y = _np(conv2d(xp.asarray(x), xp.asarray(w), padding=1, groups=3))
    x2 = x.copy()
    x2[:, 1] += 10.0
    y2 = _np(conv2d(xp.asarray(x2), xp.asarray(w), padding=1, groups=3))
    np.testing.assert_array_equal(y[:, [0, 2]], y2[:, [0, 2]])
    assert not np.allclose(y[:, 1], y2[:, 1])


# ----------------------------------------------------------------------------------------
# oracle: PyTorch, values and gradients of first and second order
# ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _chunked(mode: str):
    """How the products split the batch: 'whole-batch' (the default working set),
    'per-image' (a 1-byte working set: one image per chunk), or 'pairs' (chunks of two
    images, so a batch of three ends with a smaller chunk)."""
    old_chunks = _conv_products._chunks
    if mode == "pairs":
        _conv_products._chunks = lambda n, per_image, like: [
            slice(lo, min(lo + 2, n)) for lo in range(0, n, 2)
        ]
    try:
        with backend.working_set(1 if mode == "per-image" else backend.CPU_WORKING_SET):
            yield
    finally:
        _conv_products._chunks = old_chunks


def _torch_compare(xp, ours, theirs, arrays, seed):
    """Values, first derivatives with and without a graph (the fused backward), second
    derivatives: all against torch."""
    pytest.importorskip("torch")
    assert_matches_torch(xp, ours, theirs, arrays, seed, atol=TOL)


CHUNKING = pytest.mark.parametrize("chunked", ["whole-batch", "per-image"])


@CHUNKING
@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_conv2d_values_and_gradients_equal_pytorch(xp, chunked, cfg, seed):
    """Forward, dL/dx, dL/dw, dL/db and second derivatives against torch.nn.functional.conv2d."""
    torch = pytest.importorskip("torch")
    kw = _kw(cfg)
    with _chunked(chunked):
        _torch_compare(
            xp,
            lambda x, w, b: conv2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
            _draw_arrays(xp, cfg, seed),
            seed,
        )


@CHUNKING
@given(cfg=conv_configs(allow_same=False), seed=st.integers(0, 2**16), data=st.data())
def test_conv_transpose2d_values_and_gradients_equal_pytorch(xp, chunked, cfg, seed, data):
    """conv_transpose2d with output_padding against torch, first and second order."""
    torch = pytest.importorskip("torch")
    n, cin, h, w_ = cfg["x"]
    g = cfg["groups"]
    cout_g = cfg["w"][0] // g
    weight_shape = (cin, cout_g) + cfg["w"][2:]
    s, d = cfg["stride"], cfg["dilation"]
    op = tuple(data.draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    rng = np.random.default_rng(seed)
    arrays = [
        rng.standard_normal((n, cin, h, w_)),
        rng.standard_normal(weight_shape),
        rng.standard_normal(cout_g * g),
    ]
    kw = {"stride": s, "padding": cfg["padding"], "output_padding": op, "groups": g, "dilation": d}
    ho = (h - 1) * s[0] - 2 * cfg["padding"][0] + d[0] * (cfg["w"][2] - 1) + op[0] + 1
    wo = (w_ - 1) * s[1] - 2 * cfg["padding"][1] + d[1] * (cfg["w"][3] - 1) + op[1] + 1
    if ho < 1 or wo < 1:
        with pytest.raises(ValueError, match="padding"):
            conv_transpose2d(xp.asarray(arrays[0]), xp.asarray(arrays[1]), **kw)
        return
    with _chunked(chunked):
        _torch_compare(
            xp,
            lambda x, w, b: conv_transpose2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
            arrays,
            seed,
        )


@pytest.mark.parametrize("chunked", ["whole-batch", "per-image", "pairs"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("groups, c_out", [(1, 6), (2, 6), (6, 6), (3, 12)])
def test_every_product_layout_equals_pytorch(xp, chunked, stride, groups, c_out):
    """Each layout against torch, in both directions: channels-last GEMMs (dense, and a
    batch per group for strided grouped convs), the channels-first columns of grouped
    stride-1 convs (depthwise included), the stride-1 input gradient as a convolution
    with the flipped kernel and the fused backward, and col2im for strides > 1."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(groups + c_out + stride)
    x = rng.standard_normal((3, 6, 7, 5))
    w = rng.standard_normal((c_out, 6 // groups, 3, 2))
    b = rng.standard_normal(c_out)
    kw = {"stride": (stride, 1), "padding": (1, 1), "dilation": (1, 2), "groups": groups}
    with _chunked(chunked):
        _torch_compare(
            xp,
            lambda x, w, b: conv2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
            [x, w, b],
            0,
        )
        wt = rng.standard_normal((6, c_out // groups, 3, 2))
        _torch_compare(
            xp,
            lambda x, w, b: conv_transpose2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
            [x, wt, b],
            1,
        )


def test_conv_gradcheck_and_gradgradcheck(xp):
    """Central differences agree with reverse mode for conv2d and conv_transpose2d, twice."""
    rng = np.random.default_rng(1)
    x = Tensor(xp.asarray(rng.standard_normal((1, 2, 4, 3))), requires_grad=True)
    w = Tensor(xp.asarray(rng.standard_normal((2, 1, 2, 2))), requires_grad=True)
    b = Tensor(xp.asarray(rng.standard_normal(2)), requires_grad=True)

    def f(x, w, b):
        return conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)

    def ft(x, w, b):
        return conv_transpose2d(x, w, b, stride=2, padding=(0, 1), output_padding=1, groups=2)

    for fn in (f, ft):
        assert gradcheck(fn, [x, w, b])
        assert gradgradcheck(fn, [x, w, b])


def test_float32_stays_float32(xp32):
    x = xp32.asarray(np.ones((1, 2, 5, 5)), dtype=xp32.float32)
    w = xp32.asarray(np.ones((3, 2, 3, 3)), dtype=xp32.float32)
    assert conv2d(x, w, padding=1).dtype == xp32.float32
    wt = xp32.asarray(np.ones((2, 3, 3, 3)), dtype=xp32.float32)
    assert conv_transpose2d(x, wt, stride=2).dtype == xp32.float32


# ----------------------------------------------------------------------------------------
# bad configurations
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, match",
    [
        ((1, 2, 3, 3), (2, 2, 5, 5), {}, "larger than the padded input"),
        ((1, 2, 3, 3), (2, 2, 3, 3), {"dilation": 2}, "larger than the padded input"),
        ((1, 3, 5, 5), (2, 1, 3, 3), {"groups": 2}, "divisible by groups"),
        ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, "divisible by groups"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"padding": -1}, "padding must be a non-negative"),
        ((1, 2, 5, 5), (2, 3, 3, 3), {}, "weight must have shape"),
        ((1, 2, 5, 5), (2, 2, 3), {}, "weight must be 4-D"),
        ((2, 5, 5), (2, 2, 3, 3), {"stride": 0}, "stride must be a positive"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"stride": 2, "padding": "same"}, "needs stride 1"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"padding": "full"}, "padding must be"),
        ((5, 5), (2, 2, 3, 3), {}, r"input must be 4-D"),
        ((2, 0, 5, 5), (2, 0, 3, 3), {}, "must not be empty"),
    ],
)
def test_conv2d_refuses_bad_configurations(xp, x_shape, w_shape, kwargs, match):
    x = xp.asarray(np.ones(x_shape))
    with pytest.raises(ValueError, match=match):
        conv2d(x, xp.asarray(np.ones(w_shape)), **kwargs)


def test_conv2d_refuses_bad_bias_dtype_and_mixed_backends(xp):
    x = xp.asarray(np.ones((1, 2, 4, 4)))
    w = xp.asarray(np.ones((3, 2, 3, 3)))
    with pytest.raises(ValueError, match="bias must have shape"):
        conv2d(x, w, xp.asarray(np.ones(2)))
    with pytest.raises(TypeError, match="real floating"):
        conv2d(xp.asarray(np.ones((1, 2, 4, 4), dtype=np.int64)), w)
    if xp.name != "numpy":
        with pytest.raises(backend.BackendError, match="input, weight"):
            conv2d(x, np.ones((3, 2, 3, 3)))


def test_conv_transpose2d_refuses_bad_configurations(xp):
    x = xp.asarray(np.ones((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, xp.asarray(np.ones((2, 1, 3, 3))), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="weight must have shape"):
        conv_transpose2d(x, xp.asarray(np.ones((3, 1, 3, 3))))
    with pytest.raises(ValueError, match="divisible by groups"):
        conv_transpose2d(
            xp.asarray(np.ones((1, 3, 3, 3))), xp.asarray(np.ones((3, 1, 3, 3))), groups=2
        )
    with pytest.raises(ValueError, match="padding"):
        conv_transpose2d(x, xp.asarray(np.ones((2, 1, 1, 1))), padding=2)


def test_conv2d_matrix_documents_its_convention(xp):
    """Row o Ho Wo + p Wo + q, column c H W + h W + w: a 1x1 identity kernel gives I."""
    M = _np(conv2d_matrix((2, 3, 3), xp.asarray(np.eye(2).reshape(2, 2, 1, 1))))
    np.testing.assert_array_equal(M, np.eye(18))
