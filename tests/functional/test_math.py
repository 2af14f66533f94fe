"""Every primitive of scratch.functional.math against central differences (first and second order).

Reverse mode must agree with (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), whose error is
O(eps^2) ~ 1e-12 relative for eps = 1e-6 in float64 plus rounding ~1e-10: gradcheck's
atol=1e-5, rtol=1e-3 leave room for rounding yet catch any wrong term (a missing factor
or a missing broadcast sum changes the gradient by O(1)). Inputs stay away from kinks
(|x| at 0, ties of max, clip bounds), where central differences are meaningless.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch.autograd import Tensor
from scratch.functional import math as M
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.strategies import arrays, broadcastable_pair, floats, shapes

SMALL = shapes(min_dims=1, max_dims=3, max_side=3)


def _t(a):
    return Tensor(a, requires_grad=True)


def _away_from(points, lo=-3.0, hi=3.0, margin=0.05):
    """Floats in [lo, hi] at least ``margin`` from each kink in ``points``."""
    return floats(lo, hi).filter(lambda v: all(abs(v - p) > margin for p in points))


@st.composite
def _array_away(draw, bk, points, shape=None, lo=-3.0, hi=3.0):
    shape = draw(SMALL) if shape is None else shape
    a = draw(hnp.arrays(np.float64, shape, elements=_away_from(points, lo, hi)))
    return bk.asarray(a)


@st.composite
def _distinct(draw, bk, shape=None):
    """Values 0.5 apart (a shuffled grid): max/min have no ties within eps."""
    shape = draw(SMALL) if shape is None else shape
    n = int(np.prod(shape))
    perm = draw(st.permutations(list(range(n))))
    return bk.asarray(np.reshape(np.asarray(perm, dtype=np.float64) * 0.5 - n / 4, shape))


BINARY = {
    "add": (lambda a, b: a + b, -3.0, 3.0),
    "sub": (lambda a, b: a - b, -3.0, 3.0),
    "mul": (lambda a, b: a * b, -3.0, 3.0),
    "div": (lambda a, b: a / b, 0.5, 3.0),
    "pow": (lambda a, b: a**b, 0.5, 2.0),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@given(data=st.data())
def test_binary_op_gradients_sum_over_broadcast_axes(xp, op, data):
    """d(a op b)/da and /db, each summed to its own shape (broadcasting's adjoint)."""
    fn, lo, hi = BINARY[op]
    a, b = data.draw(broadcastable_pair(xp, lo, hi))
    assert gradcheck(fn, [_t(a), _t(b)])


UNARY = {
    "neg": (lambda x: -x, (), -3.0, 3.0),
    "exp": (M.exp, (), -3.0, 3.0),
    "log": (M.log, (), 0.2, 3.0),
    "sqrt": (M.sqrt, (), 0.2, 3.0),
    "abs": (M.abs, (0.0,), -3.0, 3.0),
    "clip": (lambda x: M.clip(x, -1.0, 1.0), (-1.0, 1.0), -3.0, 3.0),
    "square_by_pow": (lambda x: x**2.0, (), -3.0, 3.0),
}


@pytest.mark.parametrize("op", sorted(UNARY))
@given(data=st.data())
def test_unary_op_gradients_match_central_differences(xp, op, data):
    """exp' = exp, log' = 1/x, sqrt' = 1/(2 sqrt x), |x|' = sign x, clip' = [lo < x < hi]."""
    fn, kinks, lo, hi = UNARY[op]
    x = data.draw(_array_away(xp, kinks, lo=lo, hi=hi))
    assert gradcheck(fn, [_t(x)])


@st.composite
def _axes(draw, ndim):
    """None, one axis (maybe negative) or a tuple of distinct axes."""
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min"])
@given(data=st.data())
def test_reduction_gradients_over_any_axes(xp, reduction, data):
    """sum: gy broadcast back; mean: gy / n; max/min: gy to the extreme element."""
    x = data.draw(_distinct(xp))
    axis = data.draw(_axes(x.ndim))
    keepdims = data.draw(st.booleans())
    fn = getattr(M, reduction)
    assert gradcheck(lambda t: fn(t, axis=axis, keepdims=keepdims), [_t(x)])


@given(data=st.data())
def test_reshape_and_transpose_gradients_undo_the_move(xp, data):
    """reshape's adjoint reshapes back; transpose's adjoint applies the inverse permutation."""
    x = data.draw(arrays(xp, SMALL))
    perm = tuple(data.draw(st.permutations(list(range(x.ndim)))))
    new_shape = tuple(reversed(tuple(x.shape)))
    assert gradcheck(lambda t: M.reshape(t, new_shape) * 1.5, [_t(x)])
    assert gradcheck(lambda t: M.transpose(t, perm) * M.permute(t, perm), [_t(x)])


@st.composite
def _basic_key(draw, shape):
    key = []
    for n in shape:
        if draw(st.booleans()):
            key.append(draw(st.integers(-n, n - 1)))
        else:
            start = draw(st.integers(0, n - 1))
            key.append(slice(start, draw(st.integers(start + 1, n)), draw(st.integers(1, 2))))
    return tuple(key)


@given(data=st.data())
def test_getitem_with_ints_and_slices_scatters_the_gradient_back(xp, data):
    """x[key] with ints and slices: dL/dx is gy written at key, zero elsewhere."""
    x = data.draw(arrays(xp, SMALL))
    key = data.draw(_basic_key(tuple(x.shape)))
    assert gradcheck(lambda t: t[key] * 2.0, [_t(x)])


@given(data=st.data())
def test_getitem_with_repeated_integer_indices_adds_their_gradients(xp, data):
    """x[[i, i, j]]: a row taken twice gets gy summed twice (scatter-add, not overwrite)."""
    x = data.draw(arrays(xp, SMALL))
    n = x.shape[0]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))
    idx_arr = xp.asarray(np.asarray(idx), dtype=xp.int64)
    assert gradcheck(lambda t: t[idx_arr] * t[idx_arr], [_t(x)])


def test_getitem_with_a_repeated_index_counts_it_twice(xp):
    """sum(x[[0, 0, 1]]) has gradient (2, 1, 0): the worked example of scatter-add."""
    x = _t(xp.asarray(np.array([1.0, 2.0, 3.0])))
    x[xp.asarray(np.array([0, 0, 1]), dtype=xp.int64)].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0, 0.0])


@given(data=st.data())
def test_getitem_with_a_boolean_mask_routes_the_gradient(xp, data):
    """x[mask]: the selected elements get gy in order, the others zero."""
    x = data.draw(arrays(xp, SMALL))
    mask = data.draw(hnp.arrays(np.bool_, tuple(x.shape)))
    m = xp.asarray(mask)
    assert gradcheck(lambda t: t[m] * 3.0, [_t(x)])


@pytest.mark.parametrize("kind", ["concatenate", "stack"])
@given(data=st.data())
def test_concatenate_and_stack_split_the_gradient(xp, kind, data):
    """Each input receives the slice of gy it filled."""
    shape = data.draw(SMALL)
    k = data.draw(st.integers(1, 3))
    xs = [data.draw(arrays(xp, shape)) for _ in range(k)]
    fn = getattr(M, kind)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    if kind == "stack":
        axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    ts = [_t(x) for x in xs]
    assert gradcheck(lambda *t: fn(list(t), axis=axis) * 2.0, ts)


@given(data=st.data())
def test_where_sends_the_gradient_to_the_chosen_branch(xp, data):
    """where(c, a, b): dL/da = gy [c], dL/db = gy [not c], each summed to its shape."""
    a, b = data.draw(broadcastable_pair(xp))
    out_shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    cond = xp.asarray(data.draw(hnp.arrays(np.bool_, out_shape)))
    assert gradcheck(lambda s, t: M.where(cond, s, t) * (s + t), [_t(a), _t(b)])


@st.composite
def _matmul_operands(draw, bk):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a_shape = batch.input_shapes[0] + (n, k)
    b_shape = batch.input_shapes[1] + (k, m)
    if draw(st.booleans()):
        a_shape = (k,)  # a vector operand: promoted to a row, squeezed back
    if draw(st.booleans()):
        b_shape = (k,)
    return draw(arrays(bk, a_shape)), draw(arrays(bk, b_shape))


@given(data=st.data())
def test_matmul_gradients_batched_broadcast_and_vector_operands(xp, data):
    """dL/dA = gY B^T, dL/dB = A^T gY, summed over broadcast batch axes; 1-D operands too."""
    a, b = data.draw(_matmul_operands(xp))
    assert gradcheck(lambda s, t: s @ t, [_t(a), _t(b)])


def _second_order_cases(xp):
    """name -> (fn, inputs): small fixed inputs, every primitive inside some fn."""
    cond = xp.asarray(np.array([True, False, True]))
    rows = xp.asarray(np.array([0, 0, 1]), dtype=xp.int64)
    return {
        "mul": (lambda a, b: a * b * a, _pair(xp, (2, 3), (3,))),
        "div": (lambda a, b: a / b, _pair(xp, (2, 1), (3,), 0.5)),
        "pow": (lambda a, b: a**b, _pair(xp, (2, 3), (1, 3), 0.5)),
        "exp_log_sqrt": (
            lambda a, b: M.exp(a) * M.log(b) + M.sqrt(b),
            _pair(xp, (3,), (3,), 0.5),
        ),
        "sum_mean_max_min": (
            lambda a, b: (a * a).sum(axis=1) * b.mean() + (b * b).max(axis=0) * a.min(),
            _pair(xp, (2, 3), (3, 2), 0.5),
        ),
        "reshape_transpose": (
            lambda a, b: M.transpose(M.reshape(a * a, (3, 2))) * b,
            _pair(xp, (2, 3), (2, 3)),
        ),
        "getitem": (
            lambda a, b: (a[rows] ** 2.0).sum() + (b[1:, ::2] ** 3.0).sum(),
            _pair(xp, (2, 3), (3, 3)),
        ),
        "concat_stack_where": (
            lambda a, b: M.where(
                cond, M.concatenate([a, b]) ** 2.0, M.stack([a, b]).sum(axis=0) ** 3.0
            ),
            _pair(xp, (1, 3), (1, 3)),
        ),
        "matmul": (lambda a, b: (a @ b) ** 2.0, _pair(xp, (2, 2, 3), (3, 2))),
        "abs_clip": (
            lambda a, b: M.abs(a) * M.clip(b, -1.0, 1.0) * b,
            _pair(xp, (3,), (3,), 0.2, 0.8),
        ),
    }


SECOND_ORDER_NAMES = [
    "mul",
    "div",
    "pow",
    "exp_log_sqrt",
    "sum_mean_max_min",
    "reshape_transpose",
    "getitem",
    "concat_stack_where",
    "matmul",
    "abs_clip",
]


def _pair(xp, sa, sb, lo=-1.0, hi=1.0):
    """Two inputs; with lo < 0 their magnitudes lie in [0.2, hi] (away from |x|'s kink)."""
    rng = np.random.default_rng(42)
    out = []
    for s in (sa, sb):
        if lo >= 0:
            v = rng.uniform(lo, hi, s)
        else:
            v = rng.uniform(0.2, hi, s) * rng.choice([-1.0, 1.0], s)
        out.append(_t(xp.asarray(v)))
    return out


@pytest.mark.parametrize("op", SECOND_ORDER_NAMES)
def test_second_derivatives_of_the_primitives(xp, op):
    """gradgradcheck: backward uses differentiable ops, so Hessian-vector products agree."""
    fn, inputs = _second_order_cases(xp)[op]
    assert gradgradcheck(fn, inputs)
