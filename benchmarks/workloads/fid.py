"""FID of two feature sets: symmetric eigenproblems against SciPy's sqrtm (pytorch-fid).

Both compute, from two (n, d) feature arrays, the means, the unbiased covariances
(numpy.cov) and d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
Ours (scratch.metrics.fid) takes the trace of the square root from one Cholesky factor
A of S1 (an eigh root when S1 is singular) and one eigvalsh of A^T S2 A (A A^T = S1); the
peer "scipy" is the formula pytorch-fid and
torch-fidelity compute: scipy.linalg.sqrtm of the non-symmetric S1 S2 (a complex Schur
decomposition), its real part, then the trace. Both values agree to 1e-6 relative
(tests/metrics/test_frechet.py).

Data: two sets of n = 10,000 features in d = 2048 dimensions (the Inception-v3 pool3
size), each a rank-64 signal plus isotropic noise, with a shifted mean and a perturbed
factor in the second set (fixed seed, the same numbers for us and the peer).

FLOPs of one call: two covariances (2 n d^2 each) dominate, plus the d x d products.
"""

from __future__ import annotations

import numpy as np

from . import Workload


def _data(size):
    rng = np.random.default_rng(5)
    n, d, r = size["n"], size["d"], 64
    W = rng.standard_normal((r, d)) / np.sqrt(r)
    W2 = W + 0.3 * rng.standard_normal((r, d)) / np.sqrt(r)
    X1 = rng.standard_normal((n, r)) @ W + 0.5 * rng.standard_normal((n, d))
    X2 = rng.standard_normal((n, r)) @ W2 + 0.5 * rng.standard_normal((n, d)) + 0.1
    return X1, X2


def _ours(bk, size):
    from scratch.metrics import fid

    X1, X2 = (bk.asarray(a, dtype=bk.float) for a in _data(size))
    return lambda: fid(X1, X2)


def scipy_fid(X1: np.ndarray, X2: np.ndarray) -> float:
    """pytorch-fid's calculate_frechet_distance on numpy.cov statistics (eps = 1e-6 retry)."""
    from scipy import linalg

    mu1, mu2 = X1.mean(axis=0), X2.mean(axis=0)
    s1, s2 = np.cov(X1, rowvar=False), np.cov(X2, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _scipy(size, device="cpu"):
    import scipy  # noqa: F401 - ImportError when SciPy is missing: the row says so

    if device != "cpu":
        return None
    X1, X2 = _data(size)
    return lambda: scipy_fid(X1, X2)


def _flops(size):
    n, d = size["n"], size["d"]
    return 2 * 2.0 * n * d * d


WORKLOADS = [
    Workload(
        name="fid",
        family="metrics",
        sizes={
            "full": {"n": 10000, "d": 2048},
            "quick": {"n": 2000, "d": 512},
            "tiny": {"n": 100, "d": 16},
        },
        make=_ours,
        peers={"scipy": _scipy},
        flops=_flops,
        dtype="float64",
        description="fid of two 10,000 x 2048 feature sets (mean, covariance, trace of sqrt)",
    )
]
