"""HMM plots: posterior state probabilities along a sequence, decoded paths, parameters.

``plot_posteriors`` draws gamma_t(i) = P(q_t = i | O) as a stacked area (one colour per
state, the columns sum to one) and, beneath it, one strip per state path (Viterbi,
true states, ...) in the same colours, so a reader sees where the decoded path follows
the posterior mass and where it disagrees with the truth.

Arrays of any backend are copied to the host here, at the edge (``backend.to_numpy``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..backend import to_numpy

__all__ = ["plot_posteriors", "plot_matrices"]


def _colors(K: int):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(K)]


def plot_posteriors(
    fig,
    gamma: Any,
    paths: Mapping[str, Any],
    title: str = "",
    state_names: list[str] | None = None,
):
    """Stacked gamma_t(i) over t, with one colour strip per state path below it.

    Parameters
    ----------
    fig : matplotlib Figure
        Drawn into (a grid of 1 + len(paths) rows).
    gamma : array, shape (T, K)
        Posterior state probabilities of one sequence (any backend).
    paths : mapping name -> int array, shape (T,)
        State paths to show as strips, e.g. {"Viterbi": path, "true": states}.
    title : str
    state_names : list of str, optional

    Returns
    -------
    list of Axes
        The posterior axis, then one axis per path.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    g = np.asarray(to_numpy(gamma), dtype=np.float64)
    T, K = g.shape
    colors = _colors(K)
    names = state_names or [f"state {i}" for i in range(K)]
    grid = fig.add_gridspec(1 + len(paths), 1, height_ratios=[6] + [1] * len(paths), hspace=0.08)
    ax = fig.add_subplot(grid[0])
    t = np.arange(T)
    ax.stackplot(t, g.T, colors=colors, step="mid", alpha=0.85, linewidth=0)
    ax.set_xlim(-0.5, T - 0.5)
    ax.set_ylim(0, 1)
    ax.set_ylabel("gamma_t(i) = P(q_t = i | O)")
    ax.set_title(title)
    ax.tick_params(labelbottom=False)
    ax.legend(
        handles=[Patch(color=c, label=n) for c, n in zip(colors, names)],
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=8,
        frameon=False,
    )
    axes = [ax]
    cmap = ListedColormap(colors)
    for row, (name, path) in enumerate(paths.items(), start=1):
        p = np.asarray(to_numpy(path)).reshape(1, -1)
        a = fig.add_subplot(grid[row], sharex=ax)
        a.imshow(
            p,
            aspect="auto",
            cmap=cmap,
            vmin=-0.5,
            vmax=K - 0.5,
            interpolation="nearest",
            extent=(-0.5, T - 0.5, 0, 1),
        )
        a.set_yticks([0.5])
        a.set_yticklabels([name])
        if row < len(paths):
            a.tick_params(labelbottom=False)
        axes.append(a)
    axes[-1].set_xlabel("time step t")
    return axes


def plot_matrices(
    axes, pairs: Mapping[str, tuple[Any, Any]], labels: Mapping[str, tuple[str, str]] | None = None
):
    """Side-by-side heat maps of true and fitted matrices, values printed in the cells.

    Parameters
    ----------
    axes : sequence of Axes
        Two per entry of ``pairs`` (true, fitted).
    pairs : mapping name -> (true, fitted)
        E.g. {"A": (A_true, A_fit), "B": (B_true, B_fit)}.
    labels : mapping name -> (row label, column label), optional
    """
    axes, labels = list(axes), labels or {}
    for i, (name, (true, fitted)) in enumerate(pairs.items()):
        for ax, label, m in ((axes[2 * i], "true", true), (axes[2 * i + 1], "fitted", fitted)):
            m = np.asarray(to_numpy(m), dtype=np.float64)
            ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
            for (r, c), v in np.ndenumerate(m):
                ax.text(
                    c,
                    r,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > 0.6 else "black",
                )
            ax.set_title(f"{name} {label}", fontsize=9)
            ax.set_xticks(range(m.shape[1]))
            ax.set_yticks(range(m.shape[0]))
            if name in labels:
                ax.set_ylabel(labels[name][0], fontsize=8)
                ax.set_xlabel(labels[name][1], fontsize=8)
