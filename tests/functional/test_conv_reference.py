"""The convolution engine equals its textbook reference, to second order.

Claims (scratch/functional/conv.py): ``conv2d`` (chunked GEMM layouts, the flipped-kernel
input gradient, one unfolding for both gradients) computes exactly what
``conv2d_reference`` (im2col and one matmul per group, differentiated by the autograd
engine) computes, and ``conv_transpose2d`` what ``conv_transpose2d_reference`` (one
matmul, then col2im) computes: values, first derivatives with and without a graph,
second derivatives, for every stride, padding, dilation and group count drawn; and the
reference itself is the product with the dense matrix M built from the definition.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional.conv import (
    conv2d,
    conv2d_matrix,
    conv2d_reference,
    conv_transpose2d,
    conv_transpose2d_reference,
)
from scratch.testing.reference import assert_matches_reference

# float64 sums of at most a few hundred products of numbers of size ~3, added in a
# different order by the two sides: rounding is ~1e-14, so 1e-10 is tight yet far from
# any real discrepancy (a wrong tap or a missing flip is O(1)).
TOL = 1e-10

CHUNKING = pytest.mark.parametrize("chunks", ["whole-batch", "per-image"])


def _working_set(chunks: str):
    """The default chunking (the batch at once at these sizes), or one image per chunk."""
    return backend.working_set(1 if chunks == "per-image" else backend.CPU_WORKING_SET)


@st.composite
def configs(draw):
    """A small convolution: every stride, padding, dilation and group count up to 3 (and
    an output_padding for the transposed one)."""
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    # stride 1 half the time: the default path (flipped kernel, fused backward) runs there
    s = draw(st.one_of(st.just((1, 1)), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    lo = [max(1, d[0] * (kh - 1) + 1 - 2 * p[0]), max(1, d[1] * (kw - 1) + 1 - 2 * p[1])]
    h, w = draw(st.integers(lo[0], lo[0] + 3)), draw(st.integers(lo[1], lo[1] + 3))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    return {
        "n": draw(st.integers(1, 3)),
        "c": groups * cg,
        "c_out": groups * og,
        "hw": (h, w),
        "k": (kh, kw),
        "stride": s,
        "padding": p,
        "dilation": d,
        "groups": groups,
        "output_padding": op,
    }


def _kw(cfg):
    return {k: cfg[k] for k in ("stride", "padding", "dilation", "groups")}


def _conv_arrays(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"]))
    w = rng.standard_normal((cfg["c_out"], cfg["c"] // cfg["groups"], *cfg["k"]))
    return x, w, rng.standard_normal(cfg["c_out"])


@CHUNKING
@given(cfg=configs(), seed=st.integers(0, 2**16))
def test_conv2d_engine_equals_the_im2col_reference(xp, chunks, cfg, seed):
    """conv2d == conv2d_reference: values, dx, dw, db (with and without a graph), and the
    second derivatives, whichever layout, shortcut and chunking the engine takes."""
    kw = _kw(cfg)
    with _working_set(chunks):
        assert_matches_reference(
            xp,
            lambda x, w, b: conv2d(x, w, b, **kw),
            lambda x, w, b: conv2d_reference(x, w, b, **kw),
            _conv_arrays(cfg, seed),
            seed,
            atol=TOL,
        )


@CHUNKING
@given(cfg=configs(), seed=st.integers(0, 2**16))
def test_conv_transpose2d_engine_equals_the_col2im_reference(xp, chunks, cfg, seed):
    """conv_transpose2d == conv_transpose2d_reference (output_padding included), to second
    order; configurations whose output would be empty are refused by both alike."""
    kw = dict(_kw(cfg), output_padding=cfg["output_padding"])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"]))
    w = rng.standard_normal((cfg["c"], cfg["c_out"] // cfg["groups"], *cfg["k"]))
    b = rng.standard_normal(cfg["c_out"])
    try:
        conv_transpose2d_reference(xp.asarray(x), xp.asarray(w), **kw)
    except ValueError as e:
        assert "padding" in str(e)
        with pytest.raises(ValueError, match="padding"):
            conv_transpose2d(xp.asarray(x), xp.asarray(w), **kw)
        return
    with _working_set(chunks):
        assert_matches_reference(
            xp,
            lambda x, w, b: conv_transpose2d(x, w, b, **kw),
            lambda x, w, b: conv_transpose2d_reference(x, w, b, **kw),
            [x, w, b],
            seed,
            atol=TOL,
        )


@pytest.mark.parametrize("constant", ["input", "weight"])
@given(cfg=configs(), seed=st.integers(0, 2**16))
def test_engine_equals_reference_when_only_one_operand_needs_a_gradient(xp, constant, cfg, seed):
    """With x or w constant the engine skips the fused backward (one unfolding for both
    gradients) and runs one product alone: still the reference's numbers, both ways."""
    x, w, _ = _conv_arrays(cfg, seed)
    kw = _kw(cfg)
    if constant == "weight":
        W = Tensor(xp.asarray(w))
        pair = (lambda x: conv2d(x, W, **kw), lambda x: conv2d_reference(x, W, **kw))
        arrays = [x]
    else:
        X = Tensor(xp.asarray(x))
        pair = (lambda w: conv2d(X, w, **kw), lambda w: conv2d_reference(X, w, **kw))
        arrays = [w]
    assert_matches_reference(xp, *pair, arrays, seed, atol=TOL)


@given(cfg=configs(), seed=st.integers(0, 2**16))
def test_the_reference_is_the_product_with_the_dense_matrix(xp, cfg, seed):
    """conv2d_reference(x)[n].ravel() == M @ x[n].ravel() with M from the definition (no
    im2col), so the reference is anchored independently of the code it checks."""
    x, w, b = _conv_arrays(cfg, seed)
    kw = _kw(cfg)
    y = backend.to_numpy(conv2d_reference(xp.asarray(x), xp.asarray(w), xp.asarray(b), **kw).data)
    M = backend.to_numpy(conv2d_matrix(x.shape[1:], xp.asarray(w), **kw))
    for n in range(x.shape[0]):
        want = M @ x[n].ravel() + np.repeat(b, y.shape[2] * y.shape[3])
        np.testing.assert_allclose(y[n].ravel(), want, rtol=0, atol=TOL)


def test_the_transposed_reference_is_the_transposed_matrix(xp):
    """conv_transpose2d_reference(v)[n].ravel() == M^T v[n].ravel() (stride 2, groups 2,
    dilation, output_padding), M the dense matrix of the convolution it is the adjoint of."""
    rng = np.random.default_rng(3)
    kw = {"stride": 2, "padding": (1, 0), "dilation": (1, 2), "groups": 2}
    w = rng.standard_normal((4, 1, 3, 2))  # conv 2 -> 4 channels; the transposed one 4 -> 2
    M = backend.to_numpy(conv2d_matrix((2, 7, 6), xp.asarray(w), **kw))
    v = rng.standard_normal((2, 4, 4, 2))  # conv's output size on a 7 x 6 input
    y = conv_transpose2d_reference(xp.asarray(v), xp.asarray(w), output_padding=(0, 1), **kw)
    y = backend.to_numpy(y.data)
    assert y.shape == (2, 2, 7, 6)
    for n in range(2):
        np.testing.assert_allclose(y[n].ravel(), M.T @ v[n].ravel(), rtol=0, atol=TOL)


def test_the_references_refuse_what_the_engine_refuses(xp):
    """Same checks, same messages: the reference and the engine share the argument checks."""
    x, w = xp.asarray(np.ones((1, 3, 4, 4))), xp.asarray(np.ones((2, 2, 3, 3)))
    for f in (conv2d, conv2d_reference):
        with pytest.raises(ValueError, match="divisible by groups=2"):
            f(x, w, groups=2)
    for f in (conv_transpose2d, conv_transpose2d_reference):
        with pytest.raises(ValueError, match="output_padding"):
            f(x, xp.asarray(np.ones((3, 2, 3, 3))), stride=2, output_padding=2)
