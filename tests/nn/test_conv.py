"""Conv2d / ConvTranspose2d layers: PyTorch's signatures, weight layouts, init and values."""

import math

import numpy as np
import pytest

from scratch import backend, nn
from scratch.autograd import Tensor


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("Conv2d", (4, 6, 3), {"stride": 2, "padding": 1, "groups": 2}),
        ("Conv2d", (4, 4, (3, 2)), {"padding": "same", "dilation": 2, "groups": 4}),
        ("ConvTranspose2d", (4, 6, 4), {"stride": 2, "padding": 1, "output_padding": 1}),
        ("ConvTranspose2d", (4, 6, 3), {"groups": 2, "dilation": 2, "bias": False}),
    ],
)
def test_layers_match_pytorch_with_the_same_weights(xp, cls, args, kwargs):
    """Same parameter shapes and names as torch.nn; forward and gradients agree in float64."""
    torch = pytest.importorskip("torch")
    ours = getattr(nn, cls)(*args, **kwargs, backend=xp.name, dtype=xp.float, rng=0)
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    with torch.no_grad():
        for (_, p), (_, t) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert p.shape == tuple(t.shape)
            t.copy_(torch.tensor(_np(p)))
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 6))
    y = ours(Tensor(xp.asarray(x)))
    ty = theirs(torch.tensor(x))
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=0, atol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    for (_, p), (_, t) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), t.grad.numpy(), rtol=0, atol=1e-10)


def test_default_init_is_pytorchs_uniform_bound(xp):
    """kaiming_uniform(a = sqrt(5)): |w| <= 1/sqrt(fan_in), as is the bias; std = bound/sqrt 3."""
    layer = nn.Conv2d(16, 32, 3, backend=xp.name, rng=0)
    bound = 1.0 / math.sqrt(16 * 9)
    w, b = _np(layer.weight), _np(layer.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # 4608 draws of U(-b, b): std b/sqrt(3) within 5% (its standard error is ~1%)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)
    assert layer.weight.dtype == xp.float32
    t = nn.ConvTranspose2d(8, 4, 3, groups=2, backend=xp.name, rng=0)
    assert t.weight.shape == (8, 2, 3, 3)
    assert np.abs(_np(t.weight)).max() <= 1.0 / math.sqrt(2 * 9)


def test_same_seed_same_weights(xp):
    a = nn.Conv2d(3, 4, 3, backend=xp.name, rng=7)
    b = nn.Conv2d(3, 4, 3, backend=xp.name, rng=7)
    np.testing.assert_array_equal(_np(a.weight), _np(b.weight))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
        (lambda: nn.Conv2d(0, 4, 3), "in_channels"),
        (lambda: nn.Conv2d(2, 4, 3, padding=-1), "padding"),
        (lambda: nn.Conv2d(2, 4, 3, stride=2, padding="same"), "stride 1"),
        (lambda: nn.Conv2d(2, 4, 3, padding_mode="reflect"), "padding_mode"),
        (lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=2), "output_padding"),
    ],
)
def test_bad_constructor_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_state_dict_round_trip(xp, tmp_path):
    a = nn.Conv2d(2, 3, 3, backend=xp.name, rng=1)
    b = nn.Conv2d(2, 3, 3, backend=xp.name, rng=2)
    a.save(tmp_path / "c.npz")
    b.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(_np(a.weight), _np(b.weight))
