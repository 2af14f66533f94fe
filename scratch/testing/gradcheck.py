r"""Gradient checks of scratch Tensors: reverse mode against central differences.

For f: R^n -> R^m and a fixed random direction v in R^m, reverse mode gives
  a = J^T v = grad of <v, f(x)>   (one backward pass),
and central differences give, for each input element i,
  n_i = (<v, f(x + eps e_i)> - <v, f(x - eps e_i)>) / (2 eps),
whose error is O(eps^2) (``numeric``). A wrong Jacobian row is caught for almost
every v (the random projection loses nothing with probability one). The comparison
is |a_i - n_i| <= atol + rtol |n_i|, element by element, in float64 on any backend;
every failing input is reported with its worst elements and the likely cause
(``report``, ``causes``).

gradgradcheck applies the same test to the function x -> J(x)^T v built with
``create_graph=True``: it checks second derivatives (Hessian-vector products).

Running a check leaves module state alone: the Modules ``fn`` reaches (or those
passed as ``modules=``) get their buffers (BatchNorm's running statistics) and
parameter arrays restored afterwards (``state``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor, enable_grad, grad, no_grad
from .numeric import (
    assert_deterministic,
    central_differences,
    directions,
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
from .report import GradcheckError, axis_labels, finish, make_report
from .state import find_modules, preserved
from .vjp import named_inputs

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _as_tensors(values: list) -> list[Tensor]:
    return [x if isinstance(x, Tensor) else Tensor(x) for x in values]


def _outputs(fn, inputs) -> tuple:
    y = fn(*inputs)
    ys = (y,) if isinstance(y, Tensor) else tuple(y)
    for k, t in enumerate(ys):
        if not isinstance(t, Tensor):
            raise TypeError(f"fn must return Tensors, output {k} is {type(t).__name__}")
    return ys


def _cast_hint() -> str:
    from ..nn import Module

    model = (
        "Cast the model with model.double()"
        if hasattr(Module, "double")
        else "Cast the model's parameters (p.data = xp.astype(p.data, xp.float64))"
    )
    return f"{model} and the inputs with Tensor(xp.astype(x.data, xp.float64), requires_grad=True)."


class _Promoted:
    """float32='promote': cast inputs and module state to float64, restore on exit."""

    def __init__(self, inputs: list[Tensor], names: list[str], modules: list, eps: float):
        self.inputs, self.names, self.modules, self.eps = inputs, names, modules, eps

    def __enter__(self):
        self.saved = [(x, x.data) for x in self.inputs]
        for name, x in zip(self.names, self.inputs):
            if is_low_precision(x.data):
                x.data = to_float64(x.data, name, "gradcheck", self.eps)
        for top in self.modules:
            owners = dict(top.named_modules())
            for name, p in top.named_parameters():
                if is_low_precision(p.data):
                    p.data = to_float64(p.data, name, "gradcheck", self.eps)
            for name, b in list(top.named_buffers()):
                raw = b.data if isinstance(b, Tensor) else b
                if is_low_precision(raw):
                    owner, _, attr = name.rpartition(".")
                    setattr(owners[owner], attr, to_float64(raw, name, "gradcheck", self.eps))
        return self

    def __exit__(self, *exc):
        for x, data in self.saved:
            x.data = data
        return False


def gradcheck(
    fn: Callable,
    inputs: Sequence | dict,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
    *,
    names: Sequence[str] | None = None,
    n_samples: int | None = None,
    modules: Iterable | None = None,
    float32: str = "refuse",
    report_dir: str | Path | None = None,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central differences.

    Parameters
    ----------
    fn : callable
        Takes the input Tensors, returns a Tensor or a tuple of Tensors.
    inputs : sequence of Tensors (or arrays), or dict of name -> Tensor
        float64; those with ``requires_grad=True`` are checked (a dict passes its
        values positionally and names them in the report).
    eps, atol, rtol : float
        Step of the central difference and the tolerance
        |analytic - numeric| <= atol + rtol |numeric| (torch's defaults).
    seed : int
        Seed of the random output direction v (and of the element sample).
    raise_exception : bool
        Raise GradcheckError on failure (default) instead of returning False.
    names : sequence of str, optional
        Names of the inputs in the report.
    n_samples : int, optional
        Fast mode: check this many randomly chosen elements of each input (a 2,048-
        element weight costs 4,097 evaluations in full, 2 n_samples + 1 sampled).
    modules : iterable of Modules, optional
        Modules whose buffers and parameters are restored afterwards; by default those
        ``fn`` reaches (``scratch.testing.state.find_modules``).
    float32 : {"refuse", "promote", "coarse"}
        float32 inputs: refuse with advice, evaluate in float64 (inputs and the modules'
        state cast for the check, then restored), or check with honest float32
        tolerances (``scratch.testing.precision``).
    report_dir : path, optional
        Write a relative-error heatmap PNG per failing input here.

    Returns
    -------
    bool
        True when every checked element agrees.

    Raises
    ------
    GradcheckError
        Naming every failing input, its worst elements (index, analytic, numeric,
        relative error), max abs/rel error and the likely cause; ``err.analytic`` and
        ``err.numeric`` hold the arrays by input name.
    """
    options = dict(names=names, n_samples=n_samples, modules=modules, float32=float32)
    return _gradcheck(
        fn, inputs, eps, atol, rtol, seed, raise_exception, report_dir=report_dir, **options
    )


def _gradcheck(
    fn,
    inputs,
    eps,
    atol,
    rtol,
    seed,
    raise_exception,
    *,
    names,
    n_samples,
    modules,
    float32,
    report_dir,
    what="gradcheck",
) -> bool:
    """gradcheck under the name ``what`` (gradgradcheck reuses it for its messages)."""
    check_policy(float32)
    names, values = named_inputs(inputs, names)
    xs = _as_tensors(values)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    modules = find_modules(fn) if modules is None else list(modules)
    low = [(names[i], x) for i, x in enumerate(xs) if is_low_precision(x.data)]
    if low and float32 == "refuse":
        raise refusal(what, low[0][0], low[0][1].dtype, _cast_hint(), eps)
    if low and float32 == "coarse":
        eps, atol, rtol = coarse_tolerances(eps, atol, rtol)
    promote = float32 == "promote"
    opts = _Options(eps, atol, rtol, seed, raise_exception, n_samples, report_dir, promote, what)
    with (
        preserved(modules),
        _Promoted(xs if promote else [], names, modules if promote else [], eps),
    ):
        return _check(fn, xs, names, checked, opts)


@dataclass(frozen=True)
class _Options:
    eps: float
    atol: float
    rtol: float
    seed: int
    raise_exception: bool
    n_samples: int | None
    report_dir: str | Path | None
    promoted: bool
    what: str


def _check(fn, xs: list, names: list, checked: list, o: _Options) -> bool:
    """Reverse mode once, central differences per checked input, one report per input."""
    ys = _outputs(fn, xs)
    if o.promoted:
        for k, y in enumerate(ys):
            if is_low_precision(y.data):
                raise refuse_float32_output(o.what, k, y.dtype, o.eps)
    vs = directions([y.data for y in ys], o.seed)
    diff = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
    if diff:
        analytic = grad(
            [y for y, _ in diff],
            [xs[i] for i in checked],
            grad_outputs=[Tensor(v) for _, v in diff],
            allow_unused=True,
        )
    else:
        analytic = [None] * len(checked)

    def evaluate_at(x):
        def evaluate(bumped, probe):
            x.data = bumped
            with no_grad():
                return projection([y.data for y in _outputs(fn, xs)], vs, probe)

        return evaluate

    with no_grad():
        again = projection([y.data for y in _outputs(fn, xs)], vs)
    assert_deterministic(projection([y.data for y in ys], vs), again, o.what)
    rng = np.random.default_rng(o.seed)
    axes = axis_labels("input", names, [tuple(x.shape) for x in xs])
    reports = []
    for i, a in zip(checked, analytic):
        x = xs[i]
        shape = tuple(x.shape)
        a = np.zeros(shape) if a is None else backend.to_numpy(a.data).astype(np.float64)
        probe = next((k for k, y in enumerate(ys) if tuple(y.shape) == shape), None)
        original = x.data
        try:
            elements = sample_elements(shape, o.n_samples, rng)
            numeric, diagonal = central_differences(
                evaluate_at(x), original, o.eps, elements, probe
            )
        finally:
            x.data = original
        diagonal_only = None if diagonal is None else backend.to_numpy(vs[probe]) * diagonal
        output = None if probe is None else backend.to_numpy(ys[probe].data).astype(np.float64)
        reports.append(
            make_report(
                names[i], shape, a, numeric, o.atol, o.rtol, diagonal_only, axes, None, output
            )
        )
    return finish(reports, o.what, o.report_dir, o.raise_exception)


def gradgradcheck(
    fn: Callable,
    inputs: Sequence | dict,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
    **options: Any,
) -> bool:
    """Check second derivatives: gradcheck of x -> J(x)^T v, built with create_graph=True.

    The direction v is fixed (drawn from ``seed``) and treated as a constant, so the
    checked function is the gradient of <v, fn(x)> with respect to the inputs. The
    keyword options are gradcheck's (names, n_samples, modules, float32, report_dir).

    Parameters
    ----------
    fn : callable
        Takes the input Tensors, returns a Tensor or a tuple of Tensors; its backward
        must itself be differentiable.
    inputs : sequence of Tensors (or arrays), or dict of name -> Tensor
        float64; those with ``requires_grad=True`` are checked.
    eps, atol, rtol : float
        Step of the central difference and the tolerance, as in ``gradcheck``.
    seed : int
        The direction v is drawn from seed + 1; seed itself goes to gradcheck (its own
        direction and element sample).
    raise_exception : bool
        Raise GradcheckError on failure (default) instead of returning False.
    **options
        Passed on to ``gradcheck``: names, n_samples, modules, float32, report_dir.

    Returns
    -------
    bool
        True when every checked input's second derivatives match.
    """
    names, values = named_inputs(inputs, options.pop("names", None))
    xs = _as_tensors(values)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True")
    options.setdefault("modules", find_modules(fn))
    vs = directions([y.data for y in _outputs(fn, xs)], seed + 1)

    def first_derivative(*inner):
        with enable_grad():  # the numeric side evaluates under no_grad; this needs a graph
            ys = _outputs(fn, inner)
            pairs = [
                (y, Tensor(backend.asarray_like(v, y.data)))
                for y, v in zip(ys, vs)
                if y.requires_grad
            ]
            gs = grad(
                [y for y, _ in pairs],
                [inner[i] for i in checked],
                grad_outputs=[v for _, v in pairs],
                create_graph=True,
                allow_unused=True,
            )
        return tuple(g if g is not None else inner[i] * 0.0 for i, g in zip(checked, gs))

    options.setdefault("n_samples", None)
    options.setdefault("float32", "refuse")
    options.setdefault("report_dir", None)
    return _gradcheck(
        first_derivative,
        xs,
        eps,
        atol,
        rtol,
        seed,
        raise_exception,
        names=names,
        what="gradgradcheck",
        **options,
    )
