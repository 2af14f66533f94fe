"""Each convolution layout the engine picks equals the textbook reference on its own.

Claims (scratch/functional/_conv_products.py, ``_layout``): grouped stride-1
convolutions with at most 16 channels per group run on ``_DirectLayout`` (one GEMM per
kernel tap on the flattened image, no unfolding), other grouped stride-1 ones on
``_FlatLayout`` (unfolded channels-first columns), everything else on ``_Layout``
(unfolded channels-last columns); and each of them, over chunks of the batch whose last one is
shorter than the others (the reused R buffers are sliced), gives
``conv2d_reference``'s values and first and second derivatives. The drawn
configurations of tests/functional/test_conv_reference.py have at most 2 channels per
group, so ``_FlatLayout`` is only reached here.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.functional import _conv_products as P
from scratch.functional._im2col import geometry
from scratch.functional.conv import (
    conv2d,
    conv2d_reference,
    conv_transpose2d,
    conv_transpose2d_reference,
)
from scratch.testing.reference import assert_matches_reference

# float64, sums of at most ~400 products of O(1) numbers in another order: ~1e-13.
TOL = 1e-10

CASES = {
    # name: (C, C_out, groups, stride, the layout expected)
    "channels-last columns, ungrouped": (3, 2, 1, 1, P._Layout),
    "direct taps, 2 channels per group": (4, 6, 2, 1, P._DirectLayout),
    "flat columns, 17 channels per group": (34, 4, 2, 1, P._FlatLayout),
    "channels-last columns, stride 2": (3, 4, 1, 2, P._Layout),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_layout_follows_stride_groups_and_channels_per_group(case):
    """_layout picks the layout its docstring names for each kind of convolution."""
    c, c_out, groups, stride, expected = CASES[case]
    g = geometry(3, stride, 1, 1, groups)
    lay = P._layout(g, c_out, c, g.out_size(5, 6), (5, 6))
    assert type(lay) is expected


@pytest.mark.parametrize("case", list(CASES))
@given(seed=st.integers(0, 2**16), dilation=st.integers(1, 2), padding=st.integers(0, 2))
def test_each_layout_equals_the_reference_over_uneven_chunks(xp, case, seed, dilation, padding):
    """conv2d == conv2d_reference (values, dx, dw, db, second derivatives) on 3 images
    in chunks of 2 and 1: a working set of two images' temporaries of the layout."""
    c, c_out, groups, stride, expected = CASES[case]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, c, 5, 6))
    w = rng.standard_normal((c_out, c // groups, 3, 3)) * 0.5
    b = rng.standard_normal(c_out)
    kw = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    g = geometry(3, stride, padding, dilation, groups)
    out_hw = g.out_size(5, 6)
    per_image = P._layout(g, c_out, c, out_hw, (5, 6)).per_image
    with backend.working_set(2 * per_image * 8):
        assert_matches_reference(
            xp,
            lambda x, w, b: conv2d(x, w, b, **kw),
            lambda x, w, b: conv2d_reference(x, w, b, **kw),
            [x, w, b],
            seed,
            atol=TOL,
        )


@given(seed=st.integers(0, 2**16), output_padding=st.integers(0, 1))
def test_stride_one_transposed_conv_with_output_padding_equals_the_reference(
    xp, seed, output_padding
):
    """Dilation 2 allows output_padding with stride 1: the backward's convolution then
    has an output smaller than its geometry gives (the engine cuts it to dy's size)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(2)
    kw = {"stride": 1, "padding": 1, "dilation": 2, "output_padding": output_padding}
    assert_matches_reference(
        xp,
        lambda x, w, b: conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: conv_transpose2d_reference(x, w, b, **kw),
        [x, w, b],
        seed,
        atol=TOL,
    )


@st.composite
def subpixel_configs(draw):
    """Strides 2 or 3 dividing the kernel (T = 1 or 2 taps per phase), any padding up to
    past the stride (cells cut from dy), output_padding, uneven chunks."""
    s = (draw(st.integers(2, 3)), draw(st.integers(2, 3)))
    k = tuple(si * draw(st.integers(1, 2)) for si in s)
    p = tuple(draw(st.integers(0, ki)) for ki in k)
    op = tuple(draw(st.integers(0, si - 1)) for si in s)
    # the smallest input whose output (h - 1) s - 2 p + k + op is not empty
    lo = [max(1, 1 - (-(2 * pi - ki - oi + 1) // si)) for si, pi, ki, oi in zip(s, p, k, op)]
    hw = tuple(draw(st.integers(li, li + 3)) for li in lo)
    return {"stride": s, "kernel": k, "padding": p, "output_padding": op, "hw": hw}


@given(cfg=subpixel_configs(), seed=st.integers(0, 2**16), n=st.integers(1, 3))
def test_the_subpixel_transposed_conv_equals_the_reference(xp, cfg, seed, n):
    """Stride dividing the kernel: conv_transpose2d runs ``_subpixel.conv_t`` (one dense
    GEMM per chunk, then the pixel shuffle) and equals conv_transpose2d_reference, to
    second order, in chunks of one image; and so does the strided conv2d whose input
    gradient it is."""
    from scratch.functional import _subpixel

    s, k, p, op = cfg["stride"], cfg["kernel"], cfg["padding"], cfg["output_padding"]
    ho = [(h - 1) * si - 2 * pi + ki + oi for h, si, pi, ki, oi in zip(cfg["hw"], s, p, k, op)]
    assert min(ho) >= 1
    assert _subpixel.applies(geometry(k, s, p, 1, 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3, *cfg["hw"]))
    w = rng.standard_normal((3, 2, *k)) * 0.5
    b = rng.standard_normal(2)
    kw = {"stride": s, "padding": p, "output_padding": op}
    with backend.working_set(1):
        assert_matches_reference(
            xp,
            lambda x, w, b: conv_transpose2d(x, w, b, **kw),
            lambda x, w, b: conv_transpose2d_reference(x, w, b, **kw),
            [x, w, b],
            seed,
            atol=TOL,
        )
    y = rng.standard_normal((n, 2, *ho))
    wc = rng.standard_normal((3, 2, *k)) * 0.5
    if all(hi + 2 * pi >= ki for hi, pi, ki in zip(ho, p, k)):
        kc = {"stride": s, "padding": p}
        assert_matches_reference(
            xp,
            lambda y, w: conv2d(y, w, **kc),
            lambda y, w: conv2d_reference(y, w, **kc),
            [y, wc],
            seed,
            atol=TOL,
        )
