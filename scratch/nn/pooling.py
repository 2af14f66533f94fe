r"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (``torch.nn``'s signatures).

They hold no parameters; each forwards to ``scratch.functional.pool`` (see its
docstring for the windows, the arg-max gradient and the adaptive bins).
"""

from __future__ import annotations

from .. import functional as F
from ..autograd import Tensor
from ..functional._im2col import pair
from .module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]


def _unsupported(name, value, default):
    if value != default:
        raise ValueError(f"{name}={value!r} is not supported (only {default!r})")


class MaxPool2d(Module):
    """Max over kh x kw windows (padding -inf). ``ceil_mode`` and ``return_indices`` are
    not supported (only their defaults)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ):
        super().__init__()
        _unsupported("return_indices", return_indices, False)
        _unsupported("ceil_mode", ceil_mode, False)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.dilation = pair(dilation, "dilation", 1)

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}"
        )


class AvgPool2d(Module):
    """Mean over kh x kw windows. ``ceil_mode`` and ``divisor_override`` are not supported."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override=None,
    ):
        super().__init__()
        _unsupported("ceil_mode", ceil_mode, False)
        _unsupported("divisor_override", divisor_override, None)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over PyTorch's adaptive bins to a fixed ``output_size``."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
