"""Tour step ``genetic``: a GA minimizing the sphere and Rastrigin functions.

The population is one array on the backend; a generation is selection, crossover,
mutation and elitism as array operations. Checks: the 10-D sphere below 1e-3 in 150
generations, the 2-D Rastrigin below 1e-2 in 100, and the best value never rising
(elitism). The figure shows the best and mean f per generation for the three
selection schemes on the 10-D Rastrigin function.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..io import save_figure
from . import Outcome, figures_available, step


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def sphere(X):
    xp = backend.namespace(X)
    return xp.sum(X * X, axis=1)


def rastrigin(X):
    """10 D + sum_j (x_j^2 - 10 cos 2 pi x_j), minimum 0 at the origin."""
    xp = backend.namespace(X)
    return 10.0 * X.shape[1] + xp.sum(X * X - 10.0 * xp.cos(2 * math.pi * X), axis=1)


@step(
    "genetic",
    order=55,
    derivation=[
        (r"P(i) = \frac{f_i - \min_j f_j}{\sum_k (f_k - \min_j f_j)}", "roulette selection"),
        (
            r"c = a + \gamma\,(b - a), \quad \gamma \sim U[-\alpha, 1 + \alpha]",
            "blend crossover (BLX-alpha), per gene",
        ),
        (r"x \leftarrow x + \mathcal{N}(0, \sigma^2)", "Gaussian mutation, clipped to the box"),
        (r"\max_i f_i(t + 1) \ge \max_i f_i(t)", "elitism: the best survives unchanged"),
    ],
    criterion="10-D sphere below 1e-3 after 150 generations and 2-D Rastrigin below 1e-2 "
    "after 100 (population 100, seed 0); the best value never rises in any run.",
    reference=["scratch.classic.genetic:GeneticAlgorithm.run"],
    api=["scratch.classic:GeneticAlgorithm", "scratch.viz.fitness:plot_fitness"],
    captions={
        "genetic_fitness.png": "best (solid) and mean (dashed) f per generation: left the "
        "10-D sphere, right the 10-D Rastrigin function, for each selection scheme"
    },
)
def genetic(bk, out):
    """GA on the sphere and Rastrigin; fitness curves per selection scheme."""
    from ..classic import GeneticAlgorithm

    s10 = GeneticAlgorithm(100, 150, random_state=0).minimize(
        sphere, bk.asarray([[-5.0, 5.0]] * 10)
    )
    r2 = GeneticAlgorithm(100, 100, random_state=0).minimize(
        rastrigin, bk.asarray([[-5.12, 5.12]] * 2)
    )
    runs, curves = [s10, r2], []
    for sel in ("tournament", "rank", "roulette"):
        a = GeneticAlgorithm(100, 150, selection=sel, random_state=0)
        fit_a = a.minimize(sphere, bk.asarray([[-5.0, 5.0]] * 10))
        b = GeneticAlgorithm(200, 150, selection=sel, mutation_scale=0.02, random_state=0)
        fit_b = b.minimize(rastrigin, bk.asarray([[-5.12, 5.12]] * 10))
        curves.append((sel, fit_a, fit_b))
        runs += [a, b]
    if figures_available():  # the runs above are the check either way
        from ..viz.fitness import plot_fitness

        plt = _plt()
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
        for sel, fit_a, fit_b in curves:
            plot_fitness(ax1, fit_a, sel)
            plot_fitness(ax2, fit_b, sel, log=False)
        ax1.set_title("10-D sphere (log scale)")
        ax2.set_title("10-D Rastrigin")
        fig.suptitle("genetic algorithm: BLX-0.5, Gaussian mutation, elitism 1, population 100/200")
        save_figure(fig, out / "genetic_fitness.png")
    monotone = all(np.all(np.diff(r.best_fitness_history_) <= 0) for r in runs)
    passed = s10.fun_ < 1e-3 and r2.fun_ < 1e-2 and monotone
    return Outcome(
        result=f"sphere-10 f = {s10.fun_:.1e}, Rastrigin-2 f = {r2.fun_:.1e}, "
        f"Rastrigin-10 (tournament) f = {runs[3].fun_:.2f}",
        check=f"sphere {s10.fun_:.1e} < 1e-3, Rastrigin {r2.fun_:.1e} < 1e-2, best never rises: "
        f"{monotone}",
        passed=passed,
        figures=["genetic_fitness.png"],
        numbers={"sphere-10": s10.fun_, "rastrigin-2": r2.fun_, "monotone": monotone},
    )
