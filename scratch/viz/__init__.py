"""Plots (matplotlib, the ``viz`` extra)."""
