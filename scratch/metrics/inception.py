r"""Inception Score: how confident and how varied a classifier finds a set of samples.

For samples x with class posteriors p(y|x) and their marginal p(y) = E_x[p(y|x)]
(Salimans et al. 2016),

    IS = exp( E_x[ KL(p(y|x) || p(y)) ] ),
    KL(p(y|x) || p(y)) = sum_y p(y|x) (ln p(y|x) - ln p(y)).

E_x KL(p(y|x) || p(y)) is the mutual information I(x; y) = H(y) - H(y|x), so
1 <= IS <= C for C classes: IS = 1 when every p(y|x) equals p(y) (uniform predictions
carry no information), IS = C when each prediction is one-hot and the classes are
balanced (H(y) = ln C, H(y|x) = 0). Terms with p(y|x) = 0 contribute 0 (x ln x -> 0).

As in the original code the N samples are cut into ``splits`` consecutive parts
[i N / splits, (i + 1) N / splits); p(y) and the score are computed within each part, and
the mean and the (population, ddof = 0) standard deviation over the parts are reported.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..validation import check_array
from ._linalg import float_tolerance

__all__ = ["inception_score", "check_probabilities"]


def check_probabilities(probs: Any, name: str = "probs"):
    """probs (N, C): finite, >= 0, rows summing to 1 within sqrt(eps) * C."""
    P = check_array(probs, name=name, ndim=2)
    xp = backend.namespace(P)
    # host decisions: a clear error instead of a NaN score
    if not bool(backend.to_numpy(xp.all(P >= 0))):
        raise ValueError(f"{name} must be non-negative (class probabilities)")
    err = float(backend.to_numpy(xp.max(xp.abs(xp.sum(P, axis=1) - 1.0))))
    if err > float_tolerance(xp, P.dtype) * P.shape[1]:
        raise ValueError(
            f"each row of {name} must sum to 1 (class probabilities); the worst row is "
            f"off by {err:.3g}"
        )
    return P


def inception_score(probs: Any, splits: int = 10):
    r"""exp(E_x KL(p(y|x) || p(y))): mean and std over ``splits`` parts of the samples.

    Parameters
    ----------
    probs : array, shape (N, C)
        Row n is the classifier's p(y | x_n) (non-negative, summing to 1).
    splits : int
        Number of consecutive parts, 1 <= splits <= N.

    Returns
    -------
    (mean, std) : two 0-d arrays on probs' backend
        The mean and population standard deviation of the per-part scores.

    Raises
    ------
    ValueError
        For an empty or non-2-D probs, negative entries, rows not summing to 1, NaN,
        or a bad ``splits``.
    """
    P = check_probabilities(probs)
    n = P.shape[0]
    if isinstance(splits, bool) or not isinstance(splits, int) or not 1 <= splits <= n:
        raise ValueError(
            f"splits must be an int in [1, {n}] (the number of samples), got {splits!r}"
        )
    xp = backend.namespace(P)
    scores = []
    for i in range(splits):
        part = P[i * n // splits : (i + 1) * n // splits, :]
        p_y = xp.mean(part, axis=0, keepdims=True)  # the marginal p(y) of this part
        positive = part > 0  # then p(y) > 0 too; elsewhere log(1) = 0 keeps NaN out
        log_ratio = xp.log(xp.where(positive, part, 1.0)) - xp.log(xp.where(p_y > 0, p_y, 1.0))
        kl = xp.sum(xp.where(positive, part * log_ratio, 0.0), axis=1)
        scores.append(xp.exp(xp.mean(kl)))
    s = xp.stack(scores)
    return xp.mean(s), xp.std(s)
