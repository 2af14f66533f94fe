"""The fused normalization engine's own claims, beyond equality with the reference.

Claims (scratch/functional/_norm_engine.py): the row dot products ``_sum_A`` are the
sums over A for every set of axes the four normalizations use; forward keeps only the
per-feature moments (no array the size of x) and backward leaves the incoming gradient
unwritten; in float32 the error stays within the module docstring's bound,
relative 32 u (1 + |mu| / sigma), where a one-pass variance (sum of squares minus the
squared mean) would lose u (mu / sigma)^2. The equality with the textbook reference
(values, first and second derivatives) is tests/functional/test_norm_reference.py.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional._norm_engine import Normalize, _sum_A
from scratch.functional.norm import batch_norm, batch_norm_reference

# the axes of batch norm on (N, C), (N, C, L), (N, C, H, W); instance norm; layer norm
# over one or two trailing dims; group norm's (N, G, rest) view
AXES = [(0,), (0, 2), (0, 2, 3), (2, 3), (3,), (2, 3), (2,)]
SHAPES = [(5, 3), (4, 3, 6), (3, 2, 4, 5), (3, 2, 4, 5), (3, 2, 4, 5), (3, 2, 4, 5), (3, 2, 7)]


@given(case=st.integers(0, len(AXES) - 1), seed=st.integers(0, 2**16), product=st.booleans())
def test_row_dot_products_are_the_sums_over_A(xp, case, seed, product):
    """sum_A a (b None) and sum_A a b, keepdims, equal xp.sum over the same axes."""
    axes, shape = AXES[case], SHAPES[case]
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    got = _sum_A(xp.asarray(a), xp.asarray(b) if product else None, axes)
    want = np.sum(a * b if product else a, axis=axes, keepdims=True)
    assert tuple(got.shape) == want.shape
    # float64 sums of at most 60 O(1) terms in two orders
    np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-12, atol=1e-12)


def test_forward_keeps_only_the_moments_and_backward_leaves_dy_unwritten(xp):
    """After forward the node holds mu and 1/sigma (C numbers each); after backward dy
    is what it was (dx is computed in a buffer of its own)."""
    rng = np.random.default_rng(7)
    x = Tensor(xp.asarray(rng.standard_normal((4, 3, 5, 5))), requires_grad=True)
    gamma = Tensor(xp.asarray(rng.standard_normal(3)), requires_grad=True)
    beta = Tensor(xp.asarray(rng.standard_normal(3)), requires_grad=True)
    f = Normalize((0, 2, 3), 1e-5)
    y = f(x, gamma, beta)
    assert [tuple(s.shape) for s in f.saved] == [(1, 3, 1, 1), (1, 3, 1, 1)]
    dy_host = rng.standard_normal((4, 3, 5, 5))
    dy = Tensor(xp.asarray(dy_host))
    y.backward(dy)
    np.testing.assert_array_equal(backend.to_numpy(dy.data), dy_host)
    assert x.grad is not None and gamma.grad is not None and beta.grad is not None


def _run(bk, fn, x, dy, g, b, dtype):
    X, G, B = (Tensor(bk.asarray(a, dtype=dtype), requires_grad=True) for a in (x, g, b))
    y = fn(X, None, None, G, B, training=True)
    y.backward(Tensor(bk.asarray(dy, dtype=dtype)))
    return [
        backend.to_numpy(t).astype(np.float64)
        for t in (y.data, X.grad.data, G.grad.data, B.grad.data)
    ]


@pytest.mark.parametrize("ratio", [0.0, 30.0, 1000.0])
def test_float32_error_grows_with_mu_over_sigma_not_its_square(xp, ratio):
    """Batch norm in float32 on x = ratio + N(0, 1) against the reference in float64 on
    the same float32 numbers: y, dx, dgamma and dbeta within 32 u (1 + |mu| / sigma) of
    their largest entry. Measured on this shape: about 4 u |mu| / sigma for dgamma (the
    cancelling sum_A dy x - mu sum_A dy), under 0.5 u |mu| / sigma for the rest. A
    one-pass variance fails at ratio 1000 (u (mu / sigma)^2 ~ 0.06)."""
    rng = np.random.default_rng(1)
    shape, c = (16, 8, 16, 16), 8
    x = (ratio + rng.standard_normal(shape)).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    g, b = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    got = _run(xp, batch_norm, x, dy, g, b, xp.float32)
    host = backend.get("numpy")
    want = _run(host, batch_norm_reference, x, dy, g, b, host.float64)
    bound = 32 * 2.0**-24 * (1 + ratio)
    for name, r, w in zip(("y", "dx", "dgamma", "dbeta"), got, want):
        err = np.max(np.abs(r - w)) / np.max(np.abs(w))
        assert err <= bound, f"{name}: relative error {err:.2e} above {bound:.2e}"
