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

One module per idea:

============  ===========================================================================
module        what it holds
============  ===========================================================================
tensors       ``register_tensor_type``: which objects are scratch Tensors (isinstance)
arrays        ``namespace``, ``device_of``, ``backend_name``, ``is_array``, ``to_numpy``
registry      ``Backend``, ``get``, ``backend_of``, ``available``, ``default_name``
rng           ``Rng``: random numbers on a device, reproducible per seed
host          ``asarray_like``, ``host_asarray``, ``is_host_scalar``: boundary transfers
scatter       ``scatter_add`` (col2im's bucket sums)
strided       ``sliding_windows``, ``shifted_slabs``: windows as strided views;
              ``assign_transposed``: a channels-first array copied channels last
cache         ``working_set``, ``working_set_bytes``: cache-sized chunks on a CPU
special       ``logsumexp``, ``erf``
============  ===========================================================================

The .npz files (``save_npz``, ``load_npz``) live in ``scratch.io``; the names here
stay importable for old callers.
"""

from __future__ import annotations

from typing import Any

from .arrays import _IS_ARRAY as _IS_ARRAY
from .arrays import _NAMESPACE_OF_TYPE as _NAMESPACE_OF_TYPE
from .arrays import BackendError, backend_name, device_of, is_array, namespace, to_numpy
from .arrays import _describe as _describe
from .cache import CPU_WORKING_SET as CPU_WORKING_SET
from .cache import working_set, working_set_bytes
from .host import _c_contiguous as _c_contiguous
from .host import asarray_like, host_asarray, is_host_scalar
from .registry import _INSTALL_HINT as _INSTALL_HINT
from .registry import NAMES as NAMES
from .registry import Backend, available, backend_of, default_name, get, resolve
from .registry import _gpu_usable as _gpu_usable
from .rng import Rng, resolve_rng
from .scatter import scatter_add
from .special import _erf_portable as _erf_portable
from .special import erf, logsumexp
from .strided import _element_strides as _element_strides
from .strided import _strided_view as _strided_view
from .strided import assign_transposed, shifted_slabs, sliding_windows
from .tensors import _TENSOR_TYPES as _TENSOR_TYPES
from .tensors import _is_tensor as _is_tensor
from .tensors import _unwrap as _unwrap
from .tensors import register_tensor_type

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
    "resolve",
    "resolve_rng",
    "register_tensor_type",
    "scatter_add",
    "sliding_windows",
    "shifted_slabs",
    "assign_transposed",
    "working_set",
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

# save_npz / load_npz moved to scratch.io, which imports this package: they are looked up
# on first use (PEP 562), so importing either module first works.
_MOVED_TO_IO = ("save_npz", "load_npz")


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_IO:
        from .. import io

        return getattr(io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MOVED_TO_IO))
