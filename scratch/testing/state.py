r"""Leave module state alone: find the Modules a checked function uses, save and restore them.

A gradient check calls the function 2n + 1 times. In training mode every call moves
BatchNorm's running_mean and running_var by momentum * (batch mean - running mean)
and counts num_batches_tracked, so after a check of a 2,048-element weight the
model's statistics belong to 4,097 fake batches. ``preserved(modules)`` saves every
buffer (a copy) and every parameter's array (the object) of the modules and their
descendants and puts them back afterwards, whatever happens in between.

Which modules? A Parameter does not know its owner, so ``find_modules`` looks where
Python keeps what a function can reach: the function itself when it is a Module,
``self`` of a bound method, the cells of a closure, default arguments, the globals
its code names (also in nested lambdas), a ``functools.partial``'s function and
arguments, one level into lists, tuples and dicts. That covers
``gradcheck(model, ...)``, ``gradcheck(lambda x: loss(model(x)), ...)`` and
``gradcheck(model.forward, ...)``; for anything else (a module reached through an
attribute of another object) pass ``modules=`` explicitly.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections.abc import Iterable, Iterator
from typing import Any

from .. import backend
from ..autograd import Tensor


def _module_type():
    from ..nn import Module

    return Module


def _candidates(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, (list, tuple, set, frozenset)):
        yield from value
    elif isinstance(value, dict):
        yield from value.values()


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def find_modules(fn: Any) -> list[Any]:
    """The Modules ``fn`` can reach directly (see the module docstring), each once."""
    Module = _module_type()
    found: dict[int, Any] = {}
    seen: set[int] = set()
    stack = [fn]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for c in _candidates(obj):
            if isinstance(c, Module):
                found.setdefault(id(c), c)
        if isinstance(obj, functools.partial):
            stack += [obj.func, *obj.args, *obj.keywords.values()]
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
            stack.append(obj.__func__)
        elif isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                with contextlib.suppress(ValueError):  # an empty cell
                    stack.extend(_candidates(cell.cell_contents))
            stack.extend(obj.__defaults__ or ())
            g = obj.__globals__
            for name in set(_code_names(obj.__code__)):
                if name in g and not isinstance(g[name], types.ModuleType):
                    stack.extend(_candidates(g[name]))
    return list(found.values())


def _copy(a: Any) -> Any:
    if isinstance(a, Tensor):
        a = a.data
    return backend.namespace(a).asarray(a, copy=True)


@contextlib.contextmanager
def preserved(modules: Iterable[Any]):
    """Restore every buffer and parameter array of ``modules`` (and descendants) on exit.

    Buffers are copied (a layer may update them in place or replace them) and put back
    by attribute assignment, which replaces a registered buffer; parameters keep their
    array object (a check only swaps arrays in and out, or casts them for
    ``float32="promote"``). Training flags are restored too.
    """
    saved = []
    for top in modules:
        owners = dict(top.named_modules())
        buffers = []
        for name, b in top.named_buffers():
            owner, _, attr = name.rpartition(".")
            buffers.append((owners[owner], attr, b, _copy(b)))
        params = [(p, p.data) for p in top.parameters()]
        flags = [(m, m.training) for m in owners.values()]
        saved.append((buffers, params, flags))
    try:
        yield
    finally:
        for buffers, params, flags in saved:
            for m, training in flags:
                m.training = training
            for m, attr, original, copy in buffers:
                if isinstance(original, Tensor):
                    original.data = copy
                    setattr(m, attr, original)
                else:
                    setattr(m, attr, copy)
            for p, data in params:
                p.data = data
