"""Support vector classification: kernels.py (k(x, z)), smo.py (the dual solver), svc.py (SVC)."""

from .smo import ConvergenceWarning, SMOResult, smo  # noqa: F401
from .svc import SVC  # noqa: F401
