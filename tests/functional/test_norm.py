"""batch_norm / layer_norm / group_norm / instance_norm: PyTorch's values and gradients.

Claims (scratch/functional/norm.py): the closed-form backward
dx = (1/n) (1/sigma) (n g - sum g - xhat sum(g xhat)) equals autograd's (PyTorch's)
gradient to first and second order; running statistics follow PyTorch's momentum rule
with the unbiased variance; eval mode normalizes with the running statistics.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional.norm import batch_norm, group_norm, instance_norm, layer_norm
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.parity import assert_matches_torch

# float64; the second derivatives divide by sigma^3 on tiny batches (values ~1e2):
# 1e-10 absolute on first order, 1e-9 on second order, still 1e4 above rounding.
TOL = 1e-10


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def _compare(xp, ours, theirs, arrays, seed, second=True):
    pytest.importorskip("torch")
    assert_matches_torch(
        xp,
        ours,
        theirs,
        arrays,
        seed,
        atol=TOL,
        grad_rtol=1e-9,
        second_order=second,
        second_rtol=1e-8,
        second_atol=1e-9,
    )


shapes_nc = st.tuples(st.integers(2, 4), st.integers(1, 3)).flatmap(
    lambda nc: st.tuples(
        st.just(nc[0]), st.just(nc[1]), st.lists(st.integers(1, 4), min_size=0, max_size=2)
    ).map(lambda t: (t[0], t[1], *t[2]))
)


@given(shape=shapes_nc, seed=st.integers(0, 2**16), affine=st.booleans())
def test_batch_norm_training_equals_pytorch_to_second_order(xp, shape, seed, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    c = shape[1]
    arrays = [rng.standard_normal(shape)]
    if affine:
        arrays += [rng.standard_normal(c), rng.standard_normal(c)]
    _compare(
        xp,
        lambda x, *wb: batch_norm(x, None, None, *wb, training=True),
        lambda x, *wb: torch.nn.functional.batch_norm(x, None, None, *wb, training=True),
        arrays,
        seed,
    )


@given(shape=shapes_nc, seed=st.integers(0, 2**16), momentum=st.floats(0.0, 1.0))
def test_running_statistics_follow_pytorch_over_several_steps(xp, shape, seed, momentum):
    """r <- (1 - m) r + m s with the unbiased variance; eval mode then matches too."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    c = shape[1]
    rm, rv = xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))
    trm, trv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    for _ in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        batch_norm(xp.asarray(x), rm, rv, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
    np.testing.assert_allclose(_np(rm), trm.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(_np(rv), trv.numpy(), rtol=0, atol=TOL)
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    _compare(
        xp,
        lambda x, w, b: batch_norm(x, rm, rv, w, b, training=False),
        lambda x, w, b: torch.nn.functional.batch_norm(x, trm, trv, w, b, training=False),
        [rng.standard_normal(shape), w, b],
        seed,
        second=False,
    )


@given(
    lead=st.lists(st.integers(1, 3), min_size=1, max_size=2),
    norm=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_layer_norm_equals_pytorch_to_second_order(xp, lead, norm, seed):
    torch = pytest.importorskip("torch")
    norm = tuple(norm)
    if np.prod(norm) < 2:
        norm = norm + (2,)
    rng = np.random.default_rng(seed)
    arrays = [
        rng.standard_normal((*lead, *norm)),
        rng.standard_normal(norm),
        rng.standard_normal(norm),
    ]
    _compare(
        xp,
        lambda x, w, b: layer_norm(x, norm, w, b),
        lambda x, w, b: torch.nn.functional.layer_norm(x, norm, w, b),
        arrays,
        seed,
    )


@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    per=st.integers(1, 2),
    hw=st.integers(2, 4),
    seed=st.integers(0, 2**16),
)
def test_group_norm_equals_pytorch_to_second_order(xp, n, groups, per, hw, seed):
    torch = pytest.importorskip("torch")
    c = groups * per
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c, hw, 3)), rng.standard_normal(c), rng.standard_normal(c)]
    _compare(
        xp,
        lambda x, w, b: group_norm(x, groups, w, b),
        lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
        arrays,
        seed,
    )


@given(n=st.integers(1, 3), c=st.integers(1, 3), hw=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_instance_norm_and_its_running_stats_equal_pytorch(xp, n, c, hw, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    arrays = [
        rng.standard_normal((n, c, hw, hw + 1)),
        rng.standard_normal(c),
        rng.standard_normal(c),
    ]
    _compare(
        xp,
        lambda x, w, b: instance_norm(x, weight=w, bias=b),
        lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b),
        arrays,
        seed,
    )
    rm, rv = xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))
    trm, trv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    instance_norm(xp.asarray(arrays[0]), rm, rv, momentum=0.3)
    torch.nn.functional.instance_norm(torch.tensor(arrays[0]), trm, trv, momentum=0.3)
    np.testing.assert_allclose(_np(rm), trm.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(_np(rv), trv.numpy(), rtol=0, atol=TOL)
    y = instance_norm(xp.asarray(arrays[0]), rm, rv, use_input_stats=False)
    ty = torch.nn.functional.instance_norm(torch.tensor(arrays[0]), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(_np(y), ty.numpy(), rtol=0, atol=TOL)


def test_norm_gradcheck_and_gradgradcheck(xp):
    """Central differences confirm the closed-form backward and its own derivative."""
    rng = np.random.default_rng(5)
    x = Tensor(xp.asarray(rng.standard_normal((3, 2, 2, 2))), requires_grad=True)
    w = Tensor(xp.asarray(rng.standard_normal(2)), requires_grad=True)
    b = Tensor(xp.asarray(rng.standard_normal(2)), requires_grad=True)
    for fn in (
        lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: group_norm(x, 2, w, b),
        lambda x, w, b: instance_norm(x, weight=w, bias=b),
        lambda x, w, b: layer_norm(x, (2,), w, b),
    ):
        assert gradcheck(fn, [x, w, b])
        assert gradgradcheck(fn, [x, w, b])


def test_batch_norm_output_is_standardized_per_channel(xp):
    """Training output has mean 0 and (biased) variance 1/(1 + eps/sigma^2) per channel."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3, 4, 4)) * 5 + 3
    y = _np(batch_norm(xp.asarray(x), None, None, training=True, eps=0.0))
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-12)


def test_float32_stays_float32(xp32):
    x = xp32.asarray(np.random.default_rng(0).standard_normal((4, 3, 2, 2)), dtype=xp32.float32)
    rm, rv = xp32.zeros(3, dtype=xp32.float32), xp32.ones(3, dtype=xp32.float32)
    assert batch_norm(x, rm, rv, training=True).dtype == xp32.float32
    assert rm.dtype == xp32.float32
    assert layer_norm(x, (2, 2)).dtype == xp32.float32
    assert group_norm(x, 3).dtype == xp32.float32


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda xp, x: batch_norm(x[:1, :, :1, :1], None, None, training=True), "more than 1"),
        (lambda xp, x: batch_norm(x, None, None), "required when training=False"),
        (lambda xp, x: batch_norm(x, xp.zeros(2), xp.ones(3), training=True), "running_mean"),
        (lambda xp, x: batch_norm(x, None, None, xp.ones(2), training=True), "weight must"),
        (lambda xp, x: batch_norm(x, None, None, training=True, momentum=2.0), "momentum"),
        (lambda xp, x: batch_norm(x, None, None, training=True, eps=-1.0), "eps"),
        (lambda xp, x: layer_norm(x, (3, 3)), "normalized_shape"),
        (lambda xp, x: group_norm(x, 2), "divisible by num_groups"),
        (lambda xp, x: instance_norm(x[:, :, :1, :1]), "more than 1 spatial"),
        (lambda xp, x: instance_norm(x, use_input_stats=False), "required"),
    ],
)
def test_norms_refuse_bad_input(xp, call, match):
    x = xp.asarray(np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=match):
        call(xp, x)
