"""The estimator protocol scikit-learn's tools rely on: get_params, set_params, repr.

scikit-learn's ``clone``, ``Pipeline`` and ``GridSearchCV`` never look inside an
estimator: they read its constructor arguments with ``get_params()``, build a fresh
copy with ``type(est)(**params)`` and change arguments with ``set_params``. That works
because ``__init__`` stores every argument unchanged under its own name (the rule
every estimator here follows), so the parameter names are the constructor's.
scikit-learn stays a test dependency: nothing here imports it.
"""

from __future__ import annotations

import inspect
from typing import Any


class BaseEstimator:
    """get_params / set_params / __repr__ from the constructor's signature."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments by name (with ``deep``, nested estimators' as ``a__b``)."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments (``a__b`` reaches into a nested estimator); returns self."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters: {', '.join(valid)}"
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``Name(arg=value, ...)`` with the arguments that differ from their defaults."""
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, default)
            if not _same(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(value: Any, default: Any) -> bool:
    """value is default, or equal to it as a plain Python value (arrays never are)."""
    if value is default:
        return True
    if isinstance(value, (int, float, str, bool, type(None), tuple)):
        try:
            return bool(type(value) is type(default) and value == default)
        except Exception:  # noqa: BLE001 - an odd __eq__ counts as different
            return False
    return False
