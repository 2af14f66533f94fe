"""Measuring Gaussians and generative models: KL, Frechet distance / FID, IS, W1.

One file per idea: ``gaussian`` (KL between Gaussians), ``frechet`` (Frechet distance,
FID), ``inception`` (Inception Score), ``wasserstein`` (1-D W1), ``digits`` (FID and IS
measured by the digits CNN shipped in the package).
"""

from .digits import digits_fid, digits_inception_score
from .frechet import fid, frechet_distance
from .gaussian import kl_gaussian
from .inception import inception_score
from .wasserstein import wasserstein_1d

__all__ = [
    "kl_gaussian",
    "frechet_distance",
    "fid",
    "inception_score",
    "wasserstein_1d",
    "digits_fid",
    "digits_inception_score",
]
