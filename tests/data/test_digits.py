"""The built-in digits: shapes, values, the fixed split, and scikit-learn's copy as oracle."""

import numpy as np
import pytest

from scratch import backend
from scratch.data import load_digits


def test_the_fixed_split_is_1437_train_and_360_test_and_covers_everything(xp):
    Xa, ya = load_digits(backend=xp)
    Xtr, ytr = load_digits("train", backend=xp)
    Xte, yte = load_digits("test", backend=xp)
    assert Xa.shape == (1797, 64) and Xtr.shape == (1437, 64) and Xte.shape == (360, 64)
    assert ytr.shape == (1437,) and yte.shape == (360,)
    assert ytr.dtype == xp.int64 and Xtr.dtype == xp.float
    assert backend.backend_name(Xtr) == xp.name
    rows = lambda X: {tuple(r) for r in backend.to_numpy(X).tolist()}  # noqa: E731
    assert len(rows(Xtr) & rows(Xte)) <= 10  # the set has a few duplicate images
    both = np.concatenate([backend.to_numpy(ytr), backend.to_numpy(yte)])
    np.testing.assert_array_equal(np.bincount(both), np.bincount(backend.to_numpy(ya)))


def test_pixels_are_counts_0_to_16_and_labels_0_to_9(xp):
    X, y = load_digits(backend=xp)
    X, y = backend.to_numpy(X), backend.to_numpy(y)
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    assert set(np.unique(y).tolist()) == set(range(10))
    assert np.bincount(y).min() >= 170  # ~180 images per class, every class in both splits
    for split in ("train", "test"):
        assert len(np.unique(backend.to_numpy(load_digits(split, backend=xp)[1]))) == 10


def test_the_split_is_the_same_every_time():
    a, b = load_digits("test")[1], load_digits("test")[1]
    np.testing.assert_array_equal(a, b)


def test_data_equals_scikit_learns_copy():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    ref = sklearn_datasets.load_digits()
    X, y = load_digits()
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(y, ref.target)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split must be"):
        load_digits("validation")


def test_float32_device_gets_float32(xp32):
    X, _ = load_digits("test", backend=xp32)
    assert X.dtype == xp32.float
