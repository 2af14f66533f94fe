"""Input validation at the public boundary: one module, used by the whole package.

Every public ``fit``/``predict`` calls these first, so a wrong input fails with a
ValueError/TypeError that names the argument, never with a NaN or a deep traceback.
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import backend_of, to_numpy  # noqa: F401 - backend_of re-exported


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``."""


def check_array(
    X: Any,
    name: str = "X",
    ndim: int | tuple[int, ...] = 2,
    min_samples: int = 1,
    min_features: int = 1,
    allow_nonfinite: bool = False,
    dtype: str = "float",
    like: Any = None,
):
    """Validate an array and return it on its own backend (lists become NumPy arrays).

    Parameters
    ----------
    X : array of any backend, a scratch Tensor (its array is used), or a nested list
    name : str
        The argument name used in error messages.
    ndim : int or tuple of int
        Allowed numbers of dimensions.
    min_samples, min_features : int
        Lower bounds on ``X.shape[0]`` and (for 2-D) ``X.shape[1]``.
    allow_nonfinite : bool
        Accept NaN/inf (default: refuse them).
    dtype : {"float", "int", "any"}
        "float": integer/bool input is converted to the default float (float64 where the
        device has it); "int": must be integral; "any": unchanged.
    like : array, optional
        An array X must share a backend and device with (BackendError otherwise).

    Returns
    -------
    array
    """
    if X is None:
        raise ValueError(f"{name} is required, got None")
    X = backend._unwrap(X)  # a scratch Tensor counts as its array (no graph is recorded)
    if not backend.is_array(X):
        try:
            X = backend.host_asarray(X)
        except Exception as e:  # noqa: BLE001 - report what was given
            raise TypeError(f"{name} must be an array, got {type(X).__name__}") from e
        if X.dtype == object:
            raise TypeError(f"{name} must be a numeric array, got ragged or object data")
        if like is not None:  # a list given beside an array: it goes where that array lives
            lxp = backend.namespace(like)
            floating = X.dtype.kind == "f" and lxp.isdtype(like.dtype, "real floating")
            X = lxp.asarray(
                X, dtype=like.dtype if floating else None, device=backend.device_of(like)
            )
    xp = backend.namespace(X) if like is None else backend.namespace(X, like)
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if X.ndim not in ndims:
        want = " or ".join(str(d) for d in ndims)
        raise ValueError(f"{name} must be {want}-dimensional, got shape {tuple(X.shape)}")
    if X.ndim >= 1 and X.shape[0] < min_samples:
        raise ValueError(
            f"{name} needs at least {min_samples} sample(s), got shape {tuple(X.shape)}"
        )
    if X.ndim == 2 and X.shape[1] < min_features:
        raise ValueError(
            f"{name} needs at least {min_features} feature(s), got shape {tuple(X.shape)}"
        )
    numeric = xp.isdtype(X.dtype, ("real floating", "integral", "bool"))
    if not numeric:
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if dtype == "float" and not xp.isdtype(X.dtype, "real floating"):
        X = xp.astype(X, _default_float(xp, X))
    elif dtype == "int" and not xp.isdtype(X.dtype, "integral"):
        if xp.isdtype(X.dtype, "real floating"):
            as_int = xp.astype(X, xp.int64)
            # a host decision: refuse 1.5 as a label/count
            if not bool(to_numpy(xp.all(xp.astype(as_int, X.dtype) == X))):
                raise ValueError(f"{name} must hold integers, got non-integral values")
            X = as_int
        else:
            raise TypeError(f"{name} must be integral, got dtype {X.dtype}")
    if not allow_nonfinite and xp.isdtype(X.dtype, "real floating"):
        # one host scalar: a clear error now instead of a NaN later
        if not bool(to_numpy(xp.all(xp.isfinite(X)))):
            raise ValueError(f"{name} contains NaN or infinity")
    return X


def _default_float(xp, X):
    """The float dtype integer data is converted to: float64 wherever X's device has it.

    Not the namespace's default float: torch's is float32 even on devices with float64,
    which would make the same integer data give other numbers on torch than on numpy,
    cupy and strict (scikit-learn's ``_max_precision_float_dtype`` rule). Devices
    without float64 (strict's ``no_float64``, torch on MPS) get their default float.
    """
    try:
        info = xp.__array_namespace_info__()
        dev = backend.device_of(X)
        if "float64" in info.dtypes(device=dev, kind="real floating"):
            return xp.float64
        return info.default_dtypes(device=dev)["real floating"]
    except Exception:  # noqa: BLE001 - namespaces without the inspection API
        return xp.float64


def check_labels(y: Any, n_samples: int, name: str = "y", like: Any = None):
    """A 1-D label array with ``n_samples`` entries (any dtype the classes can take)."""
    y = check_array(y, name=name, ndim=1, dtype="any", like=like)
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} entries but X has {n_samples} samples; they must match"
        )
    return y


def check_positive(value: Any, name: str, strict: bool = True, integer: bool = False):
    """A positive (or non-negative) number, with a clear error otherwise."""
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        kind = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if value != value or (strict and value <= 0) or (not strict and value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def check_is_fitted(estimator: Any, attributes: str | tuple[str, ...]) -> None:
    """Raise NotFittedError unless ``fit`` has set the given attributes."""
    attributes = (attributes,) if isinstance(attributes, str) else attributes
    if not all(hasattr(estimator, a) for a in attributes):
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet; call fit(X, ...) first"
        )


def check_n_features(estimator: Any, X: Any, name: str = "X") -> None:
    """X must have the number of features seen in fit."""
    n = getattr(estimator, "n_features_in_", None)
    if n is not None and X.shape[1] != n:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {type(estimator).__name__} was fitted with {n}"
        )


def seed_of(random_state: Any) -> int | None:
    """An integer seed from ``random_state`` (None, an int, or a numpy Generator)."""
    if random_state is None or isinstance(random_state, int):
        if isinstance(random_state, bool):
            raise TypeError("random_state must be None or an int")
        return random_state
    if hasattr(random_state, "integers"):
        return int(random_state.integers(0, 2**31 - 1))
    raise TypeError(f"random_state must be None, an int or a Generator, got {random_state!r}")
