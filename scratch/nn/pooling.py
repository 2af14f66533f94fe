r"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (``torch.nn``'s signatures).

They hold no parameters; each forwards to ``scratch.functional.pool`` (see its
docstring for the windows, the arg-max gradient and the adaptive bins).
"""

from __future__ import annotations

from .. import functional as F
from ..autograd import Tensor
from ..functional.conv import pair
from .module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]


class MaxPool2d(Module):
    """Max over kh x kw windows (padding -inf), torch.nn.MaxPool2d's arguments.

    Parameters
    ----------
    kernel_size : int or pair
        The window (kh, kw).
    stride : int or pair, optional
        Step of the window (default: ``kernel_size``).
    padding : int or pair
        -inf padding on each side of H and W.
    dilation : int or pair
        Spacing between the window's taps.
    return_indices : bool
        Also return the arg-max positions (an int64 Tensor of flat indices into each
        input plane).
    ceil_mode : bool
        Round output sizes up (torch's rule: the last window starts inside the input or
        the left padding).
    """

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
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.dilation = pair(dilation, "dilation", 1)

    def forward(self, x: Tensor) -> Tensor:
        """Max pooling of ``x``.

        Parameters
        ----------
        x : Tensor
            (N, C, H, W) or (C, H, W).
        """
        return F.max_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over kh x kw windows, torch.nn.AvgPool2d's arguments.

    Parameters
    ----------
    kernel_size : int or pair
        The window (kh, kw).
    stride : int or pair, optional
        Step of the window (default: ``kernel_size``).
    padding : int or pair
        Zero padding on each side of H and W.
    ceil_mode : bool
        Round output sizes up (torch's rule: the last window starts inside the input or
        the left padding).
    count_include_pad : bool
        Divide by kh kw (True) or by the number of unpadded entries in the window (False).
    divisor_override : int, optional
        Divide every window's sum by this instead.
    """

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
        self.ceil_mode = bool(ceil_mode)
        self.divisor_override = divisor_override
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        """Average pooling of ``x``.

        Parameters
        ----------
        x : Tensor
            (N, C, H, W) or (C, H, W).
        """
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over PyTorch's adaptive bins to a fixed ``output_size``.

    Parameters
    ----------
    output_size : int or pair
        (H_out, W_out); bin i along an axis of length n spans [floor(i n / m), ceil((i + 1) n / m)).
    """

    def __init__(self, output_size):
        super().__init__()
        if not isinstance(output_size, (tuple, list)) or None not in output_size:
            pair(output_size, "output_size", 1)  # a clear error now, not at the first call
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        """Adaptive average pooling of ``x``.

        Parameters
        ----------
        x : Tensor
            (N, C, H, W) or (C, H, W).
        """
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
