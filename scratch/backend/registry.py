"""The backends by name: ``get(name)`` gives a ``Backend`` (one array library on one
device), ``backend_of(x)`` the one an array lives on, ``available()`` those usable here."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np

from .arrays import BackendError, backend_name, device_of, is_array, to_numpy
from .host import _c_contiguous
from .rng import Rng

NAMES = ("numpy", "cupy", "torch", "strict")

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "cupy": "pip install 'scratch[gpu]' (cupy-cuda12x) on a machine with an NVIDIA GPU",
    "torch": "pip install torch",
    "strict": "pip install array-api-strict",
}


@dataclass
class Backend:
    """One array library on one device.

    The parameters are kept as attributes of the same names. Every other attribute
    (``sum``, ``exp``, ``linalg``, ``float32``, ...) is the namespace's own.

    Parameters
    ----------
    name : str
        ``numpy``, ``cupy``, ``torch`` or ``strict``.
    xp : module
        The Array-API namespace.
    device : object
        The device arrays are created on.
    """

    name: str
    xp: Any
    device: Any = None
    _float64: bool = field(default=True, repr=False)

    def asarray(self, a: Any, dtype: Any = None):
        """Place ``a`` (a NumPy array, a list, or an array of another backend) on this device.

        Parameters
        ----------
        a : array, list or Python number
            Host data or an array of any backend (moved through the host, explicitly).
        dtype : dtype, optional
            The result's dtype (default: inferred, as NumPy infers it; float32 on a device
            without float64).
        """
        if is_array(a) and backend_name(a) != self.name:
            a = to_numpy(a)
        if self.name == "torch" and isinstance(a, (list, tuple, bool, int, float, complex)):
            # Python numbers infer as NumPy infers them (floats -> float64, ints -> int64),
            # as on numpy, strict and cupy; torch alone would pick its default float32
            a = np.asarray(a)
        if dtype is None and not self._float64:
            a = np.asarray(a)
            if a.dtype == np.float64:  # this device has no float64: its default float
                dtype = self.xp.float32
        if self.name == "torch" and isinstance(a, np.ndarray):
            return self.xp.asarray(_c_contiguous(a), dtype=dtype, device=self.device)
        if self.name == "numpy":
            return np.asarray(a, dtype=dtype)
        return self.xp.asarray(a, dtype=dtype, device=self.device)

    def zeros(self, shape, dtype: Any = None):
        """An array of zeros on this device.

        Parameters
        ----------
        shape : int or tuple of int
            The array's shape.
        dtype : dtype, optional
            The array's dtype (default: ``float``, float64 where the device has it).
        """
        return self.xp.zeros(shape, dtype=dtype or self.float, device=self.device)

    def ones(self, shape, dtype: Any = None):
        """An array of ones on this device.

        Parameters
        ----------
        shape : int or tuple of int
            The array's shape.
        dtype : dtype, optional
            The array's dtype (default: ``float``, float64 where the device has it).
        """
        return self.xp.ones(shape, dtype=dtype or self.float, device=self.device)

    def full(self, shape, fill_value, dtype: Any = None):
        """An array filled with fill_value on this device.

        Parameters
        ----------
        shape : int or tuple of int
            The array's shape.
        fill_value : number
            The value of every entry.
        dtype : dtype, optional
            The array's dtype (default: ``float``, float64 where the device has it).
        """
        return self.xp.full(shape, fill_value, dtype=dtype or self.float, device=self.device)

    def eye(self, n, m=None, dtype: Any = None):
        """The n x m identity on this device.

        Parameters
        ----------
        n : int
            Rows.
        m : int, optional
            Columns (default n).
        dtype : dtype, optional
            The array's dtype (default: ``float``, float64 where the device has it).
        """
        return self.xp.eye(n, m, dtype=dtype or self.float, device=self.device)

    def arange(self, *args, dtype: Any = None):
        """xp.arange(start, stop, step) on this device.

        Parameters
        ----------
        *args : number
            (stop), (start, stop) or (start, stop, step), as for range.
        dtype : dtype, optional
            The result's dtype (default: inferred from the arguments).
        """
        return self.xp.arange(*args, dtype=dtype, device=self.device)

    def linspace(self, start, stop, num, dtype: Any = None, endpoint: bool = True):
        """num evenly spaced numbers from start to stop on this device.

        Parameters
        ----------
        start, stop : float
            The interval's ends.
        num : int
            How many numbers.
        dtype : dtype, optional
            The array's dtype (default: ``float``, float64 where the device has it).
        endpoint : bool
            Include stop.
        """
        return self.xp.linspace(
            start, stop, num, dtype=dtype or self.float, device=self.device, endpoint=endpoint
        )

    def __getattr__(self, attr):
        # Everything else (sum, exp, linalg, float32, ...) is the namespace's own.
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.xp, attr)

    @property
    def float(self):
        """The default float dtype for checks: float64 where the device has it."""
        return self.xp.float64 if self._float64 else self.xp.float32

    def rng(self, seed: int | None = None) -> Rng:
        """A generator on this backend's device (see Rng).

        Parameters
        ----------
        seed : int, optional
            The seed (None: fresh entropy).
        """
        return Rng(self, seed)

    def synchronize(self) -> None:
        """Wait for the device to finish queued work (needed before reading a timer)."""
        if self.name == "cupy":
            import cupy

            cupy.cuda.Device().synchronize()
        elif self.name == "torch" and str(self.device).startswith("cuda"):
            import torch

            torch.cuda.synchronize()

    def __str__(self) -> str:
        return f"{self.name} ({self.device})"


def _gpu_usable() -> bool:
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        return False


def default_name() -> str:
    """The backend named by ``SCRATCH_BACKEND`` (default ``numpy``)."""
    return os.environ.get("SCRATCH_BACKEND", "numpy").strip().lower() or "numpy"


def get(name: str | None = None) -> Backend:
    """The backend called ``name`` (default: ``SCRATCH_BACKEND`` or numpy).

    ``strict:no_float64`` selects array-api-strict's device without float64, to
    catch float64 leaking into float32 training paths.

    Parameters
    ----------
    name : str, optional
        numpy, cupy, torch, strict (strict:no_float64 for the device without float64) or
        auto (cupy when a GPU is usable, else numpy).

    Raises
    ------
    BackendError
        For an unknown name, or a backend whose library is missing or has no device here.
    """
    name = (name or default_name()).strip().lower()
    if name == "auto":
        name = "cupy" if _gpu_usable() else "numpy"
    base, _, variant = name.partition(":")
    if base not in NAMES:
        raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(NAMES)} or auto")
    try:
        if base == "numpy":
            return Backend("numpy", array_api_compat.array_namespace(np.zeros(0)), "cpu")
        if base == "strict":
            import array_api_strict as s

            device = s.Device(variant or "device1")
            return Backend("strict", s, device, _float64=variant != "no_float64")
        if base == "cupy":
            import cupy

            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise BackendError("cupy is installed but sees no GPU")
            import array_api_compat.cupy as cxp

            return Backend("cupy", cxp, cupy.cuda.Device())
        import array_api_compat.torch as txp
        import torch

        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return Backend("torch", txp, dev)
    except ImportError as e:
        raise BackendError(
            f"backend {base!r} is not installed here ({e}); install it with: {_INSTALL_HINT[base]}"
        ) from e
    except BackendError:
        raise
    except Exception as e:  # noqa: BLE001 - e.g. a CUDA driver error
        raise BackendError(f"backend {base!r} is not usable here: {e}") from e


def backend_of(x: Any) -> Backend:
    """The Backend an array (or Tensor) lives on, with its device.

    The one resolver from data to Backend: estimators, layers, data iterators and
    mathx all call it, so strict's ``no_float64`` device is recognised everywhere.

    Parameters
    ----------
    x : array or Tensor
        An array of any supported library.
    """
    base = get(backend_name(x))
    device = device_of(x)
    no_float64 = base.name == "strict" and "no_float64" in str(device)
    return Backend(base.name, base.xp, device, _float64=base._float64 and not no_float64)


def resolve(bk: str | Backend | None) -> Backend:
    """A Backend from a name, a Backend (returned as is), or None (the default backend).

    What layers, training commands and estimators do with their ``backend=`` argument.

    Parameters
    ----------
    bk : str, Backend or None
        A backend name, a Backend, or None for the default backend.
    """
    if bk is None or isinstance(bk, str):
        return get(bk)
    if isinstance(bk, Backend):
        return bk
    raise TypeError(f"backend must be a backend name or a Backend, got {type(bk).__name__}")


def available() -> list[str]:
    """The backends usable on this machine."""
    out = []
    for n in NAMES:
        try:
            get(n)
            out.append(n)
        except BackendError:
            pass
    return out
