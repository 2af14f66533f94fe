"""Reverse-mode differentiation: the chain rule applied in reverse topological order.

For a scalar L computed by a graph of Functions, every node v gets the adjoint
  vbar = dL/dv = sum over the functions f that consumed v of  f.backward(ybar)[v],
which is the multivariable chain rule. A node's adjoint is complete once every
consumer has been processed, so nodes are visited in reverse topological order.

The order is found by an explicit-stack depth-first search, never by recursion, so a
chain of 100,000 operations backpropagates without touching Python's recursion limit.
A node reused many times (a diamond) receives the sum of its consumers' contributions.
With ``create_graph=True`` the backward functions run with recording on, so the
returned gradients are themselves differentiable (higher-order derivatives).

The graph is freed as backward walks it, as in PyTorch: each Function drops its inputs
and saved values once its chain rule has run, unless ``retain_graph=True`` (default:
``create_graph``). A second backward through a freed graph raises a RuntimeError that
says to pass ``retain_graph=True`` the first time.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backend import device_of, namespace
from .function import set_grad_enabled
from .tensor import Tensor, as_tensor

_FREED = (
    "Trying to backward through the graph a second time (or to read a freed graph): its "
    "intermediate values were freed by the first backward. Pass retain_graph=True to the "
    "first backward() or grad() call to keep them."
)


def _topological_functions(roots):
    """Functions reachable from ``roots``, ordered so each comes after all its consumers."""
    order, seen = [], set()
    stack = [(r.creator, False) for r in roots if r.creator is not None]
    while stack:
        f, expanded = stack.pop()
        if expanded:
            order.append(f)
            continue
        if id(f) in seen:
            continue
        if f.inputs is None:
            raise RuntimeError(_FREED)
        seen.add(id(f))
        stack.append((f, True))
        for x in f.inputs:
            if x.creator is not None and id(x.creator) not in seen:
                stack.append((x.creator, False))
    order.reverse()  # post-order reversed: consumers before producers
    return order


def _zeros_like_output(f, i, ref):
    shape, dtype = f._output_meta[i]
    ref = ref.data
    return Tensor(namespace(ref).zeros(shape, dtype=dtype, device=device_of(ref)))


def _backprop(outputs, grad_outputs, create_graph, retain_graph):
    """Run the chain rule; return {id(tensor): adjoint Tensor} for every reached tensor.

    Without ``retain_graph`` each Function is freed (inputs and saved values dropped)
    right after its backward: nothing later needs them, and memory returns early.
    """
    adj = {}
    keep = {}
    for y, gy in zip(outputs, grad_outputs):
        k = id(y)
        adj[k] = gy if k not in adj else adj[k] + gy
        keep[k] = y
    with set_grad_enabled(create_graph):
        for f in _topological_functions(outputs):
            ys = f.outputs
            gys = []
            any_grad = False
            for i, y in enumerate(ys):
                g = adj.get(id(y)) if y is not None else None
                if g is None:
                    g = _zeros_like_output(f, i, f.inputs[0])
                else:
                    any_grad = True
                gys.append(g)
            if not any_grad:
                continue
            gxs = f.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for i, (x, gx) in enumerate(zip(f.inputs, gxs)):
                if gx is None or not x.requires_grad:
                    continue
                if not isinstance(gx, Tensor) or gx.data.shape != x.data.shape:
                    got = (
                        f"a gradient of shape {tuple(gx.shape)}"
                        if isinstance(gx, Tensor)
                        else f"a {type(gx).__name__}"
                    )
                    raise TypeError(
                        f"{type(f).__name__}.backward returned {got} for input {i} of shape "
                        f"{tuple(x.shape)}: return one Tensor of its input's shape (or None) "
                        "per input (wrap arrays in Tensor; sum a broadcast input's gradient "
                        "over the broadcast axes)"
                    )
                k = id(x)
                adj[k] = gx if k not in adj else adj[k] + gx
                keep[k] = x
            if not retain_graph:
                f.inputs = None
                f.saved = None
    return adj, keep


def _default_grad_outputs(outputs, grad_outputs):
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad_outputs must have one entry per output: {len(outputs)} outputs, "
            f"{len(grad_outputs)} grad_outputs"
        )
    result = []
    for y, g in zip(outputs, grad_outputs):
        if not isinstance(y, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(y).__name__}")
        if g is None:
            if y.size != 1:
                raise ValueError(
                    f"grad can be implicitly created only for scalar outputs; output has shape "
                    f"{y.shape}: pass grad_outputs"
                )
            xp = y.xp
            g = Tensor(xp.ones(y.shape, dtype=y.dtype, device=device_of(y.data)))
        else:
            g = as_tensor(g, y)
            if tuple(g.shape) != tuple(y.shape):
                raise ValueError(
                    f"grad_outputs entry has shape {g.shape}, but its output has shape {y.shape}"
                )
        result.append(g)
    return result


def backward(tensor, grad_output=None, retain_graph=None, create_graph: bool = False) -> None:
    """Accumulate dL/dx into ``x.grad`` for every leaf x that requires grad.

    Calling it twice accumulates twice, as in PyTorch (the first call needs
    ``retain_graph=True``). Non-leaf tensors get ``.grad`` only after ``retain_grad()``.
    ``retain_graph`` (default ``create_graph``) keeps the graph for another backward;
    otherwise it is freed as it is walked.

    Parameters
    ----------
    tensor : Tensor
        The output L (requires grad).
    grad_output : Tensor or array, optional
        dL/d tensor, the vector of the vector-Jacobian product (default: 1 for a scalar).
    retain_graph : bool, optional
        Keep the graph for another backward (default: ``create_graph``).
    create_graph : bool
        Record the backward pass as a graph, for higher derivatives.
    """
    if not tensor.requires_grad:
        raise RuntimeError("backward(): the tensor does not require grad and has no grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    gys = _default_grad_outputs([tensor], None if grad_output is None else [grad_output])
    adj, keep = _backprop([tensor], gys, create_graph, retain_graph)
    for k, g in adj.items():
        x = keep[k]
        if x.creator is None or x._retain_grad:
            if not create_graph:
                g = g.detach()
            x.grad = g if x.grad is None else x.grad + g


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    allow_unused: bool = False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensors
    inputs : Tensor or sequence of Tensors
    grad_outputs : vector(s) v for the vector-Jacobian product v^T J (default ones for scalars)
    retain_graph : bool, optional
        Keep the graph for another backward or grad call (default: ``create_graph``);
        otherwise it is freed as it is walked.
    create_graph : bool
        Record the graph of the gradient computation, so the result can be
        differentiated again (gradient penalties, Hessian-vector products).
    allow_unused : bool
        Return None for inputs that do not influence the outputs instead of raising.

    Returns
    -------
    tuple of Tensors, one per input
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, Tensor) or (
        grad_outputs is not None and not isinstance(grad_outputs, Sequence)
    ):
        grad_outputs = [grad_outputs]
    for x in inputs:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise ValueError("every input of grad() must be a Tensor with requires_grad=True")
    if retain_graph is None:
        retain_graph = create_graph
    gys = _default_grad_outputs(outputs, grad_outputs)
    adj, _ = _backprop(outputs, gys, create_graph, retain_graph)
    result = []
    for i, x in enumerate(inputs):
        g = adj.get(id(x))
        if g is None and not allow_unused:
            raise ValueError(
                f"input {i} was not used to compute the outputs; pass allow_unused=True"
            )
        if g is not None and not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
