"""Tensor arithmetic, reductions, shapes, indexing and matmul as functions.

The primitive Functions live in ``scratch.autograd.ops``, below this package, because
Tensor's operators (``a + b``, ``x[i]``, ``a @ b``) are built on them; this module is
their functional face, as ``torch.nn.functional`` sits beside torch's tensor ops. The
functions here check that their array arguments hold real numbers and share a backend
(a TypeError/BackendError naming the argument); Tensor's operators skip that check.
"""

import functools as _functools

from .. import backend as _backend
from ..autograd.ops import (  # noqa: F401 - the functional face of the primitives
    abs,
    add,  # noqa: F401
    astype,
    broadcast_to,
    clip,
    concatenate,
    div,
    exp,
    flatten,
    getitem,
    log,
    matmul,
    matrix_transpose,
    max,
    mean,
    min,
    mul,
    neg,
    permute,
    pow,
    reshape,
    sqrt,
    stack,
    sub,
    sum,
    sum_to,
    transpose,
    where,
)
from ..autograd.tensor import Tensor as _Tensor
from ._checks import same_backend as _same_backend

# ---- the public face checks its arguments; Tensor operators call the primitives direct --


def _real(a, name: str) -> None:
    """A TypeError naming ``name`` unless ``a`` holds real numbers (bool, int or float)."""
    data = a.data if isinstance(a, _Tensor) else a
    if not _backend.is_array(data):
        return  # Python numbers and lists: the primitive wraps them
    try:
        ok = _backend.namespace(data).isdtype(data.dtype, ("real floating", "integral", "bool"))
    except Exception:  # noqa: BLE001 - object/string dtypes the namespace does not know
        ok = False
    if not ok:
        raise TypeError(f"{name} must hold real numbers, got dtype {data.dtype}")


def _checked(op, *names: str):
    """``op`` with its leading arguments (named ``names``) checked to be real arrays."""

    @_functools.wraps(op)
    def checked(*args, **kwargs):
        pairs = list(zip(names, args))
        if names == ("xs",) and args:  # concatenate / stack: a sequence of tensors
            if not isinstance(args[0], (list, tuple)):
                raise TypeError(f"xs must be a list of tensors, got {type(args[0]).__name__}")
            pairs = [(f"xs[{i}]", v) for i, v in enumerate(args[0])]
        for name, value in pairs:
            _real(value, name)
        if len(pairs) > 1:
            _same_backend(*pairs)
        return op(*args, **kwargs)

    return checked


for _name in ("abs", "exp", "log", "sqrt", "flatten", "getitem", "max", "mean", "min",
              "permute", "reshape", "sum", "sum_to", "transpose", "broadcast_to", "clip",
              "astype", "matrix_transpose", "neg"):  # fmt: skip
    globals()[_name] = _checked(globals()[_name], "x")
for _name in ("add", "sub", "mul", "div", "pow", "matmul"):
    globals()[_name] = _checked(globals()[_name], "a", "b")
concatenate = _checked(concatenate, "xs")
stack = _checked(stack, "xs")
where = _checked(where, "cond", "a", "b")
del _name
