"""The fitness curves of a genetic algorithm: best and mean fitness per generation.

``plot_fitness`` draws ``best_fitness_history_`` and ``mean_fitness_history_`` of a
fitted ``scratch.classic.GeneticAlgorithm`` (host lists already) against the generation,
on a log scale when the values are positive and span decades (a minimization run
towards 0), so the late, fine convergence stays visible.
"""

from __future__ import annotations

from typing import Any

__all__ = ["plot_fitness"]


def plot_fitness(ax: Any, ga: Any, label: str = "", log: bool | None = None):
    """Best (solid) and mean (dashed) fitness per generation into the matplotlib ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    ga : fitted GeneticAlgorithm
    label : str
        Prefix of the legend entries.
    log : bool, optional
        Log y axis; default: when every value is positive and max/min > 100.

    Returns
    -------
    ax
    """
    best, mean = ga.best_fitness_history_, ga.mean_fitness_history_
    gens = range(len(best))
    prefix = f"{label} " if label else ""
    (line,) = ax.plot(gens, best, lw=1.8, label=f"{prefix}best")
    ax.plot(gens, mean, lw=1.0, ls="--", color=line.get_color(), label=f"{prefix}mean")
    values = list(best) + list(mean)
    if log is None:
        log = min(values) > 0 and max(values) / min(values) > 100
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("f (lower is better)" if getattr(ga, "objective_", "max") == "min" else "fitness")
    ax.legend(fontsize=8)
    return ax
