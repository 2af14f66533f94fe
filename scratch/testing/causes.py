r"""Recognise the usual mistakes behind a wrong gradient from the pattern of the error.

Given the analytic gradient a and the numeric one n of one input (host float64
arrays; n is NaN where it was not evaluated), each test below asks whether a simple
map T makes them agree, T(a) ~ n, with a relative residual ||T(a) - n|| / ||n||
below FIT (1e-3, far above the ~1e-9 of float64 central differences and far below
any real bug):

=====================  ===========================  ==========================================
cause                  pattern                      typical bug
=====================  ===========================  ==========================================
wrong shape, reversed  a.shape == x.shape[::-1]     dW = dout.T @ X instead of X.T @ dout
broadcast not summed   x broadcasts to a.shape      db = dout instead of dout.sum(axis=0)
zero                   a = 0, n != 0                gradient never accumulated or returned
sign                   a = -n                       a dropped minus sign
constant factor        a = c n, c != 1              the 1/N of a mean loss (c = N or 1/N)
kernel flip            a = n rotated 180 degrees    convolution where correlation is meant
transposed (square)    a = n^T                      dW = dout.T @ X on a square weight
outer product missing  a - n = y (y . v) per row    softmax backward without -y y^T
diagonal only          a = v * diag(J)              cross terms of J dropped altogether
constant error         a - n constant along an axis a missing -mean(dout) term
wrong mask             zeros differ, rest agrees    ReLU backward with x < 0 for x > 0
=====================  ===========================  ==========================================

The constant factor is fitted by least squares, c = <a, n> / <n, n>, and printed as an
integer, the reciprocal of one or a small fraction (3/2) when it is one; a factor
equal to an axis length of an input or output is named with that axis
("4 = axis 0 of input 'x' (4, 3)").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

FIT = 1e-3


def _fits(candidate: np.ndarray, numeric: np.ndarray) -> bool:
    """||candidate - numeric|| <= FIT ||numeric|| over the evaluated elements."""
    if candidate.shape != numeric.shape:
        return False
    mask = ~np.isnan(numeric) & ~np.isnan(candidate)
    if not mask.any():
        return False
    scale = np.linalg.norm(numeric[mask])
    if scale == 0.0:
        return False
    return bool(np.linalg.norm(candidate[mask] - numeric[mask]) <= FIT * scale)


def _broadcast_axes(small: tuple, big: tuple) -> tuple[int, ...] | None:
    """Axes of ``big`` to sum so that an input of shape ``small`` broadcasts to it, or None."""
    if len(small) > len(big) or math.prod(small) >= math.prod(big):
        return None
    lead = len(big) - len(small)
    axes = list(range(lead))
    for k, (s, b) in enumerate(zip(small, big[lead:])):
        if s == b:
            continue
        if s != 1:
            return None
        axes.append(lead + k)
    return tuple(axes)


def shape_cause(name: str, analytic: np.ndarray, numeric: np.ndarray) -> str:
    """Name a gradient whose shape is not its input's."""
    got, want = tuple(analytic.shape), tuple(numeric.shape)
    axes = _broadcast_axes(want, got)
    if axes is not None:
        summed = analytic.sum(axis=axes).reshape(want)
        agrees = "; summed, it matches the numeric gradient" if _fits(summed, numeric) else ""
        return (
            f"missing accumulation over a broadcast axis: the gradient has shape {got} but "
            f"input {name!r} has shape {want}; sum it over axis {_axes(axes)} (where the "
            f"forward pass broadcasts {name}){agrees}"
        )
    if len(got) == 2 and got == want[::-1]:
        agrees = (
            "; its transpose matches the numeric gradient" if _fits(analytic.T, numeric) else ""
        )
        return (
            f"transposed gradient: shape {got} for input {name!r} of shape {want} "
            f"(e.g. dW = dout.T @ X where X.T @ dout is meant){agrees}"
        )
    return f"wrong shape: the gradient has shape {got}, input {name!r} has shape {want}"


def _axes(axes: tuple[int, ...]) -> str:
    return str(axes[0]) if len(axes) == 1 else str(axes)


def _as_ratio(c: float) -> str:
    """c as 'k' or '1/k' when it is (within 1e-3) an integer or an integer's reciprocal."""
    k = round(c)
    if k != 0 and abs(c - k) <= 1e-3 * abs(c):
        return str(k)
    if c != 0:
        r = round(1 / c)
        if r != 0 and abs(1 / c - r) <= 1e-3 * abs(1 / c):
            return f"1/{r}"
        q = Fraction(c).limit_denominator(16)
        if abs(c - float(q)) <= 1e-3 * abs(c):
            return f"{q.numerator}/{q.denominator}"
    return f"{c:.4g}"


def _name_factor(c: float, axes: Sequence[tuple[str, int]]) -> str:
    """Explain a constant factor c: a too-large or too-small gradient by an axis length."""
    ratio = _as_ratio(c)
    size = c if c >= 1 else 1 / c
    k = round(size)
    text = f"constant factor: analytic = {ratio} x numeric"
    if abs(size - k) > 1e-3 * size or k < 2:
        return text + " (a scale in the backward pass that the forward pass does not have)"
    matches = [label for label, n in axes if n == k]
    where = f"; {k} = {matches[0]}" if matches else ""
    if c > 1:
        why = f" (the analytic gradient is {k} times too large: a missing 1/{k}, e.g. the 1/N"
        why += " of a mean loss"
    else:
        why = f" (the analytic gradient is {k} times too small: an extra 1/{k}, e.g. a mean"
        why += " where the forward pass sums, or dividing by N twice"
    if k == 2:
        why += ", or the 2 of d(x^2)/dx = 2x"
    return text + why + ")" + where


def value_cause(
    analytic: np.ndarray,
    numeric: np.ndarray,
    diagonal_only: np.ndarray | None = None,
    axes: Sequence[tuple[str, int]] = (),
    output: np.ndarray | None = None,
) -> str | None:
    """Name the pattern of a same-shape wrong gradient, or None when none fits.

    Parameters
    ----------
    analytic, numeric : float64 arrays of one shape (numeric NaN where not evaluated)
    diagonal_only : v * diag(J), the gradient a diagonal-Jacobian backward would give,
        where the input has the shape of an output; None otherwise
    axes : (label, length) of every axis of the inputs and outputs, to name a factor
    output : the output y of the input's shape (host), or None
    """
    mask = ~np.isnan(numeric)
    a, n = analytic[mask], numeric[mask]
    norm_n = float(np.linalg.norm(n))
    if norm_n == 0.0:
        return None
    if float(np.linalg.norm(a)) <= FIT * norm_n:
        return (
            "zero gradient: the analytic gradient is zero where the numeric one is not "
            "(never accumulated, or not returned; for second derivatives: a backward built "
            "from raw arrays such as x.data, which cuts the graph)"
        )
    c = float(a @ n) / norm_n**2
    if abs(c - 1.0) > 10 * FIT and np.linalg.norm(a - c * n) <= FIT * np.linalg.norm(a):
        if abs(c + 1.0) <= 10 * FIT:
            return "sign error: analytic = -numeric (a minus sign dropped or doubled)"
        return _name_factor(c, axes)
    if analytic.ndim >= 2:
        flipped = analytic[..., ::-1, ::-1]
        if _fits(flipped, numeric) and not _fits(analytic, numeric):
            return (
                "kernel flip: the analytic gradient is the numeric one rotated 180 degrees "
                "over the last two axes (convolution where cross-correlation is meant, or "
                "the other way round: flip the kernel, w[..., ::-1, ::-1])"
            )
    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1]:
        if _fits(analytic.T, numeric) and not _fits(analytic, numeric):
            return "transposed gradient: analytic = numeric^T (e.g. dout.T @ X for X.T @ dout)"
    mask_cause = _mask_cause(a, n, norm_n)
    if mask_cause:
        return mask_cause
    full = bool(mask.all())
    d = analytic - numeric
    if (
        full
        and output is not None
        and output.ndim >= 1
        and output.shape[-1] > 1
        and _rowwise_multiple(d, output)
    ):
        return (
            "missing outer-product term: a - n = y (y . v) row by row (along the last axis), "
            "so the backward drops the -y y^T part of the Jacobian (softmax: J = diag(y) - "
            "y y^T, so dx = y * (dy - sum(dy * y)))"
        )
    if diagonal_only is not None and _fits(analytic, diagonal_only):
        return (
            "diagonal Jacobian only: the analytic gradient equals v_i dy_i/dx_i, so the cross "
            "terms dy_j/dx_i (j != i) are missing (e.g. softmax differentiated like a sigmoid, "
            "g y (1 - y), or a normalisation differentiated as if elementwise)"
        )
    if full:
        for k in range(d.ndim):
            if d.shape[k] > 1 and _constant_along(d, k, np.linalg.norm(numeric)):
                return (
                    f"the error a - n is the same at every position along axis {k}: a term "
                    f"that depends only on a sum over axis {k} is missing or wrong (e.g. the "
                    f"-mean(dout) term of a normalisation over axis {k})"
                )
    return None


def _mask_cause(a: np.ndarray, n: np.ndarray, norm_n: float) -> str | None:
    """The analytic gradient vanishes elsewhere than the numeric one, and agrees where both
    are nonzero: a wrong mask (ReLU's x > 0, max-pooling's argmax, a clip's range)."""
    tiny = FIT * norm_n / max(np.sqrt(n.size), 1.0)
    za, zn = np.abs(a) <= tiny, np.abs(n) <= tiny
    both = ~za & ~zn
    if not (za != zn).any() or (za & zn).all():
        return None
    if both.any() and np.linalg.norm(a[both] - n[both]) > FIT * np.linalg.norm(n[both]):
        return None
    return (
        f"wrong mask: the analytic gradient is zero at {int((za & ~zn).sum())} elements where "
        f"the numeric one is not, and nonzero at {int((~za & zn).sum())} where it is zero, "
        "but agrees where both are nonzero (an inverted or shifted mask: ReLU's x > 0, "
        "max-pooling's argmax, a clip's range)"
    )


def _rowwise_multiple(d: np.ndarray, y: np.ndarray) -> bool:
    """d[..., :] = s[...] y[..., :] for some per-row scalars s (least squares), and d != 0."""
    yy = np.sum(y * y, axis=-1, keepdims=True)
    s = np.sum(d * y, axis=-1, keepdims=True) / np.where(yy > 0, yy, 1.0)
    norm_d = np.linalg.norm(d)
    return bool(norm_d > 0 and np.linalg.norm(d - s * y) <= FIT * norm_d)


def _constant_along(d: np.ndarray, axis: int, scale: float) -> bool:
    """d is (nearly) the same at every index of ``axis`` (and not zero)."""
    m = d.mean(axis=axis, keepdims=True)
    norm_d = np.linalg.norm(d)
    return bool(norm_d > FIT * scale and np.linalg.norm(d - m) <= FIT * norm_d)
