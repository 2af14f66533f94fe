r"""Kernels k(x, z) = <phi(x), phi(z)> for the SVM, and the rows of the kernel matrix.

The dual of the SVM touches the data only through inner products, so any positive
semi-definite k stands in for <x, z> (Mercer; the "kernel trick"):

=========  ===========================================================
linear     k(x, z) = <x, z>
poly       k(x, z) = (gamma <x, z> + coef0)^degree
rbf        k(x, z) = exp(-gamma ||x - z||^2)
sigmoid    k(x, z) = tanh(gamma <x, z> + coef0)      (not PSD in general)
=========  ===========================================================

Every kernel is one matrix product on the device, X Z^T, followed by elementwise
work. For rbf, ||x - z||^2 = ||x||^2 + ||z||^2 - 2 <x, z>, clipped at 0 because the
expansion can round to a tiny negative number when x and z almost coincide.

``gamma='scale'`` is 1 / (d Var(X)) (the variance of all entries of X) and
``gamma='auto'`` is 1 / d, scikit-learn's conventions.

SMO reads two rows of K per iteration. ``KernelRows`` serves them: from the whole
matrix when the kernel is precomputed, else computed on demand (one (n, d) x (d,)
product each) and kept in a least-recently-used cache of as many rows as fit in
``cache_size`` MB (libsvm's scheme).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ... import backend

KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


def gamma_value(gamma: str | float, X: Any) -> float:
    """The numeric gamma: 'scale' -> 1 / (d Var(X)), 'auto' -> 1 / d, a float unchanged."""
    d = X.shape[1]
    if gamma == "auto":
        return 1.0 / d
    if gamma == "scale":
        xp = backend.namespace(X)
        # one host scalar: gamma is a hyper-parameter the kernels take as a Python float
        var = float(backend.to_numpy(xp.var(X)))
        return 1.0 / (d * var) if var > 0 else 1.0
    return float(gamma)


def _inner_to_kernel(G: Any, sq_x: Any, sq_z: Any, kernel: str, gamma, degree, coef0):
    """Map the Gram matrix G = X Z^T (and the squared norms, for rbf) to K."""
    if kernel == "linear":
        return G
    xp = backend.namespace(G)
    if kernel == "poly":
        return (gamma * G + coef0) ** degree
    if kernel == "sigmoid":
        return xp.tanh(gamma * G + coef0)
    # rbf: ||x - z||^2 = ||x||^2 + ||z||^2 - 2 <x, z>, clipped at 0 against rounding
    D2 = xp.maximum((sq_x + sq_z) - 2.0 * G, 0.0)
    return xp.exp(-gamma * D2)


def kernel_matrix(
    X: Any,
    Z: Any,
    kernel: str = "rbf",
    gamma: float = 1.0,
    degree: int = 3,
    coef0: float = 0.0,
) -> Any:
    """K_ab = k(x_a, z_b) for every row of X (n, d) and of Z (m, d): shape (n, m)."""
    xp = backend.namespace(X, Z)
    G = xp.matmul(X, xp.matrix_transpose(Z))
    sq_x = sq_z = None
    if kernel == "rbf":
        sq_x = xp.sum(X * X, axis=1)[:, None]
        sq_z = xp.sum(Z * Z, axis=1)[None, :]
    return _inner_to_kernel(G, sq_x, sq_z, kernel, gamma, degree, coef0)


def kernel_diag(
    X: Any, kernel: str = "rbf", gamma: float = 1.0, degree: int = 3, coef0: float = 0.0
) -> Any:
    """K_aa = k(x_a, x_a) for every row of X, shape (n,), without forming K."""
    xp = backend.namespace(X)
    sq = xp.sum(X * X, axis=1)
    if kernel == "rbf":
        return xp.ones_like(sq)
    return _inner_to_kernel(sq, None, None, kernel, gamma, degree, coef0)


class KernelRows:
    """Rows K_i = (k(x_i, x_1), ..., k(x_i, x_n)) for SMO, from a full matrix or an LRU cache.

    Parameters
    ----------
    X : array (n, d), or None with ``K``
        The training points (for the on-demand rows).
    K : array (n, n), optional
        The whole kernel matrix (precomputed, or computed because it fits).
    params : dict
        kernel, gamma, degree, coef0 for the on-demand rows.
    cache_rows : int
        How many on-demand rows to keep (least recently used ones are dropped).
    """

    def __init__(self, X=None, K=None, params=None, cache_rows: int = 0):
        self.X, self.K, self.params = X, K, params or {}
        self.cache_rows = max(2, int(cache_rows))
        self._cache: OrderedDict[int, Any] = OrderedDict()
        self._xp = xp = backend.namespace(X if K is None else K)
        if K is not None:
            self.diag = xp.linalg.diagonal(K)
        else:
            self.diag = kernel_diag(X, **self.params)
            self._sq = xp.sum(X * X, axis=1)

    def row(self, i: int) -> Any:
        """K_i, shape (n,), on the device (``i`` is a host int: it keys the cache)."""
        if self.K is not None:
            return self.K[i, :]
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            return hit
        G = self._xp.matmul(self.X, self.X[i, :])
        r = _inner_to_kernel(G, self._sq, self._sq[i], **self.params)
        if len(self._cache) >= self.cache_rows:
            self._cache.popitem(last=False)
        self._cache[i] = r
        return r


def kernel_rows(X: Any, params: dict, cache_size: float) -> KernelRows:
    """Rows of k(X, X) on demand, with an LRU of ``cache_size`` MB.

    Like libsvm, rows are computed only when SMO asks for them: SMO touches a fraction
    of the n rows, and computing all n^2 entries up front costs more than the solver.
    """
    n = X.shape[0]
    itemsize = 4 if X.dtype == backend.namespace(X).float32 else 8
    return KernelRows(X=X, params=params, cache_rows=int(cache_size * 2**20 // (n * itemsize)))
