"""Tour step: the backend helpers and the autograd engine on a tiny function."""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import logsumexp, scatter_add, to_numpy
from ..testing import gradcheck, gradgradcheck
from . import Outcome, step


@step(
    "autograd",
    order=0,
    derivation=[
        (
            r"f(x, w) = \sum_{i,j} \log\big((xw)_{ij}^2\big) + \frac{1}{n}\sum_{i} \max_j x_{ij}",
            r"the function checked; $x$ is $3 \times 4$, $w$ is $4 \times 2$",
        ),
        (
            r"\frac{\partial f}{\partial x} = G\,w^\top + \frac{1}{n}\,\mathbf{1}\big[x_{ij} = "
            r"\max_k x_{ik}\big], \quad \frac{\partial f}{\partial w} = x^\top G, \quad G_{ij} = "
            r"\frac{2}{(xw)_{ij}}",
            "what reverse mode computes: the chain rule through matmul, square, log and max",
        ),
        (
            r"\frac{\partial f}{\partial \theta_k} = \frac{f(\theta + \varepsilon e_k) - f(\theta "
            r"- \varepsilon e_k)}{2\varepsilon} + O(\varepsilon^2)",
            "gradcheck: every entry of the engine's gradient against a central difference",
        ),
        (
            r"\frac{\partial}{\partial \theta}\big\langle v, \nabla f(\theta)\big\rangle = "
            r"H(\theta)\, v",
            "gradgradcheck: the backward pass is itself differentiable, and its gradient (a "
            "Hessian-vector product) is checked the same way",
        ),
        (
            r"\log \sum_i e^{a_i} = m + \log \sum_i e^{a_i - m}, \quad m = \max_i a_i",
            r"logsumexp without overflow: $a = (10^4, 10^4)$ gives $10^4 + \log 2$",
        ),
        (
            r"s_k = \sum_{i:\ \mathrm{idx}_i = k} v_i",
            "scatter_add, the building block of col2im: idx = (0, 2, 2), v = 1 gives (1, 0, 2)",
        ),
    ],
    criterion=r"every gradient entry within "
    r"$\mathrm{atol} + \mathrm{rtol}\,|g_{\mathrm{numeric}}|$ with $\varepsilon = 10^{-6}$, "
    r"atol $= 10^{-5}$, rtol $= 10^{-3}$ (in float64 the "
    r"$O(\varepsilon^2)$ truncation and the $O(10^{-16}/\varepsilon)$ rounding are far below); "
    r"logsumexp within $10^{-9}$, scatter_add exact. Skipped on a device without float64.",
    reference=[
        "scratch.testing.gradcheck:gradcheck",
        "scratch.backend.special:logsumexp",
        "scratch.backend.scatter:scatter_add",
    ],
    api=["scratch.testing:gradgradcheck", "scratch.autograd:grad"],
)
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
