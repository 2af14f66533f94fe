"""The one boundary check every estimator uses: clear errors, data where it belongs."""

import numpy as np
import pytest

from scratch import backend
from scratch.validation import (
    NotFittedError,
    check_array,
    check_is_fitted,
    check_labels,
    check_positive,
)


def test_a_list_beside_an_array_goes_to_that_arrays_device(xp):
    like = xp.asarray(np.ones(3))
    t = check_array([1.0, 2.0], name="t", ndim=1, like=like)
    assert backend.backend_name(t) == xp.name and backend.device_of(t) == xp.device
    assert t.dtype == like.dtype


def test_integer_input_becomes_the_default_float(xp):
    X = check_array(xp.asarray(np.arange(6).reshape(3, 2)))
    assert xp.isdtype(X.dtype, "real floating")


def test_integer_input_becomes_float64_where_the_device_has_it(xp):
    """The same integer data gives the same numbers on every backend: float64, also on
    torch, whose own default float is float32."""
    X = check_array(xp.asarray(np.arange(6).reshape(3, 2)))
    assert X.dtype == xp.float64


def test_integer_input_becomes_float32_on_a_device_without_float64():
    pytest.importorskip("array_api_strict")
    s = backend.get("strict:no_float64")
    X = check_array(s.asarray(np.arange(6).reshape(3, 2)))
    assert X.dtype == s.float32


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.zeros((0, 3)), "at least 1 sample"),
        (np.zeros(3), "2-dimensional"),
        (np.array([[np.nan, 1.0]]), "NaN or infinity"),
        (np.array([[np.inf, 1.0]]), "NaN or infinity"),
    ],
)
def test_bad_arrays_are_refused_with_the_argument_named(xp, bad, match):
    with pytest.raises(ValueError, match=f"Xtrain.*{match}|{match}"):
        check_array(xp.asarray(bad), name="Xtrain")


def test_mixed_backends_are_refused(xp):
    if xp.name == "numpy":
        pytest.skip("needs a second library")
    with pytest.raises(backend.BackendError):
        check_array(np.ones((2, 2)), like=xp.ones((2, 2)))


def test_labels_must_match_the_samples(xp):
    with pytest.raises(ValueError, match="y has 2 entries but X has 3 samples"):
        check_labels(xp.asarray(np.array([0, 1])), 3)


def test_non_integral_values_are_refused_where_integers_are_needed(xp):
    with pytest.raises(ValueError, match="integers"):
        check_array(xp.asarray(np.array([0.5, 1.0])), name="y", ndim=1, dtype="int")


@pytest.mark.parametrize("value", [0, -1.0, float("nan")])
def test_positive_numbers_only(value):
    with pytest.raises(ValueError, match="C must be > 0"):
        check_positive(value, "C")


def test_use_before_fit_says_so():
    class Est:
        pass

    with pytest.raises(NotFittedError, match="not fitted yet"):
        check_is_fitted(Est(), "coef_")


def test_a_scratch_tensor_is_taken_as_its_array(xp):
    """Estimators get Tensors from nn code; they use the array (no empty-sample error)."""
    from scratch.autograd import Tensor
    from scratch.classic import PCA

    a = np.arange(12.0).reshape(6, 2) ** 1.5
    X = check_array(Tensor(xp.asarray(a), requires_grad=True))
    assert backend.is_array(X) and tuple(X.shape) == (6, 2)
    Z = PCA(1).fit_transform(Tensor(xp.asarray(a)))
    assert tuple(Z.shape) == (6, 1)
