r"""Adagrad: per-coordinate step sizes shrinking with the accumulated squared gradients.

torch.optim.Adagrad's rule (Duchi, Hazan & Singer 2011), for step t = 1, 2, ...:
    g <- g + lambda p                                   (weight_decay lambda)
    gamma_t = gamma / (1 + (t - 1) eta)                 (lr gamma, lr_decay eta)
    S_t = S_{t-1} + g^2,   S_0 = initial_accumulator_value
    p <- p - gamma_t g / (sqrt(S_t) + eps)
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import backend
from .optimizer import Optimizer, check_range


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10).

    The update rule is in the module docstring.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        Parameters to train, or parameter groups (see ``Optimizer``).
    lr : float
        Learning rate gamma.
    lr_decay : float
        eta in gamma_t = gamma / (1 + (t - 1) eta).
    weight_decay : float
        L2 penalty lambda, added to the gradient as lambda p.
    initial_accumulator_value : float
        S_0, the starting value of the sum of squared gradients.
    eps : float
        Added to sqrt(S_t) so the division never divides by zero.
    maximize : bool
        Ascend the objective (the gradient is negated).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_range("lr_decay", group["lr_decay"], 0.0, float("inf"))
        check_range("initial_accumulator_value", group["initial_accumulator_value"], 0, 1e308)
        check_range("eps", group["eps"], 0.0, float("inf"))

    def _update(self, p, g, group, state):
        xp = backend.namespace(p)
        if not state:
            state["step"] = 0
            state["sum"] = xp.full(
                p.shape,
                group["initial_accumulator_value"],
                dtype=p.dtype,
                device=backend.device_of(p),
            )
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        gamma_t = group["lr"] / (1.0 + (t - 1) * group["lr_decay"])
        S = state["sum"] + g * g
        state["sum"] = S
        return p - gamma_t * (g / (xp.sqrt(S) + group["eps"]))
