"""Pooling layers: torch.nn's constructor signatures and values."""

import numpy as np
import pytest

from scratch import backend, nn
from scratch.autograd import Tensor


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("MaxPool2d", (3,), {"stride": 2, "padding": 1}),
        ("MaxPool2d", ((2, 3),), {"dilation": (1, 2)}),
        ("AvgPool2d", (3,), {"stride": 1, "padding": 1, "count_include_pad": False}),
        ("AdaptiveAvgPool2d", ((3, 2),), {}),
        ("AdaptiveAvgPool2d", (1,), {}),
    ],
)
def test_pooling_layers_match_pytorch(xp, cls, args, kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    y = getattr(nn, cls)(*args, **kwargs)(Tensor(xp.asarray(x)))
    ty = getattr(torch.nn, cls)(*args, **kwargs)(torch.tensor(x))
    np.testing.assert_allclose(backend.to_numpy(y.data), ty.numpy(), rtol=0, atol=1e-12)


def test_torchs_pooling_options_are_accepted_and_hold_no_parameters():
    x = Tensor(np.random.default_rng(0).standard_normal((1, 1, 5, 5)))
    assert nn.MaxPool2d(2, ceil_mode=True)(x).shape == (1, 1, 3, 3)
    assert nn.AvgPool2d(2, divisor_override=3)(x).shape == (1, 1, 2, 2)
    assert len(nn.MaxPool2d(2, return_indices=True)(x)) == 2
    assert list(nn.MaxPool2d(2).parameters()) == []
