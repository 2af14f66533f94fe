"""Every scratch.functional activation takes its torch namesake's whole argument list.

The same parameter names in the same order (extras, such as dropout's rng, come after
and are keyword-only), and the same meaning: in place writes into the input's memory,
softmax's dtype casts first, dim=None is torch's implicit choice with its warning.
"""

import inspect

import numpy as np
import pytest

import scratch.functional as F
from scratch.autograd import Tensor, no_grad
from scratch.functional import activations

# every activation torch also has (normal_cdf is ours alone), and the linear family
ACTIVATIONS = [n for n in activations.__all__ if n != "normal_cdf"] + ["dropout", "linear"]


def _torch_params(name):
    torch = pytest.importorskip("torch")
    try:
        return list(inspect.signature(getattr(torch.nn.functional, name)).parameters)
    except (TypeError, ValueError):  # a C builtin without a Python signature
        return None


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_the_argument_list_is_torchs_in_torchs_order(name):
    theirs = _torch_params(name)
    if theirs is None:  # torch's documented signatures of its C builtins
        theirs = {
            "gelu": ["input", "approximate"],
            "linear": ["input", "weight", "bias"],
            "softplus": ["input", "beta", "threshold"],
        }[name]
    ours = inspect.signature(getattr(F, name)).parameters
    positional = [n for n, p in ours.items() if p.kind != p.KEYWORD_ONLY]
    assert positional == theirs


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "silu", "hardtanh"])
def test_inplace_writes_the_result_into_the_input(xp, name):
    a = np.linspace(-2, 2, 7)
    x = Tensor(xp.asarray(a))
    expected = getattr(F, name)(Tensor(xp.asarray(a))).numpy()
    y = getattr(F, name)(x, inplace=True)
    assert y is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=0, atol=0)


def test_inplace_is_refused_on_a_tensor_the_graph_records(xp):
    x = Tensor(xp.asarray([1.0, -1.0]), requires_grad=True)
    with pytest.raises(ValueError, match="deliberate difference from torch"):
        F.relu(x, inplace=True)
    with no_grad():  # no graph: torch's meaning holds
        assert F.relu(x, inplace=True) is x


def test_dropout_in_eval_mode_inplace_returns_the_input(xp):
    x = Tensor(xp.asarray([1.0, 2.0]))
    assert F.dropout(x, 0.5, False, True) is x


def test_softmax_dtype_casts_before_the_operation(xp):
    x = Tensor(xp.asarray(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)))
    y = F.softmax(x, dim=1, dtype=xp.float64)
    assert y.dtype == xp.float64
    np.testing.assert_allclose(y.numpy().sum(), 1.0, rtol=1e-15)
    assert F.log_softmax(x, 1, 3, xp.float64).dtype == xp.float64


def test_softmax_without_dim_is_torchs_implicit_choice_with_its_warning(xp):
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ours = F.softmax(Tensor(xp.asarray(a))).numpy()
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmax(torch.tensor(a)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
