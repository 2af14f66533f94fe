"""Every public callable documents its parameters: same names, same order as its signature.

numpydoc's convention: a ``Parameters`` section lists each argument of the signature
(``self``/``cls``, ``*args`` and ``**kwargs`` excepted) in signature order; a callable
without parameters needs none. A class documents its constructor's parameters in the
class docstring (or in ``__init__``'s), as scikit-learn and numpydoc do; its public
methods are checked too (an override without a docstring inherits its base's, as
``inspect.getdoc`` and Sphinx's autodoc do, so it must keep the base's signature).

Public means: in the module's ``__all__`` (submodules listed there are walked too, e.g.
``scratch.nn.init`` and ``scratch.optim.lr_scheduler``), or for a module without
``__all__`` the names it holds without a leading underscore that are defined inside it
(for a package: that it re-exports from its own submodules).
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Callable, Iterator

import pytest

NAMESPACES = [
    "scratch.optim",
    "scratch.nn",
    "scratch.autograd",
    "scratch.functional",
    "scratch.backend",
    "scratch.io",
    "scratch.validation",
    "scratch.data",
    "scratch.classic",
    "scratch.metrics",
    "scratch.generative",
    "scratch.testing",
    "scratch.mathx",
]
# Public but documented elsewhere: toy 2-D distributions are their own issue.
EXCLUDED_MODULES = ("scratch.data.toy2d",)

_VAR = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


# ---- reading a numpydoc Parameters section ---------------------------------------------------
def _is_rule(line: str) -> bool:
    s = line.strip()
    return len(s) >= 3 and set(s) == {"-"}


def documented_parameters(doc: str | None) -> list[str] | None:
    """Names in ``doc``'s numpydoc Parameters section, in order (None: no such section).

    A parameter line sits at the section's own indentation: ``name : type``, or a bare
    ``name``; ``x, y : float`` names two. ``*args``/``**kwargs`` lines are dropped, as
    the signature's variadics are.
    """
    if not doc:
        return None
    lines = inspect.cleandoc(doc).splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Parameters" and _is_rule(lines[i + 1]):
            base = len(lines[i]) - len(lines[i].lstrip())
            break
    else:
        return None
    names: list[str] = []
    body = lines[i + 2 :]
    for j, line in enumerate(body):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent < base:
            break
        if indent > base:
            continue  # a description line
        if j + 1 < len(body) and _is_rule(body[j + 1]):
            break  # the next section's header
        head = line.split(" : ", 1)[0].strip().rstrip(":")
        for name in head.split(","):
            name = name.strip()
            if name and not name.startswith("*"):
                names.append(name)
    return names


def signature_parameters(fn: Callable, *, bound: bool) -> list[str]:
    """Names of ``fn``'s parameters in order, without variadics (and without self/cls).

    A parameter with a leading underscore is private (not part of the documented call).
    """
    params = list(inspect.signature(fn).parameters.values())
    if bound and params:
        params = params[1:]
    return [p.name for p in params if p.kind not in _VAR and not p.name.startswith("_")]


# ---- what is public --------------------------------------------------------------------------
def _in_scratch(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("scratch")


def _excluded(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith(EXCLUDED_MODULES)


def public_objects(modname: str) -> Iterator[tuple[str, object]]:
    """(dotted name, object) for every public callable of a namespace, submodules walked."""
    module = importlib.import_module(modname)
    names = getattr(module, "__all__", None)
    explicit = names is not None
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType):
            if explicit and obj.__name__.startswith("scratch"):
                yield from public_objects(obj.__name__)
            continue
        if not callable(obj) or not _in_scratch(obj) or _excluded(obj):
            continue
        if not explicit and not obj.__module__.startswith(modname):
            continue  # imported for internal use, not re-exported from the package
        yield f"{modname}.{name}", obj


def _methods(cls: type, modname: str) -> Iterator[tuple[str, Callable, bool, str | None]]:
    """(name, function, bound, doc) of cls's public methods defined in ``modname``'s classes.

    An inherited method is checked with the namespace that defines it (Module.save with
    scratch.nn, not again with every model built on Module).
    """
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith(modname):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, staticmethod):
            fn, bound = raw.__func__, False
        elif isinstance(raw, classmethod):
            fn, bound = raw.__func__, True
        elif inspect.isfunction(raw):
            fn, bound = raw, True
        else:
            continue  # properties, attributes, nested classes
        qualname = f"{owner.__module__}.{owner.__qualname__}.{name}"
        yield qualname, fn, bound, inspect.getdoc(getattr(cls, name))


def check_targets(modname: str) -> dict[str, tuple[list[str], list[str] | None]]:
    """{qualified name: (signature's parameters, documented parameters)} for a namespace."""
    targets: dict[str, tuple[list[str], list[str] | None]] = {}
    seen: set[int] = set()
    for qualname, obj in public_objects(modname):
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if inspect.isclass(obj):
            own = vars(obj).get("__doc__")
            init = vars(obj).get("__init__")
            doc = own
            if documented_parameters(own) is None and init is not None:
                doc = init.__doc__ or own
            try:
                expected = signature_parameters(obj, bound=False)
            except (TypeError, ValueError):  # builtin constructors without a signature
                expected = []
            targets[qualname] = (expected, documented_parameters(doc))
            for key, fn, bound, mdoc in _methods(obj, modname):
                if key not in targets:
                    targets[key] = (
                        signature_parameters(fn, bound=bound),
                        documented_parameters(mdoc),
                    )
        else:
            targets[qualname] = (
                signature_parameters(obj, bound=False),
                documented_parameters(getattr(obj, "__doc__", None)),
            )
    return targets


def mismatches(modname: str) -> list[str]:
    problems = []
    for name, (expected, documented) in sorted(check_targets(modname).items()):
        if documented is None:
            if expected:
                problems.append(f"{name}: no Parameters section; signature has {expected}")
        elif documented != expected:
            problems.append(f"{name}: documents {documented}, signature has {expected}")
    return problems


# ---- the tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("modname", NAMESPACES)
def test_every_public_callable_documents_its_parameters_in_signature_order(modname):
    problems = mismatches(modname)
    assert not problems, f"{len(problems)} docstring(s) out of step:\n" + "\n".join(problems)


def test_the_walk_reaches_functions_classes_methods_and_listed_submodules():
    """The check cannot pass by finding nothing: it sees what the issue named."""
    optim = check_targets("scratch.optim")
    assert {"scratch.optim.Adam", "scratch.optim.SGD"} <= set(optim)
    assert any(k.endswith("lr_scheduler.StepLR") for k in optim)
    nn = check_targets("scratch.nn")
    for method in ("state_dict", "load_state_dict", "save", "load", "to", "apply"):
        assert f"scratch.nn.module.Module.{method}" in nn
    assert not any(
        k.startswith("scratch.nn.module.Module") for k in check_targets("scratch.generative")
    )
    assert "scratch.nn.Dropout" in nn
    assert nn["scratch.nn.Dropout"][0] == ["p", "inplace", "backend", "rng"]
    functional = check_targets("scratch.functional")
    assert functional["scratch.functional.conv2d"][0][:3] == ["input", "weight", "bias"]


def test_the_parser_reads_numpydoc_parameter_lines():
    doc = """Summary.

    Parameters
    ----------
    x, y : float
        Two numbers.
        name : not a parameter, a description line
    flag
    *args : object
    **kwargs : dict

    Returns
    -------
    out : float
    """
    assert documented_parameters(doc) == ["x", "y", "flag"]
    assert documented_parameters("No sections.") is None
    assert documented_parameters(None) is None


def test_a_mismatch_is_reported():
    def f(a, b, *args, c=1, **kwargs):
        """Summary.

        Parameters
        ----------
        b : int
        a : int
        c : int
        """

    assert signature_parameters(f, bound=False) == ["a", "b", "c"]
    assert documented_parameters(f.__doc__) == ["b", "a", "c"]
