"""Errors name the argument and the value that was wrong; results name what they hold."""

import dataclasses

import numpy as np
import pytest

from scratch.classic import GaussianHMM, LinearDiscriminantAnalysis, ThreeCoinEM
from scratch.classic.svm import SMOResult, smo
from scratch.classic.svm.kernels import KernelRows
from scratch.validation import NotFittedError


def test_three_coins_names_the_observation_that_is_not_a_toss(xp):
    with pytest.raises(ValueError, match=r"coded 0 \(tails\) or 1 \(heads\), got the value 2.0"):
        ThreeCoinEM().fit(xp.asarray([0.0, 1.0, 2.0, 1.0]))


def test_lda_names_the_priors_that_do_not_sum_to_one(xp):
    X = xp.asarray(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]))
    y = xp.asarray(np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"got \[0.5, 0.6\] \(sum 1.1"):
        LinearDiscriminantAnalysis(priors=xp.asarray([0.5, 0.6])).fit(X, y)


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_unset_covars_is_a_not_fitted_error_that_says_what_to_do(covariance_type):
    """Still an AttributeError (hasattr/getattr keep working), now with its remedy."""
    m = GaussianHMM(2, covariance_type)
    assert not hasattr(m, "covars_")
    with pytest.raises(NotFittedError, match="covars_ is not set: call fit"):
        m.covars_  # noqa: B018 - the property raises


def test_non_positive_definite_covars_report_their_smallest_eigenvalue(xp):
    m = GaussianHMM(2, "full")
    m.startprob_, m.transmat_ = xp.asarray([0.5, 0.5]), xp.asarray(np.eye(2))
    m.means_ = xp.asarray(np.zeros((2, 1)))
    m.covars_ = xp.asarray(np.array([[[1.0]], [[-2.0]]]))
    with pytest.raises(ValueError, match=r"symmetric positive definite \(full\).*-2.0"):
        m.score(xp.asarray(np.zeros((3, 1))))


def test_smo_result_names_the_kkt_violation_apart_from_the_duality_gap(xp):
    """SMOResult.max_violation is m - M (the stopping quantity), not P - D."""
    names = [f.name for f in dataclasses.fields(SMOResult)]
    assert "max_violation" in names and "gap" not in names
    K = xp.asarray(np.array([[1.0, 0.2], [0.2, 1.0]]))
    res = smo(KernelRows(K=K), xp.asarray([1.0, -1.0]), 1.0, tol=1e-3)
    assert res.max_violation <= 1e-3
