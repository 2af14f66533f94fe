"""Every scratch.functional function takes its torch namesake's whole argument list.

The same parameter names in the same order, with the same defaults (extras, such as
dropout's rng, come after and are keyword-only), and the same meaning: in place writes
into the input's memory, softmax's dtype casts first, dim=None is torch's implicit
choice with its warning, the losses' legacy size_average/reduce follow torch's
legacy_get_string rule.
"""

import ast
import contextlib
import inspect

import numpy as np
import pytest

import scratch.functional as F
from scratch import nn
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


# every name of scratch.functional.__all__ that torch.nn.functional also has; the test
# below fails when a new shared name appears, so it joins the signature check
SHARED = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "group_norm",
    "hardtanh",
    "instance_norm",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
]


def _torch_signature(name):
    """[(name, default or inspect.Parameter.empty)] of torch's function, in order.

    inspect reads the Python ones; for a C builtin (or max_pool2d's boolean dispatch,
    whose signature is (*args, **kwargs)) the first line of torch's docstring is its
    documented signature, ``name(input, weight, bias=None) -> Tensor``, parsed as Python.
    """
    torch = pytest.importorskip("torch")
    f = getattr(torch.nn.functional, name)
    try:
        params = inspect.signature(f).parameters.values()
        if not any(p.kind == p.VAR_POSITIONAL for p in params):
            return [(p.name, p.default) for p in params if p.kind != p.KEYWORD_ONLY]
    except (TypeError, ValueError):
        pass
    first = f.__doc__.strip().splitlines()[0].split("->")[0].strip()
    assert first.startswith(name + "("), first
    args = ast.parse(f"def {first}: pass").body[0].args
    names = [a.arg for a in args.args]
    defaults = [ast.literal_eval(d) for d in args.defaults]
    pad = [inspect.Parameter.empty] * (len(names) - len(defaults))
    return list(zip(names, pad + defaults))


def test_the_shared_names_are_every_name_torch_also_has():
    torch = pytest.importorskip("torch")
    assert [n for n in sorted(F.__all__) if hasattr(torch.nn.functional, n)] == SHARED


@pytest.mark.parametrize("name", SHARED)
def test_positional_parameters_and_defaults_are_torchs(name):
    """Names and order of the positional parameters, and each default torch states."""
    theirs = _torch_signature(name)
    ours = [
        (p.name, p.default)
        for p in inspect.signature(getattr(F, name)).parameters.values()
        if p.kind != p.KEYWORD_ONLY
    ]
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (n, mine), (_, torchs) in zip(ours, theirs):
        if torchs is not inspect.Parameter.empty:
            assert mine == torchs, f"{name}: default of {n} is {mine!r}, torch's {torchs!r}"


@pytest.mark.parametrize(
    "size_average, reduce",
    [(None, None), (True, None), (False, None), (None, False), (False, True)],
)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy", "bcel"])
def test_legacy_size_average_and_reduce_follow_torchs_rule(xp, name, size_average, reduce):
    """torch's _Reduction.legacy_get_string: None counts as True; reduce=False is 'none'."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, t = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0.0, 1.0, (3, 4))
    fn = "binary_cross_entropy_with_logits" if name == "bcel" else name
    if name in ("mse_loss", "l1_loss"):
        args = (size_average, reduce, "sum")
    else:
        args = (None, size_average, reduce, "sum")
    ours = getattr(F, fn)(Tensor(xp.asarray(a)), Tensor(xp.asarray(t)), *args)
    with (
        pytest.warns(UserWarning)
        if (size_average, reduce) != (None, None)
        else contextlib.nullcontext()
    ):
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(a), torch.tensor(t), *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True)])
def test_class_losses_take_the_legacy_slots_in_torchs_positions(xp, name, size_average, reduce):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.normal(size=(5, 3))
    y = np.array([0, 2, 1, 2, 0])
    w = np.array([0.5, 1.0, 2.0])
    args = (size_average, 1, reduce, "mean")  # ignore_index 1 between the legacy slots
    ours = getattr(F, name)(Tensor(xp.asarray(a)), xp.asarray(y), xp.asarray(w), *args)
    with pytest.warns(UserWarning):
        theirs = getattr(torch.nn.functional, name)(
            torch.tensor(a), torch.tensor(y), torch.tensor(w), *args
        )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_weight_each_element_as_torch(xp, name, reduction):
    """torch 2.13: l = w d, 'mean' = sum(w d) / sum(w); values and input gradients."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a, t, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.uniform(0.1, 2.0, (3, 4))
    x = Tensor(xp.asarray(a), requires_grad=True)
    y = getattr(F, name)(x, Tensor(xp.asarray(t)), reduction=reduction, weight=xp.asarray(w))
    xt = torch.tensor(a, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(
        xt, torch.tensor(t), reduction=reduction, weight=torch.tensor(w)
    )
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_an_elementwise_weight_of_another_shape_is_refused(xp):
    x = Tensor(xp.asarray(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="weight must have input's shape"):
        F.mse_loss(x, x, weight=xp.asarray(np.ones(3)))


def test_a_legacy_slot_that_is_not_a_bool_is_refused(xp):
    x = Tensor(xp.asarray(np.zeros((2, 3))))
    with pytest.raises(TypeError, match="size_average must be a bool"):
        F.mse_loss(x, x, "mean")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: F.layer_norm(x, (3,), eps=-1e-3), "eps"),
        (lambda x: F.group_norm(x, 1, eps=-1e-3), "eps"),
        (lambda x: F.batch_norm(x, None, None, training=True, momentum=1.5), "momentum"),
        (lambda x: F.instance_norm(x[..., None], momentum=-0.1), "momentum"),
        (lambda x: nn.BatchNorm1d(3, momentum=2.0), "momentum"),
        (lambda x: nn.BatchNorm1d(3, eps=-1.0), "eps"),
    ],
)
def test_what_torch_accepts_and_we_refuse_says_deliberately_and_why(xp, call, match):
    """torch takes a negative eps in layer/group norm and any momentum; we refuse both."""
    x = Tensor(xp.asarray(np.arange(6.0).reshape(2, 3)))
    with pytest.raises(ValueError, match=rf"{match} must .*refused deliberately.*torch.*accept"):
        call(x)


def test_torch_accepts_what_we_deliberately_refuse():
    torch = pytest.importorskip("torch")
    x = torch.arange(6.0).reshape(2, 3)
    torch.nn.functional.layer_norm(x, (3,), eps=-1e-3)
    torch.nn.functional.batch_norm(x, torch.zeros(3), torch.ones(3), training=True, momentum=1.5)
    torch.nn.BatchNorm1d(3, momentum=2.0, eps=-1.0)
