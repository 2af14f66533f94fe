"""Zero-size batches (N = 0) work as in torch, for every functional op and layer.

torch's meaning: the output has shape (0, ...) (the shape torch gives for the same
arguments), backward gives the input a gradient of shape (0, ...), and a parameter a
gradient of zeros (a sum over no samples). A loss's 'mean' over no elements is torch's
NaN (0 / 0), 'sum' is 0, 'none' is empty, with no NumPy warning or error text; batch
norm leaves its running statistics unchanged.
"""

import warnings

import numpy as np
import pytest

import scratch.functional as F
from scratch import backend, nn
from scratch.autograd import Tensor

X2 = (0, 4)
X4 = (0, 3, 5, 5)


def _same(x, t):
    """torch 2.13's instance_norm raises an IndexError from inside for N = 0 (select():
    index 0 out of range); scratch gives the empty result, of the input's shape."""
    return x


# name -> (input shape, ours(x) on a scratch Tensor, theirs(x, torch) on a torch tensor)
FUNCTIONAL = {
    "linear": (X2, lambda x: F.linear(x, _w(x, (3, 4))), lambda x, t: t.linear(x, _tw(3, 4))),
    "conv2d": (
        X4,
        lambda x: F.conv2d(x, _w(x, (2, 3, 3, 3)), _w(x, (2,)), 2, 1),
        lambda x, t: t.conv2d(x, _tw(2, 3, 3, 3), _tw(2), 2, 1),
    ),
    "conv_transpose2d": (
        X4,
        lambda x: F.conv_transpose2d(x, _w(x, (3, 4, 3, 3)), None, 2, 1, 1, 1, 2),
        lambda x, t: t.conv_transpose2d(x, _tw(3, 4, 3, 3), None, 2, 1, 1, 1, 2),
    ),
    "max_pool2d": (
        X4,
        lambda x: F.max_pool2d(x, 2, ceil_mode=True),
        lambda x, t: t.max_pool2d(x, 2, ceil_mode=True),
    ),
    "avg_pool2d": (X4, lambda x: F.avg_pool2d(x, 3, 2, 1), lambda x, t: t.avg_pool2d(x, 3, 2, 1)),
    "adaptive_avg_pool2d": (
        X4,
        lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
        lambda x, t: t.adaptive_avg_pool2d(x, (2, 3)),
    ),
    "batch_norm": (
        X4,
        lambda x: F.batch_norm(x, None, None, _w(x, (3,)), _w(x, (3,)), True),
        lambda x, t: t.batch_norm(x, None, None, _tw(3), _tw(3), True),
    ),
    "batch_norm_eval": (
        X2,
        lambda x: F.batch_norm(x, _w(x, (4,), 0.0).data, _w(x, (4,)).data),
        lambda x, t: t.batch_norm(x, _tw(4) * 0, _tw(4)),
    ),
    "instance_norm": (
        X4,
        lambda x: F.instance_norm(x, weight=_w(x, (3,))),
        _same,
    ),
    "layer_norm": (
        X4,
        lambda x: F.layer_norm(x, (5, 5), _w(x, (5, 5))),
        lambda x, t: t.layer_norm(x, (5, 5), _tw(5, 5)),
    ),
    "group_norm": (
        X4,
        lambda x: F.group_norm(x, 3, _w(x, (3,))),
        lambda x, t: t.group_norm(x, 3, _tw(3)),
    ),
    "dropout_eval": (X2, lambda x: F.dropout(x, 0.5, False), lambda x, t: t.dropout(x, 0.5, False)),
    "dropout": (
        X2,
        lambda x: F.dropout(x, 0.5, rng=backend.backend_of(x.data).rng(0)),
        lambda x, t: t.dropout(x, 0.5),
    ),
    "softmax_over_the_batch": (X2, lambda x: F.softmax(x, 0), lambda x, t: t.softmax(x, 0)),
    "log_softmax": (X2, lambda x: F.log_softmax(x, 1), lambda x, t: t.log_softmax(x, 1)),
    "softmax_over_an_empty_dim": ((2, 0), lambda x: F.softmax(x, 1), lambda x, t: t.softmax(x, 1)),
}
ELEMENTWISE = [
    "relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh",
    "softplus", "silu", "softsign", "hardtanh",
]  # fmt: skip


def _w(x, shape, fill=1.0):
    """A parameter on x's backend and device that requires grad."""
    return Tensor(backend.backend_of(x.data).asarray(np.full(shape, fill)), requires_grad=True)


def _tw(*shape):
    import torch

    return torch.ones(shape, dtype=torch.float64)


def _check(xp, shape, ours, theirs):
    torch = pytest.importorskip("torch")
    x = Tensor(xp.asarray(np.zeros(shape)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy RuntimeWarning on the way
        y = ours(x)
        y.sum().backward()
    expected = theirs(torch.zeros(shape, dtype=torch.float64), torch.nn.functional)
    assert y.shape == tuple(expected.shape)
    assert x.grad is not None and x.grad.shape == shape


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional_ops_take_a_zero_size_batch_as_torch(xp, name):
    _check(xp, *FUNCTIONAL[name])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activations_take_a_zero_size_batch_as_torch(xp, name):
    _check(xp, X2, getattr(F, name), lambda x, t: getattr(t, name)(x))


def test_parameters_of_an_empty_batch_get_zero_gradients(xp):
    x = Tensor(xp.asarray(np.zeros(X4)), requires_grad=True)
    w, b = _w(x, (2, 3, 3, 3)), _w(x, (2,))
    F.conv2d(x, w, b).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((2, 3, 3, 3)))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(2))


def test_return_indices_of_an_empty_batch_are_an_empty_int64_array(xp):
    y, idx = F.max_pool2d(xp.asarray(np.zeros(X4)), 2, return_indices=True)
    assert y.shape == tuple(idx.shape) == (0, 3, 2, 2)
    assert idx.dtype == xp.int64


def test_batch_norm_of_an_empty_batch_leaves_the_running_statistics(xp):
    rm, rv = xp.asarray(np.full(3, 0.5)), xp.asarray(np.full(3, 2.0))
    F.batch_norm(Tensor(xp.asarray(np.zeros(X4))), rm, rv, training=True)
    np.testing.assert_array_equal(backend.to_numpy(rm), np.full(3, 0.5))
    np.testing.assert_array_equal(backend.to_numpy(rv), np.full(3, 2.0))


LOSSES = {
    "mse_loss": (lambda m, x, s: m.mse_loss(x, x * 0, reduction=s), "float"),
    "l1_loss": (lambda m, x, s: m.l1_loss(x, x * 0, reduction=s), "float"),
    "binary_cross_entropy": (
        lambda m, x, s: m.binary_cross_entropy(x, x * 0, reduction=s),
        "float",
    ),
    "binary_cross_entropy_with_logits": (
        lambda m, x, s: m.binary_cross_entropy_with_logits(x, x * 0, reduction=s),
        "float",
    ),
    "cross_entropy": (lambda m, x, y, s: m.cross_entropy(x, y, reduction=s), "index"),
    "cross_entropy_probabilities": (
        lambda m, x, s: m.cross_entropy(x, x * 0, reduction=s),
        "float",
    ),
    "cross_entropy_smoothed": (
        lambda m, x, y, s: m.cross_entropy(x, y, reduction=s, label_smoothing=0.1),
        "index",
    ),
    "nll_loss": (lambda m, x, y, s: m.nll_loss(x, y, reduction=s), "index"),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_of_an_empty_batch_are_torchs_nan_zero_or_empty(xp, name, reduction):
    torch = pytest.importorskip("torch")
    fn, target = LOSSES[name]
    x = Tensor(xp.asarray(np.zeros(X2)), requires_grad=True)
    xt = torch.zeros(X2, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice" from NumPy
        if target == "index":
            y = fn(F, x, xp.asarray(np.zeros(0, dtype=np.int64)), reduction)
            yt = fn(torch.nn.functional, xt, torch.zeros(0, dtype=torch.long), reduction)
        else:
            y, yt = fn(F, x, reduction), fn(torch.nn.functional, xt, reduction)
        y.sum().backward()
    assert y.shape == tuple(yt.shape)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())  # NaN == NaN here
    assert x.grad.shape == X2


def _layers(xp):
    """(ours, torch's, input shape): every layer with a batch axis."""
    import torch

    tn = torch.nn
    b = xp.name
    return [
        (nn.Linear(4, 3, backend=b, dtype="float64"), tn.Linear(4, 3).double(), X2),
        (
            nn.Conv2d(3, 2, 3, padding=1, backend=b, dtype="float64"),
            tn.Conv2d(3, 2, 3, padding=1).double(),
            X4,
        ),
        (
            nn.ConvTranspose2d(3, 2, 3, stride=2, backend=b, dtype="float64"),
            tn.ConvTranspose2d(3, 2, 3, stride=2).double(),
            X4,
        ),
        (nn.MaxPool2d(2, ceil_mode=True), tn.MaxPool2d(2, ceil_mode=True), X4),
        (nn.AvgPool2d(2, divisor_override=3), tn.AvgPool2d(2, divisor_override=3), X4),
        (nn.AdaptiveAvgPool2d(1), tn.AdaptiveAvgPool2d(1), X4),
        (nn.BatchNorm1d(4, backend=b, dtype="float64"), tn.BatchNorm1d(4).double(), X2),
        (nn.BatchNorm2d(3, backend=b, dtype="float64"), tn.BatchNorm2d(3).double(), X4),
        (nn.InstanceNorm2d(3, affine=True, backend=b, dtype="float64"), _same_module, X4),
        (nn.LayerNorm((5, 5), backend=b, dtype="float64"), tn.LayerNorm((5, 5)).double(), X4),
        (nn.GroupNorm(3, 3, backend=b, dtype="float64"), tn.GroupNorm(3, 3).double(), X4),
        (nn.Dropout(0.5, rng=0), tn.Dropout(0.5), X2),
        (nn.Flatten(), tn.Flatten(), X4),
        (nn.ReLU(), tn.ReLU(), X2),
        (nn.Softmax(1), tn.Softmax(1), X2),
        (nn.LogSoftmax(1), tn.LogSoftmax(1), X2),
        (
            nn.Sequential(nn.Flatten(), nn.Linear(75, 2, backend=b, dtype="float64")),
            tn.Sequential(tn.Flatten(), tn.Linear(75, 2)).double(),
            X4,
        ),  # fmt: skip
    ]


def _same_module(x):
    """torch.nn.InstanceNorm2d fails on N = 0 (see ``_same``): the input's shape."""
    return x


_same_module.train = _same_module.eval = lambda: None


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layers_take_a_zero_size_batch_as_torch(xp, mode):
    torch = pytest.importorskip("torch")
    for ours, theirs, shape in _layers(xp):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = Tensor(xp.asarray(np.zeros(shape)), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = ours(x)
            y.sum().backward()
        yt = theirs(torch.zeros(shape, dtype=torch.float64))
        assert y.shape == tuple(yt.shape), type(ours).__name__
        assert x.grad.shape == shape, type(ours).__name__
        for name, p in ours.named_parameters():
            assert p.grad is None or not np.any(p.grad.numpy()), f"{type(ours).__name__}.{name}"


def test_the_mean_of_an_empty_tensor_is_nan_as_in_torch(xp):
    import math

    from scratch.autograd import Tensor

    x = Tensor(xp.zeros((0, 3)), requires_grad=True)
    m = x.mean()
    assert math.isnan(m.item())
    assert x.mean(axis=0).shape == (3,) and all(math.isnan(v) for v in x.mean(axis=0).numpy())
    m.backward()
    assert x.grad.shape == (0, 3)
