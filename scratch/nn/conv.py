r"""Conv2d and ConvTranspose2d layers (PyTorch's signatures, weight layouts and init).

Conv2d: weight (C_out, C_in/groups, kh, kw), bias (C_out,); y = conv2d(x, w, b).
ConvTranspose2d: weight (C_in, C_out/groups, kh, kw), bias (C_out,);
y = conv_transpose2d(x, w, b), the adjoint of the convolution with the same weight.
A grouped convolution has k^2 C_in C_out / groups weights: each of the g groups maps
C_in/g channels to C_out/g; groups = C_in is depthwise.

Initialisation (PyTorch's): w ~ kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)) with fan_in = w.shape[1] kh kw, and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..autograd import Tensor
from ..backend import Backend, Rng
from ..functional.conv import geometry, pair
from . import init
from ._factory import resolve_backend, resolve_dtype, resolve_rng
from .module import Module, Parameter

__all__ = ["Conv2d", "ConvTranspose2d"]


def _positive(name, v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")


def _check_channels(in_channels, out_channels, groups):
    _positive("in_channels", in_channels)
    _positive("out_channels", out_channels)
    _positive("groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible "
            f"by groups={groups}"
        )


class _ConvNd(Module):
    def _init_parameters(self, shape, c_out, bias, backend, dtype, rng):
        bk = resolve_backend(backend)
        dt = resolve_dtype(bk, dtype)
        gen = resolve_rng(bk, rng)
        self.weight = Parameter(bk.zeros(shape, dtype=dt))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), rng=gen)
        if bias:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in)
            self.bias = Parameter(bk.zeros((c_out,), dtype=dt))
            init.uniform_(self.bias, -bound, bound, rng=gen)
        else:
            self.bias = None

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding not in (0, (0, 0)):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-D convolution layer, ``torch.nn.Conv2d``'s signature.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out, both divisible by ``groups``.
    kernel_size : int or pair
        (kh, kw).
    stride : int or pair
        Step of the window.
    padding : int, pair, 'valid' or 'same'
        Zeros added on each side of H and W ('same': output size = input size, stride 1).
    dilation : int or pair
        Spacing between kernel taps.
    groups : int
        Split the channels into this many independent convolutions.
    bias : bool
        Learn an additive bias of shape (C_out,).
    padding_mode : 'zeros'
        The only mode.
    backend : str or Backend, optional
        Where the parameters live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Parameter dtype (default float32).
    rng : int or Rng, optional
        Seed or generator of the initialisation.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        _check_channels(in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode must be 'zeros', got {padding_mode!r}")
        geometry(kernel_size, stride, padding, dilation, groups)  # validates them all
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.dilation = pair(dilation, "dilation", 1)
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", 0)
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups) + self.kernel_size
        self._init_parameters(shape, out_channels, bias, backend, dtype, rng)

    def forward(self, x: Tensor) -> Tensor:
        """y = conv2d(x, weight, bias) with the layer's geometry.

        Parameters
        ----------
        x : Tensor
            (N, C_in, H, W); the output is (N, C_out, H_out, W_out).
        """
        return F.conv2d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution layer, ``torch.nn.ConvTranspose2d``'s signature.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out, both divisible by ``groups``.
    kernel_size : int or pair
        (kh, kw).
    stride : int or pair
        Stride of the convolution this layer is the adjoint of.
    padding : int or pair
        Padding of that convolution (removed from the output's border).
    output_padding : int or pair
        Extra rows/columns on one side of the output, to pick among the input sizes that
        a strided convolution maps to the same output size (smaller than stride or dilation).
    groups : int
        Split the channels into this many independent convolutions.
    bias : bool
        Learn an additive bias of shape (C_out,).
    dilation : int or pair
        Spacing between kernel taps (after ``bias``, torch's order).
    padding_mode : 'zeros'
        The only mode.
    backend : str or Backend, optional
        Where the parameters live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Parameter dtype (default float32).
    rng : int or Rng, optional
        Seed or generator of the initialisation.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        _check_channels(in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode must be 'zeros', got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"padding must be an int or a pair, got {padding!r}")
        geometry(kernel_size, stride, padding, dilation, groups)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.dilation = pair(dilation, "dilation", 1)
        self.padding = pair(padding, "padding", 0)
        self.output_padding = pair(output_padding, "output_padding", 0)
        if not all(
            o < max(s, d) for o, s, d in zip(self.output_padding, self.stride, self.dilation)
        ):
            raise ValueError(
                f"output_padding {output_padding!r} must be smaller than stride or dilation"
            )
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups) + self.kernel_size
        self._init_parameters(shape, out_channels, bias, backend, dtype, rng)

    def forward(self, x: Tensor) -> Tensor:
        """y = conv_transpose2d(x, weight, bias) with the layer's geometry.

        Parameters
        ----------
        x : Tensor
            (N, C_in, H, W); the output is (N, C_out, H_out, W_out).
        """
        return F.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
