"""Plots (matplotlib, the ``viz`` extra)."""

from .gaussian2d import correlation_sweep_figure, ellipse_extents, plot_gaussian_2d  # noqa: F401
