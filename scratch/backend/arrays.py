"""Which library and device an array belongs to: namespace, device_of, backend_name,
is_array, and the one explicit way back to the host, to_numpy.

``namespace(x, w)`` is the Array-API namespace the arrays share, refusing (with a
``BackendError`` that names both) arrays from two libraries or two devices. A scratch
Tensor stands for its ``.data`` array everywhere here.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from .tensors import _unwrap


class BackendError(TypeError):
    """Arrays from different libraries or devices, or a backend that is not usable here."""


# Per-type caches: whether a type is an array type, and the namespace of an array type.
# Both answers depend on the type alone; caching them takes array_api_compat's lookups
# out of the per-operation path (autograd calls namespace() for every op).
_IS_ARRAY: dict[type, bool] = {}
_NAMESPACE_OF_TYPE: dict[type, Any] = {}


def is_array(x: Any) -> bool:
    """True for an array of any supported library (not a Python scalar, not a Tensor).

    Parameters
    ----------
    x : object
        Anything.
    """
    t = type(x)
    known = _IS_ARRAY.get(t)
    if known is None:
        known = bool(
            array_api_compat.is_array_api_obj(x) and not isinstance(x, (int, float, bool, complex))
        )
        _IS_ARRAY[t] = known
    return known


def _describe(x: Any) -> str:
    mod = type(x).__module__.split(".")[0]
    try:
        dev = array_api_compat.device(x)
    except Exception:  # noqa: BLE001 - description only
        dev = "?"
    return f"{mod} array on {dev}"


def namespace(*arrays: Any):
    """The Array-API namespace shared by ``arrays`` (None and Python scalars are skipped).

    Raises
    ------
    BackendError
        When the arrays come from two libraries or sit on two devices; the message
        names both, e.g. ``numpy array on cpu`` and ``array_api_strict array on device1``.
    """
    if len(arrays) == 1:  # fastest path: one array of an already-seen type
        xp = _NAMESPACE_OF_TYPE.get(type(arrays[0]))
        if xp is not None:
            return xp
    arrays = [_unwrap(a) for a in arrays if a is not None and not isinstance(a, (int, float, bool))]
    if not arrays:
        raise BackendError("namespace() needs at least one array to decide the backend")
    # fast path: arrays of one already-seen type on one device (numpy has only the cpu)
    t = type(arrays[0])
    xp = _NAMESPACE_OF_TYPE.get(t)
    if xp is not None and all(type(a) is t for a in arrays):
        if len(arrays) == 1 or t is np.ndarray:
            return xp
        d = array_api_compat.device(arrays[0])
        if all(array_api_compat.device(a) == d for a in arrays[1:]):
            return xp
    for a in arrays:
        if not is_array(a):
            raise BackendError(f"expected an array, got {type(a).__name__}")
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError as e:
        kinds = sorted({_describe(a) for a in arrays})
        raise BackendError(
            f"arrays from different libraries cannot be combined: {' and '.join(kinds)}; "
            "move them explicitly with scratch.backend.get(name).asarray(...)"
        ) from e
    devices = []
    for a in arrays:
        d = array_api_compat.device(a)
        if all(d != e for e in devices):
            devices.append(d)
    if len(devices) > 1:
        raise BackendError(
            f"arrays on different devices cannot be combined: {devices[0]} and {devices[1]}; "
            "move them explicitly with scratch.backend.get(name).asarray(...)"
        )
    if all(type(a) is t for a in arrays):
        _NAMESPACE_OF_TYPE[t] = xp
    return xp


def device_of(x: Any):
    """The device an array lives on.

    Parameters
    ----------
    x : array or Tensor
        An array of any supported library (a Tensor is looked through to its array).
    """
    if type(x) is np.ndarray:  # fast path: NumPy lives on the cpu
        return "cpu"
    return array_api_compat.device(_unwrap(x))


def backend_name(x: Any) -> str:
    """The scratch backend name of an array: numpy, cupy, torch or strict.

    Parameters
    ----------
    x : array or Tensor
        An array of any supported library (a Tensor is looked through to its array).
    """
    x = _unwrap(x)
    if array_api_compat.is_numpy_array(x):
        return "numpy"
    if array_api_compat.is_cupy_array(x):
        return "cupy"
    if array_api_compat.is_torch_array(x):
        return "torch"
    if type(x).__module__.startswith("array_api_strict"):
        return "strict"
    raise BackendError(f"not an array of a known backend: {type(x).__name__}")


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any backend to a NumPy array on the host (the one explicit way back).

    Parameters
    ----------
    x : array or Tensor
        An array of any supported library (a Tensor is looked through to its array).
    """
    x = _unwrap(x)
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if type(x).__module__.startswith("array_api_strict"):
        return np.array(np.from_dlpack(x), copy=True)
    return np.asarray(x)
