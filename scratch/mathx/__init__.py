"""Covariance, symmetric eigenproblems, Fourier series, probability inequalities."""

from .covariance import correlation, covariance  # noqa: F401
from .eigen import jacobi_eigh  # noqa: F401
from .fourier import (  # noqa: F401
    GIBBS_CONSTANT,
    fourier_coefficients,
    fourier_partial_sum,
    gibbs_overshoot,
    square_wave,
    square_wave_coefficients,
)
from .inequalities import chebyshev_bound, empirical_check, markov_bound  # noqa: F401
