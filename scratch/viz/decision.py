"""Decision regions of a 2-D classifier, its margins and its support vectors.

For a binary decision function f, the plot shades the two regions sign f(x), draws the
decision boundary f = 0 (solid) and the margins f = -1 and f = +1 (dashed), and circles
the support vectors: the points whose Lagrange multiplier alpha_t is non-zero, which lie
on or inside the margins.

Arrays of any backend are copied to the host here, at the edge (``backend.to_numpy``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import to_numpy

__all__ = ["plot_decision_margins", "grid_over"]


def grid_over(X: np.ndarray, steps: int = 200, pad: float = 0.1):
    """A steps x steps grid covering the points X (n, 2) with a ``pad`` fraction around them.

    Returns
    -------
    xx, yy : arrays (steps, steps), and the grid points (steps^2, 2).
    """
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_margins(
    decision: Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    support_vectors: Any = None,
    ax=None,
    title: str | None = None,
    steps: int = 200,
):
    """Shade sign f, draw f = -1, 0, +1 and circle the support vectors.

    Parameters
    ----------
    decision : callable
        Host points (m, 2) -> f at those points, shape (m,) (any backend's array).
    X : array (n, 2)
        The points, scattered by label.
    y : array (n,)
        Two labels; the larger one is the side f > 0.
    support_vectors : array (s, 2), optional
        Circled.
    ax : matplotlib Axes, optional
    title : str, optional
    steps : int
        Grid resolution per axis.

    Returns
    -------
    ax
    """
    import matplotlib.pyplot as plt

    X, y = np.asarray(to_numpy(X), dtype=np.float64), np.asarray(to_numpy(y))
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    xx, yy, grid = grid_over(X, steps)
    f = np.asarray(to_numpy(decision(grid)), dtype=np.float64).reshape(xx.shape)
    lim = max(float(np.abs(f).max()), 1e-12)
    ax.contourf(xx, yy, f, levels=np.linspace(-lim, lim, 21), cmap="RdBu_r", alpha=0.35)
    ax.contour(
        xx,
        yy,
        f,
        levels=[-1.0, 0.0, 1.0],
        colors="k",
        linestyles=["--", "-", "--"],
        linewidths=[1.0, 1.6, 1.0],
    )
    ax.plot([], [], "k-", lw=1.6, label="f = 0 (decision boundary)")
    ax.plot([], [], "k--", lw=1.0, label="f = -1, f = +1 (margins)")
    labels = np.unique(y)
    colors = ["tab:blue", "tab:red"]
    for label, color in zip(labels, colors):
        m = y == label
        ax.scatter(X[m, 0], X[m, 1], s=14, color=color, edgecolors="none", label=f"class {label}")
    if support_vectors is not None:
        S = np.asarray(to_numpy(support_vectors), dtype=np.float64)
        ax.scatter(
            S[:, 0],
            S[:, 1],
            s=70,
            facecolors="none",
            edgecolors="k",
            linewidths=1.0,
            label=f"support vectors ({len(S)})",
        )
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    if title:
        ax.set_title(title)
    return ax
