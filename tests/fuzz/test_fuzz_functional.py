"""Bad arguments for every name in scratch.functional.__all__.

Each function is called with one argument replaced by a bad one of a kind from the
conftest (complex, object, string data; an array of the other backend; for the functions
with a fixed layout, one axis too many or a 0-d array): each is a ValueError, TypeError or
BackendError raised by scratch that names the argument. NaN and inf inputs are not
refused here: like torch, the differentiable functions propagate them.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratch.functional as F
from scratch.autograd import Tensor

R = np.random.default_rng(0)
A = R.normal(size=(2, 3))
IMG = R.normal(size=(1, 2, 4, 4))
W_CONV = R.normal(size=(2, 2, 3, 3))
LAB = np.array([0, 2])
P = np.array([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]])
ONE = np.ones(2)
ZERO = np.zeros(2)

# name -> (function of the positional arguments, their host values, their names,
#          the kinds each argument is fuzzed with beyond the dtype kinds)
DTYPE = ("complex", "object", "string")
LAYOUT = ("ndim", "scalar")
UNARY = [
    "elu", "gelu", "hardtanh", "leaky_relu", "normal_cdf", "relu", "selu", "sigmoid",
    "silu", "softplus", "softsign", "tanh", "dropout", "abs", "exp", "log", "sqrt",
    "flatten", "max", "mean", "min", "sum", "transpose",
]  # fmt: skip
CALLS = {n: (getattr(F, n), (A,), ("input", "x"), ((),)) for n in UNARY}
CALLS.update(
    {
        "softmax": (lambda x: F.softmax(x, dim=1), (A,), ("input",), ((),)),
        "log_softmax": (lambda x: F.log_softmax(x, dim=1), (A,), ("input",), ((),)),
        "linear": (F.linear, (A, A, ONE), ("input", "weight", "bias"), ((), LAYOUT, LAYOUT)),
        "binary_cross_entropy": (
            F.binary_cross_entropy,
            (P, P),
            ("input", "target"),
            (("ndim",), ("ndim",)),
        ),
        "binary_cross_entropy_with_logits": (
            F.binary_cross_entropy_with_logits,
            (A, P),
            ("input", "target"),
            (("ndim",), ("ndim",)),
        ),
        "cross_entropy": (F.cross_entropy, (A, LAB), ("input", "target"), (LAYOUT, ())),
        "nll_loss": (F.nll_loss, (A, LAB), ("input", "target"), (LAYOUT, ())),
        "l1_loss": (F.l1_loss, (A, A), ("input", "target"), (("ndim",), ("ndim",))),
        "mse_loss": (F.mse_loss, (A, A), ("input", "target"), (("ndim",), ("ndim",))),
        "broadcast_to": (lambda x: F.broadcast_to(x, (4, 2, 3)), (A,), ("x",), ((),)),
        "clip": (lambda x: F.clip(x, -0.5, 0.5), (A,), ("x",), ((),)),
        "concatenate": (lambda a, b: F.concatenate([a, b]), (A, A), ("xs",), ((), ())),
        "stack": (lambda a, b: F.stack([a, b]), (A, A), ("xs",), ((), ())),
        "getitem": (lambda x: F.getitem(x, 0), (A,), ("x",), ((),)),
        "matmul": (lambda a, b: F.matmul(a, b), (A, A.T), ("a", "b"), ((), ())),
        "permute": (lambda x: F.permute(x, (1, 0)), (A,), ("x",), ((),)),
        "reshape": (lambda x: F.reshape(x, (3, 2)), (A,), ("x",), ((),)),
        "sum_to": (lambda x: F.sum_to(x, (1, 3)), (A,), ("x",), ((),)),
        "where": (F.where, (A > 0, A, A), ("cond", "a", "b"), ((), (), ())),
        "conv2d": (
            F.conv2d,
            (IMG, W_CONV, ONE),
            ("input", "weight", "bias"),
            (LAYOUT, LAYOUT, LAYOUT),
        ),
        "conv_transpose2d": (
            F.conv_transpose2d,
            (IMG, W_CONV, ONE),
            ("input", "weight", "bias"),
            (LAYOUT, LAYOUT, LAYOUT),
        ),
        "max_pool2d": (lambda x: F.max_pool2d(x, 2), (IMG,), ("input",), (LAYOUT,)),
        "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), (IMG,), ("input",), (LAYOUT,)),
        "adaptive_avg_pool2d": (
            lambda x: F.adaptive_avg_pool2d(x, 2),
            (IMG,),
            ("input",),
            (LAYOUT,),
        ),
        "batch_norm": (
            F.batch_norm,
            (IMG, ZERO, ONE, ONE, ZERO),
            ("input", "running_mean", "running_var", "weight", "bias"),
            (LAYOUT, LAYOUT, LAYOUT, LAYOUT, LAYOUT),
        ),
        "layer_norm": (
            lambda x, w, b: F.layer_norm(x, (4,), w, b),
            (IMG, np.ones(4), np.zeros(4)),
            ("input", "weight", "bias"),
            ((), LAYOUT, LAYOUT),
        ),
        "group_norm": (
            lambda x, w, b: F.group_norm(x, 2, w, b),
            (IMG, ONE, ZERO),
            ("input", "weight", "bias", "num_groups"),
            (LAYOUT, LAYOUT, LAYOUT),
        ),
        "instance_norm": (
            lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
            (IMG, ONE, ZERO),
            ("input", "weight", "bias"),
            (LAYOUT, LAYOUT, LAYOUT),
        ),
    }
)
assert set(CALLS) == set(F.__all__), set(F.__all__) ^ set(CALLS)

CASES = [
    (name, i, kind)
    for name, (_, args, _, extra) in CALLS.items()
    for i in range(len(args))
    for kind in DTYPE + (("other",) if len(args) > 1 else ()) + tuple(extra[i])
]


def _wrap(v, xp):
    return xp.asarray(v) if v is LAB else Tensor(xp.asarray(v))


@pytest.mark.parametrize("name,i,kind", CASES, ids=[f"{n}-{i}-{k}" for n, i, k in CASES])
def test_a_bad_argument_is_refused_by_name(xp, bad, ours, name, i, kind):
    fn, args, names, _ = CALLS[name]
    call = [_wrap(a, xp) for a in args]
    b = bad(kind, args[i], xp)
    host = isinstance(b, np.ndarray) and b.dtype.kind in "OU"  # not an Array-API array
    call[i] = b if host else Tensor(b)
    with pytest.raises((ValueError, TypeError)) as e:
        fn(*call)
    ours(e, *names, f"xs[{i}]")


def _t(v, xp):
    return Tensor(xp.asarray(v))


HYPER = {  # name -> (call with the bad value v, argument name, bad values)
    "dropout-p": (lambda v, xp: F.dropout(_t(A, xp), p=v), "p", (-0.1, 1.5, float("nan"))),
    "softplus-beta": (lambda v, xp: F.softplus(_t(A, xp), beta=v), "beta", (0.0,)),
    "conv2d-stride": (
        lambda v, xp: F.conv2d(_t(IMG, xp), _t(W_CONV, xp), stride=v),
        "stride",
        (0, -1, 1.5),
    ),
    "conv2d-padding": (
        lambda v, xp: F.conv2d(_t(IMG, xp), _t(W_CONV, xp), padding=v),
        "padding",
        (-1, 0.5),
    ),
    "conv2d-dilation": (
        lambda v, xp: F.conv2d(_t(IMG, xp), _t(W_CONV, xp), dilation=v),
        "dilation",
        (0, -2),
    ),
    "conv2d-groups": (
        lambda v, xp: F.conv2d(_t(IMG, xp), _t(W_CONV, xp), groups=v),
        "groups",
        (0, -1, 3),
    ),
    "conv_transpose2d-stride": (
        lambda v, xp: F.conv_transpose2d(_t(IMG, xp), _t(W_CONV, xp), stride=v),
        "stride",
        (0, -1),
    ),
    "max_pool2d-kernel_size": (
        lambda v, xp: F.max_pool2d(_t(IMG, xp), v),
        "kernel_size",
        (0, -1, 1.5),
    ),
    "max_pool2d-stride": (lambda v, xp: F.max_pool2d(_t(IMG, xp), 2, stride=v), "stride", (0, -1)),
    "avg_pool2d-kernel_size": (lambda v, xp: F.avg_pool2d(_t(IMG, xp), v), "kernel_size", (0, -1)),
    "avg_pool2d-divisor_override": (
        lambda v, xp: F.avg_pool2d(_t(IMG, xp), 2, divisor_override=v),
        "divisor_override",
        (0,),
    ),  # torch takes a negative one
    "adaptive_avg_pool2d-output_size": (
        lambda v, xp: F.adaptive_avg_pool2d(_t(IMG, xp), v),
        "output_size",
        (0, -1),
    ),
    "layer_norm-eps": (
        lambda v, xp: F.layer_norm(_t(IMG, xp), (4,), eps=v),
        "eps",
        (-1.0, float("nan")),
    ),
    "batch_norm-eps": (
        lambda v, xp: F.batch_norm(_t(IMG, xp), None, None, training=True, eps=v),
        "eps",
        (-1.0,),
    ),
    "group_norm-num_groups": (lambda v, xp: F.group_norm(_t(IMG, xp), v), "num_groups", (0, -1)),
    "group_norm-eps": (lambda v, xp: F.group_norm(_t(IMG, xp), 2, eps=v), "eps", (-1.0,)),
    "instance_norm-eps": (lambda v, xp: F.instance_norm(_t(IMG, xp), eps=v), "eps", (-1.0,)),
    "cross_entropy-label_smoothing": (
        lambda v, xp: F.cross_entropy(_t(A, xp), xp.asarray(LAB), label_smoothing=v),
        "label_smoothing",
        (-0.1, 1.5),
    ),
    "mse_loss-reduction": (
        lambda v, xp: F.mse_loss(_t(A, xp), _t(A, xp), reduction=v),
        "reduction",
        ("avg", None),
    ),
    "softmax-dim": (lambda v, xp: F.softmax(_t(A, xp), dim=v), "dim", (2, -3, 1.0)),
}
HYPER_CASES = [(k, v) for k, (_, _, vs) in HYPER.items() for v in vs]


@pytest.mark.parametrize("key,value", HYPER_CASES, ids=[f"{k}={v}" for k, v in HYPER_CASES])
def test_a_bad_hyperparameter_is_refused_by_name(xp, ours, key, value):
    call, name, _ = HYPER[key]
    with pytest.raises((ValueError, TypeError)) as e:
        call(value, xp)
    ours(e, name)
