"""Testing tools: gradient checks (runtime) and hypothesis strategies (test extra).

``scratch.testing.strategies`` needs hypothesis and is imported on its own.
"""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
