"""Shared pieces of the fuzz suite: bad inputs of each kind, and the "it is ours" check.

``bad(kind, good, xp, pos)`` turns a good host array into a bad argument of one kind:

    nan, inf        a NaN / +-inf at a drawn position
    empty           no samples (first axis 0)
    ndim            one leading axis too many
    scalar          a 0-d array
    complex         the same numbers as complex128
    object          an object array holding a string among the numbers
    string          the numbers as a string array
    other           the same numbers on the other backend (numpy <-> strict)

``ours(excinfo, *names)`` asserts that the exception is a ValueError, TypeError or
BackendError raised by scratch itself (its raising frame is inside the package, never in
NumPy or array-api-strict), and that its message names one of ``names``.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
import pytest

import scratch
from scratch import backend

KINDS = ("nan", "inf", "empty", "ndim", "scalar", "complex", "object", "string", "other")
PACKAGE = Path(scratch.__file__).resolve().parent
# NumPy's and array-api-strict's own texts, which must never reach the user
FOREIGN = (
    "operands could not be broadcast",
    "too many indices",
    "cannot reshape",
    "negative dimensions",
    "Expected Array",
    "could not be interpreted",
    "object is not iterable",
    "not supported between instances",
    "unsupported operand",
)


def make_bad(kind: str, good: np.ndarray, xp, pos: int = 0):
    """A bad version of the host array ``good`` for an argument that lives on ``xp``."""
    good = np.asarray(good, dtype=float)
    if kind in ("nan", "inf"):
        a = good.copy()
        a.flat[pos % a.size] = np.nan if kind == "nan" else (np.inf if pos % 2 else -np.inf)
        return xp.asarray(a)
    if kind == "empty":
        return xp.asarray(np.zeros((0,) + good.shape[1:]))
    if kind == "ndim":
        return xp.asarray(good[None, ...])
    if kind == "scalar":
        return xp.asarray(np.asarray(good.flat[0]))
    if kind == "complex":
        return xp.asarray(good + 0.5j)
    if kind == "object":
        a = good.astype(object)
        a.flat[pos % a.size] = "a"
        return a
    if kind == "string":
        return good.astype(str)
    if kind == "other":
        other = "numpy" if xp.name == "strict" else "strict"
        return backend.get(other).asarray(good)
    raise AssertionError(f"unknown kind {kind!r}")


def assert_ours(excinfo, *names: str) -> None:
    """The exception is one of ours (type, raising frame, message) and names an argument."""
    e = excinfo.value
    assert isinstance(e, (ValueError, TypeError, backend.BackendError)), repr(e)
    frames = traceback.extract_tb(excinfo.tb)
    where = Path(frames[-1].filename).resolve()
    assert PACKAGE in where.parents, f"raised from {where}, not from scratch: {e!r}"
    text = str(e)
    assert not any(f in text for f in FOREIGN), f"a library's own text leaked: {text!r}"
    assert any(n in text for n in names), f"the message names none of {names}: {text!r}"


@pytest.fixture
def bad():
    return make_bad


@pytest.fixture
def ours():
    return assert_ours
