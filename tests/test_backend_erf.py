"""backend.erf: the error function the Array-API standard lacks, on every backend.

Reference values: math.erf (the C library's, correctly rounded to ~1 ulp) and
scipy.special.erf. The portable path (series below 2.5, continued fraction above) is
accurate to ~1e-15 absolute in float64; we allow 4e-15 (a few ulp of values near 1).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend
from scratch.backend import _erf_portable, erf


@pytest.mark.parametrize("impl", [erf, _erf_portable], ids=["erf", "portable"])
def test_erf_matches_math_erf_on_a_dense_grid(xp, impl):
    a = np.concatenate([np.linspace(-8, 8, 4001), [1e4, -1e4, 1e300, -1e300, 0.0, 2.5, -2.5]])
    out = backend.to_numpy(impl(xp.asarray(a)))
    ref = np.array([math.erf(v) for v in a])
    assert np.max(np.abs(out - ref)) < 4e-15
    assert backend.backend_name(impl(xp.asarray(a))) == xp.name


@given(a=hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-10, 10)))
def test_portable_erf_matches_scipy(xp, a):
    special = pytest.importorskip("scipy.special")
    out = backend.to_numpy(_erf_portable(xp.asarray(a)))
    np.testing.assert_allclose(out, special.erf(a), rtol=4e-15, atol=4e-15)


def test_erf_is_odd_and_saturates_without_warnings_in_float32(xp32):
    """erf(-x) = -erf(x); |x| up to 3e38 in float32 raises no overflow (RuntimeWarning = error)."""
    a = np.array([0.1, 1.0, 3.0, 1e4, 3e38], dtype=np.float32)
    for impl in (erf, _erf_portable):
        pos = backend.to_numpy(impl(xp32.asarray(a, dtype=xp32.float32)))
        neg = backend.to_numpy(impl(xp32.asarray(-a, dtype=xp32.float32)))
        assert pos.dtype == np.float32
        np.testing.assert_array_equal(pos, -neg)
        np.testing.assert_allclose(pos, [math.erf(v) for v in a.astype(float)], atol=1e-6)


def test_erf_refuses_integer_arrays(xp):
    with pytest.raises(TypeError, match="real floating"):
        erf(xp.asarray(np.array([1, 2])))


def test_erf_torch_fast_path_agrees():
    torch = pytest.importorskip("torch")
    bk = backend.get("torch")
    a = np.linspace(-5, 5, 101)
    out = backend.to_numpy(erf(bk.asarray(a)))
    assert isinstance(erf(bk.asarray(a)), torch.Tensor)
    np.testing.assert_allclose(out, [math.erf(v) for v in a], rtol=0, atol=4e-15)
