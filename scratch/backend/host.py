"""Host data at the boundary: Python literals in, explicit copies onto a reference
array's device (``asarray_like``), and the small NumPy-side helpers these need."""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import BackendError, _describe, backend_name, device_of, is_array, namespace, to_numpy
from .tensors import _unwrap


def _c_contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous NumPy array of the SAME shape (torch refuses negative strides).

    Not ``np.ascontiguousarray``: it returns at least 1-D, turning a 0-d array into shape (1,).
    """
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def is_host_scalar(x: Any) -> bool:
    """A Python or NumPy scalar number (it takes the dtype and device of what it meets).

    Parameters
    ----------
    x : object
        Anything.
    """
    return isinstance(x, (int, float, bool, np.generic))


def host_asarray(obj: Any) -> np.ndarray:
    """A Python number, list or tuple as a host NumPy array: the boundary conversion of
    literals. Arrays of a library are never converted here (move those explicitly).

    Parameters
    ----------
    obj : number, list or tuple
        A literal (NumPy scalars included).
    """
    if is_array(obj) and not isinstance(obj, np.generic):
        raise BackendError(f"host_asarray converts literals only, got a {_describe(obj)}")
    return np.asarray(obj)


def asarray_like(a: Any, ref: Any):
    """A copy of ``a`` (host data or any backend's array) on ``ref``'s device with its dtype.

    One explicit transfer: arrays of another library or device go through the host;
    the dtype is converted on the host first, so a float64 source reaches a device
    without float64 (strict's ``no_float64``) as float32 without ever existing there.

    Parameters
    ----------
    a : array, list or number
        Host data or an array of any backend.
    ref : array or Tensor
        Gives the device and dtype.
    """
    ref, a = _unwrap(ref), _unwrap(a)
    xp = namespace(ref)
    dev = device_of(ref)
    if is_array(a) and backend_name(a) == backend_name(ref) and device_of(a) == dev:
        return xp.astype(a, ref.dtype, copy=True)
    host_dtype = to_numpy(xp.zeros((0,), dtype=ref.dtype, device=dev)).dtype
    host = np.array(to_numpy(a), dtype=host_dtype, copy=True)
    if backend_name(ref) == "numpy":
        return host
    if backend_name(ref) == "torch":
        return xp.asarray(_c_contiguous(host), device=dev)
    return xp.asarray(host, device=dev)
