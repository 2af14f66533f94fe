r"""Adadelta: step sizes from the ratio of running RMS of updates and of gradients.

torch.optim.Adadelta's rule (Zeiler 2012):
    g <- g + lambda p                                     (weight_decay lambda)
    v_t = rho v_{t-1} + (1 - rho) g^2                     (v_0 = 0)
    delta = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g      (u_0 = 0)
    u_t = rho u_{t-1} + (1 - rho) delta^2
    p <- p - gamma delta                                   (lr gamma, default 1)
The units of delta match those of p (Zeiler's motivation): RMS[delta] / RMS[g] * g.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import backend
from .optimizer import Optimizer, check_range


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0).

    The update rule is in the module docstring.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma, scaling the Adadelta step.
    rho : float in [0, 1]
        Decay of the running means of g^2 and of the squared updates.
    eps : float
        Added inside both square roots (it also sets the size of the first steps).
    weight_decay : float
        L2 penalty lambda, added to the gradient as lambda p.
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_range("rho", group["rho"], 0.0, 1.0, hi_open=False)
        check_range("eps", group["eps"], 0.0, float("inf"))

    def _update(self, p, g, group, state):
        xp = backend.namespace(p)
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p)
            state["acc_delta"] = xp.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v = rho * state["square_avg"] + (1.0 - rho) * (g * g)
        state["square_avg"] = v
        delta = xp.sqrt(state["acc_delta"] + eps) / xp.sqrt(v + eps) * g
        state["acc_delta"] = rho * state["acc_delta"] + (1.0 - rho) * (delta * delta)
        return p - group["lr"] * delta
