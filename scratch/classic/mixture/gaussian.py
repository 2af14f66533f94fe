r"""The Gaussian pieces of EM, on any Array-API backend: weighted moments and log-density.

One home for both models that need them: ``GaussianMixture`` (r_ik = responsibilities)
and ``GaussianHMM`` (r_ik = gamma_t(j), the state posteriors) call ``weighted_moments``
for their M step and ``log_gaussian_prob`` for their E step.

M step (``weighted_moments``, ``estimate_gaussian_parameters``): with weights r_ik and
N_k = sum_i r_ik,
    mu_k = (1/N_k) sum_i r_ik x_i,
    Sigma_k = (1/N_k) sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T + reg_covar I,
constrained by the covariance type: ``full`` (K, d, d), ``tied`` (d, d) = (1/n) sum_k N_k
Sigma_k, ``diag`` (K, d) the diagonals, ``spherical`` (K,) their means.

E step (``log_gaussian_prob``): log N(x | mu, Sigma) through the Cholesky factor of the
precision, as scikit-learn parameterizes it (``precisions_cholesky_``). With Sigma = L L^T
(L lower) let U = L^{-T} (upper); then Sigma^{-1} = U U^T, so

    (x - mu)^T Sigma^{-1} (x - mu) = ||x^T U - mu^T U||^2,   log det Sigma^{-1} = 2 sum_j log U_jj,
    log N(x | mu, Sigma) = -(d/2) log(2 pi) - (1/2) ||x^T U - mu^T U||^2 + sum_j log U_jj.

No inverse of Sigma and no determinant is ever formed; U = L^{-T} comes from
``xp.linalg.inv`` of the triangular factor (the standard has no triangular solve).
For ``diag`` and ``spherical`` U is 1/sigma elementwise.
"""

from __future__ import annotations

import math

from ... import backend
from ...backend import device_of, to_numpy

__all__ = [
    "weighted_moments",
    "estimate_gaussian_parameters",
    "precision_cholesky",
    "precision_cholesky_from_precisions",
    "precisions_from_cholesky",
    "covariances_from_precisions",
    "log_gaussian_prob",
]

_ILL_DEFINED = (
    "{owner}: a component has an ill-defined covariance (not positive definite), "
    "e.g. it collapsed on a single point or on duplicate points; increase {reg_name} "
    "(now {reg}), decrease n_components, or scale the input data"
)


# ----------------------------------------------------------------------------------------
# M step: weighted Gaussian estimates
# ----------------------------------------------------------------------------------------


def weighted_moments(X, resp, N_k, means=None, diagonal: bool = False):
    r"""Weighted means and scatter matrices of the rows of X, one per column of ``resp``.

        mu_k = (1/N_k) sum_i r_ik x_i,
        S_k  = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T = Y_k^T Y_k,   Y_k = sqrt(r_.k) (X - mu_k),

    so Sigma_k = S_k / N_k is the weighted covariance. S_k comes from the centered
    differences, not as E[x x^T] - mu mu^T (which cancels catastrophically when a
    component is narrow compared with its distance from the origin): one (K, n, d)
    temporary, scaled in place, and one batched matmul.

    Parameters
    ----------
    X : array, shape (n, d)
    resp : array, shape (n, K)
        Non-negative weights (responsibilities, or HMM state posteriors).
    N_k : array, shape (K,)
        Positive normalizers, sum_i r_ik with the caller's floor for an empty component.
    means : array, shape (K, d), optional
        Take the scatter around these (returned unchanged) instead of the weighted means.
    diagonal : bool
        Return only the diagonals of S_k.

    Returns
    -------
    means : array, shape (K, d)
    S : array, shape (K, d, d), exactly symmetric; or (K, d) with ``diagonal``.
    """
    xp = backend.namespace(X, resp)
    if means is None:
        means = xp.matmul(xp.matrix_transpose(resp), X) / N_k[:, None]  # (K, d)
    Y = X[None, :, :] - means[:, None, :]  # (K, n, d)
    Y *= xp.sqrt(xp.matrix_transpose(resp))[:, :, None]
    if diagonal:
        return means, xp.sum(Y * Y, axis=1)
    S = xp.matmul(xp.matrix_transpose(Y), Y)  # (K, d, d)
    return means, (S + xp.matrix_transpose(S)) / 2  # exact symmetry whatever the BLAS did


def estimate_gaussian_parameters(X, resp, reg_covar: float, covariance_type: str):
    r"""The M-step estimates N_k, mu_k, Sigma_k from responsibilities.

    N_k = sum_i r_ik + 10 eps (the floor keeps an empty component finite: its mean is 0/N_k
    = 0 and its covariance reg_covar I), mu_k = (1/N_k) sum_i r_ik x_i, and
    Sigma_k = (1/N_k) sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T + reg_covar I, computed from the
    centered differences (not as E[x x^T] - mu mu^T, which cancels catastrophically when
    a component is narrow compared with its distance from the origin).

    Parameters
    ----------
    X : array, shape (n, d)
    resp : array, shape (n, K)
        Responsibilities, rows summing to one.
    reg_covar : float
        Added to the diagonal of every covariance.
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    N_k : array, shape (K,)
    means : array, shape (K, d)
    covariances : array
        (K, d, d) full, (d, d) tied, (K, d) diag, (K,) spherical.
    """
    xp = backend.namespace(X, resp)
    d = X.shape[1]
    N_k = xp.sum(resp, axis=0) + 10 * xp.finfo(resp.dtype).eps  # (K,)
    full = covariance_type in ("full", "tied")
    means, scatter = weighted_moments(X, resp, N_k, diagonal=not full)
    if full:
        eye = xp.eye(d, dtype=X.dtype, device=device_of(X))
        if covariance_type == "full":
            return N_k, means, scatter / N_k[:, None, None] + reg_covar * eye
        return N_k, means, xp.sum(scatter, axis=0) / xp.sum(N_k) + reg_covar * eye
    var = scatter / N_k[:, None] + reg_covar  # (K, d)
    if covariance_type == "diag":
        return N_k, means, var
    return N_k, means, xp.mean(var, axis=1)


def precision_cholesky(
    covariances,
    covariance_type: str,
    reg_covar: float = 0.0,
    *,
    owner: str = "GaussianMixture",
    reg_name: str = "reg_covar",
    check: bool = True,
):
    r"""U with Sigma^{-1} = U U^T: U = L^{-T} where Sigma = L L^T (``full``, ``tied``),
    1/sqrt(sigma^2) elementwise (``diag``, ``spherical``).

    ``owner`` and ``reg_name`` (the regularizer and its value ``reg_covar``) go into the
    error message. ``check=False`` skips the host-side checks (a caller that has already
    validated its covariances saves one device synchronization per call).

    Raises
    ------
    ValueError
        When a covariance is not positive definite (the factorization fails or is not
        finite), naming the regularizer as the remedy.
    """
    xp = backend.namespace(covariances)
    message = _ILL_DEFINED.format(owner=owner, reg_name=reg_name, reg=reg_covar)
    if covariance_type in ("full", "tied"):
        try:
            L = xp.linalg.cholesky(covariances)
        except Exception as e:  # noqa: BLE001 - each library raises its own LinAlgError
            raise ValueError(message) from e
        U = xp.matrix_transpose(xp.linalg.inv(L))  # L^{-T}, upper triangular
        # one host scalar: some libraries (cupy) return NaN instead of raising
        if check and not bool(to_numpy(xp.all(xp.isfinite(U)))):
            raise ValueError(message)
        return U
    # one host scalar: refuse a non-positive variance before taking its square root
    if check and not bool(to_numpy(xp.all(covariances > 0))):
        raise ValueError(message)
    return 1.0 / xp.sqrt(covariances)


def precision_cholesky_from_precisions(precisions, covariance_type: str):
    r"""The upper factor U with P = U U^T of given precisions P (scikit-learn's layout).

    With J the exchange matrix (J = J^T = J^{-1}, flipping rows or columns), the lower
    Cholesky factor of J P J = M M^T gives P = (J M J)(J M J)^T, and J M J is upper.
    """
    xp = backend.namespace(precisions)
    if covariance_type in ("full", "tied"):
        flipped = xp.flip(precisions, axis=(-2, -1))
        return xp.flip(xp.linalg.cholesky(flipped), axis=(-2, -1))
    return xp.sqrt(precisions)


# ----------------------------------------------------------------------------------------
# E step: log densities and responsibilities
# ----------------------------------------------------------------------------------------


def log_gaussian_prob(X, means, prec_chol, covariance_type: str):
    r"""log N(x_i | mu_k, Sigma_k) for every sample and component, shape (n, K).

    log N = -(d/2) log(2 pi) - (1/2) ||(x_i - mu_k)^T U_k||^2 + log det U_k, with
    log det U_k = sum_j log (U_k)_jj (triangular), for diag sum_j log u_kj and for
    spherical d log u_k.
    """
    xp = backend.namespace(X, means, prec_chol)
    n, d = X.shape
    K = means.shape[0]
    if covariance_type == "full":
        log_det = xp.sum(xp.log(xp.linalg.diagonal(prec_chol)), axis=-1)  # (K,)
        U_side_by_side = xp.reshape(xp.permute_dims(prec_chol, (1, 0, 2)), (d, K * d))
        muU = xp.matmul(means[:, None, :], prec_chol)  # (K, 1, d): mu_k^T U_k
        y = xp.matmul(X, U_side_by_side)  # (n, K d): x_i^T U_k side by side
        y -= xp.reshape(muU, (1, K * d))
    elif covariance_type == "tied":
        log_det = xp.sum(xp.log(xp.linalg.diagonal(prec_chol)))
        y = xp.matmul(X, prec_chol)[:, None, :] - xp.matmul(means, prec_chol)[None, :, :]
    elif covariance_type == "diag":
        log_det = xp.sum(xp.log(prec_chol), axis=1)  # (K,)
        y = X[:, None, :] - means[None, :, :]
        y *= prec_chol[None, :, :]
    else:
        log_det = d * xp.log(prec_chol)  # (K,)
        y = X[:, None, :] - means[None, :, :]
        y *= prec_chol[None, :, None]
    y *= y  # in place: the (n, K, d) temporaries are the memory traffic of the E step
    mahalanobis = xp.sum(xp.reshape(y, (n, K, d)), axis=2)  # (n, K)
    return -0.5 * (d * math.log(2 * math.pi) + mahalanobis) + log_det


def precisions_from_cholesky(prec_chol, covariance_type: str):
    """P = U U^T (full, tied) or u^2 (diag, spherical)."""
    xp = backend.namespace(prec_chol)
    if covariance_type in ("full", "tied"):
        return xp.matmul(prec_chol, xp.matrix_transpose(prec_chol))
    return prec_chol**2


def covariances_from_precisions(precisions, covariance_type: str):
    """Sigma = P^{-1} (full, tied) or 1/p (diag, spherical)."""
    xp = backend.namespace(precisions)
    if covariance_type in ("full", "tied"):
        return xp.linalg.inv(precisions)
    return 1.0 / precisions
