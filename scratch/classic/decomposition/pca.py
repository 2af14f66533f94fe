r"""Principal component analysis: the directions of largest variance.

For centered data Xc = X - mu (n samples, d features) the sample covariance is
C = Xc^T Xc / (n - 1). The first principal direction maximizes the variance of the
projection, max_{||w|| = 1} w^T C w; with a Lagrange multiplier the stationarity
condition is C w = lambda w, and the variance reached is lambda itself. So the
components are the eigenvectors of C ordered by eigenvalue, and the k-th explained
variance is the k-th largest eigenvalue lambda_k.

Two ways to the same answer:

* ``solver='eigh'``: C = V diag(lambda) V^T by the symmetric eigendecomposition
  (a d x d problem: cheap when n >> d; forming C squares the condition number).
* ``solver='svd'``: Xc = U diag(s) V^T by the thin SVD; then
  C = V diag(s^2 / (n - 1)) V^T, so the right singular vectors are the components and
  lambda_k = s_k^2 / (n - 1) (works on Xc directly, the numerically gentler path).

Sign convention (eigenvectors are defined up to sign): each component is flipped so
that its entry of largest absolute value is positive. This is scikit-learn's
``svd_flip(u_based_decision=False)``, so both solvers and scikit-learn agree exactly.

Transform: z = (x - mu) V_k (the coordinates along the first k components); with
``whiten=True`` each coordinate is divided by sqrt(lambda_k), so the scores have unit
sample variance. Inverse: x = z V_k^T + mu (times sqrt(lambda_k) first when whitened);
with k = min(n, d) it recovers x exactly. noise_variance_ is the mean of the discarded
eigenvalues (the probabilistic-PCA noise estimate, Tipping & Bishop 1999).

Rank-deficient data (rank r < min(n, d): collinear or constant features, n <= d):
the trailing eigenvalues are 0 up to rounding and are clipped at 0 (C is PSD), so
explained_variance_ is finite and >= 0; their components are some orthonormal basis of
the null space (any one is correct), and the first r components, scores and the
reconstruction are unaffected. Constant data (trace C = 0) has every ratio 0, not 0/0;
whitening divides by max(sqrt(lambda_k), eps), so a zero-variance direction scores 0
(scikit-learn's floor) instead of inf.
"""

from __future__ import annotations

from typing import Any, Literal

from ... import backend
from ...mathx import covariance
from ...validation import check_array, check_is_fitted, check_n_features, check_same_backend
from .._base import BaseEstimator, TransformerMixin

__all__ = ["PCA", "flip_signs"]


def flip_signs(V: Any):
    """Flip each row of V (k, d) so its entry of largest |.| is positive."""
    xp = backend.namespace(V)
    j = xp.argmax(xp.abs(V), axis=1)
    pivot = xp.take_along_axis(V, j[:, None], axis=1)
    return V * (1.0 - 2.0 * xp.astype(pivot < 0, V.dtype))  # -1 where the pivot is negative


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis by the covariance eigendecomposition or the SVD.

    Parameters
    ----------
    n_components : int, float or None
        int k: keep k components (1 <= k <= min(n_samples, n_features));
        float in (0, 1): the fewest components whose explained variance ratio sums to
        at least this fraction; None: min(n_samples, n_features).
    whiten : bool
        Scale the scores to unit variance (divide by sqrt(explained_variance_)).
    solver : {"eigh", "svd"}
        eigh of the covariance matrix, or SVD of the centered data.

    Attributes
    ----------
    components_ : (k, d) principal axes (rows), orthonormal, sign convention above.
    explained_variance_ : (k,) eigenvalues of C (ddof = 1), descending.
    explained_variance_ratio_ : (k,) explained_variance_ / trace(C).
    singular_values_ : (k,) singular values of Xc, s_k = sqrt((n - 1) lambda_k).
    mean_ : (d,) feature means.
    n_components_ : int.
    noise_variance_ : float, mean of the discarded eigenvalues (0.0 if none).
    n_samples_, n_features_in_ : ints.
    """

    def __init__(
        self,
        n_components: int | float | None = None,
        whiten: bool = False,
        solver: Literal["eigh", "svd"] = "eigh",
    ):
        self.n_components = n_components
        self.whiten = whiten
        self.solver = solver

    def _check_params(self, n: int, d: int) -> None:
        if self.solver not in ("eigh", "svd"):
            raise ValueError(f"solver must be 'eigh' or 'svd', got {self.solver!r}")
        k = self.n_components
        r = min(n, d)
        if k is None:
            return
        if isinstance(k, bool) or not isinstance(k, (int, float)):
            raise TypeError(f"n_components must be an int, a float in (0, 1) or None, got {k!r}")
        if isinstance(k, int) and not 1 <= k <= r:
            raise ValueError(
                f"n_components must be between 1 and min(n_samples, n_features) = {r}, got {k}"
            )
        if isinstance(k, float) and not 0.0 < k < 1.0:
            raise ValueError(f"a float n_components must lie in (0, 1), got {k}")

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Learn the mean and the principal axes of X (n, d); y is ignored.

        Parameters
        ----------
        X : array, shape (n, d)
            Training samples, n >= 2.
        y : None
            Ignored; present for the scikit-learn fit(X, y) convention.

        Returns
        -------
        self : PCA
            The fitted estimator.
        """
        self._fit(X)
        return self

    def _fit(self, X: Any):
        X = check_array(X, name="X", min_samples=2)
        xp = backend.namespace(X)
        n, d = X.shape
        self._check_params(n, d)
        r = min(n, d)
        mu = xp.mean(X, axis=0)
        if self.solver == "eigh":
            # C = Xc^T Xc / (n - 1), exactly symmetric; formed and diagonalized before Xc
            # below, so one (n, d) temporary is alive at a time (measured on NumPy,
            # n=2000, d=128: with our Xc held while covariance's was freed, the whole fit
            # took 20 ms instead of 1.9 ms, nearly all of it in eigh: an allocator effect)
            C = covariance(X, ddof=1)
            lam, V = xp.linalg.eigh(C)
            lam = xp.flip(lam)[:r]  # eigh is ascending; we want the largest first
            V = xp.flip(V, axis=1)[:, :r]
            lam = xp.maximum(lam, 0.0)  # C is PSD: tiny negatives are rounding
            Vt = flip_signs(xp.matrix_transpose(V))
            s = xp.sqrt(lam * (n - 1))
            total = xp.sum(xp.linalg.diagonal(C))
            Xc = None  # fit alone never needs it; fit_transform centres X itself
        else:
            Xc = X - mu
            _, s, Vt = xp.linalg.svd(Xc, full_matrices=False)
            Vt = flip_signs(Vt)
            lam = s * s / (n - 1)
            total = xp.sum(Xc * Xc) / (n - 1)  # trace(C)
        # constant data has trace(C) = 0: every ratio is then 0, not 0/0
        ratio = lam / xp.where(total > 0, total, 1.0)
        k = self._n_kept(ratio, r)
        self.mean_ = mu
        self.components_ = Vt[:k, :]
        self.explained_variance_ = lam[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = s[:k]
        self.n_components_ = k
        self.n_samples_ = n
        self.n_features_in_ = d
        # a Python float, as scikit-learn's (one host scalar)
        self.noise_variance_ = float(backend.to_numpy(xp.mean(lam[k:]))) if k < r else 0.0
        return X, Xc

    def _n_kept(self, ratio: Any, r: int) -> int:
        k = self.n_components
        if k is None:
            return r
        if isinstance(k, int):
            return k
        xp = backend.namespace(ratio)
        cum = xp.cumulative_sum(ratio)
        # one host decision: how many components reach the requested variance fraction
        reached = int(backend.to_numpy(xp.sum(xp.astype(cum < k, xp.int64))))
        return min(reached + 1, r)

    def transform(self, X: Any):
        """Scores Z = (X - mu) V_k, shape (n, k); divided by sqrt(lambda_k) when whitened.

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        Z : array, shape (n, k)
            The scores on the n_components_ = k principal axes.
        """
        check_is_fitted(self, "components_")
        check_same_backend(self, X, self.components_)
        X = check_array(X, name="X", like=self.components_)
        check_n_features(self, X)
        xp = backend.namespace(X)
        Z = xp.matmul(X - self.mean_, xp.matrix_transpose(self.components_))
        if self.whiten:
            Z = Z / self._scale()
        return Z

    def _scale(self):
        """sqrt(lambda_k), floored at the dtype's eps: a zero-variance direction whitens to 0."""
        xp = backend.namespace(self.explained_variance_)
        eps = xp.finfo(self.explained_variance_.dtype).eps
        return xp.maximum(xp.sqrt(self.explained_variance_), eps)

    def fit_transform(self, X: Any, y: Any = None):
        """fit(X) then transform(X), reusing the centered data.

        Parameters
        ----------
        X : array, shape (n, d)
            Training samples, n >= 2.
        y : None
            Ignored; present for the scikit-learn fit_transform(X, y) convention.

        Returns
        -------
        Z : array, shape (n, k)
            The scores of the training samples, as transform(X) after fit(X).
        """
        X, Xc = self._fit(X)
        xp = backend.namespace(X)
        if Xc is None:
            Xc = X - self.mean_
        Z = xp.matmul(Xc, xp.matrix_transpose(self.components_))
        if self.whiten:
            Z = Z / self._scale()
        return Z

    def inverse_transform(self, Z: Any):
        """X = Z V_k^T + mu (Z times sqrt(lambda_k) first when whitened), shape (n, d).

        Parameters
        ----------
        Z : array, shape (n, k)
            Scores with k = n_components_ columns.

        Returns
        -------
        X : array, shape (n, d)
            The reconstruction in feature space: the projection of the original X onto the
            span of the kept axes (exact when k = min(n_samples, n_features)).
        """
        check_is_fitted(self, "components_")
        check_same_backend(self, Z, self.components_, name="Z")
        Z = check_array(Z, name="Z", like=self.components_)
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but this PCA keeps {self.n_components_} components"
            )
        xp = backend.namespace(Z)
        if self.whiten:
            Z = Z * self._scale()
        return xp.matmul(Z, self.components_) + self.mean_
