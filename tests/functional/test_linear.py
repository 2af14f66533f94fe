"""linear (y = x W^T + b) and inverted dropout (y = x m / (1 - p))."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.functional as F
from scratch import backend
from scratch.autograd import Tensor
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.strategies import arrays


def _t(a):
    return Tensor(a, requires_grad=True)


@st.composite
def _linear_problem(draw, bk):
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(arrays(bk, lead + (n_in,)))
    w = draw(arrays(bk, (n_out, n_in)))
    b = draw(arrays(bk, (n_out,))) if draw(st.booleans()) else None
    return x, w, b


@given(data=st.data())
def test_linear_gradients_for_any_leading_axes(xp, data):
    """dL/dx = gy W, dL/dW = sum over leading axes of gy^T x, dL/db = sum of gy."""
    x, w, b = data.draw(_linear_problem(xp))
    inputs = [_t(x), _t(w)] + ([] if b is None else [_t(b)])
    assert gradcheck(lambda *a: F.linear(*a), inputs)


def test_linear_second_derivatives(xp):
    rng = np.random.default_rng(0)
    x, w, b = (_t(xp.asarray(rng.standard_normal(s))) for s in [(2, 3), (4, 3), (4,)])
    assert gradgradcheck(lambda *a: F.linear(*a) ** 2.0, [x, w, b])


@given(data=st.data())
def test_linear_matches_pytorch_value_and_gradients(xp, data):
    """PyTorch's weight layout (out, in); float64 results agree to rounding (1e-12)."""
    torch = pytest.importorskip("torch")
    x, w, b = data.draw(_linear_problem(xp))
    ours = [_t(x), _t(w)] + ([] if b is None else [_t(b)])
    theirs = [
        torch.tensor(backend.to_numpy(a), requires_grad=True) for a in (x, w, b) if a is not None
    ]
    y = F.linear(*ours)
    yt = torch.nn.functional.linear(*theirs)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(Tensor(xp.asarray(g)))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, at in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_linear_refuses_mismatched_shapes(xp):
    x = Tensor(xp.asarray(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="in_features = 4"):
        F.linear(x, Tensor(xp.asarray(np.zeros((5, 4)))))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\)"):
        F.linear(x, Tensor(xp.asarray(np.zeros((5, 3)))), Tensor(xp.asarray(np.zeros(3))))
    with pytest.raises(ValueError, match="weight must be 2-D"):
        F.linear(x, Tensor(xp.asarray(np.zeros(3))))


def test_dropout_keeps_the_expectation_and_drops_a_fraction_p(xp):
    """E[y] = x (inverted scaling 1/(1-p)); the kept fraction is 1 - p within 4 sigma."""
    n, p = 20000, 0.3
    x = Tensor(xp.ones((n,)), requires_grad=True)
    y = F.dropout(x, p=p, rng=xp.rng(0))
    v = y.numpy()
    kept = np.mean(v != 0)
    assert abs(kept - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(v[v != 0], 1 / (1 - p), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # dL/dx = m / (1 - p): the same mask


def test_dropout_is_the_identity_in_evaluation_and_reproducible_per_seed(xp):
    x = Tensor(xp.asarray(np.arange(1.0, 9.0)))
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0, rng=None) is x
    a = F.dropout(x, 0.5, rng=xp.rng(3)).numpy()
    b = F.dropout(x, 0.5, rng=xp.rng(3)).numpy()
    np.testing.assert_array_equal(a, b)
    assert np.all(F.dropout(x, 1.0, rng=xp.rng(3)).numpy() == 0)


def test_dropout_keeps_float32_on_the_device(xp32):
    x = Tensor(xp32.ones((3, 4), dtype=xp32.float32), requires_grad=True)
    y = F.dropout(x, 0.5, rng=xp32.rng(0))
    y.sum().backward()
    assert y.dtype == xp32.float32 and x.grad.dtype == xp32.float32


def test_dropout_refuses_a_missing_rng_bad_p_and_another_backend(xp):
    x = Tensor(xp.ones((2,)))
    with pytest.raises(TypeError, match="needs rng="):
        F.dropout(x, 0.5)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        F.dropout(x, 1.5, rng=xp.rng(0))
    other = "numpy" if xp.name != "numpy" else "strict"
    with pytest.raises(backend.BackendError, match="rng draws on backend"):
        F.dropout(x, 0.5, rng=backend.get(other).rng(0))
