"""Plots (matplotlib, the ``viz`` extra).

Everything that draws asks ``figures_available()`` first, so without matplotlib the
tour's checks and the training runs still do their work and say once (``FIGURES_HINT``)
how to get the figures.
"""

from .gaussian2d import correlation_sweep_figure, ellipse_extents, plot_gaussian_2d  # noqa: F401

FIGURES_HINT = "For the figures: pip install 'scratch[viz]'"


def figures_available() -> bool:
    """Whether matplotlib can be imported, i.e. whether figures are drawn.

    Asked each time (an import of a loaded module is a dictionary lookup), so a test that
    blocks matplotlib (``sys.modules["matplotlib"] = None``) is seen at once.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
