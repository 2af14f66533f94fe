"""Parity with PyTorch: values, first and second derivatives of the same function.

``assert_matches_torch`` runs ``ours`` on scratch Tensors of a backend and ``theirs`` on
torch tensors of the same float64 numbers, then compares

- the outputs;
- dL/dx_i for L = <y, gy> (a random output gradient drawn from ``seed``), computed
  both without a graph of the gradient (``without_graph``: the fast raw backward paths)
  and with one (``create_graph=True``: the differentiable backward);
- the second derivatives: the gradient of sum_i <dL/dx_i, dL/dx_i>, which mixes every
  first-order path (``second_order``).

It needs torch (a test dependency); callers skip first with ``pytest.importorskip``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, grad


def _host(t) -> np.ndarray:
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def assert_matches_torch(
    xp,
    ours: Callable,
    theirs: Callable,
    arrays: Sequence[np.ndarray],
    seed: int,
    *,
    atol: float = 1e-10,
    grad_rtol: float = 0.0,
    without_graph: bool = True,
    second_order: bool = True,
    second_rtol: float = 0.0,
    second_atol: float = 1e-9,
) -> None:
    """Raise AssertionError where ours and torch's values or derivatives differ.

    Parameters
    ----------
    xp : scratch Backend the Tensors are placed on (``xp.asarray``)
    ours, theirs : the function on scratch Tensors and on torch tensors
    arrays : float64 host arrays, one per input
    seed : seeds the output gradient
    atol : absolute tolerance of the outputs and first derivatives
    grad_rtol : relative tolerance of the first derivatives
    without_graph, second_order : which derivatives to compare (see the module doc)
    second_rtol, second_atol : tolerances of the second derivatives
    """
    import torch

    S = [Tensor(xp.asarray(a), requires_grad=True) for a in arrays]
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*S), theirs(*T)
    np.testing.assert_allclose(_host(y), ty.detach().numpy(), rtol=0, atol=atol)
    # gy from its own stream: callers draw their inputs from default_rng(seed), and the
    # same stream would make gy equal the first input (for instance norm, dL/dx ~ 0)
    gy = np.random.default_rng([seed, 1]).standard_normal(ty.shape)
    tg = torch.autograd.grad(ty, T, torch.tensor(gy), create_graph=second_order)
    first = []
    if without_graph:
        first.append(grad(y, S, grad_outputs=Tensor(xp.asarray(gy)), retain_graph=second_order))
    if second_order:
        gs = grad(y, S, grad_outputs=Tensor(xp.asarray(gy)), create_graph=True)
        first.append(gs)
    for got in first:
        for a, t in zip(got, tg):
            np.testing.assert_allclose(_host(a), t.detach().numpy(), rtol=grad_rtol, atol=atol)
    if not second_order:
        return
    s = sum((a * a).sum() for a in gs)
    ts = sum((t * t).sum() for t in tg)
    ggs = grad(s, S, allow_unused=True)
    tgg = torch.autograd.grad(ts, T, allow_unused=True)
    for a, t in zip(ggs, tgg):
        ref = np.zeros(1) if t is None else t.numpy()
        got = np.zeros(1) if a is None else _host(a)
        np.testing.assert_allclose(got, ref, rtol=second_rtol, atol=second_atol)
