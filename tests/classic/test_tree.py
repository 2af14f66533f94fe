"""Decision trees: the watermelon data set 2.0 (Zhou, section 4.2), one split by hand,
C4.5's heuristic, categorical splits, the estimator protocol and bad input.

Source for the worked example: Zhou Zhihua, *Machine Learning* (2016), table 4.1,
section 4.2.1 (the root's information gains) and figure 4.4 (the ID3 tree).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.classic import DecisionTreeClassifier, DecisionTreeRegressor, export_text
from scratch.classic.tree.criteria import CRITERIA, gain_ratio, gini, information_gain
from scratch.classic.tree.splitter import SplitSpec, numeric_gains
from scratch.data.watermelon import CATEGORIES, FEATURE_NAMES, load_watermelon
from scratch.validation import NotFittedError

to_np = backend.to_numpy
NAMES = dict(enumerate(CATEGORIES))


def _id3(xp, **kw):
    X, y = load_watermelon(backend=xp)
    return DecisionTreeClassifier("entropy", categorical_features="all", **kw).fit(X, y), X, y


# ------------------------------------------------------------------ the worked example


def test_watermelon_root_information_gains_are_zhous(xp):
    """Zhou 4.2.1: Gain(D, a) = 0.109, 0.143, 0.141, 0.381, 0.289, 0.006 for color, root,
    sound, texture, navel, touch. The book subtracts entropies rounded to 3 digits, so its
    color gain is 0.109 where the exact value is 0.1081: tolerance 1e-3 against the book,
    and the exact values (computed by hand from the counts) to 1e-12."""
    X, y = load_watermelon(backend=xp)
    gains = [float(to_np(information_gain(X[:, j], y))) for j in range(6)]
    np.testing.assert_allclose(gains, [0.109, 0.143, 0.141, 0.381, 0.289, 0.006], atol=1e-3)
    h = lambda *p: -sum(q * np.log2(q) for q in p if q)  # noqa: E731
    ent_D = h(8 / 17, 9 / 17)
    # color: green 3+/3-, dark 4+/2-, light 1+/4- (table 4.1)
    color = ent_D - (6 / 17 * h(0.5, 0.5) + 6 / 17 * h(4 / 6, 2 / 6) + 5 / 17 * h(1 / 5, 4 / 5))
    assert gains[0] == pytest.approx(color, abs=1e-12)
    assert int(np.argmax(gains)) == FEATURE_NAMES.index("texture")


def test_id3_grows_zhous_figure_4_4(xp):
    """The ID3 tree on watermelon 2.0 is figure 4.4: texture at the root; under 'clear'
    root (the first of the three attributes tied at gain 0.458), color, touch; the empty
    'light' branch is a leaf with its parent's majority (yes)."""
    tree, X, y = _id3(xp)
    expected = """\
|--- texture = clear
|   |--- root = curled
|   |   |--- class: yes
|   |--- root = slightly curled
|   |   |--- color = green
|   |   |   |--- class: yes
|   |   |--- color = dark
|   |   |   |--- touch = hard
|   |   |   |   |--- class: yes
|   |   |   |--- touch = soft
|   |   |   |   |--- class: no
|   |   |--- color = light
|   |   |   |--- class: yes
|   |--- root = stiff
|   |   |--- class: no
|--- texture = slightly blurry
|   |--- touch = hard
|   |   |--- class: no
|   |--- touch = soft
|   |   |--- class: yes
|--- texture = blurry
|   |--- class: no
"""
    assert export_text(tree, FEATURE_NAMES, ["no", "yes"], NAMES) == expected
    assert tree.tree_.feature[0] == FEATURE_NAMES.index("texture")
    assert (tree.get_depth(), tree.get_n_leaves()) == (4, 9)
    np.testing.assert_array_equal(to_np(tree.predict(X)), to_np(y))  # consistent data
    light = [i for i in range(tree.tree_.node_count) if tree.tree_.n_node_samples[i] == 0]
    assert len(light) == 1 and to_np(tree.predict_proba(X))[:, 1].min() >= 0


def test_tree_from_strings_equals_tree_from_codes():
    """The host path (string table, categories sorted alphabetically) grows the same tree
    up to branch order: same predictions, depth, leaves; labels come back as strings."""
    Xs, ys = load_watermelon(as_strings=True)
    a = DecisionTreeClassifier("entropy", categorical_features="all").fit(Xs, ys)
    b, X, y = _id3(backend.get("numpy"))
    assert list(a.predict(Xs)) == ["yes" if v else "no" for v in to_np(b.predict(X))]
    assert (a.get_depth(), a.get_n_leaves()) == (b.get_depth(), b.get_n_leaves())
    assert list(a.categories_[3]) == sorted(CATEGORIES[3])


def test_c45_takes_the_best_gain_ratio_among_above_average_gains(xp):
    """Quinlan's heuristic. A: one odd sample (gain 0.066, IV 0.337, ratio 0.194); B: 8
    values of 2 samples (gain 0.25, IV 3, ratio 0.083). The plain largest ratio is A's,
    but A's gain is below the average 0.158, so C4.5 splits on B."""
    y = np.array([1] * 8 + [0] * 8)
    B = np.array([0, 0, 2, 3, 4, 5, 6, 7, 1, 1, 2, 3, 4, 5, 6, 7], dtype=float)
    A = np.zeros(16)
    A[2] = 1.0
    X = xp.asarray(np.stack([A, B], axis=1))
    yd = xp.asarray(y)
    g = [float(to_np(information_gain(X[:, j], yd))) for j in range(2)]
    r = [float(to_np(gain_ratio(X[:, j], yd))) for j in range(2)]
    assert r[0] > r[1] and g[0] < np.mean(g)  # the premise
    tree = DecisionTreeClassifier("gain_ratio", categorical_features="all").fit(X, yd)
    assert tree.tree_.feature[0] == 1
    assert (
        DecisionTreeClassifier("entropy", categorical_features="all").fit(X, yd).tree_.feature[0]
        == 1
    )


# ------------------------------------------------------------------ one split, by hand


def test_one_threshold_search_step_by_hand(xp):
    """x = 1..5, y = 0 0 1 0 1, Gini(D) = 1 - (3/5)^2 - (2/5)^2 = 12/25. Cutting after
    1, 2, 3, 4 samples leaves weighted child Gini 2/5, 4/15, 7/15, 3/10, so the gains are
    2/25, 16/75, 1/75, 9/50; the best threshold is (2 + 3) / 2 = 2.5 with gain 16/75."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([0, 0, 1, 0, 1])
    crit = CRITERIA["gini"]
    st_ = xp.asarray((y[:, None] == np.arange(2)).astype(float))[None, ...]
    G = numeric_gains(xp.asarray(x)[None, :], st_, SplitSpec(crit, False, False, 1, 1, [0]))
    np.testing.assert_allclose(to_np(G)[0], [2 / 25, 16 / 75, 1 / 75, 9 / 50], atol=1e-15)
    stump = DecisionTreeClassifier(max_depth=1).fit(xp.asarray(x[:, None]), xp.asarray(y))
    assert stump.tree_.threshold[0] == 2.5
    assert stump.tree_.impurity[0] == pytest.approx(12 / 25, abs=1e-15)
    assert stump.tree_.impurity[1:] == pytest.approx([0.0, 4 / 9], abs=1e-15)
    # the minimum leaf size removes the cut after 1 sample and after 4
    G2 = numeric_gains(xp.asarray(x)[None, :], st_, SplitSpec(crit, False, False, 1, 2, [0]))
    assert np.isneginf(to_np(G2)[0][[0, 3]]).all()


def test_cart_on_categories_splits_one_value_against_the_rest(xp):
    """CART on categorical columns: the root question x_f == v maximises the Gini gain
    over every (feature, value), checked by brute force over all 17 of them."""
    X, y = load_watermelon(backend=xp)
    tree = DecisionTreeClassifier("gini", categorical_features="all").fit(X, y)
    Xh, yh = to_np(X), to_np(y)
    counts = lambda m: np.array([(yh[m] == k).sum() for k in (0, 1)], float)  # noqa: E731
    best = {}
    for f in range(6):
        for v in range(len(CATEGORIES[f])):
            m = Xh[:, f] == v
            if 0 < m.sum() < 17:
                child = (m.sum() * gini(counts(m)) + (~m).sum() * gini(counts(~m))) / 17
                best[(f, v)] = gini(counts(np.ones(17, bool))) - child
    f, v = max(best, key=best.get)
    assert (tree.tree_.feature[0], tree.tree_.threshold[0]) == (f, float(v))
    np.testing.assert_array_equal(to_np(tree.predict(X)), yh)


# ------------------------------------------------------------------ the estimator


@given(seed=st.integers(0, 1000), k=st.integers(1, 6), depth=st.sampled_from([None, 1, 3]))
def test_leaves_respect_min_samples_leaf_and_max_depth(xp, seed, k, depth):
    """Every leaf keeps >= min_samples_leaf samples, no leaf is deeper than max_depth,
    and every child of a split keeps its share (sizes add up)."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((60, 3)), rng.integers(0, 3, 60)
    t = (
        DecisionTreeClassifier(min_samples_leaf=k, max_depth=depth)
        .fit(xp.asarray(X), xp.asarray(y))
        .tree_
    )
    for i in range(t.node_count):
        if t.children[i]:
            assert sum(t.n_node_samples[c] for c in t.children[i]) == t.n_node_samples[i]
        else:
            assert t.n_node_samples[i] >= k
    assert depth is None or t.max_depth <= depth


def test_predictions_follow_the_input_backend_and_agree(xp):
    """predict_proba rows sum to 1, predict is their argmax's class, apply gives leaves,
    results live on the input's backend; importances sum to 1."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((80, 4)), rng.integers(0, 3, 80) * 10
    tree = DecisionTreeClassifier(max_depth=3).fit(xp.asarray(X), xp.asarray(y))
    P = tree.predict_proba(xp.asarray(X))
    assert backend.backend_name(P) == xp.name
    np.testing.assert_allclose(to_np(P).sum(axis=1), 1.0)
    np.testing.assert_array_equal(
        to_np(tree.predict(xp.asarray(X))), to_np(tree.classes_)[to_np(P).argmax(1)]
    )
    leaves = set(to_np(tree.apply(xp.asarray(X))).tolist())
    assert all(tree.tree_.kind[i] == -1 for i in leaves)
    assert float(to_np(tree.feature_importances_).sum()) == pytest.approx(1.0)
    assert tree.n_features_in_ == 4 and list(to_np(tree.classes_)) == [0, 10, 20]


def test_sklearn_clone_and_set_params_work():
    """get_params / set_params from the constructor (scikit-learn's clone rebuilds it)."""
    clone = pytest.importorskip("sklearn.base").clone
    est = DecisionTreeClassifier("entropy", max_depth=3, categorical_features=[0, 2])
    c = clone(est)
    assert c.get_params() == est.get_params() and c is not est
    assert "criterion='entropy'" in repr(est.set_params(max_depth=4))


def test_random_state_breaks_ties_between_identical_features(xp):
    """Two copies of one column tie everywhere: None keeps the first, a seed whose
    permutation puts column 1 first takes it."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30)
    X = xp.asarray(np.stack([x, x], axis=1))
    y = xp.asarray((x > 0.2).astype(int))
    assert DecisionTreeClassifier(max_depth=1).fit(X, y).tree_.feature[0] == 0
    firsts = {
        DecisionTreeClassifier(max_depth=1, random_state=s).fit(X, y).tree_.feature[0]
        for s in range(6)
    }
    assert firsts == {0, 1}


# ------------------------------------------------------------------ bad input


def test_unseen_category_at_predict_time_names_the_column_and_value(xp):
    tree, X, _ = _id3(xp)
    Xn = to_np(X).copy()
    Xn[0, 3] = 7.0
    with pytest.raises(ValueError, match=r"X\[:, 3\] has category 7.0 not seen in fit"):
        tree.predict(xp.asarray(Xn))
    Xs, ys = load_watermelon(as_strings=True)
    a = DecisionTreeClassifier("entropy", categorical_features="all").fit(Xs, ys)
    bad = Xs.copy()
    bad[1, 0] = "purple"
    with pytest.raises(ValueError, match=r"X\[:, 0\] has category 'purple'"):
        a.predict(bad)


def test_bad_input_errors_name_the_argument(xp):
    X = xp.asarray(np.random.default_rng(0).standard_normal((10, 2)))
    y = xp.asarray(np.array([0, 1] * 5))
    Xnan = to_np(X).copy()
    Xnan[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        DecisionTreeClassifier().fit(xp.asarray(Xnan), y)
    with pytest.raises(ValueError, match="y contains NaN"):
        DecisionTreeRegressor().fit(X, xp.asarray(np.where(np.arange(10) == 2, np.nan, 1.0)))
    with pytest.raises(ValueError, match="X needs at least 1 sample"):
        DecisionTreeClassifier().fit(xp.asarray(np.zeros((0, 2))), xp.asarray(np.zeros(0, int)))
    with pytest.raises(ValueError, match="y must hold at least 2 classes.*got only \\[1\\]"):
        DecisionTreeClassifier().fit(X, xp.asarray(np.ones(10, int)))
    with pytest.raises(ValueError, match="y has 9 entries but X has 10"):
        DecisionTreeClassifier().fit(X, xp.asarray(np.zeros(9, int)))
    with pytest.raises(ValueError, match="criterion must be one of"):
        DecisionTreeClassifier(criterion="chaid").fit(X, y)
    with pytest.raises(ValueError, match="max_depth must be > 0"):
        DecisionTreeClassifier(max_depth=0).fit(X, y)
    with pytest.raises(ValueError, match="min_samples_leaf must be > 0"):
        DecisionTreeClassifier(min_samples_leaf=0).fit(X, y)
    with pytest.raises(ValueError, match="categorical_features index 5 is out of range"):
        DecisionTreeClassifier(categorical_features=[5]).fit(X, y)
    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict(X)
    fitted = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted.predict(xp.asarray(np.zeros((2, 3))))


def test_strings_without_categorical_features_say_how_to_fix_it():
    Xs, ys = load_watermelon(as_strings=True)
    with pytest.raises(TypeError, match="name the column in categorical_features"):
        DecisionTreeClassifier().fit(Xs, ys)


def test_regression_tree_on_a_categorical_column_fits_the_group_means(xp):
    """CART regression with x == v splits: y = group mean of the category exactly, so
    the unlimited tree has one leaf per category and predicts the means."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, 40)
    means = np.array([1.0, -2.0, 0.5, 3.0])
    X = np.stack([codes * 10.0, rng.standard_normal(40) * 1e-3], axis=1)
    tree = DecisionTreeRegressor(categorical_features=[0], min_impurity_decrease=1e-6)
    tree.fit(xp.asarray(X), xp.asarray(means[codes]))
    assert tree.get_n_leaves() == 4
    assert {tree.tree_.kind[i] for i in range(tree.tree_.node_count)} == {-1, 1}
    np.testing.assert_allclose(to_np(tree.predict(xp.asarray(X))), means[codes], atol=1e-12)
    assert list(to_np(tree.categories_[0])) == [0.0, 10.0, 20.0, 30.0]
