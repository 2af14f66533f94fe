"""Bad input to scratch.data: load_digits, toy_2d and BatchIterator.

Each drawn bad value (an unknown split, name or backend, a count that is not a positive
int, a seed that is not one, arrays that do not match or live on two backends) is a clear
ValueError/TypeError/BackendError from scratch naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch.data import BatchIterator, load_digits, toy_2d

bad_count = st.one_of(
    st.integers(max_value=0), st.floats(), st.booleans(), st.text(max_size=2), st.none()
)
bad_seed = st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=2))
unknown_name = st.text(max_size=6)


@given(split=st.one_of(unknown_name, st.integers(), st.floats()))
def test_load_digits_refuses_an_unknown_split(ours, split):
    if split in ("train", "test"):
        return
    with pytest.raises(ValueError) as e:
        load_digits(split)
    ours(e, "split")


@given(name=st.one_of(unknown_name, st.integers(), st.floats(), st.just([1])))
def test_load_digits_refuses_an_unknown_backend(ours, name):
    if name in ("numpy", "strict", "auto", "cupy", "torch", ""):
        return
    with pytest.raises((ValueError, TypeError)) as e:
        load_digits(backend=name)
    ours(e, "backend", repr(name) if isinstance(name, str) else type(name).__name__)


@given(name=unknown_name.filter(lambda s: s not in ("ring8", "grid25", "swissroll")))
def test_toy_2d_refuses_an_unknown_name(xp, ours, name):
    with pytest.raises(ValueError) as e:
        toy_2d(name, 10, backend=xp)
    ours(e, "name")


@given(n=bad_count)
def test_toy_2d_refuses_a_bad_count(xp, ours, n):
    with pytest.raises((ValueError, TypeError)) as e:
        toy_2d("ring8", n, backend=xp)
    ours(e, "n")


@given(rng=bad_seed)
def test_toy_2d_refuses_a_bad_seed(xp, ours, rng):
    with pytest.raises((ValueError, TypeError)) as e:
        toy_2d("ring8", 4, backend=xp, rng=rng)
    ours(e, "rng", "seed")


@given(batch_size=bad_count)
def test_batch_iterator_refuses_a_bad_batch_size(xp, ours, batch_size):
    with pytest.raises((ValueError, TypeError)) as e:
        BatchIterator(xp.asarray(np.zeros((5, 2))), batch_size=batch_size)
    ours(e, "batch_size")


@given(rng=bad_seed)
def test_batch_iterator_refuses_a_bad_seed(xp, ours, rng):
    with pytest.raises((ValueError, TypeError)) as e:
        BatchIterator(xp.asarray(np.zeros((5, 2))), rng=rng)
    ours(e, "rng")


@given(augment=st.one_of(st.integers(), st.text(max_size=2), st.just([1])))
def test_batch_iterator_refuses_an_augment_that_is_not_callable(xp, ours, augment):
    with pytest.raises(TypeError) as e:
        BatchIterator(xp.asarray(np.zeros((5, 2))), augment=augment)
    ours(e, "augment")


@given(n_x=st.integers(1, 8), n_y=st.integers(0, 8))
def test_batch_iterator_refuses_labels_of_another_length(xp, ours, n_x, n_y):
    if n_x == n_y:
        return
    with pytest.raises(ValueError) as e:
        BatchIterator(xp.asarray(np.zeros((n_x, 2))), xp.asarray(np.zeros(n_y)))
    ours(e, "y")


@given(which=st.sampled_from(["X", "y"]))
def test_batch_iterator_refuses_x_and_y_on_two_backends(xp, bad, ours, which):
    X, y = xp.asarray(np.zeros((4, 2))), xp.asarray(np.zeros(4))
    if which == "X":
        X = bad("other", np.zeros((4, 2)), xp)
    else:
        y = bad("other", np.zeros(4), xp)
    with pytest.raises(TypeError) as e:
        BatchIterator(X, y)
    ours(e, "y")


@given(X=st.sampled_from([None, 3, "ab", [[1.0, 2.0]], np.float64(1.0)]))
def test_batch_iterator_refuses_data_that_is_not_an_array_of_samples(ours, X):
    with pytest.raises((ValueError, TypeError)) as e:
        BatchIterator(X)
    ours(e, "X")


def test_batch_iterator_refuses_an_empty_data_set(xp, ours):
    with pytest.raises(ValueError) as e:
        BatchIterator(xp.asarray(np.zeros((0, 3))))
    ours(e, "X")
