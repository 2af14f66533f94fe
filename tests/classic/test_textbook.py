"""The engines equal the textbook forms they stand beside, over drawn inputs.

k-means: ``_nearest_t`` (one GEMM on the stored transpose of [X, 1] and the
narrow-integer min trick, what ``fit`` runs) against ``kmeans_assign`` (argmin of the
squared differences). HMM: the batched, padded kernels ``forward_scaled``,
``backward_scaled``, ``viterbi`` (row sums as products with ones, masks for ragged
batches) against ``forward_textbook``, ``backward_textbook``, ``viterbi_textbook`` run
on each sequence alone.
"""

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend
from scratch.classic.cluster import kmeans_assign
from scratch.classic.cluster.kmeans import _nearest_t, _rows_of_transpose
from scratch.classic.hmm import algorithms as alg
from scratch.testing.strategies import stochastic_matrices


def _np(a):
    return backend.to_numpy(a)


# ---------------------------------------------------------------------------- k-means


@st.composite
def integer_clusters(draw):
    """X (n, d) and C (k, d) on a small integer grid (k up to 70: int8 and int16 passes)."""
    n = draw(st.integers(1, 30))
    d = draw(st.integers(1, 4))
    k = draw(st.sampled_from([1, 2, 3, 5, 8, 63, 64, 70]))
    X = draw(hnp.arrays(np.int64, (n, d), elements=st.integers(-3, 3)))
    C = draw(hnp.arrays(np.int64, (k, d), elements=st.integers(-3, 3)))
    return X.astype(np.float64), C.astype(np.float64)


@given(data=integer_clusters())
def test_fast_assignment_equals_the_textbook_one_on_integer_data(xp, data):
    """_nearest_t == kmeans_assign label for label, ties (to the lowest j) included: on a
    small integer grid every distance, expanded or not, is exact in float64, so the two
    forms see identical numbers and any difference is a bug, not rounding."""
    X, C = data
    X1 = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    fast, g_min = _nearest_t(_rows_of_transpose(xp.asarray(X1)), xp.asarray(C))
    ref = kmeans_assign(xp.asarray(X), xp.asarray(C))
    np.testing.assert_array_equal(_np(fast), _np(ref))
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(_np(g_min) + (X * X).sum(1), d2.min(axis=1))


@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(3)), elements=st.floats(-5, 5)),
    C=hnp.arrays(np.float64, st.tuples(st.integers(1, 9), st.just(3)), elements=st.floats(-5, 5)),
)
def test_fast_assignment_picks_a_nearest_center_on_real_data(xp, X, C):
    """On real-valued data the expansion ||c||^2 - 2 c.x may reorder centers whose
    distances agree to rounding, so: the engine's center is as near as the textbook's to
    1e-12 (a few ulps of distances <= 300), and the labels agree wherever the two nearest
    distances are 1e-9 apart."""
    X1 = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    fast = _np(_nearest_t(_rows_of_transpose(xp.asarray(X1)), xp.asarray(C))[0])
    ref = _np(kmeans_assign(xp.asarray(X), xp.asarray(C)))
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
    rows = np.arange(X.shape[0])
    np.testing.assert_allclose(d2[rows, fast], d2[rows, ref], rtol=0, atol=1e-12)
    gap = np.sort(d2, axis=1)[:, 1] - d2.min(axis=1) if C.shape[0] > 1 else np.inf
    clear = np.broadcast_to(gap > 1e-9, fast.shape)
    np.testing.assert_array_equal(fast[clear], ref[clear])


# ---------------------------------------------------------------------------- HMM


@st.composite
def ragged_models(draw, bk):
    """pi (K,), A (K, K) on bk; emissions b_j(o_t) (n_samples, K) in [0.05, 1] on the host;
    1-4 sequences of lengths 1-7 (ragged: the kernels' masks are exercised)."""
    K = draw(st.integers(1, 4))
    pi = draw(stochastic_matrices(bk, rows=1, cols=K))[0, :]
    A = draw(stochastic_matrices(bk, rows=K, cols=K))
    lengths = draw(st.lists(st.integers(1, 7), min_size=1, max_size=4))
    frame = draw(hnp.arrays(np.float64, (sum(lengths), K), elements=st.floats(0.05, 1.0)))
    return pi, A, frame, lengths


def _sequences(lengths):
    start = 0
    for b, length in enumerate(lengths):
        yield b, slice(start, start + length), length
        start += length


# every quantity is a product/sum of at most 7 steps of K <= 4 terms: rounding differences
# between the engine's summation order (BLAS) and the textbook's stay below 1e-14 relative
RTOL = 1e-12


@given(data=st.data())
def test_batched_scaled_forward_and_backward_equal_the_textbook_passes(xp, data):
    """forward_scaled / backward_scaled on the padded batch give, for every sequence and
    every real step, the alpha-hat_t, c_t and beta-hat_t of forward_textbook /
    backward_textbook run on that sequence alone (Rabiner sec. V.A)."""
    pi, A, frame, lengths = data.draw(ragged_models(xp))
    rows = xp.asarray(frame)
    batch = alg.make_batch(lengths, rows)
    padded = batch.pad(rows)
    alpha, c = alg.forward_scaled(pi, A, padded, batch.mask)
    beta = alg.backward_scaled(A, padded, c, batch.mask)
    alpha, c, beta = _np(alpha), _np(c), _np(beta)
    for b, seq, length in _sequences(lengths):
        one = xp.asarray(frame[seq])
        ref_alpha, ref_c = alg.forward_textbook(pi, A, one)
        ref_beta = alg.backward_textbook(A, one, ref_c)
        np.testing.assert_allclose(alpha[:length, b], _np(ref_alpha), rtol=RTOL)
        np.testing.assert_allclose(c[:length, b], _np(ref_c), rtol=RTOL)
        np.testing.assert_allclose(beta[:length, b], _np(ref_beta), rtol=RTOL)


@given(data=st.data())
def test_batched_viterbi_equals_the_textbook_viterbi(xp, data):
    """viterbi on the padded batch returns, per sequence, viterbi_textbook's best path
    (exactly: the same maxima with the same tie rule) and its log P(O, Q*)."""
    pi, A, frame, lengths = data.draw(ragged_models(xp))
    log_pi, log_A = alg.safe_log(pi), alg.safe_log(A)
    rows = xp.asarray(np.log(frame))
    batch = alg.make_batch(lengths, rows)
    log_prob, path = alg.viterbi(log_pi, log_A, batch.pad(rows), batch.mask)
    log_prob, path = _np(log_prob), _np(path)
    for b, seq, length in _sequences(lengths):
        ref_lp, ref_path = alg.viterbi_textbook(log_pi, log_A, xp.asarray(np.log(frame[seq])))
        np.testing.assert_array_equal(path[:length, b], _np(ref_path))
        np.testing.assert_allclose(log_prob[b], float(_np(ref_lp)), rtol=RTOL, atol=RTOL)


@given(data=st.data())
def test_textbook_forward_gives_the_likelihood_of_the_path_sum(xp, data):
    """sum_t log c_t of forward_textbook = log sum_Q P(O, Q) by enumeration of the K^T
    paths (the reference itself checked against the definition)."""
    pi, A, frame, lengths = data.draw(ragged_models(xp))
    frame = frame[: lengths[0]]
    p, a = _np(pi), _np(A)
    K, T = a.shape[0], frame.shape[0]
    total = 0.0
    for q in itertools.product(range(K), repeat=T):
        w = p[q[0]] * frame[0, q[0]]
        for t in range(1, T):
            w *= a[q[t - 1], q[t]] * frame[t, q[t]]
        total += w
    _, c = alg.forward_textbook(pi, A, xp.asarray(frame))
    # an absolute error in log P is a relative error in P (log P may be ~0)
    np.testing.assert_allclose(np.log(_np(c)).sum(), np.log(total), rtol=0, atol=RTOL)
