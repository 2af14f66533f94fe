"""Pooling with torch's whole argument lists: ceil_mode, return_indices, divisor_override.

Claims (scratch/functional/pool.py): ceil_mode rounds the output size up with torch's
rule (the last window starts inside the input or the left padding); return_indices
gives torch's int64 flat indices r W + c into each input plane; divisor_override
replaces the divisor; the average's divisor in ceil_mode counts only what lies in
[-p, H + p) (count_include_pad) or the real pixels. Values and gradients against torch,
over drawn configurations, for the functions and for nn.MaxPool2d / nn.AvgPool2d.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scratch import backend, nn
from scratch.autograd import Tensor
from scratch.functional.pool import avg_pool2d, max_pool2d
from scratch.testing.parity import assert_matches_torch

# float64 sums of at most 9 terms divided by a small integer: rounding ~1e-15.
TOL = 1e-10


@st.composite
def ceil_configs(draw, dilation=True):
    """Kernel, stride, padding (<= k/2, torch's rule), dilation and an input that fits."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, ekh - 2 * ph), ekh + 4))
    w = draw(st.integers(max(1, ekw - 2 * pw), ekw + 4))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ceil_mode = draw(st.booleans())
    return (n, c, h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil_mode


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


@given(cfg=ceil_configs(), seed=st.integers(0, 2**16))
def test_max_pool2d_with_ceil_mode_equals_torch_values_gradients_and_indices(xp, cfg, seed):
    torch = pytest.importorskip("torch")
    shape, k, s, p, d, ceil_mode = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    y, idx = max_pool2d(xp.asarray(x), k, s, p, d, ceil_mode, True)
    # a window that sees only padding (possible with dilation) has no arg max among the
    # pixels; torch then points at an arbitrary pixel, so such configurations are left out
    assume(np.isfinite(_np(y)).all())
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode, True)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_array_equal(backend.to_numpy(idx), it.numpy())
    assert_matches_torch(
        xp,
        lambda t: max_pool2d(t, k, s, p, d, ceil_mode),
        lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d, ceil_mode),
        [x],
        seed,
        atol=TOL,
        second_order=False,
    )


@given(
    cfg=ceil_configs(dilation=False),
    count_include_pad=st.booleans(),
    divisor_override=st.sampled_from([None, 1, 2, 5]),
    seed=st.integers(0, 2**16),
)
def test_avg_pool2d_with_ceil_mode_and_divisors_equals_torch(
    xp, cfg, count_include_pad, divisor_override, seed
):
    torch = pytest.importorskip("torch")
    shape, k, s, p, _, ceil_mode = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    args = (k, s, p, ceil_mode, count_include_pad, divisor_override)
    assert_matches_torch(
        xp,
        lambda t: avg_pool2d(t, *args),
        lambda t: torch.nn.functional.avg_pool2d(t, *args),
        [x],
        seed,
        atol=TOL,
        second_order=False,
    )


def test_ceil_mode_drops_a_last_window_that_would_start_in_the_right_padding(xp):
    """H = 5, k = 2, s = 2, p = 1: L = ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th window
    would start at (4 - 1) 2 - 1 = 5, in the right padding ((L - 1) s >= H + p), so torch
    keeps 3. With p = 0: L = ceil(3 / 2) + 1 = 3 windows at columns 0, 2, 4, the last
    holding one real pixel."""
    x = xp.asarray(np.arange(25.0).reshape(1, 1, 5, 5))
    assert max_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    y = max_pool2d(x, 2, 2, 0, ceil_mode=True)
    np.testing.assert_array_equal(_np(y)[0, 0, :, 2], [9.0, 19.0, 24.0])
    # the last window holds one real pixel: its mean divides by 1 without count_include_pad
    np.testing.assert_array_equal(_np(avg_pool2d(x, 2, 2, 0, True, False))[0, 0, 2, 2], 24.0)


def test_return_indices_of_an_unbatched_input_drop_the_batch_axis(xp):
    x = xp.asarray(np.array([[[1.0, 5.0, 2.0], [7.0, 0.0, 3.0], [4.0, 8.0, 6.0]]]))
    y, idx = max_pool2d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(_np(y), [[[7.0, 5.0], [8.0, 8.0]]])
    np.testing.assert_array_equal(backend.to_numpy(idx), [[[3, 1], [7, 7]]])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"divisor_override": 0}, "divisor_override must be a non-zero int"),
        ({"divisor_override": 1.5}, "divisor_override must be a non-zero int"),
        ({"ceil_mode": 1}, "ceil_mode must be a bool"),
        ({"count_include_pad": None}, "count_include_pad must be a bool"),
    ],
)
def test_avg_pool2d_refuses_malformed_options(xp, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        avg_pool2d(xp.asarray(np.ones((1, 1, 4, 4))), 2, **kwargs)


def test_max_pool2d_refuses_a_return_indices_that_is_not_a_bool(xp):
    with pytest.raises(TypeError, match="return_indices must be a bool"):
        max_pool2d(xp.asarray(np.ones((1, 1, 4, 4))), 2, return_indices="yes")


@given(cfg=ceil_configs(), seed=st.integers(0, 2**16))
def test_pooling_layers_take_torchs_arguments_with_torchs_meaning(xp, cfg, seed):
    torch = pytest.importorskip("torch")
    shape, k, s, p, d, ceil_mode = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    ours = nn.MaxPool2d(k, s, p, d, True, ceil_mode)
    theirs = torch.nn.MaxPool2d(k, s, p, d, True, ceil_mode)
    (y, idx), (yt, it) = ours(Tensor(xp.asarray(x))), theirs(torch.tensor(x))
    assume(np.isfinite(_np(y)).all())
    np.testing.assert_allclose(_np(y), yt.numpy(), rtol=0, atol=TOL)
    np.testing.assert_array_equal(backend.to_numpy(idx), it.numpy())
    ours = nn.AvgPool2d(k, s, p, ceil_mode, False, 3)
    theirs = torch.nn.AvgPool2d(k, s, p, ceil_mode, False, 3)
    np.testing.assert_allclose(
        _np(ours(Tensor(xp.asarray(x)))), theirs(torch.tensor(x)).numpy(), rtol=0, atol=TOL
    )
