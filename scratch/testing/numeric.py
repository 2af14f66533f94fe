r"""Central differences of a random projection, element by element, on any backend.

For f: R^n -> R^m fix a random direction v in R^m and look at the scalar
  p(x) = <v, f(x)>.
Its gradient is what reverse mode computes in one pass, grad p = J^T v. Central
differences estimate it one input element at a time:
  n_i = (p(x + eps e_i) - p(x - eps e_i)) / (2 eps),
with truncation error (eps^2 / 6) |d^3 p / dx_i^3| and round-off error about
u |p| / eps (u the unit round-off: 1.1e-16 in float64, 6.0e-8 in float32). In
float64 eps = 1e-6 balances both near 1e-10 relative; in float32 the best eps is
about u^(1/3) = 4e-3 and the best error about u^(2/3) = 1.5e-5 relative to |p|/|x|,
which is why float32 differences need tolerances near 1e-2 (see ``float32_advice``).

A wrong Jacobian row is caught for almost every v: the random projection loses
nothing with probability one.

When an output has the input's shape, the same evaluations also give the diagonal
of the Jacobian, d_i = (f(x + eps e_i)_i - f(x - eps e_i)_i) / (2 eps), for free:
the report uses it to recognise a backward pass that keeps only dy_i/dx_i and drops
the cross terms (softmax's -y y^T, a normalisation's mean and variance terms).

Everything here moves one host scalar (or two) per evaluation: the differences are
a Python-side loop by nature, and ``to_numpy`` is the one explicit way back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import backend

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
FLOAT64_UNIT_ROUNDOFF = 2.0**-53


def directions(outputs: Sequence[Any], seed: int) -> list[Any]:
    """One standard-normal direction v_k per output, drawn on the host from ``seed`` and
    placed beside the output with its dtype (one explicit transfer each)."""
    rng = np.random.default_rng(seed)
    vs = []
    for y in outputs:
        shape = tuple(y.shape)
        v = rng.standard_normal(shape) if shape else np.asarray(rng.standard_normal())
        vs.append(backend.asarray_like(np.asarray(v), y))
    return vs


def is_real_floating(a: Any) -> bool:
    xp = backend.namespace(a)
    return bool(xp.isdtype(a.dtype, "real floating"))


def projection(outputs: Sequence[Any], vs: Sequence[Any], probe=None) -> np.ndarray:
    """[<v, f(x)>] summed over the floating outputs, plus f(x)_probe when asked.

    ``probe`` is (k, index): output k's element ``index`` (the Jacobian-diagonal probe).
    Returns a float64 host array of length 1 or 2 (one transfer).
    """
    total = None
    for y, v in zip(outputs, vs):
        if not is_real_floating(y):
            continue
        term = backend.namespace(y).sum(y * v)
        total = term if total is None else total + term
    value = 0.0 if total is None else float(backend.to_numpy(total))
    if probe is None:
        return np.asarray([value])
    k, index = probe
    return np.asarray([value, float(backend.to_numpy(outputs[k][index]))])


def sample_elements(shape: tuple, n_samples: int | None, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all of them, or ``n_samples`` distinct ones drawn at random."""
    size = math.prod(shape)
    if n_samples is None or n_samples >= size:
        return np.arange(size)
    if n_samples < 1:
        raise ValueError(f"n_samples must be a positive int or None, got {n_samples!r}")
    return np.sort(rng.choice(size, size=n_samples, replace=False))


def central_differences(
    evaluate: Callable[[Any], np.ndarray],
    x: Any,
    eps: float,
    elements: np.ndarray,
    probe_output: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """n_i = (p(x + eps e_i) - p(x - eps e_i)) / (2 eps) for the flat indices ``elements``.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(bumped, probe)`` computes ``projection`` at the input array ``bumped``
        (the caller puts it in place of x), with ``probe=(k, index)`` or None.
    x : array of any backend
        The input at which to differentiate (not modified: a copy is bumped).
    eps : float
        The step.
    elements : array of int
        Flat indices to differentiate along; the rest of the result is NaN.
    probe_output : int or None
        Index of an output with x's shape: also estimate the Jacobian diagonal.

    Returns
    -------
    numeric : float64 host array of x's shape (NaN where not checked)
    diagonal : the same for dy_i/dx_i, or None
    """
    shape = tuple(x.shape)
    xp = backend.namespace(x)
    host = backend.to_numpy(x).astype(np.float64)
    bumped = xp.asarray(x, copy=True)
    numeric = np.full(shape, np.nan)
    diagonal = np.full(shape, np.nan) if probe_output is not None else None
    for flat in elements:
        index = tuple(int(j) for j in np.unravel_index(int(flat), shape)) if shape else ()
        probe = None if probe_output is None else (probe_output, index)
        centre = float(host[index])
        bumped[index] = centre + eps
        plus = evaluate(bumped, probe)
        bumped[index] = centre - eps
        minus = evaluate(bumped, probe)
        bumped[index] = centre
        numeric[index] = (plus[0] - minus[0]) / (2 * eps)
        if diagonal is not None:
            diagonal[index] = (plus[1] - minus[1]) / (2 * eps)
    return numeric, diagonal


def float32_advice(eps: float = 1e-6) -> str:
    """Why float32 central differences cannot be trusted at ``eps``, and what would be honest."""
    u = FLOAT32_UNIT_ROUNDOFF
    h = u ** (1 / 3)
    return (
        f"in float32 the round-off of one difference is about u |p| / eps = "
        f"{u / eps:.0e} |p| at eps={eps:g} (u = {u:.1e}), far above any useful tolerance; "
        f"the best step is eps ~ u^(1/3) = {h:.0e} (times |x|), and even there the error is "
        f"~u^(2/3) = {u ** (2 / 3):.0e} relative, so an honest float32 check needs "
        f"eps=1e-2, rtol=1e-2, atol=1e-3 and still misses errors smaller than ~1%"
    )


def assert_deterministic(first: np.ndarray, second: np.ndarray, what: str) -> None:
    """Two evaluations at the same point must agree, or no difference quotient means anything."""
    p, q = float(first[0]), float(second[0])
    if abs(p - q) > 1e-9 * (1.0 + abs(p)):
        from .report import GradcheckError

        raise GradcheckError(
            f"{what}: the function is not deterministic: two evaluations at the same inputs "
            f"give <v, f(x)> = {p:.10g} and {q:.10g}. Randomness inside (Dropout in training "
            f"mode?) makes central differences meaningless: call model.eval(), or fix the "
            f"random draw for the check"
        )
