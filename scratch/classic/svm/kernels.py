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

The shrinking engine (``smo_shrinking``) asks for rows over its active set only,
K_i[A] = (k(x_i, x_t))_{t in A}, A a sorted subset of the indices: ``restrict(A)`` makes
A current and ``active_row(i)`` serves K_i[A]. A row cached for an earlier, larger set
A' is cut down to A with one gather at the positions of A in A', as long as A is a
subset of A' (rows of sets that miss part of A, e.g. after unshrinking, are recomputed).
A cache entry holds the row and, once SMO picks i as its up-index, the curvatures
a_it / 2 = (K_tt + K_ii) / 2 - K_it next to it, so one lookup serves both.
``blocks(I, J)`` gives K[I, J], in chunks, for the gradient reconstruction.
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

    # ------------------------------------------------------------------ the active set
    def restrict(self, act: Any) -> None:
        """Serve ``active_row`` over the columns ``act`` (sorted int array (a,)) from now on.

        A row cached for an earlier set A' stays usable while A is a subset of A' (one
        gather at the positions of A in A', found by binary search and checked here
        once per earlier set); rows of sets that miss part of A are recomputed.
        """
        xp = self._xp
        if getattr(self, "_act", None) is None:
            self._gen = -1
            self._rows: OrderedDict[int, list] = OrderedDict()  # see _entry
            self._n_vectors = 0
            self._acts: dict[int, Any] = {}
        self._pos: dict[int, Any] = {}  # earlier set -> positions of A within it
        a = act.shape[0]
        for g, act_g in list(self._acts.items()):
            a_g = act_g.shape[0]
            if a_g >= a:
                pos = xp.minimum(xp.searchsorted(act_g, act), a_g - 1)
                # host decision, once per earlier set: is A inside it?
                if bool(backend.to_numpy(xp.all(xp.take(act_g, pos) == act))):
                    self._pos[g] = pos
                    continue
            del self._acts[g]
        self._gen += 1
        self._acts[self._gen] = act
        self._act = act
        self._diag_half_act = 0.5 * xp.take(self.diag, act)
        if not hasattr(self, "_diag_h"):  # once: host copies of the per-row scalars
            self._diag_h = backend.to_numpy(self.diag).tolist()
            if self.K is None:
                self._sq_h = backend.to_numpy(self._sq).tolist()
        if self.K is None:
            X_act = xp.take(self.X, act, axis=0)
            self._sq_act = xp.take(self._sq, act)
            if self.params.get("kernel") == "rbf":  # 2 gamma X[A] and gamma ||x_t||^2
                gamma = self.params["gamma"]
                self._X_act, self._h_act = (2.0 * gamma) * X_act, gamma * self._sq_act
            else:
                self._X_act = X_act

    def active_row(self, i: int) -> Any:
        """K_i[A] (a,) for the current active set A (see ``restrict``); ``i`` a host int."""
        e = self._rows.get(i)
        if e is not None and e[0] == self._gen:  # the common case, without a second call
            self._rows.move_to_end(i)
            return e[1]
        return self._entry(i)[1]

    def active_row_and_half_distances(self, i: int, floor: float) -> tuple[Any, Any]:
        """K_i[A] and max(||phi(x_i) - phi(x_t)||^2 / 2, floor) = max((K_tt + K_ii) / 2 -
        K_it, floor) for t in A: SMO's row and curvature a_it / 2, kept together in one
        cache entry (same ``floor`` on every call). Measured: caching the curvature saves
        3 of the 14 array operations of a shrinking SMO step; one entry for both, and
        ``active_row``'s inline hit, bring a step's three cache lookups from 0.61 us to
        0.28 us of Python."""
        e = self._entry(i)
        if e[2] is None:
            if self.K is None and self.params.get("kernel") == "rbf":
                # K_tt = K_ii = 1: (1/2 + 1/2) - K_it is 1 - K_it exactly, one pass of
                # 0.7 us less per new row (with the lookups above: svc_2000 fit 3% faster)
                half = 1.0 - e[1]
            else:
                half = (self._diag_half_act + 0.5 * self._diag_h[i]) - e[1]
            e[2] = self._xp.maximum(half, floor)
            self._n_vectors += 1
            self._evict()
        return e[1], e[2]

    def _entry(self, i: int) -> list:
        """The cache entry [generation, K_i[A], curvature or None] of row i for the current A:
        kept, cut down from an earlier A' that contains A (one gather per vector), or
        computed. The cache holds at most ``cache_rows`` vectors, least recently used
        entries leave first."""
        cache = self._rows
        e = cache.get(i)
        if e is not None:
            if e[0] != self._gen:
                pos = self._pos.get(e[0])
                if pos is None:  # its set misses part of A: recompute
                    del cache[i]
                    self._n_vectors -= 1 if e[2] is None else 2
                    e = None
                else:
                    take = self._xp.take
                    e[0], e[1] = self._gen, take(e[1], pos)
                    if e[2] is not None:
                        e[2] = take(e[2], pos)
            if e is not None:
                cache.move_to_end(i)
                return e
        if self.K is not None:
            row = self._xp.take(self.K[i, :], self._act)
        else:
            row = self._compute_active(i)
        e = [self._gen, row, None]
        cache[i] = e
        self._n_vectors += 1
        self._evict()
        return e

    def _evict(self) -> None:
        """Drop least recently used entries while more than ``cache_rows`` vectors are kept
        (never the newest entry, which the caller is using)."""
        cache = self._rows
        while self._n_vectors > self.cache_rows and len(cache) > 1:
            _, old = cache.popitem(last=False)
            self._n_vectors -= 1 if old[2] is None else 2

    def _compute_active(self, i: int) -> Any:
        """K_i[A] from X[A]; rbf as exp(min(<2 gamma x_t, x_i> - gamma ||x_t||^2 - gamma
        ||x_i||^2, 0)): the same exponent as kernel_matrix (clipped where the expansion
        rounds below 0) in five array operations instead of eight (2 gamma X[A] and
        gamma ||x_t||^2 are kept per active set, gamma ||x_i||^2 is a host float)."""
        xp = self._xp
        x_i = self.X[i, :]
        if self.params.get("kernel") == "rbf":
            h_i = self.params["gamma"] * self._sq_h[i]
            e = xp.matmul(self._X_act, x_i) - (self._h_act + h_i)
            return xp.exp(xp.minimum(e, 0.0))
        G = xp.matmul(self._X_act, x_i)
        return _inner_to_kernel(G, self._sq_act, self._sq[i], **self.params)

    def blocks(self, I: Any, J: Any, max_entries: int = 2**14):
        """K[I, J] in chunks of rows of I, at most ``max_entries`` entries each: yields
        (part, K[I[part], J]) with ``part`` a slice of positions in I. Small chunks keep
        the temporaries in cache and the products below OpenBLAS's threading threshold.
        Measured on NumPy, rbf, 2 cores under load, K[I, J] beta for 9500 x 1985: 58 ms
        with 2^14 entries per chunk, 200-430 ms with 2^16-2^20 (threaded small GEMMs
        stall), 185 ms at once."""
        xp = self._xp
        step = max(1, max_entries // max(1, J.shape[0]))
        if self.K is None:
            X_J, sq_J = xp.take(self.X, J, axis=0), xp.take(self._sq, J)
            rbf = self.params.get("kernel") == "rbf"
            if rbf:
                gamma = self.params["gamma"]
                X_J2, h_J = (2.0 * gamma) * X_J, gamma * sq_J
        for start in range(0, I.shape[0], step):
            part = slice(start, min(start + step, I.shape[0]))
            rows = I[part]
            if self.K is not None:
                yield part, xp.take(xp.take(self.K, rows, axis=0), J, axis=1)
                continue
            X_I = xp.take(self.X, rows, axis=0)
            G = xp.matmul(X_I, xp.matrix_transpose(X_J2 if rbf else X_J))
            if rbf:  # the exponent of _compute_active, for a block of rows
                h_I = gamma * xp.take(self._sq, rows)
                yield part, xp.exp(xp.minimum((G - h_J) - h_I[:, None], 0.0))
            else:
                sq_I = xp.take(self._sq, rows)[:, None]
                yield part, _inner_to_kernel(G, sq_I, sq_J[None, :], **self.params)

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
