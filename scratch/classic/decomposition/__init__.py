"""Linear projections: PCA (unsupervised) and Fisher's LDA (supervised)."""

from .lda import LinearDiscriminantAnalysis, fisher_criterion, scatter_matrices  # noqa: F401
from .pca import PCA, flip_signs  # noqa: F401
