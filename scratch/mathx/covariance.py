r"""Sample covariance and correlation matrices.

For data X (n, d) with rows x_i and mean mu = (1/n) sum_i x_i, the sample covariance is

    C = (1 / (n - ddof)) sum_i (x_i - mu)(x_i - mu)^T = Xc^T Xc / (n - ddof),  Xc = X - mu,

ddof = 1 the unbiased estimate (numpy.cov's default), ddof = 0 the maximum-likelihood
one. C is symmetric by construction and positive semi-definite: v^T C v = ||Xc v||^2 /
(n - ddof) >= 0 for every v. The correlation matrix rescales it to unit diagonal,

    R_jk = C_jk / sqrt(C_jj C_kk),   R = D^-1/2 C D^-1/2,  D = diag(C),

so |R_jk| <= 1 (Cauchy-Schwarz) and R does not depend on ddof.

Numerical trick: centering first (two passes) instead of E[x x^T] - mu mu^T (one pass)
avoids the cancellation of two large, nearly equal terms.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..validation import check_array

__all__ = ["covariance", "correlation"]


def covariance(X: Any, ddof: int = 1):
    """Sample covariance matrix of the rows of ``X`` (variables are columns).

    Parameters
    ----------
    X : array, shape (n, d)
        n observations of d variables; any backend.
    ddof : int
        Delta degrees of freedom: the divisor is n - ddof (1: unbiased, 0: maximum likelihood).

    Returns
    -------
    C : array, shape (d, d)
        Symmetric positive semi-definite, on X's device.

    Raises
    ------
    ValueError
        When the covariance itself exceeds the dtype's range (data ~1e200 in float64):
        computed on data scaled by a power of two, so it is finite (and exact to rounding)
        whenever the answer is representable, and an error, not inf, when it is not.
    """
    if isinstance(ddof, bool) or not isinstance(ddof, int) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative int, got {ddof!r}")
    X = check_array(X, name="X", min_samples=ddof + 1)
    xp = backend.namespace(X)
    n = X.shape[0]
    mu = xp.mean(X, axis=0)
    Xc = X - mu
    # One host read decides whether the plain product is safe: with R = max(X) - min(X),
    # every |x - mean| <= R, so no partial sum exceeds n R^2 (no overflow) and, when
    # R^2 >= tiny/eps, the squares keep their digits (no underflow). Data ~1e200 or
    # ~1e-200 (float64) take the scaled product instead. Measured: scaling on every call
    # made PCA's fit 2.2x slower at n=2000, d=128; this check costs two reductions.
    hi, lo = (float(v) for v in backend.to_numpy(xp.stack([xp.max(X), xp.min(X)])))
    R = hi - lo  # Python floats: inf, not a warning
    info = xp.finfo(X.dtype)
    if R == 0 or (n * R * R <= float(info.max) and R * R >= info.smallest_normal / info.eps):
        C = xp.matmul(xp.matrix_transpose(Xc), Xc) / (n - ddof)
    else:
        C = _scaled_product(xp, Xc, n - ddof, R if math.isfinite(R) else 2 * max(hi, -lo))
    return (C + xp.matrix_transpose(C)) / 2  # exact symmetry whatever the BLAS did


def _scaled_product(xp, Xc, divisor: int, bound: float):
    """Xc^T Xc / divisor computed on Xc / 2^k with 2^k >= bound >= max|Xc| (exact: a
    power of two), so the products neither overflow nor underflow; an error, not inf,
    when the answer itself exceeds the dtype."""
    exponent = math.frexp(bound)[1] if math.isfinite(bound) else 1025
    if exponent > 1023:
        raise ValueError(f"X spans {bound:.3g}: its covariance overflows; rescale X first")
    unit = 2.0**exponent
    Xs = Xc / unit
    C = xp.matmul(xp.matrix_transpose(Xs), Xs) / divisor
    peak = float(backend.to_numpy(xp.max(xp.abs(C))))
    if peak * unit * unit > float(xp.finfo(C.dtype).max):  # Python floats: inf, no warning
        raise ValueError(
            f"covariance of X overflows {C.dtype}: X spans {bound:.3g}, "
            f"the square exceeds the largest {C.dtype}; rescale X first"
        )
    return C * unit * unit


def correlation(X: Any):
    """Pearson correlation matrix R = D^-1/2 C D^-1/2 of the columns of ``X``.

    Parameters
    ----------
    X : array, shape (n, d), n >= 2

    Returns
    -------
    R : array, shape (d, d)
        Unit diagonal, entries in [-1, 1].

    Raises
    ------
    ValueError
        When a column of X is constant (its correlation is undefined).
    """
    C = covariance(X, ddof=1)
    xp = backend.namespace(C)
    var = xp.linalg.diagonal(C)
    # one host decision: a constant column has no correlation (0/0)
    if not bool(backend.to_numpy(xp.all(var > 0))):
        raise ValueError("X has a constant column (zero variance): its correlation is undefined")
    s = xp.sqrt(var)
    R = C / (s[:, None] * s[None, :])
    return xp.clip(R, -1.0, 1.0)
