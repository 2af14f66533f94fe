"""The primitive Functions behind Tensor's operators: arithmetic, reductions, shapes,
indexing, matmul.

Each Function states its forward and the chain rule for its backward. ``backward``
is written with these same differentiable operations, so gradients of gradients work.
Broadcasting: if x of shape s was broadcast to the output's shape, the chain rule sums
the output gradient over the broadcast axes, dL/dx = sum_to(dL/dy, s).
"""

from __future__ import annotations

import builtins
import math
import numbers

from .. import backend
from .function import Function
from .tensor import Tensor, as_tensor

# ---------------------------------------------------------------------------------------
# broadcasting
# ---------------------------------------------------------------------------------------


def _sum_to_raw(xp, g, shape):
    """Sum array g over the axes along which an array of ``shape`` was broadcast."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if lead:
        g = xp.reshape(g, shape)
    return g


class SumTo(Function):
    """y = sum of x over its broadcast axes, shape ``shape``. Backward: broadcast gy back."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = tuple(x.shape)
        return _sum_to_raw(backend.namespace(x), x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


class BroadcastTo(Function):
    """y = x broadcast to ``shape``. Backward: dL/dx = sum_to(dL/dy, x.shape)."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = tuple(x.shape)
        return backend.namespace(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


def sum_to(x, shape) -> Tensor:
    """Sum ``x`` down to ``shape``: the adjoint of broadcast_to (the gradient of a broadcast).

    Parameters
    ----------
    x : Tensor or array
        Input whose shape broadcasts from ``shape``.
    shape : tuple of int
        The target shape; leading axes are summed away, axes of length 1 kept with keepdims.
    """
    x = as_tensor(x)
    if x.shape == tuple(shape):
        return x
    return SumTo(shape)(x)


def broadcast_to(x, shape) -> Tensor:
    """``x`` broadcast to ``shape``; backward sums back with ``sum_to``.

    Parameters
    ----------
    x : Tensor or array
        Input.
    shape : tuple of int
        A shape that ``x.shape`` broadcasts to.
    """
    x = as_tensor(x)
    if x.shape == tuple(shape):
        return x
    return BroadcastTo(shape)(x)


# ---------------------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------------------


class Add(Function):
    """y = a + b.  dL/da = sum_to(gy, a.shape), dL/db = sum_to(gy, b.shape)."""

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(gy, b.shape)


class Sub(Function):
    """y = a - b.  dL/da = gy, dL/db = -gy (each summed to its shape)."""

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(-gy, b.shape)


class Mul(Function):
    """y = a * b.  dL/da = gy * b, dL/db = gy * a."""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b, a.shape) if a.requires_grad else None
        gb = sum_to(gy * a, b.shape) if b.requires_grad else None
        return ga, gb


class Div(Function):
    """y = a / b.  dL/da = gy / b, dL/db = -gy a / b^2."""

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy / b, a.shape) if a.requires_grad else None
        gb = sum_to(-gy * a / (b * b), b.shape) if b.requires_grad else None
        return ga, gb


class Pow(Function):
    """y = a^b.

    dL/da = gy * b * a^(b-1);  dL/db = gy * a^b * log(a)  (the exponent gets its
    gradient too; at a = 0 the term a^b log a -> 0 for b > 0, and PyTorch uses 0).
    """

    def forward(self, a, b):
        return a**b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b * a ** (b - 1.0), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            zero = a.data == 0
            safe_a = where(zero, as_tensor(1.0, a), a)
            (y,) = self.outputs
            gb = sum_to(where(zero, as_tensor(0.0, a), gy * y * log(safe_a)), b.shape)
        return ga, gb


class Neg(Function):
    """y = -x.  dL/dx = -gy."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Exp(Function):
    """y = e^x.  dL/dx = gy * y."""

    def forward(self, x):
        return backend.namespace(x).exp(x)

    def backward(self, gy):
        (y,) = self.outputs
        return gy * y


class Log(Function):
    """y = log x.  dL/dx = gy / x."""

    def forward(self, x):
        return backend.namespace(x).log(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy / x


class Sqrt(Function):
    """y = sqrt(x).  dL/dx = gy / (2 y)."""

    def forward(self, x):
        return backend.namespace(x).sqrt(x)

    def backward(self, gy):
        (y,) = self.outputs
        return gy / (2.0 * y)


class Abs(Function):
    """y = |x|.  dL/dx = gy * sign(x)  (sign(0) = 0, PyTorch's subgradient)."""

    def forward(self, x):
        xp = backend.namespace(x)
        self.save_for_backward(xp.sign(x))
        return xp.abs(x)

    def backward(self, gy):
        (s,) = self.saved
        return gy * Tensor(s)


class AsType(Function):
    """y = x cast to ``dtype``.  dL/dx = gy cast back to x's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.x_dtype = x.dtype
        return backend.namespace(x).astype(x, self.dtype)

    def backward(self, gy):
        return astype(gy, self.x_dtype)


def add(a, b) -> Tensor:
    """a + b, broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or scalar
        The operands (at least one a Tensor or array).
    """
    return Add()(a, b)


def sub(a, b) -> Tensor:
    """a - b, broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or scalar
        The operands.
    """
    return Sub()(a, b)


def mul(a, b) -> Tensor:
    """a * b elementwise, broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or scalar
        The operands.
    """
    return Mul()(a, b)


def div(a, b) -> Tensor:
    """a / b elementwise, broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or scalar
        The operands.
    """
    return Div()(a, b)


def pow(a, b) -> Tensor:  # noqa: A001 - the math name
    """a ** b elementwise, broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or scalar
        Base and exponent.
    """
    return Pow()(a, b)


def neg(x) -> Tensor:
    """-x.

    Parameters
    ----------
    x : Tensor or array
        Input.
    """
    return Neg()(x)


def exp(x) -> Tensor:
    """e^x elementwise; d/dx e^x = e^x.

    Parameters
    ----------
    x : Tensor or array
        Input.
    """
    return Exp()(x)


def log(x) -> Tensor:
    """The natural logarithm elementwise; d/dx log x = 1 / x.

    Parameters
    ----------
    x : Tensor or array
        Input (positive).
    """
    return Log()(x)


def sqrt(x) -> Tensor:
    """sqrt(x) elementwise; d/dx sqrt(x) = 1 / (2 sqrt(x)).

    Parameters
    ----------
    x : Tensor or array
        Input (non-negative).
    """
    return Sqrt()(x)


def abs(x) -> Tensor:  # noqa: A001 - the math name
    """|x| elementwise; d/dx |x| = sign(x) (0 at x = 0, as in PyTorch).

    Parameters
    ----------
    x : Tensor or array
        Input.
    """
    return Abs()(x)


def astype(x, dtype) -> Tensor:
    """``x`` cast to ``dtype``; the gradient is cast back to x's dtype.

    Parameters
    ----------
    x : Tensor or array
        Input.
    dtype : dtype
        The target dtype of x's namespace.
    """
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    return AsType(dtype)(x)


# ---------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------


def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Function):
    """y = sum of x over ``axis``.  dL/dx = gy broadcast back over the summed axes."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _norm_axes(self.axis, x.ndim)
        self.x_shape = tuple(x.shape)
        return backend.namespace(x).sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        gy = reshape(gy, _keepdims_shape(self.x_shape, self.axes))
        return broadcast_to(gy, self.x_shape)


class MaxMin(Function):
    """y = max (or min) of x over ``axis``.

    dL/dx_i = gy * [x_i == y] / #{j : x_j == y}: the gradient flows to the extreme
    elements, split evenly among ties (PyTorch's amax/amin rule).
    """

    def __init__(self, axis=None, keepdims=False, kind="max"):
        self.axis, self.keepdims, self.kind = axis, keepdims, kind

    def forward(self, x):
        xp = backend.namespace(x)
        if 0 in tuple(x.shape):
            raise ValueError(f"{self.kind}() of an empty tensor, got shape {tuple(x.shape)}")
        self.axes = _norm_axes(self.axis, x.ndim)
        self.x_shape = tuple(x.shape)
        f = xp.max if self.kind == "max" else xp.min
        y = f(x, axis=self.axes, keepdims=True)
        mask = xp.astype(x == y, x.dtype)
        self.save_for_backward(mask / xp.sum(mask, axis=self.axes, keepdims=True))
        if self.keepdims:
            return y
        return xp.reshape(y, tuple(s for i, s in enumerate(self.x_shape) if i not in self.axes))

    def backward(self, gy):
        (share,) = self.saved
        gy = reshape(gy, _keepdims_shape(self.x_shape, self.axes))
        return broadcast_to(gy, self.x_shape) * Tensor(share)


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 - the math name
    """The sum over ``axis``; backward broadcasts gy back to x's shape.

    Parameters
    ----------
    x : Tensor or array
        Input.
    axis : int, tuple of int or None
        The axes reduced (None: all).
    keepdims : bool
        Keep the reduced axes with length 1.
    """
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False) -> Tensor:
    """mean = sum / n, where n is the number of elements reduced (the 1/n is in the graph).

    Parameters
    ----------
    x : Tensor or array
        Input.
    axis : int, tuple of int or None
        The axes reduced (None: all).
    keepdims : bool
        Keep the reduced axes with length 1.
    """
    x = as_tensor(x)
    axes = _norm_axes(axis, x.ndim)
    n = math.prod(x.shape[a] for a in axes)
    # an empty reduction is NaN, as in torch (0 * nan, without NumPy's 0/0 warning)
    return sum(x, axis, keepdims) * (1.0 / n if n else math.nan)


def max(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 - the math name
    """The maximum over ``axis``; gy goes to the arg-max entries (shared equally by ties).

    Parameters
    ----------
    x : Tensor or array
        Input.
    axis : int, tuple of int or None
        The axes reduced (None: all).
    keepdims : bool
        Keep the reduced axes with length 1.
    """
    return MaxMin(axis, keepdims, "max")(x)


def min(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 - the math name
    """The minimum over ``axis``; gy goes to the arg-min entries (shared equally by ties).

    Parameters
    ----------
    x : Tensor or array
        Input.
    axis : int, tuple of int or None
        The axes reduced (None: all).
    keepdims : bool
        Keep the reduced axes with length 1.
    """
    return MaxMin(axis, keepdims, "min")(x)


# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------


class Reshape(Function):
    """y = x viewed with ``shape``.  dL/dx = gy reshaped back."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = tuple(x.shape)
        return backend.namespace(x).reshape(x, self.shape)

    def backward(self, gy):
        return reshape(gy, self.x_shape)


class Transpose(Function):
    """y = x with axes permuted by ``axes``.  dL/dx = gy permuted by the inverse permutation."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        axes = tuple(reversed(range(x.ndim))) if self.axes is None else self.axes
        self.perm = tuple(a % x.ndim for a in axes)
        if sorted(self.perm) != list(range(x.ndim)):
            raise ValueError(
                f"axes must be a permutation of {x.ndim} axes for shape {tuple(x.shape)}, "
                f"got {self.axes}"
            )
        return backend.namespace(x).permute_dims(x, self.perm)

    def backward(self, gy):
        inverse = tuple(sorted(range(len(self.perm)), key=self.perm.__getitem__))
        return transpose(gy, inverse)


def reshape(x, shape) -> Tensor:
    """``x`` with a new shape of the same size; backward reshapes gy back.

    Parameters
    ----------
    x : Tensor or array
        Input.
    shape : tuple of int
        The new shape; one entry may be -1 (inferred).
    """
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    known = math.prod(d for d in shape if d != -1)
    fits = x.size % known == 0 if -1 in shape and known else x.size == known
    if builtins.sum(d == -1 for d in shape) > 1 or not fits:
        raise ValueError(
            f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) to {shape}"
        )
    return Reshape(shape)(x)


def transpose(x, axes=None) -> Tensor:
    """``x`` with its axes permuted; backward applies the inverse permutation.

    Parameters
    ----------
    x : Tensor or array
        Input.
    axes : sequence of int, optional
        The permutation (None: reverse the axes).
    """
    return Transpose(None if axes is None else tuple(axes))(x)


def permute(x, axes) -> Tensor:
    """``x`` with its axes permuted (torch's name for ``transpose(x, axes)``).

    Parameters
    ----------
    x : Tensor or array
        Input.
    axes : sequence of int
        The permutation.
    """
    return transpose(x, axes)


def matrix_transpose(x) -> Tensor:
    """Swap the last two axes.

    Parameters
    ----------
    x : Tensor or array
        Input with at least 2 axes.
    """
    x = as_tensor(x)
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return transpose(x, perm)


def flatten(x, start_dim=1) -> Tensor:
    """``x`` with the axes from ``start_dim`` on merged into one.

    Parameters
    ----------
    x : Tensor or array
        Input.
    start_dim : int
        The first merged axis (default 1: keep the batch axis).
    """
    x = as_tensor(x)
    return reshape(x, x.shape[:start_dim] + (-1,))


# ---------------------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------------------


def _raw_key(key):
    if isinstance(key, tuple):
        return tuple(_raw_key(k) for k in key)
    if isinstance(key, Tensor):
        return key.data
    return key


def _place_key(key, x):
    """Index lists and host index arrays, placed on x's device (one explicit transfer each)."""
    if isinstance(key, tuple):
        return tuple(_place_key(k, x) for k in key)
    if isinstance(key, numbers.Integral) or not isinstance(key, list) and not backend.is_array(key):
        return key  # ints (NumPy's too), slices, None, Ellipsis
    xp = backend.namespace(x)
    if isinstance(key, list):
        return xp.asarray(key, device=backend.device_of(x))
    if backend.is_array(key) and backend.backend_name(key) != backend.backend_name(x):
        return xp.asarray(backend.to_numpy(key), device=backend.device_of(x))
    return key


def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral))


def _classify(key, x):
    """'basic', 'mask' or 'int' (integer arrays on the leading axes)."""
    keys = key if isinstance(key, tuple) else (key,)
    if all(_is_basic(k) for k in keys):
        return "basic"
    xp = backend.namespace(x)
    if len(keys) == 1 and xp.isdtype(keys[0].dtype, "bool"):
        return "mask"
    if all(backend.is_array(k) and xp.isdtype(k.dtype, "integral") for k in keys):
        return "int"
    raise IndexError(
        "supported indices: ints/slices/None/Ellipsis, one boolean mask, or integer arrays "
        "for the leading axes"
    )


def _linear_index(xp, keys, shape):
    """Flatten integer-array indices (i_0, .., i_{k-1}) on the leading axes to one index."""
    idx = None
    for k, n in zip(keys, shape):
        k = xp.where(k < 0, k + n, k)
        idx = k if idx is None else idx * n + k
    return idx


class GetItem(Function):
    """y = x[key].  dL/dx = zeros like x with gy written (added, for repeated indices) at key."""

    def __init__(self, key):
        self.key = key

    def forward(self, x):
        xp = backend.namespace(x)
        self.x_shape = tuple(x.shape)
        self.key = _place_key(self.key, x)
        self.kind = _classify(self.key, x)
        if self.kind == "int":
            keys = self.key if isinstance(self.key, tuple) else (self.key,)
            k = self.n_keys = len(keys)
            idx = _linear_index(xp, keys, self.x_shape)
            self.flat_idx = idx
            flat = xp.reshape(x, (math.prod(self.x_shape[:k]),) + self.x_shape[k:])
            out = xp.take(flat, xp.reshape(idx, (-1,)), axis=0)
            return xp.reshape(out, tuple(idx.shape) + self.x_shape[k:])
        return x[self.key]

    def backward(self, gy):
        return GetItemGrad(self)(gy)


class GetItemGrad(Function):
    """The adjoint of GetItem: scatter gy into zeros of the input's shape."""

    def __init__(self, f: GetItem):
        self.f = f

    def forward(self, gy):
        f = self.f
        xp = backend.namespace(gy)
        if f.kind == "int":
            k = f.n_keys
            n = math.prod(f.x_shape[:k])
            v = xp.reshape(gy, (-1,) + f.x_shape[k:])
            gx = backend.scatter_add(n, xp.reshape(f.flat_idx, (-1,)), v)
            return xp.reshape(gx, f.x_shape)
        gx = xp.zeros(f.x_shape, dtype=gy.dtype, device=backend.device_of(gy))
        gx[f.key] = gy
        return gx

    def backward(self, ggx):
        return getitem(ggx, self.f.key)


def getitem(x, key) -> Tensor:
    """x[key] (basic and integer-array indexing); backward scatters gy into zeros of x's shape.

    Parameters
    ----------
    x : Tensor or array
        Input.
    key : int, slice, Ellipsis, None, array or tuple of these
        The index, as for the array (Tensors in it are used by their arrays).
    """
    return GetItem(_raw_key(key))(x)


class Concat(Function):
    """y = concat(x_1..x_n, axis).  dL/dx_i = the slice of gy that x_i filled."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        xp = backend.namespace(*xs)
        self.sizes = [x.shape[self.axis] for x in xs]
        return xp.concat(xs, axis=self.axis)

    def backward(self, gy):
        axis = self.axis % gy.ndim
        out, start = [], 0
        for n in self.sizes:
            key = (slice(None),) * axis + (slice(start, start + n), Ellipsis)
            out.append(gy[key])  # Ellipsis: strict indexing must name every axis
            start += n
        return tuple(out)


class Stack(Function):
    """y = stack(x_1..x_n, axis).  dL/dx_i = gy taken at index i along ``axis``."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return backend.namespace(*xs).stack(xs, axis=self.axis)

    def backward(self, gy):
        axis = self.axis % gy.ndim
        return tuple(gy[(slice(None),) * axis + (i, Ellipsis)] for i in range(len(self.inputs)))


def concatenate(xs, axis=0) -> Tensor:
    """The Tensors joined along an existing ``axis``; each gets its slice of gy back.

    Parameters
    ----------
    xs : sequence of Tensor
        Same shapes except along ``axis``.
    axis : int
        The joining axis.
    """
    return Concat(axis)(*xs)


concat = concatenate


def stack(xs, axis=0) -> Tensor:
    """The Tensors joined along a new ``axis``; each gets its slice of gy back.

    Parameters
    ----------
    xs : sequence of Tensor
        Equal shapes.
    axis : int
        The position of the new axis.
    """
    return Stack(axis)(*xs)


# ---------------------------------------------------------------------------------------
# selection
# ---------------------------------------------------------------------------------------


class Where(Function):
    """y = a where cond else b.  dL/da = gy [cond], dL/db = gy [not cond]."""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return backend.namespace(a, b).where(self.cond, a, b)

    def backward(self, gy):
        a, b = self.inputs
        zero = as_tensor(0.0, gy)
        ga = sum_to(where(self.cond, gy, zero), a.shape) if a.requires_grad else None
        gb = sum_to(where(self.cond, zero, gy), b.shape) if b.requires_grad else None
        return ga, gb


def where(cond, a, b) -> Tensor:
    """a where ``cond`` else b, broadcasting; gy flows to the chosen operand.

    Parameters
    ----------
    cond : bool array or Tensor
        The selector (a constant of the graph).
    a, b : Tensor, array or scalar
        The values taken where cond is true and false.
    """
    cond = cond.data if isinstance(cond, Tensor) else cond
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    return Where(cond)(as_tensor(a, like), as_tensor(b, like))


class Clip(Function):
    """y = min(max(x, lo), hi).  dL/dx = gy where lo <= x <= hi, else 0 (PyTorch's clamp)."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        xp = backend.namespace(x)
        inside = xp.ones(x.shape, dtype=xp.bool, device=backend.device_of(x))
        if self.lo is not None:
            inside = inside & (x >= self.lo)
        if self.hi is not None:
            inside = inside & (x <= self.hi)
        self.save_for_backward(inside)
        return xp.clip(x, self.lo, self.hi)

    def backward(self, gy):
        (inside,) = self.saved
        return where(inside, gy, as_tensor(0.0, gy))


def clip(x, min=None, max=None) -> Tensor:  # noqa: A002 - numpy's names
    """min(max(x, min), max); gy flows where min <= x <= max (PyTorch's clamp).

    Parameters
    ----------
    x : Tensor or array
        Input.
    min, max : float, optional
        The bounds (None: unbounded on that side).
    """
    return Clip(min, max)(x)


# ---------------------------------------------------------------------------------------
# matrix product
# ---------------------------------------------------------------------------------------


class MatMul(Function):
    """Y = A @ B (batched, broadcast over leading axes).

    With Y_ij = sum_k A_ik B_kj:  dL/dA = gY B^T,  dL/dB = A^T gY, each summed over
    the batch axes along which it was broadcast.
    """

    def forward(self, a, b):
        return backend.namespace(a, b).matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(matmul(gy, matrix_transpose(b)), a.shape) if a.requires_grad else None
        gb = sum_to(matmul(matrix_transpose(a), gy), b.shape) if b.requires_grad else None
        return ga, gb


def matmul(a, b) -> Tensor:
    """Matrix product; 1-D operands are promoted to a row/column and squeezed back.

    Parameters
    ----------
    a, b : Tensor or array
        Operands with at least one axis; a's last axis must match b's contracted axis.
    """
    like = a if isinstance(a, Tensor) else b
    a, b = as_tensor(a, like), as_tensor(b, like)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul needs operands of at least one dimension, got shapes {a.shape} and {b.shape}"
        )
    k_a, k_b = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: a's last axis ({k_a}) must equal b's contracted axis ({k_b}); "
            f"got shapes {a.shape} and {b.shape}"
        )
    if a.ndim == 1 and b.ndim == 1:
        return sum(a * b)
    if a.ndim == 1:
        return reshape(MatMul()(reshape(a, (1, -1)), b), b.shape[:-2] + (b.shape[-1],))
    if b.ndim == 1:
        return reshape(MatMul()(a, reshape(b, (-1, 1))), a.shape[:-1])
    return MatMul()(a, b)
