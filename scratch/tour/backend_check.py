"""Tour step: the backend helpers and the autograd engine on a tiny function."""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import logsumexp, scatter_add, to_numpy
from ..testing import gradcheck, gradgradcheck
from . import Outcome, step


@step("autograd", order=0)
def autograd(bk, out):
    """gradcheck and gradgradcheck of f(x, w) = sum log((x @ w)^2) + max(x) on the backend."""
    rng = np.random.default_rng(0)
    x = Tensor(bk.asarray(rng.random((3, 4)) + 0.5, dtype=bk.float), requires_grad=True)
    w = Tensor(bk.asarray(rng.random((4, 2)) + 0.5, dtype=bk.float), requires_grad=True)

    def f(x, w):
        return ((x @ w) ** 2).log().sum() + x.max(axis=1).mean()

    if bk.float != bk.xp.float64:
        return Outcome("skipped", "needs float64", True)
    ok = gradcheck(f, [x, w]) and gradgradcheck(f, [x, w])
    idx = bk.asarray(np.array([0, 2, 2]), dtype=bk.xp.int64)
    sa = to_numpy(scatter_add(3, idx, bk.ones(3)))
    lse = float(to_numpy(logsumexp(bk.asarray(np.array([1e4, 1e4])))))
    ok = ok and np.array_equal(sa, [1, 0, 2]) and abs(lse - (1e4 + np.log(2))) < 1e-9
    return Outcome(f"f = {float(to_numpy(f(x, w).data)):.4f}", "gradcheck+gradgradcheck", ok)
