"""Bad input to every public entry of scratch.metrics: a clear error naming the argument.

Each case takes one argument of one entry point, replaces it by a bad value of one kind
(tests/fuzz/conftest.py: NaN, inf, empty, wrong ndim, 0-d, complex, object, string, the
other backend) and draws where the bad entry sits and the scale of the good ones. The
call must raise ValueError/TypeError/BackendError from scratch itself (never NumPy's
text, never a NaN result: RuntimeWarnings are errors in this suite) naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import metrics
from scratch.backend import to_numpy

_R = np.random.default_rng(0)
_DIGITS = _R.uniform(0, 16, size=(3, 64))


def _kl():
    return {"mu0": np.zeros(3), "cov0": 2 * np.eye(3), "mu1": np.ones(3), "cov1": np.eye(3)}


def _frechet():
    return {"mu1": np.zeros(3), "sigma1": 2 * np.eye(3), "mu2": np.ones(3), "sigma2": np.eye(3)}


ONE = ("nan", "inf", "empty", "complex", "object", "string", "ndim", "scalar")
ALL = ONE + ("other",)  # for one array alone, the other backend is no error
# entry point: (function, good arguments, the kinds that are bad for each of them)
ENTRIES = {
    "kl_gaussian": (metrics.kl_gaussian, _kl, tuple(k for k in ALL if k != "ndim")),
    "frechet_distance": (metrics.frechet_distance, _frechet, ALL),
    "fid": (
        metrics.fid,
        lambda: {"features1": _R.normal(size=(6, 3)), "features2": _R.normal(size=(5, 3))},
        ALL,
    ),
    "inception_score": (
        lambda probs: metrics.inception_score(probs, splits=2),
        lambda: {"probs": np.full((4, 2), 0.5)},
        ONE,
    ),
    "wasserstein_1d": (
        metrics.wasserstein_1d,
        lambda: {
            "u": np.arange(4.0),
            "v": np.arange(3.0) + 0.5,
            "u_weights": np.ones(4),
            "v_weights": np.full(3, 2.0),
        },
        ALL,
    ),
    "digits_fid": (
        metrics.digits_fid,
        lambda: {"images1": _DIGITS, "images2": _DIGITS[::-1]},
        ALL,
    ),
    "digits_inception_score": (
        lambda images: metrics.digits_inception_score(images, splits=1),
        lambda: {"images": _DIGITS},
        ONE,
    ),
}
CASES = [
    (entry, arg, kind)
    for entry, (_, good, kinds) in ENTRIES.items()
    for arg in good()
    for kind in kinds
]


@pytest.mark.parametrize("entry,arg,kind", CASES, ids=["-".join(c) for c in CASES])
@settings(max_examples=3)
@given(pos=st.integers(0, 1000), scale=st.sampled_from([1.0, 1e-3, 1e3]))
def test_a_bad_argument_is_a_clear_error_naming_it(xp, bad, ours, entry, arg, kind, pos, scale):
    fn, good, _ = ENTRIES[entry]
    args = {
        k: v * scale if k.startswith(("mu", "u", "v", "feat")) else v for k, v in good().items()
    }
    kwargs = {k: xp.asarray(v) for k, v in args.items()}
    kwargs[arg] = bad(kind, args[arg], xp, pos)
    with pytest.raises((ValueError, TypeError)) as e:
        fn(**kwargs)
    names = tuple(kwargs) if kind == "other" else (arg,)  # two backends: either one is named
    ours(e, *names)


def test_the_good_arguments_of_every_case_are_accepted(xp):
    """The fuzz cases change one argument of a call that works: without it, no error."""
    for fn, good, _ in ENTRIES.values():
        out = fn(**{k: xp.asarray(v) for k, v in good().items()})
        for value in out if isinstance(out, tuple) else (out,):
            assert np.isfinite(float(to_numpy(value)))


bad_splits = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=5, max_value=10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)


@given(splits=bad_splits)
def test_inception_score_refuses_bad_splits(xp, ours, splits):
    with pytest.raises((ValueError, TypeError)) as e:
        metrics.inception_score(xp.asarray(np.full((4, 2), 0.5)), splits=splits)
    ours(e, "splits")


@given(lam=st.floats(-1e3, -1e-3))
def test_kl_and_frechet_refuse_a_covariance_with_a_negative_eigenvalue(xp, ours, lam):
    bad = xp.asarray(np.diag([1.0, lam, 2.0]))
    good = xp.asarray(np.eye(3))
    mu = xp.asarray(np.zeros(3))
    with pytest.raises(ValueError) as e:
        metrics.kl_gaussian(mu, bad, mu, good)
    ours(e, "cov0")
    with pytest.raises(ValueError) as e:
        metrics.frechet_distance(mu, good, mu, bad)
    ours(e, "sigma2")


@given(off=st.floats(1e-3, 1e3))
def test_kl_refuses_a_non_symmetric_covariance(xp, ours, off):
    C = np.eye(3) * 10
    C[0, 2] += off
    mu = xp.asarray(np.zeros(3))
    with pytest.raises(ValueError) as e:
        metrics.kl_gaussian(mu, xp.asarray(np.eye(3)), mu, xp.asarray(C))
    ours(e, "cov1")


@given(v=st.floats(-1e3, 0.0))
def test_kl_refuses_variances_that_are_not_positive(xp, ours, v):
    mu = xp.asarray(np.zeros(2))
    with pytest.raises(ValueError) as e:
        metrics.kl_gaussian(mu, xp.asarray(np.array([1.0, v])), mu, xp.asarray(np.ones(2)))
    ours(e, "cov0")


@given(
    w=st.lists(st.floats(-1e3, -1e-6), min_size=1, max_size=1),
    which=st.sampled_from(["u_weights", "v_weights"]),
)
def test_wasserstein_refuses_negative_or_all_zero_weights(xp, ours, w, which):
    u, v = xp.asarray(np.arange(3.0)), xp.asarray(np.arange(3.0) + 1)
    for weights in (np.array([1.0, w[0], 1.0]), np.zeros(3)):
        with pytest.raises(ValueError) as e:
            metrics.wasserstein_1d(u, v, **{which: xp.asarray(weights)})
        ours(e, which)


@given(e=st.integers(-1000, 1021))
def test_wasserstein_weights_of_any_scale_give_the_same_distance(xp, e):
    """Weights only enter through their ratios; 2^e-scaled ones never overflow their sum."""
    u, v = xp.asarray(np.arange(4.0)), xp.asarray(np.arange(3.0) + 0.5)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    ref = float(metrics.wasserstein_1d(u, v, xp.asarray(w)))
    scaled = float(metrics.wasserstein_1d(u, v, xp.asarray(w * 2.0**e)))
    assert scaled == ref


@given(shape=st.sampled_from([(3, 63), (3, 1, 8, 7), (3, 2, 8, 8), (3, 8, 8)]))
def test_digits_metrics_refuse_images_of_another_shape(xp, ours, shape):
    with pytest.raises(ValueError) as e:
        metrics.digits_inception_score(xp.asarray(np.ones(shape)), splits=1)
    ours(e, "images")


@given(hi=st.floats(16.001, 1e6), lo=st.floats(-1e6, -1e-3))
def test_digits_metrics_refuse_pixels_outside_0_16(xp, ours, hi, lo):
    X = np.ones((3, 64))
    for value, arg in ((hi, "images1"), (lo, "images2")):
        Y = X.copy()
        Y[1, 5] = value
        imgs = {"images1": xp.asarray(X), "images2": xp.asarray(X)}
        imgs[arg] = xp.asarray(Y)
        with pytest.raises(ValueError) as e:
            metrics.digits_fid(**imgs)
        ours(e, arg)
