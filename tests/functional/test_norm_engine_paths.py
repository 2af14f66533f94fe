"""The chunked passes of the fused normalization equal the reference.

Claim (scratch/functional/norm.py, ``Normalize`` and ``_chunks``): when x is larger than
the working set, the statistics, the normalization and the first-order backward run
over chunks of axis 0, the per-chunk sums added (batch norm: axis 0 is reduced) or
stacked (layer and group norm: it is not), and still give the reference's values,
derivatives (first order without a graph: the chunked path; with a graph and second
order: the Tensor path) and running statistics. The suite's other normalization tests
run on arrays far below the working set, in one chunk.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional.norm import (
    _chunks,
    batch_norm,
    batch_norm_reference,
    group_norm,
    group_norm_reference,
    layer_norm,
    layer_norm_reference,
)
from scratch.testing.reference import assert_matches_reference

# as in test_norm_reference.py: float64, sums of a few dozen O(1) numbers.
TOL = dict(atol=1e-10, rtol=1e-9, second_atol=1e-8, second_rtol=1e-8)

# 16 bytes: every chunk is one row of axis 0 (the smallest rows here hold 16 bytes)
ONE_ROW = 16


def test_chunks_are_whole_within_the_working_set_and_rows_beyond():
    """One chunk while x fits; beyond it, chunks of half the working set covering x."""
    x = np.zeros((10, 4))  # 320 bytes, 32 a row
    with backend.working_set(320):
        assert _chunks(x) == [slice(0, 10)]
    with backend.working_set(319):
        assert _chunks(x) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    with backend.working_set(1):
        assert len(_chunks(x)) == 10


@given(
    n=st.integers(2, 4),
    c=st.integers(1, 3),
    hw=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    affine=st.booleans(),
)
def test_chunked_batch_norm_equals_the_reference(xp, n, c, hw, seed, affine):
    """Batch norm in training, one image per chunk: values, first and second derivatives."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c, hw, hw + 1)) * 2 + 1]
    if affine:
        arrays += [rng.standard_normal(c), rng.standard_normal(c)]

    def run(f):
        return lambda x, *wb: f(x, None, None, *wb, training=True)

    with backend.working_set(ONE_ROW):
        assert_matches_reference(
            xp, run(batch_norm), run(batch_norm_reference), arrays, seed, **TOL
        )


@given(n=st.integers(2, 4), c=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_chunked_running_statistics_equal_the_reference(xp, n, c, seed):
    """The moments gathered over chunks move the running buffers as the reference's do."""
    x = np.random.default_rng(seed).standard_normal((n, c, 2, 3)) * 3 - 1
    buffers = []
    for f in (batch_norm, batch_norm_reference):
        rm, rv = xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))
        with backend.working_set(ONE_ROW):
            f(xp.asarray(x), rm, rv, training=True, momentum=0.3)
        buffers.append((backend.to_numpy(rm), backend.to_numpy(rv)))
    np.testing.assert_allclose(buffers[0][0], buffers[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(buffers[0][1], buffers[1][1], rtol=1e-12, atol=1e-12)


@given(n=st.integers(2, 4), d=st.integers(2, 5), seed=st.integers(0, 2**16))
def test_chunked_layer_and_group_norm_equal_the_reference(xp, n, d, seed):
    """Axis 0 not reduced: per-chunk statistics stacked, one sample per chunk."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2 * d)) * 2 + 1
    x4 = rng.standard_normal((n, 4, 2, d))
    with backend.working_set(ONE_ROW):
        assert_matches_reference(
            xp,
            lambda t: layer_norm(t, (2 * d,)),
            lambda t: layer_norm_reference(t, (2 * d,)),
            [x],
            seed,
            **TOL,
        )
        assert_matches_reference(
            xp, lambda t: group_norm(t, 2), lambda t: group_norm_reference(t, 2), [x4], seed, **TOL
        )


def test_a_working_set_changed_between_forward_and_backward_changes_nothing(xp):
    """Forward in one chunk (x - mu kept whole), backward under a tiny working set, and
    the other way round: the gradients are those of one chunk throughout."""
    rng = np.random.default_rng(3)
    x, gy = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal((4, 3, 2, 2))
    grads = []
    for fwd_ws, bwd_ws in ((None, None), (None, ONE_ROW), (ONE_ROW, None)):
        t = Tensor(xp.asarray(x), requires_grad=True)
        with backend.working_set(fwd_ws):
            y = batch_norm(t, None, None, training=True)
        with backend.working_set(bwd_ws):
            y.backward(Tensor(xp.asarray(gy)))
        grads.append(backend.to_numpy(t.grad.data))
    for g in grads[1:]:
        np.testing.assert_allclose(g, grads[0], rtol=1e-12, atol=1e-12)
