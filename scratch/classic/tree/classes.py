"""DecisionTreeClassifier (ID3, C4.5, CART) and DecisionTreeRegressor (CART).

==============  ===================  =========================  =======================
criterion       algorithm            numeric feature            categorical feature
==============  ===================  =========================  =======================
'entropy'       ID3 (Quinlan 1986)   binary, best threshold     multi-way, one branch
                                                                per category
'gain_ratio'    C4.5 (Quinlan 1993)  binary, best threshold     multi-way; feature by
                                                                the gain-ratio heuristic
'gini'          CART (Breiman 1984)  binary, best threshold     binary, x == v vs rest
'squared_error' CART regression      binary, best threshold     binary, x == v vs rest
==============  ===================  =========================  =======================

Growth: ``builder.grow``; the split search: ``splitter``; the impurities: ``criteria``;
post-pruning: ``pruning`` (``ccp_alpha``, ``cost_complexity_pruning_path``). Argument
names and order follow scikit-learn's trees, plus ``categorical_features``.

``random_state`` decides exact ties between features: None keeps the column order (the
first feature wins, as the textbook's "choose any one" is usually read, so the
watermelon tree of Zhou's figure 4.4 comes out); an int draws a permutation of the
columns (scikit-learn always draws one).
"""

from __future__ import annotations

import math
from typing import Any

from ... import backend
from ...validation import (
    _default_float,
    check_array,
    check_is_fitted,
    check_labels,
    check_n_features,
    check_positive,
    check_same_backend,
    reject_sparse,
    seed_of,
)
from .._base import BaseEstimator, ClassifierMixin, RegressorMixin
from .._labels import decode_classes, encode_classes
from .builder import GrowData, Limits, grow
from .criteria import CRITERIA
from .encoding import encode_fit, encode_predict
from .pruning import prune, prune_path
from .splitter import SplitSpec
from .structure import LEAF

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]


class _BaseTree(BaseEstimator):
    _criteria: tuple[str, ...] = ()

    def _check_params(self, n: int) -> Limits:
        if self.criterion not in self._criteria:
            raise ValueError(
                f"criterion must be one of {', '.join(map(repr, self._criteria))}, "
                f"got {self.criterion!r}"
            )
        if self.max_depth is not None:
            check_positive(self.max_depth, "max_depth", integer=True)
        leaf = self.min_samples_leaf
        if isinstance(leaf, float):
            if not 0.0 < leaf < 1.0:
                raise ValueError(f"min_samples_leaf as a fraction must be in (0, 1), got {leaf}")
            leaf = max(1, math.ceil(leaf * n))
        else:
            check_positive(leaf, "min_samples_leaf", integer=True)
        split = self.min_samples_split
        if isinstance(split, float):
            if not 0.0 < split <= 1.0:
                raise ValueError(f"min_samples_split as a fraction must be in (0, 1], got {split}")
            split = max(2, math.ceil(split * n))
        else:
            check_positive(split, "min_samples_split", integer=True)
            if split < 2:
                raise ValueError(f"min_samples_split must be >= 2, got {split}")
        check_positive(self.min_impurity_decrease, "min_impurity_decrease", strict=False)
        check_positive(self.ccp_alpha, "ccp_alpha", strict=False)
        return Limits(self.max_depth, max(split, 2 * leaf), leaf, float(self.min_impurity_decrease))

    def _grow(self, encoded: tuple, y_coded: Any, n_classes: int):
        """Grow on the encoded X (see encoding.encode_fit), prune; sets the attributes."""
        X, cat, categories = encoded
        xp = backend.namespace(X)
        n, F = X.shape
        limits = self._check_params(n)
        numeric = [j for j in range(F) if j not in cat]
        XnT = xp.stack([X[:, j] for j in numeric]) if numeric else None
        Xc = xp.stack([X[:, j] for j in cat], axis=1) if cat else None
        n_cat = [int(categories[j].shape[0]) for j in cat]
        crit = CRITERIA[self.criterion]
        multiway = self.criterion in ("entropy", "gain_ratio")
        columns = numeric + cat  # the split search's order of the features
        rank = list(range(F))
        seed = seed_of(self.random_state)
        if seed is not None:
            perm = backend.to_numpy(backend.get("numpy").rng(seed).permutation(F)).tolist()
            rank = [0] * F
            for r, j in enumerate(perm):
                rank[j] = r
        tie_order = sorted(range(F), key=lambda i: rank[columns[i]])
        spec = SplitSpec(
            crit,
            self.criterion == "gain_ratio",
            multiway,
            max(n_cat, default=1),
            limits.min_samples_leaf,
            tie_order,
        )
        data = GrowData(XnT, Xc, y_coded, n_classes, numeric, cat, n_cat)
        tree, decrease = grow(data, crit, spec, limits)
        self.full_tree_ = tree
        self.categorical_features_ = cat
        self.categories_ = categories
        self.n_features_in_ = F
        self.tree_ = prune(tree, float(self.ccp_alpha))
        self.feature_importances_ = self._importances(self.tree_, xp, X)
        return self

    @staticmethod
    def _importances(tree, xp, X):
        """sum over the splits on f of n_t I(t) - sum_c n_c I(c), normalised to sum 1."""
        imp = [0.0] * X.shape[1]
        for i in range(tree.node_count):
            if tree.kind[i] != LEAF:
                dec = tree.n_node_samples[i] * tree.impurity[i]
                for c in tree.children[i]:
                    dec -= tree.n_node_samples[c] * tree.impurity[c]
                imp[tree.feature[i]] += dec
        total = sum(imp)
        if total > 0:
            imp = [v / total for v in imp]
        return xp.asarray(imp, dtype=X.dtype, device=backend.device_of(X))

    @staticmethod
    def _encode_fit(X: Any, categorical_features: Any):
        """encode_fit, with sparse input refused and NumPy's reason kept in its TypeError."""
        if X is None:
            raise ValueError("X is required, got None")
        reject_sparse(X)
        try:
            return encode_fit(X, categorical_features)
        except TypeError as e:
            if e.__context__ is None:
                raise
            # the column's message, then NumPy's own ("float() argument must be ...")
            raise TypeError(f"{e} ({e.__context__})") from None

    def _coded(self, X: Any):
        check_is_fitted(self, "tree_")
        check_same_backend(self, X, self.tree_.value)
        X = encode_predict(X, self.categorical_features_, self.categories_, self.tree_.value)
        check_n_features(self, X)
        return X

    def apply(self, X: Any):
        """The index (in ``tree_``) of the leaf each sample lands in, int64 (n,).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Samples with the fitted columns; categorical columns hold only categories seen
            in fit.

        Returns
        -------
        leaf : array, shape (n,), int64
            Node indices into tree_ (each one a leaf).
        """
        X = self._coded(X)  # first: it checks that the tree is fitted
        return self.tree_.apply(X)

    def get_depth(self) -> int:
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    def cost_complexity_pruning_path(self, X: Any, y: Any) -> dict[str, Any]:
        """The effective alphas and total leaf impurities of minimal cost-complexity pruning.

        Grows the unpruned tree on (X, y) (this estimator is left unchanged) and returns
        {"ccp_alphas": array (k,), "impurities": array (k,)} on X's backend, increasing
        alphas from 0, as scikit-learn's.

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Training samples, as for fit.
        y : array, shape (n,)
            Training labels (classifier) or targets (regressor), as for fit.

        Returns
        -------
        path : dict of str to array
            "ccp_alphas" (k,): the effective alphas g(t) = (R(t) - R(T_t)) / (|T_t| - 1) at
            which the subtrees are cut; "impurities" (k,): the total leaf impurity of the
            pruned tree for each alpha.
        """
        est = type(self)(**{**self.get_params(), "ccp_alpha": 0.0}).fit(X, y)
        alphas, impurities = prune_path(est.full_tree_)
        xp = backend.namespace(est.tree_.value)
        dev = backend.device_of(est.tree_.value)
        dt = _default_float(xp, est.tree_.value)  # float64 wherever the device has it
        return {
            "ccp_alphas": xp.asarray(alphas, dtype=dt, device=dev),
            "impurities": xp.asarray(impurities, dtype=dt, device=dev),
        }


class DecisionTreeClassifier(ClassifierMixin, _BaseTree):
    """A classification tree: ID3 ('entropy'), C4.5 ('gain_ratio') or CART ('gini').

    Parameters
    ----------
    criterion : {"gini", "entropy", "gain_ratio"}
    max_depth : int or None
        None grows until the leaves are pure or too small.
    min_samples_split : int >= 2 or float in (0, 1]
        A node with fewer samples is a leaf (a fraction: ceil(f n)).
    min_samples_leaf : int >= 1 or float in (0, 1)
        Every child of a split keeps at least this many samples.
    min_impurity_decrease : float >= 0
        Split only when (n_t / N) Gain >= this.
    random_state : None or int
        Breaks exact ties between features (see the module docstring).
    ccp_alpha : float >= 0
        Complexity parameter of minimal cost-complexity pruning (0: no pruning).
    categorical_features : None, "all", column indices or a boolean mask
        Columns whose values are categories (strings or numbers).

    Attributes
    ----------
    classes_, n_classes_, n_features_in_, tree_ (structure.Tree), feature_importances_,
    categories_ (per column: the sorted categories, None for numeric columns).
    """

    _criteria = ("gini", "entropy", "gain_ratio")

    def __init__(
        self,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_impurity_decrease: float = 0.0,
        random_state: Any = None,
        ccp_alpha: float = 0.0,
        categorical_features: Any = None,
    ):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.random_state = random_state
        self.ccp_alpha = ccp_alpha
        self.categorical_features = categorical_features

    def fit(self, X: Any, y: Any) -> DecisionTreeClassifier:
        """Grow (and prune) the tree on X (n, F) and labels y (n,).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Training samples; the columns named by categorical_features hold categories.
        y : array, shape (n,)
            Class labels (at least two distinct values; numbers or strings).

        Returns
        -------
        self : DecisionTreeClassifier
            The fitted estimator.
        """
        encoded = self._encode_fit(X, self.categorical_features)  # validates X first
        Xc = encoded[0]
        n = Xc.shape[0]
        classes, codes = encode_classes(y, n, like=Xc)  # strings stay on the host
        if classes.shape[0] < 2:
            raise ValueError(
                f"y must hold at least 2 classes to fit a classifier, got only "
                f"{backend.to_numpy(classes).tolist()} (one class)"
            )
        self.classes_ = classes
        self.n_classes_ = int(classes.shape[0])
        xp = backend.namespace(Xc)
        if _default_float(xp, Xc) != xp.float64:
            # the criteria count integer codes in float64; a device without float64
            # (strict's no_float64) gets the codes as its own float (exact for any K)
            codes = xp.astype(codes, _default_float(xp, Xc))
        return self._grow(encoded, codes, self.n_classes_)

    def predict_proba(self, X: Any):
        """Class fractions of the leaf each sample reaches, (n, n_classes).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Samples with the fitted columns; categorical columns hold only categories seen
            in fit.

        Returns
        -------
        proba : array, shape (n, n_classes)
            p_k = n_k(leaf) / n(leaf), columns in the order of classes_.
        """
        leaf = self.apply(X)
        xp = backend.namespace(leaf)
        counts = xp.take(self.tree_.value, leaf, axis=0)
        return counts / xp.sum(counts, axis=1, keepdims=True)

    def predict(self, X: Any):
        """The majority class of each sample's leaf (the first class on ties), (n,).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Samples with the fitted columns; categorical columns hold only categories seen
            in fit.

        Returns
        -------
        y_pred : array, shape (n,)
            Labels drawn from classes_.
        """
        proba = self.predict_proba(X)
        xp = backend.namespace(proba)
        return decode_classes(self.classes_, xp.argmax(proba, axis=1))


class DecisionTreeRegressor(RegressorMixin, _BaseTree):
    """A regression tree (CART, squared error): leaves predict the mean of their targets.

    The arguments are those of DecisionTreeClassifier with ``criterion="squared_error"``;
    a node's impurity is the variance of its targets, (1/n_t) sum_i (y_i - ybar_t)^2.

    Parameters
    ----------
    criterion : {"squared_error"}
    max_depth : int or None
        None grows until the leaves are pure or too small.
    min_samples_split : int >= 2 or float in (0, 1]
        A node with fewer samples is a leaf (a fraction: ceil(f n)).
    min_samples_leaf : int >= 1 or float in (0, 1)
        Every child of a split keeps at least this many samples.
    min_impurity_decrease : float >= 0
        Split only when (n_t / N) (decrease of the variance) >= this.
    random_state : None or int
        Breaks exact ties between features (see the module docstring).
    ccp_alpha : float >= 0
        Complexity parameter of minimal cost-complexity pruning (0: no pruning).
    categorical_features : None, "all", column indices or a boolean mask
        Columns whose values are categories (strings or numbers).

    Attributes
    ----------
    n_features_in_, tree_ (structure.Tree, value (n_nodes, 1) the leaf means),
    feature_importances_, categories_ (per column: the sorted categories, None for
    numeric columns).
    """

    _criteria = ("squared_error",)

    def __init__(
        self,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_impurity_decrease: float = 0.0,
        random_state: Any = None,
        ccp_alpha: float = 0.0,
        categorical_features: Any = None,
    ):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.random_state = random_state
        self.ccp_alpha = ccp_alpha
        self.categorical_features = categorical_features

    def fit(self, X: Any, y: Any) -> DecisionTreeRegressor:
        """Grow (and prune) the tree on X (n, F) and targets y (n,).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Training samples; the columns named by categorical_features hold categories.
        y : array, shape (n,)
            Real-valued, finite targets.

        Returns
        -------
        self : DecisionTreeRegressor
            The fitted estimator.
        """
        encoded = self._encode_fit(X, self.categorical_features)
        Xc = encoded[0]
        y = check_labels(y, Xc.shape[0], like=Xc)  # 1-D (a column vector with a warning)
        y = check_array(y, name="y", ndim=1, like=Xc)  # numeric and finite
        xp = backend.namespace(Xc)
        return self._grow(encoded, xp.astype(y, Xc.dtype), 0)

    def predict(self, X: Any):
        """The mean target of each sample's leaf, (n,).

        Parameters
        ----------
        X : array of shape (n, F), or host rows holding strings
            Samples with the fitted columns; categorical columns hold only categories seen
            in fit.

        Returns
        -------
        y_pred : array, shape (n,)
            The mean of the training targets in each sample's leaf.
        """
        leaf = self.apply(X)
        xp = backend.namespace(leaf)
        return xp.take(self.tree_.value[:, 0], leaf)
