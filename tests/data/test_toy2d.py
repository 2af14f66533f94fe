"""Toy 2-D distributions and the mode-coverage metric.

For the true mixture, ||x - m_k||^2 / s^2 ~ chi^2_2 around the drawn mode, so the share
of samples within 3 s of their mode is P(chi^2_2 <= 9) = 1 - exp(-9/2) = 0.98889; with
n = 20,000 its standard error is 0.0007, and the tests allow 5 of them.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.data.toy2d import TOY_2D, mode_coverage, toy_2d, toy_density

N = 20_000


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_mixture_samples_have_equal_weights_and_the_stated_spread(xp, name):
    """Each mode gets n / K samples (binomial: 5 standard errors) and, around it, the
    isotropic std s (sample std within 3%)."""
    toy = TOY_2D[name]
    X = backend.to_numpy(toy_2d(name, N, backend=xp, rng=0))
    K = toy.modes.shape[0]
    nearest = np.argmin(((X[:, None, :] - toy.modes) ** 2).sum(-1), axis=1)
    counts = np.bincount(nearest, minlength=K)
    p = 1 / K
    assert np.all(np.abs(counts / N - p) < 5 * math.sqrt(p * (1 - p) / N))
    resid = X - toy.modes[nearest]
    np.testing.assert_allclose(resid.std(axis=0), toy.std, rtol=0.03)
    np.testing.assert_allclose(resid.mean(axis=0), 0.0, atol=5 * toy.std / math.sqrt(N))


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_the_true_distribution_hits_every_mode_with_the_chi2_share(xp, name):
    cov = mode_coverage(toy_2d(name, N, backend=xp, rng=1), name)
    assert cov.modes_hit == cov.n_modes == TOY_2D[name].modes.shape[0]
    assert abs(cov.high_quality - (1 - math.exp(-4.5))) < 5 * 0.0007
    assert sum(cov.counts) == round(cov.high_quality * N)


def test_a_collapsed_sampler_hits_one_mode_and_a_blurry_one_is_low_quality(xp):
    """All samples on mode 3: 1 mode hit, quality 1. Uniform noise over the square: the
    8 modes get hit rarely and the high-quality share is tiny."""
    m = TOY_2D["ring8"].modes
    collapsed = xp.asarray(np.repeat(m[3:4], 500, axis=0))
    cov = mode_coverage(collapsed, "ring8")
    assert (cov.modes_hit, cov.high_quality, cov.counts[3]) == (1, 1.0, 500)
    blurry = xp.asarray(np.random.default_rng(0).uniform(-3, 3, size=(4000, 2)))
    cov = mode_coverage(blurry, "ring8")
    # area 8 pi (0.15)^2 of 36: expected share 0.0157
    assert cov.high_quality < 0.03


@given(min_share=st.floats(0.0, 1.0), n_std=st.floats(0.5, 6.0))
def test_coverage_counts_match_a_brute_force_count(xp, min_share, n_std):
    X = backend.to_numpy(toy_2d("grid25", 400, backend=xp, rng=2)) * 1.1
    cov = mode_coverage(xp.asarray(X), "grid25", n_std=n_std, min_share=min_share)
    toy = TOY_2D["grid25"]
    d = np.sqrt(((X[:, None, :] - toy.modes) ** 2).sum(-1))
    near = d.argmin(1)
    good = d.min(1) <= n_std * toy.std
    counts = np.array([np.sum(good & (near == k)) for k in range(25)])
    assert cov.counts == counts.tolist()
    assert cov.modes_hit == int(np.sum(counts >= min_share * 400 / 25))


@pytest.mark.parametrize("name", ["ring8", "grid25", "swissroll"])
def test_density_integrates_to_one(name):
    """A Riemann sum with step h = 0.04 = 0.8 s: for Gaussians its error is about
    exp(-2 pi^2 s^2 / h^2) ~ 1e-13, so 1e-3 only allows for the tails beyond [-4, 4]."""
    t = np.linspace(-4, 4, 201)
    gx, gy = np.meshgrid(t, t)
    p = toy_density(name, np.stack([gx, gy], -1))
    np.testing.assert_allclose(p.sum() * (t[1] - t[0]) ** 2, 1.0, rtol=1e-3)


def test_swiss_roll_lies_on_its_spiral(xp):
    """x = (t cos t, t sin t) / 5 + noise: the radius 5 |x| ~ t, t in [1.5 pi, 4.5 pi]."""
    X = backend.to_numpy(toy_2d("swissroll", 2000, backend=xp, rng=0))
    r = 5 * np.linalg.norm(X, axis=1)
    assert X.shape == (2000, 2)
    assert r.min() > 1.5 * np.pi - 1.5 and r.max() < 4.5 * np.pi + 1.5
    with pytest.raises(ValueError, match="no modes"):
        mode_coverage(xp.asarray(X), "swissroll")


def test_same_seed_same_samples_on_every_backend(xp):
    a = backend.to_numpy(toy_2d("ring8", 50, backend=xp, rng=3))
    b = backend.to_numpy(toy_2d("ring8", 50, backend="numpy", rng=3))
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="name"):
        toy_2d("moons", 10)
    with pytest.raises(ValueError, match="n must"):
        toy_2d("ring8", 0)
    with pytest.raises(ValueError, match="samples"):
        mode_coverage(np.zeros((3, 3)), "ring8")
