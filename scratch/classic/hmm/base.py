r"""What every HMM shares: the E-step, Baum-Welch, Viterbi, scoring, sampling.

``BaseHMM`` holds pi (``startprob_``) and A (``transmat_``) and solves the three problems
of ``scratch.classic.hmm`` for any emission model; a subclass supplies the emissions
through ``_log_frame`` (log b_j(x_n)), their initialization, M-step, checks and sampling
(``CategoricalHMM`` in categorical.py, ``GaussianHMM`` in gaussian.py). The batched kernels
are in algorithms.py.
"""

from __future__ import annotations

import operator
import sys
from typing import Any

from ... import backend
from ...backend import to_numpy
from ...validation import (
    _default_float,
    backend_of,
    check_array,
    check_is_fitted,
    check_positive,
    seed_of,
)
from .._base import BaseEstimator
from . import algorithms as alg

__all__ = ["ConvergenceMonitor", "BaseHMM", "check_lengths"]

# |row sum - 1| allowed for startprob_, transmat_, emissionprob_: rows typed in with six
# decimals (hmmlearn's examples) pass, rows that are not distributions do not; EM's own
# updates are normalized to ~1e-16
STOCHASTIC_ATOL = 1e-6


class ConvergenceMonitor:
    """History of the log likelihood during Baum-Welch, and the stopping rule.

    Attributes
    ----------
    history : list of float
        log P(O | lambda) before each M-step (host floats).
    iter : int
        Iterations performed.
    converged : bool
        ``iter == n_iter`` or the last improvement ``history[-1] - history[-2] < tol``.
    """

    def __init__(self, tol: float, n_iter: int, verbose: bool = False):
        self.tol = tol
        self.n_iter = n_iter
        self.verbose = verbose
        self.history: list[float] = []
        self.iter = 0

    def report(self, log_prob: float) -> None:
        """Record the log likelihood of one iteration (printed to stderr when verbose)."""
        if self.verbose:
            delta = log_prob - self.history[-1] if self.history else float("nan")
            print(f"{self.iter + 1:>10d} {log_prob:>16.8f} {delta:>+16.8f}", file=sys.stderr)
        self.history.append(log_prob)
        self.iter += 1

    @property
    def converged(self) -> bool:
        return self.iter == self.n_iter or (
            len(self.history) >= 2 and self.history[-1] - self.history[-2] < self.tol
        )

    def __repr__(self) -> str:
        return (
            f"ConvergenceMonitor(tol={self.tol}, n_iter={self.n_iter}, iter={self.iter}, "
            f"converged={self.converged}, history={self.history})"
        )


def check_lengths(lengths: Any, n_samples: int) -> list[int]:
    """``lengths`` as a list of positive ints summing to ``n_samples`` (None: one sequence).

    Lengths shape the padded batch and the Python time loop, so they live on the host;
    an array of any backend is copied there once.
    """
    if lengths is None:
        return [n_samples]
    if backend.is_array(lengths):
        lengths = to_numpy(lengths).reshape(-1).tolist()
    try:
        out = [operator.index(v) for v in lengths]
    except TypeError as e:
        raise TypeError(f"lengths must be a sequence of ints, got {lengths!r}") from e
    if not out or min(out) < 1:
        raise ValueError(f"lengths must be positive ints, got {out}")
    if sum(out) != n_samples:
        raise ValueError(
            f"lengths sum to {sum(out)} but X has {n_samples} samples; they must match"
        )
    return out


class BaseHMM(BaseEstimator):
    """What every HMM shares: pi, A, the E-step, Viterbi, Baum-Welch, sampling.

    Subclasses define the emissions: ``_check_X``, ``_log_frame`` (log b_j(x_n), (N, K)),
    ``_init_emissions``, ``_m_step_emissions``, ``_check_emissions``, ``_sample_emissions``.
    """

    _emission_codes = ""

    def __init__(
        self,
        n_components: int = 1,
        startprob_prior: Any = 1.0,
        transmat_prior: Any = 1.0,
        n_iter: int = 10,
        tol: float = 1e-2,
        random_state: Any = None,
        init_params: str = "st",
        params: str = "st",
        implementation: str = "scaling",
        verbose: bool = False,
    ):
        self.n_components = n_components
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state
        self.init_params = init_params
        self.params = params
        self.implementation = implementation
        self.verbose = verbose

    # -- validation ------------------------------------------------------------------

    def _check_hyper(self) -> None:
        check_positive(self.n_components, "n_components", integer=True)
        check_positive(self.n_iter, "n_iter", integer=True)
        if isinstance(self.tol, bool) or not isinstance(self.tol, (int, float)):
            raise TypeError(f"tol must be a number, got {self.tol!r}")
        if self.tol != self.tol:
            raise ValueError("tol must be a number, got nan")
        if self.implementation not in ("scaling", "log"):
            raise ValueError(
                f"implementation must be 'scaling' or 'log', got {self.implementation!r}"
            )

    def _param_like(self, value: Any, name: str, ref):
        """A user-set parameter as a float array on ``ref``'s device (one explicit copy)."""
        if value is None:
            raise ValueError(f"{name} is not set; call fit(X) or set it")
        return backend.asarray_like(value, ref)

    def _check_stochastic(self, p, name: str, shape: tuple[int, ...]) -> None:
        if tuple(p.shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(p.shape)}")
        xp = backend.namespace(p)
        sums = xp.sum(p, axis=-1)
        # one host decision: a clear error now instead of a silently wrong likelihood
        ok = xp.all(p >= 0) & xp.all(xp.abs(sums - 1.0) < STOCHASTIC_ATOL)
        if not bool(to_numpy(ok)):
            raise ValueError(
                f"{name} must be non-negative with rows summing to 1, got sums "
                f"{to_numpy(sums).round(6).tolist()}"
            )

    def _check(self, X) -> None:
        """Move the parameters onto X's device and check their shapes and sums."""
        check_is_fitted(self, "startprob_")
        xp = backend.namespace(X)
        ref = xp.zeros((0,), dtype=self._float_of(X), device=backend.device_of(X))
        K = self.n_components
        self.startprob_ = self._param_like(self.startprob_, "startprob_", ref)
        self.transmat_ = self._param_like(getattr(self, "transmat_", None), "transmat_", ref)
        self._check_stochastic(self.startprob_, "startprob_", (K,))
        self._check_stochastic(self.transmat_, "transmat_", (K, K))
        self._check_emissions(ref)

    def _float_of(self, X):
        xp = backend.namespace(X)
        return X.dtype if xp.isdtype(X.dtype, "real floating") else _default_float(xp, X)

    # -- the E-step and the evaluation problem ----------------------------------------

    def _scaled_lattice(self, X, batch):
        """b_j(o_t) e^{-m_t} and m_t on the padded grid, (T, B, K) and (T, B)."""
        return alg.shifted_frame(batch.pad(self._log_frame(X)))

    def _posteriors(self, X, batch, unpad: bool = True):
        """log P per sequence (B,), gamma, sum_t xi (K, K) and sum_b gamma_1 (K,).

        gamma comes as rows of X, (N, K), or with ``unpad=False`` as the padded grid
        flattened to (T * B, K) (zero rows at padded steps), which the M-step accepts
        as it is.
        """
        if self.implementation == "scaling":
            frame, m = self._scaled_lattice(X, batch)
            log_prob, gamma, xi_sum = alg.posteriors_scaled(
                self.startprob_, self.transmat_, frame, m, batch.mask
            )
        else:
            log_prob, gamma, xi_sum = alg.posteriors_log(
                alg.safe_log(self.startprob_),
                alg.safe_log(self.transmat_),
                batch.pad(self._log_frame(X)),
                batch.mask,
            )
        xp = backend.namespace(gamma)
        start_counts = xp.sum(gamma[0, ...], axis=0)
        if unpad:
            return log_prob, batch.unpad_rows(gamma), xi_sum, start_counts
        return log_prob, xp.reshape(gamma, (-1, gamma.shape[-1])), xi_sum, start_counts

    def _sequence_log_probs(self, X, batch):
        if self.implementation == "scaling":
            frame, m = self._scaled_lattice(X, batch)
            _, c = alg.forward_scaled(self.startprob_, self.transmat_, frame, batch.mask)
            return alg.scaled_log_prob(c, m, batch.mask)
        _, log_prob = alg.forward_log(
            alg.safe_log(self.startprob_),
            alg.safe_log(self.transmat_),
            batch.pad(self._log_frame(X)),
            batch.mask,
        )
        return log_prob

    def _validated(self, X, lengths, fitting: bool = False):
        """Hyperparameters checked; X and the sequence lengths validated."""
        self._check_hyper()
        X = self._check_X(X, fitting=fitting)
        return X, check_lengths(lengths, X.shape[0])

    def _prepare(self, X, lengths):
        X, lengths = self._validated(X, lengths)
        self._check(X)
        return X, alg.make_batch(lengths, X)

    def score(self, X, lengths=None) -> float:
        """log P(X | lambda), summed over the sequences (forward algorithm).

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
        lengths : sequence of int, optional
            Lengths of the concatenated sequences (default: one sequence).

        Returns
        -------
        float
            sum over sequences of log P(O | lambda) (one host scalar).
        """
        X, batch = self._prepare(X, lengths)
        log_prob = self._sequence_log_probs(X, batch)
        return float(to_numpy(backend.namespace(log_prob).sum(log_prob)))

    def score_samples(self, X, lengths=None):
        """log P(X | lambda) and the posteriors gamma_t(i) = P(q_t = i | O, lambda).

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Concatenated observation sequences.
        lengths : sequence of int, optional
            Lengths of the concatenated sequences (default: one sequence).

        Returns
        -------
        log_prob : float
        posteriors : array, shape (n_samples, n_components), on X's backend
        """
        X, batch = self._prepare(X, lengths)
        log_prob, gamma, _, _ = self._posteriors(X, batch)
        return float(to_numpy(backend.namespace(log_prob).sum(log_prob))), gamma

    def predict_proba(self, X, lengths=None):
        """gamma_t(i) = P(q_t = i | O, lambda), shape (n_samples, n_components).

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Concatenated observation sequences.
        lengths : sequence of int, optional
            Lengths of the concatenated sequences (default: one sequence).

        Returns
        -------
        posteriors : array, shape (n_samples, n_components), on X's backend
            gamma_t(i) = alpha_t(i) beta_t(i) / P(O | lambda); each row sums to one.
        """
        return self.score_samples(X, lengths)[1]

    def predict(self, X, lengths=None):
        """Posterior decoding: q_t = argmax_i gamma_t(i), shape (n_samples,).

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Concatenated observation sequences.
        lengths : sequence of int, optional
            Lengths of the concatenated sequences (default: one sequence).

        Returns
        -------
        state_sequence : int64 array, shape (n_samples,), on X's backend
            The individually most likely state of each frame (not always a feasible
            path: see decode for the Viterbi one).
        """
        gamma = self.predict_proba(X, lengths)
        xp = backend.namespace(gamma)
        return xp.astype(xp.argmax(gamma, axis=1), xp.int64)

    # -- decoding ----------------------------------------------------------------------

    def decode(self, X, lengths=None, algorithm: str = "viterbi"):
        """The most likely state path.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Concatenated observation sequences.
        lengths : sequence of int, optional
            Lengths of the concatenated sequences (default: one sequence).
        algorithm : {"viterbi", "map"}
            "viterbi": argmax_Q P(O, Q | lambda), returned with log P(O, Q* | lambda);
            "map": q_t = argmax_i gamma_t(i), returned with sum_t log max_i gamma_t(i)
            (hmmlearn returns sum_t max_i gamma_t(i) here, without the log).

        Returns
        -------
        log_prob : float
            Summed over the sequences.
        state_sequence : int64 array, shape (n_samples,), on X's backend
        """
        if algorithm not in ("viterbi", "map"):
            raise ValueError(f"algorithm must be 'viterbi' or 'map', got {algorithm!r}")
        X, batch = self._prepare(X, lengths)
        xp = backend.namespace(X)
        if algorithm == "map":
            _, gamma, _, _ = self._posteriors(X, batch)
            best = xp.max(gamma, axis=1)
            log_prob = xp.sum(alg.safe_log(best))
            path = xp.astype(xp.argmax(gamma, axis=1), xp.int64)
            return float(to_numpy(log_prob)), path
        log_frame = batch.pad(self._log_frame(X))
        log_prob, path = alg.viterbi(
            alg.safe_log(self.startprob_), alg.safe_log(self.transmat_), log_frame, batch.mask
        )
        path = batch.unpad_rows(path)
        return float(to_numpy(xp.sum(log_prob))), path

    # -- learning ----------------------------------------------------------------------

    def _needs_init(self, code: str, name: str) -> bool:
        return code in self.init_params or getattr(self, name, None) is None

    def _init(self, X, rng) -> None:
        """Random start for pi and A, then the emissions.

        Rows of U[1, 2) numbers, normalized: random, yet no probability starts near 0.
        EM rescales each a_ij by its expected count, so a zero stays zero and a tiny start
        value stays small for many iterations: a near-forbidden start traps the fit.
        """
        xp, K, dt = backend.namespace(X), self.n_components, self._float_of(X)
        if self._needs_init("s", "startprob_"):
            p = xp.astype(rng.uniform(1.0, 2.0, size=K), dt)
            self.startprob_ = p / xp.sum(p)
        if self._needs_init("t", "transmat_"):
            a = xp.astype(rng.uniform(1.0, 2.0, size=(K, K)), dt)
            self.transmat_ = a / xp.sum(a, axis=1, keepdims=True)
        self._init_emissions(X, rng)

    @staticmethod
    def _map_update(counts, prior, old):
        """Dirichlet MAP: p proportional to max(prior - 1 + counts, 0); zeros of old kept.

        A zero in the old parameter (a forbidden start or transition, e.g. left-right
        models) stays zero; a row with no counts at all is left at zero.
        """
        xp = backend.namespace(counts)
        p = xp.maximum(prior - 1.0 + counts, 0.0)
        if old is not None:
            p = xp.where(old == 0, 0.0, p)
        s = xp.sum(p, axis=-1, keepdims=True)
        return p / xp.where(s > 0, s, 1.0)

    @staticmethod
    def _prior(value, ref):
        """A scalar prior as is, an array prior on ``ref``'s device."""
        return value if isinstance(value, (int, float)) else backend.asarray_like(value, ref)

    def _m_step(self, features, gamma, start_counts, trans_counts, params: str) -> None:
        """pi, A from the expected counts (those named in ``params``); emissions from gamma.

        ``features`` (``_emission_features`` of the rows) and ``gamma`` hold the same rows,
        in any order; rows with gamma = 0 (padding) contribute nothing.
        """
        if "s" in params:
            prior = self._prior(self.startprob_prior, start_counts)
            self.startprob_ = self._map_update(start_counts, prior, self.startprob_)
        if "t" in params:
            prior = self._prior(self.transmat_prior, trans_counts)
            self.transmat_ = self._map_update(trans_counts, prior, self.transmat_)
        self._m_step_emissions(features, gamma, params)

    def fit(self, X, lengths=None):
        """Baum-Welch: EM from a random (or user-set) start until convergence.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Concatenated observation sequences.
        lengths : sequence of int, optional
            Length of each sequence (default: one sequence).

        Returns
        -------
        self
        """
        X, lengths = self._validated(X, lengths, fitting=True)
        self._init(X, backend_of(X).rng(seed_of(self.random_state)))
        self._check(X)
        self.monitor_ = ConvergenceMonitor(self.tol, self.n_iter, self.verbose)
        xp = backend.namespace(X)
        batch = alg.make_batch(lengths, X)
        # the M-step reads the padded grid directly: no gather back to rows per iteration
        features = self._emission_features(xp.reshape(batch.pad(X), (-1, X.shape[1])))
        for _ in range(self.n_iter):
            log_prob, gamma, xi_sum, start_counts = self._posteriors(X, batch, unpad=False)
            # the convergence test is a Python decision: one host scalar per iteration
            self.monitor_.report(float(to_numpy(xp.sum(log_prob))))
            self._m_step(features, gamma, start_counts, xi_sum, self.params)
            if self.monitor_.converged:
                break
        return self

    def fit_supervised(self, X, states, lengths=None):
        """Maximum likelihood from labelled state paths: counting (with the priors).

        pi_i = #{sequences starting in i} / #sequences, a_ij = #(i -> j) / #(i -> .),
        and the emissions from the hard posteriors gamma_t(i) = [q_t = i]; the Dirichlet
        priors add alpha - 1 pseudocounts as in the M-step.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
        states : int array, shape (n_samples,)
            Hidden state of each sample, in [0, n_components).
        lengths : sequence of int, optional

        Returns
        -------
        self
        """
        X, lengths = self._validated(X, lengths, fitting=True)
        q = check_array(states, name="states", ndim=1, dtype="int", like=X)
        if q.shape[0] != X.shape[0]:
            raise ValueError(f"states has {q.shape[0]} entries but X has {X.shape[0]} samples")
        xp, K = backend.namespace(X), self.n_components
        # one host decision: labels outside [0, K) cannot be counted
        if not bool(to_numpy(xp.all((q >= 0) & (q < K)))):
            raise ValueError(f"states must lie in [0, {K}) (n_components={K})")
        dt = self._float_of(X)
        ks = xp.arange(K, dtype=q.dtype, device=backend.device_of(X))
        gamma = xp.astype(q[:, None] == ks[None, :], dt)
        batch = alg.make_batch(lengths, X)
        G = batch.pad(gamma)  # (T, B, K), padded steps repeat the last state
        if batch.mask is not None:
            G = G * xp.astype(batch.mask, dt)[..., None]
        T, B = batch.T, batch.B
        pairs = xp.matmul(
            xp.permute_dims(xp.reshape(G[:-1, ...], ((T - 1) * B, K)), (1, 0)),
            xp.reshape(G[1:, ...], ((T - 1) * B, K)),
        )
        self.startprob_, self.transmat_ = None, None  # counting keeps no old zeros
        self._init_supervised(X)
        counts = xp.sum(G[0, ...], axis=0)
        features = self._emission_features(X)
        self._m_step(features, gamma, counts, pairs, "st" + self._emission_codes)
        return self

    # -- sampling ----------------------------------------------------------------------

    def sample(self, n_samples: int = 1, random_state: Any = None):
        """Draw a sequence: q_1 ~ pi, q_t ~ A[q_{t-1}], o_t ~ b_{q_t} (inverse CDF).

        Parameters
        ----------
        n_samples : int
        random_state : int, Generator or None
            Default: the estimator's ``random_state``.

        Returns
        -------
        X : array, shape (n_samples, n_features), on the parameters' backend
        states : int64 array, shape (n_samples,)
        """
        check_is_fitted(self, "startprob_")
        check_positive(n_samples, "n_samples", integer=True)
        ref = self.startprob_
        self._check(ref)
        xp = backend.namespace(ref)
        seed = seed_of(self.random_state if random_state is None else random_state)
        rng = backend_of(ref).rng(seed)
        K = self.n_components
        u = xp.astype(rng.uniform(size=n_samples), ref.dtype)
        cdf_pi = xp.cumulative_sum(self.startprob_)
        cdf_A = xp.cumulative_sum(self.transmat_, axis=1)
        # q_t = number of CDF entries <= u_t, i.e. the first i with u_t < F(i)
        q = xp.sum(xp.astype(cdf_pi <= u[0], xp.int64), keepdims=True)
        states = [xp.minimum(q, K - 1)]
        for t in range(1, n_samples):
            row = xp.take(cdf_A, states[-1], axis=0)[0, :]
            q = xp.sum(xp.astype(row <= u[t], xp.int64), keepdims=True)
            states.append(xp.minimum(q, K - 1))
        states = xp.concat(states)
        return self._sample_emissions(states, rng), states
