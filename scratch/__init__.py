"""scratch: classic machine-learning algorithms from scratch, on any Array-API backend."""

__version__ = "0.1.0"

from . import backend  # noqa: E402
from .backend import BackendError  # noqa: E402

__all__ = ["backend", "BackendError", "__version__"]
