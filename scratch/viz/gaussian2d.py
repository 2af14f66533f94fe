r"""The 2-D Gaussian picture: density contours, k-sigma ellipses and their bounding boxes.

For N(mu, Sigma) with Sigma = [[s1^2, rho s1 s2], [rho s1 s2, s2^2]] (|rho| <= 1) the
k-sigma ellipse {x : (x - mu)^T Sigma^-1 (x - mu) = k^2} (drawn by ``ellipses``) stays
inside the box |x_1 - mu_1| <= k s1, |x_2 - mu_2| <= k s2 and touches all four sides,
whatever the correlation:

    The ellipse is mu + k Sigma^(1/2) u for unit vectors u, so its extent along a unit
    direction e is  max_u e^T k Sigma^(1/2) u = k ||Sigma^(1/2) e|| = k sqrt(e^T Sigma e),
    reached at u = Sigma^(1/2) e / ||Sigma^(1/2) e||, i.e. at the point
    mu + k Sigma e / sqrt(e^T Sigma e). For e = (1, 0): half-width k s1, touching point
    mu + k (s1, rho s2); for e = (0, 1): k s2, at mu + k (rho s1, s2).

As rho goes from -1 to +1 the ellipse turns from the box's falling diagonal through the
axis-aligned ellipse (rho = 0, semi-axes k s1, k s2) to the rising diagonal; at |rho| = 1
it degenerates to that diagonal (all mass on a line), still touching the box at corners.

``ellipse_extents`` computes the extents from the ellipse's own geometry (its semi-axes
a, b and angle theta from the eigendecomposition): x(t) = a cos t cos theta -
b sin t sin theta is R cos(t + phi) with R = sqrt(a^2 cos^2 theta + b^2 sin^2 theta), so
the tangency above is a check of one derivation against the other
(tests/viz/test_gaussian2d.py).

Arrays of any backend are copied to the host here, at the edge (``backend.to_numpy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import to_numpy
from .ellipses import _as_2x2, ellipse_geometry, plot_gaussian_ellipses

__all__ = [
    "correlated_covariance",
    "ellipse_points",
    "ellipse_extents",
    "box_half_widths",
    "tangent_points",
    "plot_gaussian_2d",
    "correlation_sweep_figure",
]


def _mean(mean: Any) -> np.ndarray:
    mu = np.asarray(to_numpy(mean), dtype=np.float64).reshape(-1)
    if mu.shape != (2,) or not np.all(np.isfinite(mu)):
        raise ValueError(f"mean must be 2 finite numbers, got {mu!r}")
    return mu


def correlated_covariance(s1: float, s2: float, rho: float) -> np.ndarray:
    """[[s1^2, rho s1 s2], [rho s1 s2, s2^2]]: covariance from -s1 s2 (rho = -1) to +s1 s2."""
    if not (s1 > 0 and s2 > 0):
        raise ValueError(f"s1 and s2 must be > 0, got {s1!r} and {s2!r}")
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f"rho must be in [-1, 1], got {rho!r}")
    c = rho * s1 * s2
    return np.array([[s1 * s1, c], [c, s2 * s2]])


def ellipse_points(mean: Any, cov: Any, n_std: float = 1.0, n: int = 361) -> np.ndarray:
    """(n, 2) points of the ``n_std``-sigma ellipse: mu + a cos t v_1 + b sin t v_2."""
    mu = _mean(mean)
    width, height, angle = ellipse_geometry(cov, n_std)
    theta = np.radians(angle)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    a, b = width / 2, height / 2
    x = a * np.cos(t) * np.cos(theta) - b * np.sin(t) * np.sin(theta)
    y = a * np.cos(t) * np.sin(theta) + b * np.sin(t) * np.cos(theta)
    return mu + np.stack([x, y], axis=1)


def ellipse_extents(mean: Any, cov: Any, n_std: float = 1.0) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the ``n_std``-sigma ellipse, from its axes and angle.

    Half-widths R_x = sqrt(a^2 cos^2 theta + b^2 sin^2 theta),
    R_y = sqrt(a^2 sin^2 theta + b^2 cos^2 theta) (module docstring).
    """
    mu = _mean(mean)
    width, height, angle = ellipse_geometry(cov, n_std)
    theta = np.radians(angle)
    a, b = width / 2, height / 2
    rx = float(np.hypot(a * np.cos(theta), b * np.sin(theta)))
    ry = float(np.hypot(a * np.sin(theta), b * np.cos(theta)))
    return float(mu[0] - rx), float(mu[0] + rx), float(mu[1] - ry), float(mu[1] + ry)


def box_half_widths(cov: Any, n_std: float = 1.0) -> tuple[float, float]:
    """(k s1, k s2): the half-widths of the box the k-sigma ellipse is tangent to."""
    c = _as_2x2(cov)
    return n_std * float(np.sqrt(c[0, 0])), n_std * float(np.sqrt(c[1, 1]))


def tangent_points(mean: Any, cov: Any, n_std: float = 1.0) -> np.ndarray:
    """(4, 2): where the ellipse touches the box's right, top, left and bottom sides.

    mu +- k Sigma e / sqrt(e^T Sigma e) for e = (1, 0) and (0, 1) (module docstring).
    """
    mu = _mean(mean)
    c = _as_2x2(cov)
    right = n_std * c[:, 0] / np.sqrt(c[0, 0])
    top = n_std * c[:, 1] / np.sqrt(c[1, 1])
    return mu + np.stack([right, top, -right, -top])


def plot_gaussian_2d(
    ax,
    mean: Any,
    cov: Any,
    n_std: Sequence[float] = (1.0, 2.0, 3.0),
    density: bool = True,
    box: bool = True,
    color: Any = "C0",
    extent: float | None = None,
) -> None:
    """Density contours (filled), the k-sigma ellipses, their boxes and touching points.

    A singular covariance (|rho| = 1) has no density; the ellipses are then segments.
    ``extent`` is the half-width of the plotted square (default 3.4 max(s1, s2)).
    """
    from matplotlib.patches import Rectangle

    mu = _mean(mean)
    c = _as_2x2(cov)
    s = np.sqrt(np.diag(c))
    half = extent if extent is not None else 3.4 * float(s.max())
    if density and np.linalg.det(c) > 1e-12 * float(s.prod()) ** 2:
        g = np.linspace(-half, half, 201)
        X, Y = np.meshgrid(mu[0] + g, mu[1] + g)
        d = np.stack([X - mu[0], Y - mu[1]], axis=-1)
        m2 = np.einsum("...i,ij,...j->...", d, np.linalg.inv(c), d)
        p = np.exp(-m2 / 2) / (2 * np.pi * np.sqrt(np.linalg.det(c)))
        ax.contourf(X, Y, p, levels=12, cmap="Blues", alpha=0.8)
    plot_gaussian_ellipses(ax, mu, c, n_std=n_std, color=color, linewidth=1.6)
    if box:
        for i, k in enumerate(n_std):
            hx, hy = box_half_widths(c, k)
            alpha = 0.9 * (1.0 - 0.25 * i)
            ax.add_patch(
                Rectangle(
                    (mu[0] - hx, mu[1] - hy), 2 * hx, 2 * hy,
                    fill=False, linestyle="--", linewidth=1.0, edgecolor="0.3", alpha=alpha,
                )
            )  # fmt: skip
            t = tangent_points(mu, c, k)
            ax.plot(t[:, 0], t[:, 1], "o", color="C3", markersize=3.5, alpha=alpha)
    ax.set_xlim(mu[0] - half, mu[0] + half)
    ax.set_ylim(mu[1] - half, mu[1] + half)
    ax.set_aspect("equal")


def correlation_sweep_figure(
    s1: float = 1.0,
    s2: float = 0.6,
    rhos: Sequence[float] = (-1.0, -0.8, -0.4, 0.0, 0.4, 0.8, 1.0),
    n_std: Sequence[float] = (1.0, 2.0, 3.0),
):
    """One panel per correlation: N(0, [[s1^2, rho s1 s2], [rho s1 s2, s2^2]]) as rho sweeps."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.6 * len(rhos), 3.0))
    axes = fig.subplots(1, len(rhos), squeeze=False)[0]
    for ax, rho in zip(axes, rhos):
        cov = correlated_covariance(s1, s2, rho)
        plot_gaussian_2d(ax, (0.0, 0.0), cov, n_std=n_std, extent=3.3 * max(s1, s2))
        ax.set_title(f"rho = {rho:+.1f}  (cov {rho * s1 * s2:+.2f})", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle(
        f"1, 2, 3 sigma ellipses of N(0, S), s1 = {s1}, s2 = {s2}: each touches its box "
        f"of half-widths k s1, k s2 (red dots) for every rho",
        fontsize=10,
    )
    return fig
