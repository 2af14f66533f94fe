"""HMM learning: Baum-Welch, supervised counting, sampling, the convergence monitor."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.classic.hmm import CategoricalHMM, GaussianHMM
from scratch.testing.strategies import stochastic_matrices

IMPLEMENTATIONS = ("scaling", "log")


def categorical_truth():
    m = CategoricalHMM(3)
    m.startprob_ = np.array([0.6, 0.3, 0.1])
    m.transmat_ = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
    m.emissionprob_ = np.array([[0.7, 0.2, 0.1, 0.0], [0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.3, 0.5]])
    return m


def categorical_start():
    """A fixed, asymmetric starting point shared by our model and hmmlearn's."""
    rng = np.random.default_rng(7)
    return (
        np.full(3, 1 / 3),
        rng.dirichlet(np.full(3, 5.0), size=3),
        rng.dirichlet(np.full(4, 5.0), size=3),
    )


@st.composite
def learning_problems(draw, bk):
    """A random 2-3 state, 2-3 symbol model, 1-4 sequences of length 2..12, a start."""
    K = draw(st.integers(2, 3))
    M = draw(st.integers(2, 3))
    lengths = draw(st.lists(st.integers(2, 12), min_size=1, max_size=4))
    O = draw(st.lists(st.integers(0, M - 1), min_size=sum(lengths), max_size=sum(lengths)))
    pi = draw(stochastic_matrices(bk, rows=1, cols=K, min_p=0.05))[0, :]
    A = draw(stochastic_matrices(bk, rows=K, cols=K, min_p=0.05))
    B = draw(stochastic_matrices(bk, rows=K, cols=M, min_p=0.05))
    return pi, A, B, bk.asarray(np.asarray(O, dtype=np.int64)[:, None]), lengths, M


@given(data=st.data(), implementation=st.sampled_from(IMPLEMENTATIONS))
def test_baum_welch_never_decreases_the_log_likelihood(xp, data, implementation):
    """Baum's inequality: P(O | lambda') >= P(O | lambda) each EM step (Rabiner III.C)."""
    pi, A, B, X, lengths, M = data.draw(learning_problems(xp))
    m = CategoricalHMM(
        int(A.shape[0]), n_iter=8, tol=-np.inf, init_params="", implementation=implementation
    )
    m.startprob_, m.transmat_, m.emissionprob_, m.n_features = pi, A, B, M
    m.fit(X, lengths)
    h = np.array(m.monitor_.history)
    assert len(h) == 8 and np.all(np.isfinite(h))
    # each log likelihood is a sum of at most ~50 log terms: rounding stays below 1e-10
    # relative, and below 1e-12 absolute when a perfect fit drives log P to 0
    slack = 1e-10 * np.abs(h) + 1e-12
    assert np.all(np.diff(h) >= -slack[:-1])
    assert m.score(X, lengths) >= h[-1] - slack[-1]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_categorical_baum_welch_matches_hmmlearn(xp, implementation):
    """Same start, 10 iterations, no priors: parameters and score equal hmmlearn's within 1e-6."""
    hmm = pytest.importorskip("hmmlearn.hmm")
    lengths = [20, 30, 50]  # short: strict spends ~100 us per array operation
    Xn, _ = categorical_truth().sample(100, random_state=3)
    Xn = backend.to_numpy(Xn)
    pi, A, B = categorical_start()
    ours = CategoricalHMM(3, n_iter=10, tol=-np.inf, init_params="", implementation=implementation)
    peer = hmm.CategoricalHMM(
        3, n_iter=10, tol=-np.inf, init_params="", implementation=implementation, n_features=4
    )
    for m in (ours, peer):
        m.startprob_, m.transmat_, m.emissionprob_ = pi, A, B
    ours.fit(xp.asarray(Xn), lengths)
    peer.fit(Xn, lengths)
    for name in ("startprob_", "transmat_", "emissionprob_"):
        got = backend.to_numpy(getattr(ours, name))
        np.testing.assert_allclose(got, getattr(peer, name), atol=1e-6, err_msg=name)
    assert ours.score(xp.asarray(Xn), lengths) == pytest.approx(peer.score(Xn, lengths), abs=1e-6)
    np.testing.assert_allclose(ours.monitor_.history, list(peer.monitor_.history), atol=1e-6)


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_gaussian_baum_welch_matches_hmmlearn(xp, covariance_type, implementation):
    """hmmlearn with its priors switched off (covars_prior=0, weights at their neutral value)."""
    hmm = pytest.importorskip("hmmlearn.hmm")
    rng = np.random.default_rng(5)
    means = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    states = rng.integers(0, 3, size=120)
    Xn = means[states] + rng.normal(size=(120, 2)) * 0.8
    lengths = [30, 40, 50]
    start_means = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 2.0]])
    start_covars = np.ones((3, 2)) if covariance_type == "diag" else np.stack([np.eye(2)] * 3)
    ours = GaussianHMM(
        3, covariance_type, n_iter=10, tol=-np.inf, init_params="", implementation=implementation
    )
    peer = hmm.GaussianHMM(
        3,
        covariance_type,
        n_iter=10,
        tol=-np.inf,
        init_params="",
        implementation=implementation,
        covars_prior=0.0,
        covars_weight=1.0 if covariance_type == "diag" else 0.0,
    )
    for m in (ours, peer):
        m.startprob_, m.transmat_ = np.full(3, 1 / 3), np.full((3, 3), 1 / 3)
        m.means_, m.covars_ = start_means, start_covars
    ours.fit(xp.asarray(Xn), lengths)
    peer.fit(Xn, lengths)
    for name in ("startprob_", "transmat_", "means_", "covars_"):
        got = backend.to_numpy(getattr(ours, name))
        np.testing.assert_allclose(got, getattr(peer, name), atol=1e-6, err_msg=name)
    assert ours.score(xp.asarray(Xn), lengths) == pytest.approx(peer.score(Xn, lengths), abs=1e-6)


def test_fit_supervised_is_counting(xp):
    """pi, A, B are normalized counts (+ alpha - 1 pseudocounts), checked against a loop."""
    rng = np.random.default_rng(0)
    lengths = [5, 9, 6]
    q = rng.integers(0, 3, size=20)
    o = rng.integers(0, 4, size=20)
    start, trans, emit = np.zeros(3), np.zeros((3, 3)), np.zeros((3, 4))
    s = 0
    for n in lengths:
        start[q[s]] += 1
        for t in range(s, s + n):
            emit[q[t], o[t]] += 1
            if t + 1 < s + n:
                trans[q[t], q[t + 1]] += 1
        s += n
    for prior in (1.0, 2.5):
        m = CategoricalHMM(3, startprob_prior=prior, transmat_prior=prior, emissionprob_prior=prior)
        m.fit_supervised(xp.asarray(o[:, None]), xp.asarray(q), lengths)
        for got, counts in ((m.startprob_, start), (m.transmat_, trans), (m.emissionprob_, emit)):
            expected = counts + prior - 1
            expected = expected / expected.sum(axis=-1, keepdims=True)
            np.testing.assert_allclose(backend.to_numpy(got), expected, atol=1e-14)
            assert backend.backend_name(got) == xp.name


def test_gaussian_fit_supervised_gives_the_class_means_and_covariances(xp):
    rng = np.random.default_rng(1)
    q = rng.integers(0, 2, size=50)
    X = rng.normal(size=(50, 2)) + 3.0 * q[:, None]
    m = GaussianHMM(2, "full", min_covar=0.0).fit_supervised(xp.asarray(X), xp.asarray(q))
    for k in range(2):
        np.testing.assert_allclose(backend.to_numpy(m.means_)[k], X[q == k].mean(0), atol=1e-12)
        cov = np.cov(X[q == k].T, bias=True)
        np.testing.assert_allclose(backend.to_numpy(m.covars_)[k], cov, atol=1e-12)


def test_fit_supervised_refuses_bad_states(xp):
    X = xp.asarray(np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(ValueError, match=r"states must lie in \[0, 2\)"):
        CategoricalHMM(2).fit_supervised(X, xp.asarray(np.array([0, 1, 2, 0])))
    with pytest.raises(ValueError, match="states has 3 entries but X has 4"):
        CategoricalHMM(2).fit_supervised(X, xp.asarray(np.array([0, 1, 0])))


def test_baum_welch_recovers_a_well_separated_model(xp):
    """EM on 40 x 100 samples, started halfway between the truth and uniform, finds A, B.

    Started at random, EM may stop in a local optimum (two states sharing two symbols),
    which is EM's nature, not an error; halfway to uniform is far from the answer yet
    inside its basin. 4000 samples: frequencies within ~0.02, so 0.06 is a 3-sigma bound.
    """
    truth = categorical_truth()
    B_true = np.array([[0.9, 0.1, 0.0, 0.0], [0.0, 0.1, 0.9, 0.0], [0.0, 0.0, 0.1, 0.9]])
    truth.emissionprob_ = B_true
    X, _ = truth.sample(4000, random_state=0)
    m = CategoricalHMM(3, n_iter=40, tol=1e-4, init_params="")
    m.startprob_ = np.full(3, 1 / 3)
    m.transmat_ = 0.5 * truth.transmat_ + 0.5 / 3
    m.emissionprob_ = 0.5 * B_true + 0.5 / 4
    m.fit(xp.asarray(backend.to_numpy(X)), [100] * 40)
    assert m.monitor_.converged
    np.testing.assert_allclose(backend.to_numpy(m.emissionprob_), B_true, atol=0.06)
    np.testing.assert_allclose(backend.to_numpy(m.transmat_), truth.transmat_, atol=0.06)


def test_monitor_stops_when_the_improvement_is_below_tol(xp):
    """hmmlearn's rule: stop after iteration n when history[n] - history[n-1] < tol."""
    X, _ = categorical_truth().sample(200, random_state=1)
    m = CategoricalHMM(3, n_iter=50, tol=1e9, random_state=0).fit(xp.asarray(backend.to_numpy(X)))
    assert m.monitor_.iter == 2 and len(m.monitor_.history) == 2 and m.monitor_.converged
    m = CategoricalHMM(3, n_iter=3, tol=-np.inf, random_state=0).fit(
        xp.asarray(backend.to_numpy(X))
    )
    assert m.monitor_.iter == 3 and m.monitor_.converged


def test_fit_is_reproducible_and_returns_self(xp):
    X = xp.asarray(backend.to_numpy(categorical_truth().sample(100, random_state=2)[0]))
    a = CategoricalHMM(3, random_state=4)
    assert a.fit(X) is a
    b = CategoricalHMM(3, random_state=4).fit(X)
    np.testing.assert_array_equal(backend.to_numpy(a.transmat_), backend.to_numpy(b.transmat_))
    assert a.n_features == 4


def test_sampling_is_the_same_on_every_backend_and_follows_the_model(xp):
    """Same seed, same draws (Rng places NumPy's PCG64 numbers); frequencies match A and B."""
    truth = categorical_truth()
    Xn, qn = truth.sample(3000, random_state=0)
    for a in (truth.startprob_, truth.transmat_, truth.emissionprob_):
        assert backend.backend_name(a) == "numpy"
    on_xp = categorical_truth()
    on_xp.startprob_ = xp.asarray(on_xp.startprob_)
    X, q = on_xp.sample(300, random_state=0)
    assert backend.backend_name(X) == xp.name
    X300, q300 = truth.sample(300, random_state=0)
    np.testing.assert_array_equal(backend.to_numpy(X), X300)
    np.testing.assert_array_equal(backend.to_numpy(q), q300)
    q, o = backend.to_numpy(qn), backend.to_numpy(Xn)[:, 0]
    trans = np.zeros((3, 3))
    np.add.at(trans, (q[:-1], q[1:]), 1)
    emit = np.zeros((3, 4))
    np.add.at(emit, (q, o), 1)
    # ~1000 draws per row: binomial standard deviation <= 0.016, so 0.07 is > 4 sigma
    np.testing.assert_allclose(trans / trans.sum(1, keepdims=True), truth.transmat_, atol=0.07)
    np.testing.assert_allclose(emit / emit.sum(1, keepdims=True), truth.emissionprob_, atol=0.07)


def test_gaussian_sample_has_the_state_means_and_covariances(xp):
    m = GaussianHMM(2, "full")
    m.startprob_ = xp.asarray(np.array([0.5, 0.5]))
    m.transmat_ = xp.asarray(np.array([[0.5, 0.5], [0.5, 0.5]]))
    m.means_ = xp.asarray(np.array([[0.0, 0.0], [5.0, 5.0]]))
    cov = np.array([[[1.0, 0.6], [0.6, 1.0]], [[0.5, 0.0], [0.0, 2.0]]])
    m.covars_ = xp.asarray(cov)
    X, q = m.sample(2000, random_state=0)
    X, q = backend.to_numpy(X), backend.to_numpy(q)
    for k in range(2):
        # ~1000 draws: standard errors ~0.03-0.09 on the moments
        np.testing.assert_allclose(X[q == k].mean(0), backend.to_numpy(m.means_)[k], atol=0.15)
        np.testing.assert_allclose(np.cov(X[q == k].T), cov[k], atol=0.25)


def test_gaussian_hyperparameters_and_shapes_are_checked(xp):
    X = xp.asarray(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="covariance_type must be 'diag' or 'full'"):
        GaussianHMM(2, "tied").fit(X)
    m = GaussianHMM(2, "diag")
    m.startprob_, m.transmat_ = np.array([0.5, 0.5]), np.eye(2)
    m.means_, m.covars_ = np.zeros((2, 2)), np.ones((2, 2, 2))
    with pytest.raises(ValueError, match=r"covars_ must have shape \(2, 2\)"):
        m.score(X)
    m.covars_ = -np.ones((2, 2))
    with pytest.raises(ValueError, match="covars_ must be positive"):
        m.score(X)
    with pytest.raises(ValueError, match="n_components must be > 0"):
        CategoricalHMM(0).fit(xp.asarray(np.zeros((3, 1), dtype=np.int64)))


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_gaussian_fit_from_a_random_start_finds_separated_means(xp, covariance_type):
    """Means start at random rows of X; three blobs 6 sigma apart are found within 0.2.

    600 samples, ~200 per state with unit variance: the standard error of a mean is ~0.07.
    """
    truth = GaussianHMM(3, covariance_type)
    truth.startprob_ = np.full(3, 1 / 3)
    truth.transmat_ = np.full((3, 3), 0.1) + 0.7 * np.eye(3)
    truth.means_ = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    truth.covars_ = np.ones((3, 2)) if covariance_type == "diag" else np.stack([np.eye(2)] * 3)
    X, _ = truth.sample(600, random_state=0)
    m = GaussianHMM(3, covariance_type, n_iter=30, random_state=0, verbose=False)
    m.fit(xp.asarray(X), [100] * 6)
    assert backend.backend_name(m.means_) == xp.name and m.n_features == 2
    means = backend.to_numpy(m.means_)
    nearest = np.linalg.norm(means[:, None, :] - truth.means_[None], axis=2).min(axis=0)
    assert nearest.max() < 0.2
    assert backend.to_numpy(m.covars_).shape == (3, 2, 2)
