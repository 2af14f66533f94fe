r"""Gaussian covariance ellipses: the level sets of a 2-D normal density.

For x ~ N(mu, Sigma) the set {x : (x - mu)^T Sigma^{-1} (x - mu) = s^2} is an ellipse.
With the eigendecomposition Sigma = V diag(lambda_1, lambda_2) V^T, its semi-axes point
along the eigenvectors v_i with lengths s sqrt(lambda_i); the s-sigma ellipse encloses
probability 1 - exp(-s^2 / 2) (the Mahalanobis radius squared is chi^2 with 2 degrees of
freedom): 39.3 % for s = 1, 86.5 % for s = 2, 98.9 % for s = 3.

Arrays of any backend are copied to the host here, at the edge (``backend.to_numpy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import to_numpy

__all__ = ["ellipse_geometry", "covariance_ellipse", "plot_gaussian_ellipses", "full_covariances"]


def _as_2x2(cov: Any) -> np.ndarray:
    """A 2 x 2 covariance from a full (2, 2), a diagonal (2,) or a spherical () one."""
    c = np.asarray(to_numpy(cov), dtype=np.float64)
    if c.ndim == 0:
        return float(c) * np.eye(2)
    if c.shape == (2,):
        return np.diag(c)
    if c.shape == (2, 2):
        return (c + c.T) / 2
    raise ValueError(f"cov must be a 2x2 matrix, a length-2 diagonal or a scalar, got {c.shape}")


def ellipse_geometry(cov: Any, n_std: float = 1.0) -> tuple[float, float, float]:
    """Width, height (full axis lengths 2 s sqrt(lambda)) and angle in degrees of the
    ``n_std``-sigma ellipse; width lies along the leading eigenvector.

    Raises
    ------
    ValueError
        When cov is not positive semi-definite.
    """
    c = _as_2x2(cov)
    lam, V = np.linalg.eigh(c)  # ascending eigenvalues
    if lam[0] < -1e-12 * max(1.0, abs(lam[1])):
        raise ValueError(f"cov must be positive semi-definite, got eigenvalues {lam}")
    lam = np.clip(lam, 0.0, None)
    major = V[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])))
    return 2 * n_std * float(np.sqrt(lam[1])), 2 * n_std * float(np.sqrt(lam[0])), angle


def covariance_ellipse(mean: Any, cov: Any, n_std: float = 1.0, **kwargs):
    """A matplotlib Ellipse patch of the ``n_std``-sigma level set of N(mean, cov)."""
    from matplotlib.patches import Ellipse

    mu = np.asarray(to_numpy(mean), dtype=np.float64).reshape(-1)
    if mu.shape != (2,):
        raise ValueError(f"mean must have 2 entries, got shape {mu.shape}")
    width, height, angle = ellipse_geometry(cov, n_std)
    kwargs.setdefault("fill", False)
    return Ellipse(xy=(mu[0], mu[1]), width=width, height=height, angle=angle, **kwargs)


def plot_gaussian_ellipses(
    ax,
    mean: Any,
    cov: Any,
    n_std: Sequence[float] = (1.0, 2.0, 3.0),
    color: Any = "C0",
    alpha: float = 0.9,
    linewidth: float = 1.5,
    linestyle: str = "-",
    label: str | None = None,
    mark_mean: bool = True,
) -> list:
    """Draw the 1, 2, 3 sigma (or ``n_std``) ellipses of N(mean, cov) on ``ax``.

    Outer ellipses are drawn fainter. Returns the patches added.
    """
    patches = []
    for i, s in enumerate(n_std):
        e = covariance_ellipse(
            mean,
            cov,
            s,
            edgecolor=color,
            linewidth=linewidth,
            linestyle=linestyle,
            alpha=alpha * (1.0 - 0.25 * i),
            label=label if i == 0 else None,
        )
        ax.add_patch(e)
        patches.append(e)
    if mark_mean:
        mu = np.asarray(to_numpy(mean), dtype=np.float64).reshape(-1)
        ax.plot(mu[0], mu[1], marker="x", color=color, markersize=8, mew=2)
    ax.autoscale_view()
    return patches


def full_covariances(covariances: Any, covariance_type: str, n_components: int) -> np.ndarray:
    """A fitted mixture's covariances as (K, d, d) host matrices, whatever their type.

    full (K, d, d) as is; tied (d, d) repeated; diag (K, d) on the diagonal; spherical (K,)
    times the identity (d = 2 assumed for spherical, the plotting case).
    """
    c = np.asarray(to_numpy(covariances), dtype=np.float64)
    if covariance_type == "full":
        return c
    if covariance_type == "tied":
        return np.repeat(c[None], n_components, axis=0)
    if covariance_type == "diag":
        return np.stack([np.diag(v) for v in c])
    if covariance_type == "spherical":
        return c[:, None, None] * np.eye(2)[None]
    raise ValueError(f"unknown covariance_type {covariance_type!r}")
