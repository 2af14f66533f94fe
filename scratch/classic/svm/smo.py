r"""Sequential minimal optimization (SMO) for the SVM dual, with second-order working sets.

The problem (Cortes & Vapnik 1995). Labels y_t in {-1, +1}, a feature map phi with
kernel K_st = <phi(x_s), phi(x_t)>, decision f(x) = <w, phi(x)> + b. The soft-margin
primal is

    min_{w, b, xi}  1/2 ||w||^2 + C sum_t xi_t
    s.t.            y_t f(x_t) >= 1 - xi_t,   xi_t >= 0.

Lagrangian, with multipliers alpha_t >= 0 (margins) and mu_t >= 0 (slacks):

    L = 1/2 ||w||^2 + C sum xi - sum alpha_t (y_t f(x_t) - 1 + xi_t) - sum mu_t xi_t.

Stationarity: dL/dw = 0 -> w = sum_t alpha_t y_t phi(x_t); dL/db = 0 -> sum alpha_t y_t = 0;
dL/dxi_t = 0 -> alpha_t = C - mu_t, so 0 <= alpha_t <= C. Substituting gives the dual

    max_alpha  D(alpha) = sum_t alpha_t - 1/2 sum_{s,t} alpha_s alpha_t y_s y_t K_st
    s.t.       0 <= alpha_t <= C,   sum_t alpha_t y_t = 0,

with Q_st = y_s y_t K_st. Strong duality holds (convex, Slater), so at the optimum
P(w, b, xi) = D(alpha). Hard margin is C = inf: the box loses its upper side.

Signed coefficients. We work with beta_t = y_t alpha_t (scikit-learn's ``dual_coef_``):
the box becomes L_t <= beta_t <= U_t with [L_t, U_t] = [0, C] for y_t = +1 and [-C, 0]
for y_t = -1, the equality constraint is sum beta_t = 0, and

    D(beta) = sum_t y_t beta_t - 1/2 beta^T K beta,   w = sum_t beta_t phi(x_t).

Its gradient is the residual F = grad D = y - K beta, i.e. F_t = y_t - (f(x_t) - b)
(libsvm's -y_t G_t, with G the gradient of the minimised -D in alpha).

KKT conditions. A feasible beta is optimal iff there is a b with
F_t <= b for t in I_up = {t : beta_t < U_t} (beta_t can still grow) and
F_t >= b for t in I_low = {t : beta_t > L_t} (beta_t can still shrink), that is

    m(beta) = max_{t in I_up} F_t  <=  M(beta) = min_{t in I_low} F_t.

m - M is the maximal violation; like libsvm we stop when m - M <= tol. In terms of the
margins y_t f(x_t) these are the textbook conditions: alpha_t = 0 -> y_t f_t >= 1,
0 < alpha_t < C -> y_t f_t = 1, alpha_t = C -> y_t f_t <= 1.

The two-variable step. Move along beta + s (e_i - e_j), which keeps sum beta = 0:

    D(beta + s (e_i - e_j)) = D(beta) + s (F_i - F_j) - s^2/2 a_ij,
    a_ij = K_ii + K_jj - 2 K_ij = ||phi(x_i) - phi(x_j)||^2,

maximised at s = (F_i - F_j) / a_ij, then clipped to the box: s <= U_i - beta_i and
s <= beta_j - L_j. When a_ij <= 0 (a non-PSD kernel, or x_i = x_j) a_ij is raised to
tau = 1e-12 (Fan, Chen & Lin 2005, section 4), so the step stays finite. The residual
changes by two kernel rows: F <- F - s (K_i - K_j), O(n) work.

Working-set selection, second order (WSS 2 of Fan, Chen & Lin 2005):
i = argmax_{t in I_up} F_t (the most violating up-index, F_i = m), then among
t in I_low with F_t < m the j that maximises the gain of the unclipped step,
b_it^2 / (2 a_it) with b_it = m - F_t > 0, i.e.  j = argmax_t b_it^2 / a_it
(the paper's argmin of -b_it^2 / a_it). a_it below tau is raised to tau.

The bias (libsvm's rho = -b). Every free t (L_t < beta_t < U_t) lies in I_up and I_low,
so KKT forces F_t = b; we average F over the free coefficients. With none free, any b
in [M, m] satisfies KKT up to tol; we take the midpoint (m + M) / 2.

Shrinking (libsvm's heuristic, Chang & Lin 2011, sec. 5.1; ``smo_shrinking``). A
coefficient at a bound can move one way only: beta_t = L_t leaves it in I_up alone,
beta_t = U_t in I_low alone. If beta_t = L_t and F_t < M, t cannot be the up-index
(F_t < M <= m) and the KKT condition F_t <= b holds for every b in [M, m]; likewise
beta_t = U_t with F_t > m. Such t are likely to stay at their bound, so every
min(n, 1000) iterations they leave the active set A, and selection, the residual update
and the kernel rows run over A alone. F is then exact on A only. When m - M <= 10 tol
is first reached, and whenever A satisfies m - M <= tol, the residual of the inactive
set is rebuilt from scratch, F_t = y_t - sum_{s : beta_s != 0} K_ts beta_s, A is reset
to all n and the test is repeated: SMO stops only when the whole problem meets
m - M <= tol, so the stopping rule, hence the KKT tolerance and the bound on the
duality gap, are those of ``smo``. Shrinking changes which steps are taken, not the
optimum (the same dual objective to within the tolerance).

Device and host. beta is tiny bookkeeping kept on the host (two entries change per
step); F, the masks of I_up and I_low, and the kernel rows stay on the device. Each
iteration brings two small vectors to the host: (i, m, M) and (j, F_j, K_ij). Two, not
one, because row K_i comes from a host-keyed cache and j needs it; on a GPU that is two
synchronisations per iteration, on NumPy none (the fast path reads the scalars directly).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from ... import backend
from ...profiling import mark, start
from .kernels import KernelRows

# the floor on the curvature a_ij of a two-variable step (Fan, Chen & Lin 2005, sec. 4)
TAU = 1e-12
# libsvm's shrinking period: the active set is reviewed every min(n, SHRINK_EVERY) steps
SHRINK_EVERY = 1000


class ConvergenceWarning(UserWarning):
    """SMO stopped at ``max_iter`` before the maximal violation fell below ``tol``."""


@dataclass
class SMOResult:
    """The solution of one binary dual: beta = y * alpha (n,), bias b, iterations, m - M.

    ``max_violation`` is the maximal KKT violation m(beta) - M(beta) at the stop (<= tol
    when SMO converged), not the duality gap P - D (``SVC.duality_gap``).
    """

    beta: Any
    b: float
    n_iter: int
    max_violation: float
    # shrinking only: the smallest active set seen and how often F was rebuilt on all n
    min_active: int = -1
    n_reconstruct: int = 0


def _on_host(xp) -> bool:
    """True when the arrays are NumPy's, i.e. host memory already (no transfer to make)."""
    return xp.__name__.startswith("array_api_compat.numpy")


def _host(xp, index: Any, *values: Any) -> list[float]:
    """Bring an index and a few values (all 0-d, or all shape (1,)) to the host at once."""
    if _on_host(xp):  # no transfer
        return [index.item(), *(v.item() for v in values)]
    parts = [xp.astype(index, values[0].dtype), *values]
    joined = xp.concat(parts) if index.ndim == 1 else xp.stack(parts)
    return backend.to_numpy(joined).tolist()


def _clipped_step(beta_h, U_h, L_h, i: int, j: int, s: float) -> float:
    """Apply the step s along e_i - e_j to the host beta; a step the box clips lands
    exactly on the bound. Returns the step taken."""
    room_i, room_j = U_h[i] - beta_h[i], beta_h[j] - L_h[j]
    if s >= room_i or s >= room_j:  # clip to the box, landing exactly on the bound
        if room_i <= room_j:
            s = room_i
            beta_h[i] = U_h[i]
            beta_h[j] = L_h[j] if room_j == room_i else beta_h[j] - s
        else:
            s = room_j
            beta_h[i] += s
            beta_h[j] = L_h[j]
    else:
        beta_h[i] += s
        beta_h[j] -= s
    return s


def smo(
    rows: KernelRows,
    y: Any,
    C: float,
    tol: float = 1e-3,
    max_iter: int = -1,
    shrinking: bool = False,
) -> SMOResult:
    """Solve the binary SVM dual by SMO with second-order working-set selection.

    Parameters
    ----------
    rows : KernelRows
        Serves the kernel rows K_i (n,) and the diagonal K_ii on the device.
    y : array, shape (n,)
        Labels +1.0 / -1.0 as floats on the device (both must occur).
    C : float
        Box bound, > 0; ``math.inf`` for the hard margin.
    tol : float
        Stop when the maximal violation m(beta) - M(beta) <= tol.
    max_iter : int
        Iteration cap; -1 means libsvm's max(10^7, 100 n). A ConvergenceWarning is
        issued when it is reached first.
    shrinking : bool
        Run ``smo_shrinking`` instead (same stopping rule); this function is the
        textbook reference it is tested against.

    Returns
    -------
    SMOResult
        beta (n,) on the device, b, the number of iterations and the final m - M.
    """
    if shrinking:
        return smo_shrinking(rows, y, C, tol, max_iter)
    xp = backend.namespace(y)
    dev = backend.device_of(y)
    n = y.shape[0]
    dt = y.dtype
    # host bookkeeping: one transfer of y and of diag(K), once
    y_h = backend.to_numpy(y).tolist()
    diag_h = backend.to_numpy(rows.diag).tolist()
    U_h = [C if t > 0 else 0.0 for t in y_h]
    L_h = [0.0 if t > 0 else -C for t in y_h]
    beta_h = [0.0] * n

    F = xp.asarray(y, copy=True)  # F = y - K beta, and beta = 0
    up = y > 0  # I_up at beta = 0: the positives can grow
    low = y < 0  # I_low: the negatives can shrink
    minus_inf = xp.full((n,), -math.inf, dtype=dt, device=dev)
    plus_inf = xp.full((n,), math.inf, dtype=dt, device=dev)
    diag = rows.diag

    limit = max(10_000_000, 100 * n) if max_iter < 0 else max_iter
    it = 0
    m = M = 0.0
    while True:
        F_up = xp.where(up, F, minus_inf)
        F_low = xp.where(low, F, plus_inf)
        # host decision 1: the up-index i, m = F_i and M for the stopping test
        i, m, M = _host(xp, xp.argmax(F_up), xp.max(F_up), xp.min(F_low))
        if m - M <= tol:
            break
        if it >= limit:
            warnings.warn(
                f"SMO stopped at max_iter={limit} with maximal violation {m - M:.3g} > tol={tol}",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        i = int(i)
        K_i = rows.row(i)
        # WSS 2: j = argmax over {t in I_low, F_t < m} of (m - F_t)^2 / a_it
        b_it = m - F
        a_it = xp.maximum((diag + diag_h[i]) - 2.0 * K_i, TAU)
        gain = xp.where(low & (b_it > 0), (b_it * b_it) / a_it, minus_inf)
        j_dev = xp.reshape(xp.argmax(gain), (1,))
        # host decision 2: the low-index j, F_j and K_ij for the analytic step
        j, F_j, K_ij = _host(xp, j_dev, xp.take(F, j_dev), xp.take(K_i, j_dev))
        j = int(j)

        a = max(diag_h[i] + diag_h[j] - 2.0 * K_ij, TAU)
        s = (m - F_j) / a  # the unclipped maximiser of D along e_i - e_j
        s = _clipped_step(beta_h, U_h, L_h, i, j, s)  # clipped to the box [L, U]

        F -= s * (K_i - rows.row(j))
        up[i] = beta_h[i] < U_h[i]
        low[i] = beta_h[i] > L_h[i]
        up[j] = beta_h[j] < U_h[j]
        low[j] = beta_h[j] > L_h[j]
        it += 1

    free = up & low
    # host decision 3 (once): the bias from the free coefficients, else the midpoint
    n_free, F_free = _host(
        xp, xp.sum(xp.astype(free, dt)), xp.sum(xp.where(free, F, xp.zeros_like(F)))
    )
    b = F_free / n_free if n_free > 0 else 0.5 * (m + M)
    beta = xp.asarray(beta_h, dtype=dt, device=dev)
    return SMOResult(beta=beta, b=b, n_iter=it, max_violation=m - M)


# ---------------------------------------------------------------------------- shrinking


class _ActiveSet:
    """The shrinking engine's state: the active set A and F, I_up, I_low on A (between
    reviews of A the engine moves F as the pair ``split`` gives, ``join`` writes it back).

    ``act`` (a,) holds the indices of A in increasing order (device), ``act_h`` the same
    on the host (position -> sample), ``is_act`` (n,) the mask of A. Each shrink leaves
    a group: the samples it took out, their F then and beta then (``groups``).
    """

    def __init__(self, rows: KernelRows, y: Any, C: float):
        xp = self.xp = backend.namespace(y)
        self.rows, self.y, self.n = rows, y, y.shape[0]
        self.dev = dev = backend.device_of(y)
        zero, box = xp.zeros_like(y), xp.full_like(y, C)
        self.U, self.L = xp.where(y > 0, box, zero), xp.where(y > 0, zero, -box)
        self.minus_inf = xp.full_like(y, -math.inf)
        self.plus_inf = xp.full_like(y, math.inf)
        self.act = xp.arange(self.n, dtype=xp.int64, device=dev)
        self.act_h = list(range(self.n))
        self.is_act = xp.ones((self.n,), dtype=xp.bool, device=dev)
        self.F = xp.asarray(y, copy=True)  # F = y - K beta, and beta = 0
        self.up, self.low = y > 0, y < 0
        self.groups: list[tuple[Any, Any, Any]] = []
        rows.restrict(self.act)
        self.min_active, self.n_reconstruct = self.n, 0

    def shrink(self, m: float, M: float, beta_h: list[float]) -> None:
        """Drop the bounded t that KKT says stay bounded: (beta_t = L_t and F_t < M) or
        (beta_t = U_t and F_t > m), i.e. t in I_up only below M, or in I_low only above m."""
        xp = self.xp
        up_only, low_only = self.up & ~self.low, self.low & ~self.up
        out = (up_only & (self.F < M)) | (low_only & (self.F > m))
        # host decision: whether anything leaves (a new active set costs a compaction);
        # all leaving means m < M: kept, for the stopping test to confirm on all n
        n_out = int(backend.to_numpy(xp.sum(xp.astype(out, xp.int64))))
        if n_out == 0 or n_out == len(self.act_h):
            return
        po = xp.nonzero(out)[0]
        beta = xp.asarray(beta_h, dtype=self.y.dtype, device=self.dev)
        self.groups.append((xp.take(self.act, po), xp.take(self.F, po), beta))
        kp = xp.nonzero(~out)[0]
        self.act = xp.take(self.act, kp)
        self.F = xp.take(self.F, kp)
        self.up, self.low = xp.take(self.up, kp), xp.take(self.low, kp)
        self.is_act[self.is_act] = ~out
        self.act_h = backend.to_numpy(self.act).tolist()  # once per shrink: the position map
        self.rows.restrict(self.act)
        self.min_active = min(self.min_active, len(self.act_h))

    def unshrink(self, beta_h: list[float]) -> None:
        """Bring F of the inactive samples up to date and make all n active again.

        A group G left at beta^0 with exact F^0_G; since then only A moved, so
        F_G = F^0_G - K[G, S] (beta - beta^0)_S over S = {s : beta_s != beta^0_s}: one
        blocked kernel product per group, |G| x |S| entries (S is small for the groups
        that left late, which are the ones the last check meets).
        """
        xp, rows, n = self.xp, self.rows, self.n
        beta = xp.asarray(beta_h, dtype=self.y.dtype, device=self.dev)
        index, value = [], []
        for G, F0, beta0 in self.groups:
            d = beta - beta0
            S = xp.nonzero(d != 0)[0]
            d_S = xp.take(d, S)
            index.append(G)
            value += [F0[part] - xp.matmul(K_IS, d_S) for part, K_IS in rows.blocks(G, S)]
        F = xp.zeros_like(self.y)
        F[self.is_act] = self.F
        if index:  # the inactive mask lists its samples in increasing order
            index, value = xp.concat(index), xp.concat(value)
            F[~self.is_act] = xp.take(value, xp.argsort(index))
        self.F = F
        self.up, self.low = beta < self.U, beta > self.L
        self.act = xp.arange(n, dtype=xp.int64, device=self.dev)
        self.act_h = list(range(n))
        self.is_act = xp.ones((n,), dtype=xp.bool, device=self.dev)
        self.groups = []
        rows.restrict(self.act)
        self.n_reconstruct += 1

    def split(self) -> tuple[Any, Any]:
        """F_up = F on I_up, -inf elsewhere, and F_low = F on I_low, +inf elsewhere (on A):
        the engine's form of F between reviews of the active set."""
        xp, a = self.xp, len(self.act_h)
        F_up = xp.where(self.up, self.F, self.minus_inf[:a])
        return F_up, xp.where(self.low, self.F, self.plus_inf[:a])

    def join(self, F_up: Any, F_low: Any) -> None:
        """F back from ``split``'s pair (every t is in I_up or in I_low, as L_t < U_t)."""
        self.F = self.xp.where(self.up, F_up, F_low)

    def violation(self) -> tuple[float, float]:
        """m and M over the active set (host floats)."""
        xp = self.xp
        F_up, F_low = self.split()
        return tuple(backend.to_numpy(xp.stack([xp.max(F_up), xp.min(F_low)])).tolist())


def _read_i(xp, host: bool, F_up: Any, F_low: Any) -> tuple[int, float, float]:
    """p_i = argmax F_up, m = F_up[p_i] and M = min F_low on the host.

    On a device one transfer of the three numbers (one synchronisation); on NumPy the
    arrays are host memory and the numbers are read by indexing. M is read at the
    argmin: measured on NumPy at a = 2000, argmin 1.0 us against min's 1.7 us.
    """
    if host:
        p, q = int(xp.argmax(F_up)), int(xp.argmin(F_low))
        return p, float(F_up[p]), float(F_low[q])
    p, q = xp.argmax(F_up, keepdims=True), xp.argmin(F_low, keepdims=True)
    parts = [xp.astype(p, F_up.dtype), xp.take(F_up, p), xp.take(F_low, q)]
    p_i, m, M = backend.to_numpy(xp.concat(parts)).tolist()
    return int(p_i), m, M


def _read_j(xp, host: bool, gain: Any, F_low: Any, K_i: Any) -> tuple[int, float, float]:
    """p_j = argmax gain, F_j = F_low[p_j] and K_ij = K_i[p_j] on the host (as ``_read_i``)."""
    if host:
        p = int(xp.argmax(gain))
        return p, float(F_low[p]), float(K_i[p])
    p = xp.argmax(gain, keepdims=True)
    parts = [xp.astype(p, F_low.dtype), xp.take(F_low, p), xp.take(K_i, p)]
    p_j, F_j, K_ij = backend.to_numpy(xp.concat(parts)).tolist()
    return int(p_j), F_j, K_ij


def smo_shrinking(
    rows: KernelRows,
    y: Any,
    C: float,
    tol: float = 1e-3,
    max_iter: int = -1,
    every: int = SHRINK_EVERY,
) -> SMOResult:
    """``smo`` with libsvm's shrinking (module docstring): the same stopping rule on all n.

    Parameters as ``smo``; ``every`` is the shrinking period (min(n, every) steps).

    Per step it does what ``smo`` does, over the active set A: selection, K_i[A] and the
    residual update cost O(|A|) instead of O(n), and kernel rows are computed on A only.
    Fewer array operations per step than the reference, the same selections (from the
    same kernel values, e.g. a precomputed K, the same steps bit for bit up to the first
    shrink):
    * F is kept as the pair F_up = F on I_up, -inf elsewhere, and F_low = F on I_low,
      +inf elsewhere, both moved by the same d = s (K_i - K_j) (an infinity stays one),
      so selection needs no ``where`` per step; a coefficient that joins or leaves I_up
      or I_low changes one entry. ``_ActiveSet`` keeps F itself, rebuilt from the pair
      when the active set is reviewed. Measured on NumPy at |A| = 2000: the two ``where``
      cost 3.0 us a step, the second subtraction 0.5 us;
    * M and m are read at argmin / argmax instead of two more reductions;
    * WSS 2: with b = m - F_low (-inf off I_low), b |b| / (a_it / 2) is the reference's
      b^2 / (a_it / 2) wherever b > 0 and is <= 0 elsewhere, so its argmax is the
      reference's (the maximum is > 0 when m - M > tol); abs is one cheap pass where
      the clip max(b, 0) took 1.4 us at |A| = 2000. a_it / 2 = (K_tt / 2 + K_ii / 2) - K_it
      exactly (halving is exact), cached with the row (``active_row_and_half_distances``).
    Measured (NumPy, the svc_2000 / svc_10000 benchmark problems, 1 BLAS thread, CPU
    time, medians): 33 / 237 ms per solve vs the reference's 55 / 389 ms, i.e. 23 / 65 us
    per step vs 40 / 108 us, kernel rows and rebuilds of F included (the engine before
    the F_up / F_low pair: 43 / 262 ms); the active set falls to 233 / 438 samples.
    """
    start()  # phases for ``scratch bench --profile`` (no-ops otherwise, ~50 ns each)
    st = _ActiveSet(rows, y, C)
    xp, n = st.xp, st.n
    host = _on_host(xp)
    y_h = backend.to_numpy(y).tolist()
    diag_h = backend.to_numpy(rows.diag).tolist()
    U_h = [C if t > 0 else 0.0 for t in y_h]
    L_h = [0.0 if t > 0 else -C for t in y_h]
    beta_h = [0.0] * n
    limit = max(10_000_000, 100 * n) if max_iter < 0 else max_iter
    period = min(n, every)
    counter = period + 1
    unshrunk = False
    it = 0
    F_up, F_low = st.split()
    while True:
        counter -= 1
        if counter == 0:  # review the active set (libsvm's do_shrinking)
            counter = period
            st.join(F_up, F_low)
            m, M = st.violation()
            if not unshrunk and m - M <= 10.0 * tol:  # near the end: rebuild once, go on
                unshrunk = True
                st.unshrink(beta_h)
                mark("reconstruct")
            st.shrink(m, M, beta_h)
            F_up, F_low = st.split()
            mark("shrink")
        # host decision 1: the up-position p_i, m = F[p_i] and M for the stopping test
        p_i, m, M = _read_i(xp, host, F_up, F_low)
        stop = m - M <= tol
        if (stop or it >= limit) and len(st.act_h) < n:  # the test holds on A: check all n
            mark("selection")
            st.join(F_up, F_low)
            st.unshrink(beta_h)
            F_up, F_low = st.split()
            mark("reconstruct")
            p_i, m, M = _read_i(xp, host, F_up, F_low)
            stop, counter = m - M <= tol, 1  # not optimal after all: shrink again next step
        if stop:
            break
        if it >= limit:
            warnings.warn(
                f"SMO stopped at max_iter={limit} with maximal violation {m - M:.3g} > tol={tol}",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        i = st.act_h[p_i]
        mark("selection")
        K_i, a_half = rows.active_row_and_half_distances(i, 0.5 * TAU)  # max(a_it / 2, tau / 2)
        mark("kernel rows")
        # WSS 2 on A: j = argmax over {t in I_low, F_t < m} of (m - F_t)^2 / a_it
        b = m - F_low
        # host decision 2: the low-position p_j, F_j and K_ij for the analytic step
        p_j, F_j, K_ij = _read_j(xp, host, (b * xp.abs(b)) / a_half, F_low, K_i)
        j = st.act_h[p_j]
        a_ij = max(diag_h[i] + diag_h[j] - 2.0 * K_ij, TAU)
        mark("selection")
        K_j = rows.active_row(j)
        mark("kernel rows")
        low_i, up_j = beta_h[i] > L_h[i], beta_h[j] < U_h[j]  # i is in I_up, j in I_low
        s = _clipped_step(beta_h, U_h, L_h, i, j, (m - F_j) / a_ij)
        d = s * (K_i - K_j)
        F_up -= d
        F_low -= d
        # s > 0: beta_i only grows, beta_j only shrinks, so i can only join I_low and
        # leave I_up, j only join I_up and leave I_low; F moves with them
        if not low_i and beta_h[i] > L_h[i]:
            F_low[p_i] = F_up[p_i]
            st.low[p_i] = True
        if beta_h[i] >= U_h[i]:
            F_up[p_i] = -math.inf
            st.up[p_i] = False
        if not up_j and beta_h[j] < U_h[j]:
            F_up[p_j] = F_low[p_j]
            st.up[p_j] = True
        if beta_h[j] <= L_h[j]:
            F_low[p_j] = math.inf
            st.low[p_j] = False
        it += 1
        mark("update")

    st.join(F_up, F_low)
    free = st.up & st.low  # all n are active here
    dt = y.dtype
    # host decision 3 (once): the bias from the free coefficients, else the midpoint
    n_free, F_free = _host(
        xp, xp.sum(xp.astype(free, dt)), xp.sum(xp.where(free, st.F, xp.zeros_like(st.F)))
    )
    b = F_free / n_free if n_free > 0 else 0.5 * (m + M)
    beta = xp.asarray(beta_h, dtype=dt, device=backend.device_of(y))
    return SMOResult(
        beta=beta,
        b=b,
        n_iter=it,
        max_violation=m - M,
        min_active=st.min_active,
        n_reconstruct=st.n_reconstruct,
    )
