"""Tensor arithmetic, reductions, shapes, indexing and matmul as functions.

The primitive Functions live in ``scratch.autograd.ops``, below this package, because
Tensor's operators (``a + b``, ``x[i]``, ``a @ b``) are built on them; this module is
their functional face, as ``torch.nn.functional`` sits beside torch's tensor ops.
"""

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
