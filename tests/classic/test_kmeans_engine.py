"""The KMeans engine (one-GEMM assignment, incremental sums) against textbook Lloyd.

Lloyd (1982): l(i) = argmin_j ||x_i - c_j||^2, then c_j = mean of {x_i : l(i) = j}.
The engine computes the sums Y^T [X, 1] once and then corrects them by the rows whose
label changed; these tests pin every iteration of it (not only the converged end)
against the two textbook lines, and the sum helper against per-cluster masks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import KMeans
from scratch.classic.cluster.kmeans import _label_sums, _one_hot_t, kmeans_assign

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
