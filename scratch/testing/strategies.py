"""Hypothesis strategies for arrays on a backend, SPD and stochastic matrices.

Each strategy draws NumPy data (so shrinking works) and places it on the backend
with one explicit transfer. Needs hypothesis (the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..backend import Backend


def shapes(min_dims=1, max_dims=3, min_side=1, max_side=5):
    """Array shapes with bounded rank and sides."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def floats(lo=-3.0, hi=3.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def arrays(draw, bk: Backend, shape=None, lo=-3.0, hi=3.0, dtype=None):
    """A float array on backend ``bk`` with entries in [lo, hi] (shape drawn if not given)."""
    if shape is None:
        shape = draw(shapes())
    elif not isinstance(shape, tuple):
        shape = draw(shape)
    a = draw(hnp.arrays(np.float64, shape, elements=floats(lo, hi)))
    return bk.asarray(a, dtype=dtype or bk.float)


@st.composite
def broadcastable_pair(draw, bk: Backend, lo=-3.0, hi=3.0):
    """Two arrays whose shapes broadcast against each other (size-1 and missing axes)."""
    shapes_ = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
    )
    a = draw(arrays(bk, shapes_.input_shapes[0], lo, hi))
    b = draw(arrays(bk, shapes_.input_shapes[1], lo, hi))
    return a, b


@st.composite
def spd_matrices(draw, bk: Backend, n=None, min_eig=0.1):
    """A symmetric positive-definite n x n matrix A = Q diag(lambda) Q^T, lambda >= min_eig."""
    if n is None:
        n = draw(st.integers(1, 5))
    g = draw(hnp.arrays(np.float64, (n, n), elements=floats(-1, 1)))
    q, _ = np.linalg.qr(g + n * np.eye(n))
    lam = draw(hnp.arrays(np.float64, (n,), elements=floats(min_eig, 5.0)))
    return bk.asarray((q * lam) @ q.T, dtype=bk.float)


@st.composite
def symmetric_matrices(draw, bk: Backend, n=None):
    """A real symmetric n x n matrix (indefinite in general)."""
    if n is None:
        n = draw(st.integers(1, 6))
    g = draw(hnp.arrays(np.float64, (n, n), elements=floats(-5, 5)))
    return bk.asarray((g + g.T) / 2, dtype=bk.float)


@st.composite
def stochastic_matrices(draw, bk: Backend, rows=None, cols=None, min_p=1e-3):
    """A row-stochastic matrix: nonnegative entries (>= min_p), each row summing to one."""
    rows = rows if rows is not None else draw(st.integers(1, 4))
    cols = cols if cols is not None else draw(st.integers(1, 4))
    w = draw(hnp.arrays(np.float64, (rows, cols), elements=floats(min_p, 1.0)))
    return bk.asarray(w / w.sum(axis=1, keepdims=True), dtype=bk.float)
