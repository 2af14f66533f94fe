"""Linear, Identity, Flatten: PyTorch's layout, default initialisation and shapes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.nn import Flatten, Identity, Linear
from scratch.testing import gradcheck


@given(n_in=st.integers(1, 6), n_out=st.integers(1, 5), batch=st.integers(1, 4))
def test_linear_equals_torch_with_the_same_weights(xp, n_in, n_out, batch):
    """y = x W^T + b with W (out, in): same numbers as torch.nn.Linear given our weights."""
    torch = pytest.importorskip("torch")
    lin = Linear(n_in, n_out, backend=xp, dtype=xp.float, rng=0)
    x = np.random.default_rng(1).standard_normal((batch, n_in))
    ref = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(lin.weight.numpy()))
        ref.bias.copy_(torch.from_numpy(lin.bias.numpy()))
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = ref(xt)
    yt.sum().backward()
    y = lin(Tensor(xp.asarray(x)))
    y.sum().backward()
    # float64 on both sides; the sums differ only in summation order
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lin.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(lin.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-12)


def test_linear_gradients_pass_gradcheck(xp):
    lin = Linear(3, 2, backend=xp, dtype=xp.float, rng=0)
    x = Tensor(xp.asarray(np.random.default_rng(0).standard_normal((4, 3))), requires_grad=True)
    gradcheck(lambda x, w, b: lin(x), [x, lin.weight, lin.bias])


def test_linear_default_init_is_torchs_uniform_bound(xp):
    """W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5))."""
    lin = Linear(100, 300, backend=xp, rng=0)
    assert lin.weight.dtype == xp.float32 and lin.weight.shape == (300, 100)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    bound = 1 / math.sqrt(100)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound
    # Var U(-b, b) = b^2 / 3, 30000 draws: 5 standard errors = 5 sqrt(0.8 / 30000) relative
    assert abs(w.var() / (bound**2 / 3) - 1) < 5 * math.sqrt(0.8 / w.size)


def test_linear_is_reproducible_per_seed_and_lives_on_its_backend(xp):
    a = Linear(4, 3, backend=xp, rng=5)
    b = Linear(4, 3, backend=xp, rng=5)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    assert backend.backend_name(a.weight.data) == xp.name
    assert Linear(4, 3, bias=False, backend=xp).bias is None


def test_linear_validates_its_arguments():
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="dtype"):
        Linear(2, 3, dtype="int32")
    with pytest.raises(TypeError, match="rng"):
        Linear(2, 3, rng=1.5)
    with pytest.raises(ValueError, match="in_features = 2"):
        Linear(2, 3, rng=0)(Tensor(np.zeros((4, 5), dtype=np.float32)))


def test_flatten_merges_the_trailing_axes(xp):
    x = Tensor(xp.zeros((2, 3, 4, 5)))
    assert Flatten()(x).shape == (2, 60)
    assert Flatten(0)(x).shape == (120,)
    assert Flatten(1, 2)(x).shape == (2, 12, 5)
    assert Identity(7, foo=1)(x) is x


@given(lead=st.sampled_from([(4,), (2, 3), ()]), bias=st.booleans())
def test_fused_affine_node_has_correct_first_and_second_derivatives(xp, lead, bias):
    """Linear runs as one fused graph node (Affine): its raw-array backward and its
    differentiable backward (create_graph=True) both agree with central differences,
    for any number of leading axes, with and without bias."""
    from scratch.testing import gradgradcheck

    lin = Linear(3, 2, bias=bias, backend=xp, dtype=xp.float, rng=0)
    x = Tensor(
        xp.asarray(np.random.default_rng(0).standard_normal(lead + (3,))), requires_grad=True
    )
    params = [x, lin.weight] + ([lin.bias] if bias else [])

    def f(*ps):
        y = lin(ps[0])
        return y * y  # nonlinear in the weights, so second derivatives are non-trivial

    gradcheck(f, params)
    gradgradcheck(f, params)
    # the recorded backward (create_graph=True) gives the same first derivatives as the raw one
    from scratch.autograd import grad

    v = Tensor(xp.asarray(np.random.default_rng(1).standard_normal(lead + (2,))))
    plain = grad(f(*params), params, grad_outputs=v)
    recorded = grad(f(*params), params, grad_outputs=v, create_graph=True)
    for a, b in zip(plain, recorded):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_linear_refuses_an_input_from_another_backend():
    lin = Linear(2, 3, backend="strict", rng=0)
    with pytest.raises(backend.BackendError):
        lin(Tensor(np.zeros((4, 2), dtype=np.float32)))
