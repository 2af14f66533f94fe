"""Activations: their derivatives (first and second order), PyTorch parity, and stability.

Gradients are checked against central differences in float64 (gradcheck's atol=1e-5,
rtol=1e-3 absorb O(eps^2) and rounding; a wrong derivative term is off by O(1)).
PyTorch parity is 1e-10 absolute plus 1e-12 relative: both libraries evaluate the same
closed forms in float64, so they differ by rounding only (a few ulp of values up to 1e4).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch.functional as F
from scratch import backend
from scratch.autograd import Tensor
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.strategies import floats, shapes

# name -> (our function, torch.nn.functional name, keyword arguments, kinks to avoid)
ACTIVATIONS = {
    "relu": (F.relu, "relu", {}, (0.0,)),
    "leaky_relu": (F.leaky_relu, "leaky_relu", {"negative_slope": 0.2}, (0.0,)),
    "elu": (F.elu, "elu", {"alpha": 1.3}, (0.0,)),
    "selu": (F.selu, "selu", {}, (0.0,)),
    "gelu": (F.gelu, "gelu", {}, ()),
    "gelu_tanh": (F.gelu, "gelu", {"approximate": "tanh"}, ()),
    "sigmoid": (F.sigmoid, "sigmoid", {}, ()),
    "tanh": (F.tanh, "tanh", {}, ()),
    "softplus": (F.softplus, "softplus", {}, ()),
    "softplus_beta_threshold": (F.softplus, "softplus", {"beta": 2.0, "threshold": 3.0}, (1.5,)),
    "softsign": (F.softsign, "softsign", {}, (0.0,)),
    "silu": (F.silu, "silu", {}, ()),
    "hardtanh": (F.hardtanh, "hardtanh", {"min_val": -0.5, "max_val": 1.5}, (-0.5, 1.5)),
    "softmax": (F.softmax, "softmax", {"dim": -1}, ()),
    "softmax_dim0": (F.softmax, "softmax", {"dim": 0}, ()),
    "log_softmax": (F.log_softmax, "log_softmax", {"dim": -1}, ()),
    "log_softmax_dim0": (F.log_softmax, "log_softmax", {"dim": 0}, ()),
}
NAMES = sorted(ACTIVATIONS)
SMALL = shapes(min_dims=1, max_dims=3, max_side=3)


def _call(name, x):
    fn, _, kw, _ = ACTIVATIONS[name]
    return fn(x, **kw)


@st.composite
def _inputs_away_from(draw, bk, kinks, lo=-3.0, hi=3.0):
    shape = draw(SMALL)
    elements = floats(lo, hi).filter(lambda v: all(abs(v - k) > 0.05 for k in kinks))
    return bk.asarray(draw(hnp.arrays(np.float64, shape, elements=elements)))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_activation_gradient_matches_central_differences(xp, name, data):
    """dy/dx from each docstring's derivation, against (f(x+eps) - f(x-eps)) / (2 eps)."""
    x = data.draw(_inputs_away_from(xp, ACTIVATIONS[name][3]))
    assert gradcheck(lambda t: _call(name, t), [Tensor(x, requires_grad=True)])


@pytest.mark.parametrize("name", NAMES)
def test_activation_second_derivative_matches_central_differences(xp, name):
    """Backward is written with differentiable ops on self.inputs/outputs: d2y/dx2 is exact."""
    rng = np.random.default_rng(7)
    kinks = ACTIVATIONS[name][3]
    v = rng.uniform(-2.5, 2.5, (2, 3))
    v = np.where(np.min([np.abs(v - k) for k in kinks] or [np.ones_like(v)], axis=0) < 0.1, 0.7, v)
    x = Tensor(xp.asarray(v), requires_grad=True)
    assert gradgradcheck(lambda t: _call(name, t), [x])


_ORACLE_ELEMENTS = st.one_of(floats(-6.0, 6.0), floats(-1e4, 1e4), st.sampled_from([0.0, 30.0]))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_activation_value_and_gradient_match_pytorch(xp, name, data):
    """Parity with torch.nn.functional (same kink conventions), incl. inputs of size 1e4."""
    torch = pytest.importorskip("torch")
    _, torch_name, kw, _ = ACTIVATIONS[name]
    a = data.draw(hnp.arrays(np.float64, data.draw(SMALL), elements=_ORACLE_ELEMENTS))
    g = np.random.default_rng(0).standard_normal(a.shape)
    x = Tensor(xp.asarray(a), requires_grad=True)
    y = _call(name, x)
    y.backward(Tensor(xp.asarray(g)))
    xt = torch.tensor(a, requires_grad=True)
    yt = getattr(torch.nn.functional, torch_name)(xt, **kw)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-10)


def _extremes(bk, dtype):
    a = np.array([[-1e4, -100.0, -30.0, -1.0], [0.5, 30.0, 100.0, 1e4]])
    return Tensor(bk.asarray(a, dtype=dtype), requires_grad=True)


@pytest.mark.parametrize("name", NAMES)
def test_activation_is_finite_at_plus_minus_1e4_in_float64(xp, name):
    """Stable forms: no overflow warning (an error under our pytest config), no NaN, no inf."""
    x = _extremes(xp, xp.float64)
    y = _call(name, x)
    y.sum().backward()
    assert y.dtype == xp.float64 and x.grad.dtype == xp.float64
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("name", NAMES)
def test_activation_is_finite_at_plus_minus_1e4_in_float32_and_keeps_float32(xp32, name):
    """float32 in, float32 out and float32 gradients (strict:no_float64 refuses any float64)."""
    x = _extremes(xp32, xp32.float32)
    y = _call(name, x)
    y.sum().backward()
    assert y.dtype == xp32.float32 and x.grad.dtype == xp32.float32
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))


@given(data=st.data())
def test_softmax_rows_are_distributions_and_log_softmax_is_their_log(xp, data):
    """softmax(x) >= 0 sums to 1 along dim; log_softmax(x) = log softmax(x); shift invariance."""
    a = data.draw(hnp.arrays(np.float64, data.draw(SMALL), elements=floats(-50, 50)))
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    p = F.softmax(Tensor(xp.asarray(a)), dim=dim).numpy()
    logp = F.log_softmax(Tensor(xp.asarray(a)), dim=dim).numpy()
    shifted = F.softmax(Tensor(xp.asarray(a + 1000.0)), dim=dim).numpy()
    np.testing.assert_allclose(p.sum(axis=dim), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.exp(logp), p, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(shifted, p, rtol=1e-9, atol=1e-15)


@given(data=st.data())
def test_sigmoid_is_symmetric_and_silu_is_x_times_sigmoid(xp, data):
    """sigma(-x) = 1 - sigma(x); silu(x) = x sigma(x); tanh(x) = 2 sigma(2x) - 1."""
    a = data.draw(hnp.arrays(np.float64, data.draw(SMALL), elements=floats(-20, 20)))
    s = F.sigmoid(Tensor(xp.asarray(a))).numpy()
    s_neg = F.sigmoid(Tensor(xp.asarray(-a))).numpy()
    np.testing.assert_allclose(s + s_neg, 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(F.silu(Tensor(xp.asarray(a))).numpy(), a * s, rtol=1e-14)
    s2 = F.sigmoid(Tensor(xp.asarray(2 * a))).numpy()
    np.testing.assert_allclose(F.tanh(Tensor(xp.asarray(a))).numpy(), 2 * s2 - 1, atol=1e-14)


def test_gelu_worked_values_and_its_tanh_form_stays_close(xp):
    """gelu(1) = Phi(1) = 0.8413447460685429 (tables of the normal CDF); tanh form within 1e-3."""
    a = np.linspace(-6, 6, 121)
    exact = F.gelu(Tensor(xp.asarray(a))).numpy()
    approx = F.gelu(Tensor(xp.asarray(a)), approximate="tanh").numpy()
    assert abs(F.gelu(Tensor(xp.asarray(np.array([1.0])))).item() - 0.8413447460685429) < 1e-15
    ref = a * 0.5 * np.array([1 + math.erf(v / math.sqrt(2)) for v in a])
    np.testing.assert_allclose(exact, ref, rtol=0, atol=1e-14)
    assert np.max(np.abs(exact - approx)) < 1e-3  # Hendrycks and Gimpel's approximation error


def test_selu_uses_the_self_normalizing_constants(xp):
    """selu(1) = scale, selu(-inf) -> -scale alpha (Klambauer et al. 2017)."""
    y = F.selu(Tensor(xp.asarray(np.array([1.0, -1e4])))).numpy()
    np.testing.assert_allclose(y, [1.0507009873554805, -1.0507009873554805 * 1.6732632423543772])


def test_activations_refuse_integer_input_and_bad_arguments(xp):
    x = Tensor(xp.asarray(np.array([1.0, 2.0])))
    with pytest.raises(TypeError, match="input must have a real floating dtype"):
        F.relu(Tensor(xp.asarray(np.array([1, 2]))))
    with pytest.raises(TypeError, match="input must be a Tensor or an array"):
        F.sigmoid([1.0, 2.0])
    with pytest.raises(ValueError, match="dim=2 is out of range"):
        F.softmax(x, dim=2)
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="min_val must not exceed max_val"):
        F.hardtanh(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="beta must be nonzero"):
        F.softplus(x, beta=0)


def test_activations_accept_raw_arrays_and_return_tensors_on_the_input_backend(xp):
    y = F.tanh(xp.asarray(np.array([0.5])))
    assert isinstance(y, Tensor) and backend.backend_name(y.data) == xp.name
