"""scikit-learn's estimator contract, checked by scikit-learn itself.

* ``check_estimator`` (every legacy and API check scikit-learn runs on its own
  estimators) passes for the seven estimators of the issue, with no check marked
  expected-to-fail;
* the estimators work inside scikit-learn's tools: clone, Pipeline, GridSearchCV,
  cross_val_score;
* fitted scalars are Python ints/floats; repr shows the non-default parameters; a
  backend mismatch names the estimator, the argument and both backends.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from scratch import backend
from scratch.backend import BackendError
from scratch.classic import (
    PCA,
    SVC,
    CategoricalHMM,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    GaussianHMM,
    GaussianMixture,
    KMeans,
    LinearDiscriminantAnalysis,
    ThreeCoinEM,
)
from scratch.validation import NotFittedError

CHECKED = [
    PCA,
    LinearDiscriminantAnalysis,
    KMeans,
    GaussianMixture,
    SVC,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
]


def _sklearn():
    return pytest.importorskip("sklearn")


@pytest.mark.parametrize("cls", CHECKED, ids=lambda c: c.__name__)
def test_check_estimator_passes_with_no_expected_failures(cls):
    """sklearn.utils.estimator_checks.check_estimator: every check passes or is skipped
    only for a missing optional library (pandas) or an unset SCIPY_ARRAY_API."""
    _sklearn()
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls(), on_fail=None, on_skip=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert not any(r["expected_to_fail"] for r in results)
    skipped = [r for r in results if r["status"] == "skipped"]
    for r in skipped:
        assert "pandas" in str(r["exception"]) or "SCIPY_ARRAY_API" in str(r["exception"])
    assert len(results) - len(skipped) >= 40  # the checks really ran


def test_kmeans_passes_sklearns_clustering_checks():
    """check_clustering and check_clusterer_compute_labels_predict, which check_estimator
    yields only for subclasses of sklearn's own ClusterMixin, run by hand."""
    _sklearn()
    from sklearn.utils.estimator_checks import (
        check_clusterer_compute_labels_predict,
        check_clustering,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_clustering("KMeans", KMeans(random_state=0))
        check_clustering("KMeans", KMeans(random_state=0), readonly_memmap=True)
        check_clusterer_compute_labels_predict("KMeans", KMeans(random_state=0))


def test_tags_say_what_each_estimator_is():
    """is_classifier / is_regressor / is_clusterer and the tags scikit-learn reads."""
    _sklearn()
    from sklearn.base import is_classifier, is_clusterer, is_regressor
    from sklearn.utils import get_tags

    assert is_classifier(SVC()) and is_classifier(LinearDiscriminantAnalysis())
    assert is_classifier(DecisionTreeClassifier()) and not is_classifier(KMeans())
    assert is_regressor(DecisionTreeRegressor()) and not is_regressor(SVC())
    assert is_clusterer(KMeans())
    assert get_tags(GaussianMixture()).estimator_type == "density_estimator"
    assert get_tags(PCA()).estimator_type == "transformer"
    assert get_tags(PCA()).transformer_tags.preserves_dtype == ["float64", "float32"]
    assert get_tags(SVC()).target_tags.required and not get_tags(KMeans()).target_tags.required
    assert get_tags(SVC(kernel="precomputed")).input_tags.pairwise
    assert not get_tags(SVC()).input_tags.pairwise
    assert get_tags(GaussianHMM()).estimator_type is None


def test_not_fitted_is_also_sklearns_not_fitted_error():
    """scikit-learn catches its own NotFittedError class; ours is both when it is loaded."""
    sk_exceptions = pytest.importorskip("sklearn.exceptions")
    for est in (SVC(), PCA(), KMeans(), GaussianMixture(), DecisionTreeRegressor()):
        method = est.transform if isinstance(est, PCA) else est.predict
        with pytest.raises(sk_exceptions.NotFittedError):
            method(np.zeros((2, 2)))
        with pytest.raises(NotFittedError):
            method(np.zeros((2, 2)))


def _digits(n):
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    return X[:n] / 16.0, y[:n]


def test_pca_svc_pipeline_in_grid_search_and_cross_val_score():
    """PCA -> SVC on the digits: GridSearchCV clones and re-parametrizes both steps
    through get_params/set_params (``pca__n_components``, ``svc__C``); every grid cell
    scores what scikit-learn's own PCA -> SVC scores on the same folds, within 2%
    (6 of 300 digits: SMO stops at a KKT tolerance, so borderline points may differ)."""
    _sklearn()
    from sklearn.decomposition import PCA as SkPCA
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC as SkSVC

    X, y = _digits(300)
    grid = {"pca__n_components": [8, 16], "svc__C": [1.0, 10.0]}
    ours = GridSearchCV(Pipeline([("pca", PCA()), ("svc", SVC())]), grid, cv=3).fit(X, y)
    ref = GridSearchCV(Pipeline([("pca", SkPCA()), ("svc", SkSVC())]), grid, cv=3).fit(X, y)
    assert isinstance(ours.best_estimator_.named_steps["svc"], SVC)
    assert set(ours.best_params_) == {"pca__n_components", "svc__C"}
    assert ours.best_score_ >= ref.best_score_ - 0.02
    # same folds, same models up to SMO's tolerance: the mean accuracies agree closely
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], atol=0.02
    )
    scores = cross_val_score(Pipeline([("pca", PCA(16)), ("svc", SVC(C=10.0))]), X, y, cv=3)
    assert scores.dtype == np.float64 and scores.shape == (3,)
    assert scores.mean() > 0.9


def test_scaler_tree_pipeline_cross_val_score_equals_sklearns_tree():
    """StandardScaler -> DecisionTreeClassifier: cross_val_score (stratified, because
    is_classifier reads our tags) gives the scores of scikit-learn's CART tree."""
    _sklearn()
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier as SkTree

    X, y = _digits(300)
    ours = make_pipeline(StandardScaler(), DecisionTreeClassifier(max_depth=6))
    ours = cross_val_score(ours, X, y)
    ref = cross_val_score(make_pipeline(StandardScaler(), SkTree(max_depth=6)), X, y)
    assert ours.shape == (5,)
    assert abs(ours.mean() - ref.mean()) < 0.05  # tie-breaking between equal splits differs


def test_clone_copies_parameters_not_fitted_state():
    sk_base = pytest.importorskip("sklearn.base")
    est = SVC(C=3.0, kernel="linear").fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    twin = sk_base.clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "support_")


def test_fitted_scalars_are_python_numbers(xp):
    """inertia_, noise_variance_, lower_bound_, log_likelihood_, n_iter_ ... are host
    ints/floats, as scikit-learn's (not 0-d arrays), on every backend."""
    rng = np.random.default_rng(0)
    X = xp.asarray(np.vstack([rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 4]))
    y = xp.asarray(np.repeat([0, 1], 20))

    km = KMeans(2, random_state=0).fit(X)
    assert type(km.inertia_) is float and type(km.n_iter_) is int
    assert all(type(v) is float for v in km.inertia_history_)
    pca = PCA(1).fit(X)
    assert type(pca.noise_variance_) is float and pca.noise_variance_ > 0
    assert type(pca.n_components_) is int and type(PCA().fit(X).noise_variance_) is float
    gmm = GaussianMixture(2, random_state=0).fit(X)
    assert type(gmm.lower_bound_) is float and type(gmm.n_iter_) is int
    assert type(gmm.converged_) is bool
    assert all(type(v) is float for v in (gmm.score(X), gmm.bic(X), gmm.aic(X)))
    assert type(km.score(X)) is float
    lda = LinearDiscriminantAnalysis().fit(X, y)
    assert type(lda.n_components_) is int and type(lda.score(X, y)) is float
    svc = SVC().fit(X, y)
    assert type(svc.score(X, y)) is float
    tree = DecisionTreeClassifier().fit(X, y)
    assert type(tree.n_classes_) is int and type(tree.get_depth()) is int
    assert type(DecisionTreeRegressor().fit(X, X[:, 0]).score(X, X[:, 0])) is float
    coins = ThreeCoinEM().fit(xp.asarray(np.array([1.0, 0.0, 1.0, 1.0])))
    assert type(coins.log_likelihood_) is float and type(coins.n_iter_) is int
    hmm = GaussianHMM(2, random_state=0, n_iter=3).fit(X)
    assert all(type(v) is float for v in hmm.monitor_.history)
    assert type(hmm.score(X)) is float and type(hmm.monitor_.iter) is int


def test_repr_shows_only_the_non_default_parameters():
    assert repr(SVC()) == "SVC()"
    assert repr(SVC(C=10.0, kernel="linear")) == "SVC(C=10.0, kernel='linear')"
    assert repr(KMeans(3, random_state=0)) == "KMeans(n_clusters=3, random_state=0)"
    assert repr(PCA(n_components=2, whiten=True)) == "PCA(n_components=2, whiten=True)"
    assert repr(DecisionTreeClassifier(max_depth=3)) == "DecisionTreeClassifier(max_depth=3)"
    gmm = GaussianMixture(covariance_type="diag")
    assert repr(gmm) == "GaussianMixture(covariance_type='diag')"
    assert repr(CategoricalHMM(n_components=2)) == "CategoricalHMM(n_components=2)"
    assert repr(PCA(n_components=2.0 / 3.0)).startswith("PCA(n_components=0.666")


def _fitted(cls, X, y):
    if cls is PCA:
        return PCA(1).fit(X), "transform"
    if cls in (KMeans, GaussianMixture):
        return cls(2, random_state=0).fit(X), "predict"
    if cls is DecisionTreeRegressor:
        return cls().fit(X, X[:, 0]), "predict"
    return cls().fit(X, y), "predict"


@pytest.mark.parametrize("cls", CHECKED, ids=lambda c: c.__name__)
def test_backend_mismatch_names_the_estimator_the_argument_and_both_backends(cls):
    """A model fitted on strict given a NumPy X: 'SVC fitted on strict got X from numpy'."""
    bk = backend.get("strict")
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(10, 2)), rng.normal(size=(10, 2)) + 3])
    y = np.repeat([0, 1], 10)
    est, method = _fitted(cls, bk.asarray(X), bk.asarray(y))
    name = cls.__name__
    with pytest.raises(BackendError, match=f"{name} fitted on strict got X from numpy"):
        getattr(est, method)(X)
    with pytest.raises(BackendError, match="different libraries"):
        getattr(est, method)(X)
    np32 = backend.get("strict:no_float64")
    with pytest.raises(BackendError, match=f"{name} fitted on strict got X from strict:no_float64"):
        getattr(est, method)(np32.asarray(X.astype(np.float32)))
    assert backend.backend_name(getattr(est, method)(X.tolist())) == "strict"  # lists follow


def test_string_labels_stay_on_the_host_and_come_back_from_predict(xp):
    """classes_ of string labels is a NumPy str array; the codes live on X's device."""
    rng = np.random.default_rng(2)
    X = xp.asarray(np.vstack([rng.normal(size=(15, 2)), rng.normal(size=(15, 2)) + 4]))
    y = np.array(["cat"] * 15 + ["dog"] * 15)
    for est in (SVC(), LinearDiscriminantAnalysis(), DecisionTreeClassifier()):
        est.fit(X, y)
        assert est.classes_.tolist() == ["cat", "dog"]
        assert est.predict(X).tolist() == y.tolist()
        assert est.score(X, y) == 1.0


def test_classifiers_refuse_a_continuous_target_and_warn_on_a_column_vector(xp):
    X = xp.asarray(np.arange(12.0).reshape(6, 2))
    for est in (SVC(), LinearDiscriminantAnalysis(), DecisionTreeClassifier()):
        with pytest.raises(ValueError, match="Unknown label type: continuous"):
            est.fit(X, xp.asarray(np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])))
        y = xp.asarray(np.array([[0], [0], [0], [1], [1], [1]]))
        with pytest.warns(UserWarning, match="A column-vector y was passed"):
            est.fit(X, y)
        assert tuple(est.predict(X).shape) == (6,)


def test_sparse_input_is_refused_with_a_clear_error():
    sparse = pytest.importorskip("scipy.sparse")
    X = sparse.csr_array(np.eye(6))
    y = np.array([0, 1] * 3)
    for est in (PCA(), KMeans(2), GaussianMixture(2), SVC(), DecisionTreeClassifier()):
        with pytest.raises(TypeError, match="X is a sparse csr_array; sparse input is not"):
            est.fit(X, y)


def test_categorical_hmm_refuses_non_integral_observations(xp):
    """Symbols index the emission table: 0.5 is no symbol (fit, score, decode)."""
    X = xp.asarray(np.array([[0.0], [1.0], [0.5], [1.0]]))
    with pytest.raises(ValueError, match="X must hold integers.*such as 0.5"):
        CategoricalHMM(2, random_state=0).fit(X)
    model = CategoricalHMM(2, random_state=0).fit(xp.asarray(np.array([[0], [1], [1], [0]])))
    with pytest.raises(ValueError, match="X must hold integers.*such as 0.5"):
        model.score(X)
    with pytest.raises(ValueError, match="X must hold integers.*such as 0.5"):
        model.decode(X)
    assert math.isfinite(model.score(xp.asarray(np.array([[0.0], [1.0]]))))  # 1.0 is symbol 1


# ---- bad input: a clear error naming the argument, for every estimator ---------------------

SUPERVISED = (LinearDiscriminantAnalysis, SVC, DecisionTreeClassifier, DecisionTreeRegressor)
ALL_ESTIMATORS = CHECKED + [GaussianHMM, CategoricalHMM]


def _fit(cls, X, y):
    if cls is CategoricalHMM:
        return cls(2).fit(X)
    if cls in (KMeans, GaussianMixture, GaussianHMM):
        return cls(2, random_state=0).fit(X)
    return cls().fit(X, y) if cls in SUPERVISED else cls().fit(X)


def _bad_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = np.repeat([0, 1], 10)
    nan, inf = X.copy(), X.copy()
    nan[3, 0], inf[0, 0] = np.nan, -np.inf
    return {
        "nan": (
            nan,
            y,
            "X contains NaN or infinity",
        ),
        "inf": (inf, y, "X contains NaN or infinity"),
        "empty": (np.zeros((0, 2)), y[:0], r"X needs at least \d sample"),
        "1-D": (X[:, 0], y, "X must be 2-dimensional, got shape .*Reshape your data"),
        "3-D": (X[:, :, None], y, r"X must be 2-dimensional, got shape \(20, 2, 1\)"),
        "complex": (X + 1j, y, "X: Complex data not supported"),
        "strings": (np.array([["a", "b"]] * 20, dtype=object), y, "X.* non-numeric|X must be a"),
        "None": (None, y, "X is required, got None"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=lambda c: c.__name__)
def test_bad_X_is_a_clear_error_naming_X(cls, case):
    X, y, message = _bad_inputs()[case]
    if cls is CategoricalHMM and X is not None and X.ndim == 2 and X.shape[0]:
        X = X[:, :1]
    with pytest.raises((ValueError, TypeError), match=message):
        _fit(cls, X, y)


@pytest.mark.parametrize("cls", SUPERVISED, ids=lambda c: c.__name__)
def test_bad_y_is_a_clear_error_naming_y(cls):
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="y has 5 entries but X has 20 samples"):
        cls().fit(X, np.zeros(5))
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        cls().fit(X, None)
    with pytest.raises(ValueError, match="y must be 1-dimensional"):
        cls().fit(X, np.zeros((20, 2)))
    with pytest.raises(BackendError, match="y is on numpy but the data it goes with is on strict"):
        cls().fit(backend.get("strict").asarray(X), np.repeat([0, 1], 10))
    if cls is not DecisionTreeRegressor:
        with pytest.raises(ValueError, match="one class|only one class|at least two classes"):
            cls().fit(X, np.zeros(20, dtype=int))


@pytest.mark.parametrize(
    "est",
    [
        PCA(n_components=0),
        PCA(n_components=1.5),
        LinearDiscriminantAnalysis(reg_covar=-1.0),
        KMeans(n_clusters=0),
        KMeans(tol=-1.0),
        GaussianMixture(n_components=0),
        GaussianMixture(reg_covar=-1e-6),
        SVC(C=0.0),
        SVC(gamma=-1.0),
        DecisionTreeClassifier(max_depth=0),
        DecisionTreeRegressor(min_samples_leaf=0),
        GaussianHMM(min_covar=-1.0),
        CategoricalHMM(n_components=0),
        ThreeCoinEM(pi=0.0),
    ],
    ids=repr,
)
def test_negative_or_zero_hyperparameters_are_refused_by_name(est):
    """The message names the parameter and its value (checked in fit, not __init__)."""
    (name, value), *_ = [
        (k, v) for k, v in est.get_params().items() if v != type(est)().get_params()[k]
    ]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), np.repeat([0, 1], 10)
    if isinstance(est, CategoricalHMM):
        X = np.repeat([[0], [1]], 10, axis=0)
    with pytest.raises((ValueError, TypeError), match=f"{name} must .*{value!r}"):
        if isinstance(est, ThreeCoinEM):
            est.fit(y.astype(float))
        elif type(est) in SUPERVISED:
            est.fit(X, y)
        else:
            est.fit(X)


def test_three_coin_em_mismatch_names_y(xp):
    if xp.name == "numpy":
        pytest.skip("needs a second backend")
    model = ThreeCoinEM().fit(xp.asarray(np.array([1.0, 0.0, 1.0])))
    with pytest.raises(BackendError, match=f"ThreeCoinEM fitted on {xp.name} got y from numpy"):
        model.predict_proba(np.array([1.0, 0.0]))
    assert backend.backend_name(model.predict_proba([1.0, 0.0])) == xp.name
