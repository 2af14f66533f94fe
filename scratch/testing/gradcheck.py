r"""Gradient checks: analytic gradients against central differences.

For f: R^n -> R^m and a fixed random direction v in R^m, reverse mode gives
  a = J^T v = grad of <v, f(x)>   (one backward pass),
and central differences give, for each input element i,
  n_i = (<v, f(x + eps e_i)> - <v, f(x - eps e_i)>) / (2 eps),
whose error is O(eps^2). A wrong Jacobian row is caught for almost every v (the
random projection loses nothing with probability one). The comparison is
|a_i - n_i| <= atol + rtol |n_i|, element by element, in float64 on any backend.

gradgradcheck applies the same test to the function x -> J(x)^T v built with
``create_graph=True``: it checks second derivatives (Hessian-vector products).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, enable_grad, grad, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numeric one (the message says where)."""


def _as_inputs(inputs):
    if isinstance(inputs, (Tensor,)) or backend.is_array(inputs):
        inputs = (inputs,)
    out = []
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.requires_grad or x.xp.isdtype(x.dtype, "real floating"):
            if x.dtype != x.xp.float64:
                raise TypeError(
                    f"gradcheck needs float64 inputs (central differences in float32 are "
                    f"too coarse); input {i} has dtype {x.dtype}"
                )
        out.append(x)
    return out


def _outputs(fn, inputs):
    y = fn(*inputs)
    ys = (y,) if isinstance(y, Tensor) else tuple(y)
    for k, t in enumerate(ys):
        if not isinstance(t, Tensor):
            raise TypeError(f"fn must return Tensors, output {k} is {type(t).__name__}")
    return ys


def _directions(ys, seed):
    rng = np.random.default_rng(seed)
    vs = []
    for y in ys:
        v = rng.standard_normal(y.shape) if y.shape else rng.standard_normal()
        vs.append(y.xp.asarray(np.asarray(v), dtype=y.dtype, device=y.device))
    return vs


def _projection(fn, inputs, vs) -> float:
    """<v, f(x)> summed over outputs, as a Python float (a host scalar per evaluation)."""
    with no_grad():
        ys = _outputs(fn, inputs)
        total = 0.0
        for y, v in zip(ys, vs):
            xp = y.xp
            if xp.isdtype(y.dtype, "real floating"):
                total += float(backend.to_numpy(xp.sum(y.data * v)))
        return total


def gradcheck(
    fn: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central differences.

    Parameters
    ----------
    fn : callable
        Takes the input Tensors, returns a Tensor or a tuple of Tensors.
    inputs : sequence of Tensors (or arrays)
        float64; those with ``requires_grad=True`` are checked.
    eps, atol, rtol : float
        Step of the central difference and the tolerance
        |analytic - numeric| <= atol + rtol |numeric|.
    seed : int
        Seed of the random output direction v.
    raise_exception : bool
        Raise GradcheckError on failure (default) instead of returning False.

    Returns
    -------
    bool
        True when every checked element agrees.

    Raises
    ------
    GradcheckError
        Naming the input, the element, the analytic and the numeric value.
    """
    inputs = _as_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    ys = _outputs(fn, inputs)
    vs = _directions(ys, seed)
    diff_ys = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
    if diff_ys:
        analytic = grad(
            [y for y, _ in diff_ys],
            [inputs[i] for i in checked],
            grad_outputs=[Tensor(v) for _, v in diff_ys],
            allow_unused=True,
        )
    else:
        analytic = [None] * len(checked)
    for i, a in zip(checked, analytic):
        x = inputs[i]
        a = np.zeros(x.shape) if a is None else backend.to_numpy(a.data)
        numeric = np.zeros(x.shape)
        original = x.data
        xp = x.xp
        for flat in range(math.prod(x.shape)):
            idx = np.unravel_index(flat, x.shape) if x.shape else ()
            idx = tuple(int(j) for j in idx)
            values = []
            for step in (eps, -eps):
                bumped = xp.asarray(original, copy=True)
                bumped[idx] = bumped[idx] + step
                x.data = bumped
                values.append(_projection(fn, inputs, vs))
            x.data = original
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        bad = ~(np.abs(a - numeric) <= atol + rtol * np.abs(numeric))
        if bad.any():
            j = tuple(int(k) for k in np.argwhere(bad)[0]) if x.shape else ()
            msg = (
                f"gradcheck failed for input {i} (shape {x.shape}) at element {j}: "
                f"analytic {a[j]!r} vs numeric {numeric[j]!r} "
                f"({int(bad.sum())} of {bad.size} elements disagree; atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of x -> J(x)^T v, built with create_graph=True.

    The direction v is fixed (drawn from ``seed``) and treated as a constant, so the
    checked function is the gradient of <v, fn(x)> with respect to the inputs.
    """
    inputs = _as_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True")
    vs = _directions(_outputs(fn, inputs), seed + 1)

    def first_derivative(*xs):
        with enable_grad():  # the numeric side evaluates under no_grad; this needs a graph
            return _first_derivative(*xs)

    def _first_derivative(*xs):
        ys = _outputs(fn, xs)
        pairs = [(y, Tensor(v)) for y, v in zip(ys, vs) if y.requires_grad]
        gs = grad(
            [y for y, _ in pairs],
            [xs[i] for i in checked],
            grad_outputs=[v for _, v in pairs],
            create_graph=True,
            allow_unused=True,
        )
        out = []
        for i, g in zip(checked, gs):
            out.append(g if g is not None else xs[i] * 0.0)
        return tuple(out)

    return gradcheck(first_derivative, inputs, eps, atol, rtol, seed, raise_exception)
