"""Testing tools: gradient checks (runtime) and hypothesis strategies (test extra).

- ``gradcheck`` / ``gradgradcheck``: scratch Tensors and Functions (reverse mode).
- ``check_vjp``: a hand-written vector-Jacobian product on raw arrays of any library.
- ``check_layer``: a CS231n-style ``forward -> (out, cache)`` / ``backward(dout, cache)``.

All three compare against central differences and raise ``GradcheckError`` with a
report (every failing input, worst elements, max abs/rel error, the likely cause).
``scratch.testing.strategies`` needs hypothesis and is imported on its own.
"""

from .gradcheck import gradcheck, gradgradcheck
from .layer import check_layer
from .report import GradcheckError, InputReport
from .vjp import check_vjp

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "InputReport",
    "check_vjp",
    "check_layer",
]
