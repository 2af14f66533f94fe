"""The estimator protocol scikit-learn's tools rely on: params, repr, tags, the mixins.

scikit-learn's ``clone``, ``Pipeline`` and ``GridSearchCV`` never look inside an
estimator: they read its constructor arguments with ``get_params()``, build a fresh
copy with ``type(est)(**params)`` and change arguments with ``set_params``. That works
because ``__init__`` stores every argument unchanged under its own name (the rule
every estimator here follows), so the parameter names are the constructor's.
scikit-learn stays a test dependency: nothing here imports it at module level.

Tags. scikit-learn's tools (``check_estimator``, ``is_classifier``, ``GridSearchCV``'s
scoring, ``cross_val_score``'s stratification) ask an estimator what it is through
``__sklearn_tags__``, which must return scikit-learn's own ``Tags`` dataclass. Only
scikit-learn calls that method, so it imports scikit-learn lazily, inside. What an
estimator is comes from small class attributes set by our own mixins below
(``_estimator_kind``) and by the estimator (``_preserves_dtype``, ``_pairwise``).

Mixins (our code, the conventions of scikit-learn's):

* ``ClassifierMixin``: ``score`` = accuracy (1/n) sum_i [predict(x_i) == y_i];
* ``RegressorMixin``: ``score`` = R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2;
* ``TransformerMixin``: ``fit_transform(X, y)`` = ``fit(X, y).transform(X)``;
* ``ClusterMixin``: ``fit_predict(X)`` = ``fit(X).labels_``;
* ``DensityMixin``: marks a density estimator (``score`` is a mean log-likelihood).

Mixins go before ``BaseEstimator`` in the bases, as in scikit-learn.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import backend
from ._labels import host_accuracy, is_host_strings


class BaseEstimator:
    """get_params / set_params / __repr__ from the constructor's signature, and the tags.

    Class attributes read by ``__sklearn_tags__`` (set by the mixins or the estimator):
    ``_estimator_kind`` (None, "classifier", "regressor", "clusterer",
    "density_estimator", "transformer"), ``_requires_y`` (fit needs y; default: for
    classifiers and regressors), ``_preserves_dtype`` (float dtypes ``transform`` keeps),
    ``_non_deterministic``.
    """

    _estimator_kind: str | None = None
    _requires_y: bool | None = None
    _preserves_dtype: tuple[str, ...] = ("float64", "float32")
    _non_deterministic: bool = False

    def _pairwise(self) -> bool:
        """True when fit takes a precomputed (n, n) kernel or distance matrix."""
        return getattr(self, "kernel", None) == "precomputed"

    def __sklearn_tags__(self):
        """scikit-learn's Tags for this estimator (only scikit-learn calls this)."""
        from sklearn.utils import (  # lazy: scikit-learn is not a runtime dependency
            ClassifierTags,
            InputTags,
            RegressorTags,
            Tags,
            TargetTags,
            TransformerTags,
        )

        kind = self._estimator_kind
        required = self._requires_y
        if required is None:
            required = kind in ("classifier", "regressor")
        has_transform = hasattr(type(self), "transform")
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=required),
            transformer_tags=(
                TransformerTags(preserves_dtype=list(self._preserves_dtype))
                if has_transform
                else None
            ),
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
            regressor_tags=RegressorTags() if kind == "regressor" else None,
            non_deterministic=self._non_deterministic,
            input_tags=InputTags(pairwise=self._pairwise()),
        )

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments by name (with ``deep``, nested estimators' as ``a__b``).

        Parameters
        ----------
        deep : bool
            Also list the parameters of nested estimators, as ``name__param``.
        """
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments (``a__b`` reaches into a nested estimator); returns self."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters: {', '.join(valid)}"
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``Name(arg=value, ...)`` with the arguments that differ from their defaults."""
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, default)
            if not _same(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


class ClassifierMixin:
    """A classifier: ``score`` is the mean accuracy."""

    _estimator_kind = "classifier"

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy (1/n) sum_i [predict(x_i) == y_i] on (X, y), a host float.

        Parameters
        ----------
        X : array (n, d)
        y : array (n,)
            The true labels (strings for a model fitted on strings).

        Returns
        -------
        float
        """
        from ..validation import check_labels

        p = self.predict(X)
        if is_host_strings(p):  # string classes: compared on the host, where they live
            return host_accuracy(p, y)
        xp = backend.namespace(p)
        y = check_labels(y, p.shape[0], like=p)
        # one host scalar: the score is reported as a Python float, as scikit-learn's
        hits = int(backend.to_numpy(xp.sum(xp.astype(p == y, xp.int64))))
        return hits / p.shape[0]


class RegressorMixin:
    """A regressor: ``score`` is the coefficient of determination R^2."""

    _estimator_kind = "regressor"

    def score(self, X: Any, y: Any) -> float:
        """R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2 on (X, y), a host float.

        A constant y (sum (y - mean y)^2 = 0) gives 1.0 for a perfect prediction and
        0.0 otherwise, as scikit-learn's ``r2_score``.

        Parameters
        ----------
        X : array (n, d)
        y : array (n,)
            The true targets.

        Returns
        -------
        float
        """
        from ..validation import check_array

        p = self.predict(X)
        xp = backend.namespace(p)
        y = xp.astype(check_array(y, name="y", ndim=1, like=p), p.dtype)
        if y.shape[0] != p.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {p.shape[0]} samples")
        # two host scalars: the score is a Python float
        ss_res = float(backend.to_numpy(xp.sum((y - p) ** 2)))
        ss_tot = float(backend.to_numpy(xp.sum((y - xp.mean(y)) ** 2)))
        if ss_tot == 0.0:
            return 1.0 if ss_res == 0.0 else 0.0
        return 1.0 - ss_res / ss_tot


class TransformerMixin:
    """A transformer: ``fit_transform`` = ``fit`` then ``transform``."""

    _estimator_kind = "transformer"

    def fit_transform(self, X: Any, y: Any = None):
        """fit(X, y).transform(X).

        Parameters
        ----------
        X : array (n, d)
        y : array (n,) or None
            Passed to ``fit``.
        """
        return self.fit(X, y).transform(X)


class ClusterMixin:
    """A clusterer: ``fit_predict`` returns the training labels ``labels_``."""

    _estimator_kind = "clusterer"

    def fit_predict(self, X: Any, y: Any = None):
        """fit(X).labels_, shape (n,).

        Parameters
        ----------
        X : array (n, d)
        y : ignored
        """
        return self.fit(X).labels_


class DensityMixin:
    """A density estimator: ``score`` is a mean log-likelihood."""

    _estimator_kind = "density_estimator"


def _same(value: Any, default: Any) -> bool:
    """value is default, or equal to it as a plain Python value (arrays never are)."""
    if value is default:
        return True
    if isinstance(value, (int, float, str, bool, type(None), tuple)):
        try:
            return bool(type(value) is type(default) and value == default)
        except Exception:  # noqa: BLE001 - an odd __eq__ counts as different
            return False
    return False
