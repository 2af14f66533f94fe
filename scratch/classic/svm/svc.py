r"""Support vector classification (SVC): the soft-margin SVM solved by SMO, one-vs-one.

Binary problem, labels y_t in {-1, +1}: the primal, its Lagrange dual and the SMO
solver are derived in ``scratch.classic.svm.smo``; the kernels in ``scratch.classic.svm.kernels``.
In short, with beta_t = y_t alpha_t,

    primal   P = 1/2 ||w||^2 + C sum_t max(0, 1 - y_t f(x_t)),   f(x) = <w, phi(x)> + b
    dual     D = sum_t alpha_t - 1/2 beta^T K beta,   0 <= alpha_t <= C,  sum_t beta_t = 0
    w = sum_t beta_t phi(x_t),   ||w||^2 = beta^T K beta,   f(x) = sum_t beta_t k(x_t, x) + b.

Only the support vectors (alpha_t > 0) enter f. The duality gap P - D >= 0 closes at the
optimum. Term by term (using sum_t beta_t = 0), P - D = sum_t g_t with
g_t = alpha_t (y_t f_t - 1) + C xi_t, and g_t <= C v_t, where v_t >= 0 is the KKT
violation of sample t (``kkt_violations``). SMO stops when every v_t <= tol, so
0 <= P - D <= C n tol: the gap per sample and per unit of C is at most tol.

Multi-class (libsvm's and scikit-learn's scheme): one binary SVM per pair of classes
(c_a, c_b), a < b, trained on the samples of those two classes with y = +1 for c_a.
``predict`` lets each pair vote (f > 0 -> c_a, else c_b) and returns the class with the
most votes, the lowest class index on ties. ``decision_function`` returns the pair
values (``decision_function_shape='ovo'``, shape (n, k(k-1)/2)) or scikit-learn's
one-vs-rest aggregation ('ovr', shape (n, k)): votes plus the summed pair values
squashed into (-1/3, 1/3), so that its argmax agrees with the vote except at ties.

Attributes follow scikit-learn: ``support_`` (sorted by class, then by index),
``support_vectors_``, ``n_support_``, ``dual_coef_`` (k - 1, n_SV) in libsvm's layout,
``intercept_`` (k(k-1)/2,), ``classes_``, ``n_iter_``. For two classes the signs follow
scikit-learn: f > 0 means ``classes_[1]``.
"""

from __future__ import annotations

import math
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
from .._base import BaseEstimator, ClassifierMixin
from .._labels import decode_classes, encode_classes
from .kernels import KERNELS, KernelRows, gamma_value, kernel_matrix, kernel_rows
from .smo import ConvergenceWarning, smo

__all__ = ["SVC", "ConvergenceWarning"]


class SVC(ClassifierMixin, BaseEstimator):
    """C-support vector classification by SMO (libsvm's algorithm, written out).

    Parameters
    ----------
    C : float
        Weight of the slack penalty, > 0; ``math.inf`` gives the hard margin, which
        needs data separable in feature space (else the dual is unbounded and SMO runs
        until ``max_iter``).
    kernel : {'rbf', 'linear', 'poly', 'sigmoid', 'precomputed'}
        With 'precomputed', ``fit`` takes the (n, n) Gram matrix and ``predict`` the
        (m, n_train) kernel between test and training points.
    degree : int
        Degree of the polynomial kernel.
    gamma : {'scale', 'auto'} or float
        Kernel width: 1 / (d Var(X)), 1 / d, or the given value (>= 0).
    coef0 : float
        Offset of the poly and sigmoid kernels.
    shrinking : bool
        libsvm's shrinking heuristic (``smo_shrinking``): the same stopping rule and
        optimum as the textbook SMO (``shrinking=False``), fewer operations per step.
    tol : float
        Stopping tolerance on the maximal KKT violation m - M.
    cache_size : float
        MB for kernel values: the whole matrix when it fits, else an LRU of rows.
    max_iter : int
        Iteration cap per binary problem; -1 for libsvm's default.
    decision_function_shape : {'ovr', 'ovo'}
        Shape of ``decision_function`` for more than two classes.
    random_state : None or int
        Accepted for scikit-learn compatibility; SMO here is deterministic.
    """

    def __init__(
        self,
        C: float = 1.0,
        kernel: str = "rbf",
        degree: int = 3,
        gamma: str | float = "scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        tol: float = 1e-3,
        cache_size: float = 200,
        max_iter: int = -1,
        decision_function_shape: str = "ovr",
        random_state: int | None = None,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> None:
        check_positive(self.C, "C")
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {', '.join(KERNELS)}, got {self.kernel!r}")
        check_positive(self.degree, "degree", strict=False, integer=True)
        if self.gamma not in ("scale", "auto"):
            if isinstance(self.gamma, str):
                raise ValueError(f"gamma must be 'scale', 'auto' or a float, got {self.gamma!r}")
            check_positive(self.gamma, "gamma", strict=False)
        if isinstance(self.coef0, bool) or not isinstance(self.coef0, (int, float)):
            raise TypeError(f"coef0 must be a number, got {self.coef0!r}")
        if not isinstance(self.shrinking, bool):
            raise TypeError(f"shrinking must be True or False, got {self.shrinking!r}")
        check_positive(self.tol, "tol")
        check_positive(self.cache_size, "cache_size")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int):
            raise TypeError(f"max_iter must be an int, got {self.max_iter!r}")
        if self.max_iter == 0 or self.max_iter < -1:
            raise ValueError(f"max_iter must be -1 (no limit) or > 0, got {self.max_iter}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError(
                f"decision_function_shape must be 'ovr' or 'ovo', got "
                f"{self.decision_function_shape!r}"
            )

    def _params(self) -> dict:
        return {
            "kernel": self.kernel,
            "gamma": self._gamma,
            "degree": self.degree,
            "coef0": float(self.coef0),
        }

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> SVC:
        """Solve one dual per pair of classes by SMO.

        Parameters
        ----------
        X : array, shape (n, d), or (n, n) with ``kernel='precomputed'``
        y : array, shape (n,)
            Class labels (at least two distinct values).

        Returns
        -------
        self
        """
        self._check_params()
        X = check_array(X, "X")
        xp = backend.namespace(X)
        dev = backend.device_of(X)
        n = X.shape[0]
        precomputed = self.kernel == "precomputed"
        if precomputed and X.shape[1] != n:
            raise ValueError(
                f"X must be a square (n, n) kernel matrix with kernel='precomputed', got shape "
                f"{tuple(X.shape)}"
            )
        # classes sorted; y_idx: the class index 0..k-1 of every sample
        classes, y_idx = encode_classes(y, n, like=X)
        k = classes.shape[0]
        if k < 2:
            raise ValueError(
                "y has only one class; SVC needs samples of at least two classes to separate"
            )
        self._gamma = 0.0 if precomputed else gamma_value(self.gamma, X)
        C = float(self.C)

        pairs = [(a, c) for a in range(k) for c in range(a + 1, k)]
        coef_rows, intercepts, n_iter = [], [], []
        for a, c in pairs:
            in_pair = (y_idx == a) | (y_idx == c)
            idx = xp.nonzero(in_pair)[0]  # the pair's samples, in their order in X
            y_pair = 2.0 * xp.astype(xp.take(y_idx, idx) == a, X.dtype) - 1.0
            # the pair's kernel: rows of X_pair on demand, or the block of a precomputed K
            X_pair = X if k == 2 else xp.take(X, idx, axis=0)
            if precomputed:
                rows = KernelRows(K=X_pair if k == 2 else xp.take(X_pair, idx, axis=1))
            else:
                rows = kernel_rows(X_pair, self._params(), self.cache_size)
            res = smo(rows, y_pair, C, self.tol, self.max_iter, shrinking=self.shrinking)
            # beta of the pair as a length-n row, zeros outside the pair (a mask setitem: exact)
            row = xp.zeros((n,), dtype=X.dtype, device=dev)
            row[in_pair] = res.beta
            coef_rows.append(row)
            intercepts.append(res.b)
            n_iter.append(res.n_iter)
        W = xp.stack(coef_rows)  # (n_pairs, n): pair coefficients over all samples

        is_sv = xp.any(W != 0, axis=0)
        support = xp.concat([xp.nonzero(is_sv & (y_idx == c))[0] for c in range(k)])
        self._W = xp.take(W, support, axis=1)  # (n_pairs, n_SV), pair convention
        self._W_train = W
        self._b = xp.asarray(intercepts, dtype=X.dtype, device=dev)
        self._pairs = pairs
        self.classes_ = classes
        self.support_ = support
        self.support_vectors_ = xp.take(X, support, axis=0)
        sv_class = xp.take(y_idx, support)
        self.n_support_ = xp.stack([xp.sum(xp.astype(sv_class == c, xp.int32)) for c in range(k)])
        self.dual_coef_ = self._libsvm_layout(sv_class, k)
        self.intercept_ = -self._b if k == 2 else xp.asarray(self._b, copy=True)
        self.n_iter_ = xp.asarray(n_iter, dtype=xp.int32, device=dev)
        self.n_features_in_ = X.shape[1]
        self._n_train = n
        self.shape_fit_ = tuple(X.shape)
        return self

    def _libsvm_layout(self, sv_class: Any, k: int) -> Any:
        """dual_coef_ (k-1, n_SV): row r of an SV of class c is its coefficient against
        class o = r if r < c else r + 1 (libsvm's layout); negated for two classes."""
        xp = backend.namespace(self._W)
        if k == 2:
            return -self._W
        index = {p: q for q, p in enumerate(self._pairs)}
        blocks = []
        for c in range(k):
            cols = xp.nonzero(sv_class == c)[0]
            rows = []
            for r in range(k - 1):
                o = r if r < c else r + 1
                p = index[(min(c, o), max(c, o))]
                rows.append(xp.take(self._W[p, :], cols))
            blocks.append(xp.stack(rows))
        return xp.concat(blocks, axis=1)

    # ------------------------------------------------------------------ prediction
    def _check_X(self, X: Any) -> Any:
        check_is_fitted(self, "support_")
        check_same_backend(self, X, self.support_vectors_)
        X = check_array(X, "X", like=self.support_vectors_)
        if self.kernel == "precomputed":
            if X.shape[1] != self._n_train:
                raise ValueError(
                    f"X must be the (m, {self._n_train}) kernel between the points and the "
                    f"training points, got shape {tuple(X.shape)}"
                )
        else:
            check_n_features(self, X)
        return X

    def _pair_values(self, X: Any) -> Any:
        """f_p(x) for every pair p (positive -> the pair's first class): shape (m, n_pairs)."""
        xp = backend.namespace(X)
        if self.kernel == "precomputed":
            K = xp.take(X, self.support_, axis=1)
        else:
            K = kernel_matrix(X, self.support_vectors_, **self._params())
        return xp.matmul(K, xp.matrix_transpose(self._W)) + self._b

    def _votes(self, dec: Any) -> tuple[Any, Any]:
        """Vote counts (m, k) and signed confidence sums (m, k) from the pair values."""
        xp = backend.namespace(dec)
        k = self.classes_.shape[0]
        first = [[1.0 if a == c else 0.0 for c in range(k)] for a, _ in self._pairs]
        second = [[1.0 if b == c else 0.0 for c in range(k)] for _, b in self._pairs]
        A = xp.asarray(first, dtype=dec.dtype, device=backend.device_of(dec))
        B = xp.asarray(second, dtype=dec.dtype, device=backend.device_of(dec))
        wins = xp.astype(dec > 0, dec.dtype)
        votes = xp.matmul(wins, A) + xp.matmul(1.0 - wins, B)
        return votes, xp.matmul(dec, A - B)

    def decision_function(self, X: Any) -> Any:
        """f(x): shape (m,) for two classes (> 0 means ``classes_[1]``), else see the module.

        Parameters
        ----------
        X : array, shape (m, d), or (m, n_train) with ``kernel='precomputed'``
            Samples with the fitted number of features d (or their kernel with the training
            points).

        Returns
        -------
        dec : array, shape (m,), (m, K) for 'ovr' or (m, K (K - 1) / 2) for 'ovo'
            f(x) = sum_t beta_t K(x_t, x) + b for two classes; otherwise the one-vs-one values
            ('ovo') or the votes plus a confidence in (-1/3, 1/3) ('ovr').
        """
        X = self._check_X(X)
        xp = backend.namespace(X)
        dec = self._pair_values(X)
        k = self.classes_.shape[0]
        if k == 2:
            return -dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        votes, conf = self._votes(dec)
        return votes + conf / (3.0 * (xp.abs(conf) + 1.0))

    def predict(self, X: Any) -> Any:
        """The class with the most one-vs-one votes (lowest index on ties), shape (m,).

        Parameters
        ----------
        X : array, shape (m, d), or (m, n_train) with ``kernel='precomputed'``
            Samples with the fitted number of features d (or their kernel with the training
            points).

        Returns
        -------
        y_pred : array, shape (m,)
            The predicted labels, drawn from classes_.
        """
        X = self._check_X(X)
        xp = backend.namespace(X)
        votes, _ = self._votes(self._pair_values(X))
        return decode_classes(self.classes_, xp.argmax(votes, axis=1))

    @property
    def coef_(self) -> Any:
        """w = sum_t beta_t x_t (linear kernel only), shape (n_pairs, d) as scikit-learn."""
        check_is_fitted(self, "support_")
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when kernel='linear'")
        xp = backend.namespace(self._W)
        W = -self._W if self.classes_.shape[0] == 2 else self._W
        return xp.matmul(W, self.support_vectors_)

    # ------------------------------------------------------------------ duality, made visible
    def _pair_problems(self, X: Any, y: Any):
        """For each pair: its samples' labels (+1/-1), f on them, alpha on them."""
        X = self._check_X(X)
        xp = backend.namespace(X)
        n = X.shape[0]
        if n != self._n_train:
            raise ValueError(
                f"X must be the training data ({self._n_train} samples), got {n} samples"
            )
        y = check_labels(y, n, "y", like=X)
        y_idx = xp.searchsorted(self.classes_, y)
        dec = self._pair_values(X)
        for p, (a, c) in enumerate(self._pairs):
            in_pair = (y_idx == a) | (y_idx == c)
            y_pm = 2.0 * xp.astype(y_idx == a, X.dtype) - 1.0
            yield p, in_pair, y_pm, dec[:, p], xp.abs(self._W_train[p, :])

    def dual_objective(self) -> Any:
        """D = sum_t alpha_t - 1/2 beta^T K beta per pair, shape (n_pairs,), from the SVs."""
        check_is_fitted(self, "support_")
        xp = backend.namespace(self._W)
        if self.kernel == "precomputed":
            raise ValueError("dual_objective needs the kernel; use primal/dual on X instead")
        K = kernel_matrix(self.support_vectors_, self.support_vectors_, **self._params())
        quad = xp.sum(xp.matmul(self._W, K) * self._W, axis=1)
        return xp.sum(xp.abs(self._W), axis=1) - 0.5 * quad

    def primal_objective(self, X: Any, y: Any) -> Any:
        """P = 1/2 ||w||^2 + C sum_t max(0, 1 - y_t f(x_t)) per pair, shape (n_pairs,).

        X, y must be the training data. For C = inf (hard margin) the slack term is
        left out: the constraints y_t f(x_t) >= 1 hold up to tol (see kkt_violations).

        Parameters
        ----------
        X : array, shape (n, d), or (n, n) with ``kernel='precomputed'``
            The training data given to fit.
        y : array, shape (n,)
            The training labels given to fit.

        Returns
        -------
        P : array, shape (n_pairs,)
            The primal objective of each binary problem at the fitted solution.
        """
        out = []
        for p, in_pair, y_pm, f, _ in self._pair_problems(X, y):
            xp = backend.namespace(f)
            w2 = self._norm_w2(p)
            xi = xp.where(in_pair, xp.clip(1.0 - y_pm * f, min=0.0), 0.0)
            slack = 0.0 if math.isinf(self.C) else self.C * xp.sum(xi)
            out.append(0.5 * w2 + slack)
        return xp.stack(out)

    def _norm_w2(self, p: int) -> Any:
        """||w_p||^2 = beta^T K beta for pair p."""
        xp = backend.namespace(self._W)
        beta = self._W[p, :]
        if self.kernel == "precomputed":
            raise ValueError("the objectives need the kernel; not available for 'precomputed'")
        K = kernel_matrix(self.support_vectors_, self.support_vectors_, **self._params())
        return xp.sum(xp.matmul(K, beta) * beta)

    def duality_gap(self, X: Any, y: Any) -> Any:
        """P - D per pair, shape (n_pairs,); >= 0, and <= C n tol at SMO's stopping point.

        Parameters
        ----------
        X : array, shape (n, d), or (n, n) with ``kernel='precomputed'``
            The training data given to fit.
        y : array, shape (n,)
            The training labels given to fit.

        Returns
        -------
        gap : array, shape (n_pairs,)
            primal_objective(X, y) - dual_objective().
        """
        return self.primal_objective(X, y) - self.dual_objective()

    def kkt_violations(self, X: Any, y: Any) -> Any:
        """v_t >= 0 per training sample, shape (n,): the worst over the pairs it is in.

        v_t = [alpha_t < C] max(0, 1 - y_t f_t) + [alpha_t > 0] max(0, y_t f_t - 1): zero
        exactly when alpha_t = 0 -> y_t f_t >= 1, 0 < alpha_t < C -> y_t f_t = 1 and
        alpha_t = C -> y_t f_t <= 1. SMO stops when max_t v_t <= tol.

        Parameters
        ----------
        X : array, shape (n, d), or (n, n) with ``kernel='precomputed'``
            The training data given to fit.
        y : array, shape (n,)
            The training labels given to fit.

        Returns
        -------
        v : array, shape (n,)
            The largest KKT violation of each training sample over its pairs.
        """
        v = None
        for _, in_pair, y_pm, f, alpha in self._pair_problems(X, y):
            xp = backend.namespace(f)
            margin = y_pm * f
            below = xp.where(alpha < self.C, xp.clip(1.0 - margin, min=0.0), 0.0)
            above = xp.where(alpha > 0, xp.clip(margin - 1.0, min=0.0), 0.0)
            v_p = xp.where(in_pair, below + above, 0.0)
            v = v_p if v is None else xp.maximum(v, v_p)
        return v
