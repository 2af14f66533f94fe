"""Activation modules call scratch.functional with their stored arguments."""

import numpy as np
import pytest

from scratch import functional as F
from scratch import nn
from scratch.autograd import Tensor

CASES = [
    (nn.ReLU(), lambda x: F.relu(x)),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(0.5), lambda x: F.elu(x, 0.5)),
    (nn.SELU(), lambda x: F.selu(x)),
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.Sigmoid(), lambda x: F.sigmoid(x)),
    (nn.Tanh(), lambda x: F.tanh(x)),
    (nn.Softplus(2.0, 10.0), lambda x: F.softplus(x, beta=2.0, threshold=10.0)),
    (nn.Softsign(), lambda x: F.softsign(x)),
    (nn.SiLU(), lambda x: F.silu(x)),
    (nn.Hardtanh(-0.5, 0.5), lambda x: F.hardtanh(x, -0.5, 0.5)),
    (nn.Softmax(dim=0), lambda x: F.softmax(x, dim=0)),
    (nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, dim=1)),
]


@pytest.mark.parametrize("module,fn", CASES, ids=lambda c: type(c).__name__)
def test_activation_module_equals_its_functional(xp, module, fn):
    x = Tensor(xp.asarray(np.random.default_rng(0).standard_normal((3, 4))))
    np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())


def test_activation_modules_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5))
    pairs = [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.GELU(), torch.nn.GELU()),
        (nn.ELU(0.7), torch.nn.ELU(0.7)),
        (nn.Softmax(1), torch.nn.Softmax(1)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(
            ours(Tensor(x)).numpy(), theirs(torch.from_numpy(x)).numpy(), rtol=1e-12, atol=1e-14
        )


def test_hardtanh_refuses_an_empty_range():
    with pytest.raises(ValueError, match="min_val < max_val"):
        nn.Hardtanh(1.0, -1.0)
