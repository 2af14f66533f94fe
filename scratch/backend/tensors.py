"""Which objects are scratch Tensors: a registry of classes, checked with isinstance.

The backend sits below autograd and must not import it, yet ``namespace``,
``to_numpy`` and friends accept a Tensor for its array. So autograd registers its
class here once (``register_tensor_type(Tensor)``), and a Tensor is any instance of
a registered class or of a subclass (``scratch.nn.Parameter``). Matching by class
name instead would also catch ``torch.Tensor`` and ``torch.nn.Parameter``.
"""

from __future__ import annotations

from typing import Any

# The registered classes, and per concrete type whether it is one of them (the answer
# depends on the type alone; the cache keeps isinstance off the per-operation path).
_TENSOR_TYPES: list[type] = []
_IS_TENSOR: dict[type, bool] = {}


def register_tensor_type(cls: type) -> type:
    """Make instances of ``cls`` (and of its subclasses) count as Tensors: their
    ``.data`` array is what the backend functions look at. Returns ``cls``.

    Parameters
    ----------
    cls : type
        A class whose instances hold their array in .data.

    Raises
    ------
    TypeError
        When ``cls`` is not a class.
    """
    if not isinstance(cls, type):
        raise TypeError(f"cls must be a class, got {cls!r}")
    if cls not in _TENSOR_TYPES:
        _TENSOR_TYPES.append(cls)
        _IS_TENSOR.clear()
    return cls


def _is_tensor(x: Any) -> bool:
    """True for an instance of a registered Tensor class or of a subclass of one."""
    t = type(x)
    known = _IS_TENSOR.get(t)
    if known is None:
        known = issubclass(t, tuple(_TENSOR_TYPES))
        _IS_TENSOR[t] = known
    return known


def _unwrap(x: Any) -> Any:
    """The array inside a Tensor; anything else unchanged."""
    known = _IS_TENSOR.get(type(x))  # inlined cache hit: this runs once per array per op
    if known is None:
        known = _is_tensor(x)
    return x.data if known else x
