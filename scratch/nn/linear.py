r"""Linear, Identity and Flatten layers.

Linear: y = x W^T + b with W of shape (out_features, in_features) and b (out_features,),
PyTorch's layout. Default initialisation is PyTorch's: W ~ kaiming_uniform(a = sqrt(5)),
i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (gain^2 = 2 / (1 + 5) = 1/3, bound = sqrt(3) *
gain / sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Shapes: x (..., in_features) -> y (..., out_features).
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..autograd import Tensor
from ..backend import Backend, Rng
from ..functional._checks import same_backend, same_dtype
from ..functional.linear import affine
from . import init
from ._factory import resolve_backend, resolve_dtype, resolve_rng
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
        Learn an additive bias (default True).
    backend : str or Backend, optional
        Where the parameters live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Parameter dtype (default float32).
    rng : int or Rng, optional
        Seed or generator of the initialisation.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        bk = resolve_backend(backend)
        dt = resolve_dtype(bk, dtype)
        gen = resolve_rng(bk, rng)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(bk.zeros((out_features, in_features), dtype=dt))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), rng=gen)
        if bias:
            self.bias = Parameter(bk.zeros((out_features,), dtype=dt))
            bound = 1.0 / math.sqrt(in_features)
            init.uniform_(self.bias, -bound, bound, rng=gen)
        else:
            self.bias = None

    def forward(self, x: Tensor) -> Tensor:
        """y = x W^T + b.

        Parameters
        ----------
        x : Tensor
            (..., in_features); the output is (..., out_features).
        """
        shape = tuple(x.shape)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"input's last axis must have in_features = {self.in_features} entries, got "
                f"input of shape {shape}"
            )
        same_backend(("input", x), ("weight", self.weight))
        same_dtype("Linear", x, ("weight", self.weight))  # torch's rule: no silent promotion
        # F.linear's formula as one fused graph node (fewer Python calls per layer)
        return affine(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """y = x (a placeholder layer); accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        """Return ``x`` itself.

        Parameters
        ----------
        x : Tensor
            Any input.
        """
        return x


class Flatten(Module):
    """Merge the axes from ``start_dim`` to ``end_dim`` into one: (N, C, H, W) -> (N, C*H*W).

    Parameters
    ----------
    start_dim, end_dim : int
        The first and last axis merged (negative: counted from the end).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        """The reshape: axes ``start_dim..end_dim`` become one of their product's length.

        Parameters
        ----------
        x : Tensor
            Input with at least one axis.
        """
        shape = tuple(x.shape)
        nd = len(shape)
        s, e = self.start_dim % max(nd, 1), self.end_dim % max(nd, 1)
        if nd == 0 or s > e:
            raise ValueError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) does not fit an "
                f"input of shape {shape}"
            )
        return F.reshape(x, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
