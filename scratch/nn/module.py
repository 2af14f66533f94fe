"""Module and Parameter: the bookkeeping behind every layer, as in torch.nn.

A Module is a function with state. Its state is a tree: Parameters (learned
Tensors), buffers (arrays updated without gradients, e.g. BatchNorm's running mean)
and child Modules, all discovered from attribute assignment in assignment order::

    class Affine(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(w)      # registered as a parameter "weight"
            self.inner = Linear(3, 2)       # registered as a child "inner"

    model.state_dict()   # {"weight": ..., "inner.weight": ..., "inner.bias": ...}

Names are dotted paths through the tree. ``state_dict`` holds raw arrays on the
model's device (parameters and buffers); ``save``/``load`` write and read them as an
.npz file (atomically), and ``load_state_dict`` checks names and shapes and moves the
arrays onto each parameter's own device and dtype.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import backend
from ..autograd import Tensor
from ..autograd.function import no_grad
from ..io import load_npz, save_npz


class Parameter(Tensor):
    """A Tensor that a Module learns: ``requires_grad=True`` by default.

    Parameters
    ----------
    data : array of any backend (or a Tensor, whose array is used)
    requires_grad : bool
    """

    def __init__(self, data: Any, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return f"Parameter({self.data!r})"


class Module:
    """Base class of layers and models (``forward`` defines the computation).

    Attributes
    ----------
    training : bool
        True in training mode (Dropout drops, BatchNorm uses batch statistics).
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ---- registration through attribute assignment ---------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before "
                f"assigning attribute {name!r}"
            )
        for registry in (self._parameters, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: Any) -> None:
        """Register ``array`` (a raw array, or None) as state that is saved but not learned.

        The buffer is an attribute (``self.name``); assigning a new array to that
        attribute later replaces the buffer.

        Parameters
        ----------
        name : str
            The attribute name (non-empty, no dots, not a parameter or child already).
        array : array or None
            The buffer's value; None registers the name without state (left out of
            ``state_dict``).
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"buffer name must be a non-empty string without dots, got {name!r}")
        if array is not None and not backend.is_array(array) and not isinstance(array, Tensor):
            raise TypeError(f"buffer {name!r} must be an array or None, got {type(array).__name__}")
        if name in self._parameters or name in self._modules:
            raise ValueError(f"{name!r} is already a parameter or child module")
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    # ---- calling ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The computation; subclasses define it, and ``module(...)`` calls it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- traversal -------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) of the direct children, in assignment order."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """The direct children, in assignment order."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, depth first (each once), with dotted names.

        Parameters
        ----------
        prefix : str
            Prepended to every name (this module's own name is ``prefix``).
        """
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            children = [(f"{name}.{n}" if name else n, c) for n, c in m._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, depth first (each once)."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter of the tree once (a shared parameter under its first name).

        Parameters
        ----------
        prefix : str
            Prepended to every dotted name.

        Yields
        ------
        (str, Parameter)
            The dotted name and the parameter.
        """
        seen: set[int] = set()
        for mname, m in self.named_modules(prefix):
            for pname, p in m._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter of the tree once (what an optimizer takes)."""
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self) -> Iterator[tuple[str, Any]]:
        """(dotted name, array) of every buffer that holds an array."""
        for mname, m in self.named_modules():
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self) -> Iterator[Any]:
        """Every buffer that holds an array."""
        for _, b in self.named_buffers():
            yield b

    # ---- modes and gradients --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and all descendants; returns self.

        Parameters
        ----------
        mode : bool
            True: training (Dropout drops, BatchNorm uses batch statistics); False: eval.
        """
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (None, or zeros with ``set_to_none=False``).

        Parameters
        ----------
        set_to_none : bool
            Set each ``p.grad`` to None (True) or to zeros of its shape (False).
        """
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(p.xp.zeros_like(p.grad.data))

    def requires_grad_(self, mode: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off; returns self.

        Parameters
        ----------
        mode : bool
            The new ``requires_grad`` of every parameter.
        """
        for p in self.parameters():
            p.requires_grad_(mode)
        return self

    def apply(self, fn) -> Module:
        """Call ``fn(m)`` on every submodule and then on this one (torch's order); returns self.

        Parameters
        ----------
        fn : callable
            Called as ``fn(module)``, e.g. to initialise weights; its result is ignored.
        """
        for m in list(self.children()):
            m.apply(fn)
        fn(self)
        return self

    # ---- dtype and backend ------------------------------------------------------------------
    def to(self, dtype_or_backend: Any = None, *, dtype: Any = None) -> Module:
        """Move floating parameters and buffers to a dtype and/or a backend; returns self.

        ``to(xp.float64)``, ``to("float64")``, ``to("strict")``, ``to(backend.get("numpy"))``
        or ``to("numpy", dtype="float64")``. Parameters keep their identity (their
        ``.data`` is replaced), so an optimizer built on ``parameters()`` still holds
        them; gradients are cleared, as their dtype no longer matches. Integer buffers
        (``num_batches_tracked``) keep their dtype. Moving between backends goes through
        the host, explicitly.

        Parameters
        ----------
        dtype_or_backend : dtype, str or Backend, optional
            A floating dtype (object or name "float16"/"float32"/"float64"), or a backend
            (a Backend or a backend name such as "strict").
        dtype : dtype or str, optional
            Keyword-only dtype, to combine with a backend given positionally.
        """
        target, dtype = _target(dtype_or_backend, dtype)
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.data = _moved(p.data, target, dtype)
                    p.grad = None
            for name, b in m._buffers.items():
                if b is not None:
                    m._buffers[name] = _moved(b, target, dtype)
                    object.__setattr__(m, name, m._buffers[name])
        return self

    def double(self) -> Module:
        """Floating parameters and buffers to float64 (the dtype for gradient checks)."""
        return self.to(dtype="float64")

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self.to(dtype="float32")

    # ---- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Every parameter and buffer as ``{dotted name: raw array}`` (on the model's device).

        The arrays are the live ones (no copy), as in PyTorch; ``save`` copies to the host.
        """
        out: dict[str, Any] = {}
        for mname, m in self.named_modules():
            for name, p in m._parameters.items():
                out[f"{mname}.{name}" if mname else name] = p.data
            for name, b in m._buffers.items():
                if b is not None:
                    out[f"{mname}.{name}" if mname else name] = (
                        b.data if isinstance(b, Tensor) else b
                    )
        return out

    def _state_slots(self) -> dict[str, tuple[Module, str, str]]:
        slots = {}
        for mname, m in self.named_modules():
            for name in m._parameters:
                slots[f"{mname}.{name}" if mname else name] = (m, name, "parameter")
            for name, b in m._buffers.items():
                if b is not None:
                    slots[f"{mname}.{name}" if mname else name] = (m, name, "buffer")
        return slots

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> tuple:
        """Copy ``state_dict``'s arrays into this module's parameters and buffers.

        Each array is moved explicitly to its parameter's device and cast to its dtype.

        Parameters
        ----------
        state_dict : dict
            ``{dotted name: array}`` of any backend, e.g. from ``state_dict()`` or ``load``.
        strict : bool
            Refuse missing and unexpected names (shape mismatches are always refused).

        Returns
        -------
        (missing_keys, unexpected_keys) : tuple of two lists

        Raises
        ------
        ValueError
            Listing the missing and unexpected names (strict) or the mismatched shapes.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")
        slots = self._state_slots()
        missing = [k for k in slots if k not in state_dict]
        unexpected = [k for k in state_dict if k not in slots]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        for k, (m, name, _) in slots.items():
            if k not in state_dict:
                continue
            current = getattr(m, name)
            value = state_dict[k]
            shape = tuple(getattr(value, "shape", ()))
            if shape != tuple(current.shape):
                problems.append(
                    f"shape mismatch for {k}: checkpoint has {shape}, model has "
                    f"{tuple(current.shape)}"
                )
        if problems:
            raise ValueError(
                f"error loading state_dict into {type(self).__name__}: " + "; ".join(problems)
            )
        with no_grad():
            for k, (m, name, _) in slots.items():
                if k not in state_dict:
                    continue
                current = getattr(m, name)
                placed = backend.asarray_like(state_dict[k], current)
                if isinstance(current, Tensor):
                    current.data = placed
                else:
                    setattr(m, name, placed)
        return missing, unexpected

    def save(self, path: str | Path) -> None:
        """Write ``state_dict()`` to ``path`` as .npz (host copies, written atomically).

        Parameters
        ----------
        path : str or Path
            The .npz file to write (replaced as a whole, never left half-written).
        """
        save_npz(path, self.state_dict())

    def load(self, path: str | Path, strict: bool = True) -> Module:
        """Read an .npz written by ``save`` into this module; returns self.

        Parameters
        ----------
        path : str or Path
            The .npz file written by ``save``.
        strict : bool
            Refuse missing and unexpected names (see ``load_state_dict``).

        Raises
        ------
        ValueError
            For a truncated or corrupt file, or names/shapes that do not match.
        """
        self.load_state_dict(load_npz(path), strict=strict)
        return self

    # ---- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (subclasses override)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        if len(lines) == 1:
            return lines[0] + ")"
        return "\n".join(lines) + "\n)"


def _target(dtype_or_backend: Any, dtype: Any):
    """(Backend or None, dtype name or object or None) from ``Module.to``'s arguments."""
    target = None
    if isinstance(dtype_or_backend, backend.Backend):
        target = dtype_or_backend
    elif isinstance(dtype_or_backend, str) and dtype_or_backend.split(":")[0] in backend.NAMES:
        target = backend.get(dtype_or_backend)
    elif dtype_or_backend is not None:
        if dtype is not None:
            raise TypeError("to() got a dtype twice: positionally and as dtype=")
        dtype = dtype_or_backend
    if isinstance(dtype, str) and dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"dtype must be float16, float32 or float64, got {dtype!r}")
    if target is None and dtype is None:
        raise TypeError("to() needs a dtype or a backend, e.g. to('float64') or to('strict')")
    return target, dtype


def _moved(a: Any, target: Any, dtype: Any):
    """Array ``a`` on ``target`` (None: where it is) in ``dtype`` when ``a`` is floating."""
    if target is not None and backend.backend_name(a) != target.name:
        a = target.asarray(backend.to_numpy(a))
    xp = backend.namespace(a)
    if dtype is None or not xp.isdtype(a.dtype, "real floating"):
        return a
    want = getattr(xp, dtype) if isinstance(dtype, str) else dtype
    return a if a.dtype == want else xp.astype(a, want)
