"""The built-in ops ``scratch gradcheck NAME`` checks: scratch.functional with sample inputs.

Each entry says how many differentiable inputs the op takes, their default shapes, how
to draw them (``normal``; ``positive`` for log and sqrt; ``unit`` in (0.05, 0.95) for
probabilities) and how to call the op, with the non-differentiable arguments (labels,
targets, masks, sizes) made from the shapes. ``dropout`` is left out: it is random,
and a gradient check needs a deterministic function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Op:
    """A functional op with its sample inputs: call(F, rng, shapes, bk) -> fn(*tensors)."""

    shapes: tuple[tuple[int, ...], ...]
    make: Callable
    domain: str = "normal"


def _unary(name, **kw):
    return Op(((3, 4),), lambda F, rng, s, bk: lambda x: getattr(F, name)(x, **kw))


def _host_labels(rng, n, classes, bk):
    return bk.asarray(rng.integers(0, classes, size=n), dtype=bk.xp.int64)


def _target(rng, shape, bk, unit=False):
    t = rng.uniform(0.0, 1.0, shape) if unit else rng.standard_normal(shape)
    return bk.asarray(t)


OPS: dict[str, Op] = {
    **{
        n: _unary(n)
        for n in (
            "abs",
            "exp",
            "sigmoid",
            "tanh",
            "relu",
            "elu",
            "selu",
            "gelu",
            "softplus",
            "softsign",
            "silu",
            "hardtanh",
            "normal_cdf",
            "sum",
            "mean",
            "max",
            "min",
        )
    },
    "log": Op(((3, 4),), lambda F, rng, s, bk: F.log, "positive"),
    "sqrt": Op(((3, 4),), lambda F, rng, s, bk: F.sqrt, "positive"),
    "leaky_relu": _unary("leaky_relu", negative_slope=0.1),
    "softmax": _unary("softmax", dim=-1),
    "log_softmax": _unary("log_softmax", dim=-1),
    "clip": _unary("clip", min=-0.5, max=0.5),
    "flatten": Op(((2, 3, 4),), lambda F, rng, s, bk: F.flatten),
    "transpose": Op(((3, 4),), lambda F, rng, s, bk: F.transpose),
    "reshape": Op(((3, 4),), lambda F, rng, s, bk: lambda x: F.reshape(x, (-1,))),
    "permute": Op(
        ((2, 3, 4),),
        lambda F, rng, s, bk: lambda x: F.permute(x, tuple(reversed(range(len(s[0]))))),
    ),
    "broadcast_to": Op(((3, 4),), lambda F, rng, s, bk: lambda x: F.broadcast_to(x, (2, *s[0]))),
    "sum_to": Op(((3, 4),), lambda F, rng, s, bk: lambda x: F.sum_to(x, s[0][-1:])),
    "getitem": Op(((3, 4),), lambda F, rng, s, bk: lambda x: F.getitem(x, 0)),
    "matmul": Op(((3, 4), (4, 2)), lambda F, rng, s, bk: F.matmul),
    "where": Op(
        ((3, 4), (3, 4)),
        lambda F, rng, s, bk: (lambda c: lambda a, b: F.where(c, a, b))(
            bk.asarray(rng.random(s[0]) < 0.5)
        ),
    ),
    "concatenate": Op(((3, 4), (2, 4)), lambda F, rng, s, bk: lambda a, b: F.concatenate([a, b])),
    "stack": Op(((3, 4), (3, 4)), lambda F, rng, s, bk: lambda a, b: F.stack([a, b])),
    "linear": Op(((4, 3), (2, 3), (2,)), lambda F, rng, s, bk: F.linear),
    "conv2d": Op(
        ((2, 3, 5, 5), (4, 3, 3, 3), (4,)),
        lambda F, rng, s, bk: lambda x, w, b: F.conv2d(x, w, b, padding=1),
    ),
    "conv_transpose2d": Op(
        ((2, 3, 4, 4), (3, 2, 3, 3), (2,)),
        lambda F, rng, s, bk: lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2),
    ),
    "max_pool2d": Op(((2, 2, 4, 4),), lambda F, rng, s, bk: lambda x: F.max_pool2d(x, 2)),
    "avg_pool2d": Op(((2, 2, 4, 4),), lambda F, rng, s, bk: lambda x: F.avg_pool2d(x, 2)),
    "adaptive_avg_pool2d": Op(
        ((2, 2, 5, 5),), lambda F, rng, s, bk: lambda x: F.adaptive_avg_pool2d(x, (2, 2))
    ),
    "batch_norm": Op(
        ((4, 3), (3,), (3,)),
        lambda F, rng, s, bk: lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    ),
    "layer_norm": Op(
        ((2, 3, 4), (4,), (4,)),
        lambda F, rng, s, bk: lambda x, w, b: F.layer_norm(x, s[0][-1:], w, b),
    ),
    "group_norm": Op(
        ((2, 4, 3, 3), (4,), (4,)),
        lambda F, rng, s, bk: lambda x, w, b: F.group_norm(x, 2, w, b),
    ),
    "instance_norm": Op(((2, 3, 4, 4),), lambda F, rng, s, bk: F.instance_norm),
    "cross_entropy": Op(
        ((4, 5),),
        lambda F, rng, s, bk: (lambda t: lambda x: F.cross_entropy(x, t))(
            _host_labels(rng, s[0][0], s[0][-1], bk)
        ),
    ),
    "nll_loss": Op(
        ((4, 5),),
        lambda F, rng, s, bk: (lambda t: lambda x: F.nll_loss(x, t))(
            _host_labels(rng, s[0][0], s[0][-1], bk)
        ),
    ),
    "mse_loss": Op(((3, 4), (3, 4)), lambda F, rng, s, bk: F.mse_loss),
    "l1_loss": Op(((3, 4), (3, 4)), lambda F, rng, s, bk: F.l1_loss),
    "binary_cross_entropy": Op(
        ((3, 4),),
        lambda F, rng, s, bk: (lambda t: lambda x: F.binary_cross_entropy(x, t))(
            _target(rng, s[0], bk, unit=True)
        ),
        "unit",
    ),
    "binary_cross_entropy_with_logits": Op(
        ((3, 4),),
        lambda F, rng, s, bk: (lambda t: lambda x: F.binary_cross_entropy_with_logits(x, t))(
            _target(rng, s[0], bk, unit=True)
        ),
    ),
}


def draw(rng: np.random.Generator, shape: tuple, domain: str) -> np.ndarray:
    """Sample input values on the host: normal, positive (|z| + 0.5) or unit (0.05..0.95)."""
    if domain == "positive":
        return np.abs(rng.standard_normal(shape)) + 0.5
    if domain == "unit":
        return rng.uniform(0.05, 0.95, shape)
    return rng.standard_normal(shape)
