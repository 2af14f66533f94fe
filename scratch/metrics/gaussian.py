r"""KL divergence between two multivariate Gaussians, in closed form.

For N0 = N(mu0, S0) and N1 = N(mu1, S1) in k dimensions, the log density is

    ln p_j(x) = -k/2 ln(2 pi) - 1/2 ln det S_j - 1/2 (x - mu_j)^T S_j^-1 (x - mu_j).

KL(N0 || N1) = E_0[ln p0(x) - ln p1(x)] needs two expectations under x ~ N0. With
E_0[(x - mu0)(x - mu0)^T] = S0 and the trace trick a^T B a = tr(B a a^T):

    E_0[(x - mu0)^T S0^-1 (x - mu0)] = tr(S0^-1 S0) = k,
    E_0[(x - mu1)^T S1^-1 (x - mu1)] = tr(S1^-1 S0) + (mu1 - mu0)^T S1^-1 (mu1 - mu0),

(write x - mu1 = (x - mu0) + (mu0 - mu1); the cross term has mean zero). Hence

    KL(N0 || N1) = 1/2 [ tr(S1^-1 S0)                          (trace term)
                       + (mu1 - mu0)^T S1^-1 (mu1 - mu0)       (Mahalanobis term)
                       + ln(det S1 / det S0)                   (log-determinant ratio)
                       - k ].

Numerical form (Cholesky, no inverse): with S_j = L_j L_j^T and M = L1^-1 L0 (lower
triangular, diagonal m_ii = (L0)_ii / (L1)_ii), z = L1^-1 (mu1 - mu0):

    tr(S1^-1 S0) = ||M||_F^2,   Mahalanobis = ||z||^2,   ln(det S1 / det S0) = -sum_i ln m_ii^2,

so  KL = 1/2 [ sum_i (m_ii^2 - 1 - ln m_ii^2) + sum_{i > j} M_ij^2 + ||z||^2 ].
Every term is >= 0 (x - 1 - ln x >= 0 for x > 0), so the computed KL is never negative,
and it is exactly 0 for equal distributions (M = I exactly, see ``solve_lower``).

Diagonal covariances S_j = diag(v_j) reduce it to a sum over coordinates with r = v0 / v1:

    KL = 1/2 sum_i [ r_i - 1 - ln r_i + (mu1_i - mu0_i)^2 / v1_i ],

which is also the VAE's KL term against the prior N(0, I) (v1 = 1, mu1 = 0). That path
takes ``scratch.autograd.Tensor`` inputs too and is then differentiable.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor
from ..validation import check_array
from ._linalg import cholesky, solve_lower

__all__ = ["kl_gaussian"]

_ANY_NDIM = tuple(range(1, 33))


def _broadcast_shapes(named: list[tuple[str, tuple[int, ...]]]) -> tuple[int, ...]:
    """NumPy's broadcasting of the batch shapes, with an error naming the arguments."""
    out: list[int] = []
    for name, shape in named:
        ours, theirs = out[::-1], list(shape)[::-1]
        merged = []
        for i in range(max(len(ours), len(theirs))):
            a = ours[i] if i < len(ours) else 1
            b = theirs[i] if i < len(theirs) else 1
            if a != b and 1 not in (a, b):
                shapes = ", ".join(f"{n} {s}" for n, s in named)
                raise ValueError(f"the batch shapes do not broadcast ({name} differs): {shapes}")
            merged.append(b if a == 1 else a)
        out = merged[::-1]
    return tuple(out)


def _kind(mu: Any, cov: Any, mu_name: str, cov_name: str) -> str:
    """Whether cov holds variances (..., k) ("diag") or matrices (..., k, k) ("full")."""
    k = mu.shape[-1]
    if cov.ndim == mu.ndim and cov.shape[-1] == k:
        return "diag"
    if cov.ndim == mu.ndim + 1 and tuple(cov.shape[-2:]) == (k, k):
        return "full"
    raise ValueError(
        f"{cov_name} must hold variances of shape (..., {k}) with {mu_name}'s number of "
        f"axes ({mu.ndim}), or covariance matrices (..., {k}, {k}) with one axis more; "
        f"got {cov_name} of shape {tuple(cov.shape)} for {mu_name} of shape {tuple(mu.shape)}"
    )


def _diag_kl(mu0, v0, mu1, v1, log, sum_last, clip0):
    """1/2 sum_i [r_i - 1 - ln r_i + (mu1_i - mu0_i)^2 / v1_i], r = v0 / v1."""
    r = v0 / v1
    d = mu1 - mu0
    return 0.5 * sum_last(clip0(r - 1.0 - log(r)) + d * d / v1)


def kl_gaussian(mu0: Any, cov0: Any, mu1: Any, cov1: Any):
    r"""KL(N(mu0, cov0) || N(mu1, cov1)) in closed form (derivation in the module docstring).

    Parameters
    ----------
    mu0 : array, shape (..., k)
        The mean of N0.
    cov0 : array, shape (..., k, k) or (..., k)
        N0's covariance matrix (symmetric positive definite), or the variances (positive)
        of a diagonal covariance: a covariance with one axis more than its mean is a
        matrix, one with as many axes as its mean holds variances. Either distribution
        may be diagonal while the other is full.
    mu1 : array, shape (..., k)
        The mean of N1.
    cov1 : array, shape (..., k, k) or (..., k)
        N1's covariance, as cov0. Leading (batch) axes of all four broadcast together.
        The diagonal case (both diagonal) also takes ``scratch.autograd.Tensor``s and
        returns a differentiable Tensor (the VAE's KL term).

    Returns
    -------
    array, shape (...)
        The batch of divergences (0-d for single distributions), on the inputs' backend;
        >= 0, and exactly 0 where the two distributions are equal. Nearly singular
        covariances (eigenvalues down to 1e-12 of the largest) give a finite KL >= 0;
        an exactly singular one is a ValueError saying it is not positive definite.

    Raises
    ------
    ValueError
        Naming the argument: mismatched dimensions or batch shapes, a covariance that is
        not symmetric positive definite, variances that are not positive, NaN/inf, empty
        input.
    TypeError
        For a Tensor in the full-covariance case (only the diagonal one differentiates).
    scratch.backend.BackendError
        When the arrays come from different libraries or devices.
    """
    names = ("mu0", "cov0", "mu1", "cov1")
    given = (mu0, cov0, mu1, cov1)
    tensors = any(isinstance(a, Tensor) for a in given)
    raw = [a.data if isinstance(a, Tensor) else a for a in given]
    like = next((a for a in raw if backend.is_array(a)), None)
    for a, n in zip(raw, names):
        if getattr(a, "ndim", None) == 0 or isinstance(a, (int, float)):
            raise ValueError(
                f"{n} must have at least one axis (a mean (..., k), a covariance (..., k, k) "
                f"or variances (..., k)), got a scalar {a!r}"
            )
    mu0_, cov0_, mu1_, cov1_ = (
        check_array(a, name=n, ndim=_ANY_NDIM, like=like) for a, n in zip(raw, names)
    )
    k = mu0_.shape[-1]
    if k < 1:
        raise ValueError(f"mu0 must have at least one dimension k >= 1, got shape {mu0_.shape}")
    if mu1_.shape[-1] != k:
        raise ValueError(
            f"mu0 and mu1 must have the same dimension k, got shapes {tuple(mu0_.shape)} "
            f"and {tuple(mu1_.shape)}"
        )
    kind0 = _kind(mu0_, cov0_, "mu0", "cov0")
    kind1 = _kind(mu1_, cov1_, "mu1", "cov1")
    batch = _broadcast_shapes(
        [
            ("mu0", tuple(mu0_.shape[:-1])),
            ("cov0", tuple(cov0_.shape[: -1 if kind0 == "diag" else -2])),
            ("mu1", tuple(mu1_.shape[:-1])),
            ("cov1", tuple(cov1_.shape[: -1 if kind1 == "diag" else -2])),
        ]
    )
    xp = backend.namespace(mu0_, cov0_, mu1_, cov1_)
    for v, kind, n in ((cov0_, kind0, "cov0"), (cov1_, kind1, "cov1")):
        # one host scalar per argument: a clear error instead of a NaN
        if kind == "diag" and not bool(backend.to_numpy(xp.all(v > 0))):
            raise ValueError(f"{n} holds variances and they must all be > 0")

    if kind0 == kind1 == "diag":
        if tensors:
            t = [a if isinstance(a, Tensor) else Tensor(b) for a, b in zip(given, raw)]
            return _diag_kl(
                t[0], t[1], t[2], t[3],
                lambda a: a.log(),
                lambda a: a.sum(axis=-1),
                lambda a: a.clip(min=0.0),
            )  # fmt: skip
        return _diag_kl(
            mu0_, cov0_, mu1_, cov1_,
            xp.log,
            lambda a: xp.sum(a, axis=-1),
            lambda a: xp.clip(a, min=0.0),
        )  # fmt: skip
    if tensors:
        raise TypeError(
            "kl_gaussian differentiates only the diagonal case (cov0 and cov1 variances); "
            "pass arrays for full covariance matrices"
        )

    def factor(cov, kind, name):
        if kind == "diag":  # chol(diag(v)) = diag(sqrt(v)): no factorization needed
            eye = xp.eye(k, dtype=cov.dtype, device=backend.device_of(cov))
            return xp.sqrt(cov)[..., None] * eye
        return cholesky(cov, name)

    L0 = xp.broadcast_to(factor(cov0_, kind0, "cov0"), batch + (k, k))
    L1 = xp.broadcast_to(factor(cov1_, kind1, "cov1"), batch + (k, k))
    delta = xp.broadcast_to(mu1_ - mu0_, batch + (k,))
    M = solve_lower(L1, xp.concat([L0, delta[..., None]], axis=-1))  # L1^-1 [L0 | delta]
    Mk, z = M[..., :k], M[..., k]
    m = xp.linalg.diagonal(Mk)  # (L0)_ii / (L1)_ii
    idx = xp.arange(k, device=backend.device_of(M))
    below = idx[:, None] > idx[None, :]  # strictly lower triangle
    off2 = xp.sum(xp.where(below, Mk * Mk, 0.0), axis=(-2, -1))
    m2 = m * m
    diag_terms = xp.sum(xp.clip(m2 - 1.0 - xp.log(m2), min=0.0), axis=-1)
    return 0.5 * (diag_terms + off2 + xp.sum(z * z, axis=-1))
