"""Sequential: modules applied one after another, y = f_n(... f_2(f_1(x)))."""

from __future__ import annotations

from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """Apply the given modules in order; children are named "0", "1", ... (or by an OrderedDict).

    ``model[i]`` is the i-th module, ``len(model)`` their number, iteration yields them.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules, got {type(m).__name__} at {name!r}")
            setattr(self, name, m)

    def forward(self, x):
        """x through every module in order: f_n(... f_2(f_1(x))).

        Parameters
        ----------
        x : Tensor
            The first module's input.
        """
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, m: Module) -> Sequential:
        """Add ``m`` at the end (named by its index); returns self.

        Parameters
        ----------
        m : Module
            The module to apply last.
        """
        if not isinstance(m, Module):
            raise TypeError(f"Sequential takes Modules, got {type(m).__name__}")
        setattr(self, str(len(self)), m)
        return self
