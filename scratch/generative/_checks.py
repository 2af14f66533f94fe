"""Argument checks the generative models share: batch sizes, data batches, sub-networks.

A bad argument fails at the model's boundary with a ValueError/TypeError/BackendError that
names it (``x_real``, ``n``, ``n_samples``), never later inside a layer or NumPy.
"""

from __future__ import annotations

from typing import Any

from .. import nn
from ..autograd import Tensor
from ..validation import check_array


def check_count(n: Any, name: str, minimum: int = 0) -> int:
    """``n`` unchanged if it is an int >= minimum (bools refused), else an error naming it."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return n


def positive_ints(value: Any, name: str, allow_empty: bool = False) -> tuple[int, ...]:
    """``value`` as a tuple of positive ints (bools refused), else an error naming it."""
    try:
        t = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of positive ints, got {value!r}") from None
    bad = [v for v in t if isinstance(v, bool) or not isinstance(v, int) or v < 1]
    if bad or not (t or allow_empty):
        raise ValueError(f"{name} must be a tuple of positive ints, got {value!r}")
    return t


def check_module(m: Any, name: str) -> None:
    """A TypeError naming ``name`` unless ``m`` is a scratch.nn.Module."""
    if not isinstance(m, nn.Module):
        raise TypeError(f"{name} must be a scratch.nn.Module, got {type(m).__name__}")


def check_batch(
    x: Any,
    name: str,
    model: nn.Module,
    ndim: int | None = None,
    sample_shape: tuple[int, ...] | None = None,
):
    """A batch (N >= 1, ...) of finite real numbers on the model's backend and device.

    Parameters
    ----------
    x : array, Tensor or nested list
        The batch; a Tensor is checked through its array and returned unchanged (its graph
        is kept), anything else is returned as ``check_array`` gives it.
    name : str
        The argument name used in error messages.
    model : Module
        Where the batch must live (its first parameter's backend and device).
    ndim : int, optional
        The required number of axes (default: any of 2 .. 8).
    sample_shape : tuple of int, optional
        The shape of one sample, ``x.shape[1:]``, when the model knows it.

    Returns
    -------
    Tensor or array
    """
    like = next(model.parameters()).data
    data = x.data if isinstance(x, Tensor) else x
    if sample_shape is not None:
        ndim = 1 + len(sample_shape)
    arr = check_array(data, name=name, ndim=tuple(range(2, 9)) if ndim is None else ndim, like=like)
    if sample_shape is not None and tuple(arr.shape[1:]) != tuple(sample_shape):
        raise ValueError(
            f"{name} must be a batch of samples of shape {tuple(sample_shape)}, i.e. of shape "
            f"(N, {', '.join(map(str, sample_shape))}), got {tuple(arr.shape)}"
        )
    return x if isinstance(x, Tensor) else arr
