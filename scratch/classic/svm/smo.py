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
from .kernels import KernelRows

# the floor on the curvature a_ij of a two-variable step (Fan, Chen & Lin 2005, sec. 4)
TAU = 1e-12


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


def _host(xp, index: Any, *values: Any) -> list[float]:
    """Bring an index and a few values (all 0-d, or all shape (1,)) to the host at once."""
    if xp.__name__.startswith("array_api_compat.numpy"):  # already host memory: no transfer
        return [index.item(), *(v.item() for v in values)]
    parts = [xp.astype(index, values[0].dtype), *values]
    joined = xp.concat(parts) if index.ndim == 1 else xp.stack(parts)
    return backend.to_numpy(joined).tolist()


def smo(rows: KernelRows, y: Any, C: float, tol: float = 1e-3, max_iter: int = -1) -> SMOResult:
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

    Returns
    -------
    SMOResult
        beta (n,) on the device, b, the number of iterations and the final m - M.
    """
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
