r"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

torch.optim.SGD's rule, for each parameter p with gradient g (negated if maximize):
    g <- g + lambda p                                    (weight_decay lambda)
    b_1 = g;  b_t = mu b_{t-1} + (1 - tau) g             (momentum mu, dampening tau)
    g <- g + mu b_t  (nesterov)   or   g <- b_t          (when mu != 0)
    p <- p - gamma g                                      (lr gamma)
Nesterov's look-ahead needs mu > 0 and tau = 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from .optimizer import Optimizer, check_range


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize).

    The update rule is in the module docstring.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma.
    momentum : float
        Momentum factor mu >= 0 (0: plain SGD).
    dampening : float
        Dampening tau of the momentum buffer's gradient term.
    weight_decay : float
        L2 penalty lambda, added to the gradient as lambda p.
    nesterov : bool
        Nesterov's look-ahead g + mu b_t (needs momentum > 0 and dampening = 0).
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_range("momentum", group["momentum"], 0.0, float("inf"))
        check_range("dampening", group["dampening"], -float("inf"), float("inf"))
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0")

    def _update(self, p, g, group, state):
        lam, mu, tau = group["weight_decay"], group["momentum"], group["dampening"]
        if lam != 0:
            g = g + lam * p
        if mu != 0:
            b = state.get("momentum_buffer")
            b = g if b is None else mu * b + (1.0 - tau) * g
            state["momentum_buffer"] = b
            g = g + mu * b if group["nesterov"] else b
        return p - group["lr"] * g
