"""The cyclic Jacobi eigensolver: eigh parity, orthonormality, residuals, the rotation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.mathx import jacobi_eigh
from scratch.mathx.eigen import jacobi_rotation, round_robin_pairs
from scratch.testing.strategies import spd_matrices, symmetric_matrices


@given(data=st.data())
def test_eigenpairs_of_symmetric_matrices_are_real_and_orthonormal(xp, data):
    """For real symmetric A: V^T V = I and A V = V diag(lambda), eigenvalues ascending
    and equal to eigvalsh. Backward stability of orthogonal rotations: errors are a few
    hundred ulps of ||A|| at these sizes (n <= 6, entries <= 5), so 1e-12 * ||A||."""
    A = data.draw(symmetric_matrices(xp))
    lam, V = jacobi_eigh(A)
    assert backend.backend_name(lam) == xp.name and backend.backend_name(V) == xp.name
    A, lam, V = backend.to_numpy(A), backend.to_numpy(lam), backend.to_numpy(V)
    n = A.shape[0]
    scale = max(1.0, np.abs(A).max())
    assert np.all(np.isreal(lam)) and np.all(np.diff(lam) >= 0)
    np.testing.assert_allclose(V.T @ V, np.eye(n), atol=1e-13 * n)
    np.testing.assert_allclose(A @ V, V * lam, atol=1e-12 * scale)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(A), atol=1e-12 * scale)


@given(data=st.data())
def test_jacobi_matches_linalg_eigh_on_the_same_backend(xp, data):
    """Eigenvalues equal xp.linalg.eigh's; eigenvectors too, up to sign, where the
    eigenvalue gap is >= 1e-2 (an eigenvector's error is ~ eps ||A|| / gap)."""
    A = data.draw(spd_matrices(xp, n=data.draw(st.integers(2, 6))))
    lam, V = jacobi_eigh(A)
    ref = xp.linalg.eigh(A)
    lam, V = backend.to_numpy(lam), backend.to_numpy(V)
    lam_ref, V_ref = backend.to_numpy(ref.eigenvalues), backend.to_numpy(ref.eigenvectors)
    np.testing.assert_allclose(lam, lam_ref, atol=1e-12 * np.abs(lam_ref).max())
    gaps = np.diff(lam_ref)
    for j in range(len(lam)):
        left = gaps[j - 1] if j > 0 else np.inf
        right = gaps[j] if j < len(gaps) else np.inf
        if min(left, right) >= 1e-2:
            s = np.sign(V[:, j] @ V_ref[:, j])
            np.testing.assert_allclose(V[:, j] * s, V_ref[:, j], atol=1e-10)


def test_jacobi_on_a_large_random_matrix_converges_quadratically(xp):
    """off(A)/||A|| shrinks quadratically once small (Henrici): each sweep at least squares
    it (up to a constant), and it ends below n eps within a handful of sweeps."""
    rng = np.random.default_rng(3)
    g = rng.standard_normal((24, 24))
    (lam, V), hist = jacobi_eigh(xp.asarray((g + g.T) / 2), return_history=True)
    assert hist[-1] <= 24 * np.finfo(float).eps
    assert len(hist) <= 12
    small = [(a, b) for a, b in zip(hist[:-1], hist[1:]) if a < 1e-2 and b > 0]
    assert small and all(b <= 10 * a * a for a, b in small)
    np.testing.assert_allclose(backend.to_numpy(lam), np.linalg.eigvalsh((g + g.T) / 2), atol=1e-12)


@given(n=st.integers(1, 40))
def test_round_robin_rounds_visit_every_pair_once_and_are_disjoint(n):
    """A sweep is n(n-1)/2 rotations; within a round no index appears twice (so the
    round's rotations commute and form one orthogonal matrix)."""
    rounds = round_robin_pairs(n)
    seen = [pq for r in rounds for pq in r]
    assert len(seen) == len(set(seen)) == n * (n - 1) // 2
    assert all(p < q for p, q in seen)
    for r in rounds:
        idx = [i for pq in r for i in pq]
        assert len(idx) == len(set(idx))


@given(a_pp=st.floats(-10, 10), a_qq=st.floats(-10, 10), a_pq=st.floats(-10, 10))
def test_the_rotation_angle_zeroes_the_off_diagonal_entry(xp, a_pp, a_qq, a_pq):
    """With J = [[c, s], [-s, c]]: (J^T A J)_pq = (c^2 - s^2) a_pq + c s (a_pp - a_qq) = 0,
    c^2 + s^2 = 1 and |theta| <= pi/4 (|s| <= c)."""
    c, s = jacobi_rotation(*(xp.asarray(np.array([v])) for v in (a_pp, a_qq, a_pq)))
    c, s = float(backend.to_numpy(c)[0]), float(backend.to_numpy(s)[0])
    A = np.array([[a_pp, a_pq], [a_pq, a_qq]])
    J = np.array([[c, s], [-s, c]])
    B = J.T @ A @ J
    assert abs(B[0, 1]) <= 1e-14 * max(1.0, np.abs(A).max())
    assert abs(c * c + s * s - 1) <= 1e-15 and abs(s) <= c + 1e-15


def test_jacobi_of_a_textbook_matrix(xp):
    """Worked example: [[2, 1], [1, 2]] has eigenvalues 1 and 3, vectors (1, -1)/sqrt 2,
    (1, 1)/sqrt 2; one rotation of theta = pi/4 diagonalizes it."""
    lam, V = jacobi_eigh(xp.asarray(np.array([[2.0, 1.0], [1.0, 2.0]])))
    np.testing.assert_allclose(backend.to_numpy(lam), [1.0, 3.0], atol=1e-15)
    V = np.abs(backend.to_numpy(V))
    np.testing.assert_allclose(V, np.full((2, 2), 2**-0.5), atol=1e-15)


def test_jacobi_refuses_non_symmetric_and_bad_input(xp):
    with pytest.raises(ValueError, match="symmetric"):
        jacobi_eigh(xp.asarray(np.array([[1.0, 2.0], [0.0, 1.0]])))
    with pytest.raises(ValueError, match="square"):
        jacobi_eigh(xp.asarray(np.ones((2, 3))))
    with pytest.raises(ValueError, match="NaN"):
        jacobi_eigh(xp.asarray(np.array([[np.nan, 0.0], [0.0, 1.0]])))
    with pytest.raises(ValueError, match="max_sweeps"):
        jacobi_eigh(xp.asarray(np.eye(2)), max_sweeps=0)
