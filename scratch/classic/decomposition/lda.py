r"""Linear discriminant analysis: Fisher's directions and the shared-covariance classifier.

Scatter matrices. For K classes with means mu_k, priors pi_k (default: the class
frequencies n_k / n) and mu = sum_k pi_k mu_k,

    S_w = sum_k pi_k Sigma_k,   Sigma_k = (1/n_k) sum_{i in k} (x_i - mu_k)(x_i - mu_k)^T,
    S_b = sum_k pi_k (mu_k - mu)(mu_k - mu)^T        (rank <= K - 1).

With the class frequencies as priors, S_w + S_b = S_t, the total (ddof = 0) covariance.

Fisher's criterion. A direction w separates the classes well when the projected class
means lie far apart relative to the spread inside each class:

    J(w) = (w^T S_b w) / (w^T S_w w).

J is scale-invariant; setting its gradient to zero gives
(w^T S_w w) S_b w = (w^T S_b w) S_w w, i.e. the generalized eigenproblem
S_b w = lambda S_w w with lambda = J(w). The best direction is the top eigenvector,
the next ones maximize J subject to S_w-orthogonality, and at most K - 1 eigenvalues
are non-zero. For two classes S_b = pi_0 pi_1 (mu_1 - mu_0)(mu_1 - mu_0)^T, so
S_b w is always along mu_1 - mu_0 and the closed form is w ~ S_w^-1 (mu_1 - mu_0).

Solving S_b w = lambda S_w w with symmetric tools only: factor S_w = L L^T (Cholesky),
substitute w = L^-T u:  L^-1 S_b L^-T u = lambda u, an ordinary symmetric eigenproblem
(eigh). The directions W = L^-T U satisfy W^T S_w W = I (scipy's normalization of
eigh(S_b, S_w), which scikit-learn's solver='eigen' uses) and W W^T = S_w^-1.
Each direction's sign is fixed so its entry of largest |.| is positive.

Classifier. With Gaussian classes N(mu_k, S_w) sharing one covariance, Bayes' rule
gives the linear discriminants

    delta_k(x) = x^T S_w^-1 mu_k - (1/2) mu_k^T S_w^-1 mu_k + log pi_k,
    P(k | x) = softmax_k delta_k(x),

with S_w^-1 = W W^T from the eigen-solution (coef_ = M W W^T, M the class means).
``reg_covar`` adds reg_covar * I to S_w, for data whose S_w is singular (constant
features, collinear features, fewer samples than features).

Singular S_w. Then the Cholesky factor does not exist (the criterion J is unbounded
along a direction with w^T S_w w = 0) and ``fit`` raises a ValueError that names
reg_covar, never a NaN. With reg_covar = epsilon > 0, S_w + epsilon I is positive
definite, every eigenvalue of it >= epsilon, so W, coef_ and the posteriors are finite;
a direction of zero within-class spread is then scaled by 1/sqrt(epsilon) in
``transform`` (large, finite), as in ridge-regularized LDA (Friedman 1989).
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...validation import (
    check_array,
    check_is_fitted,
    check_labels,
    check_n_features,
    check_positive,
    check_same_backend,
)
from .._base import BaseEstimator, ClassifierMixin, TransformerMixin
from .._labels import decode_classes, encode_classes
from .pca import flip_signs

__all__ = ["LinearDiscriminantAnalysis", "fisher_criterion", "scatter_matrices"]

# |sum(priors) - 1| allowed: priors typed in with ~8 significant digits, or normalized in
# float64 (error ~1e-16 K), pass; a vector that is visibly not a distribution does not
PRIORS_ATOL = 1e-8


def _one_hot(y: Any, X: Any):
    """classes (K,), the one-hot matrix Y (n, K) in X's dtype, and the counts n_k (K,)."""
    xp = backend.namespace(X)
    classes = xp.unique_values(y)
    Y = xp.astype(y[:, None] == classes[None, :], X.dtype)
    return classes, Y, xp.sum(Y, axis=0)


def scatter_matrices(X: Any, y: Any, priors: Any = None):
    """(S_w, S_b, means, priors) of labelled data, as defined in the module docstring.

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,), at least two classes
    priors : array, shape (K,), optional (default: class frequencies)

    Returns
    -------
    S_w (d, d), S_b (d, d), means (K, d), priors (K,)
    """
    X = check_array(X, name="X", min_samples=2)
    y = check_labels(y, X.shape[0], like=X)
    xp = backend.namespace(X)
    classes, Y, n_k = _one_hot(y, X)
    if classes.shape[0] < 2:
        raise ValueError(f"y must contain at least two classes, got {classes.shape[0]}")
    M = xp.matmul(xp.matrix_transpose(Y), X) / n_k[:, None]  # class means (K, d)
    pi = n_k / X.shape[0] if priors is None else priors
    R = X - xp.matmul(Y, M)  # each sample minus its class mean
    # S_w = sum_k pi_k / n_k * sum_{i in k} r_i r_i^T: weight each residual by pi_k / n_k
    w = xp.matmul(Y, pi / n_k)
    S_w = xp.matmul(xp.matrix_transpose(R * w[:, None]), R)
    mu = xp.matmul(pi, M)
    D = M - mu
    S_b = xp.matmul(xp.matrix_transpose(D * pi[:, None]), D)
    sym = xp.matrix_transpose
    return (S_w + sym(S_w)) / 2, (S_b + sym(S_b)) / 2, M, pi


def fisher_criterion(w: Any, X: Any, y: Any):
    """Fisher's J(w) = (w^T S_b w) / (w^T S_w w) for one direction (d,) or several (d, m).

    Returns
    -------
    array, shape () or (m,)
    """
    X = check_array(X, name="X", min_samples=2)
    w = check_array(w, name="w", ndim=(1, 2), like=X)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have {X.shape[1]} rows (one per feature), got {w.shape[0]}")
    S_w, S_b, _, _ = scatter_matrices(X, y)
    xp = backend.namespace(X)
    W = w[:, None] if w.ndim == 1 else w
    num = xp.sum(W * xp.matmul(S_b, W), axis=0)
    den = xp.sum(W * xp.matmul(S_w, W), axis=0)
    J = num / den
    return J[0] if w.ndim == 1 else J


class LinearDiscriminantAnalysis(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Fisher's linear discriminant: supervised projection and Gaussian classifier.

    Parameters
    ----------
    n_components : int, optional
        Directions kept by ``transform`` (1 <= n_components <= min(K - 1, d));
        default min(K - 1, d).
    priors : array of shape (K,), optional
        Class priors pi_k (positive, summing to one); default the class frequencies.
    reg_covar : float
        Added to the diagonal of S_w (>= 0; default 0, scikit-learn's solver='eigen').

    Attributes
    ----------
    classes_ (K,), means_ (K, d), priors_ (K,), covariance_ (d, d) = S_w,
    scalings_ (d, d) the generalized eigenvectors by decreasing eigenvalue,
    explained_variance_ratio_ (n_components_,), coef_ (K, d), intercept_ (K,),
    n_components_, n_features_in_.
    """

    def __init__(self, n_components: int | None = None, priors: Any = None, reg_covar: float = 0.0):
        self.n_components = n_components
        self.priors = priors
        self.reg_covar = reg_covar

    def fit(self, X: Any, y: Any) -> LinearDiscriminantAnalysis:
        """Learn the class means, S_w, S_b and the discriminant directions.

        Parameters
        ----------
        X : array, shape (n, d)
            Training samples, n >= 2.
        y : array, shape (n,)
            Class labels (at least two distinct classes).

        Returns
        -------
        self : LinearDiscriminantAnalysis
            The fitted estimator.
        """
        X = check_array(X, name="X", min_samples=2)
        labels, y = encode_classes(y, X.shape[0], like=X)  # y: class indices 0..K-1
        check_positive(self.reg_covar, "reg_covar", strict=False)
        xp = backend.namespace(X)
        d = X.shape[1]
        K = labels.shape[0]
        if K < 2:
            raise ValueError(f"y must contain at least two classes, got {K}")
        max_components = min(K - 1, d)
        k = self.n_components
        if k is None:
            k = max_components
        elif isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max_components:
            raise ValueError(
                f"n_components must be an int between 1 and min(n_classes - 1, n_features) "
                f"= {max_components}, got {k!r}"
            )
        priors = None
        if self.priors is not None:
            priors = xp.astype(check_array(self.priors, name="priors", ndim=1, like=X), X.dtype)
            if priors.shape[0] != K:
                raise ValueError(f"priors must have one entry per class ({K}), got {priors.shape}")
            # one host decision: priors must be a probability vector
            ok = xp.all(priors > 0) & (xp.abs(xp.sum(priors) - 1.0) < PRIORS_ATOL)
            if not bool(backend.to_numpy(ok)):
                raise ValueError(
                    "priors must be positive and sum to one, got "
                    f"{backend.to_numpy(priors).tolist()} (sum "
                    f"{float(backend.to_numpy(xp.sum(priors)))!r})"
                )
        S_w, S_b, M, pi = scatter_matrices(X, y, priors)
        dev = backend.device_of(X)
        if self.reg_covar > 0:
            S_w = S_w + self.reg_covar * xp.eye(d, dtype=X.dtype, device=dev)
        lam, W = self._generalized_eigh(S_b, S_w)
        self.classes_ = labels
        self.means_ = M
        self.priors_ = pi
        self.covariance_ = S_w
        self.scalings_ = W
        self.explained_variance_ratio_ = (lam / xp.sum(lam))[:k]
        self.coef_ = xp.matmul(M, xp.matmul(W, xp.matrix_transpose(W)))  # M S_w^-1
        self.intercept_ = -0.5 * xp.sum(M * self.coef_, axis=1) + xp.log(pi)
        self.n_components_ = k
        self.n_features_in_ = d
        return self

    @staticmethod
    def _generalized_eigh(S_b: Any, S_w: Any):
        """S_b w = lambda S_w w via S_w = L L^T and eigh(L^-1 S_b L^-T); lambda descending."""
        xp = backend.namespace(S_b, S_w)
        try:
            L = xp.linalg.cholesky(S_w)
            ok = bool(backend.to_numpy(xp.all(xp.isfinite(L))))  # CuPy returns NaN, no error
        except Exception:  # noqa: BLE001 - each library raises its own LinAlgError
            ok = False
        if not ok:
            raise ValueError(
                "the within-class scatter S_w is singular (constant features, or fewer samples "
                "than features): pass reg_covar > 0 to regularize it"
            )
        L_inv = xp.linalg.inv(L)
        A = xp.matmul(xp.matmul(L_inv, S_b), xp.matrix_transpose(L_inv))
        lam, U = xp.linalg.eigh((A + xp.matrix_transpose(A)) / 2)
        lam, U = xp.flip(lam), xp.flip(U, axis=1)
        W = xp.matmul(xp.matrix_transpose(L_inv), U)
        W = xp.matrix_transpose(flip_signs(xp.matrix_transpose(W)))
        return lam, W

    def _validate(self, X: Any):
        check_is_fitted(self, "scalings_")
        check_same_backend(self, X, self.scalings_)
        X = check_array(X, name="X", like=self.scalings_)
        check_n_features(self, X)
        return X

    def transform(self, X: Any):
        """Project onto the first n_components_ directions: X W_k, shape (n, k).

        As scikit-learn's solver='eigen', X is not centered first.

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        Z : array, shape (n, k)
            The projections onto the k = n_components_ leading directions.
        """
        X = self._validate(X)
        xp = backend.namespace(X)
        return xp.matmul(X, self.scalings_[:, : self.n_components_])

    def fit_transform(self, X: Any, y: Any):
        return self.fit(X, y).transform(X)

    def _scores(self, X: Any):
        """delta_k(x) for every class, shape (n, K)."""
        xp = backend.namespace(X)
        return xp.matmul(X, xp.matrix_transpose(self.coef_)) + self.intercept_

    def decision_function(self, X: Any):
        """delta_k(x), shape (n, K); for two classes delta_1 - delta_0, shape (n,).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        scores : array, shape (n, K), or (n,) for K = 2
            The linear discriminants delta_k(x_i), or delta_1 - delta_0 for two classes.
        """
        S = self._scores(self._validate(X))
        return S[:, 1] - S[:, 0] if S.shape[1] == 2 else S

    def predict_log_proba(self, X: Any):
        """log P(k | x) = delta_k(x) - logsumexp_j delta_j(x), shape (n, K).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        log_proba : array, shape (n, K)
            Log posteriors, columns in the order of classes_.
        """
        S = self._scores(self._validate(X))
        return S - backend.logsumexp(S, axis=1, keepdims=True)

    def predict_proba(self, X: Any):
        """P(k | x) = softmax_k delta_k(x), shape (n, K).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        proba : array, shape (n, K)
            Posteriors, each row summing to one, columns in the order of classes_.
        """
        log_p = self.predict_log_proba(X)
        return backend.namespace(log_p).exp(log_p)

    def predict(self, X: Any):
        """The class of largest posterior, shape (n,).

        Parameters
        ----------
        X : array, shape (n, d)
            Samples with the fitted number of features d.

        Returns
        -------
        y_pred : array, shape (n,)
            classes_[argmax_k delta_k(x_i)], the labels as given to fit.
        """
        S = self._scores(self._validate(X))
        xp = backend.namespace(S)
        return decode_classes(self.classes_, xp.argmax(S, axis=1))
