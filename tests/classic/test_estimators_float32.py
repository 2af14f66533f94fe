"""Every classic estimator fits and predicts in float32, on strict's ``no_float64`` device.

That device refuses to create any float64 array, so a float64 that leaks into a fit
(a random start drawn as float64, an integer code cast to float64, a float64 constant
array) raises there instead of silently widening the computation. The ``xp32`` fixture
runs each case on numpy and on strict:no_float64; results must stay float32 (or integer
labels) on X's device. One exception, as in scikit-learn: a classification tree counts
classes in the widest float of the device (float64 where there is one), so its class
fractions and pruning path are float64 on numpy and float32 on no_float64 (``_wide``);
so is a CategoricalHMM, whose data are integer symbols.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratch import backend
from scratch.classic import (
    PCA,
    SVC,
    CategoricalHMM,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    GaussianHMM,
    GaussianMixture,
    KMeans,
    LinearDiscriminantAnalysis,
    ThreeCoinEM,
)


def _data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(20, 3)), rng.normal(size=(20, 3)) + 4.0]).astype(np.float32)
    return X, np.repeat([0, 1], 20)


def _pca(X, y):
    m = PCA(2, whiten=True).fit(X)
    return [m.transform(X), m.inverse_transform(m.transform(X)), m.fit_transform(X)]


def _lda(X, y):
    m = LinearDiscriminantAnalysis().fit(X, y)
    return [m.transform(X), m.predict_proba(X), m.decision_function(X), m.predict(X)]


def _kmeans(X, y):
    m = KMeans(2, random_state=0).fit(X)
    return [m.cluster_centers_, m.transform(X), m.predict(X)]


def _gmm(X, y):
    out = []
    for ctype in ("full", "tied", "diag", "spherical"):
        m = GaussianMixture(2, covariance_type=ctype, random_state=0).fit(X)
        out += [m.means_, m.covariances_, m.predict_proba(X), m.score_samples(X), m.predict(X)]
        out.append(m.sample(5)[0])
    return out


def _svc(X, y):
    out = []
    for kernel in ("rbf", "linear", "poly"):
        m = SVC(kernel=kernel).fit(X, y)
        out += [m.decision_function(X), m.predict(X), m.dual_coef_]
    return out


def _tree(X, y):
    m = DecisionTreeClassifier(max_depth=3).fit(X, y)
    path = DecisionTreeClassifier().cost_complexity_pruning_path(X, y)
    proba, alphas = _wide(m.predict_proba(X)), _wide(path["ccp_alphas"])
    return [proba, m.predict(X), m.feature_importances_, alphas]


class _wide:
    """An output computed in the device's widest float (see the module docstring)."""

    def __init__(self, array):
        self.array = array


def _tree_regressor(X, y):
    m = DecisionTreeRegressor(max_depth=3).fit(X, X[:, 0])
    return [m.predict(X), m.feature_importances_]


def _gaussian_hmm(X, y):
    out = []
    for ctype in ("diag", "full"):
        for impl in ("scaling", "log"):
            m = GaussianHMM(2, covariance_type=ctype, n_iter=3, implementation=impl)
            m.set_params(random_state=0).fit(X, lengths=[25, 15])
            out += [m.startprob_, m.transmat_, m.means_, m.covars_, m.predict_proba(X)]
            out += [m.decode(X)[1], m.sample(4)[0]]
    return out


def _categorical_hmm(X, y):
    xp = backend.namespace(X)
    symbols = xp.astype(X[:, :1] > 2.0, xp.int64) + xp.astype(X[:, 1:2] > 0.0, xp.int64)
    m = CategoricalHMM(2, n_iter=3, random_state=0).fit(symbols)
    # integer symbols carry no float dtype: the model is in the device's widest float
    return [_wide(m.emissionprob_), _wide(m.predict_proba(symbols)), m.decode(symbols)[1]]


def _three_coins(X, y):
    xp = backend.namespace(X)
    tosses = xp.astype(X[:, 0] > 1.0, X.dtype)
    m = ThreeCoinEM(0.4, 0.6, 0.7).fit(tosses)
    return [m.pi_, m.predict_proba(tosses), m.log_likelihood(tosses)]


CASES = {
    "PCA": _pca,
    "LinearDiscriminantAnalysis": _lda,
    "KMeans": _kmeans,
    "GaussianMixture": _gmm,
    "SVC": _svc,
    "DecisionTreeClassifier": _tree,
    "DecisionTreeRegressor": _tree_regressor,
    "GaussianHMM": _gaussian_hmm,
    "CategoricalHMM": _categorical_hmm,
    "ThreeCoinEM": _three_coins,
}


@pytest.mark.parametrize("case", list(CASES))
def test_estimator_fits_and_predicts_in_float32_without_float64(xp32, case):
    """fit/predict/transform on float32 data: float32 (or integer) results on X's device."""
    X, y = _data()
    Xd, yd = xp32.asarray(X), xp32.asarray(y)
    xp = backend.namespace(Xd)
    widest = xp.float32 if "no_float64" in str(xp32.device) else xp.float64
    for out in CASES[case](Xd, yd):
        want = xp.float32
        if isinstance(out, _wide):
            out, want = out.array, widest
        assert backend.device_of(out) == backend.device_of(Xd)
        if xp.isdtype(out.dtype, "real floating"):
            assert out.dtype == want, (case, out.dtype)
            assert np.all(np.isfinite(backend.to_numpy(out)))
        else:
            assert xp.isdtype(out.dtype, "integral"), (case, out.dtype)


def test_hmm_random_start_is_drawn_in_the_data_float(xp32):
    """The HMMs' random start (pi, A, B) is float32 for float32 data (it was float64)."""
    Xd = xp32.asarray(_data()[0])
    m = GaussianHMM(2, n_iter=1, random_state=0).fit(Xd)
    assert m.startprob_.dtype == backend.namespace(Xd).float32
    assert math.isfinite(m.score(Xd))
