r"""RMSprop: divide the gradient by a running root-mean-square of its recent magnitudes.

torch.optim.RMSprop's rule (Hinton's lecture 6e; centered: Graves 2013):
    g <- g + lambda p                                    (weight_decay lambda)
    v_t = alpha v_{t-1} + (1 - alpha) g^2,  v_0 = 0
    centered:  gbar_t = alpha gbar_{t-1} + (1 - alpha) g,  d = sqrt(v_t - gbar_t^2) + eps
    otherwise: d = sqrt(v_t) + eps
    momentum mu > 0:  b_t = mu b_{t-1} + g / d,  p <- p - gamma b_t
    otherwise:        p <- p - gamma g / d
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import backend
from .optimizer import Optimizer, check_range


class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False).

    The update rule is in the module docstring.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma.
    alpha : float in [0, 1]
        Smoothing constant of the running mean of g^2.
    eps : float
        Added to the root mean square d, so the division never divides by zero.
    weight_decay : float
        L2 penalty lambda, added to the gradient as lambda p.
    momentum : float
        Momentum factor mu >= 0 on g / d (0: none).
    centered : bool
        Divide by the running standard deviation sqrt(v_t - gbar_t^2) instead of the RMS.
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_range("alpha", group["alpha"], 0.0, 1.0, hi_open=False)
        check_range("eps", group["eps"], 0.0, float("inf"))
        check_range("momentum", group["momentum"], 0.0, float("inf"))

    def _update(self, p, g, group, state):
        xp = backend.namespace(p)
        alpha, mu = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p)
            if mu > 0:
                state["momentum_buffer"] = xp.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v = alpha * state["square_avg"] + (1.0 - alpha) * (g * g)
        state["square_avg"] = v
        if group["centered"]:
            gbar = state["grad_avg"] + (1.0 - alpha) * (g - state["grad_avg"])
            state["grad_avg"] = gbar
            d = xp.sqrt(v - gbar * gbar) + group["eps"]
        else:
            d = xp.sqrt(v) + group["eps"]
        if mu > 0:
            b = mu * state["momentum_buffer"] + g / d
            state["momentum_buffer"] = b
            return p - group["lr"] * b
        return p - group["lr"] * (g / d)
