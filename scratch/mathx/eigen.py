r"""The cyclic Jacobi method for the symmetric eigenproblem A = V diag(lambda) V^T.

Idea (Jacobi 1846): a plane rotation J(p, q, theta) applied on both sides,
A' = J^T A J, changes only rows and columns p and q. Choose theta so that a'_pq = 0.
Every such rotation moves the weight a_pq^2 from off the diagonal onto it:

    off(A')^2 = off(A)^2 - 2 a_pq^2,      off(A)^2 = sum_{i != j} a_ij^2,

so sweeping over all pairs (p, q) drives A to diagonal form D, and the product of the
rotations V = J_1 J_2 ... holds the eigenvectors (A V = V D). Convergence is quadratic
once off(A) is small (Henrici; Golub & Van Loan, Matrix Computations, sec. 8.5).

The rotation angle. With J_pp = J_qq = c, J_pq = s, J_qp = -s (c = cos theta,
s = sin theta), the new off-diagonal entry is

    a'_pq = (c^2 - s^2) a_pq + c s (a_pp - a_qq).

Setting it to zero with t = tan theta = s / c and tau = (a_qq - a_pp) / (2 a_pq) gives
the quadratic t^2 + 2 tau t - 1 = 0. Its root of smaller magnitude (|theta| <= pi/4,
which is what makes the sweeps converge) is

    t = sign(tau) / (|tau| + sqrt(1 + tau^2)),      c = 1 / sqrt(1 + t^2),  s = t c.

Numerical trick: multiplying through by 2|a_pq| gives, with d = a_qq - a_pp,

    t = 2 a_pq sign(d) / (|d| + sqrt(d^2 + 4 a_pq^2)),   sign(0) := 1,

which never divides by a_pq (t = 0 when a_pq = 0) and never overflows tau.

Vectorized ordering. A sweep visits every pair (p, q), p < q, once. We order the pairs
as a round-robin tournament (Brent & Luk 1985): n - 1 rounds of n/2 disjoint pairs
(one index idles when n is odd). Rotations of disjoint pairs commute, so a round is one
orthogonal matrix J_round (the n/2 rotations placed in one matrix) and one update
A <- J^T A J, V <- V J: two matrix products instead of n/2 scalar loops. This is still
the cyclic Jacobi method, with the parallel ordering instead of the row ordering.

Stopping: after each sweep, stop when off(A) <= tol * ||A||_F.
Shapes: A (n, n) -> eigenvalues (n,) ascending, eigenvectors (n, n) (columns).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import backend
from ..validation import check_array

__all__ = ["jacobi_eigh", "JacobiResult", "round_robin_pairs", "jacobi_rotation"]


class JacobiResult(NamedTuple):
    """eigenvalues (n,) ascending, eigenvectors (n, n) as columns, like ``linalg.eigh``."""

    eigenvalues: Any
    eigenvectors: Any


def round_robin_pairs(n: int) -> list[list[tuple[int, int]]]:
    """The n - 1 (n even) or n (n odd) rounds of disjoint pairs (p, q), p < q.

    Circle method: fix player 0, rotate the others one seat per round; a dummy player
    n pads odd n and its pairs are dropped. Every pair p < q appears exactly once.
    """
    m = n + (n % 2)
    players = list(range(m))
    rounds = []
    for _ in range(m - 1):
        pairs = []
        for i in range(m // 2):
            p, q = players[i], players[m - 1 - i]
            if p < n and q < n:
                pairs.append((min(p, q), max(p, q)))
        rounds.append(pairs)
        players = [players[0], players[-1]] + players[1:-1]
    return rounds


def jacobi_rotation(a_pp, a_qq, a_pq):
    """(c, s) of the rotations that zero a_pq, elementwise (see the module docstring)."""
    xp = backend.namespace(a_pp, a_qq, a_pq)
    d = a_qq - a_pp
    one = xp.ones_like(d)
    sign_d = xp.where(d >= 0, one, -one)
    den = xp.abs(d) + xp.sqrt(d * d + 4.0 * a_pq * a_pq)
    safe = xp.where(den > 0, den, 1.0)
    t = xp.where(den > 0, 2.0 * a_pq * sign_d / safe, 0.0)
    c = 1.0 / xp.sqrt(1.0 + t * t)
    return c, t * c


def _off(xp, A, I):
    """off(A) = sqrt(sum_{i != j} a_ij^2), summed directly (not ||A||^2 - ||diag||^2,
    whose cancellation hides an off-diagonal part below sqrt(eps) ||A||)."""
    E = A * (1.0 - I)
    return xp.sqrt(xp.sum(E * E))


def jacobi_eigh(
    A: Any,
    tol: float | None = None,
    max_sweeps: int = 30,
    return_history: bool = False,
):
    """Eigenvalues and eigenvectors of a real symmetric matrix by cyclic Jacobi sweeps.

    Parameters
    ----------
    A : array, shape (n, n)
        Real symmetric (checked up to 1000 machine epsilons of max|A|); any backend.
    tol : float, optional
        Stop when off(A) <= tol * ||A||_F after a sweep (default: n * machine epsilon).
    max_sweeps : int
        At most this many sweeps (Jacobi converges quadratically: ~6-10 suffice).
    return_history : bool
        Also return off(A) / ||A||_F before the first sweep and after each sweep.

    Returns
    -------
    JacobiResult(eigenvalues, eigenvectors)
        Eigenvalues ascending (n,), orthonormal eigenvectors as columns (n, n), with
        A V = V diag(eigenvalues); followed by the history list if requested.
        Finite for any finite A: the sweeps run on A scaled by a power of two to
        max|A| <= 1, so entries of 1e+-300 neither overflow nor underflow.
    """
    A = check_array(A, name="A")
    xp = backend.namespace(A)
    n = A.shape[0]
    if A.shape[1] != n:
        raise ValueError(f"A must be square, got shape {tuple(A.shape)}")
    if isinstance(max_sweeps, bool) or not isinstance(max_sweeps, int) or max_sweeps < 1:
        raise ValueError(f"max_sweeps must be a positive int, got {max_sweeps!r}")
    eps = xp.finfo(A.dtype).eps
    if tol is None:
        tol = n * eps
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    At = xp.matrix_transpose(A)
    # one host decision: refuse a non-symmetric matrix instead of returning nonsense
    asym = float(backend.to_numpy(xp.max(xp.abs(A - At))))
    scale = float(backend.to_numpy(xp.max(xp.abs(A))))
    if asym > 1000 * eps * scale:
        raise ValueError(f"A must be symmetric, got max |A - A^T| = {asym:.3g}")
    # scale to max|A| in (1/2, 1] by a power of two (exact): the squares in ||A||, off(A)
    # and the rotation's a_pq^2 neither overflow (max|A| ~ 1e200) nor underflow to 0
    # (~1e-200, which stopped the sweeps at once); the eigenvalues are scaled back at the end
    unit = 2.0 ** math.frexp(scale)[1] if scale > 0 else 1.0
    A = (A + At) / (2.0 * unit)
    dev = backend.device_of(A)
    V = xp.eye(n, dtype=A.dtype, device=dev)
    norm = float(backend.to_numpy(xp.sqrt(xp.sum(A * A))))  # host scalar: the stopping scale
    history = []
    rounds = []
    for pairs in round_robin_pairs(n):
        p = xp.asarray([pq[0] for pq in pairs], dtype=xp.int64, device=dev)
        q = xp.asarray([pq[1] for pq in pairs], dtype=xp.int64, device=dev)
        k = xp.arange(n, dtype=xp.int64, device=dev)
        P = xp.astype(p[:, None] == k[None, :], A.dtype)  # one-hot rows (m, n)
        Q = xp.astype(q[:, None] == k[None, :], A.dtype)
        rounds.append((p, q, P, Q))
    I = xp.eye(n, dtype=A.dtype, device=dev)  # noqa: E741 - the identity
    off = float(backend.to_numpy(_off(xp, A, I))) if n > 1 else 0.0
    history.append(off / norm if norm > 0 else 0.0)
    for _ in range(max_sweeps):
        if off <= tol * norm:
            break
        for p, q, P, Q in rounds:
            flat = xp.reshape(A, (-1,))
            a_pp = xp.take(flat, p * (n + 1))
            a_qq = xp.take(flat, q * (n + 1))
            a_pq = xp.take(flat, p * n + q)
            c, s = jacobi_rotation(a_pp, a_qq, a_pq)
            PT, QT = xp.matrix_transpose(P), xp.matrix_transpose(Q)
            # J = I + sum over pairs of (c - 1)(e_p e_p^T + e_q e_q^T) + s (e_p e_q^T - e_q e_p^T)
            J = (
                I
                + xp.matmul(PT * (c - 1.0), P)
                + xp.matmul(QT * (c - 1.0), Q)
                + xp.matmul(PT * s, Q)
                - xp.matmul(QT * s, P)
            )
            A = xp.matmul(xp.matmul(xp.matrix_transpose(J), A), J)
            V = xp.matmul(V, J)
        A = (A + xp.matrix_transpose(A)) / 2
        # one host scalar per sweep: the convergence test
        off = float(backend.to_numpy(_off(xp, A, I)))
        history.append(off / norm if norm > 0 else 0.0)
    lam = xp.linalg.diagonal(A) * unit
    order = xp.argsort(lam)
    result = JacobiResult(xp.take(lam, order), xp.take(V, order, axis=1))
    return (result, history) if return_history else result
