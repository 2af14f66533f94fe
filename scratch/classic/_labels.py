"""Class labels at the estimator boundary: numbers go to the device, strings stay home.

String labels cannot live on a device, so they are the one place estimators keep host
arrays: ``classes_`` is a sorted NumPy str array and only the integer codes travel.
This module is the host side of that boundary, the only one in classic/ that imports
NumPy (the layer test lists it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend

__all__ = ["encode_classes", "decode_classes", "is_host_strings", "host_accuracy"]


def host_accuracy(p: Any, y: Any) -> float:
    """(1/n) sum_i [p_i == y_i] for string predictions p (host) and labels y."""
    yh = np.asarray(y).astype(str).reshape(-1)
    if yh.shape[0] != p.shape[0]:
        raise ValueError(f"y has {yh.shape[0]} entries but X has {p.shape[0]} samples")
    return float(np.mean(p == yh))


def encode_classes(y: Any, n_samples: int, like: Any):
    """Class labels as (classes_, codes): codes int64 (n,) on ``like``'s device.

    Numeric labels: ``classes_`` are their sorted distinct values on the device (a float
    label must be integral: a continuous target is refused). String labels cannot live
    on a device, so they are the boundary: ``classes_`` is a sorted NumPy str array on
    the host, and only the codes go to the device. ``decode_classes`` maps back.

    Parameters
    ----------
    y : array, list or NumPy str array (n,)
        The labels.
    n_samples : int
        The number of samples of X they must match.
    like : array
        Where the codes go (X).

    Returns
    -------
    classes_ (K,), codes int64 (n,)
    """
    from ..validation import check_classification_targets, check_labels, warn_column_vector

    if is_host_strings(y):
        yh = np.asarray(y)
        if yh.ndim == 2 and yh.shape[1] == 1:
            warn_column_vector(yh.shape)
            yh = yh[:, 0]
        if yh.ndim != 1 or yh.shape[0] != n_samples:
            raise ValueError(
                f"y must be 1-D with {n_samples} entries (one per sample), got shape {yh.shape}"
            )
        classes, codes = np.unique(yh.astype(str), return_inverse=True)
        return classes, backend.asarray_like(codes.astype(np.int64), like)
    y = check_labels(y, n_samples, like=like)
    check_classification_targets(y)
    xp = backend.namespace(y)
    classes, codes = xp.unique_inverse(y)
    return classes, xp.astype(codes, xp.int64)


def decode_classes(classes: Any, k: Any):
    """classes_[k] for class indices k (n,): on the device, or on the host for strings.

    Parameters
    ----------
    classes : array or NumPy str array (K,)
    k : int array (n,)
    """
    if is_host_strings(classes):
        return classes[backend.to_numpy(k)]
    return backend.namespace(k).take(classes, k)


def is_host_strings(y: Any) -> bool:
    """A NumPy str/object array or a list of strings: labels that stay on the host."""
    if y is None or (backend.is_array(y) and type(y).__module__ != "numpy"):
        return False
    kind = getattr(getattr(y, "dtype", None), "kind", None)
    if kind is None:
        try:
            kind = np.asarray(y).dtype.kind
        except (TypeError, ValueError):
            return False
    if kind == "O":  # numbers stored as objects are numbers; anything else stays on the host
        try:
            y.astype(float)
        except (TypeError, ValueError):
            return True
        return False
    return kind in "US"
