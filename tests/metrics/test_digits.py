"""The shipped digits CNN and the digits FID / IS it measures.

Thresholds (measured on numpy with the shipped weights: test vs train 10.9, test with
N(0, 4^2) pixel noise (clipped to [0, 16]) 52.7, test digits of classes 0-4 only 84.5;
IS of the test digits in one split 9.49, noisy 7.13, classes 0-4 only 4.94):
real < 15, noisy > 3 x real, mode-dropped > 5 x real; IS real > 9, noisy < real - 1,
mode-dropped < 5.5 (five classes: IS <= 5 up to the net's uncertainty).
"""

import numpy as np
import pytest

from scratch import backend
from scratch.data import load_digits
from scratch.metrics import digits_fid, digits_inception_score
from scratch.metrics.digits import (
    DIGITS_NET_TEST_ACCURACY,
    digits_features,
    digits_probabilities,
)

_CACHE = {}


def _sets(xp):
    """(train, test, noisy test, test of classes 0-4) digits on xp, built once per backend."""
    if xp.name not in _CACHE:
        Xtr, _ = load_digits("train", backend="numpy")
        Xte, yte = load_digits("test", backend="numpy")
        rng = np.random.default_rng(0)
        noisy = np.clip(Xte + rng.normal(0.0, 4.0, Xte.shape), 0.0, 16.0)
        _CACHE[xp.name] = [xp.asarray(a) for a in (Xtr, Xte, noisy, Xte[yte < 5])]
    return _CACHE[xp.name]


def test_the_shipped_net_has_its_recorded_test_accuracy(xp):
    """358 of the 360 test digits (the number _train_digits_net.py printed)."""
    X, y = load_digits("test", backend=xp)
    P = digits_probabilities(X)
    assert backend.backend_name(P) == xp.name and tuple(P.shape) == (360, 10)
    acc = float(np.mean(np.argmax(backend.to_numpy(P), axis=1) == backend.to_numpy(y)))
    assert acc == pytest.approx(DIGITS_NET_TEST_ACCURACY, abs=1 / 360)
    np.testing.assert_allclose(backend.to_numpy(P).sum(1), 1.0, rtol=1e-12)


def test_features_agree_across_backends_and_both_layouts(xp):
    """(N, 64) and (N, 1, 8, 8) give the same 256-d features; float32 net: 1e-5 across backends."""
    X, _ = load_digits("test", backend="numpy")
    want = backend.to_numpy(digits_features(X[:20]))
    got = digits_features(xp.asarray(X[:20].reshape(20, 1, 8, 8)))
    assert backend.backend_name(got) == xp.name and tuple(got.shape) == (20, 256)
    np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-5, atol=1e-5)


def test_digits_fid_orders_real_noisy_and_mode_dropped_digits(xp):
    """FID(test, train) < 15, far below FID(noisy test, train) and FID(test 0-4, train)."""
    Xtr, Xte, noisy, dropped = _sets(xp)
    real = float(digits_fid(Xte, Xtr))
    assert real < 15.0
    assert float(digits_fid(noisy, Xtr)) > 3 * real
    assert float(digits_fid(dropped, Xtr)) > 5 * real


def test_digits_inception_score_orders_real_noisy_and_mode_dropped_digits(xp):
    """Real digits: confident and balanced (IS > 9 of at most 10); noise lowers confidence,
    dropping modes lowers the marginal's entropy (IS near 5 for five classes)."""
    _, Xte, noisy, dropped = _sets(xp)
    real = float(digits_inception_score(Xte, splits=1)[0])
    assert real > 9.0
    assert float(digits_inception_score(noisy, splits=1)[0]) < real - 1.0
    assert float(digits_inception_score(dropped, splits=1)[0]) < 5.5


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.zeros((4, 8, 8)), "images must be 2 or 4-dimensional"),
        (np.zeros((4, 63)), r"shape \(N, 64\) or \(N, 1, 8, 8\)"),
        (np.zeros((4, 3, 8, 8)), r"shape \(N, 64\) or \(N, 1, 8, 8\)"),
        (np.full((4, 64), 17.0), r"pixel values in \[0, 16\]"),
        (np.full((4, 64), -0.5), r"pixel values in \[0, 16\]"),
        (np.full((4, 64), np.nan), "images contains NaN"),
        (np.zeros((0, 64)), "images needs at least 1"),
    ],
)
def test_bad_images_are_refused_naming_the_argument(xp, images, match):
    with pytest.raises(ValueError, match=match):
        digits_inception_score(xp.asarray(images))


def test_digits_fid_needs_two_images_per_set_and_one_backend(xp):
    X = xp.asarray(np.ones((5, 64)))
    with pytest.raises(ValueError, match="images2 needs at least 2"):
        digits_fid(X, X[:1, :])
    with pytest.raises(ValueError, match="images1 must hold pixel values"):
        digits_fid(X * 20, X)
    other = backend.get("strict" if xp.name != "strict" else "numpy")
    with pytest.raises(backend.BackendError):
        digits_fid(X, other.asarray(np.ones((5, 64))))


@pytest.mark.slow
def test_the_training_script_reproduces_the_shipped_weights_bit_for_bit(tmp_path):
    """python -m scratch.metrics._train_digits_net (seed 0, numpy) rewrites the same file."""
    from scratch.metrics import _train_digits_net

    out = tmp_path / "net.npz"
    _train_digits_net.main(["--out", str(out), "--quiet"])
    new, shipped = backend.load_npz(out), backend.load_npz(_train_digits_net.default_path())
    assert sorted(new) == sorted(shipped)
    for k in new:
        np.testing.assert_array_equal(new[k], shipped[k], err_msg=k)


def test_tensors_are_measured_like_their_arrays(xp):
    """A generator's Tensor output gives the same IS as its raw array."""
    from scratch.autograd import Tensor

    X, _ = load_digits("test", backend=xp)
    X = X[:30, ...]
    a = digits_inception_score(X, splits=1)[0]
    b = digits_inception_score(Tensor(X), splits=1)[0]
    assert float(a) == float(b)
