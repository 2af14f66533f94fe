r"""Fourier series of a periodic function, its partial sums, and the Gibbs phenomenon.

A T-periodic, square-integrable f has the series (omega = 2 pi / T)

    f(x) ~ a_0 / 2 + sum_{n >= 1} a_n cos(n omega x) + b_n sin(n omega x),
    a_n = (2/T) int_{-T/2}^{T/2} f(x) cos(n omega x) dx,
    b_n = (2/T) int_{-T/2}^{T/2} f(x) sin(n omega x) dx.

The formulas come from the orthogonality of the trigonometric system on one period:
int cos(m w x) cos(n w x) dx = int sin(m w x) sin(n w x) dx = (T/2) delta_mn (m, n >= 1),
int cos(m w x) sin(n w x) dx = 0, int 1 dx = T. The partial sum S_N is the orthogonal
projection of f on the span of the first 2N + 1 functions, so the L2 error
||f - S_N||^2 = (T/2) sum_{n > N} (a_n^2 + b_n^2) (Parseval) can only decrease in N.

Quadrature: the midpoint rule on M equispaced points x_j = -T/2 + (j + 1/2) T / M,
int g dx ~ (T/M) sum_j g(x_j). For smooth periodic g it is spectrally accurate (the
trapezoid rule on a periodic grid); for a jump it is O(1/M), and with M even the
grid never lands on the jumps of a square wave at 0 and +-T/2.

The square wave sq(x) = sign(sin x) (period 2 pi, jump 2 at x = 0) has a_n = 0,
b_n = 4 / (n pi) for odd n and 0 for even n. Near its jump S_N overshoots: the first
maximum sits at x = pi / (N + 1) (N odd) and tends to (2/pi) Si(pi) = 1.178979744...,
an overshoot of (Si(pi)/pi - 1/2) = 0.0894898722 of the jump, about 8.95%, that does
not shrink as N grows (Gibbs 1899; Wilbraham 1848).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from .. import backend
from ..validation import check_array, check_positive

__all__ = [
    "FourierCoefficients",
    "GIBBS_CONSTANT",
    "trigonometric_basis",
    "quadrature_grid",
    "fourier_coefficients",
    "fourier_partial_sum",
    "square_wave",
    "square_wave_coefficients",
    "gibbs_overshoot",
]

#: The limit of the overshoot as a fraction of the jump: Si(pi)/pi - 1/2.
GIBBS_CONSTANT = 0.08948987223608362


class FourierCoefficients(NamedTuple):
    """a_0 (scalar array), a_n and b_n for n = 1..N (arrays of shape (N,))."""

    a0: Any
    a: Any
    b: Any


def _backend(like: Any) -> backend.Backend:
    if like is None or isinstance(like, str):
        return backend.get(like)
    if isinstance(like, backend.Backend):
        return like
    return backend.backend_of(like)


def quadrature_grid(n_points: int, period: float = 2 * math.pi, like: Any = None):
    """The midpoint grid x_j = -T/2 + (j + 1/2) T / M, j = 0..M-1, and its weight T / M.

    ``like``: a backend name, a Backend, or an array whose device the grid goes to.
    """
    check_positive(n_points, "n_points", integer=True)
    check_positive(period, "period")
    bk = _backend(like)
    h = period / n_points
    j = bk.arange(n_points, dtype=bk.float)
    return -period / 2 + (j + 0.5) * h, h


def trigonometric_basis(x: Any, n_terms: int, period: float = 2 * math.pi):
    """The rows [1, cos(w x), ..., cos(N w x), sin(w x), ..., sin(N w x)], shape (2N+1, len(x))."""
    x = check_array(x, name="x", ndim=1)
    check_positive(n_terms, "n_terms", strict=False, integer=True)
    check_positive(period, "period")
    xp = backend.namespace(x)
    omega = 2 * math.pi / period
    n = xp.arange(1, n_terms + 1, dtype=x.dtype, device=backend.device_of(x))
    phase = omega * n[:, None] * x[None, :]
    return xp.concat([xp.ones_like(x)[None, :], xp.cos(phase), xp.sin(phase)], axis=0)


def fourier_coefficients(
    f: Callable,
    n_terms: int,
    period: float = 2 * math.pi,
    n_points: int = 8192,
    like: Any = None,
) -> FourierCoefficients:
    """a_0, a_n, b_n (n = 1..n_terms) of the T-periodic ``f`` by midpoint quadrature.

    Parameters
    ----------
    f : callable
        Takes the grid x (array on the chosen backend), returns f(x) of the same shape.
    n_terms : int
        N, the number of cosine and of sine coefficients.
    period : float
        T; the integrals run over [-T/2, T/2].
    n_points : int
        M, the quadrature points; keep M >> N (aliasing folds harmonic n onto M - n).
    like : backend name, Backend or array, optional
        Where the grid lives (default: the default backend).

    Returns
    -------
    FourierCoefficients(a0, a, b)
    """
    check_positive(n_terms, "n_terms", strict=False, integer=True)
    if isinstance(n_points, int) and n_points < 2 * n_terms + 1:
        raise ValueError(f"n_points must be at least 2 * n_terms + 1, got {n_points}")
    x, h = quadrature_grid(n_points, period, like)
    fx = check_array(f(x), name="f(x)", ndim=1, like=x)
    if fx.shape != x.shape:
        raise ValueError(f"f(x) must have the grid's shape {tuple(x.shape)}, got {fx.shape}")
    xp = backend.namespace(x)
    B = trigonometric_basis(x, n_terms, period)
    c = (2.0 / period) * h * xp.matmul(B, fx)  # (2/T) int f * basis_row
    return FourierCoefficients(c[0], c[1 : n_terms + 1], c[n_terms + 1 :])


def fourier_partial_sum(coeffs: FourierCoefficients, x: Any, period: float = 2 * math.pi):
    """S_N(x) = a_0/2 + sum_{n=1..N} a_n cos(n w x) + b_n sin(n w x), w = 2 pi / T.

    Parameters
    ----------
    coeffs : FourierCoefficients (or a tuple a0, a, b) with a and b of shape (N,)
    x : array, shape (m,)
    period : float

    Returns
    -------
    array, shape (m,)
    """
    a0, a, b = coeffs
    x = check_array(x, name="x", ndim=1)
    a = check_array(a, name="a", ndim=1, min_samples=0, like=x)
    b = check_array(b, name="b", ndim=1, min_samples=0, like=x)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length, got {a.shape} and {b.shape}")
    xp = backend.namespace(x)
    B = trigonometric_basis(x, a.shape[0], period)
    half_a0 = xp.ones((1,), dtype=x.dtype, device=backend.device_of(x)) * (a0 / 2)
    c = xp.concat([half_a0, a, b])
    return xp.matmul(c, B)


def square_wave(x: Any):
    """sq(x) = sign(sin x): +1 on (0, pi), -1 on (-pi, 0), period 2 pi, jump 2 at 0.

    Parameters
    ----------
    x : array, 0-, 1- or 2-D
        Where to evaluate sq.

    Returns
    -------
    array of x's shape, on x's backend
    """
    x = check_array(x, name="x", ndim=(0, 1, 2), min_samples=0)
    xp = backend.namespace(x)
    return xp.sign(xp.sin(x))


def square_wave_coefficients(n_terms: int, like: Any = None) -> FourierCoefficients:
    """The exact coefficients of sq: a_n = 0, b_n = 4 / (n pi) for odd n, 0 for even n.

    Parameters
    ----------
    n_terms : int
        N, the number of harmonics.
    like : backend name, Backend or array, optional
        Where the coefficients go (default: the default backend).

    Returns
    -------
    FourierCoefficients
    """
    check_positive(n_terms, "n_terms", strict=False, integer=True)
    bk = _backend(like)
    xp = bk.xp
    n = bk.arange(1, n_terms + 1, dtype=bk.float)
    odd = xp.remainder(n, 2.0) == 1.0
    b = xp.where(odd, 4.0 / (math.pi * n), 0.0)
    return FourierCoefficients(bk.zeros(()), bk.zeros(n_terms), b)


def gibbs_overshoot(
    coeffs: FourierCoefficients,
    period: float = 2 * math.pi,
    x_jump: float = 0.0,
    f_left: float = -1.0,
    f_right: float = 1.0,
    n_points: int = 4001,
) -> float:
    """The overshoot of S_N just right of an upward jump, as a fraction of the jump.

    (max_{x in (x_jump, x_jump + w]} S_N(x) - f_right) / (f_right - f_left), searched on a
    fine grid of width w = min(T/2, 2T/N): the first lobe peaks near x_jump + T / (2N).
    For the square wave it tends to GIBBS_CONSTANT = 0.0895 (8.95%) as N grows.

    Parameters
    ----------
    coeffs : FourierCoefficients
        a_0, a_n, b_n of the partial sum S_N (N = len(a_n)).
    period : float
        T, the period of f.
    x_jump : float
        Where f jumps upward.
    f_left, f_right : float
        f's limits just left and just right of the jump.
    n_points : int
        Points of the search grid on (x_jump, x_jump + w].

    Returns
    -------
    float (a host scalar: a summary number for reports)
    """
    a = coeffs[1]
    N = a.shape[0]
    if N < 1:
        raise ValueError("coeffs must hold at least one harmonic")
    if f_right == f_left:
        raise ValueError("f_left and f_right must differ (there is no jump)")
    bk = _backend(a)
    w = min(period / 2, 2 * period / N)
    x = x_jump + bk.linspace(0.0, w, n_points + 1, dtype=a.dtype)[1:]
    S = fourier_partial_sum(coeffs, x, period)
    peak = float(backend.to_numpy(bk.xp.max(S)))  # a summary statistic leaves the device
    return (peak - f_right) / (f_right - f_left)
