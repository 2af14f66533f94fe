"""Input validation at the public boundary: one module, used by the whole package.

Every public ``fit``/``predict`` calls these first, so a wrong input fails with a
ValueError/TypeError that names the argument, never with a NaN or a deep traceback.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from . import backend
from .backend import BackendError, backend_of, to_numpy  # noqa: F401 - backend_of re-exported


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class DataConversionWarning(UserWarning):
    """An input was reshaped to what the estimator expects (a column-vector y)."""


_SKLEARN_TWINS: dict[tuple[type, type], type] = {}


def _sklearn_twin(ours: type) -> type:
    """``ours``, or a subclass of it and of scikit-learn's class of the same name.

    scikit-learn's tools catch ``sklearn.exceptions.NotFittedError`` and filter
    ``DataConversionWarning`` by class. When the caller has imported scikit-learn (it is
    in ``sys.modules``: nothing is imported here), what we raise or warn is a subclass
    of both classes, so ``except`` clauses and warning filters of either match it.
    """
    exceptions = sys.modules.get("sklearn.exceptions")
    theirs = getattr(exceptions, ours.__name__, None)
    if theirs is None:
        return ours
    twin = _SKLEARN_TWINS.get((ours, theirs))
    if twin is None:
        twin = type(ours.__name__, (ours, theirs), {"__module__": __name__})
        _SKLEARN_TWINS[(ours, theirs)] = twin
    return twin


def _not_fitted_error(message: str) -> NotFittedError:
    """Our NotFittedError (scikit-learn's too, when it is imported; see _sklearn_twin)."""
    return _sklearn_twin(NotFittedError)(message)


def _is_sparse(X: Any) -> bool:
    """A SciPy sparse matrix/array (or anything shaped like one: nnz and toarray)."""
    return hasattr(X, "nnz") and hasattr(X, "toarray")


def reject_sparse(X: Any, name: str = "X") -> None:
    """A TypeError for SciPy sparse input (nothing here computes on sparse matrices).

    Parameters
    ----------
    X : object
        The input.
    name : str
        The argument name used in the error message.
    """
    if _is_sparse(X):
        raise TypeError(
            f"{name} is a sparse {type(X).__name__}; sparse input is not supported: pass a "
            f"dense array ({name}.toarray())"
        )


def _where(x: Any) -> str:
    """'numpy', 'strict', 'cupy' ... as a backend name ``backend.get`` takes.

    strict's device without float64 is 'strict:no_float64'; other devices are named.
    """
    name = backend.backend_name(x)
    dev = backend.device_of(x)
    if name == "strict":
        if "no_float64" in str(dev):
            return "strict:no_float64"
        return name if "device1" in str(dev) else f"strict ({dev})"
    if name in ("cupy", "torch"):
        return f"{name} ({dev})"
    return name


def _check_beside(X: Any, like: Any, name: str) -> None:
    """A BackendError naming ``name`` when X and ``like`` live on two backends or devices."""
    like = backend._unwrap(like)
    if not backend.is_array(like):
        return
    same = backend.backend_name(X) == backend.backend_name(like)
    if same and backend.device_of(X) == backend.device_of(like):
        return
    kind = "different libraries" if not same else "different devices"
    raise BackendError(
        f"{name} is on {_where(X)} but the data it goes with is on {_where(like)}: arrays "
        f"from {kind} cannot be combined; move {name} explicitly with "
        f"scratch.backend.get({_where(like).split(' ')[0]!r}).asarray({name})"
    )


def check_same_backend(estimator: Any, X: Any, like: Any, name: str = "X") -> None:
    """X must live where the fitted model lives (``like``, one of its fitted arrays).

    Lists and host scalars pass (``check_array(..., like=...)`` places them). Raises a
    BackendError naming the estimator, the argument and both places, e.g.
    ``SVC fitted on strict got X from numpy``.

    Parameters
    ----------
    estimator : object
        The fitted estimator (its class name is in the message).
    X : array, Tensor or list
        The new input.
    like : array
        One of the estimator's fitted arrays: where the model lives.
    name : str
        The argument name used in the message.
    """
    X = backend._unwrap(X)
    if not backend.is_array(X) or not backend.is_array(like):
        return
    same = backend.backend_name(X) == backend.backend_name(like)
    if same and backend.device_of(X) == backend.device_of(like):
        return
    model = type(estimator).__name__
    kind = "different libraries" if not same else "different devices"
    raise BackendError(
        f"{model} fitted on {_where(like)} got {name} from {_where(X)}: arrays from {kind} "
        f"cannot be combined; move {name} explicitly with "
        f"scratch.backend.get({_where(like).split(' ')[0]!r}).asarray({name})"
    )


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
    reject_sparse(X, name)
    if type(X).__module__ == "numpy" and str(getattr(X, "dtype", "")) == "object":
        X = _from_object(X, name)
    if not backend.is_array(X):
        try:
            X = backend.host_asarray(X)
        except Exception as e:  # noqa: BLE001 - report what was given
            raise TypeError(f"{name} must be an array, got {type(X).__name__}") from e
        if X.dtype == object:
            X = _from_object(X, name)
        if like is not None:  # a list given beside an array: it goes where that array lives
            lxp = backend.namespace(like)
            floating = X.dtype.kind == "f" and lxp.isdtype(like.dtype, "real floating")
            X = lxp.asarray(
                X, dtype=like.dtype if floating else None, device=backend.device_of(like)
            )
    if like is not None:
        _check_beside(X, like, name)
    xp = backend.namespace(X) if like is None else backend.namespace(X, like)
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if X.ndim not in ndims:
        want = " or ".join(str(d) for d in ndims)
        hint = ""
        if X.ndim == 1 and 2 in ndims:
            hint = (
                f": Reshape your data with {name}.reshape(-1, 1) if it has one feature or "
                f"{name}.reshape(1, -1) if it is one sample"
            )
        raise ValueError(f"{name} must be {want}-dimensional, got shape {tuple(X.shape)}{hint}")
    # the messages carry scikit-learn's wording too ("... while a minimum of m is required")
    if X.ndim >= 1 and X.shape[0] < min_samples:
        raise ValueError(
            f"{name} needs at least {min_samples} sample(s): found {X.shape[0]} sample(s) "
            f"(shape={tuple(X.shape)}) while a minimum of {min_samples} is required."
        )
    if X.ndim == 2 and X.shape[1] < min_features:
        raise ValueError(
            f"{name} needs at least {min_features} feature(s): found {X.shape[1]} feature(s) "
            f"(shape={tuple(X.shape)}) while a minimum of {min_features} is required."
        )
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(f"{name}: Complex data not supported, got dtype {X.dtype}")
    numeric = xp.isdtype(X.dtype, ("real floating", "integral", "bool"))
    if not numeric:
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if dtype == "float" and not xp.isdtype(X.dtype, "real floating"):
        X = xp.astype(X, _default_float(xp, X))
    elif dtype == "int" and not xp.isdtype(X.dtype, "integral"):
        if xp.isdtype(X.dtype, "real floating"):
            # NaN/inf first: their cast to int is undefined (NumPy warns)
            if not bool(to_numpy(xp.all(xp.isfinite(X)))):
                raise ValueError(f"{name} contains NaN or infinity; it must hold integers")
            as_int = xp.astype(X, xp.int64)
            # a host decision: refuse 1.5 as a label/count
            exact = xp.astype(as_int, X.dtype) == X
            if not bool(to_numpy(xp.all(exact))):
                bad = float(to_numpy(X[~exact][:1])[0])  # the error path: one host copy
                raise ValueError(
                    f"{name} must hold integers, got non-integral values such as {bad!r}"
                )
            X = as_int
        else:
            raise TypeError(f"{name} must be integral, got dtype {X.dtype}")
    if not allow_nonfinite and xp.isdtype(X.dtype, "real floating"):
        # one host scalar: a clear error now instead of a NaN later
        if not bool(to_numpy(xp.all(xp.isfinite(X)))):
            raise ValueError(f"{name} contains NaN or infinity")
    return X


def _from_object(X: Any, name: str):
    """A NumPy object array (or ragged list) as float64, or a TypeError naming ``name``.

    Numbers stored as Python objects are numbers (scikit-learn's rule); anything else
    (strings, dicts, ragged rows) is refused with NumPy's own reason appended.
    """
    try:
        return X.astype(float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a numeric array, got object data: {e}") from None


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
    """A 1-D label array with ``n_samples`` entries (any dtype the classes can take).

    Parameters
    ----------
    y : array, Tensor or list
        The labels.
    n_samples : int
        The number of samples of X they must match.
    name : str
        The argument name used in error messages.
    like : array, optional
        An array y must share a backend and device with.

    Returns
    -------
    array (n_samples,)

    A column vector (n, 1) is flattened with a DataConversionWarning (scikit-learn's rule).
    """
    if y is None:
        raise ValueError(
            f"this estimator requires {name} to be passed, but the target {name} is None"
        )
    y = check_array(y, name=name, ndim=(1, 2), dtype="any", like=like)
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(f"{name} must be 1-dimensional, got shape {tuple(y.shape)}")
        warn_column_vector(y.shape, name)
        y = backend.namespace(y).reshape(y, (-1,))
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} entries but X has {n_samples} samples; they must match"
        )
    return y


def warn_column_vector(shape: tuple[int, ...], name: str = "y") -> None:
    """The DataConversionWarning for a column-vector target flattened to 1-D.

    Parameters
    ----------
    shape : tuple of int
        The shape given, (n, 1).
    name : str
        The argument name used in the message.
    """
    warnings.warn(
        _sklearn_twin(DataConversionWarning)(
            f"A column-vector {name} was passed when a 1d array was expected: "
            f"shape {tuple(shape)} flattened to ({shape[0]},)"
        ),
        stacklevel=4,
    )


def check_classification_targets(y: Any, name: str = "y") -> None:
    """Class labels, not a continuous target: floating labels must be integral.

    A float y such as 0.37 is a regression target; a classifier refuses it with
    scikit-learn's "Unknown label type: continuous".

    Parameters
    ----------
    y : array (n,)
        The labels, on any backend.
    name : str
        The argument name used in the message.
    """
    xp = backend.namespace(y)
    if xp.isdtype(y.dtype, "real floating"):
        # one host decision at the boundary
        if not bool(to_numpy(xp.all(xp.round(y) == y))):
            raise ValueError(
                f"Unknown label type: continuous; {name} must hold class labels (integers "
                "or strings), got non-integral floats"
            )


def check_positive(value: Any, name: str, strict: bool = True, integer: bool = False):
    """A positive (or non-negative) number, with a clear error otherwise.

    Parameters
    ----------
    value : object
        The number to check.
    name : str
        The argument name used in error messages.
    strict : bool
        Require value > 0 (True) or value >= 0 (False).
    integer : bool
        Require an int (bools are always refused).

    Returns
    -------
    int or float
        ``value`` unchanged.
    """
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        kind = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if value != value or (strict and value <= 0) or (not strict and value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def check_is_fitted(estimator: Any, attributes: str | tuple[str, ...]) -> None:
    """Raise NotFittedError unless ``fit`` has set the given attributes.

    Parameters
    ----------
    estimator : object
        The estimator.
    attributes : str or tuple of str
        Fitted attributes (ending in ``_``) that must all exist.
    """
    attributes = (attributes,) if isinstance(attributes, str) else attributes
    if not all(hasattr(estimator, a) for a in attributes):
        raise _not_fitted_error(
            f"this {type(estimator).__name__} is not fitted yet; call fit(X, ...) first"
        )


def check_n_features(estimator: Any, X: Any, name: str = "X") -> None:
    """X must have the number of features seen in fit.

    Parameters
    ----------
    estimator : object
        A fitted estimator (its ``n_features_in_``; no check without it).
    X : array (n_samples, n_features)
        The new data.
    name : str
        The argument name used in error messages.
    """
    n = getattr(estimator, "n_features_in_", None)
    if n is not None and X.shape[1] != n:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{n} features as input (it was fitted with {n})"
        )


def seed_of(random_state: Any) -> int | None:
    """An integer seed from ``random_state`` (None, an int, or a numpy Generator).

    Parameters
    ----------
    random_state : None, int or numpy.random.Generator
        A Generator gives a seed drawn from it (so it advances).

    Returns
    -------
    int or None
    """
    if random_state is None or isinstance(random_state, int):
        if isinstance(random_state, bool):
            raise TypeError("random_state must be None or an int")
        return random_state
    if hasattr(random_state, "integers"):
        return int(random_state.integers(0, 2**31 - 1))
    raise TypeError(f"random_state must be None, an int or a Generator, got {random_state!r}")
