"""Gaussian ellipses: the drawn level set is {x : (x - mu)^T Sigma^-1 (x - mu) = s^2}."""

import numpy as np
import pytest
from hypothesis import given

from scratch import backend
from scratch.testing.strategies import spd_matrices
from scratch.viz.ellipses import (
    covariance_ellipse,
    ellipse_geometry,
    full_covariances,
    plot_gaussian_ellipses,
)

pytest.importorskip("matplotlib")


def test_axis_aligned_covariance_gives_axis_aligned_ellipse():
    """Sigma = diag(4, 1): the 2-sigma ellipse is 2*2*2 = 8 wide, 2*2*1 = 4 high, angle 0."""
    width, height, angle = ellipse_geometry(np.diag([4.0, 1.0]), n_std=2.0)
    assert (width, height) == pytest.approx((8.0, 4.0))
    assert angle % 180 == pytest.approx(0.0, abs=1e-9)


@given(cov=spd_matrices(backend.get("numpy"), n=2))
def test_ellipse_points_have_mahalanobis_radius_n_std(cov):
    """Every point x = mu + R(angle) (w/2 cos t, h/2 sin t) of the s-sigma ellipse has
    (x - mu)^T Sigma^-1 (x - mu) = s^2 (the definition of the level set); the matplotlib
    patch carries that centre, width, height and angle. rtol 1e-6: eigh's rounding relative
    to the smallest eigenvalue (>= 0.1 by construction)."""
    mean = np.array([1.0, -2.0])
    width, height, angle = ellipse_geometry(cov, n_std=2.5)
    t = np.linspace(0, 2 * np.pi, 64)
    a = np.radians(angle)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    d = np.stack([width / 2 * np.cos(t), height / 2 * np.sin(t)], axis=1) @ R.T
    r2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(r2, 2.5**2, rtol=1e-6)
    e = covariance_ellipse(mean, cov, n_std=2.5)
    assert (e.center, e.width, e.height, e.angle) == ((1.0, -2.0), width, height, angle)


def test_diag_and_spherical_covariances_are_accepted():
    assert ellipse_geometry(np.array([4.0, 1.0]))[:2] == pytest.approx((4.0, 2.0))
    assert ellipse_geometry(np.float64(1.0))[:2] == pytest.approx((2.0, 2.0))
    full = full_covariances(np.array([1.0, 2.0]), "spherical", 2)
    np.testing.assert_allclose(full[1], 2 * np.eye(2))
    np.testing.assert_allclose(full_covariances(np.eye(2), "tied", 3), np.stack([np.eye(2)] * 3))


def test_bad_covariances_are_refused():
    with pytest.raises(ValueError, match="cov must be a 2x2 matrix"):
        ellipse_geometry(np.eye(3))
    with pytest.raises(ValueError, match="positive semi-definite"):
        ellipse_geometry(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="mean must have 2 entries"):
        covariance_ellipse(np.zeros(3), np.eye(2))


def test_plot_adds_one_patch_per_sigma_level(xp):
    """Arrays of any backend are accepted (copied to the host at the edge)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    patches = plot_gaussian_ellipses(ax, xp.asarray(np.zeros(2)), xp.asarray(np.eye(2)))
    assert len(patches) == 3 and len(ax.patches) == 3
    assert [p.width for p in patches] == pytest.approx([2.0, 4.0, 6.0])
    plt.close(fig)
