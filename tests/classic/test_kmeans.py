"""KMeans: scikit-learn parity from the same centers, monotone objective, empty clusters."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import BackendError
from scratch.classic import KMeans
from scratch.classic.cluster.kmeans import (
    _nearest_t,
    _rows_of_transpose,
    kmeans_plusplus,
    squared_distances,
)
from scratch.validation import NotFittedError


def _blobs(seed, n, d, k, spread=3.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, (k, d))
    return rng.standard_normal((n, d)) + centers[rng.integers(0, k, n)] + 10.0


def _np(a):
    return backend.to_numpy(a)


def _sk():
    return pytest.importorskip("sklearn.cluster").KMeans


@pytest.mark.parametrize("k, d, tol", [(3, 2, 1e-4), (6, 3, 0.0), (10, 5, 1e-4)])
def test_same_initial_centers_reach_sklearns_inertia(xp, k, d, tol):
    """Oracle: sklearn KMeans(init=centers, n_init=1, algorithm='lloyd') runs the same
    iterations (same stopping rules: labels unchanged, or squared shift <= tol * mean
    variance), so centers, labels, n_iter and inertia agree; inertia to 1e-8 relative."""
    X = _blobs(k * d, 400, d, k)
    C0 = X[np.random.default_rng(1).choice(400, k, replace=False)]
    ours = KMeans(k, init=xp.asarray(C0), tol=tol).fit(xp.asarray(X))
    ref = _sk()(k, init=C0, n_init=1, algorithm="lloyd", tol=tol).fit(X)
    assert backend.backend_name(ours.cluster_centers_) == xp.name
    assert float(_np(ours.inertia_)) == pytest.approx(ref.inertia_, rel=1e-8)
    np.testing.assert_allclose(_np(ours.cluster_centers_), ref.cluster_centers_, atol=1e-10)
    np.testing.assert_array_equal(_np(ours.labels_), ref.labels_)
    assert ours.n_iter_ == ref.n_iter_


def test_empty_clusters_are_reseeded_without_nan_as_sklearn_does(xp):
    """Two initial centers far from all data (both empty after the first assignment) are
    moved to the two points farthest from their centers; no NaN (no 0/0 mean), and
    the run matches sklearn's, which relocates the same way."""
    X = _blobs(0, 300, 2, 4)
    C0 = np.vstack([X[:4], [[1e3, 1e3], [1e3, 1e3]]])
    ours = KMeans(6, init=xp.asarray(C0)).fit(xp.asarray(X))
    C = _np(ours.cluster_centers_)
    assert np.all(np.isfinite(C)) and len(np.unique(_np(ours.labels_))) == 6
    ref = _sk()(6, init=C0, n_init=1, algorithm="lloyd").fit(X)
    assert float(_np(ours.inertia_)) == pytest.approx(ref.inertia_, rel=1e-8)
    assert np.all(np.diff(ours.inertia_history_) <= 0)
    # after the one relocating iteration the centers agree too: each moved point also
    # left its old cluster's mean
    one = KMeans(6, init=xp.asarray(C0), max_iter=1).fit(xp.asarray(X))
    ref1 = _sk()(6, init=C0, n_init=1, algorithm="lloyd", max_iter=1).fit(X)
    np.testing.assert_allclose(_np(one.cluster_centers_), ref1.cluster_centers_, atol=1e-10)


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 80),
    d=st.integers(1, 4),
    k=st.integers(1, 6),
    init=st.sampled_from(["k-means++", "random"]),
)
def test_objective_never_increases_over_iterations(xp, seed, n, d, k, init):
    """Both Lloyd steps are exact minimizations: J(l_t, C_t) >= J(l_t, C_{t+1}) >=
    J(l_{t+1}, C_{t+1}). Slack: 1e-12 relative, for the rounding of a sum of n terms."""
    k = min(k, n)
    X = np.random.default_rng(seed).standard_normal((n, d)) * 3
    m = KMeans(k, init=init, n_init=1, tol=0.0, random_state=seed).fit(xp.asarray(X))
    h = np.array(m.inertia_history_)
    assert len(h) == m.n_iter_
    assert np.all(np.diff(h) <= 1e-12 * h[0])
    assert float(_np(m.inertia_)) <= h[-1] * (1 + 1e-12)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), d=st.integers(1, 3))
def test_kmeans_plusplus_never_picks_a_chosen_point_twice(xp, seed, n, d):
    """D^2 sampling gives probability D(x)^2 / sum D^2 = 0 to a point already chosen, so
    with k = n distinct points the seeding returns a permutation of the samples."""
    X = np.random.default_rng(seed).standard_normal((n, d))
    C, idx = kmeans_plusplus(xp.asarray(X), n, random_state=seed)
    idx = _np(idx)
    assert sorted(idx.tolist()) == list(range(n))
    np.testing.assert_array_equal(_np(C), X[idx])


def test_kmeans_plusplus_spreads_seeds_over_separated_blobs(xp):
    """On 5 far-apart tight blobs D^2 sampling lands in 5 different blobs with
    probability ~1 - O(spread^2 / distance^2): check it for 10 seeds."""
    rng = np.random.default_rng(0)
    centers = np.arange(5)[:, None] * np.array([[100.0, 0.0]])
    y = rng.integers(0, 5, 500)
    X = centers[y] + rng.standard_normal((500, 2)) * 0.1
    for seed in range(10):
        _, idx = kmeans_plusplus(xp.asarray(X), 5, random_state=seed)
        assert len(set(y[_np(idx)].tolist())) == 5


def test_predict_transform_score_and_reproducibility(xp):
    X = _blobs(4, 200, 3, 4)
    Xd = xp.asarray(X)
    a = KMeans(4, random_state=0, n_init=3).fit(Xd)
    b = KMeans(4, random_state=0, n_init=3).fit(Xd)
    np.testing.assert_array_equal(_np(a.cluster_centers_), _np(b.cluster_centers_))
    np.testing.assert_array_equal(_np(a.predict(Xd)), _np(a.labels_))
    D = _np(a.transform(Xd))
    assert np.sum(D.min(axis=1) ** 2) == pytest.approx(float(_np(a.inertia_)), rel=1e-10)
    assert a.score(Xd) == pytest.approx(-float(_np(a.inertia_)), rel=1e-10)
    np.testing.assert_array_equal(
        _np(KMeans(4, random_state=0).fit_predict(Xd)),
        _np(KMeans(4, random_state=0).fit(Xd).labels_),
    )


def test_squared_distances_equal_the_direct_formula(xp):
    """||x||^2 - 2 x.c + ||c||^2 equals sum (x - c)^2 to rounding of the norms."""
    rng = np.random.default_rng(0)
    X, C = rng.standard_normal((20, 4)), rng.standard_normal((3, 4))
    D = _np(squared_distances(xp.asarray(X), xp.asarray(C)))
    np.testing.assert_allclose(D, ((X[:, None] - C[None]) ** 2).sum(-1), atol=1e-13)


@given(seed=st.integers(0, 10_000), k=st.sampled_from([1, 2, 16, 63, 64, 65, 200]))
def test_assignment_is_the_argmin_with_ties_to_the_lowest_index(xp, seed, k):
    """_nearest_t's labels are argmin_j ||x_i - c_j||^2 with ties to the lowest j, as
    np.argmin; the duplicated centers make exact ties, and k = 64, 65, 200 cross the
    int8/int16 width its integer passes use. g_min + ||x||^2 is the squared distance to
    the nearest center (to rounding of the expansion: 1e-12 absolute on unit data)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-2, 3, (50, 3)).astype(float)  # integer grid: exact, tie-prone distances
    C = rng.integers(-2, 3, (k, 3)).astype(float)
    C[k // 2 :] = C[: k - k // 2]  # duplicated centers
    X1 = np.concatenate([X, np.ones((50, 1))], axis=1)
    labels, g_min = _nearest_t(_rows_of_transpose(xp.asarray(X1)), xp.asarray(C))
    D = ((X[:, None] - C[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(_np(labels), D.argmin(axis=1))
    np.testing.assert_allclose(_np(g_min) + (X * X).sum(1), D.min(axis=1), atol=1e-12)


def test_kmeans_refuses_bad_input(xp):
    X = _blobs(0, 10, 2, 2)
    Xd = xp.asarray(X)
    with pytest.raises(ValueError, match="n_clusters=11 must be <= n_samples=10"):
        KMeans(11).fit(Xd)
    with pytest.raises(ValueError, match="n_clusters must be > 0"):
        KMeans(0).fit(Xd)
    with pytest.raises(ValueError, match="init must be 'k-means\\+\\+', 'random'"):
        KMeans(2, init="farthest").fit(Xd)
    with pytest.raises(ValueError, match="init must have shape"):
        KMeans(2, init=xp.asarray(np.zeros((3, 2)))).fit(Xd)
    with pytest.raises(ValueError, match="n_init must be > 0"):
        KMeans(2, n_init=0).fit(Xd)
    with pytest.raises(ValueError, match="tol must be >= 0"):
        KMeans(2, tol=-1.0).fit(Xd)
    bad = X.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        KMeans(2).fit(xp.asarray(bad))
    with pytest.raises(NotFittedError):
        KMeans(2).predict(Xd)
    m = KMeans(2, random_state=0).fit(Xd)
    with pytest.raises(ValueError, match="has 3 features"):
        m.predict(xp.asarray(np.ones((2, 3))))
    if xp.name != "numpy":
        with pytest.raises(BackendError, match="different libraries"):
            m.predict(X)
        with pytest.raises(BackendError):
            KMeans(2, init=X[:2]).fit(Xd)
