r"""Learning-rate schedules, in closed form, as torch.optim.lr_scheduler.

After e calls of ``step()`` (e = ``last_epoch``; the constructor makes the first call,
so e = 0 right after it) every group's lr is
    StepLR:            gamma_e = gamma_0 * decay^floor(e / step_size)
    CosineAnnealingLR: gamma_e = eta_min + (gamma_0 - eta_min) (1 + cos(pi e / T_max)) / 2
where gamma_0 is the group's initial lr. The cosine falls from gamma_0 to eta_min over
T_max steps and, continued, rises again (period 2 T_max), as PyTorch's schedule does.
"""

from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses define ``lr_at(base_lr, epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``lr`` the schedule sets.
    last_epoch : int
        The epoch to resume from; -1 starts afresh (and records each group's
        ``initial_lr``), any other value needs ``initial_lr`` in every group.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must be a scratch Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for g in optimizer.param_groups:
            if last_epoch == -1:
                g.setdefault("initial_lr", g["lr"])
            elif "initial_lr" not in g:
                raise ValueError("resuming (last_epoch != -1) needs 'initial_lr' in every group")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The closed form: the lr of a group with initial lr ``base_lr`` after ``epoch`` steps.

        Parameters
        ----------
        base_lr : float
            The group's initial lr gamma_0.
        epoch : int
            The number of ``step()`` calls e (0 right after construction).

        Returns
        -------
        float
            gamma_e.
        """
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's lr from the closed form."""
        self.last_epoch += 1
        for g, base in zip(self.optimizer.param_groups, self.base_lrs):
            g["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lrs set by the latest ``step()``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state (every attribute but the optimizer), as torch saves it."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict``.

        Parameters
        ----------
        state_dict : dict
            As returned by ``state_dict()``.
        """
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``lr`` the schedule sets.
    step_size : int
        Epochs between two decays (>= 1).
    gamma : float
        The decay factor (>= 0).
    last_epoch : int
        The epoch to resume from; -1 starts afresh.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not gamma >= 0:
            raise ValueError(f"gamma must be a number >= 0, got {gamma!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """gamma_0 * gamma^floor(e / step_size).

        Parameters
        ----------
        base_lr : float
            The group's initial lr gamma_0.
        epoch : int
            The number of ``step()`` calls e.
        """
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from its initial value to ``eta_min`` along half a cosine of T_max epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``lr`` the schedule sets.
    T_max : int
        Epochs of the half period, from gamma_0 down to eta_min (>= 1).
    eta_min : float
        The lowest lr (>= 0).
    last_epoch : int
        The epoch to resume from; -1 starts afresh.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"T_max must be a positive int, got {T_max!r}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, (int, float)) or not eta_min >= 0:
            raise ValueError(f"eta_min must be a number >= 0, got {eta_min!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """eta_min + (gamma_0 - eta_min) (1 + cos(pi e / T_max)) / 2.

        Parameters
        ----------
        base_lr : float
            The group's initial lr gamma_0.
        epoch : int
            The number of ``step()`` calls e.
        """
        return (
            self.eta_min
            + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        )
