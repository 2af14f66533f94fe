"""Bad data, bad hyper-parameters and unfitted use for the scratch.classic estimators.

fit gets each bad kind of the conftest (NaN, inf, no samples, wrong ndim, 0-d, complex,
object, string data) for X, and mismatched lengths / another backend for y; predict,
transform and score of a fitted model get the same kinds plus a wrong number of features
and data from the other backend than the model's; hyper-parameters get zero/negative
values. Each is a ValueError/TypeError/BackendError from scratch that names the
argument; an unfitted estimator raises NotFittedError.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratch import classic as C
from scratch.validation import NotFittedError

R = np.random.default_rng(0)
X = np.vstack([R.normal(size=(8, 2)), R.normal(size=(8, 2)) + 4.0])
Y = np.repeat([0, 1], 8)
Y_REG = X[:, 0] * 2.0 + 1.0
SEQ = R.integers(0, 3, size=(30, 1))

EST = {  # name -> (factory, fit data X, fit target or None, methods that take new X)
    "PCA": (lambda: C.PCA(n_components=1), X, None, ("transform",)),
    "LinearDiscriminantAnalysis": (lambda: C.LinearDiscriminantAnalysis(), X, Y,
                                   ("predict", "transform", "predict_proba")),
    "KMeans": (lambda: C.KMeans(2, n_init=1, random_state=0), X, None,
               ("predict", "transform", "score")),
    "GaussianMixture": (lambda: C.GaussianMixture(2, random_state=0), X, None,
                        ("predict", "predict_proba", "score")),
    "SVC": (lambda: C.SVC(kernel="linear", random_state=0), X, Y, ("predict",)),
    "GaussianHMM": (lambda: C.GaussianHMM(2, n_iter=3, random_state=0), X, None,
                    ("predict", "score", "predict_proba")),
    "DecisionTreeClassifier": (lambda: C.DecisionTreeClassifier(random_state=0), X, Y,
                               ("predict", "predict_proba")),
    "DecisionTreeRegressor": (lambda: C.DecisionTreeRegressor(random_state=0), X, Y_REG,
                              ("predict",)),
}  # fmt: skip
FIT_KINDS = ("nan", "inf", "empty", "ndim", "scalar", "complex", "object", "string")
# the trees split string columns as categories (categorical_features): "string" is data
FIT_CASES = [(n, k) for n in EST for k in FIT_KINDS
             if not (n.startswith("DecisionTree") and k == "string")]  # fmt: skip


def _fit(name, xp):
    make, x, y, _ = EST[name]
    est = make()
    return est.fit(xp.asarray(x)) if y is None else est.fit(xp.asarray(x), xp.asarray(y))


@pytest.mark.parametrize("name,kind", FIT_CASES, ids=[f"{a}-{b}" for a, b in FIT_CASES])
def test_fit_refuses_bad_X_by_name(xp, bad, ours, name, kind):
    make, x, y, _ = EST[name]
    Xb = bad(kind, x, xp, pos=3)
    with pytest.raises((ValueError, TypeError)) as e:
        make().fit(Xb) if y is None else make().fit(Xb, xp.asarray(y))
    ours(e, "X")


SUPERVISED = [n for n, v in EST.items() if v[2] is not None]
Y_KINDS = ("short", "other", "nan", "ndim")
Y_CASES = [(n, k) for n in SUPERVISED for k in Y_KINDS]


@pytest.mark.parametrize("name,kind", Y_CASES, ids=[f"{a}-{b}" for a, b in Y_CASES])
def test_fit_refuses_a_bad_y_by_name(xp, bad, ours, name, kind):
    make, x, y, _ = EST[name]
    if kind == "short":
        yb = xp.asarray(y[:-3])
    elif kind == "ndim":
        yb = xp.asarray(np.stack([y, y], axis=1))
    else:
        yb = bad(kind, y, xp, pos=2)
    with pytest.raises((ValueError, TypeError)) as e:
        make().fit(xp.asarray(x), yb)
    ours(e, "y")


PREDICT_KINDS = ("nan", "inf", "empty", "ndim", "scalar", "complex", "object", "other",
                 "width")  # fmt: skip
# an HMM moves its parameters onto the backend of the X it is given (by design): "other"
# is no error there
PRED_CASES = [(n, m, k) for n, v in EST.items() for m in v[3] for k in PREDICT_KINDS
              if not (n == "GaussianHMM" and k == "other")]  # fmt: skip


@pytest.mark.parametrize("name,method,kind", PRED_CASES,
                         ids=[f"{a}-{b}-{c}" for a, b, c in PRED_CASES])  # fmt: skip
def test_a_fitted_model_refuses_bad_new_X_by_name(xp, bad, ours, name, method, kind):
    est = _fit(name, xp)
    x = EST[name][1]
    Xb = xp.asarray(np.hstack([x, x])) if kind == "width" else bad(kind, x, xp, pos=1)
    with pytest.raises((ValueError, TypeError)) as e:
        getattr(est, method)(Xb)
    ours(e, "X")


SCORE = [n for n in SUPERVISED]


@pytest.mark.parametrize("name", SCORE)
@pytest.mark.parametrize("kind", ["short", "other"])
def test_score_refuses_a_y_that_does_not_go_with_X(xp, bad, ours, name, kind):
    est = _fit(name, xp)
    x, y = EST[name][1], EST[name][2]
    yb = xp.asarray(y[:-2]) if kind == "short" else bad("other", y, xp)
    with pytest.raises((ValueError, TypeError)) as e:
        est.score(xp.asarray(x), yb)
    ours(e, "y")


UNFITTED = [(n, m) for n, v in EST.items() for m in v[3]] + [
    ("ThreeCoinEM", "predict_proba"),
    ("CategoricalHMM", "predict"),
]
FACTORY = {**{n: v[0] for n, v in EST.items()}, "ThreeCoinEM": lambda: C.ThreeCoinEM(),
           "CategoricalHMM": lambda: C.CategoricalHMM(2)}  # fmt: skip


@pytest.mark.parametrize("name,method", UNFITTED, ids=[f"{a}-{b}" for a, b in UNFITTED])
def test_an_unfitted_estimator_raises_not_fitted(xp, name, method):
    x = SEQ if name == "CategoricalHMM" else X
    arg = xp.asarray(np.array([1, 0, 1])) if name == "ThreeCoinEM" else xp.asarray(x)
    with pytest.raises(NotFittedError):
        getattr(FACTORY[name](), method)(arg)


HYPER = {  # name -> (argument, bad values), checked at fit
    "PCA": [("n_components", (0, -1, 5, 1.5))],
    "LinearDiscriminantAnalysis": [("n_components", (0, -1, 3)), ("reg_covar", (-1.0,))],
    "KMeans": [("n_clusters", (0, -1, 100)), ("n_init", (0, -1)), ("max_iter", (0, -1)),
               ("tol", (-1.0,))],
    # GaussianMixture(max_iter=0) only initializes, as in scikit-learn
    "GaussianMixture": [("n_components", (0, -1, 100)), ("reg_covar", (-1.0,)),
                        ("max_iter", (-1,)), ("n_init", (0,)), ("tol", (-1.0,))],
    "SVC": [("C", (0.0, -1.0, float("nan"))), ("gamma", (-1.0,)), ("degree", (-1,)),
            ("tol", (0.0, -1.0))],
    "GaussianHMM": [("n_components", (0, -1)), ("min_covar", (-1.0,)), ("n_iter", (-1,))],
    "DecisionTreeClassifier": [("max_depth", (0, -1)), ("min_samples_split", (0, 1, -1)),
                               ("min_samples_leaf", (0, -1)),
                               ("min_impurity_decrease", (-1.0,)), ("ccp_alpha", (-1.0,))],
    "DecisionTreeRegressor": [("max_depth", (0,)), ("min_samples_leaf", (0,))],
}  # fmt: skip
HYPER_CASES = [(n, a, v) for n, args in HYPER.items() for a, vs in args for v in vs]


@pytest.mark.parametrize("name,arg,value", HYPER_CASES,
                         ids=[f"{a}-{b}={c!r}" for a, b, c in HYPER_CASES])  # fmt: skip
def test_a_bad_hyperparameter_is_refused_by_name_at_fit(xp, ours, name, arg, value):
    make, x, y, _ = EST[name]
    est = make().set_params(**{arg: value})
    with pytest.raises((ValueError, TypeError)) as e:
        est.fit(xp.asarray(x)) if y is None else est.fit(xp.asarray(x), xp.asarray(y))
    ours(e, arg)


COIN_BAD = ("nan", "empty", "ndim", "complex", "object", "string")


@pytest.mark.parametrize("kind", COIN_BAD + ("not01",))
def test_three_coin_em_refuses_bad_flips_by_name(xp, bad, ours, kind):
    flips = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1])
    yb = xp.asarray(flips * 2) if kind == "not01" else bad(kind, flips, xp, pos=2)
    with pytest.raises((ValueError, TypeError)) as e:
        C.ThreeCoinEM().fit(yb)
    ours(e, "y")


@pytest.mark.parametrize("arg,value", [("pi", -0.1), ("p", 1.5), ("q", float("nan")),
                                       ("max_iter", -1), ("tol", -1.0)])  # fmt: skip
def test_three_coin_em_refuses_a_bad_hyperparameter_by_name(xp, ours, arg, value):
    with pytest.raises((ValueError, TypeError)) as e:
        C.ThreeCoinEM(**{arg: value}).fit(xp.asarray(np.array([1, 0, 1, 1])))
    ours(e, arg)


HMM_BAD = ("nan", "empty", "ndim", "complex", "object", "string", "negative")


@pytest.mark.parametrize("kind", HMM_BAD)
def test_categorical_hmm_refuses_bad_symbols_by_name(xp, bad, ours, kind):
    Xb = xp.asarray(-SEQ - 1) if kind == "negative" else bad(kind, SEQ, xp, pos=4)
    with pytest.raises((ValueError, TypeError)) as e:
        C.CategoricalHMM(2, n_iter=2, random_state=0).fit(Xb)
    ours(e, "X")


@pytest.mark.parametrize("name", ["CategoricalHMM", "GaussianHMM"])
@pytest.mark.parametrize("lengths", [[10, 10], [40], [-5, 35], [0, 30]])
def test_hmm_lengths_that_do_not_sum_to_the_samples_are_refused(xp, ours, name, lengths):
    est = C.CategoricalHMM(2, n_iter=2) if name == "CategoricalHMM" else C.GaussianHMM(2)
    x = SEQ if name == "CategoricalHMM" else R.normal(size=(30, 2))
    with pytest.raises((ValueError, TypeError)) as e:
        est.fit(xp.asarray(x), lengths=lengths)
    ours(e, "lengths")


def _sphere(z):
    return (z**2).sum(axis=-1) if hasattr(z, "sum") else z


GA_BOUNDS = [(-1.0, 1.0), (-1.0, 1.0)]


@pytest.mark.parametrize(
    "bounds",
    [[], [(1.0, -1.0)], [(0.0, float("nan"))], [(-np.inf, 1.0)], [(0.0,)], "ab", None],
    ids=["empty", "reversed", "nan", "inf", "short", "string", "none"],
)
def test_genetic_minimize_refuses_bad_bounds_by_name(ours, bounds):
    ga = C.GeneticAlgorithm(population_size=6, n_generations=2, random_state=0)
    with pytest.raises((ValueError, TypeError)) as e:
        ga.minimize(_sphere, bounds)
    ours(e, "bounds")


@pytest.mark.parametrize(
    "arg,value",
    [("population_size", 0), ("population_size", -3), ("n_generations", -1),
     ("tournament_size", 0), ("crossover_rate", 1.5), ("crossover_rate", -0.1),
     ("mutation_rate", -0.5), ("mutation_scale", -1.0), ("elitism", -1),
     ("elitism", 100), ("blend_alpha", -1.0), ("selection", "best")],
)  # fmt: skip
def test_genetic_refuses_a_bad_hyperparameter_by_name(ours, arg, value):
    ga = C.GeneticAlgorithm(population_size=6, n_generations=2, random_state=0)
    ga.set_params(**{arg: value})
    with pytest.raises((ValueError, TypeError)) as e:
        ga.minimize(_sphere, GA_BOUNDS)
    ours(e, arg)


def test_genetic_refuses_a_non_callable_objective_by_name(ours):
    ga = C.GeneticAlgorithm(population_size=6, n_generations=2, random_state=0)
    with pytest.raises((ValueError, TypeError)) as e:
        ga.minimize("sphere", GA_BOUNDS)
    ours(e, "f")


@pytest.mark.parametrize(
    "objective",
    [lambda z: z.sum(axis=-1) * float("nan"), lambda z: z, lambda z: 1.0],
    ids=["nan", "wrong-shape", "not-an-array"],
)
def test_genetic_refuses_a_bad_objective_value_by_name(ours, objective):
    ga = C.GeneticAlgorithm(population_size=6, n_generations=2, random_state=0)
    with pytest.raises((ValueError, TypeError)) as e:
        ga.minimize(objective, GA_BOUNDS)
    ours(e, "fitness")
