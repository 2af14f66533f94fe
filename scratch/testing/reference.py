"""The engine against its textbook reference: values, first and second derivatives.

``assert_matches_reference`` runs a fast implementation (``engine``) and the textbook
composition it must equal (``reference``, autograd operations only, so its derivatives
are the chain rule's) on the same scratch Tensors of one backend, and compares

- the outputs;
- dL/dx_i for L = <y, gy> (gy drawn from ``seed`` on a stream of its own), computed
  without a graph of the gradient (the raw first-order paths) and with one
  (``create_graph=True``);
- second derivatives: of S = sum_i <dL/dx_i, dL/dx_i> with respect to every input and
  to gy itself (double backward, which differentiates the backward pass).

Both sides run on the backend under test, so this needs no oracle library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, grad

_GY_STREAM = 0x6779  # a second key of the seed sequence: gy never repeats the inputs


def _host(t) -> np.ndarray:
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def _close(got, want, rtol: float, atol: float, what: str) -> None:
    g = np.zeros(1) if got is None else _host(got)
    w = np.zeros(1) if want is None else _host(want)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=what)


def assert_matches_reference(
    xp,
    engine: Callable,
    reference: Callable,
    arrays: Sequence[np.ndarray],
    seed: int,
    *,
    atol: float = 1e-10,
    rtol: float = 0.0,
    second_order: bool = True,
    second_atol: float = 1e-9,
    second_rtol: float = 0.0,
) -> None:
    """Raise AssertionError where the engine's values or derivatives leave the reference's.

    Parameters
    ----------
    xp : scratch Backend the Tensors are placed on (``xp.asarray``)
    engine, reference : the two functions of the same Tensors
    arrays : float64 host arrays, one per input
    seed : seeds the output gradient gy
    atol, rtol : tolerances of the outputs and the first derivatives
    second_order : also compare the second derivatives
    second_atol, second_rtol : their tolerances
    """
    leaves = [Tensor(xp.asarray(a), requires_grad=True) for a in arrays]
    y, y_ref = engine(*leaves), reference(*leaves)
    _close(y, y_ref, rtol, atol, "values")
    # gy from its own stream: callers often draw the inputs from default_rng(seed), and a
    # gy equal to x (an affine function of it) makes a normalization's dL/dx vanish
    gy_host = np.random.default_rng((seed, _GY_STREAM)).standard_normal(tuple(y_ref.shape))
    gy = Tensor(xp.asarray(gy_host), requires_grad=True)
    ref = grad(y_ref, leaves, grad_outputs=gy, create_graph=True)
    # no graph of the gradient: the raw first-order paths (the graph is kept for the next)
    fast = grad(y, leaves, grad_outputs=gy, retain_graph=True)
    graph = grad(y, leaves, grad_outputs=gy, create_graph=True)
    for i, (a, b, r) in enumerate(zip(fast, graph, ref)):
        _close(a, r, rtol, atol, f"first derivative {i}, without a graph")
        _close(b, r, rtol, atol, f"first derivative {i}, create_graph=True")
    if not second_order:
        return
    wrt = leaves + [gy]

    def second(gs):
        s = sum((g * g).sum() for g in gs)
        return grad(s, wrt, allow_unused=True)

    for i, (a, r) in enumerate(zip(second(graph), second(ref))):
        _close(a, r, second_rtol, second_atol, f"second derivative {i}")
