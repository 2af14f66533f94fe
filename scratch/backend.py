"""The backend contract: which array library computes, on which device.

Code in scratch never imports numpy or cupy to compute. It asks its inputs::

    xp = namespace(x, w)          # the Array-API namespace both arrays live in

and writes every formula against ``xp``. Results follow the inputs (the
scikit-learn Array-API rule). Data moves only on request: ``to_numpy(x)`` is the
one way back to the host and ``get(name).asarray(a)`` the one way onto a device.

Backends (``get(name)``):

=========  ==================================  ==================================
name       library and device                  install
=========  ==================================  ==================================
numpy      NumPy on the CPU                    (always present)
cupy       CuPy on the current GPU             pip install 'scratch[gpu]'
torch      PyTorch (CUDA when usable, else CPU)  pip install torch
strict     array-api-strict on ``device1``     pip install array-api-strict
auto       cupy when a GPU is usable, else numpy
=========  ==================================  ==================================

``strict`` is the GPU stand-in on CPU machines: it refuses implicit conversion to
NumPy and refuses to mix devices, the two mistakes that break CuPy runs.

Random numbers are outside the Array-API standard, so ``Backend.rng(seed)`` gives a
small generator (normal, uniform, integers, permutation, choice). On numpy, strict
and torch it draws from NumPy's PCG64 and places the numbers on the device, so a
seed gives the same numbers there; on cupy it draws on the GPU with CuPy's own
generator (reproducible per seed, but other numbers than NumPy's).

The few operations the standard lacks (``scatter_add``, ``logsumexp``, ...) live at
the end of this file, each with one portable path and optional fast paths.
"""

from __future__ import annotations

import importlib
import math
import os
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np

__all__ = [
    "BackendError",
    "Backend",
    "namespace",
    "get",
    "available",
    "default_name",
    "to_numpy",
    "device_of",
    "is_array",
    "backend_name",
    "backend_of",
    "scatter_add",
    "sliding_windows",
    "shifted_slabs",
    "working_set_bytes",
    "logsumexp",
    "erf",
    "Rng",
    "asarray_like",
    "host_asarray",
    "is_host_scalar",
    "save_npz",
    "load_npz",
]

NAMES = ("numpy", "cupy", "torch", "strict")

# scratch.autograd.Tensor and its subclass scratch.nn.Parameter (matched by name: no import)
_TENSOR_TYPES = ("Tensor", "Parameter")

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "cupy": "pip install 'scratch[gpu]' (cupy-cuda12x) on a machine with an NVIDIA GPU",
    "torch": "pip install torch",
    "strict": "pip install array-api-strict",
}


class BackendError(TypeError):
    """Arrays from different libraries or devices, or a backend that is not usable here."""


# Per-type caches: whether a type is an array type, and the namespace of an array type.
# Both answers depend on the type alone; caching them takes array_api_compat's lookups
# out of the per-operation path (autograd calls namespace() for every op).
_IS_ARRAY: dict[type, bool] = {}
_NAMESPACE_OF_TYPE: dict[type, Any] = {}


def is_array(x: Any) -> bool:
    """True for an array of any supported library (not a Python scalar, not a Tensor)."""
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
    arrays = [a for a in arrays if a is not None and not isinstance(a, (int, float, bool))]
    arrays = [getattr(a, "data", a) if type(a).__name__ in _TENSOR_TYPES else a for a in arrays]
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
    """The device an array lives on."""
    if type(x) is np.ndarray:  # fast path: NumPy lives on the cpu
        return "cpu"
    return array_api_compat.device(
        getattr(x, "data", x) if type(x).__name__ in _TENSOR_TYPES else x
    )


def backend_name(x: Any) -> str:
    """The scratch backend name of an array: numpy, cupy, torch or strict."""
    x = getattr(x, "data", x) if type(x).__name__ in _TENSOR_TYPES else x
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
    """Copy an array of any backend to a NumPy array on the host (the one explicit way back)."""
    x = getattr(x, "data", x) if type(x).__name__ in _TENSOR_TYPES else x
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if type(x).__module__.startswith("array_api_strict"):
        return np.array(np.from_dlpack(x), copy=True)
    return np.asarray(x)


@dataclass
class Backend:
    """One array library on one device.

    Attributes
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
        """Place ``a`` (a NumPy array, a list, or an array of another backend) on this device."""
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
        return self.xp.zeros(shape, dtype=dtype or self.float, device=self.device)

    def ones(self, shape, dtype: Any = None):
        return self.xp.ones(shape, dtype=dtype or self.float, device=self.device)

    def full(self, shape, fill_value, dtype: Any = None):
        return self.xp.full(shape, fill_value, dtype=dtype or self.float, device=self.device)

    def eye(self, n, m=None, dtype: Any = None):
        return self.xp.eye(n, m, dtype=dtype or self.float, device=self.device)

    def arange(self, *args, dtype: Any = None):
        return self.xp.arange(*args, dtype=dtype, device=self.device)

    def linspace(self, start, stop, num, dtype: Any = None, endpoint: bool = True):
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


def _c_contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous NumPy array of the SAME shape (torch refuses negative strides).

    Not ``np.ascontiguousarray``: it returns at least 1-D, turning a 0-d array into shape (1,).
    """
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


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
    """
    base = get(backend_name(x))
    device = device_of(x)
    no_float64 = base.name == "strict" and "no_float64" in str(device)
    return Backend(base.name, base.xp, device, _float64=base._float64 and not no_float64)


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


class Rng:
    """Random numbers on a backend's device, reproducible per seed.

    On numpy, strict and torch the numbers are drawn by NumPy's PCG64 on the host
    and placed on the device in one transfer per call, so the same seed gives the
    same numbers on all three. On cupy they are drawn on the GPU by CuPy's own
    PCG64-based generator.
    """

    def __init__(self, backend: Backend, seed: int | None = None):
        self.backend = backend
        if backend.name == "cupy":
            import cupy

            self._gen = cupy.random.default_rng(seed)
        else:
            self._gen = np.random.default_rng(seed)

    def _place(self, a, dtype=None):
        if self.backend.name == "cupy":
            return a if dtype is None else a.astype(dtype)
        return self.backend.asarray(np.asarray(a), dtype=dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None):
        """Samples of N(loc, scale^2)."""
        return self._place(self._gen.normal(loc, scale, size), dtype or self.backend.float)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None):
        """Samples of U[low, high)."""
        return self._place(self._gen.uniform(low, high, size), dtype or self.backend.float)

    def integers(self, low, high=None, size=None):
        """Integers in [low, high) as int64."""
        return self._place(self._gen.integers(low, high, size), self.backend.xp.int64)

    def permutation(self, n: int):
        """A random permutation of range(n) as int64."""
        return self._place(self._gen.permutation(n), self.backend.xp.int64)

    def choice(self, n: int, size=None, replace=True, p=None):
        """Indices drawn from range(n), optionally without replacement or with weights ``p``."""
        if p is not None and self.backend.name != "cupy":
            p = to_numpy(p)
        return self._place(
            self._gen.choice(n, size=size, replace=replace, p=p), self.backend.xp.int64
        )

    def spawn_seed(self) -> int:
        """A fresh integer seed drawn from this generator (for child generators)."""
        return int(self._gen.integers(0, 2**31 - 1))


# ----------------------------------------------------------------------------------------
# Helpers the Array-API standard lacks
# ----------------------------------------------------------------------------------------


def scatter_add(n: int, index, values):
    r"""out[k] = sum_{i: index[i] = k} values[i] for k in range(n) (repeats add up).

    Portable path (any Array-API library): sort the indices, take the cumulative sum
    of the values in that order, S = [0, cumsum(v_sorted)], and read each bucket as
    the difference of S at its two ends, found by binary search:
    out[k] = S[right(k)] - S[left(k)].  O((m + n) log m), no loops, no setitem.

    Fast paths: ``numpy.add.at``, ``cupyx.scatter_add``, ``torch.index_add``.

    Parameters
    ----------
    n : int
        Length of the result.
    index : integer array, shape (m,)
        Target positions in ``[0, n)``.
    values : array, shape (m, ...)
        Values to add; trailing dimensions are kept.

    Returns
    -------
    array, shape (n, ...)
    """
    xp = namespace(index, values)
    if index.ndim != 1 or values.shape[:1] != index.shape:
        raise ValueError(
            f"index must be 1-D with values.shape[0] == len(index), got index {index.shape} "
            f"and values {values.shape}"
        )
    name = backend_name(values)
    if name == "numpy":
        out = np.zeros((n,) + values.shape[1:], dtype=values.dtype)
        np.add.at(out, index, values)
        return out
    if name == "cupy":
        import cupy
        import cupyx

        out = cupy.zeros((n,) + values.shape[1:], dtype=values.dtype)
        cupyx.scatter_add(out, index, values)
        return out
    if name == "torch":
        out = xp.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device)
        return out.index_add(0, index, values)
    order = xp.argsort(index)
    idx_sorted = xp.take(index, order)
    v_sorted = xp.take(values, order, axis=0)
    zero = xp.zeros((1,) + tuple(values.shape[1:]), dtype=values.dtype, device=device_of(values))
    S = xp.concat([zero, xp.cumulative_sum(v_sorted, axis=0)], axis=0)
    k = xp.arange(n, dtype=index.dtype, device=device_of(index))
    left = xp.searchsorted(idx_sorted, k, side="left")
    right = xp.searchsorted(idx_sorted, k, side="right")
    return xp.take(S, right, axis=0) - xp.take(S, left, axis=0)


def _element_strides(x) -> tuple[int, ...] | None:
    """x's strides in elements where its library makes strided views (else None)."""
    name = backend_name(x)
    if name == "torch":
        return tuple(x.stride())
    if name in ("numpy", "cupy"):
        return tuple(s // x.itemsize for s in x.strides)
    return None


def _strided_view(x, shape, strides):
    """A read-only view of x's memory with ``shape`` and element ``strides`` (no copy)."""
    if backend_name(x) == "torch":
        return x.as_strided(shape, strides, x.storage_offset())
    byte_strides = tuple(s * x.itemsize for s in strides)
    if backend_name(x) == "cupy":
        import cupy

        return cupy.lib.stride_tricks.as_strided(x, shape, byte_strides)
    return np.lib.stride_tricks.as_strided(x, shape, byte_strides, writeable=False)


def sliding_windows(x, window, step=(1, 1), dilation=(1, 1)):
    r"""The (dilated) kh x kw windows of x (N, H, W, ...): an array (N, Ho, Wo, kh, kw, ...).

    windows[n, p, q, i, j, ...] = x[n, p s_h + i d_h, q s_w + j d_w, ...], for
    Ho = floor((H - d_h (kh - 1) - 1) / s_h) + 1 (and Wo alike); trailing axes (the
    channels) stay last, so a copy of the result moves contiguous runs of them.

    Portable path (any Array-API library): the kh kw strided slices x[:, i d_h :: s_h,
    j d_w :: s_w] (basic slicing), stacked: one copy. Fast paths: a strided VIEW of x
    with no copy at all (``numpy.lib.stride_tricks.as_strided``, ``cupy``'s, and
    ``torch.as_strided``); the caller's reshape then makes the only copy. The result
    is read-only: do not write into it.

    Parameters
    ----------
    x : array (N, H, W, ...)
    window, step, dilation : pairs of positive ints (kh, kw), (s_h, s_w), (d_h, d_w)

    Returns
    -------
    array (N, Ho, Wo, kh, kw, ...)
    """
    xp = namespace(x)
    (kh, kw), (sh, sw), (dh, dw) = window, step, dilation
    n, h, w, rest = x.shape[0], x.shape[1], x.shape[2], tuple(x.shape[3:])
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"window {window} with dilation {dilation} does not fit x {x.shape}")
    shape = (n, ho, wo, kh, kw) + rest
    t = _element_strides(x)
    if t is not None:
        strides = (t[0], t[1] * sh, t[2] * sw, t[1] * dh, t[2] * dw) + tuple(t[3:])
        return _strided_view(x, shape, strides)

    def tap(i: int, j: int):  # rows i d_h + p s_h, columns j d_w + q s_w of every window
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
        return x[:, rows, cols, ...]

    taps = [tap(i, j) for i in range(kh) for j in range(kw)]
    return xp.reshape(xp.stack(taps, axis=3), shape)


def shifted_slabs(x, taps, shift, length: int):
    r"""Slabs of the last axis of x at a 2-D grid of offsets: (..., ti, tj, length).

    slabs[..., i, j, m] = x[..., i shift_0 + j shift_1 + m] for i < taps[0], j < taps[1],
    m < length. On a flattened padded image (row width W) with shift = (d_h W, d_w) these
    are the stride-1 convolution windows, tap by tap, each one contiguous run.

    Portable path: the ti tj basic slices, stacked (one copy). Fast paths: a strided
    VIEW of x (NumPy, CuPy, PyTorch); the caller's reshape makes the only copy.
    """
    xp = namespace(x)
    (ti, tj), (a, b) = taps, shift
    last = x.shape[-1]
    if length < 1 or (ti - 1) * a + (tj - 1) * b + length > last:
        raise ValueError(f"slabs of {taps} taps, shift {shift}, length {length} overrun {last}")
    lead = tuple(x.shape[:-1])
    t = _element_strides(x)
    if t is not None:
        strides = tuple(t[:-1]) + (a * t[-1], b * t[-1], t[-1])
        return _strided_view(x, lead + (ti, tj, length), strides)
    slabs = [x[..., i * a + j * b : i * a + j * b + length] for i in range(ti) for j in range(tj)]
    return xp.reshape(xp.stack(slabs, axis=-2), lead + (ti, tj, length))


# The bytes a loop's temporary working set (a chunk of im2col columns) should stay within
# on a CPU: a few MiB keep it in the L2/L3 caches, where the GEMM that reads it runs up to
# twice as fast as on one large matrix streamed from memory (measured on a 2-core Xeon
# with OpenBLAS: 222 GFLOP/s on 1024-row chunks against 105 on all 32768 rows).
CPU_WORKING_SET = 6 * 2**20


def working_set_bytes(x) -> int | None:
    """How large a chunk of temporaries on x's device should be; None: do it all at once.

    CPU libraries (numpy, strict, torch on the cpu) get ``CPU_WORKING_SET``; a GPU gets
    None, since one launch over the whole batch beats many small ones there.
    """
    name = backend_name(x)
    if name == "cupy" or (name == "torch" and getattr(device_of(x), "type", "cpu") != "cpu"):
        return None
    return CPU_WORKING_SET


def logsumexp(x, axis=None, keepdims: bool = False):
    r"""log sum_i exp(x_i) along ``axis``, without overflow.

    With m = max_i x_i:  log sum exp(x_i) = m + log sum exp(x_i - m), every exp <= 1.
    Rows that are all -inf give -inf (m is replaced by 0 there so no inf - inf = NaN).
    """
    xp = namespace(x)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    s = xp.sum(xp.exp(x - m), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        out = xp.log(s) + m
    if not keepdims:
        out = xp.squeeze(out, axis=axis) if axis is not None else xp.reshape(out, ())
    return out


# ----------------------------------------------------------------------------------------
# Explicit transfers to a reference array's device, and to/from .npz files on disk
# ----------------------------------------------------------------------------------------


def is_host_scalar(x: Any) -> bool:
    """A Python or NumPy scalar number (it takes the dtype and device of what it meets)."""
    return isinstance(x, (int, float, bool, np.generic))


def host_asarray(obj: Any) -> np.ndarray:
    """A Python number, list or tuple as a host NumPy array: the boundary conversion of
    literals. Arrays of a library are never converted here (move those explicitly)."""
    if is_array(obj) and not isinstance(obj, np.generic):
        raise BackendError(f"host_asarray converts literals only, got a {_describe(obj)}")
    return np.asarray(obj)


def asarray_like(a: Any, ref: Any):
    """A copy of ``a`` (host data or any backend's array) on ``ref``'s device with its dtype.

    One explicit transfer: arrays of another library or device go through the host;
    the dtype is converted on the host first, so a float64 source reaches a device
    without float64 (strict's ``no_float64``) as float32 without ever existing there.
    """
    ref = getattr(ref, "data", ref) if type(ref).__name__ in _TENSOR_TYPES else ref
    a = getattr(a, "data", a) if type(a).__name__ in _TENSOR_TYPES else a
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


def save_npz(path, arrays: dict[str, Any]) -> None:
    """Write ``{name: array}`` (any backend) to ``path`` as .npz, atomically (scratch.io)."""
    from .io import atomic_open

    host = {k: to_numpy(v) for k, v in arrays.items()}
    with atomic_open(path, "wb") as f:
        np.savez(f, **host)


def load_npz(path) -> dict[str, np.ndarray]:
    """Read a .npz written by ``save_npz`` into host arrays.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is truncated, corrupt or not an .npz archive.
    """
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: np.array(z[k]) for k in z.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise ValueError(
            f"could not read {path}: truncated or corrupt .npz file ({type(e).__name__}: {e})"
        ) from e


def erf(x):
    r"""The error function erf(x) = 2/sqrt(pi) int_0^x exp(-t^2) dt, elementwise.

    The Array-API standard has no erf; GELU and the normal CDF need it.

    Portable path (any Array-API library), accurate to ~1e-15 in float64:

    * |x| < 2.5, the series with positive terms only (no cancellation),
      erf(x) = 2/sqrt(pi) exp(-x^2) sum_{n>=0} 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)),
      whose terms obey t_n = t_{n-1} * 2 x^2 / (2n + 1); 40 terms reach 1e-16 at x = 2.5.
    * |x| >= 2.5, the continued fraction of the complement (Laplace),
      erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
      evaluated bottom-up from depth 40, and erf(x) = sign(x) (1 - erfc(|x|)).
    * |x| > 6 gives erf(x) = sign(x) to double precision (erfc(6) ~ 2e-17): both branches
      see |x| clipped to [0, 6], so x^2 never overflows, even for float32 inputs near 1e38.

    Fast paths: ``torch.special.erf``, ``cupyx.scipy.special.erf``, ``scipy.special.erf``
    (NumPy, when SciPy is installed).

    Parameters
    ----------
    x : real floating array of any backend

    Returns
    -------
    array of the same shape, dtype and device
    """
    xp = namespace(x)
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"erf needs a real floating array, got dtype {x.dtype}")
    name = backend_name(x)
    if name == "torch":
        import torch

        return torch.special.erf(x)
    if name == "cupy":
        import cupyx.scipy.special

        return cupyx.scipy.special.erf(x)
    if name == "numpy":
        try:
            import scipy.special
        except ImportError:
            return _erf_portable(x)
        return scipy.special.erf(x)
    return _erf_portable(x)


def _erf_portable(x, terms: int = 40):
    """erf on any Array-API namespace: series for |x| < 2.5, continued fraction beyond."""
    xp = namespace(x)
    a = xp.minimum(xp.abs(x), 6.0)
    # series branch, evaluated at s = min(a, 2.5) so it is only ever used where it converges
    s = xp.minimum(a, 2.5)
    s2 = s * s
    term = s
    total = s
    for n in range(1, terms):
        term = term * (2.0 * s2) / (2 * n + 1)
        total = total + term
    erf_small = (2.0 / math.sqrt(math.pi)) * xp.exp(-s2) * total
    # continued-fraction branch, evaluated at c = max(a, 2.5)
    c = xp.maximum(a, 2.5)
    f = c
    for k in range(terms, 0, -1):
        f = c + (k / 2.0) / f
    erfc_large = xp.exp(-c * c) / (math.sqrt(math.pi) * f)
    magnitude = xp.where(a < 2.5, erf_small, 1.0 - erfc_large)
    return xp.where(x < 0, -magnitude, magnitude)
