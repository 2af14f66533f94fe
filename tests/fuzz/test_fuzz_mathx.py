"""Bad input to scratch.mathx: covariance, correlation, Jacobi, Fourier, the inequalities.

Array arguments get each bad kind of tests/fuzz/conftest.py; counts, tolerances and
periods get drawn bad values. Each is a clear ValueError/TypeError/BackendError from
scratch naming the argument.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import mathx

_X = np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 3.0], [0.5, 5.0]])
_S = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 3.0]])
_SAMPLES = np.array([0.5, 1.0, 2.0, 4.0, 0.25])

ONE = ("nan", "inf", "empty", "ndim", "scalar", "complex", "object", "string")
# entry point: (call, good arguments, bad kinds per argument)
ENTRIES = {
    "covariance": (lambda X: mathx.covariance(X), {"X": _X}, ONE),
    "correlation": (lambda X: mathx.correlation(X), {"X": _X}, ONE),
    "jacobi_eigh": (lambda A: mathx.jacobi_eigh(A), {"A": _S}, ONE),
    "markov_bound": (
        lambda samples: mathx.markov_bound(samples, 1.0),
        {"samples": _SAMPLES},
        tuple(k for k in ONE if k != "scalar"),
    ),
    "chebyshev_bound": (
        lambda samples: mathx.chebyshev_bound(samples, 1.5),
        {"samples": _SAMPLES},
        tuple(k for k in ONE if k != "scalar"),
    ),
    "empirical_check": (
        lambda samples: mathx.empirical_check(samples, 1.0),
        {"samples": _SAMPLES},
        tuple(k for k in ONE if k != "scalar"),
    ),
    "square_wave": (
        lambda x: mathx.square_wave(x),
        {"x": np.linspace(-3.0, 3.0, 7)},
        ("nan", "inf", "complex", "object", "string"),
    ),
}
CASES = [(e, a, k) for e, (_, good, kinds) in ENTRIES.items() for a in good for k in kinds]


@pytest.mark.parametrize("entry,arg,kind", CASES, ids=["-".join(c) for c in CASES])
@settings(max_examples=3)
@given(pos=st.integers(0, 1000))
def test_a_bad_array_is_a_clear_error_naming_it(xp, bad, ours, entry, arg, kind, pos):
    fn, good, _ = ENTRIES[entry]
    with pytest.raises((ValueError, TypeError)) as e:
        fn(**{arg: bad(kind, good[arg], xp, pos)})
    ours(e, arg)


def test_the_good_arrays_of_every_case_are_accepted(xp):
    for fn, good, _ in ENTRIES.values():
        fn(**{k: xp.asarray(v) for k, v in good.items()})


@given(t=st.one_of(st.floats(max_value=0.0), st.just(float("nan"))))
def test_the_inequalities_refuse_thresholds_that_are_not_positive(xp, ours, t):
    s = xp.asarray(_SAMPLES)
    for fn, name in ((mathx.markov_bound, "a"), (mathx.chebyshev_bound, "k")):
        with pytest.raises(ValueError) as e:
            fn(s, t)
        ours(e, name)


@given(v=st.floats(-1e3, -1e-6))
def test_markov_refuses_negative_samples(xp, ours, v):
    s = _SAMPLES.copy()
    s[2] = v
    with pytest.raises(ValueError) as e:
        mathx.markov_bound(xp.asarray(s), 1.0)
    ours(e, "samples")


@given(kind=st.text(max_size=5).filter(lambda k: k not in ("markov", "chebyshev")))
def test_empirical_check_refuses_an_unknown_kind(xp, ours, kind):
    with pytest.raises(ValueError) as e:
        mathx.empirical_check(xp.asarray(_SAMPLES), 1.0, kind=kind)
    ours(e, "kind")


bad_int = st.one_of(st.integers(max_value=-1), st.floats(), st.booleans(), st.text(max_size=2))


@given(ddof=bad_int)
def test_covariance_refuses_a_bad_ddof(xp, ours, ddof):
    with pytest.raises((ValueError, TypeError)) as e:
        mathx.covariance(xp.asarray(_X), ddof=ddof)
    ours(e, "ddof")


@given(
    max_sweeps=st.one_of(st.integers(max_value=0), st.floats(), st.booleans()),
    tol=st.one_of(st.floats(max_value=-1e-300), st.just(float("nan")), st.text(max_size=2)),
    which=st.sampled_from(["max_sweeps", "tol"]),
)
def test_jacobi_refuses_bad_sweeps_and_tolerances(xp, ours, max_sweeps, tol, which):
    kwargs = {"max_sweeps": max_sweeps} if which == "max_sweeps" else {"tol": tol}
    with pytest.raises((ValueError, TypeError)) as e:
        mathx.jacobi_eigh(xp.asarray(_S), **kwargs)
    ours(e, which)


@given(off=st.floats(1e-3, 1e3))
def test_jacobi_refuses_a_non_symmetric_matrix(xp, ours, off):
    A = _S.copy()
    A[0, 2] += off
    with pytest.raises(ValueError) as e:
        mathx.jacobi_eigh(xp.asarray(A))
    ours(e, "A")


@given(
    n_terms=bad_int,
    period=st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.text(max_size=2)),
    n_points=st.one_of(st.integers(max_value=6), st.floats(), st.booleans()),
    which=st.sampled_from(["n_terms", "period", "n_points"]),
)
@settings(max_examples=30)
def test_fourier_coefficients_refuse_bad_counts_and_periods(
    xp, ours, n_terms, period, n_points, which
):
    kwargs = {"n_terms": 3, "period": 2 * math.pi, "n_points": 64, which: locals()[which]}
    with pytest.raises((ValueError, TypeError)) as e:
        mathx.fourier_coefficients(lambda x: x * 0.0 + 1.0, like=xp, **kwargs)
    ours(e, which)


@given(n_terms=bad_int)
def test_square_wave_coefficients_refuse_a_bad_count(xp, ours, n_terms):
    with pytest.raises((ValueError, TypeError)) as e:
        mathx.square_wave_coefficients(n_terms, like=xp)
    ours(e, "n_terms")
