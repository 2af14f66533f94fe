"""Latent-variable models fitted by EM: the Gaussian mixture and the three-coin model.

``gaussian.py`` holds the Gaussian pieces (weighted moments, log-density through the
precision Cholesky factor) shared with ``scratch.classic.hmm.GaussianHMM``.
"""

from .em import ThreeCoinEM  # noqa: F401
from .gmm import COVARIANCE_TYPES, GaussianMixture  # noqa: F401
