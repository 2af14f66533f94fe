"""Reverse-mode automatic differentiation (the chain rule, run backwards)."""

# tensor first: it completes the tensor <-> ops cycle (see the end of tensor.py)
from .tensor import Tensor, as_tensor  # noqa: I001
from .engine import backward, grad
from .function import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Tensor",
    "Function",
    "grad",
    "backward",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "as_tensor",
]
