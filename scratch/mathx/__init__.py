"""Covariance, symmetric eigenproblems, Fourier series, probability inequalities."""
