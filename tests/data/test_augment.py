"""Augment: shapes kept, identity at zero magnitude, flips and shifts and rotations exact."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.data import Augment, BatchIterator, load_digits


class FixedDraws:
    """A stand-in generator whose uniform(low, high) always returns ``high`` (a fixed
    rotation/shift of +range), on the backend of the given one."""

    def __init__(self, rng):
        self.rng = rng

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None):
        return self.rng.uniform(high, high, size=size, dtype=dtype)


def _images(xp, shape):
    a = np.random.default_rng(0).random(shape)
    return a, xp.asarray(a)


@given(
    n=st.integers(1, 5),
    layout=st.sampled_from(["flat", "nchw"]),
    rot=st.sampled_from([0.0, 15.0]),
    shift=st.sampled_from([0.0, 0.2, 2]),
    flip=st.booleans(),
)
def test_augmentation_keeps_shape_dtype_and_device(xp, n, layout, rot, shift, flip):
    shape = (n, 64) if layout == "flat" else (n, 3, 6, 5)
    _, X = _images(xp, shape)
    out = Augment(rot, shift, shift, flip)(X, xp.rng(0))
    assert tuple(out.shape) == shape and out.dtype == X.dtype
    assert backend.device_of(out) == backend.device_of(X)


@pytest.mark.parametrize("shape", [(4, 64), (3, 2, 5, 7)])
def test_zero_magnitude_is_the_identity(xp, shape):
    a, X = _images(xp, shape)
    np.testing.assert_array_equal(backend.to_numpy(Augment()(X, xp.rng(0))), a)


def test_horizontal_flip_mirrors_some_images_and_keeps_the_others(xp):
    a, X = _images(xp, (40, 2, 4, 5))
    out = backend.to_numpy(Augment(horizontal_flip=True)(X, xp.rng(1)))
    flipped = [np.array_equal(o, i[..., ::-1]) for o, i in zip(out, a)]
    kept = [np.array_equal(o, i) for o, i in zip(out, a)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 5 < sum(flipped) < 35  # Bernoulli(1/2) over 40 images


def test_a_whole_pixel_shift_moves_the_image_and_fills_zeros(xp):
    a, X = _images(xp, (2, 1, 5, 6))
    out = backend.to_numpy(
        Augment(width_shift_range=2, height_shift_range=1)(X, FixedDraws(xp.rng(0)))
    )
    expected = np.zeros_like(a)
    expected[:, :, 1:, 2:] = a[:, :, :-1, :-2]  # down 1 row, right 2 columns
    np.testing.assert_array_equal(out, expected)


def test_a_quarter_turn_is_rot90(xp):
    """theta = 90 degrees: s = R(-theta) u maps the output onto numpy's rot90 of the input."""
    a, X = _images(xp, (2, 1, 6, 6))
    out = backend.to_numpy(Augment(rotation_range=90)(X, FixedDraws(xp.rng(0))))
    np.testing.assert_array_equal(out, np.rot90(a, k=1, axes=(2, 3)))


def test_augmented_digits_stay_digits(xp):
    """Small random shifts/rotations keep most of the ink: total intensity drops < 30%."""
    X, y = load_digits("test", backend=xp)
    it = BatchIterator(X, y, 64, rng=0, augment=Augment(10, 1, 1))
    Xb, _ = next(iter(it))
    n = Xb.shape[0]
    before = float(backend.to_numpy(xp.sum(X[:n, ...])))
    after = float(backend.to_numpy(xp.sum(Xb)))
    assert after > 0.7 * before


def test_bad_layouts_are_refused(xp):
    with pytest.raises(ValueError, match="image_shape"):
        Augment(5)(xp.zeros((2, 10)), xp.rng(0))
    with pytest.raises(ValueError, match="rotation_range"):
        Augment(-1)
