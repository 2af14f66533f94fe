"""Optimizer: parameter groups, per-parameter state, zero_grad, state_dict (torch.optim's layout).

An optimizer holds ``param_groups``: a list of dicts, each with ``params`` (a list of
Parameters) and its hyper-parameters (``lr``, ...), so different groups can learn at
different rates and a scheduler can change ``lr`` between steps. ``state[p]`` keeps what
the update rule carries from step to step (momentum buffers, moment estimates).

``step()`` runs on raw arrays outside the graph: for each parameter p with gradient
g = p.grad, the subclass's ``_update(p, g, group, state)`` returns the new array, which
replaces ``p.data`` (on p's own device, in p's dtype; Python scalars keep the dtype).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable
from typing import Any

from .. import backend
from ..autograd import Tensor
from ..autograd.function import no_grad


class Optimizer:
    """Base class: subclasses define ``defaults`` via ``__init__`` and ``_update``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters to train (e.g. ``model.parameters()``), or parameter groups
        ``{"params": [...], **hyper-parameters}``, each group's missing hyper-parameters
        taken from ``defaults``.
    defaults : dict
        The hyper-parameters of the update rule (``lr``, ...), used for every group.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.state: dict[int, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or dicts, got one Tensor")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"params must be an iterable of Tensors or dicts, got {type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], **hyper-parameters}`` (missing ones from defaults).

        Parameters
        ----------
        group : dict
            ``params`` (a Tensor or an iterable of Tensors, each requiring grad and in no
            other group) and any of the optimizer's hyper-parameters.
        """
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a parameter group must be a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"params[{i}] must be a Tensor, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"params[{i}] does not require grad; an optimizer cannot train it")
            if id(p) in seen:
                raise ValueError(f"params[{i}] appears in more than one parameter group")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"unknown hyper-parameter(s) {sorted(unknown)} in parameter group")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyper-parameters (subclasses extend)."""
        lr = group["lr"]
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr >= 0:
            raise ValueError(f"lr must be a number >= 0, got {lr!r}")
        wd = group.get("weight_decay", 0.0)
        if isinstance(wd, bool) or not isinstance(wd, (int, float)) or not wd >= 0:
            raise ValueError(f"weight_decay must be a number >= 0, got {wd!r}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients (None, or zero arrays with ``set_to_none=False``).

        Parameters
        ----------
        set_to_none : bool
            Set each ``p.grad`` to None (True) or to zeros of its shape (False).
        """
        for g in self.param_groups:
            for p in g["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(p.xp.zeros_like(p.grad.data))

    def step(self) -> None:
        """One update of every parameter that has a gradient.

        As in torch.optim, a NaN or infinite gradient is not an error: it makes the
        parameter NaN/inf (NumPy's RuntimeWarnings about it are silenced, torch has none).
        A gradient of another shape, backend or device than its parameter is a
        ValueError/BackendError naming the parameter (``params[i]``, counted over groups).
        """
        with no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            i = -1
            for group in self.param_groups:
                for p in group["params"]:
                    i += 1
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    _check_grad(p.data, g, i)
                    if group.get("maximize", False):
                        g = -g
                    state = self.state.setdefault(id(p), {})
                    p.data = self._update(p.data, g, group, state)

    def _update(self, p, g, group: dict[str, Any], state: dict[str, Any]):
        raise NotImplementedError

    # ---- saving ---------------------------------------------------------------------------
    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index]}]}``.

        Parameters are numbered in group order, as in torch.optim; arrays are the live ones.
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for g in self.param_groups:
            h = {k: v for k, v in g.items() if k != "params"}
            h["params"] = [index[id(p)] for p in g["params"]]
            groups.append(h)
        state = {index[k]: dict(v) for k, v in self.state.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` (same parameter layout).

        Parameters
        ----------
        state_dict : dict
            ``{"state": ..., "param_groups": ...}`` as returned by ``state_dict()``; state
            arrays are moved to each parameter's device and dtype.

        Raises
        ------
        ValueError
            When the number of groups or of parameters per group differs.
        """
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if groups is None or "state" not in state_dict:
            raise ValueError("state_dict must have 'state' and 'param_groups' entries")
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"state_dict has {len(groups)} parameter groups, the optimizer "
                f"{len(self.param_groups)}"
            )
        for i, (saved, mine) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(
                    f"parameter group {i} has {len(saved['params'])} parameters in state_dict "
                    f"and {len(mine['params'])} in the optimizer"
                )
        index_to_param = {}
        for saved, mine in zip(groups, self.param_groups):
            for k, p in zip(saved["params"], mine["params"]):
                index_to_param[k] = p
            for key, v in saved.items():
                if key != "params":
                    mine[key] = copy.deepcopy(v)
        self.state = {}
        for k, s in state_dict["state"].items():
            p = index_to_param.get(k)
            if p is None:
                raise ValueError(f"state_dict has state for parameter {k}, which does not exist")
            self.state[id(p)] = {
                name: backend.asarray_like(v, p.data) if backend.is_array(v) else v
                for name, v in s.items()
            }

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in g.items() if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_grad(p: Any, g: Any, i: int) -> None:
    """The gradient g of params[i] must have p's shape, backend and device."""
    if not backend.is_array(g):
        raise TypeError(f"params[{i}].grad must hold an array, got {type(g).__name__}")
    same = backend.backend_name(g) == backend.backend_name(p)
    if not same or backend.device_of(g) != backend.device_of(p):
        raise backend.BackendError(
            f"params[{i}].grad is on {backend.backend_name(g)} ({backend.device_of(g)}) but "
            f"params[{i}] on {backend.backend_name(p)} ({backend.device_of(p)}): a gradient "
            f"must live where its parameter lives"
        )
    if tuple(g.shape) != tuple(p.shape):
        raise ValueError(
            f"params[{i}].grad has shape {tuple(g.shape)} but params[{i}] has shape "
            f"{tuple(p.shape)}"
        )


def check_range(name: str, value: Any, lo: float, hi: float, hi_open: bool = True) -> None:
    """Raise ValueError unless lo <= value < hi (or <= hi)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    ok = ok and lo <= value and (value < hi if hi_open else value <= hi)
    if not ok:
        bound = f"[{lo}, {hi})" if hi_open else f"[{lo}, {hi}]"
        raise ValueError(f"{name} must be in {bound}, got {value!r}")
