"""Argument checks shared by the functional families: clear errors that name the argument."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def float_tensor(x: Any, name: str = "input") -> Tensor:
    """``x`` as a Tensor of a real floating dtype (arrays are wrapped; nothing is copied)."""
    if not isinstance(x, Tensor):
        if not backend.is_array(x):
            raise TypeError(f"{name} must be a Tensor or an array, got {type(x).__name__}")
        x = Tensor(x)
    if not x.xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name} must have a real floating dtype, got {x.dtype}")
    return x


def same_backend(*named: tuple[str, Any]) -> None:
    """Raise BackendError naming the arguments when they live on different backends/devices."""
    present = [(n, v) for n, v in named if v is not None]
    arrays = [v.data if isinstance(v, Tensor) else v for _, v in present]
    try:
        backend.namespace(*arrays)
    except backend.BackendError as e:
        names = ", ".join(n for n, _ in present)
        raise backend.BackendError(f"{names} must share one backend and device: {e}") from e


def reduction_ok(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    return reduction


def dim_ok(dim: int, ndim: int, name: str = "dim") -> int:
    """``dim`` normalized to [0, ndim)."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{name} must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise ValueError(f"{name}={dim} is out of range for a tensor with {ndim} dimensions")
    return dim % n


def inplace_result(name: str, x: Tensor, y: Tensor, inplace: bool) -> Tensor:
    """``y``, or with ``inplace=True`` ``y`` written into ``x``'s array and ``x`` returned.

    In place is torch's meaning: the input's memory holds the result. scratch records
    no in-place operations in a graph, so a tensor that requires grad (while the graph
    records) is refused with that reason, where torch would accept a non-leaf one.
    """
    if not isinstance(inplace, bool):
        raise TypeError(f"{name}: inplace must be a bool, got {inplace!r}")
    if not inplace:
        return y
    if x.requires_grad and is_grad_enabled():
        raise ValueError(
            f"{name}(inplace=True) on a tensor that requires grad: scratch does not record "
            "in-place operations in the graph (a deliberate difference from torch, which "
            "accepts non-leaf tensors); use inplace=False"
        )
    x.data[...] = y.data
    return x
