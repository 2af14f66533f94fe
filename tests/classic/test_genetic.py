"""The genetic algorithm: convergence on the sphere and Rastrigin, elitism's monotone
best, and each operator pinned on its own (selection probabilities, crossover layouts,
BLX-alpha's interval, mutation rates)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import GeneticAlgorithm
from scratch.classic.genetic import (
    bit_flip_mutation,
    blend_crossover,
    gaussian_mutation,
    point_crossover,
    rank_selection,
    roulette_selection,
    tournament_selection,
    uniform_crossover,
)

to_np = backend.to_numpy


def sphere(X):
    xp = backend.namespace(X)
    return xp.sum(X * X, axis=1)


def rastrigin(X):
    """10 D + sum_j x_j^2 - 10 cos(2 pi x_j); global minimum 0 at x = 0."""
    xp = backend.namespace(X)
    return 10.0 * X.shape[1] + xp.sum(X * X - 10.0 * xp.cos(2 * math.pi * X), axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_the_10d_sphere_minimum_to_1e3_in_150_generations(xp, seed):
    """Population 100, tournament(3), BLX-0.5, Gaussian mutation (1% of the range),
    elitism 1, bounds [-5, 5]^10: f(best) < 1e-3 after 150 generations."""
    bounds = xp.asarray([[-5.0, 5.0]] * 10)
    ga = GeneticAlgorithm(100, 150, random_state=seed).minimize(sphere, bounds)
    assert ga.fun_ < 1e-3
    assert backend.backend_name(ga.x_) == xp.name and tuple(ga.x_.shape) == (10,)
    assert float(to_np(sphere(ga.x_[None, :]))[0]) == pytest.approx(ga.fun_)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_the_2d_rastrigin_minimum_to_1e2_in_100_generations(xp, seed):
    """Same settings on Rastrigin over [-5.12, 5.12]^2 (many local minima): f < 1e-2."""
    bounds = xp.asarray([[-5.12, 5.12]] * 2)
    ga = GeneticAlgorithm(100, 100, random_state=seed).minimize(rastrigin, bounds)
    assert ga.fun_ < 1e-2
    assert len(ga.best_fitness_history_) == 101


def test_binary_chromosomes_solve_onemax(xp):
    """OneMax (fitness = number of ones, D = 40): bit-flip + two-point crossover reach the
    all-ones string within 80 generations."""
    ga = GeneticAlgorithm(
        60, 80, chromosome="binary", crossover="two_point", mutation="bit_flip", random_state=0
    )
    ga.run(
        lambda X: backend.namespace(X).sum(X, axis=1),
        n_genes=40,
        initial_population=xp.zeros((60, 40)),
    )
    assert ga.best_fitness_ == 40.0
    assert set(np.unique(to_np(ga.population_)).tolist()) <= {0.0, 1.0}


@given(
    seed=st.integers(0, 10_000),
    selection=st.sampled_from(["tournament", "roulette", "rank"]),
    crossover=st.sampled_from(["blend", "single_point", "two_point", "uniform"]),
    elitism=st.integers(1, 3),
    scale=st.sampled_from([0.01, 0.3]),
)
def test_with_elitism_the_best_fitness_never_gets_worse(
    xp, seed, selection, crossover, elitism, scale
):
    """The e best chromosomes are copied unchanged, so max_i f_i(t+1) >= max_i f_i(t),
    exactly (f is deterministic), for every selection and crossover."""
    ga = GeneticAlgorithm(
        20,
        15,
        selection=selection,
        crossover=crossover,
        elitism=elitism,
        mutation_scale=scale,
        random_state=seed,
    )
    ga.minimize(rastrigin, xp.asarray([[-5.12, 5.12]] * 3))
    h = np.array(ga.best_fitness_history_)  # f, lower is better
    assert np.all(np.diff(h) <= 0)


def test_without_elitism_the_best_can_get_worse():
    """The same run with elitism=0 loses its best at least once (why elitism exists)."""
    ga = GeneticAlgorithm(20, 40, elitism=0, mutation_scale=0.3, random_state=0)
    ga.minimize(rastrigin, backend.get("numpy").asarray([[-5.12, 5.12]] * 3))
    assert np.any(np.diff(ga.best_fitness_history_) > 0)


# ------------------------------------------------------------------ the operators, pinned


def test_roulette_and_rank_draw_with_their_probabilities(xp):
    """f = (0, 1, 2, 3): roulette weights f - min = (0, 1, 2, 3) / 6; rank weights
    (1, 2, 3, 4) / 10. 60000 draws: frequencies within 0.01 (4 sigma ~ 0.008)."""
    rng = backend.backend_of(xp.asarray([0.0])).rng(0)
    f = xp.asarray([0.0, 1.0, 2.0, 3.0])
    for select, p in (
        (roulette_selection, [0, 1 / 6, 2 / 6, 3 / 6]),
        (rank_selection, [0.1, 0.2, 0.3, 0.4]),
    ):
        idx = to_np(select(f, 60000, rng))
        np.testing.assert_allclose(np.bincount(idx, minlength=4) / 60000, p, atol=0.01)
    equal = to_np(roulette_selection(xp.asarray([2.0, 2.0]), 20000, rng))
    assert abs(equal.mean() - 0.5) < 0.02  # all weights 0: uniform


def test_tournament_winner_is_the_fittest_contestant(xp):
    """200 contestants among 50 nearly always include the best (P(miss) = 0.98^200 =
    0.02); with k = 1 selection is uniform."""
    rng = backend.backend_of(xp.asarray([0.0])).rng(1)
    f = xp.asarray(np.arange(50.0))
    assert (to_np(tournament_selection(f, 200, rng, k=200)) == 49).mean() > 0.95
    assert abs(to_np(tournament_selection(f, 20000, rng, k=1)).mean() - 24.5) < 0.5
    # k = 2: P(win) = (2 i + 1) / P^2 for rank i; the mean index is sum i (2i+1) / P^2
    mean = sum(i * (2 * i + 1) for i in range(50)) / 50**2
    assert abs(to_np(tournament_selection(f, 40000, rng, k=2)).mean() - mean) < 0.3


def test_point_and_uniform_crossovers_swap_genes_between_the_parents(xp):
    """Every child gene comes from a parent at the same position and each position's
    pair of genes is kept (c1 + c2 = a + b); single point: c1 = a up to one cut, b
    after; two point: a outside one segment, b inside."""
    rng = backend.backend_of(xp.asarray([0.0])).rng(2)
    A = xp.asarray(np.zeros((300, 8)))
    B = xp.asarray(np.ones((300, 8)))
    for C1, C2, layout in (
        (*point_crossover(A, B, rng, 1), r"^0+1+$"),
        (*point_crossover(A, B, rng, 2), r"^0*1*0*$"),
        (*uniform_crossover(A, B, rng), r"^[01]+$"),
    ):
        c1, c2 = to_np(C1), to_np(C2)
        np.testing.assert_array_equal(c1 + c2, 1.0)
        assert all(re.match(layout, "".join(str(int(v)) for v in row)) for row in c1)
    frac = to_np(uniform_crossover(A, B, rng)[0]).mean()
    assert abs(frac - 0.5) < 0.02


def test_blend_children_fill_the_stretched_interval_uniformly(xp):
    """BLX-0.5 on a = 0, b = 1: children uniform on [-0.5, 1.5] (mean 0.5, var 4/12)."""
    rng = backend.backend_of(xp.asarray([0.0])).rng(3)
    C1, C2 = blend_crossover(xp.zeros((20000, 2)), xp.ones((20000, 2)), rng, alpha=0.5)
    c = np.concatenate([to_np(C1).ravel(), to_np(C2).ravel()])
    assert c.min() >= -0.5 and c.max() <= 1.5
    assert abs(c.mean() - 0.5) < 0.01 and abs(c.var() - 4 / 12) < 0.01


def test_mutations_hit_genes_at_their_rate_and_stay_in_bounds(xp):
    rng = backend.backend_of(xp.asarray([0.0])).rng(4)
    X = xp.zeros((1000, 20))
    flipped = to_np(bit_flip_mutation(X, rng, 0.1))
    assert abs(flipped.mean() - 0.1) < 0.005 and set(np.unique(flipped)) == {0.0, 1.0}
    low, high = xp.asarray([-1.0] * 20), xp.asarray([0.5] * 20)
    M = to_np(gaussian_mutation(X, rng, 0.3, 2.0, low, high))
    assert M.min() >= -1.0 and M.max() <= 0.5
    assert abs((M != 0).mean() - 0.3) < 0.01


def test_bad_settings_name_the_argument():
    b = [[-1.0, 1.0]]
    with pytest.raises(ValueError, match="selection must be one of"):
        GeneticAlgorithm(selection="wheel").minimize(sphere, b)
    with pytest.raises(ValueError, match="binary chromosomes need"):
        GeneticAlgorithm(chromosome="binary").run(sphere, n_genes=4)
    with pytest.raises(ValueError, match="elitism must be in"):
        GeneticAlgorithm(10, elitism=10).minimize(sphere, b)
    with pytest.raises(ValueError, match="bounds must have low < high"):
        GeneticAlgorithm().minimize(sphere, [[1.0, -1.0]])
    with pytest.raises(ValueError, match=r"fitness must return shape \(population,\)"):
        GeneticAlgorithm(10, 2).run(lambda X: X, bounds=b + b)
    with pytest.raises(ValueError, match="crossover_rate must be in"):
        GeneticAlgorithm(crossover_rate=1.5).minimize(sphere, b)
