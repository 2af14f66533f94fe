"""Initialisation: the variances of Glorot (2010) and He (2015), PyTorch's gains and fans."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.nn import init


def _sample_variance_tolerance(var, n, kurtosis_ratio):
    """5 standard errors of the sample variance of n iid draws: sd = var sqrt((k - 1) / n),
    k = E[w^4] / var^2 (uniform 9/5, normal 3). A correct init fails with prob < 1e-6."""
    return 5.0 * var * math.sqrt((kurtosis_ratio - 1.0) / n)


shapes = st.one_of(
    st.tuples(st.integers(150, 300), st.integers(100, 300)),  # Linear (out, in)
    st.tuples(st.integers(20, 40), st.integers(8, 16), st.sampled_from([3, 5]), st.just(3)),
)
nonlinearities = st.sampled_from(["relu", "leaky_relu", "tanh", "linear", "sigmoid", "selu"])


@given(shape=shapes, nonlinearity=nonlinearities, mode=st.sampled_from(["fan_in", "fan_out"]))
def test_kaiming_variance_is_gain_squared_over_fan(xp, shape, nonlinearity, mode):
    """He et al. (2015) eq. 10: Var(W) = gain^2 / fan (uniform and normal variants)."""
    fan_in = shape[1] * math.prod(shape[2:])
    fan_out = shape[0] * math.prod(shape[2:])
    fan = fan_in if mode == "fan_in" else fan_out
    var = init.calculate_gain(nonlinearity, 0.2) ** 2 / fan
    n = math.prod(shape)
    for fn, k in ((init.kaiming_uniform_, 9 / 5), (init.kaiming_normal_, 3.0)):
        t = Tensor(xp.zeros(shape))
        fn(t, a=0.2, mode=mode, nonlinearity=nonlinearity, rng=1)
        w = t.numpy()
        assert abs(w.mean()) < 5 * math.sqrt(var / n)
        assert abs(w.var() - var) < _sample_variance_tolerance(var, n, k)
        if fn is init.kaiming_uniform_:
            assert np.abs(w).max() <= math.sqrt(3 * var) * (1 + 1e-12)


@given(shape=shapes, gain=st.sampled_from([1.0, 5 / 3, math.sqrt(2)]))
def test_xavier_variance_is_two_gain_squared_over_fan_sum(xp, shape, gain):
    """Glorot & Bengio (2010) eq. 16 generalised: Var(W) = gain^2 2 / (fan_in + fan_out)."""
    r = math.prod(shape[2:])
    var = gain**2 * 2.0 / (shape[1] * r + shape[0] * r)
    n = math.prod(shape)
    for fn, k in ((init.xavier_uniform_, 9 / 5), (init.xavier_normal_, 3.0)):
        t = Tensor(xp.zeros(shape))
        fn(t, gain=gain, rng=2)
        assert abs(t.numpy().var() - var) < _sample_variance_tolerance(var, n, k)


def test_init_keeps_device_and_dtype_and_is_reproducible(xp):
    t = Tensor(xp.zeros((30, 20), dtype=xp.float32))
    init.kaiming_uniform_(t, rng=7)
    assert t.dtype == xp.float32 and backend.backend_name(t.data) == xp.name
    u = Tensor(xp.zeros((30, 20), dtype=xp.float32))
    init.kaiming_uniform_(u, rng=7)
    np.testing.assert_array_equal(t.numpy(), u.numpy())
    init.kaiming_uniform_(u, rng=8)
    assert not np.array_equal(t.numpy(), u.numpy())


def test_one_generator_gives_different_draws_to_successive_tensors(xp):
    gen = xp.rng(0)
    a, b = Tensor(xp.zeros((4, 4))), Tensor(xp.zeros((4, 4)))
    init.normal_(a, rng=gen)
    init.normal_(b, rng=gen)
    assert not np.array_equal(a.numpy(), b.numpy())


def test_constant_fills(xp):
    t = Tensor(xp.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones_(t).numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(init.zeros_(t).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.constant_(t, 2.5).numpy(), np.full((2, 3), 2.5))


def test_gains_and_fans_equal_torchs():
    torch = pytest.importorskip("torch")
    for nl in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu"]:
        assert init.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl), 1e-15)
    for a in (None, 0.2, math.sqrt(5)):
        assert init.calculate_gain("leaky_relu", a) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", a), 1e-15
        )
    for shape in [(5, 3), (8, 4, 3, 3), (2, 6, 1, 5)]:
        ours = init.calculate_fan_in_and_fan_out(Tensor(np.zeros(shape)))
        theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
        assert ours == theirs


def test_linear_default_bound_is_one_over_sqrt_fan_in():
    """kaiming_uniform(a=sqrt(5)): b = sqrt(3) sqrt(2 / (1 + 5)) / sqrt(fan_in) = 1/sqrt(fan_in)."""
    t = Tensor(np.zeros((400, 25)))
    init.kaiming_uniform_(t, a=math.sqrt(5), rng=0)
    w = t.numpy()
    assert np.abs(w).max() <= 1 / 5 and np.abs(w).max() > 0.99 / 5


def test_init_errors_name_the_problem():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(Tensor(np.zeros((2, 2))), mode="fan")
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(TypeError, match="Tensor"):
        init.zeros_(np.zeros(2))
    with pytest.raises(TypeError, match="rng"):
        init.uniform_(Tensor(np.zeros(2)), rng="seed")
