"""CART against scikit-learn: same trees on data without tied candidate splits, same
cost-complexity pruning path.

Ties. scikit-learn visits the features in a random order and keeps the first best
split, so when two candidates of a node have the same gain and cut its samples
differently, the two trees may legitimately differ. ``_ambiguous`` finds such nodes in
sklearn's tree (every candidate within 1e-9 of the node's best gain, computed with
``scratch.classic.tree.splitter.numeric_gains`` on the node's samples, grouped by the
unordered partition it makes); data sets with one are rejected. Ties that cut the
samples the same way (a 2-sample node: every feature separates the pair) are harmless
for everything compared on the training samples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import DecisionTreeClassifier, DecisionTreeRegressor
from scratch.classic.tree.criteria import CRITERIA
from scratch.classic.tree.splitter import SplitSpec, numeric_gains

to_np = backend.to_numpy


def _sk():
    return pytest.importorskip("sklearn.tree")


def _ambiguous(ref, X, y, criterion: str) -> bool:
    """Does any internal node of sklearn's tree have tied best candidates that cut its
    samples differently? (host NumPy, our gain formula)"""
    crit = CRITERIA[criterion]
    spec = SplitSpec(crit, False, False, 1, 1, [0])
    path = ref.decision_path(X.astype(np.float32)).toarray().astype(bool)
    classes = np.unique(y)
    for node in range(ref.tree_.node_count):
        if ref.tree_.children_left[node] < 0:
            continue
        S = np.nonzero(path[:, node])[0]
        order = np.argsort(X[S], axis=0, kind="stable").T  # (F, m) positions into S
        xs = np.take_along_axis(X[S].T, order, axis=1)
        if crit.classification:
            yc = np.searchsorted(classes, y[S])
            st_ = (yc[order][..., None] == np.arange(len(classes))).astype(float)
        else:
            d = y[S][order] - y[S].mean()
            st_ = np.stack([d, d * d], axis=-1)
        G = numeric_gains(xs, st_, spec)
        best = G.max()
        cuts = set()
        for f, i in zip(*np.nonzero(G >= best - 1e-9 * max(1.0, abs(best)))):
            left = frozenset(S[order[f, : i + 1]].tolist())
            right = frozenset(S.tolist()) - left
            cuts.add(min(tuple(sorted(left)), tuple(sorted(right))))
        if len(cuts) > 1:
            return True
    return False


def _data(seed, n, F, K, decimals, noise=0.5):
    """X rounded to ``decimals`` (repeated values: candidates between equal values are
    not allowed, in both trees) and float32-representable (sklearn thresholds on float32).
    Classes: K quantile bands of a noisy random linear score (labels that are pure noise
    tie at almost every small node, so few such data sets would pass the tie filter);
    targets: x_0 plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, F)) * 2, decimals).astype(np.float32).astype(np.float64)
    if not K:
        return X, rng.standard_normal(n) + X[:, 0]
    s = X @ rng.standard_normal(F) + noise * rng.standard_normal(n)
    return X, np.digitize(s, np.quantile(s, np.linspace(0, 1, K + 1)[1:-1]))


def _same_tree_on_training_samples(xp, ours, ref, X, atol=1e-12):
    """Depth, leaves, nodes, the impurities and sizes of all nodes (as multisets) and of
    every sample's path from the root (orientation-free), predictions on X."""
    t, r = ours.tree_, ref.tree_
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()
    assert t.node_count == r.node_count
    np.testing.assert_allclose(np.sort(t.impurity), np.sort(r.impurity), atol=atol)
    np.testing.assert_array_equal(np.sort(t.n_node_samples), np.sort(r.n_node_samples))
    Xd = xp.asarray(X)
    leaf_ours = to_np(ours.apply(Xd))
    for i in range(X.shape[0]):
        ours_path = [t.impurity[k] for k in t.decision_path_nodes(int(leaf_ours[i]))]
        ref_path = [r.impurity[k] for k in ref.decision_path(X[i : i + 1]).indices]
        np.testing.assert_allclose(ours_path, ref_path, atol=atol)
    return Xd


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(8, 40),
    F=st.integers(1, 4),
    K=st.integers(2, 3),
    decimals=st.sampled_from([1, 3]),
    noise=st.sampled_from([0.3, 1.0]),
    criterion=st.sampled_from(["gini", "entropy"]),
)
def test_classifier_grows_sklearns_tree_without_tied_candidates(
    xp, seed, n, F, K, decimals, noise, criterion
):
    """Oracle: sklearn.tree.DecisionTreeClassifier with criterion 'gini' (CART) or
    'entropy' (in bits, binary thresholds on numeric data), unlimited depth: same depth,
    leaf count, node impurities (1e-12: the same function of integer counts, summed in
    another order), path impurities and predict / predict_proba on X."""
    X, y = _data(seed, n, F, K, decimals, noise)
    assume(len(np.unique(y)) >= 2)
    ref = _sk().DecisionTreeClassifier(criterion=criterion, random_state=0).fit(X, y)
    assume(not _ambiguous(ref, X, y, criterion))
    ours = DecisionTreeClassifier(criterion=criterion).fit(xp.asarray(X), xp.asarray(y))
    Xd = _same_tree_on_training_samples(xp, ours, ref, X)
    np.testing.assert_array_equal(to_np(ours.predict(Xd)), ref.predict(X))
    np.testing.assert_allclose(to_np(ours.predict_proba(Xd)), ref.predict_proba(X), atol=1e-12)


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(8, 60),
    F=st.integers(1, 4),
    min_samples_leaf=st.integers(1, 3),
    max_depth=st.sampled_from([None, 2, 4]),
)
def test_regression_tree_equals_sklearns_squared_error_tree(
    xp, seed, n, F, min_samples_leaf, max_depth
):
    """Oracle: sklearn.tree.DecisionTreeRegressor (squared error) with the same
    min_samples_leaf and max_depth: same tree on X, predictions to 1e-12 (leaf means)."""
    X, y = _data(seed, n, F, 0, 3)
    kw = dict(min_samples_leaf=min_samples_leaf, max_depth=max_depth)
    ref = _sk().DecisionTreeRegressor(random_state=0, **kw).fit(X, y)
    assume(not _ambiguous(ref, X, y, "squared_error"))
    ours = DecisionTreeRegressor(**kw).fit(xp.asarray(X), xp.asarray(y))
    Xd = _same_tree_on_training_samples(xp, ours, ref, X, atol=1e-10)
    np.testing.assert_allclose(to_np(ours.predict(Xd)), ref.predict(X), atol=1e-12)


def test_shallow_trees_match_sklearn_node_for_node_on_new_points(xp):
    """No ties at all near the root of a 400-sample regression: features, thresholds
    (exactly: both take x_i / 2 + x_(i+1) / 2) and impurities node by node, and the
    predictions on 200 fresh points."""
    X, y = _data(7, 400, 5, 0, 4)
    ref = _sk().DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    ours = DecisionTreeRegressor(max_depth=4).fit(xp.asarray(X), xp.asarray(y))
    t, r = ours.tree_, ref.tree_
    inner = r.children_left >= 0
    np.testing.assert_array_equal(np.array(t.feature)[inner], r.feature[inner])
    np.testing.assert_array_equal(np.array(t.threshold)[inner], r.threshold[inner])
    np.testing.assert_array_equal(np.array(t.children_left), np.where(inner, r.children_left, -1))
    # atol: sklearn's S2 / n - mean^2 leaves ~1e-13 (even -5e-15) at single-sample leaves
    np.testing.assert_allclose(t.impurity, r.impurity, rtol=1e-12, atol=1e-12)
    Xt = np.random.default_rng(8).standard_normal((200, 5)).astype(np.float32).astype(float)
    np.testing.assert_allclose(to_np(ours.predict(xp.asarray(Xt))), ref.predict(Xt), atol=1e-12)


def _tie_free_classification():
    return _data(2, 60, 3, 2, 3)  # 11 leaves, a path of 9 alphas


def test_cost_complexity_pruning_path_equals_sklearns_alphas(xp):
    """Oracle: sklearn's cost_complexity_pruning_path on a fixed data set (checked to be
    free of ambiguous ties): the same alphas and leaf impurities, to 1e-12."""
    X, y = _tie_free_classification()
    ref_est = _sk().DecisionTreeClassifier(random_state=0)
    assert not _ambiguous(ref_est.fit(X, y), X, y, "gini")
    ref = ref_est.cost_complexity_pruning_path(X, y)
    ours = DecisionTreeClassifier().cost_complexity_pruning_path(xp.asarray(X), xp.asarray(y))
    assert backend.backend_name(ours["ccp_alphas"]) == xp.name
    assert len(ref.ccp_alphas) > 5
    np.testing.assert_allclose(to_np(ours["ccp_alphas"]), ref.ccp_alphas, atol=1e-12)
    np.testing.assert_allclose(to_np(ours["impurities"]), ref.impurities, atol=1e-12)


def test_regression_pruning_path_and_pruned_trees_equal_sklearns(xp):
    """The squared-error path, and for three alphas between steps of the path (an alpha
    on it is a boundary that round-off may put on either side) the pruned tree itself
    (leaf count, depth, predictions) equals sklearn's with that ccp_alpha."""
    X, y = _data(11, 80, 2, 0, 3)
    ref = _sk().DecisionTreeRegressor(random_state=0)
    path = ref.cost_complexity_pruning_path(X, y)
    ours = DecisionTreeRegressor().cost_complexity_pruning_path(xp.asarray(X), xp.asarray(y))
    # atol 1e-15: sklearn's leaf impurities carry ~1e-17 of round-off (even negative ones)
    np.testing.assert_allclose(to_np(ours["ccp_alphas"]), path.ccp_alphas, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(to_np(ours["impurities"]), path.impurities, rtol=1e-9, atol=1e-15)
    Xd = xp.asarray(X)
    a_mid = (path.ccp_alphas[1:] + path.ccp_alphas[:-1]) / 2
    for alpha in a_mid[[5, len(a_mid) // 2, -2]]:
        a = DecisionTreeRegressor(ccp_alpha=float(alpha)).fit(Xd, xp.asarray(y))
        b = _sk().DecisionTreeRegressor(ccp_alpha=float(alpha), random_state=0).fit(X, y)
        assert (a.get_n_leaves(), a.get_depth()) == (b.get_n_leaves(), b.get_depth())
        np.testing.assert_allclose(to_np(a.predict(Xd)), b.predict(X), atol=1e-12)


def test_feature_importances_equal_sklearns(xp):
    """sum over splits on f of n_t I(t) - n_L I(L) - n_R I(R), normalised: sklearn's."""
    X, y = _data(7, 400, 5, 0, 4)
    ref = _sk().DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    ours = DecisionTreeRegressor(max_depth=4).fit(xp.asarray(X), xp.asarray(y))
    np.testing.assert_allclose(
        to_np(ours.feature_importances_), ref.feature_importances_, atol=1e-12
    )
