r"""Adam and AdamW: momentum on the gradient and on its square, with bias correction.

torch.optim.Adam's rule (Kingma & Ba 2015), for step t = 1, 2, ...:
    g <- g + lambda p                                (Adam's L2 weight_decay lambda)
    m_t = beta1 m_{t-1} + (1 - beta1) g              (m_0 = 0)
    v_t = beta2 v_{t-1} + (1 - beta2) g^2            (v_0 = 0)
    amsgrad: vmax_t = max(vmax_{t-1}, v_t), used in place of v_t below
    p <- p - gamma / (1 - beta1^t) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)
Bias correction: m_t = (1 - beta1) sum_k beta1^(t-k) g_k has expectation
(1 - beta1^t) E[g] for stationary g, hence the division by 1 - beta1^t (and likewise
for v_t). At t = 1 this gives m / (1 - beta1) = g and sqrt(v / (1 - beta2)) = |g|,
so the first step is gamma * g / (|g| + eps), i.e. gamma in the direction of sign(g).

AdamW (Loshchilov & Hutter 2019) decouples the decay from the gradient: before the
Adam step, p <- p (1 - gamma lambda), and g is left alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .. import backend
from .optimizer import Optimizer, check_range


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False).

    The update rule is in the module docstring.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma.
    betas : (float, float)
        (beta1, beta2) in [0, 1): decay of the running means of g and of g^2.
    eps : float
        Added to the bias-corrected sqrt(v_t), so the division never divides by zero.
    weight_decay : float
        L2 penalty lambda, added to the gradient as lambda p (coupled, unlike AdamW).
    amsgrad : bool
        Divide by the running maximum of v_t (Reddi et al. 2018) instead of v_t.
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, (tuple, list)) else betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        check_range("betas[0]", betas[0], 0.0, 1.0)
        check_range("betas[1]", betas[1], 0.0, 1.0)
        check_range("eps", group["eps"], 0.0, float("inf"))

    def _update(self, p, g, group, state):
        xp = backend.namespace(p)
        beta1, beta2 = group["betas"]
        gamma, lam = group["lr"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p)
            state["exp_avg_sq"] = xp.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        if lam != 0:
            if self._decoupled:
                p = p * (1.0 - gamma * lam)
            else:
                g = g + lam * p
        m = state["exp_avg"] + (1.0 - beta1) * (g - state["exp_avg"])
        v = beta2 * state["exp_avg_sq"] + (1.0 - beta2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v)
            state["max_exp_avg_sq"] = v
        step_size = gamma / (1.0 - beta1**t)
        denom = xp.sqrt(v) / math.sqrt(1.0 - beta2**t) + group["eps"]
        return p - step_size * (m / denom)


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False).

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma.
    betas : (float, float)
        (beta1, beta2) in [0, 1): decay of the running means of g and of g^2.
    eps : float
        Added to the bias-corrected sqrt(v_t), so the division never divides by zero.
    weight_decay : float
        Decoupled decay lambda: p <- p (1 - gamma lambda) before the Adam step.
    amsgrad : bool
        Divide by the running maximum of v_t instead of v_t.
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
