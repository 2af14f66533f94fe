"""The 2-D Gaussian picture: the k-sigma ellipse touches the box of half-widths k s1, k s2."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch.viz.gaussian2d import (
    box_half_widths,
    correlated_covariance,
    correlation_sweep_figure,
    ellipse_extents,
    ellipse_points,
    plot_gaussian_2d,
    tangent_points,
)

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("rho", np.linspace(-1.0, 1.0, 21))
@pytest.mark.parametrize("k", [1.0, 2.0, 3.0])
def test_ellipse_extents_equal_the_box_for_every_correlation(rho, k):
    """From the axes and angle: R_x = sqrt(a^2 cos^2 t + b^2 sin^2 t) = k s1 (and R_y = k s2)
    for covariance rho s1 s2 from -s1 s2 to +s1 s2, degenerate ends included."""
    s1, s2, mu = 1.3, 0.7, np.array([0.5, -2.0])
    cov = correlated_covariance(s1, s2, rho)
    x0, x1, y0, y1 = ellipse_extents(mu, cov, k)
    hx, hy = box_half_widths(cov, k)
    assert (hx, hy) == pytest.approx((k * s1, k * s2), rel=1e-15)
    # eigendecomposition round-off of a 2 x 2 matrix: a few ulps of k s
    np.testing.assert_allclose(
        [x0, x1, y0, y1], [mu[0] - hx, mu[0] + hx, mu[1] - hy, mu[1] + hy], rtol=1e-12, atol=1e-12
    )


@given(
    s1=st.floats(0.1, 5.0),
    s2=st.floats(0.1, 5.0),
    rho=st.floats(-0.999, 0.999),
    k=st.sampled_from([1.0, 2.0, 3.0]),
)
def test_touching_points_lie_on_the_ellipse_and_on_the_box(s1, s2, rho, k):
    """mu + k (s1, rho s2) has Mahalanobis radius k and x = mu_x + k s1; no point of the
    drawn ellipse leaves the box, and the sampled maximum reaches it to sampling accuracy."""
    mu = np.array([1.0, 2.0])
    cov = correlated_covariance(s1, s2, rho)
    t = tangent_points(mu, cov, k)
    d = t - mu
    m2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(m2, k * k, rtol=1e-9)
    hx, hy = box_half_widths(cov, k)
    np.testing.assert_allclose(np.abs(d[[0, 2], 0]), hx, rtol=1e-14)
    np.testing.assert_allclose(np.abs(d[[1, 3], 1]), hy, rtol=1e-14)
    p = ellipse_points(mu, cov, k, n=20001) - mu
    assert np.abs(p[:, 0]).max() <= hx * (1 + 1e-12)
    assert np.abs(p[:, 1]).max() <= hy * (1 + 1e-12)
    # a grid of 20,001 angles misses the maximum of R cos(t + phi) by at most R (dt)^2 / 2
    assert np.abs(p[:, 0]).max() >= hx * (1 - 2e-7)
    assert np.abs(p[:, 1]).max() >= hy * (1 - 2e-7)


def test_ellipse_points_have_mahalanobis_radius_k():
    cov = correlated_covariance(2.0, 0.5, 0.6)
    d = ellipse_points((0, 0), cov, 2.0, n=50)
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 4.0, rtol=1e-12)


def test_correlation_sweep_figure_draws_one_panel_per_rho_with_boxes(tmp_path):
    """Seven panels; each has 3 ellipses and 3 boxes; the degenerate ends have no contours."""
    from matplotlib.patches import Ellipse, Rectangle

    from scratch.io import save_figure

    fig = correlation_sweep_figure(rhos=(-1.0, 0.0, 0.5, 1.0))
    axes = fig.axes
    assert len(axes) == 4
    for ax in axes:
        assert sum(isinstance(p, Ellipse) for p in ax.patches) == 3
        assert sum(isinstance(p, Rectangle) for p in ax.patches) == 3
    assert len(axes[0].collections) == 0 and len(axes[1].collections) > 0
    save_figure(fig, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 1000


def test_bad_parameters_are_refused_naming_them():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match="rho must be in"):
        correlated_covariance(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="s1 and s2 must be > 0"):
        correlated_covariance(0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="mean must be 2"):
        ellipse_extents([0.0, 1.0, 2.0], np.eye(2))
    with pytest.raises(ValueError, match="positive semi-definite"):
        plot_gaussian_2d(Figure().subplots(), (0, 0), np.array([[1.0, 2.0], [2.0, 1.0]]))
