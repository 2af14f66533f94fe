"""A genetic algorithm on the 30-D Rastrigin function: ours against DEAP and PyGAD.

Same settings for all three: population 200, 200 generations, tournament selection of
size 3, blend crossover (BLX-0.5) with probability 0.9 per pair, Gaussian mutation of
each gene with probability 1/30 and sigma = 1% of the range [-5.12, 5.12], one elite.

* ours: the whole population is one (200, 30) array; a generation is ~25 array ops and
  one vectorized evaluation of f.
* DEAP: ``algorithms.eaSimple`` with ``tools.selTournament(tournsize=3)``,
  ``tools.cxBlend(alpha=0.5)``, ``tools.mutGaussian(sigma, indpb=1/30)``, cxpb=0.9,
  mutpb=1 (every child is offered the per-gene mutation, as ours), a HallOfFame(1)
  for the elite; fitness one individual at a time (DEAP's design).
* PyGAD: ``pygad.GA`` with ``parent_selection_type="tournament"``, ``K_tournament=3``,
  ``keep_elitism=1``, the same blend crossover and Gaussian mutation as NumPy functions
  (PyGAD has neither built in) and ``fitness_batch_size=200`` (one vectorized call per
  generation, PyGAD's fastest mode).
"""

from __future__ import annotations

import math

import numpy as np

from . import Workload

LOW, HIGH = -5.12, 5.12


def _rastrigin_np(X):
    return 10.0 * X.shape[-1] + np.sum(X * X - 10.0 * np.cos(2 * math.pi * X), axis=-1)


def _ours(bk, size):
    from scratch import backend
    from scratch.classic import GeneticAlgorithm

    def f(X):
        xp = backend.namespace(X)
        return 10.0 * X.shape[1] + xp.sum(X * X - 10.0 * xp.cos(2 * math.pi * X), axis=1)

    bounds = bk.asarray([[LOW, HIGH]] * size["d"], dtype=bk.float)
    ga = GeneticAlgorithm(
        size["pop"],
        size["gens"],
        selection="tournament",
        tournament_size=3,
        crossover="blend",
        crossover_rate=0.9,
        blend_alpha=0.5,
        mutation="gaussian",
        mutation_rate=1.0 / size["d"],
        mutation_scale=0.01,
        elitism=1,
        random_state=0,
    )
    return lambda: ga.minimize(f, bounds).fun_


def _deap(size, device="cpu"):
    if device != "cpu":
        return None
    import random

    from deap import algorithms, base, creator, tools

    if not hasattr(creator, "FitnessMinBench"):
        creator.create("FitnessMinBench", base.Fitness, weights=(-1.0,))
        creator.create("IndividualBench", list, fitness=creator.FitnessMinBench)
    d = size["d"]
    tb = base.Toolbox()
    tb.register("attr", random.uniform, LOW, HIGH)
    tb.register("individual", tools.initRepeat, creator.IndividualBench, tb.attr, d)
    tb.register("population", tools.initRepeat, list, tb.individual)
    tb.register("evaluate", lambda ind: (float(_rastrigin_np(np.asarray(ind))),))
    tb.register("mate", tools.cxBlend, alpha=0.5)
    tb.register("mutate", tools.mutGaussian, mu=0.0, sigma=0.01 * (HIGH - LOW), indpb=1.0 / d)
    tb.register("select", tools.selTournament, tournsize=3)

    def run():
        random.seed(0)
        pop = tb.population(n=size["pop"])
        hof = tools.HallOfFame(1)
        algorithms.eaSimple(
            pop, tb, cxpb=0.9, mutpb=1.0, ngen=size["gens"], halloffame=hof, verbose=False
        )
        return hof[0].fitness.values[0]

    return run


def _pygad(size, device="cpu"):
    if device != "cpu":
        return None
    import pygad

    d = size["d"]
    rng = np.random.default_rng(0)

    def fitness(ga, solutions, idx):
        return -_rastrigin_np(np.asarray(solutions))

    def blend(parents, offspring_size, ga):
        n = offspring_size[0]
        a = parents[np.arange(n) % len(parents)]
        b = parents[(np.arange(n) + 1) % len(parents)]
        g = rng.uniform(-0.5, 1.5, size=a.shape)
        child = a + g * (b - a)
        cross = rng.uniform(size=(n, 1)) < 0.9
        return np.where(cross, child, a)

    def gaussian(offspring, ga):
        hit = rng.uniform(size=offspring.shape) < 1.0 / d
        step = rng.normal(0.0, 0.01 * (HIGH - LOW), size=offspring.shape)
        return np.clip(np.where(hit, offspring + step, offspring), LOW, HIGH)

    def run():
        ga = pygad.GA(
            num_generations=size["gens"],
            num_parents_mating=size["pop"],
            sol_per_pop=size["pop"],
            num_genes=d,
            fitness_func=fitness,
            fitness_batch_size=size["pop"],
            init_range_low=LOW,
            init_range_high=HIGH,
            parent_selection_type="tournament",
            K_tournament=3,
            keep_elitism=1,
            crossover_type=blend,
            mutation_type=gaussian,
            random_seed=0,
            suppress_warnings=True,
        )
        ga.run()
        return ga.best_solution()[1]

    return run


SIZES = {
    "full": {"d": 30, "pop": 200, "gens": 200},
    "quick": {"d": 30, "pop": 200, "gens": 200},
    "tiny": {"d": 5, "pop": 20, "gens": 5},
}

WORKLOADS = [
    Workload(
        name="genetic_rastrigin",
        family="classic",
        sizes=SIZES,
        make=_ours,
        peers={"deap": _deap, "pygad": _pygad},
        backends=("numpy", "strict", "cupy", "torch"),
        description="GA on 30-D Rastrigin: pop 200, 200 generations, tournament, BLX, Gaussian",
    )
]
