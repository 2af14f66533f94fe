"""The fused normalization node equals the textbook reference, to second order.

Claims (scratch/functional/norm.py): ``batch_norm``, ``layer_norm``, ``group_norm`` and
``instance_norm`` (the fused ``Normalize`` node, its closed-form backward on raw arrays
and, with create_graph, on Tensors) compute what their ``*_reference`` twins (mean,
subtraction, sqrt and division as autograd operations, differentiated by the engine)
compute: values, first derivatives with and without a graph, second derivatives, and
the running statistics they leave behind, over drawn shapes, momenta and eps.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.functional.norm import (
    batch_norm,
    batch_norm_reference,
    group_norm,
    group_norm_reference,
    instance_norm,
    instance_norm_reference,
    layer_norm,
    layer_norm_reference,
)
from scratch.testing.reference import assert_matches_reference

# float64: the two sides sum in different orders (row dot products against a plain
# sum); the second derivatives divide by sigma^3 on batches of two or three (values up
# to ~1e3), so relative 1e-8 there, 1e-10 absolute on values and first derivatives.
TOL = dict(atol=1e-10, rtol=1e-9, second_atol=1e-8, second_rtol=1e-8)

shapes_nc = st.tuples(st.integers(2, 4), st.integers(1, 3)).flatmap(
    lambda nc: st.lists(st.integers(1, 4), min_size=0, max_size=2).map(lambda sp: (*nc, *sp))
)
eps_values = st.sampled_from([1e-5, 0.1, 0.0])


def _arrays(shape, c, seed, affine=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2 + 1
    return [x, rng.standard_normal(c), rng.standard_normal(c)] if affine else [x]


@given(shape=shapes_nc, seed=st.integers(0, 2**16), affine=st.booleans(), eps=eps_values)
def test_batch_norm_training_equals_the_reference_to_second_order(xp, shape, seed, affine, eps):
    """The fused node (affine map inside it) against mean/var/sqrt/divide as autograd ops,
    with and without weight and bias (the node then uses gamma = 1, beta = 0)."""

    def run(f):
        return lambda x, *wb: f(x, None, None, *wb, training=True, eps=eps)

    arrays = _arrays(shape, shape[1], seed, affine)
    assert_matches_reference(xp, run(batch_norm), run(batch_norm_reference), arrays, seed, **TOL)


@given(shape=shapes_nc, seed=st.integers(0, 2**16), momentum=st.floats(0.0, 1.0))
def test_running_statistics_equal_the_reference_over_several_steps(xp, shape, seed, momentum):
    """r <- (1 - m) r + m s (unbiased variance) from the fused moments equals the same
    update from the reference's, step after step; evaluation then agrees too."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    ours = [xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))]
    ref = [xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))]
    for _ in range(3):
        x = xp.asarray(rng.standard_normal(shape) * 2 + 1)
        batch_norm(x, *ours, training=True, momentum=momentum)
        batch_norm_reference(x, *ref, training=True, momentum=momentum)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(backend.to_numpy(a), backend.to_numpy(b), rtol=0, atol=1e-12)
    assert_matches_reference(
        xp,
        lambda x, w, b: batch_norm(x, *ours, w, b, training=False),
        lambda x, w, b: batch_norm_reference(x, *ref, w, b, training=False),
        _arrays(shape, c, seed),
        seed,
        **TOL,
    )


@given(
    lead=st.lists(st.integers(1, 3), min_size=1, max_size=2),
    norm=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
    eps=eps_values,
)
def test_layer_norm_equals_the_reference_to_second_order(xp, lead, norm, seed, eps):
    """Standardized over the trailing dims, elementwise affine outside the node."""
    norm = tuple(norm) if np.prod(norm) >= 2 else (*norm, 2)
    arrays = _arrays((*lead, *norm), norm, seed)
    assert_matches_reference(
        xp,
        lambda x, w, b: layer_norm(x, norm, w, b, eps=eps),
        lambda x, w, b: layer_norm_reference(x, norm, w, b, eps=eps),
        arrays,
        seed,
        **TOL,
    )


@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    per=st.integers(1, 2),
    hw=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_group_norm_equals_the_reference_to_second_order(xp, n, groups, per, hw, seed):
    c = groups * per
    assert_matches_reference(
        xp,
        lambda x, w, b: group_norm(x, groups, w, b),
        lambda x, w, b: group_norm_reference(x, groups, w, b),
        _arrays((n, c, hw, 2), c, seed),
        seed,
        **TOL,
    )


@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    hw=st.integers(2, 3),
    seed=st.integers(0, 2**16),
    momentum=st.floats(0.0, 1.0),
)
def test_instance_norm_and_its_running_stats_equal_the_reference(xp, n, c, hw, seed, momentum):
    """Per (sample, channel) over the spatial axes; the running statistics move alike and
    evaluation with them (use_input_stats=False) agrees."""
    arrays = _arrays((n, c, hw, hw + 1), c, seed)
    assert_matches_reference(
        xp,
        lambda x, w, b: instance_norm(x, weight=w, bias=b),
        lambda x, w, b: instance_norm_reference(x, weight=w, bias=b),
        arrays,
        seed,
        **TOL,
    )
    ours = [xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))]
    ref = [xp.asarray(np.zeros(c)), xp.asarray(np.ones(c))]
    x = xp.asarray(arrays[0])
    instance_norm(x, *ours, momentum=momentum)
    instance_norm_reference(x, *ref, momentum=momentum)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(backend.to_numpy(a), backend.to_numpy(b), rtol=0, atol=1e-12)
    y = instance_norm(x, *ours, use_input_stats=False)
    y_ref = instance_norm_reference(x, *ref, use_input_stats=False)
    np.testing.assert_allclose(backend.to_numpy(y.data), backend.to_numpy(y_ref.data), atol=1e-12)
