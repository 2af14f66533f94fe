"""Argument checks shared by the functional families: clear errors that name the argument."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def float_tensor(x: Any, name: str = "input") -> Tensor:
    """``x`` as a Tensor of a real floating dtype (arrays are wrapped; nothing is copied).

    Parameters
    ----------
    x : Tensor or array
        The argument.
    name : str
        Its name in error messages.
    """
    if not isinstance(x, Tensor):
        if not backend.is_array(x):
            raise TypeError(f"{name} must be a Tensor or an array, got {type(x).__name__}")
        x = Tensor(x)
    if not x.xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name} must have a real floating dtype, got {x.dtype}")
    return x


def same_backend(*named: tuple[str, Any]) -> None:
    """Raise BackendError naming the arguments when they live on different backends/devices.

    Parameters
    ----------
    *named : (str, Tensor or array or None)
        (name, value) pairs; None values are skipped.
    """
    present = [(n, v) for n, v in named if v is not None]
    arrays = [v.data if isinstance(v, Tensor) else v for _, v in present]
    try:
        backend.namespace(*arrays)
    except backend.BackendError as e:
        names = ", ".join(n for n, _ in present)
        raise backend.BackendError(f"{names} must share one backend and device: {e}") from e


def reduction_ok(reduction: str) -> str:
    """``reduction`` itself when it is one of mean, sum, none (else ValueError).

    Parameters
    ----------
    reduction : str
        A loss's ``reduction`` argument.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    return reduction


def dim_ok(dim: int, ndim: int, name: str = "dim") -> int:
    """``dim`` normalized to [0, ndim).

    Parameters
    ----------
    dim : int
        The axis, negative counted from the end.
    ndim : int
        The number of dimensions of the tensor.
    name : str
        The argument's name in error messages.
    """
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

    Parameters
    ----------
    name : str
        The function's name in error messages.
    x : Tensor
        The input.
    y : Tensor
        The result computed out of place.
    inplace : bool
        Write ``y`` into ``x``'s array and return ``x``.
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


def same_dtype(op: str, x: Tensor, *named: tuple[str, Any]) -> None:
    """Refuse parameters whose dtype differs from the input's (torch's rule for linear/conv).

    torch raises "expected both to have the same dtype" for a float32 weight and a
    float64 input; scratch does the same in every layer and functional op with
    parameters, instead of promoting silently.

    Parameters
    ----------
    op : str
        The operation's name in the message.
    x : Tensor
        The input.
    *named : (str, Tensor or array or None)
        (name, value) pairs of the parameters; None values are skipped.
    """
    for name, t in named:
        if t is None or t.dtype == x.dtype:
            continue
        mine, theirs = str(x.dtype).split(".")[-1], str(t.dtype).split(".")[-1]
        raise TypeError(
            f"{op}: input has dtype {mine} but {name} has dtype {theirs}; expected both "
            "to have the same dtype (torch's rule, no silent promotion): cast the model "
            "(model.double() / model.float()) or the input (x.astype(...))"
        )


def empty_batch(out_shape: tuple[int, ...], *tensors: Any) -> Tensor:
    """The result of an op on a zero-size batch: zeros of ``out_shape`` (which holds a 0).

    The graph still reaches every input Tensor (through 0 * sum(t)), so backward gives
    each its gradient: of shape (0, ...) for the batch, zeros for the parameters (a sum
    over no samples), as in torch.

    Parameters
    ----------
    out_shape : tuple of int
        The output's shape.
    *tensors : Tensor or None
        The op's inputs and parameters (None skipped); the first one gives dtype and device.
    """
    present = [t for t in tensors if isinstance(t, Tensor)]
    first = present[0]
    xp = first.xp
    y = Tensor(xp.zeros(out_shape, dtype=first.dtype, device=first.device))
    for t in present:
        if t.requires_grad:
            y = y + t.sum() * 0.0
    return y


def legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """torch's legacy ``size_average`` / ``reduce`` slots mapped onto ``reduction``.

    torch's rule (``_Reduction.legacy_get_string``): when either is given, a None one
    counts as True, and (size_average, reduce) = (True, True) is 'mean', (False, True)
    'sum', (any, False) 'none'; the given ``reduction`` is then ignored. scratch maps
    them without torch's deprecation warning.

    Parameters
    ----------
    size_average, reduce : bool or None
        The legacy arguments.
    reduction : str
        The ``reduction`` argument, returned when both are None.
    """
    if size_average is None and reduce is None:
        return reduction_ok(reduction)
    for name, v in (("size_average", size_average), ("reduce", reduce)):
        if v is not None and not isinstance(v, bool):
            raise TypeError(f"{name} must be a bool or None, got {v!r}")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"
