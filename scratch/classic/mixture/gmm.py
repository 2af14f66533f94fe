r"""Gaussian mixture model fitted by expectation-maximization (EM).

The model: a hidden label z in {1..K} with P(z = k) = w_k, and x | z = k ~ N(mu_k, Sigma_k),
so the density of one sample is

    p(x) = sum_k w_k N(x | mu_k, Sigma_k).

EM maximizes the mean log-likelihood  L(theta) = (1/n) sum_i log p(x_i)  by alternating

* E step: the responsibilities (posterior of the label given the current theta),
      r_ik = w_k N(x_i | mu_k, Sigma_k) / sum_j w_j N(x_i | mu_j, Sigma_j),
  computed in log space: log r_ik = a_ik - logsumexp_j a_ij with
  a_ik = log w_k + log N(x_i | mu_k, Sigma_k), so no density ever underflows to 0.
* M step: the weighted maximum-likelihood estimates, with N_k = sum_i r_ik,
      w_k = N_k / n,   mu_k = (1/N_k) sum_i r_ik x_i,
      Sigma_k = (1/N_k) sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T + reg_covar I.
  The covariance types constrain Sigma_k: ``full`` (any SPD matrix per component),
  ``tied`` (one matrix shared by all, the pooled (1/n) sum_k N_k Sigma_k), ``diag``
  (diagonal per component) and ``spherical`` (sigma_k^2 I, the mean of the diagonal).

Why L never decreases: for any distribution q_i over labels, Jensen's inequality gives
log p(x_i) >= sum_k q_ik log(w_k N(x_i | ...) / q_ik), with equality at q = r (E step); the
M step maximizes the right side over theta, so L(theta_new) >= bound = L(theta_old).
(reg_covar perturbs the M step by a ridge on the diagonal; tests use data where its effect
on L is far below the tolerance.)

A collapsing component. Without the ridge, a component whose responsibilities concentrate
on one point (or on duplicates of it) gets Sigma_k -> 0 and log N(x | mu_k, Sigma_k) ->
+inf: the likelihood is unbounded. With it, such a component ends at Sigma_k = reg_covar I
exactly (the scatter term is 0), its log density at the point is the finite
-(d/2) log(2 pi reg_covar), and L stays finite; with reg_covar=0 the Cholesky factor
fails and ``fit`` raises a ValueError that says to increase reg_covar.

The step formulas, and the log density through the Cholesky factor U of each precision
(scikit-learn's ``precisions_cholesky_``, Sigma^{-1} = U U^T), live in ``gaussian.py``.

``lower_bound_`` follows scikit-learn: the mean log-likelihood computed in the E step of
the last iteration, i.e. of the parameters before the last M step. Convergence: the change
of that value between iterations below ``tol``.
"""

from __future__ import annotations

import math
from typing import Any

from ... import backend
from ...backend import device_of, logsumexp, to_numpy
from ...validation import (
    backend_of,
    check_array,
    check_is_fitted,
    check_n_features,
    check_positive,
    check_same_backend,
    seed_of,
)
from .._base import BaseEstimator, DensityMixin
from ..cluster.kmeans import KMeans
from .gaussian import (
    covariances_from_precisions,
    estimate_gaussian_parameters,
    log_gaussian_prob,
    precision_cholesky,
    precision_cholesky_from_precisions,
    precisions_from_cholesky,
)

__all__ = ["GaussianMixture", "COVARIANCE_TYPES", "INIT_PARAMS"]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_PARAMS = ("kmeans", "random", "random_from_data")

# |sum(weights_init) - 1| allowed, per dtype: weights normalized in that precision (error
# ~K eps) pass, weights that are not a distribution do not
WEIGHTS_ATOL = {"float64": 1e-8, "float32": 1e-6}
# max |P - P^T| / max |P| allowed for precisions_init (scikit-learn's check: a matrix
# inverted or typed in by a user is symmetric to far better than this)
SYMMETRY_RTOL = 1e-5


# ----------------------------------------------------------------------------------------
# The estimator
# ----------------------------------------------------------------------------------------


class GaussianMixture(DensityMixin, BaseEstimator):
    r"""A Gaussian mixture fitted by EM, with scikit-learn's parameters and attributes.

    Parameters
    ----------
    n_components : int
        K, the number of mixture components.
    covariance_type : {"full", "tied", "diag", "spherical"}
    tol : float
        Convergence threshold on the change of the mean log-likelihood per iteration.
    reg_covar : float
        Non-negative ridge added to the diagonal of every covariance.
    max_iter : int
        EM iterations per initialization (0: only initialize).
    n_init : int
        Initializations; the one with the highest lower bound is kept.
    init_params : {"kmeans", "random", "random_from_data"}
        Starting responsibilities: one-hot K-means labels, random rows normalized to one,
        or one-hot on K distinct samples drawn at random.
    weights_init, means_init, precisions_init : array, optional
        Starting weights (K,), means (K, d) and precisions (shape of ``precisions_``);
        they replace the estimates from ``init_params``.
    random_state : None, int or numpy Generator

    Attributes
    ----------
    weights_ : (K,)
    means_ : (K, d)
    covariances_, precisions_, precisions_cholesky_ :
        (K, d, d) full, (d, d) tied, (K, d) diag, (K,) spherical.
    converged_ : bool
    n_iter_ : int
    lower_bound_ : float
        Mean log-likelihood per sample of the best initialization (scikit-learn's value).
    lower_bound_history_ : list of float
        That value at every iteration of the best initialization (``lower_bounds_``
        in scikit-learn's name).
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state

    # -- validation -----------------------------------------------------------------------

    def _check_parameters(self) -> None:
        check_positive(self.n_components, "n_components", integer=True)
        check_positive(self.tol, "tol", strict=False)
        check_positive(self.reg_covar, "reg_covar", strict=False)
        check_positive(self.max_iter, "max_iter", strict=False, integer=True)
        check_positive(self.n_init, "n_init", integer=True)
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {', '.join(COVARIANCE_TYPES)}, "
                f"got {self.covariance_type!r}"
            )
        if self.init_params not in INIT_PARAMS:
            raise ValueError(
                f"init_params must be one of {', '.join(INIT_PARAMS)}, got {self.init_params!r}"
            )

    def _check_inits(self, X):
        """The user's starting weights, means and precisions, validated, on X's device."""
        xp = backend.namespace(X)
        K, d = self.n_components, X.shape[1]
        weights = means = precisions = None
        if self.weights_init is not None:
            weights = _as_like(self.weights_init, X, "weights_init", (K,))
            # host scalars: boundary checks on a (K,) vector
            lo, hi = float(to_numpy(xp.min(weights))), float(to_numpy(xp.max(weights)))
            if lo < 0.0 or hi > 1.0:
                raise ValueError(f"weights_init must lie in [0, 1], got min {lo}, max {hi}")
            total = float(to_numpy(xp.sum(weights)))
            atol = WEIGHTS_ATOL["float64" if weights.dtype == xp.float64 else "float32"]
            if abs(1.0 - total) > atol:
                raise ValueError(f"weights_init must sum to one, got sum {total!r}")
        if self.means_init is not None:
            means = _as_like(self.means_init, X, "means_init", (K, d))
        if self.precisions_init is not None:
            shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}
            precisions = _as_like(
                self.precisions_init, X, "precisions_init", shape[self.covariance_type]
            )
            if self.covariance_type in ("full", "tied"):
                sym = xp.max(xp.abs(precisions - xp.matrix_transpose(precisions)))
                scale = xp.max(xp.abs(precisions))
                min_eig = xp.min(xp.linalg.eigvalsh(precisions))
                # host scalars: a boundary check (symmetric to SYMMETRY_RTOL, as sklearn)
                if float(to_numpy(sym)) > SYMMETRY_RTOL * float(to_numpy(scale)) or not (
                    float(to_numpy(min_eig)) > 0.0
                ):
                    raise ValueError(
                        f"precisions_init ({self.covariance_type}) must be symmetric and "
                        f"positive definite, got an asymmetry {float(to_numpy(sym))!r} and a "
                        f"smallest eigenvalue {float(to_numpy(min_eig))!r}"
                    )
            elif not bool(to_numpy(xp.all(precisions > 0))):
                low = float(to_numpy(xp.min(precisions)))
                raise ValueError(
                    f"precisions_init ({self.covariance_type}) must be positive, got a "
                    f"smallest entry {low!r}"
                )
        return weights, means, precisions

    # -- initialization -------------------------------------------------------------------

    def _initial_resp(self, X, rng):
        """Starting responsibilities (n, K) from ``init_params``."""
        xp = backend.namespace(X)
        n, K = X.shape[0], self.n_components
        dev = device_of(X)
        components = xp.arange(K, device=dev)
        if self.init_params == "kmeans":
            labels = KMeans(n_clusters=K, n_init=1, random_state=rng.spawn_seed()).fit(X).labels_
            return xp.astype(labels[:, None] == components[None, :], X.dtype)
        if self.init_params == "random":
            u = rng.uniform(size=(n, K), dtype=X.dtype)
            return u / xp.sum(u, axis=1, keepdims=True)
        chosen = rng.choice(n, size=K, replace=False)  # random_from_data
        rows = xp.arange(n, device=dev)
        return xp.astype(rows[:, None] == chosen[None, :], X.dtype)

    def _initialize(self, X, rng, inits) -> None:
        weights, means, precisions = inits
        ctype = self.covariance_type
        if weights is None or means is None or precisions is None:
            N_k, mu, cov = estimate_gaussian_parameters(
                X, self._initial_resp(X, rng), self.reg_covar, ctype
            )
            weights = N_k / X.shape[0] if weights is None else weights
            means = mu if means is None else means
            if precisions is None:
                self.covariances_ = cov
        self.weights_, self.means_ = weights, means
        if precisions is None:
            self.precisions_cholesky_ = precision_cholesky(self.covariances_, ctype, self.reg_covar)
        else:
            self.precisions_cholesky_ = precision_cholesky_from_precisions(precisions, ctype)
            self.covariances_ = covariances_from_precisions(precisions, ctype)

    # -- EM -------------------------------------------------------------------------------

    def _e_step(self, X):
        """Mean log-likelihood (0-d) and log responsibilities (n, K) of the current theta."""
        xp = backend.namespace(X)
        a = self._weighted_log_prob(X)  # log w_k + log N(x_i | mu_k, Sigma_k)
        log_norm = logsumexp(a, axis=1)  # log p(x_i)
        return xp.mean(log_norm), a - log_norm[:, None]

    def _m_step(self, X, log_resp) -> None:
        xp = backend.namespace(X)
        N_k, self.means_, self.covariances_ = estimate_gaussian_parameters(
            X, xp.exp(log_resp), self.reg_covar, self.covariance_type
        )
        self.weights_ = N_k / xp.sum(N_k)
        self.precisions_cholesky_ = precision_cholesky(
            self.covariances_, self.covariance_type, self.reg_covar
        )

    def _weighted_log_prob(self, X):
        xp = backend.namespace(X)
        log_prob = log_gaussian_prob(
            X, self.means_, self.precisions_cholesky_, self.covariance_type
        )
        return log_prob + xp.log(self.weights_)[None, :]

    def fit(self, X, y=None) -> GaussianMixture:
        """Run EM from ``n_init`` initializations and keep the best; returns self.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._check_parameters()
        X = check_array(X, "X", min_samples=2)
        if X.shape[0] < self.n_components:
            raise ValueError(f"n_components={self.n_components} must be <= n_samples={X.shape[0]}")
        inits = self._check_inits(X)
        rng = backend_of(X).rng(seed_of(self.random_state))
        best = None
        for _ in range(self.n_init):
            self._initialize(X, rng, inits)
            lower_bound, history, converged = -math.inf, [], False
            for _ in range(self.max_iter):
                previous = lower_bound
                log_likelihood, log_resp = self._e_step(X)  # E step: L(theta_t), log r_ik
                self._m_step(X, log_resp)  # M step: theta_t+1
                # one host scalar per iteration: the convergence test is a Python decision
                lower_bound = float(to_numpy(log_likelihood))
                history.append(lower_bound)
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            if best is None or lower_bound > best[0]:
                params = (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)
                best = (lower_bound, history, converged, len(history), params)
        self.lower_bound_, history, self.converged_, self.n_iter_, params = best
        self.lower_bound_history_ = history
        self.lower_bounds_ = history
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)
        self.n_features_in_ = X.shape[1]
        return self

    # -- inference ------------------------------------------------------------------------

    def _check_X(self, X):
        check_is_fitted(self, "precisions_cholesky_")
        check_same_backend(self, X, self.means_)
        X = check_array(X, "X", like=self.means_)
        check_n_features(self, X)
        return X

    def score_samples(self, X):
        """log p(x_i) for every sample, shape (n,), on X's backend.

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        log_p : array, shape (n,)
            log p(x_i) = logsumexp_k (log w_k + log N(x_i | mu_k, Sigma_k)).
        """
        X = self._check_X(X)
        return logsumexp(self._weighted_log_prob(X), axis=1)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood (1/n) sum_i log p(x_i), a Python float (as scikit-learn's).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.
        y : None
            Ignored; present for the scikit-learn score(X, y) convention.

        Returns
        -------
        score : float
            (1/n) sum_i log p(x_i).
        """
        log_p = self.score_samples(X)
        return float(to_numpy(backend.namespace(log_p).mean(log_p)))  # one host scalar

    def predict_proba(self, X):
        """Responsibilities r_ik = P(z = k | x_i), shape (n, K).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        resp : array, shape (n, K)
            r_ik = w_k N(x_i | mu_k, Sigma_k) / sum_j w_j N(x_i | mu_j, Sigma_j); each row
            sums to one.
        """
        X = self._check_X(X)
        xp = backend.namespace(X)
        a = self._weighted_log_prob(X)
        return xp.exp(a - logsumexp(a, axis=1)[:, None])

    def predict(self, X):
        """The most probable component argmax_k r_ik, shape (n,).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        labels : int array, shape (n,)
            The component index of largest responsibility for each sample.
        """
        X = self._check_X(X)
        xp = backend.namespace(X)
        return xp.argmax(self._weighted_log_prob(X), axis=1)

    def fit_predict(self, X, y=None):
        """fit(X), then predict(X).

        Parameters
        ----------
        X : array, shape (n, d)
            Training samples, n >= n_components.
        y : None
            Ignored; present for the scikit-learn fit_predict(X, y) convention.

        Returns
        -------
        labels : int array, shape (n,)
            The most probable component of each training sample under the fitted mixture.
        """
        return self.fit(X).predict(X)

    def _n_parameters(self) -> int:
        """Free parameters: K - 1 weights, K d means, and the covariances' entries."""
        K, d = self.means_.shape
        cov_params = {
            "full": K * d * (d + 1) // 2,
            "tied": d * (d + 1) // 2,
            "diag": K * d,
            "spherical": K,
        }[self.covariance_type]
        return cov_params + K * d + K - 1

    def bic(self, X):
        """Bayesian information criterion -2 log L + p log n (lower is better), a float.

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        bic : float
            -2 sum_i log p(x_i) + p log n, p the number of free parameters.
        """
        X = self._check_X(X)
        n = X.shape[0]
        return -2.0 * n * self.score(X) + self._n_parameters() * math.log(n)

    def aic(self, X):
        """Akaike information criterion -2 log L + 2 p (lower is better), a float.

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        aic : float
            -2 sum_i log p(x_i) + 2 p, p the number of free parameters.
        """
        X = self._check_X(X)
        return -2.0 * X.shape[0] * self.score(X) + 2.0 * self._n_parameters()

    def sample(self, n_samples: int = 1):
        r"""Draw from the fitted mixture: z ~ Categorical(w), then x = mu_z + A_z e.

        z by inverse CDF (z = #{k : cdf_k <= u} for u ~ U[0, 1)), e ~ N(0, I) and A_z
        the Cholesky factor of Sigma_z (so A e ~ N(0, Sigma_z)); samples are grouped by
        component, as in scikit-learn.

        Parameters
        ----------
        n_samples : int
            How many samples to draw (>= 1).

        Returns
        -------
        X : array, shape (n_samples, d)
        y : int array, shape (n_samples,)
            The component of each sample.
        """
        check_is_fitted(self, "precisions_cholesky_")
        check_positive(n_samples, "n_samples", integer=True)
        xp = backend.namespace(self.means_)
        K, d = self.means_.shape
        rng = backend_of(self.means_).rng(seed_of(self.random_state))
        dtype = self.means_.dtype
        cdf = xp.cumulative_sum(self.weights_)
        u = rng.uniform(size=(n_samples,), dtype=dtype) * cdf[-1]
        y = xp.sort(xp.minimum(xp.searchsorted(cdf, u, side="right"), K - 1))
        e = rng.normal(size=(n_samples, d), dtype=dtype)
        mu = xp.take(self.means_, y, axis=0)
        ctype = self.covariance_type
        if ctype == "full":
            A = xp.take(xp.linalg.cholesky(self.covariances_), y, axis=0)  # (n, d, d)
            return mu + xp.matmul(A, e[:, :, None])[:, :, 0], y
        if ctype == "tied":
            A = xp.linalg.cholesky(self.covariances_)
            return mu + xp.matmul(e, A.T), y
        sigma = xp.sqrt(xp.take(self.covariances_, y, axis=0))
        return mu + e * (sigma if ctype == "diag" else sigma[:, None]), y


# ----------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------


def _as_like(a, X, name: str, shape: tuple[int, ...]):
    """An init array on X's device with X's dtype, of the expected shape."""
    xp = backend.namespace(X)
    a = check_array(a, name, ndim=len(shape), like=X if backend.is_array(a) else None)
    if tuple(a.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(a.shape)}")
    if backend.is_array(a) and backend.backend_name(a) == backend.backend_name(X):
        return xp.astype(a, X.dtype)
    return backend.asarray_like(a, X)
