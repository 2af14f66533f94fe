r"""A genetic algorithm on binary or real-coded chromosomes, one population array.

The population is one array X (P, D) on the device: P chromosomes of D genes (0/1 for
``chromosome="binary"``, reals inside ``bounds`` for ``"real"``). A generation is

    parents  = select(X, fitness)              (P - e, D)  roulette | tournament | rank
    children = crossover(parents in pairs)     (P - e, D)  single/two-point, uniform, blend
    children = mutate(children)                            bit flip | Gaussian
    X        = [elite e of X ; children]                   elitism: the e best survive

each a handful of array operations over the whole population (no loop over
individuals); fitness is the user's vectorized f(X) -> (P,), maximized. ``minimize``
maximizes -f. The best and mean fitness of every generation stay on the device and
reach the host once, at the end.

Operators (u ~ U[0, 1) drawn per gene or per pair, all at once):

* roulette: P(i) = w_i / sum_j w_j with w_i = f_i - min_j f_j (shifted so the worst has
  weight 0 and negative fitness works; all equal -> uniform), inverse-CDF sampling:
  i = searchsorted(cumsum(w), u sum w);
* rank (linear ranking): w_i = rank_i + 1 (1 for the worst, P for the best), then roulette;
* tournament of size k: k uniform draws per slot, the fittest of them wins;
* single-point: a cut c ~ U{1..D-1} per pair, child 1 = (a_1..a_c, b_{c+1}..b_D), child 2 the
  mirror; two-point: the segment between two cuts is swapped; uniform: each gene from
  either parent with probability 1/2. A pair crosses with probability ``crossover_rate``,
  otherwise the children are copies of the parents;
* blend, BLX-alpha (Eshelman & Schaffer 1993): child gene = a + g (b - a),
  g ~ U[-alpha, 1 + alpha], i.e. uniform on [min - alpha d, max + alpha d], d = |a - b|;
* bit flip: each gene flips with probability ``mutation_rate`` (default 1 / D);
* Gaussian: each gene moves by N(0, (mutation_scale (high - low))^2) with probability
  ``mutation_rate``; real genes are clipped back into the bounds.

With ``elitism`` e >= 1 the best chromosome of a generation is copied unchanged into the
next, so the best fitness never decreases (f is deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import backend
from ..validation import backend_of, check_array, check_positive, seed_of
from ._base import BaseEstimator

__all__ = [
    "GeneticAlgorithm",
    "roulette_selection",
    "rank_selection",
    "tournament_selection",
    "point_crossover",
    "uniform_crossover",
    "blend_crossover",
    "bit_flip_mutation",
    "gaussian_mutation",
]

_SELECTIONS = ("tournament", "roulette", "rank")
_CROSSOVERS = ("single_point", "two_point", "uniform", "blend")
_MUTATIONS = ("gaussian", "bit_flip")


# ---------------------------------------------------------------------------- selection


def roulette_selection(fitness: Any, n: int, rng: Any, weights: Any = None):
    """n indices drawn with P(i) proportional to f_i - min f (or to ``weights``), (n,)."""
    xp = backend.namespace(fitness)
    w = fitness - xp.min(fitness) if weights is None else weights
    cum = xp.cumulative_sum(w)
    total = cum[-1:]
    u = rng.uniform(size=(n,), dtype=fitness.dtype)
    # all weights zero (equal fitness): uniform choice
    target = xp.where(total > 0, u * total, u * cum.shape[0])
    ones = xp.arange(1, cum.shape[0] + 1, device=backend.device_of(cum))
    cum = xp.where(total > 0, cum, xp.astype(ones, cum.dtype))
    idx = xp.searchsorted(cum, target, side="right")
    return xp.minimum(idx, fitness.shape[0] - 1)


def rank_selection(fitness: Any, n: int, rng: Any):
    """Roulette on linear ranks: weight rank + 1 (1 worst .. P best), (n,)."""
    xp = backend.namespace(fitness)
    ranks = xp.argsort(xp.argsort(fitness, stable=True), stable=True)
    return roulette_selection(fitness, n, rng, weights=xp.astype(ranks + 1, fitness.dtype))


def tournament_selection(fitness: Any, n: int, rng: Any, k: int = 3):
    """n winners of tournaments among k uniformly drawn contestants, (n,)."""
    xp = backend.namespace(fitness)
    contestants = rng.integers(0, fitness.shape[0], size=(n, k))
    f = xp.reshape(xp.take(fitness, xp.reshape(contestants, (-1,))), (n, k))
    best = xp.argmax(f, axis=1)
    return xp.take_along_axis(contestants, best[:, None], axis=1)[:, 0]


# ---------------------------------------------------------------------------- crossover


def _mask_children(A: Any, B: Any, mask: Any):
    xp = backend.namespace(A, B)
    return xp.where(mask, A, B), xp.where(mask, B, A)


def point_crossover(A: Any, B: Any, rng: Any, points: int = 1):
    """Single-point (points=1) or two-point (points=2) crossover of pairs (n, D)."""
    xp = backend.namespace(A, B)
    n, D = A.shape
    j = xp.arange(D, device=backend.device_of(A))[None, :]
    if points == 1:
        c = rng.integers(1, max(D, 2), size=(n, 1))
        keep = j < c  # genes before the cut stay with their parent
    else:
        c = rng.integers(0, D + 1, size=(n, 2))
        lo, hi = xp.min(c, axis=1, keepdims=True), xp.max(c, axis=1, keepdims=True)
        keep = (j < lo) | (j >= hi)  # the segment [lo, hi) is swapped
    return _mask_children(A, B, keep)


def uniform_crossover(A: Any, B: Any, rng: Any):
    """Each gene from either parent with probability 1/2."""
    return _mask_children(A, B, rng.uniform(size=A.shape, dtype=A.dtype) < 0.5)


def blend_crossover(A: Any, B: Any, rng: Any, alpha: float = 0.5):
    """BLX-alpha: child = a + g (b - a), g ~ U[-alpha, 1 + alpha] per gene and child."""
    d = B - A
    g1 = rng.uniform(-alpha, 1.0 + alpha, size=A.shape, dtype=A.dtype)
    g2 = rng.uniform(-alpha, 1.0 + alpha, size=A.shape, dtype=A.dtype)
    return A + g1 * d, A + g2 * d


# ---------------------------------------------------------------------------- mutation


def bit_flip_mutation(X: Any, rng: Any, rate: float):
    """x -> 1 - x for each gene with probability ``rate``."""
    xp = backend.namespace(X)
    return xp.where(rng.uniform(size=X.shape, dtype=X.dtype) < rate, 1.0 - X, X)


def gaussian_mutation(X: Any, rng: Any, rate: float, sigma: Any, low: Any, high: Any):
    """x -> clip(x + N(0, sigma^2), low, high) for each gene with probability ``rate``."""
    xp = backend.namespace(X)
    hit = rng.uniform(size=X.shape, dtype=X.dtype) < rate
    step = rng.normal(size=X.shape, dtype=X.dtype) * sigma
    return xp.clip(xp.where(hit, X + step, X), low, high)


# ---------------------------------------------------------------------------- the GA


class GeneticAlgorithm(BaseEstimator):
    """A generational GA with elitism (see the module docstring for the operators).

    Parameters
    ----------
    population_size : int >= 2
    n_generations : int >= 1
    chromosome : {"real", "binary"}
    selection : {"tournament", "roulette", "rank"}
    tournament_size : int >= 1
    crossover : {"blend", "single_point", "two_point", "uniform"}
        "blend" needs real chromosomes.
    crossover_rate : float in [0, 1]
    blend_alpha : float >= 0
    mutation : {"gaussian", "bit_flip"}
        "gaussian" for real chromosomes, "bit_flip" for binary ones.
    mutation_rate : float in [0, 1] or None
        Per gene; None: 1 / D.
    mutation_scale : float > 0
        Gaussian step as a fraction of each gene's range (high - low).
    elitism : int >= 0
        Chromosomes carried over unchanged (< population_size).
    random_state : None or int

    Attributes
    ----------
    population_ (P, D), fitness_ (P,): the last generation (device arrays);
    best_chromosome_ (D,), best_fitness_ (float): the best ever seen;
    best_fitness_history_, mean_fitness_history_ (lists of n_generations + 1 floats,
    generation 0 the initial population; in the objective's own units after
    ``minimize``); objective_ ("max" or "min").
    """

    def __init__(
        self,
        population_size: int = 100,
        n_generations: int = 100,
        chromosome: str = "real",
        selection: str = "tournament",
        tournament_size: int = 3,
        crossover: str = "blend",
        crossover_rate: float = 0.9,
        blend_alpha: float = 0.5,
        mutation: str = "gaussian",
        mutation_rate: float | None = None,
        mutation_scale: float = 0.01,
        elitism: int = 1,
        random_state: Any = None,
    ):
        self.population_size = population_size
        self.n_generations = n_generations
        self.chromosome = chromosome
        self.selection = selection
        self.tournament_size = tournament_size
        self.crossover = crossover
        self.crossover_rate = crossover_rate
        self.blend_alpha = blend_alpha
        self.mutation = mutation
        self.mutation_rate = mutation_rate
        self.mutation_scale = mutation_scale
        self.elitism = elitism
        self.random_state = random_state

    def _check_params(self) -> None:
        check_positive(self.population_size, "population_size", integer=True)
        if self.population_size < 2:
            raise ValueError(f"population_size must be >= 2, got {self.population_size}")
        check_positive(self.n_generations, "n_generations", integer=True)
        check_positive(self.tournament_size, "tournament_size", integer=True)
        for name, value, allowed in (
            ("chromosome", self.chromosome, ("real", "binary")),
            ("selection", self.selection, _SELECTIONS),
            ("crossover", self.crossover, _CROSSOVERS),
            ("mutation", self.mutation, _MUTATIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        binary = self.chromosome == "binary"
        if binary and (self.crossover == "blend" or self.mutation == "gaussian"):
            raise ValueError(
                "binary chromosomes need a point or uniform crossover and mutation='bit_flip', "
                f"got crossover={self.crossover!r}, mutation={self.mutation!r}"
            )
        if not binary and self.mutation == "bit_flip":
            raise ValueError("real chromosomes need mutation='gaussian', got 'bit_flip'")
        for name in ("crossover_rate",) + (
            ("mutation_rate",) if self.mutation_rate is not None else ()
        ):
            v = getattr(self, name)
            check_positive(v, name, strict=False)
            if v > 1:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        check_positive(self.blend_alpha, "blend_alpha", strict=False)
        check_positive(self.mutation_scale, "mutation_scale")
        if isinstance(self.elitism, bool) or not isinstance(self.elitism, int):
            raise TypeError(f"elitism must be an int, got {self.elitism!r}")
        if not 0 <= self.elitism < self.population_size:
            raise ValueError(f"elitism must be in [0, population_size), got {self.elitism}")

    def _initial(self, rng, n_genes, bounds, initial_population, ref):
        P = self.population_size
        if initial_population is not None:
            X0 = check_array(initial_population, name="initial_population", like=ref)
            if tuple(X0.shape) != (P, n_genes):
                raise ValueError(
                    f"initial_population must have shape {(P, n_genes)}, got {tuple(X0.shape)}"
                )
            return X0
        if self.chromosome == "binary":
            xp = backend.namespace(ref)
            return xp.astype(rng.integers(0, 2, size=(P, n_genes)), ref.dtype)
        u = rng.uniform(size=(P, n_genes), dtype=ref.dtype)
        return bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])

    def run(
        self,
        fitness: Callable[[Any], Any],
        n_genes: int | None = None,
        bounds: Any = None,
        initial_population: Any = None,
    ) -> GeneticAlgorithm:
        """Evolve the population, maximizing ``fitness``; returns self.

        Parameters
        ----------
        fitness : callable
            f(X) for the whole population X (P, D) -> (P,) on the same backend.
        n_genes : int, optional
            D (binary chromosomes; real ones take it from ``bounds``).
        bounds : array (D, 2), optional
            Low and high of every real gene; its backend is the population's.
        initial_population : array (P, D), optional
            Starting chromosomes (its backend is used when ``bounds`` is not given).
        """
        self._check_params()
        real = self.chromosome == "real"
        if real:
            if bounds is None:
                raise ValueError("bounds (D, 2) are required for real chromosomes")
            bounds = check_array(bounds, name="bounds", like=initial_population)
            if bounds.ndim != 2 or bounds.shape[1] != 2:
                raise ValueError(f"bounds must have shape (D, 2), got {tuple(bounds.shape)}")
            xp = backend.namespace(bounds)
            if not bool(backend.to_numpy(xp.all(bounds[:, 0] < bounds[:, 1]))):
                raise ValueError("bounds must have low < high in every row")
            n_genes, ref = bounds.shape[0], bounds
        else:
            check_positive(n_genes, "n_genes", integer=True)
            ref = (
                check_array(initial_population, name="initial_population")
                if initial_population is not None
                else backend.get(None).zeros((1,))
            )
        xp = backend.namespace(ref)
        rng = backend_of(ref).rng(seed_of(self.random_state))
        P, e = self.population_size, self.elitism
        rate = self.mutation_rate if self.mutation_rate is not None else 1.0 / n_genes
        X = self._initial(rng, n_genes, bounds, initial_population, ref)
        f = self._evaluate(fitness, X)
        best_hist, mean_hist = [xp.max(f)], [xp.mean(f)]
        n_pairs = math.ceil((P - e) / 2)
        for _ in range(self.n_generations):
            parents = xp.take(X, self._select(f, 2 * n_pairs, rng), axis=0)
            A, B = parents[:n_pairs, :], parents[n_pairs:, :]
            C1, C2 = self._crossover(A, B, rng)
            children = xp.concat([C1, C2], axis=0)[: P - e, :]
            if real:
                sigma = self.mutation_scale * (bounds[:, 1] - bounds[:, 0])
                children = gaussian_mutation(children, rng, rate, sigma, bounds[:, 0], bounds[:, 1])
            else:
                children = bit_flip_mutation(children, rng, rate)
            if e:
                elite = xp.argsort(f, descending=True, stable=True)[:e]
                elite_X, elite_f = xp.take(X, elite, axis=0), xp.take(f, elite)
                X = xp.concat([elite_X, children], axis=0)
                f = xp.concat([elite_f, self._evaluate(fitness, children)])
            else:
                X = children
                f = self._evaluate(fitness, X)
            best_hist.append(xp.max(f))
            mean_hist.append(xp.mean(f))
        # once, at the end: the histories to the host
        hist = backend.to_numpy(xp.stack([xp.stack(best_hist), xp.stack(mean_hist)]))
        self.best_fitness_history_ = [float(v) for v in hist[0]]
        self.mean_fitness_history_ = [float(v) for v in hist[1]]
        # a NaN fitness anywhere makes its generation's mean NaN: checked here, on the
        # host copy, instead of a host read every generation
        if any(math.isnan(v) for v in self.mean_fitness_history_):
            raise ValueError("fitness (f of minimize) returned NaN for some chromosomes")
        best = xp.argmax(f)
        self.population_, self.fitness_ = X, f
        self.best_chromosome_ = xp.take(X, best[None], axis=0)[0, :]
        self.best_fitness_ = float(backend.to_numpy(xp.take(f, best[None]))[0])
        if not e:  # without elitism the best of the last generation may not be the best ever
            self.best_fitness_ = max(self.best_fitness_, max(self.best_fitness_history_))
        self.objective_ = "max"
        self.n_genes_ = n_genes
        return self

    def minimize(self, f: Callable[[Any], Any], bounds: Any, **kwargs: Any) -> GeneticAlgorithm:
        """Minimize f over the box ``bounds`` (D, 2): runs the GA on -f.

        Afterwards ``x_`` is the best point, ``fun_`` = f(x_), and the histories are in
        f's units (best = lowest).

        Parameters
        ----------
        f : callable
            f(X) for the whole population X (P, D) -> (P,) on the same backend; lower is
            better.
        bounds : array (D, 2)
            Low and high of every real gene; its backend is the population's.
        **kwargs
            Passed on to ``run`` (e.g. ``initial_population``).

        Returns
        -------
        self : GeneticAlgorithm
            The fitted optimizer.
        """
        if not callable(f):
            raise TypeError(f"f must be a callable objective, got {type(f).__name__}")
        self.run(lambda X: -f(X), bounds=bounds, **kwargs)
        self.best_fitness_history_ = [-v for v in self.best_fitness_history_]
        self.mean_fitness_history_ = [-v for v in self.mean_fitness_history_]
        self.best_fitness_ = -self.best_fitness_
        self.objective_ = "min"
        self.x_, self.fun_ = self.best_chromosome_, self.best_fitness_
        return self

    # ------------------------------------------------------------------ the steps

    def _evaluate(self, fitness, X):
        f = fitness(X)
        xp = backend.namespace(X)
        if not backend.is_array(f):
            raise TypeError(f"fitness (f of minimize) must return an array, got {type(f).__name__}")
        if tuple(f.shape) != (X.shape[0],):
            raise ValueError(
                f"fitness must return shape (population,) = ({X.shape[0]},), got {tuple(f.shape)}"
            )
        return xp.astype(f, X.dtype)

    def _select(self, f, n, rng):
        if self.selection == "tournament":
            return tournament_selection(f, n, rng, self.tournament_size)
        if self.selection == "rank":
            return rank_selection(f, n, rng)
        return roulette_selection(f, n, rng)

    def _crossover(self, A, B, rng):
        xp = backend.namespace(A, B)
        if self.crossover == "blend":
            C1, C2 = blend_crossover(A, B, rng, self.blend_alpha)
        elif self.crossover == "uniform":
            C1, C2 = uniform_crossover(A, B, rng)
        else:
            C1, C2 = point_crossover(A, B, rng, 1 if self.crossover == "single_point" else 2)
        cross = rng.uniform(size=(A.shape[0], 1), dtype=A.dtype) < self.crossover_rate
        return xp.where(cross, C1, A), xp.where(cross, C2, B)
