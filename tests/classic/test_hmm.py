"""HMM evaluation and decoding: forward, backward, Viterbi, posteriors, batching, errors.

Learning (Baum-Welch, supervised counting, sampling) is in test_hmm_learning.py.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.classic.hmm import CategoricalHMM, GaussianHMM
from scratch.classic.hmm import algorithms as alg
from scratch.testing.strategies import stochastic_matrices

IMPLEMENTATIONS = ("scaling", "log")


@st.composite
def tiny_models(draw, bk, max_len=6):
    """(pi, A, B, O): 2-3 states, 2-3 symbols, one sequence of length 1..max_len."""
    K = draw(st.integers(2, 3))
    M = draw(st.integers(2, 3))
    pi = draw(stochastic_matrices(bk, rows=1, cols=K))[0, :]
    A = draw(stochastic_matrices(bk, rows=K, cols=K))
    B = draw(stochastic_matrices(bk, rows=K, cols=M))
    O = draw(st.lists(st.integers(0, M - 1), min_size=1, max_size=max_len))
    return pi, A, B, O


def make_model(pi, A, B, implementation="scaling"):
    m = CategoricalHMM(n_components=int(A.shape[0]), implementation=implementation)
    m.startprob_, m.transmat_, m.emissionprob_ = pi, A, B
    return m


def symbols(xp, O):
    return xp.asarray(np.asarray(O, dtype=np.int64)[:, None])


def path_log_probs(pi, A, B, O):
    """log P(O, Q | lambda) for every state path Q (all K^T of them), by the definition."""
    pi, A, B = (backend.to_numpy(a) for a in (pi, A, B))
    K = A.shape[0]
    paths = list(itertools.product(range(K), repeat=len(O)))
    logp = []
    for q in paths:
        p = pi[q[0]] * B[q[0], O[0]]
        for t in range(1, len(O)):
            p *= A[q[t - 1], q[t]] * B[q[t], O[t]]
        logp.append(np.log(p))
    return paths, np.array(logp)


# Tolerances: on these tiny models every quantity is a sum of at most 3^6 products of
# at most 13 factors, so float64 rounding stays below 1e-13 relative; 1e-10 is safe.


@given(data=st.data())
def test_forward_probability_equals_the_sum_over_all_state_paths(xp, data):
    """P(O | lambda) = sum_Q P(O, Q | lambda) (Rabiner eq. 17 vs. the forward recursion)."""
    pi, A, B, O = data.draw(tiny_models(xp))
    _, logp = path_log_probs(pi, A, B, O)
    brute = np.log(np.exp(logp).sum())
    for impl in IMPLEMENTATIONS:
        got = make_model(pi, A, B, impl).score(symbols(xp, O))
        np.testing.assert_allclose(got, brute, rtol=1e-10, atol=1e-12)


@given(data=st.data())
def test_backward_algorithm_gives_the_same_likelihood(xp, data):
    """P(O | lambda) = sum_i pi_i b_i(o_1) beta_1(i) (Li Hang alg. 10.3), scaled and in logs."""
    pi, A, B, O = data.draw(tiny_models(xp))
    _, logp = path_log_probs(pi, A, B, O)
    brute = np.log(np.exp(logp).sum())
    m = make_model(pi, A, B)
    log_frame = m._log_frame(symbols(xp, O))[:, None, :]  # (T, 1, K)
    # scaled: sum_i pi_i b_i(o_1) beta-hat_1(i) = c_1, and beta_1 = beta-hat_1 c_2 ... c_T
    frame, shift = alg.shifted_frame(log_frame)
    _, c = alg.forward_scaled(pi, A, frame)
    beta_hat = alg.backward_scaled(A, frame, c)
    first = xp.sum(pi * frame[0, 0, :] * beta_hat[0, 0, :])
    scaled = np.log(backend.to_numpy(first)) + backend.to_numpy(shift[0, 0])
    scaled += backend.to_numpy(xp.sum(xp.log(c[1:, 0]) + shift[1:, 0]))
    np.testing.assert_allclose(scaled, brute, rtol=1e-10, atol=1e-12)
    log_beta = alg.backward_log(alg.safe_log(A), log_frame)
    terms = alg.safe_log(pi) + log_frame[0, 0, :] + log_beta[0, 0, :]
    in_logs = backend.to_numpy(backend.logsumexp(terms))
    np.testing.assert_allclose(in_logs, brute, rtol=1e-10, atol=1e-12)


@given(data=st.data())
def test_viterbi_path_is_the_brute_force_argmax_path(xp, data):
    """Viterbi returns max_Q P(O, Q | lambda) and a path attaining it (Rabiner eqs. 30-35)."""
    pi, A, B, O = data.draw(tiny_models(xp))
    paths, logp = path_log_probs(pi, A, B, O)
    log_prob, path = make_model(pi, A, B).decode(symbols(xp, O))
    path = tuple(int(q) for q in backend.to_numpy(path))
    np.testing.assert_allclose(log_prob, logp.max(), rtol=1e-10)
    np.testing.assert_allclose(logp[paths.index(path)], logp.max(), rtol=1e-10)
    runner_up = np.sort(logp)[-2] if len(logp) > 1 else -np.inf
    if logp.max() - runner_up > 1e-9:  # a unique best path must be found exactly
        assert path == paths[int(np.argmax(logp))]


@st.composite
def batches(draw, bk):
    """A tiny model and 1-4 sequences of different lengths 1..6, concatenated."""
    pi, A, B, _ = draw(tiny_models(bk))
    M = int(B.shape[1])
    lengths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    O = draw(st.lists(st.integers(0, M - 1), min_size=sum(lengths), max_size=sum(lengths)))
    return pi, A, B, O, lengths


@given(data=st.data())
def test_scaled_and_log_implementations_agree(xp, data):
    """sum_t log c_t = logsumexp_i log alpha_T(i), and both give the same gamma."""
    pi, A, B, O, lengths = data.draw(batches(xp))
    X = symbols(xp, O)
    ll_s, gamma_s = make_model(pi, A, B, "scaling").score_samples(X, lengths)
    ll_l, gamma_l = make_model(pi, A, B, "log").score_samples(X, lengths)
    np.testing.assert_allclose(ll_s, ll_l, rtol=1e-10)
    np.testing.assert_allclose(
        backend.to_numpy(gamma_s), backend.to_numpy(gamma_l), rtol=1e-9, atol=1e-12
    )


@given(data=st.data())
def test_padded_batch_equals_one_sequence_at_a_time(xp, data):
    """Padding with masks changes nothing: score, gamma and the Viterbi path per sequence."""
    pi, A, B, O, lengths = data.draw(batches(xp))
    X = symbols(xp, O)
    starts = np.cumsum([0] + lengths[:-1])
    for impl in IMPLEMENTATIONS:
        m = make_model(pi, A, B, impl)
        ll, gamma = m.score_samples(X, lengths)
        vit_ll, path = m.decode(X, lengths)
        one_ll, one_vit = 0.0, 0.0
        for s, n in zip(starts, lengths):
            Xi = symbols(xp, O[s : s + n])
            li, gi = m.score_samples(Xi)
            vi, pi_ = m.decode(Xi)
            one_ll, one_vit = one_ll + li, one_vit + vi
            np.testing.assert_allclose(
                backend.to_numpy(gamma)[s : s + n], backend.to_numpy(gi), rtol=1e-10, atol=1e-13
            )
            np.testing.assert_array_equal(backend.to_numpy(path)[s : s + n], backend.to_numpy(pi_))
        np.testing.assert_allclose(ll, one_ll, rtol=1e-10)
        np.testing.assert_allclose(vit_ll, one_vit, rtol=1e-10)


def box_and_ball(xp):
    """Li Hang, Statistical Learning Methods, examples 10.2 and 10.3 (3 boxes, red/white)."""
    pi = xp.asarray(np.array([0.2, 0.4, 0.4]))
    A = xp.asarray(np.array([[0.5, 0.2, 0.3], [0.3, 0.5, 0.2], [0.2, 0.3, 0.5]]))
    B = xp.asarray(np.array([[0.5, 0.5], [0.4, 0.6], [0.7, 0.3]]))
    return pi, A, B, symbols(xp, [0, 1, 0])  # red = 0, white = 1


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_box_and_ball_textbook_example(xp, implementation):
    """Li Hang ex. 10.2: P(O | lambda) = 0.130218; ex. 10.3: best path (3, 3, 3), P* = 0.0147."""
    pi, A, B, X = box_and_ball(xp)
    m = make_model(pi, A, B, implementation)
    # the book prints 6 significant digits, and these are exact in decimal arithmetic
    assert np.exp(m.score(X)) == pytest.approx(0.130218, abs=1e-12)
    log_prob, path = m.decode(X)
    assert np.exp(log_prob) == pytest.approx(0.0147, abs=1e-12)
    assert [int(q) + 1 for q in backend.to_numpy(path)] == [3, 3, 3]


def test_box_and_ball_forward_variables(xp):
    """Li Hang ex. 10.2 intermediate values: alpha_3 = (0.04187, 0.03551, 0.05284)."""
    pi, A, B, X = box_and_ball(xp)
    log_frame = make_model(pi, A, B)._log_frame(X)[:, None, :]
    log_alpha, _ = alg.forward_log(alg.safe_log(pi), alg.safe_log(A), log_frame)
    alpha = np.exp(backend.to_numpy(log_alpha)[:, 0, :])
    np.testing.assert_allclose(alpha[0], [0.10, 0.16, 0.28], atol=1e-12)
    np.testing.assert_allclose(alpha[1], [0.077, 0.1104, 0.0606], atol=1e-12)
    np.testing.assert_allclose(alpha[2], [0.04187, 0.035512, 0.052836], atol=1e-12)


def test_posterior_decoding_is_the_argmax_of_gamma(xp):
    """predict = argmax_i gamma_t(i); gamma rows sum to one; decode('map') gives the same."""
    pi, A, B, X = box_and_ball(xp)
    m = make_model(pi, A, B)
    gamma = backend.to_numpy(m.predict_proba(X))
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_array_equal(backend.to_numpy(m.predict(X)), gamma.argmax(axis=1))
    log_prob, path = m.decode(X, algorithm="map")
    np.testing.assert_array_equal(backend.to_numpy(path), gamma.argmax(axis=1))
    assert log_prob == pytest.approx(np.log(gamma.max(axis=1)).sum(), rel=1e-12)


def test_results_follow_the_input_backend(xp):
    pi, A, B, X = box_and_ball(xp)
    m = make_model(pi, A, B)
    for out in (m.predict_proba(X), m.decode(X)[1], m.predict(X), m.transmat_):
        assert backend.backend_name(out) == xp.name
        assert backend.device_of(out) == backend.device_of(X)


def long_model():
    m = CategoricalHMM(2)
    m.startprob_ = np.array([0.5, 0.5])
    m.transmat_ = np.array([[0.9, 0.1], [0.2, 0.8]])
    m.emissionprob_ = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    return m


def test_length_100000_sequence_scores_without_underflow_and_matches_hmmlearn():
    """P(O) ~ 10^-50000 underflows any unscaled product; sum_t log c_t does not (numpy)."""
    hmm = pytest.importorskip("hmmlearn.hmm")
    X = np.random.default_rng(0).integers(0, 3, size=(100_000, 1))
    ours = long_model()
    peer = hmm.CategoricalHMM(2, implementation="scaling")
    peer.startprob_, peer.transmat_ = ours.startprob_, ours.transmat_
    peer.emissionprob_ = ours.emissionprob_
    expected = peer.score(X)
    got = ours.score(X)
    assert np.isfinite(got) and got < -50_000
    # a sum of 1e5 terms of size ~1: rounding accumulates to ~1e5 * 1e-16 relative
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_long_sequence_score_equals_its_halves_conditioned(xp, implementation):
    """log P(o_1..o_T) = log P(first half) + log P(second half | first half), length 1200.

    The second half's conditional law starts from the filtered state distribution
    P(q_{T/2+1} | o_1..o_{T/2}) = alpha-hat_{T/2} A, so a model started there scores it.
    P(O) ~ 1e-600 here, far below the smallest float64.
    """
    X = xp.asarray(np.random.default_rng(1).integers(0, 3, size=(1200, 1)))
    m = long_model()
    m.implementation = implementation
    whole = m.score(X)
    assert np.isfinite(whole) and whole < -500
    first = m.score(X[:600, :])
    m.score(X)  # moves the parameters onto X's device
    frame, _ = m._scaled_lattice(X[:600, :], alg.make_batch([600], X))
    alpha, _ = alg.forward_scaled(m.startprob_, m.transmat_, frame)
    second = long_model()
    second.implementation = implementation
    second.startprob_ = xp.matmul(alpha[-1, 0, :], m.transmat_)
    assert whole == pytest.approx(first + second.score(X[600:, :]), rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_length_100000_sequence_on_every_backend(xp, implementation):
    """The length-100000 check on xp (strict takes about a minute: one op costs ~100 us)."""
    hmm = pytest.importorskip("hmmlearn.hmm")
    Xn = np.random.default_rng(0).integers(0, 3, size=(100_000, 1))
    ours = long_model()
    ours.implementation = implementation
    peer = hmm.CategoricalHMM(2, implementation=implementation)
    peer.startprob_, peer.transmat_ = ours.startprob_, ours.transmat_
    peer.emissionprob_ = ours.emissionprob_
    assert ours.score(xp.asarray(Xn)) == pytest.approx(peer.score(Xn), rel=1e-10)


def test_gaussian_forward_handles_frames_far_below_float64(xp):
    """Gaussian frames with log b ~ -1e4 (all states) give finite, equal scaled/log scores."""
    m = GaussianHMM(2, covariance_type="diag")
    m.startprob_ = np.array([0.5, 0.5])
    m.transmat_ = np.array([[0.9, 0.1], [0.1, 0.9]])
    m.means_ = np.array([[0.0, 0.0], [1.0, 1.0]])
    m.covars_ = np.array([[0.01, 0.01], [0.01, 0.01]])
    X = xp.asarray(np.full((5, 2), 15.0))
    s = m.score(X)
    m.implementation = "log"
    assert np.isfinite(s) and s < -1e4
    assert s == pytest.approx(m.score(X), rel=1e-12)


# -- bad input ----------------------------------------------------------------------------


def test_symbols_outside_the_range_are_refused(xp):
    pi, A, B, _ = box_and_ball(xp)
    with pytest.raises(ValueError, match="symbol 2.*n_features"):
        make_model(pi, A, B).score(symbols(xp, [0, 2, 1]))


def test_negative_symbols_are_refused(xp):
    pi, A, B, _ = box_and_ball(xp)
    with pytest.raises(ValueError, match="X must hold symbols >= 0"):
        make_model(pi, A, B).score(symbols(xp, [0, -1, 1]))


def test_non_integer_symbols_are_refused(xp):
    pi, A, B, _ = box_and_ball(xp)
    with pytest.raises(ValueError, match="X must hold integers"):
        make_model(pi, A, B).score(xp.asarray(np.array([[0.0], [0.5]])))


def test_symbols_must_be_one_column(xp):
    pi, A, B, _ = box_and_ball(xp)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 1\)"):
        make_model(pi, A, B).score(xp.asarray(np.zeros((3, 2), dtype=np.int64)))


def test_transition_rows_must_sum_to_one(xp):
    pi, _, B, X = box_and_ball(xp)
    bad = xp.asarray(np.array([[0.5, 0.2, 0.2], [0.3, 0.5, 0.2], [0.2, 0.3, 0.5]]))
    with pytest.raises(ValueError, match="transmat_ must be non-negative with rows summing to 1"):
        make_model(pi, bad, B).score(X)


def test_parameter_shapes_are_checked(xp):
    pi, A, B, X = box_and_ball(xp)
    with pytest.raises(ValueError, match=r"startprob_ must have shape \(3,\)"):
        make_model(xp.asarray(np.array([0.5, 0.5])), A, B).score(X)


@pytest.mark.parametrize(
    ("lengths", "error", "match"),
    [
        ([1, 1], ValueError, "lengths sum to 2 but X has 3 samples"),
        ([4], ValueError, "lengths sum to 4 but X has 3 samples"),
        ([3, 0], ValueError, "lengths must be positive"),
        ([1.5, 1.5], TypeError, "lengths must be a sequence of ints"),
    ],
)
def test_lengths_must_match_X(xp, lengths, error, match):
    pi, A, B, X = box_and_ball(xp)
    with pytest.raises(error, match=match):
        make_model(pi, A, B).score(X, lengths)


def test_unknown_options_are_refused(xp):
    pi, A, B, X = box_and_ball(xp)
    with pytest.raises(ValueError, match="implementation must be 'scaling' or 'log'"):
        make_model(pi, A, B, "linear").score(X)
    with pytest.raises(ValueError, match="algorithm must be 'viterbi' or 'map'"):
        make_model(pi, A, B).decode(X, algorithm="beam")


def test_scoring_before_fit_says_so(xp):
    with pytest.raises(ValueError, match="not fitted yet"):
        CategoricalHMM(2).score(symbols(xp, [0, 1]))
