r"""HMM with categorical emissions: b_j(k) = P(o_t = k | q_t = j), symbols k in 0..M-1.

The model, the three problems and Baum-Welch are in the package docstring
(``scratch.classic.hmm``); ``BaseHMM`` (base.py) solves them for any emissions. Here
only the emission table B (K, M): its lookup b_j(o_t), its Baum-Welch update from the
expected symbol counts, its checks and its sampling.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import to_numpy
from ...validation import check_array
from . import algorithms as alg
from .base import BaseHMM

__all__ = ["CategoricalHMM"]


class CategoricalHMM(BaseHMM):
    r"""HMM with categorical emissions: b_j(k) = P(o_t = k | q_t = j), k in 0..M-1.

    Baum-Welch emission update (with Dirichlet prior beta):
        b_j(k) = [sum_t gamma_t(j) [o_t = k] + beta - 1]^+ / normalizer,
    computed as gamma^T @ onehot(O), one (K, N) @ (N, M) product.

    Parameters
    ----------
    n_components : int
        Number of hidden states K.
    startprob_prior, transmat_prior, emissionprob_prior : float or array
        Dirichlet concentrations (1.0: no prior, plain maximum likelihood).
    n_iter, tol : int, float
        At most ``n_iter`` EM iterations; stop when log P improves by less than ``tol``.
    random_state : int, Generator or None
    init_params, params : str
        Which of 's' (startprob_), 't' (transmat_), 'e' (emissionprob_) are initialized
        randomly in ``fit`` and which are updated by EM.
    n_features : int or None
        Number of symbols M (default: max(X) + 1 at fit time).
    implementation : {"scaling", "log"}
        Scaled recursions (c_t) or log-space recursions (logsumexp).
    verbose : bool
        Print the log likelihood of each iteration to stderr.

    Attributes
    ----------
    startprob_ : (K,)
    transmat_ : (K, K)
    emissionprob_ : (K, M)
    monitor_ : ConvergenceMonitor
    """

    _emission_codes = "e"

    def __init__(
        self,
        n_components: int = 1,
        startprob_prior: Any = 1.0,
        transmat_prior: Any = 1.0,
        emissionprob_prior: Any = 1.0,
        n_iter: int = 10,
        tol: float = 1e-2,
        random_state: Any = None,
        init_params: str = "ste",
        params: str = "ste",
        n_features: int | None = None,
        implementation: str = "scaling",
        verbose: bool = False,
    ):
        super().__init__(
            n_components,
            startprob_prior,
            transmat_prior,
            n_iter,
            tol,
            random_state,
            init_params,
            params,
            implementation,
            verbose,
        )
        self.emissionprob_prior = emissionprob_prior
        self.n_features = n_features

    def _check_X(self, X, fitting: bool = False):
        X = check_array(X, name="X", ndim=2, dtype="int")
        if X.shape[1] != 1:
            raise ValueError(
                f"X must have shape (n_samples, 1) holding symbol indices, got {tuple(X.shape)}"
            )
        xp = backend.namespace(X)
        # host decisions: symbols must index the emission table
        low = int(to_numpy(xp.min(X)))
        if low < 0:
            raise ValueError(f"X must hold symbols >= 0, got {low}")
        high = int(to_numpy(xp.max(X)))
        if fitting and self.n_features is None and "e" in self.init_params:
            self.n_features = high + 1
        M = self._n_symbols()
        if M is not None and high >= M:
            raise ValueError(f"X holds symbol {high}, outside the range [0, {M}) of n_features")
        return X

    def _n_symbols(self):
        if self.n_features is not None:
            return self.n_features
        e = getattr(self, "emissionprob_", None)
        return None if e is None else int(e.shape[1])

    def _scaled_lattice(self, X, batch):
        """b_j(o_t) itself (m_t = 0): categorical probabilities need no shift."""
        xp = backend.namespace(X)
        symbols = xp.reshape(batch.pad(X), (-1,))
        frame = xp.take(xp.permute_dims(self.emissionprob_, (1, 0)), symbols, axis=0)
        frame = xp.reshape(frame, (batch.T, batch.B, self.n_components))
        return frame, xp.zeros((batch.T, batch.B), dtype=frame.dtype, device=backend.device_of(X))

    def _log_frame(self, X):
        xp = backend.namespace(X)
        # row n of the result is log b_.(o_n): the o_n-th column of B
        return xp.take(alg.safe_log(xp.permute_dims(self.emissionprob_, (1, 0))), X[:, 0], axis=0)

    def _init_emissions(self, X, rng) -> None:
        if self._needs_init("e", "emissionprob_"):
            xp, dt = backend.namespace(X), self._float_of(X)
            b = xp.astype(rng.uniform(1.0, 2.0, size=(self.n_components, self.n_features)), dt)
            self.emissionprob_ = b / xp.sum(b, axis=1, keepdims=True)

    def _init_supervised(self, X) -> None:
        if self.n_features is None:
            self.n_features = int(to_numpy(backend.namespace(X).max(X))) + 1
        self.emissionprob_ = None

    def _check_emissions(self, ref) -> None:
        M = self._n_symbols()
        self.emissionprob_ = self._param_like(
            getattr(self, "emissionprob_", None), "emissionprob_", ref
        )
        self._check_stochastic(self.emissionprob_, "emissionprob_", (self.n_components, M))
        self.n_features = M

    def _emission_features(self, X):
        """onehot(o_n), (N, M): the emission counts are then gamma^T @ onehot."""
        xp = backend.namespace(X)
        symbols = xp.arange(self.n_features, dtype=X.dtype, device=backend.device_of(X))
        return xp.astype(X[:, 0:1] == symbols[None, :], self._float_of(X))

    def _m_step_emissions(self, onehot, gamma, params: str) -> None:
        if "e" not in params:
            return
        xp = backend.namespace(onehot, gamma)
        counts = xp.matmul(xp.permute_dims(gamma, (1, 0)), onehot)
        prior = self._prior(self.emissionprob_prior, gamma)
        self.emissionprob_ = self._map_update(counts, prior, self.emissionprob_)

    def _sample_emissions(self, states, rng):
        xp = backend.namespace(states)
        n = states.shape[0]
        v = xp.astype(rng.uniform(size=n), self.emissionprob_.dtype)
        cdf = xp.take(xp.cumulative_sum(self.emissionprob_, axis=1), states, axis=0)
        k = xp.sum(xp.astype(cdf <= v[:, None], xp.int64), axis=1)
        return xp.minimum(k, self.n_features - 1)[:, None]
