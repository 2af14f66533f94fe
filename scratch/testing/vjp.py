r"""check_vjp: a hand-written vector-Jacobian product against central differences.

The user writes f: (x_1, ..., x_n) -> y (or a tuple of outputs) on raw arrays of any
Array-API library (NumPy, CuPy, torch tensors, array-api-strict) and its
vector-Jacobian product

  vjp(gy, x_1, ..., x_n) = (J_1^T gy, ..., J_n^T gy),      J_i = dy / dx_i,

one gradient per input (None for inputs that are not differentiable, such as
integer labels). With a random gy = v drawn from ``seed``, J_i^T v is the gradient
of the scalar <v, f(x)>, which ``numeric.central_differences`` estimates element by
element. Tolerances are torch.autograd.gradcheck's: |a - n| <= atol + rtol |n| with
eps = 1e-6, atol = 1e-5, rtol = 1e-3, in float64.

Example
-------
>>> import numpy as np
>>> from scratch.testing import check_vjp
>>> f = lambda x, w: x @ w
>>> vjp = lambda gy, x, w: (gy @ w.T, x.T @ gy)
>>> check_vjp(f, vjp, {"x": np.ones((4, 3)), "w": np.ones((3, 2))})
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from .numeric import (
    assert_deterministic,
    central_differences,
    directions,
    is_real_floating,
    projection,
    sample_elements,
)
from .precision import (
    check_policy,
    coarse_tolerances,
    is_low_precision,
    refusal,
    refuse_float32_output,
    to_float64,
)
from .report import axis_labels, finish, make_report


def named_inputs(inputs: Any, names: Sequence[str] | None) -> tuple[list[str], list[Any]]:
    """(names, values) from a dict, a sequence, or a single array; ``names=`` for sequences."""
    if isinstance(inputs, Mapping):
        if names is not None:
            raise ValueError("pass names= or a dict of inputs, not both")
        return [str(k) for k in inputs], list(inputs.values())
    if backend.is_array(inputs) or isinstance(inputs, Tensor):
        inputs = [inputs]
    values = list(inputs)
    if names is None:
        return [str(i) for i in range(len(values))], values
    names = [str(n) for n in names]
    if len(names) != len(values):
        raise ValueError(f"names has {len(names)} entries for {len(values)} inputs: {names}")
    return names, values


def _raw(x: Any, name: str) -> Any:
    """A plain array: scratch Tensors give their data, torch tensors are detached."""
    if isinstance(x, Tensor):
        x = x.data
    if not backend.is_array(x):
        raise TypeError(f"input {name!r} must be an array, got {type(x).__name__}")
    if backend.backend_name(x) == "torch":
        x = x.detach()
    return x


def _as_tuple(y: Any, what: str) -> tuple:
    ys = tuple(y) if isinstance(y, (tuple, list)) else (y,)
    # a NumPy loss often ends in a NumPy scalar (np.sum): a 0-d array is what it means
    ys = tuple(np.asarray(t) if isinstance(t, (np.generic, float)) else t for t in ys)
    for k, t in enumerate(ys):
        if not backend.is_array(t):
            raise TypeError(f"{what} must return arrays, output {k} is {type(t).__name__}")
    return ys


class Missing:
    """Stands for a gradient the backward pass did not return (the reason says which)."""

    def __init__(self, reason: str):
        self.reason = reason


def _gradient_problem(g: Any, x: Any) -> str | None:
    """Why a returned gradient cannot be compared with its input, or None."""
    if isinstance(g, Missing):
        return g.reason
    if not backend.is_array(g):
        return f"vjp returned a {type(g).__name__}, not an array"
    if backend.backend_name(g) != backend.backend_name(x):
        return (
            f"vjp returned a {backend.backend_name(g)} array for a {backend.backend_name(x)} "
            "input: results must live where the inputs live"
        )
    return None


def check_vjp(
    f: Callable,
    vjp: Callable,
    inputs: Any,
    *,
    names: Sequence[str] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    n_samples: int | None = None,
    float32: str = "refuse",
    report_dir: str | Path | None = None,
    raise_exception: bool = True,
    what: str = "check_vjp",
    kinds: Mapping[str, str] | None = None,
) -> bool:
    """Check a hand-written VJP against central differences of <v, f(x)>.

    Parameters
    ----------
    f : callable
        ``f(*inputs)`` returns an array or a tuple of arrays (same library as the inputs).
    vjp : callable
        ``vjp(gy, *inputs)`` returns one gradient per input (a bare array for one input),
        each of its input's shape, or None for a non-differentiable input. ``gy`` is an
        array for a single output and a tuple for several.
    inputs : dict of name -> array, sequence of arrays, or one array
        Floating inputs must be float64 (see ``float32``); others pass through unchecked.
    names : sequence of str, optional
        Names of the inputs in reports (a dict's keys are used otherwise).
    eps, atol, rtol : float
        Central-difference step and tolerance |a - n| <= atol + rtol |n| (torch's defaults).
    seed : int
        Seed of the random output direction v (and of the element sample).
    n_samples : int, optional
        Fast mode: check only this many randomly chosen elements per input.
    float32 : {"refuse", "promote", "coarse"}
        What to do with float32 inputs (``scratch.testing.precision``).
    report_dir : path, optional
        Write a relative-error heatmap PNG per failing input here.
    raise_exception : bool
        Raise GradcheckError on failure (default) instead of returning False.
    what : str
        The checker's name in messages and heatmap file names.
    kinds : dict of name -> str, optional
        What the report calls an input (default "input"; check_layer says "parameter").

    Returns
    -------
    bool
        True when every checked element of every differentiable input agrees.

    Raises
    ------
    GradcheckError
        With the report: every failing input, its worst elements, max abs/rel error,
        the likely cause; ``err.analytic`` and ``err.numeric`` hold the arrays.
    """
    check_policy(float32)
    names, xs = named_inputs(inputs, names)
    xs = [_raw(x, n) for n, x in zip(names, xs)]
    low = [(n, x) for n, x in zip(names, xs) if is_low_precision(x)]
    if low and float32 == "refuse":
        n, x = low[0]
        hint = "Cast it with xp.astype(x, xp.float64) (torch: x.double())."
        raise refusal(what, n, x.dtype, hint, eps)
    if low and float32 == "promote":
        xs = [to_float64(x, n, what, eps) if is_low_precision(x) else x for n, x in zip(names, xs)]
    if low and float32 == "coarse":
        eps, atol, rtol = coarse_tolerances(eps, atol, rtol)

    ys = _as_tuple(f(*xs), "f")
    if low and float32 == "promote":
        for k, y in enumerate(ys):
            if is_low_precision(y):
                raise refuse_float32_output(what, k, y.dtype, eps)
    vs = directions(ys, seed)
    gy = vs[0] if len(vs) == 1 else tuple(vs)
    gs = vjp(gy, *xs)
    gs = (gs,) if not isinstance(gs, (tuple, list)) else tuple(gs)
    gs = tuple(np.asarray(g) if isinstance(g, np.generic) else g for g in gs)  # NumPy 0-d
    if len(gs) != len(xs):
        raise ValueError(f"vjp returned {len(gs)} gradients for {len(xs)} inputs ({names})")

    def evaluate_at(j):
        def evaluate(bumped, probe):
            args = list(xs)
            args[j] = bumped
            return projection(_as_tuple(f(*args), "f"), vs, probe)

        return evaluate

    again = projection(_as_tuple(f(*xs), "f"), vs)
    assert_deterministic(projection(ys, vs), again, what)
    rng = np.random.default_rng(seed)
    axes = axis_labels("input", names, [tuple(x.shape) for x in xs])
    axes += axis_labels("output", [str(k) for k in range(len(ys))], [tuple(y.shape) for y in ys])
    reports = []
    for j, (name, x, g) in enumerate(zip(names, xs, gs)):
        if g is None or not is_real_floating(x):
            continue
        shape = tuple(x.shape)
        problem = _gradient_problem(g, x)
        analytic = np.full(shape, np.nan) if problem else backend.to_numpy(g).astype(np.float64)
        probe = next((k for k, y in enumerate(ys) if tuple(y.shape) == shape), None)
        elements = sample_elements(shape, n_samples, rng)
        numeric, diagonal = central_differences(evaluate_at(j), x, eps, elements, probe)
        diagonal_only = None if diagonal is None else backend.to_numpy(vs[probe]) * diagonal
        output = None if probe is None else backend.to_numpy(ys[probe]).astype(np.float64)
        reports.append(
            make_report(
                name,
                shape,
                analytic,
                numeric,
                atol,
                rtol,
                diagonal_only,
                axes,
                problem,
                output,
                kind=(kinds or {}).get(name, "input"),
            )
        )
    if not reports:
        raise ValueError(f"{what}: vjp returned None for every floating input: nothing to check")
    return finish(reports, what, report_dir, raise_exception)
