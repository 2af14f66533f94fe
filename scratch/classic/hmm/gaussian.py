r"""HMM with Gaussian emissions: b_j(x) = N(x | mu_j, Sigma_j).

Log density (D features):
    log N(x | mu, Sigma) = -1/2 [D log 2 pi + log det Sigma + (x - mu)^T Sigma^{-1} (x - mu)],
evaluated as the Gaussian mixture does (``scratch.classic.mixture.gaussian``): through
the Cholesky factor U = L^{-T} of the precision, Sigma = L L^T, so the quadratic form is
||(x - mu)^T U||^2 and log det Sigma = -2 sum_d log U_dd (``diag``: U = 1/sqrt(s)).

Baum-Welch M-step from gamma_t(j) (Rabiner 1989, eqs. 53; Li Hang ch. 10), the weighted
moments of the mixture's M step with the state posteriors as weights:
    N_j = sum_t gamma_t(j),   mu_j = sum_t gamma_t(j) x_t / N_j,
    Sigma_j = sum_t gamma_t(j) (x_t - mu_j)(x_t - mu_j)^T / N_j
(the diagonal of it for ``diag``). ``min_covar`` keeps the likelihood bounded: it is
added to the data covariance at initialization (as hmmlearn), and every variance along
every principal axis is floored at min_covar after an M-step (eigenvalues of Sigma_j
for ``full``); above the floor the update is the plain maximum-likelihood one.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import to_numpy
from ...mathx import covariance
from ...validation import NotFittedError, check_array, check_positive
from ..cluster.kmeans import KMeans
from ..mixture.gaussian import log_gaussian_prob, precision_cholesky, weighted_moments
from .base import BaseHMM

__all__ = ["GaussianHMM"]

# covars_ (full) must equal its transpose to this fraction of its largest entry: a few
# hundred float64 roundings of a symmetric product, far below any real asymmetry
SYMMETRY_RTOL = 1e-8


class GaussianHMM(BaseHMM):
    r"""Hidden Markov model with Gaussian emissions (hmmlearn's API).

    Parameters
    ----------
    n_components : int
        Number of hidden states K.
    covariance_type : {"diag", "full"}
    min_covar : float
        Variance floor (see the module docstring).
    startprob_prior, transmat_prior : float or array
        Dirichlet concentrations for pi and A (1.0: no prior).
    n_iter, tol : int, float
        At most ``n_iter`` EM iterations; stop when log P improves by less than ``tol``.
    random_state : int, Generator or None
    init_params, params : str
        Which of 's', 't', 'm' (means_), 'c' (covars_) are initialized in ``fit`` and
        which are updated by EM. Means start at the k-means centres of X (as hmmlearn),
        covariances at the data covariance plus min_covar.
    implementation : {"scaling", "log"}
    verbose : bool

    Attributes
    ----------
    startprob_ : (K,)
    transmat_ : (K, K)
    means_ : (K, D)
    covars_ : (K, D, D)
        Full matrices for every covariance type (as hmmlearn); it is set with the
        type's own shape: (K, D) variances for ``diag``, (K, D, D) for ``full``.
    n_features : int
        D, set by ``fit``.
    monitor_ : ConvergenceMonitor
    """

    _emission_codes = "mc"

    def __init__(
        self,
        n_components: int = 1,
        covariance_type: str = "diag",
        min_covar: float = 1e-3,
        startprob_prior: Any = 1.0,
        transmat_prior: Any = 1.0,
        n_iter: int = 10,
        tol: float = 1e-2,
        random_state: Any = None,
        init_params: str = "stmc",
        params: str = "stmc",
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
        self.covariance_type = covariance_type
        self.min_covar = min_covar

    # -- covars_ in hmmlearn's two shapes ------------------------------------------------

    @property
    def covars_(self):
        """Covariance matrices, (K, D, D), whatever the covariance type."""
        c = self.__dict__.get("_covars_")
        if c is None:
            shape = "(n_components, n_features" + (
                ", n_features)" if self.covariance_type == "full" else ")"
            )
            raise NotFittedError(
                f"covars_ is not set: call fit(X) or assign covars_ (shape {shape} for "
                f"covariance_type={self.covariance_type!r}) first"
            )
        if self.covariance_type == "full":
            return c
        xp = backend.namespace(c)
        eye = xp.eye(c.shape[1], dtype=c.dtype, device=backend.device_of(c))
        return c[:, :, None] * eye[None, :, :]

    @covars_.setter
    def covars_(self, value) -> None:
        self._covars_ = value

    # -- validation ------------------------------------------------------------------------

    def _check_hyper(self) -> None:
        super()._check_hyper()
        if self.covariance_type not in ("diag", "full"):
            raise ValueError(
                f"covariance_type must be 'diag' or 'full', got {self.covariance_type!r}"
            )
        check_positive(self.min_covar, "min_covar", strict=False)

    def _check_X(self, X, fitting: bool = False):
        X = check_array(X, name="X", ndim=2)
        if fitting:
            self.n_features = int(X.shape[1])
        D = getattr(self, "n_features", None)
        if D is not None and X.shape[1] != D:
            raise ValueError(f"X has {X.shape[1]} features, but the model has n_features={D}")
        return X

    def _check_emissions(self, ref) -> None:
        K = self.n_components
        self.means_ = self._param_like(getattr(self, "means_", None), "means_", ref)
        if self.means_.ndim != 2 or self.means_.shape[0] != K:
            raise ValueError(f"means_ must have shape ({K}, n_features), got {self.means_.shape}")
        D = self.n_features = int(self.means_.shape[1])
        c = self._param_like(self.__dict__.get("_covars_"), "covars_", ref)
        want = (K, D) if self.covariance_type == "diag" else (K, D, D)
        if tuple(c.shape) != want:
            raise ValueError(
                f"covars_ must have shape {want} for covariance_type="
                f"{self.covariance_type!r}, got {tuple(c.shape)}"
            )
        xp = backend.namespace(c)
        if self.covariance_type == "diag":
            ok = xp.all(c > 0)
        else:
            asym = xp.abs(c - xp.permute_dims(c, (0, 2, 1)))
            ok = xp.all(asym <= SYMMETRY_RTOL * xp.max(xp.abs(c)))
            ok = ok & xp.all(xp.linalg.eigvalsh(c) > 0)
        # one host decision: a clear error instead of NaN log densities
        if not bool(to_numpy(ok)):
            if self.covariance_type == "diag":
                low = float(to_numpy(xp.min(c)))
                raise ValueError(f"covars_ must be positive (diag), got a smallest entry {low!r}")
            low = float(to_numpy(xp.min(xp.linalg.eigvalsh(c))))
            raise ValueError(
                "covars_ must be symmetric positive definite (full), got a smallest "
                f"eigenvalue {low!r} and an asymmetry {float(to_numpy(xp.max(asym)))!r}"
            )
        self._covars_ = c

    # -- emissions -------------------------------------------------------------------------

    def _log_frame(self, X):
        """log N(x_n | mu_j, Sigma_j), shape (N, K) (``mixture.gaussian.log_gaussian_prob``)."""
        # covars_ were checked positive definite (_check_emissions) or floored at
        # min_covar (M-step): no host check per call
        U = precision_cholesky(
            self._covars_,
            self.covariance_type,
            self.min_covar,
            owner="GaussianHMM",
            reg_name="min_covar",
            check=False,
        )
        return log_gaussian_prob(X, self.means_, U, self.covariance_type)

    def _data_covariance(self, X):
        """The data covariance (ddof 1, as numpy.cov; 0 for a single sample) + min_covar I."""
        xp = backend.namespace(X)
        D = X.shape[1]
        cov = covariance(X, ddof=1 if X.shape[0] > 1 else 0)
        return cov + self.min_covar * xp.eye(D, dtype=X.dtype, device=backend.device_of(X))

    def _init_emissions(self, X, rng) -> None:
        xp, K = backend.namespace(X), self.n_components
        if self._needs_init("m", "means_"):
            if X.shape[0] < K:
                raise ValueError(f"X has {X.shape[0]} samples, fewer than n_components={K}")
            # as hmmlearn: the k-means centres (k-means++ seeding, then Lloyd), on X's device
            seed = rng.spawn_seed()
            self.means_ = KMeans(K, n_init=1, random_state=seed).fit(X).cluster_centers_
        if self._needs_init("c", "covars_"):
            cov = self._data_covariance(X)
            if self.covariance_type == "diag":
                c = xp.linalg.diagonal(cov)[None, :]
            else:
                c = cov[None, :, :]
            self._covars_ = xp.broadcast_to(c, (K,) + tuple(c.shape[1:])) * 1.0

    def _init_supervised(self, X) -> None:
        self.means_ = None
        self._covars_ = None

    def _floor(self, covars):
        """Variances at least min_covar along every principal axis."""
        xp = backend.namespace(covars)
        if self.covariance_type == "diag":
            return xp.maximum(covars, self.min_covar)
        lam, V = xp.linalg.eigh(covars)
        floored = xp.matmul(
            V * xp.maximum(lam, self.min_covar)[:, None, :], xp.permute_dims(V, (0, 2, 1))
        )
        low = xp.any(lam < self.min_covar, axis=1)[:, None, None]
        return xp.where(low, floored, covars)

    def _emission_features(self, X):
        """The observations themselves: mu and Sigma are gamma-weighted moments of X."""
        return X

    def _m_step_emissions(self, X, gamma, params: str) -> None:
        if "m" not in params and "c" not in params:
            return
        xp = backend.namespace(X, gamma)
        N_j = xp.sum(gamma, axis=0)  # (K,)
        N_safe = xp.where(N_j > 0, N_j, 1.0)  # a state never visited keeps a finite mean
        diag = self.covariance_type == "diag"
        # mu_j and S_j = sum_t gamma_t(j) (x_t - mu_j)(x_t - mu_j)^T, around the kept
        # means when they are not re-estimated
        means, S = weighted_moments(
            X, gamma, N_safe, None if "m" in params else self.means_, diagonal=diag
        )
        if "m" in params:
            self.means_ = means
        if "c" in params:
            self._covars_ = self._floor(S / (N_safe[:, None] if diag else N_safe[:, None, None]))

    def _sample_emissions(self, states, rng):
        xp = backend.namespace(states, self.means_)
        n, D = states.shape[0], self.means_.shape[1]
        z = xp.astype(rng.normal(size=(n, D)), self.means_.dtype)
        mu = xp.take(self.means_, states, axis=0)
        if self.covariance_type == "diag":
            return mu + xp.sqrt(xp.take(self._covars_, states, axis=0)) * z
        L = xp.take(xp.linalg.cholesky(self._covars_), states, axis=0)  # (n, D, D)
        return mu + xp.matmul(L, z[:, :, None])[:, :, 0]
