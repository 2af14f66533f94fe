r"""check_layer: a CS231n/Caffe-style layer pair against central differences.

The layer is a pair of functions on raw arrays,

  out, cache = forward(*inputs, **params)
  dx, dparams = backward(dout, cache)

where ``dparams`` is a dict {name: dL/dparam} with one entry per parameter. Several
inputs give ``dx1, dx2, ..., dparams``; the CS231n habit of returning a flat tuple
``(dx, dw, db)`` (inputs first, then the parameters in the order of ``params``) is
accepted too. Every input and every parameter is checked: with a random dout = v,
backward must return J^T v for each of them, the gradient of <v, out> (``check_vjp``).

Example
-------
>>> import numpy as np
>>> from scratch.testing import check_layer
>>> def affine_forward(x, w, b):
...     return x @ w + b, (x, w)
>>> def affine_backward(dout, cache):
...     x, w = cache
...     return dout @ w.T, {"w": x.T @ dout, "b": dout.sum(axis=0)}
>>> rng = np.random.default_rng(0)
>>> check_layer(affine_forward, affine_backward, rng.standard_normal((4, 3)),
...             {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)})
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .vjp import Missing, check_vjp, named_inputs


def _split(result: Any, n_inputs: int, param_names: list[str]) -> list[Any]:
    """backward's result as one gradient per input and parameter (Missing where absent)."""
    if isinstance(result, tuple) and result and isinstance(result[-1], Mapping):
        dxs, dparams = list(result[:-1]), dict(result[-1])
    elif isinstance(result, tuple):
        flat = list(result)
        if len(flat) != n_inputs + len(param_names):
            raise ValueError(
                f"backward returned {len(flat)} values; expected {n_inputs} input gradient(s) "
                f"and a dict of parameter gradients, or {n_inputs + len(param_names)} values "
                f"(inputs, then parameters {param_names})"
            )
        dxs, dparams = flat[:n_inputs], dict(zip(param_names, flat[n_inputs:]))
    else:
        dxs, dparams = [result], {}
    if len(dxs) != n_inputs:
        raise ValueError(f"backward returned {len(dxs)} input gradient(s) for {n_inputs} inputs")
    unexpected = sorted(set(dparams) - set(param_names))
    if unexpected:
        raise ValueError(
            f"backward returned gradients for unknown parameters {unexpected}; "
            f"the parameters are {param_names}"
        )
    grads = list(dxs)
    for p in param_names:
        grads.append(
            dparams[p] if p in dparams else Missing(f"backward returned no gradient for {p!r}")
        )
    return grads


def check_layer(
    forward: Callable,
    backward: Callable,
    inputs: Any,
    params: Mapping[str, Any] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    n_samples: int | None = None,
    float32: str = "refuse",
    report_dir: str | Path | None = None,
    raise_exception: bool = True,
) -> bool:
    """Check a layer's backward pass for every input and parameter.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, **params)`` returns ``(out, cache)``.
    backward : callable
        ``backward(dout, cache)`` returns ``(dx, {name: dparam})`` (see the module doc).
    inputs : array, sequence of arrays, or dict of name -> array
        The layer's inputs (float64). A dict names them in the report.
    params : dict of name -> array, optional
        The layer's parameters, passed to forward as keyword arguments.
    eps, atol, rtol, seed, n_samples, float32, report_dir, raise_exception
        As in ``check_vjp``.

    Returns
    -------
    bool
        True when every input and parameter gradient agrees with central differences.

    Raises
    ------
    GradcheckError
        With the report (which input or parameter, worst elements, likely cause).
    """
    in_names, xs = named_inputs(inputs, None)
    if not isinstance(inputs, Mapping):
        in_names = ["x"] if len(xs) == 1 else [f"x{i}" for i in range(len(xs))]
    params = dict(params or {})
    clash = sorted(set(in_names) & set(params))
    if clash:
        raise ValueError(f"inputs and params share the names {clash}")
    p_names = list(params)
    n = len(xs)

    def call(*arrays):
        return forward(*arrays[:n], **dict(zip(p_names, arrays[n:])))

    def f(*arrays):
        out, _ = call(*arrays)
        return out

    def vjp(dout, *arrays):
        _, cache = call(*arrays)
        return tuple(_split(backward(dout, cache), n, p_names))

    return check_vjp(
        f,
        vjp,
        dict(zip(in_names + p_names, xs + list(params.values()))),
        eps=eps,
        atol=atol,
        rtol=rtol,
        seed=seed,
        n_samples=n_samples,
        float32=float32,
        report_dir=report_dir,
        raise_exception=raise_exception,
        what="check_layer",
        kinds={p: "parameter" for p in p_names},
    )
