"""Classic estimators with scikit-learn's conventions."""

from .cluster import KMeans  # noqa: F401
from .decomposition import PCA, LinearDiscriminantAnalysis  # noqa: F401
from .genetic import GeneticAlgorithm  # noqa: F401
from .hmm import CategoricalHMM, GaussianHMM  # noqa: F401
from .mixture import GaussianMixture, ThreeCoinEM  # noqa: F401
from .svm import SVC  # noqa: F401
from .tree import (  # noqa: F401
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    export_dot,
    export_text,
)
