"""Function: one node of the computation graph, with its forward and its chain rule.

A Function maps input Tensors x_1..x_n to outputs y_1..y_m. ``forward`` computes on
raw arrays; ``backward`` receives dL/dy_j as Tensors and returns dL/dx_i, written with
differentiable Tensor operations, so that running backward with the graph switched on
(``create_graph=True``) records a graph of the gradient itself: second derivatives
come for free (DeZero's design).

In ``backward`` the inputs are ``self.inputs`` (Tensors) and the outputs
``self.outputs`` (Tensors): use them, not raw copies, wherever the gradient depends
on them, or double backward silently loses that dependence. ``save_for_backward``
is for what is constant (masks, indices, shapes).
"""

from __future__ import annotations

import contextlib
import threading
import weakref

from .. import backend
from .tensor import Tensor, as_tensor

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations record a graph now (per thread; True unless switched off).

    Returns
    -------
    bool
    """
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def set_grad_enabled(mode: bool):
    """Switch graph recording on or off inside a ``with`` block.

    Parameters
    ----------
    mode : bool
        True records the graph, False computes without it; restored on leaving the block.
    """
    old = is_grad_enabled()
    _state.enabled = bool(mode)
    try:
        yield
    finally:
        _state.enabled = old


def no_grad():
    """``with no_grad():`` computes without recording a graph (evaluation, updates)."""
    return set_grad_enabled(False)


def enable_grad():
    """``with enable_grad():`` records the graph again inside a ``no_grad`` block.

    Returns
    -------
    context manager
    """
    return set_grad_enabled(True)


class Function:
    """Base class of differentiable operations. Subclass and define forward/backward."""

    inputs: tuple

    def __call__(self, *inputs):
        like = None
        for x in inputs:
            if isinstance(x, Tensor):
                like = x
                break
        inputs = tuple([x if isinstance(x, Tensor) else as_tensor(x, like) for x in inputs])
        raw = [x.data for x in inputs]
        if len(raw) > 1:
            backend.namespace(*raw)  # a clear BackendError for mixed libraries/devices
        ys = self.forward(*raw)
        multi = isinstance(ys, tuple)
        outputs = tuple([Tensor(y) for y in ys]) if multi else (Tensor(ys),)
        if not is_grad_enabled():
            return outputs if multi else outputs[0]
        if any(x.requires_grad for x in inputs):
            for y in outputs:
                y.creator = self
                y.requires_grad = True
            self.inputs = inputs
            self._outputs = tuple([weakref.ref(y) for y in outputs])
            self._output_meta = tuple([(tuple(y.data.shape), y.data.dtype) for y in outputs])
        return outputs if multi else outputs[0]

    @property
    def outputs(self):
        """The output Tensors (held weakly by the graph; alive while backward needs them)."""
        return tuple(r() for r in self._outputs)

    def save_for_backward(self, *values) -> None:
        """Keep constants backward needs (masks, indices); nothing more."""
        self.saved = values

    def forward(self, *xs):
        """The operation on raw arrays (subclasses define it); returns an array or a tuple.

        Parameters
        ----------
        *xs : arrays
            The inputs' arrays, in call order.
        """
        raise NotImplementedError

    def backward(self, *gys):
        """The chain rule: dL/dx_i from dL/dy_j, as Tensors (subclasses define it).

        Parameters
        ----------
        *gys : Tensor
            dL/dy_j, one per output.

        Returns
        -------
        Tensor, or tuple of Tensor or None
            dL/dx_i, one per input (None where an input needs no gradient).
        """
        raise NotImplementedError
