"""Tensor: an array of any backend, plus what reverse-mode differentiation needs.

A Tensor holds ``data`` (a NumPy, CuPy, torch or array-api-strict array), ``grad``
(dL/d self, a Tensor, filled by ``backward`` on leaves), and ``creator``, the Function
that produced it (None for leaves). Operators build the graph through the primitive
Functions of ``scratch.autograd.ops``; with ``no_grad()`` they compute without recording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import backend

if TYPE_CHECKING:
    from .function import Function


class Tensor:
    """An array with gradient tracking.

    Parameters
    ----------
    data : array of any backend (a list or Python number becomes a NumPy array)
    requires_grad : bool
        Whether gradients with respect to this tensor are wanted (floating dtypes only).
    """

    __array_priority__ = 1000  # numpy_array * tensor defers to Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        if not backend.is_array(data):
            if isinstance(data, (list, tuple)) or backend.is_host_scalar(data):
                data = backend.host_asarray(data)
            else:
                raise TypeError(f"Tensor data must be an array, got {type(data).__name__}")
        self.data = data
        self.grad: Tensor | None = None
        self.creator: Function | None = None
        self._retain_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- properties ---------------------------------------------------------------------
    @property
    def xp(self):
        return backend.namespace(self.data)

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    @property
    def grad_fn(self):
        return self.creator

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        g = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({self.data!r}{g})"

    # ---- gradient bookkeeping ----------------------------------------------------------
    def requires_grad_(self, mode: bool = True) -> Tensor:
        """Switch gradient tracking on or off, in place; returns self.

        Parameters
        ----------
        mode : bool
            The new ``requires_grad`` (True only for floating dtypes).
        """
        if mode and not self.xp.isdtype(self.dtype, ("real floating", "complex floating")):
            raise TypeError(f"only floating tensors can require grad, got dtype {self.dtype}")
        self.requires_grad = bool(mode)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor during ``backward``."""
        self._retain_grad = True

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False) -> None:
        """dL/dx into ``x.grad`` for every leaf x (see ``scratch.autograd.backward``).

        Parameters
        ----------
        gradient : Tensor or array, optional
            dL/d self, the vector of the vector-Jacobian product (default: 1 for a scalar).
        retain_graph : bool, optional
            Keep the graph for another backward (default: ``create_graph``).
        create_graph : bool
            Record the backward pass as a graph, for higher derivatives.
        """
        engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``)."""
        self.grad = None

    # ---- conversion --------------------------------------------------------------------
    def numpy(self):
        """A host NumPy copy (explicit transfer)."""
        return backend.to_numpy(self.data)

    def item(self) -> float:
        """The Python number of a one-element tensor (a host transfer)."""
        if self.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def astype(self, dtype) -> Tensor:
        """This tensor cast to ``dtype`` (differentiable: the gradient is cast back).

        Parameters
        ----------
        dtype : dtype
            A dtype of this tensor's namespace.
        """
        return ops.astype(self, dtype)

    # ---- operators (graph-building, see autograd.ops) -----------------------------------
    def __add__(self, o):
        return ops.add(self, o)

    def __radd__(self, o):
        return ops.add(o, self)

    def __sub__(self, o):
        return ops.sub(self, o)

    def __rsub__(self, o):
        return ops.sub(o, self)

    def __mul__(self, o):
        return ops.mul(self, o)

    def __rmul__(self, o):
        return ops.mul(o, self)

    def __truediv__(self, o):
        return ops.div(self, o)

    def __rtruediv__(self, o):
        return ops.div(o, self)

    def __pow__(self, o):
        return ops.pow(self, o)

    def __rpow__(self, o):
        return ops.pow(o, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __matmul__(self, o):
        return ops.matmul(self, o)

    def __rmatmul__(self, o):
        return ops.matmul(o, self)

    def __getitem__(self, key):
        return ops.getitem(self, key)

    # comparisons: no gradient, boolean Tensors
    def _cmp(self, o, op):
        o = o.data if isinstance(o, Tensor) else o
        return Tensor(getattr(self.data, op)(o))

    def __lt__(self, o):
        return self._cmp(o, "__lt__")

    def __le__(self, o):
        return self._cmp(o, "__le__")

    def __gt__(self, o):
        return self._cmp(o, "__gt__")

    def __ge__(self, o):
        return self._cmp(o, "__ge__")

    def __eq__(self, o):  # noqa: D105 - elementwise, as in PyTorch
        return self._cmp(o, "__eq__")

    def __ne__(self, o):
        return self._cmp(o, "__ne__")

    __hash__ = object.__hash__

    # ---- methods ------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        """The sum over ``axis`` (see ``scratch.functional.sum``).

        Parameters
        ----------
        axis : int, tuple of int or None
            The axes reduced (None: all).
        keepdims : bool
            Keep the reduced axes with length 1.
        """
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """The mean over ``axis`` (see ``scratch.functional.mean``).

        Parameters
        ----------
        axis : int, tuple of int or None
            The axes reduced (None: all).
        keepdims : bool
            Keep the reduced axes with length 1.
        """
        return ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """The maximum over ``axis`` (see ``scratch.functional.max``).

        Parameters
        ----------
        axis : int, tuple of int or None
            The axes reduced (None: all).
        keepdims : bool
            Keep the reduced axes with length 1.
        """
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """The minimum over ``axis`` (see ``scratch.functional.min``).

        Parameters
        ----------
        axis : int, tuple of int or None
            The axes reduced (None: all).
        keepdims : bool
            Keep the reduced axes with length 1.
        """
        return ops.min(self, axis, keepdims)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)

    def permute(self, *axes):
        return self.transpose(*axes)

    @property
    def T(self):
        return ops.transpose(self, None)

    def clip(self, min=None, max=None):  # noqa: A002 - torch's names
        """Values clipped to [min, max] (PyTorch's clamp; see ``scratch.functional.clip``).

        Parameters
        ----------
        min, max : float, optional
            The bounds (None: unbounded on that side).
        """
        return ops.clip(self, min, max)


backend.register_tensor_type(Tensor)  # backend sees .data of Tensors (and Parameters)


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor; Python numbers take the dtype and device of ``like``.

    Parameters
    ----------
    x : Tensor, array or Python number
        Returned as is when a Tensor; wrapped otherwise.
    like : Tensor, optional
        Gives a Python number its dtype and device.
    """
    if isinstance(x, Tensor):
        return x
    if backend.is_host_scalar(x) and like is not None:
        xp = like.xp
        return Tensor(xp.asarray(x, dtype=like.dtype, device=like.device))
    return Tensor(x)


# The operators above call the primitives of ops.py, which in turn build Tensors: the
# two modules need each other. ops is imported last, once Tensor and as_tensor exist, so
# the cycle resolves at import time (scratch/autograd/__init__.py imports this module
# first) and no operator pays for an import or a cache lookup.
from . import engine, ops  # noqa: E402
