"""The KMeans engine (one-GEMM assignment, incremental sums) against textbook Lloyd.

Lloyd (1982): l(i) = argmin_j ||x_i - c_j||^2, then c_j = mean of {x_i : l(i) = j}.
The engine assigns from X1^T = [X, 1]^T stored row by row (``_nearest_t``, narrow integer
labels), computes the sums Y^T [X, 1] once and then corrects them by the rows whose
label changed; these tests pin the assignment on the stored transpose against
``kmeans_assign``, every iteration (not only the converged end) against the two
textbook lines, and the sum helper against per-cluster masks.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend
from scratch.classic import KMeans
from scratch.classic.cluster.kmeans import (
    _label_sums,
    _nearest_t,
    _one_hot_t,
    _rows_of_transpose,
    kmeans_assign,
)

to_np = backend.to_numpy


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    m=st.integers(1, 300),
    d=st.integers(1, 6),
    k=st.integers(1, 9),
)
def test_label_sums_are_the_per_cluster_sums_and_counts(xp, seed, m, d, k):
    """Y^T R for the one-hot Y of labels: row j holds sum_{i: l(i) = j} r_i, and with
    R = [X, 1] its last column counts the members of cluster j (exact: sums of ones)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, m)
    X = rng.normal(size=(m, d))
    R = np.concatenate([X, np.ones((m, 1))], axis=1)
    got = to_np(_label_sums(_one_hot_t(xp.asarray(labels), k, xp.float64), xp.asarray(R)))
    want = np.stack([R[labels == j].sum(axis=0) for j in range(k)])
    np.testing.assert_allclose(got[:, :d], want[:, :d], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got[:, d], np.bincount(labels, minlength=k))


def test_label_sums_over_many_row_blocks_are_the_per_cluster_sums(xp):
    """m = 5000 rows, k = 16, d = 32: the sums run in 11 blocks of 496 rows (each below
    OpenBLAS's threading threshold), and still equal the per-cluster sums and counts."""
    rng = np.random.default_rng(1)
    m, d, k = 5000, 32, 16
    labels = rng.integers(0, k, m)
    R = np.concatenate([rng.normal(size=(m, d)), np.ones((m, 1))], axis=1)
    got = to_np(_label_sums(_one_hot_t(xp.asarray(labels), k, xp.float64), xp.asarray(R)))
    want = np.stack([R[labels == j].sum(axis=0) for j in range(k)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-11)
    np.testing.assert_array_equal(got[:, d], np.bincount(labels, minlength=k))


def _textbook_lloyd(X, C, iters):
    """Centers after ``iters`` textbook Lloyd iterations (assign, then mean; an empty
    cluster keeps its center, which the drawn data below never needs)."""
    for _ in range(iters):
        labels = to_np(kmeans_assign(X, C))
        C = np.stack([X[labels == j].mean(axis=0) for j in range(C.shape[0])])
    return C


@settings(max_examples=20)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 6), iters=st.integers(1, 6))
def test_every_lloyd_iteration_equals_the_textbook_one(xp, seed, k, iters):
    """After t iterations (tol = 0, fixed initial centers, t = 1..6) the engine's centers
    equal textbook Lloyd's: the first full sums and each later correction by the moved
    rows (+x into the new cluster, -x out of the old) are exact updates of the means.
    Tolerance 1e-10: the corrections add one rounding per iteration (~1e-16 relative)."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3.0, size=(k, 2))
    X = np.concatenate([rng.normal(size=(40, 2)) + mu for mu in means])
    C0 = X[rng.choice(X.shape[0], k, replace=False)]
    est = KMeans(k, init=xp.asarray(C0), n_init=1, max_iter=iters, tol=0.0)
    est.fit(xp.asarray(X))
    want = _textbook_lloyd(X, C0, est.n_iter_)
    np.testing.assert_allclose(to_np(est.cluster_centers_), want, rtol=0, atol=1e-10)
    # the labels reported are those of the final centers (one more assignment step)
    np.testing.assert_array_equal(to_np(est.labels_), to_np(kmeans_assign(X, want)))


def test_the_engine_matches_textbook_lloyd_on_the_benchmark_shape(xp):
    """A small copy of the benchmark (Gaussian noise, d = 32, k = 16, 20 iterations, no
    fixed point reached): many rows move every iteration, so the incremental sums are
    exercised hard; centers agree with textbook Lloyd to 1e-9."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 32))
    C0 = X[rng.choice(3000, 16, replace=False)]
    est = KMeans(16, init=xp.asarray(C0), n_init=1, max_iter=20, tol=0.0).fit(xp.asarray(X))
    assert est.n_iter_ == 20
    want = _textbook_lloyd(X, C0, 20)
    np.testing.assert_allclose(to_np(est.cluster_centers_), want, rtol=0, atol=1e-9)


@settings(max_examples=20)
@given(
    X=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 40), st.integers(1, 5)), elements=st.floats(-9, 9)
    )
)
def test_rows_of_transpose_hold_the_transpose(xp, X):
    """_rows_of_transpose(X) is X^T entry for entry (the columns of X stacked as rows), on
    X's backend and device."""
    got = _rows_of_transpose(xp.asarray(X))
    assert backend.backend_name(got) == xp.name
    np.testing.assert_array_equal(to_np(got), X.T)


@settings(max_examples=20)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 4),
    k=st.sampled_from([1, 2, 5, 16, 63, 64, 70]),
    seed=st.integers(0, 2**31 - 1),
)
def test_assignment_from_the_stored_transpose_equals_the_textbook_one(xp, n, d, k, seed):
    """_nearest_t on X1^T (as fit stores it) == kmeans_assign label for label, ties to the
    lowest j included (duplicated centers force them); on a small integer grid every
    expanded distance is exact in float64, so any difference is a bug. g_min + ||x||^2 is
    the nearest squared distance, exactly. k = 64 and 70 take the int16 passes."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, (n, d)).astype(np.float64)
    C = rng.integers(-3, 4, (k, d)).astype(np.float64)
    C[k // 2 :] = C[: k - k // 2]  # duplicated centers: exact ties
    X1 = np.concatenate([X, np.ones((n, 1))], axis=1)
    labels, g_min = _nearest_t(_rows_of_transpose(xp.asarray(X1)), xp.asarray(C))
    ref = to_np(kmeans_assign(xp.asarray(X), xp.asarray(C)))
    np.testing.assert_array_equal(to_np(labels).astype(np.int64), ref)
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(to_np(g_min) + (X * X).sum(1), d2.min(axis=1))


@pytest.mark.parametrize("k", [3, 64])
def test_fit_returns_int64_labels_from_the_narrow_engine_labels(xp, k):
    """The engine keeps labels in int8 (k <= 63) or int16; labels_ and predict are int64,
    as before and as scikit-learn's, and the two agree on the training data."""
    rng = np.random.default_rng(k)
    X = rng.standard_normal((200, 3))
    est = KMeans(k, init=xp.asarray(X[:k]), n_init=1, max_iter=5).fit(xp.asarray(X))
    assert to_np(est.labels_).dtype == np.int64
    np.testing.assert_array_equal(to_np(est.labels_), to_np(est.predict(xp.asarray(X))))
