"""Classic estimators with scikit-learn's conventions."""

from .em import ThreeCoinEM  # noqa: F401
from .gmm import GaussianMixture  # noqa: F401
from .hmm import CategoricalHMM  # noqa: F401
from .hmm_gaussian import GaussianHMM  # noqa: F401
from .kmeans import KMeans  # noqa: F401
from .lda import LinearDiscriminantAnalysis  # noqa: F401
from .pca import PCA  # noqa: F401
from .svm import SVC  # noqa: F401
