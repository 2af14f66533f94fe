"""One dtype rule for layers and functional ops: torch's.

torch refuses an input whose dtype differs from the parameters' (linear: "expected m1
and m2 to have the same dtype", conv: "expected scalar type Double but found Float",
the norms: "mixed dtype"); it does not promote. scratch refuses the same mix in every
op with parameters (weights, biases, running statistics, a loss's weights) with a
TypeError that names both dtypes and the fix (model.double() / model.float() or
x.astype(...)). Elementwise losses promote input and target, as torch does.
"""

import numpy as np
import pytest

import scratch.functional as F
from scratch import nn
from scratch.autograd import Tensor

FIX = r"input has dtype float64 but (weight|bias|running_mean|running_var) has dtype float32"


def _x(xp, shape, dtype="float64"):
    return Tensor(xp.asarray(np.ones(shape, dtype=dtype)))


def _p(xp, shape, dtype="float32"):
    return Tensor(xp.asarray(np.ones(shape, dtype=dtype)))


OPS = {
    "linear": lambda xp: F.linear(_x(xp, (2, 4)), _p(xp, (3, 4))),
    "linear_bias": lambda xp: F.linear(_x(xp, (2, 4)), _p(xp, (3, 4), "float64"), _p(xp, (3,))),
    "conv2d": lambda xp: F.conv2d(_x(xp, (1, 2, 4, 4)), _p(xp, (3, 2, 3, 3))),
    "conv_transpose2d": lambda xp: F.conv_transpose2d(_x(xp, (1, 2, 4, 4)), _p(xp, (2, 3, 3, 3))),
    "batch_norm_weight": lambda xp: F.batch_norm(
        _x(xp, (4, 3)), None, None, _p(xp, (3,)), None, True
    ),
    "batch_norm_running": lambda xp: F.batch_norm(
        _x(xp, (4, 3)), _p(xp, (3,)).data, _p(xp, (3,)).data
    ),
    "instance_norm": lambda xp: F.instance_norm(_x(xp, (2, 3, 4)), weight=_p(xp, (3,))),
    "layer_norm": lambda xp: F.layer_norm(_x(xp, (2, 3)), (3,), _p(xp, (3,))),
    "group_norm": lambda xp: F.group_norm(_x(xp, (2, 4, 3)), 2, None, _p(xp, (4,))),
    "cross_entropy_weight": lambda xp: F.cross_entropy(
        _x(xp, (2, 3)), xp.asarray(np.array([0, 2])), _p(xp, (3,)).data
    ),
    "nll_loss_weight": lambda xp: F.nll_loss(
        _x(xp, (2, 3)), xp.asarray(np.array([0, 2])), _p(xp, (3,)).data
    ),
    "bce_weight": lambda xp: F.binary_cross_entropy(
        _x(xp, (2, 3)) * 0.5, _x(xp, (2, 3)), _p(xp, (2, 3)).data
    ),
    "mse_weight": lambda xp: F.mse_loss(_x(xp, (2, 3)), _x(xp, (2, 3)), weight=_p(xp, (2, 3)).data),
}


@pytest.mark.parametrize("name", list(OPS))
def test_functional_ops_refuse_parameters_of_another_dtype(xp, name):
    with pytest.raises(TypeError, match=FIX) as e:
        OPS[name](xp)
    assert "model.double()" in str(e.value) and "astype" in str(e.value)


@pytest.mark.parametrize("name", ["linear", "conv2d", "layer_norm", "batch_norm_weight"])
def test_torch_refuses_the_same_mix(name):
    """The oracle: torch raises for these mixes too (its rule, which we follow)."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = torch.ones(2, 3, 4, 4, dtype=torch.float64)
    w32 = torch.ones(3, dtype=torch.float32)
    call = {
        "linear": lambda: tf.linear(x, torch.ones(3, 4)),
        "conv2d": lambda: tf.conv2d(x, torch.ones(3, 3, 1, 1)),
        "layer_norm": lambda: tf.layer_norm(x, (4,), torch.ones(4)),
        "batch_norm_weight": lambda: tf.batch_norm(x, None, None, w32, None, True),
    }[name]
    with pytest.raises(RuntimeError):
        call()


def _layers(xp):
    b = xp.name
    return [
        (nn.Linear(4, 3, backend=b), (2, 4)),
        (nn.Conv2d(2, 3, 3, backend=b), (1, 2, 5, 5)),
        (nn.ConvTranspose2d(2, 3, 3, backend=b), (1, 2, 5, 5)),
        (nn.BatchNorm1d(4, backend=b), (3, 4)),
        (nn.BatchNorm2d(2, backend=b), (3, 2, 4, 4)),
        (nn.BatchNorm2d(2, affine=False, backend=b), (3, 2, 4, 4)),  # the running stats
        (nn.InstanceNorm2d(2, affine=True, backend=b), (3, 2, 4, 4)),
        (nn.LayerNorm(4, backend=b), (3, 4)),
        (nn.GroupNorm(2, 4, backend=b), (3, 4, 2)),
        (nn.Sequential(nn.Linear(4, 3, backend=b), nn.ReLU()), (2, 4)),
    ]


def test_a_float32_layer_refuses_float64_input_and_double_fixes_it(xp):
    """Linear used to return float64 silently here, while conv2d refused: now one rule."""
    for layer, shape in _layers(xp):
        x = _x(xp, shape)
        with pytest.raises(TypeError, match=FIX):
            layer(x)
        assert layer.double()(x).dtype == xp.float64, type(layer).__name__
        # and the other way round: a float64 model refuses float32 input
        with pytest.raises(TypeError, match="input has dtype float32"):
            layer(_x(xp, shape, "float32"))
        assert layer.float()(_x(xp, shape, "float32")).dtype == xp.float32


def test_elementwise_losses_promote_input_and_target_as_torch(xp):
    torch = pytest.importorskip("torch")
    a, t = np.linspace(0, 1, 6).reshape(2, 3), np.linspace(1, 0, 6).reshape(2, 3)
    y = F.mse_loss(Tensor(xp.asarray(a)), Tensor(xp.asarray(t.astype(np.float32))))
    yt = torch.nn.functional.mse_loss(torch.tensor(a), torch.tensor(t, dtype=torch.float32))
    assert y.dtype == xp.float64 and yt.dtype == torch.float64
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-7)
