"""Categorical columns: which ones, and their values as integer codes 0..V-1.

Two kinds of input:

* an array of any backend (numbers): a categorical column's categories are its sorted
  distinct values (``unique_values`` on the device), the codes their positions
  (``searchsorted``). ``categories_[j]`` is then an array on that device.
* host data holding strings (a list of rows, a NumPy str/object array): strings
  cannot live on a device, so this is the boundary: categorical columns are encoded
  on the host (sorted distinct strings), the numeric ones converted to float, and the
  coded matrix goes to NumPy. ``categories_[j]`` is a NumPy string array.

At predict time the same categories give the same codes; a value never seen in ``fit``
is an error naming the column and the value (a tree has no branch for it).
"""

from __future__ import annotations

from typing import Any

import numpy as np  # host-side: strings never reach a device (see the docstring)

from ... import backend
from ...validation import check_array


def resolve_categorical(categorical_features: Any, n_features: int) -> list[int]:
    """The sorted column indices named by ``categorical_features``.

    None: none; "all": every column; a sequence of ints (negative counts from the end)
    or of n_features bools.
    """
    if categorical_features is None:
        return []
    if isinstance(categorical_features, str):
        if categorical_features == "all":
            return list(range(n_features))
        raise ValueError(
            f"categorical_features must be None, 'all', column indices or a boolean mask, "
            f"got {categorical_features!r}"
        )
    items = list(categorical_features)
    if items and all(isinstance(b, (bool, np.bool_)) for b in items):
        if len(items) != n_features:
            raise ValueError(
                f"categorical_features as a mask needs {n_features} entries, got {len(items)}"
            )
        return [j for j, b in enumerate(items) if b]
    out = set()
    for j in items:
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)):
            raise TypeError(f"categorical_features must hold column indices, got {j!r}")
        if not -n_features <= j < n_features:
            raise ValueError(
                f"categorical_features index {j} is out of range for {n_features} features"
            )
        out.add(int(j) % n_features)
    return sorted(out)


def is_host_table(X: Any) -> bool:
    """Host data that holds strings (or other non-numbers): needs host encoding."""
    if backend.is_array(X) and not isinstance(X, np.ndarray):
        return False
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "OUS"
    try:
        return np.asarray(X).dtype.kind in "OUS"
    except (ValueError, TypeError):
        return True


def encode_fit(X: Any, categorical_features: Any):
    """(X coded as floats on its backend, categorical column list, categories per column)."""
    if is_host_table(X):
        table = np.asarray(X, dtype=object)
        if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] == 0:
            raise ValueError(f"X must be 2-dimensional and non-empty, got shape {table.shape}")
        cat = resolve_categorical(categorical_features, table.shape[1])
        categories: list[Any] = [None] * table.shape[1]
        for j in cat:
            categories[j] = np.unique(table[:, j].astype(str))
        return _encode_host(table, cat, categories), cat, categories
    X = check_array(X, name="X")
    cat = resolve_categorical(categorical_features, X.shape[1])
    xp = backend.namespace(X)
    categories = [None] * X.shape[1]
    for j in cat:
        categories[j] = xp.unique_values(X[:, j])
    return _encode_device(X, cat, categories), cat, categories


def _string_categories(categories: list[Any]) -> bool:
    return any(isinstance(c, np.ndarray) and c.dtype.kind == "U" for c in categories)


def encode_predict(X: Any, categorical: list[int], categories: list[Any], like: Any):
    """X coded with the fitted categories (errors for unseen values), on like's device."""
    if _string_categories(categories) or is_host_table(X):
        if backend.is_array(X) and not isinstance(X, np.ndarray):
            raise TypeError("X must be host rows (strings), as the data given to fit")
        table = np.asarray(X, dtype=object)
        if table.ndim != 2 or table.shape[0] == 0:
            raise ValueError(f"X must be 2-dimensional and non-empty, got shape {table.shape}")
        return check_array(_encode_host(table, categorical, categories), name="X", like=like)
    X = check_array(X, name="X", like=like)
    return _encode_device(X, categorical, categories)


def _encode_host(table: np.ndarray, cat: list[int], categories: list[Any]):
    cols = []
    for j in range(table.shape[1]):
        col = table[:, j]
        if j in cat:
            values = col.astype(str)
            cats = categories[j]
            if not (isinstance(cats, np.ndarray) and cats.dtype.kind == "U"):
                raise ValueError(f"X[:, {j}] holds strings but the tree was fit on numbers")
            code = np.searchsorted(cats, values)
            code = np.minimum(code, len(cats) - 1)
            unseen = cats[code] != values
            if unseen.any():
                raise ValueError(
                    f"X[:, {j}] has category {str(values[unseen][0])!r} not seen in fit; "
                    f"known categories: {list(cats)}"
                )
            cols.append(code.astype(float))
        else:
            try:
                cols.append(col.astype(float))
            except (TypeError, ValueError):
                raise TypeError(
                    f"X[:, {j}] holds non-numeric values such as {col[0]!r}; name the column "
                    f"in categorical_features to split on it"
                ) from None
    return check_array(np.stack(cols, axis=1), name="X")


def _encode_device(X: Any, cat: list[int], categories: list[Any]):
    if not cat:
        return X
    xp = backend.namespace(X)
    cols = []
    for j in range(X.shape[1]):
        if j not in cat:
            cols.append(X[:, j])
            continue
        cats = categories[j]
        code = xp.minimum(xp.searchsorted(cats, X[:, j]), cats.shape[0] - 1)
        unseen = xp.take(cats, code) != X[:, j]
        # host decision: refuse a category the tree has no branch for (one bool)
        if bool(backend.to_numpy(xp.any(unseen))):
            bad = backend.to_numpy(X[:, j][unseen]).tolist()[0]
            raise ValueError(
                f"X[:, {j}] has category {bad!r} not seen in fit; known categories: "
                f"{backend.to_numpy(cats).tolist()}"
            )
        cols.append(xp.astype(code, X.dtype))
    return xp.stack(cols, axis=1)
