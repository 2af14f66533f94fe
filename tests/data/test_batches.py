"""BatchIterator: every sample once per epoch, drop_last, reproducibility, the device."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.data import BatchIterator


def _indexed(xp, n):
    """X holds each sample's own index (twice, as two features), y the index too."""
    idx = np.arange(n)
    return xp.asarray(np.stack([idx, idx], axis=1).astype(float)), xp.asarray(idx)


@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 12),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
)
def test_an_epoch_visits_every_sample_once(xp, n, batch_size, shuffle, drop_last):
    X, y = _indexed(xp, n)
    it = BatchIterator(X, y, batch_size, shuffle=shuffle, drop_last=drop_last, rng=0)
    batches = list(it)
    sizes = [Xb.shape[0] for Xb, _ in batches]
    expected_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(batches) == len(it) == expected_batches
    assert all(s == batch_size for s in sizes[:-1])
    if drop_last:
        assert all(s == batch_size for s in sizes)
    seen = np.concatenate([backend.to_numpy(yb) for _, yb in batches]) if batches else []
    if drop_last:
        assert len(set(seen)) == len(seen) == expected_batches * batch_size
    else:
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    for Xb, yb in batches:  # X and y stay paired
        np.testing.assert_array_equal(backend.to_numpy(Xb)[:, 0], backend.to_numpy(yb))
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_batches_stay_on_the_datas_device(xp):
    X, y = _indexed(xp, 10)
    for Xb, yb in BatchIterator(X, y, 3, rng=0):
        assert backend.device_of(Xb) == backend.device_of(X)
        assert backend.backend_name(yb) == xp.name


def test_shuffling_is_reproducible_per_seed_and_new_each_epoch(xp):
    X, y = _indexed(xp, 50)

    def order(it):
        return np.concatenate([backend.to_numpy(yb) for _, yb in it])

    a, b = BatchIterator(X, y, 8, rng=3), BatchIterator(X, y, 8, rng=3)
    first = order(a)
    np.testing.assert_array_equal(first, order(b))
    assert not np.array_equal(first, order(a))  # the second epoch has a new permutation
    assert not np.array_equal(first, order(BatchIterator(X, y, 8, rng=4)))


def test_x_only_iteration(xp):
    X, _ = _indexed(xp, 7)
    assert [b.shape for b in BatchIterator(X, batch_size=4, shuffle=False)] == [(4, 2), (3, 2)]


def test_bad_arguments_are_named(xp):
    X, y = _indexed(xp, 5)
    with pytest.raises(ValueError, match="y has 4 entries but X has 5"):
        BatchIterator(X, y[:4], 2)
    with pytest.raises(ValueError, match="batch_size"):
        BatchIterator(X, y, 0)
    with pytest.raises(ValueError, match="at least one sample"):
        BatchIterator(X[:0, ...], y[:0], 2)
    with pytest.raises(TypeError, match="augment"):
        BatchIterator(X, y, 2, augment=3)
    if xp.name != "numpy":
        with pytest.raises(backend.BackendError):
            BatchIterator(X, np.arange(5), 2)
