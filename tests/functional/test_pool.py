"""max_pool2d / avg_pool2d / adaptive_avg_pool2d: PyTorch's values and gradients.

Claims (scratch/functional/pool.py): max pooling pads with -inf and sends the gradient
to the first arg max of each window; average pooling divides by kh kw or by the count
of real pixels; adaptive pooling is A_h x A_w^T with PyTorch's bins.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.parity import assert_matches_torch

# float64 sums of at most 9 terms: rounding ~1e-15.
TOL = 1e-10


@st.composite
def pool_configs(draw, dilation=True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))  # torch: <= k/2
    h = draw(st.integers(max(1, ekh - 2 * ph), ekh + 3))
    w = draw(st.integers(max(1, ekw - 2 * pw), ekw + 3))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return (n, c, h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw)


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def _compare(xp, ours, theirs, x, seed):
    """Values and the first derivative (no graph of it) against torch."""
    pytest.importorskip("torch")
    assert_matches_torch(xp, ours, theirs, [x], seed, atol=TOL, second_order=False)


@given(cfg=pool_configs(), seed=st.integers(0, 2**16))
def test_max_pool2d_values_and_gradient_equal_pytorch(xp, cfg, seed):
    """Values, and the gradient routed to the arg max (pixels in several windows add up)."""
    torch = pytest.importorskip("torch")
    shape, k, s, p, d = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    # a window that sees only padding (possible with dilation) has no arg max among the
    # pixels; PyTorch then points at an arbitrary pixel, so such configurations are left out
    assume(np.isfinite(_np(max_pool2d(xp.asarray(x), k, s, p, d))).all())
    _compare(
        xp,
        lambda t: max_pool2d(t, k, s, p, d),
        lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d),
        x,
        seed,
    )


def test_max_pool2d_sends_the_gradient_to_the_first_tie_like_pytorch(xp):
    """All-equal windows (ReLU zeros): PyTorch routes the gradient to the first tap."""
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 3, 3] = 1.0
    _compare(
        xp,
        lambda t: max_pool2d(t, 2, 1),
        lambda t: torch.nn.functional.max_pool2d(t, 2, 1),
        x,
        0,
    )


@given(cfg=pool_configs(dilation=False), seed=st.integers(0, 2**16), inc=st.booleans())
def test_avg_pool2d_values_and_gradient_equal_pytorch(xp, cfg, seed, inc):
    torch = pytest.importorskip("torch")
    shape, k, s, p, _ = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    _compare(
        xp,
        lambda t: avg_pool2d(t, k, s, p, count_include_pad=inc),
        lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, count_include_pad=inc),
        x,
        seed,
    )


@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    ho=st.integers(1, 5),
    wo=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_adaptive_avg_pool2d_equals_pytorch_bins(xp, h, w, ho, wo, seed):
    """Bins [floor(i H/Ho), ceil((i+1) H/Ho)), also when Ho > H (bins overlap/repeat)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
    _compare(
        xp,
        lambda t: adaptive_avg_pool2d(t, (ho, wo)),
        lambda t: torch.nn.functional.adaptive_avg_pool2d(t, (ho, wo)),
        x,
        seed,
    )


def test_pool_gradcheck_and_gradgradcheck(xp):
    rng = np.random.default_rng(3)
    x = Tensor(xp.asarray(rng.standard_normal((1, 2, 5, 4))), requires_grad=True)
    for fn in (
        lambda t: max_pool2d(t, 3, 2, 1),
        lambda t: avg_pool2d(t, 3, 2, 1, count_include_pad=False),
        lambda t: adaptive_avg_pool2d(t, (2, 3)),
    ):
        assert gradcheck(fn, [x])
        assert gradgradcheck(fn, [x])


def test_unbatched_input_is_accepted(xp):
    x = xp.asarray(np.arange(16.0).reshape(1, 4, 4))
    np.testing.assert_array_equal(_np(max_pool2d(x, 2)), [[[5.0, 7.0], [13.0, 15.0]]])
    np.testing.assert_array_equal(_np(avg_pool2d(x, 4)), [[[7.5]]])


@pytest.mark.parametrize(
    "fn, kwargs, match",
    [
        (max_pool2d, {"kernel_size": 2, "padding": 2}, "at most half"),
        (avg_pool2d, {"kernel_size": 3, "padding": 2}, "at most half"),
        (max_pool2d, {"kernel_size": 7}, "larger than the padded"),
        (max_pool2d, {"kernel_size": 0}, "kernel_size must be"),
        (avg_pool2d, {"kernel_size": 2, "stride": 0}, "stride must be"),
        (avg_pool2d, {"kernel_size": 2, "padding": -1}, "padding must be"),
    ],
)
def test_pools_refuse_bad_configurations(xp, fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(xp.asarray(np.ones((1, 1, 5, 5))), **kwargs)


def test_adaptive_avg_pool2d_refuses_bad_input(xp):
    with pytest.raises(ValueError, match="output_size"):
        adaptive_avg_pool2d(xp.asarray(np.ones((1, 1, 5, 5))), 0)
    with pytest.raises(ValueError, match="input must be"):
        adaptive_avg_pool2d(xp.asarray(np.ones((5, 5))), 2)
