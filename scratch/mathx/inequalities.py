r"""Markov's and Chebyshev's inequalities, and an empirical check of both.

Markov: for X >= 0 and a > 0,   P(X >= a) <= E[X] / a.
  Proof: a 1{X >= a} <= X pointwise (both sides are >= 0, and X >= a where the left
  side is a); take expectations.
Chebyshev: for finite variance sigma^2 > 0 and k > 0,   P(|X - mu| >= k sigma) <= 1 / k^2.
  Proof: Markov applied to (X - mu)^2 >= 0 at a = k^2 sigma^2.

On samples x_1..x_n both inequalities hold exactly for the empirical distribution
(mass 1/n on each sample) when mu, sigma are its own mean and standard deviation
(ddof = 0), because the proofs above hold for every distribution. That is what
``empirical_check`` compares: the bound against the empirical tail frequency, with no
statistical slack needed. For the true distribution the sample mean and variance are
estimates, so the bound computed from them is only approximately the true bound.
"""

from __future__ import annotations

from typing import Any, Literal

from .. import backend
from ..validation import check_array

__all__ = ["markov_bound", "chebyshev_bound", "empirical_tail", "empirical_check"]


def _thresholds(t: Any, like: Any, name: str):
    """A scalar or 1-D array of thresholds on ``like``'s device, all > 0."""
    xp = backend.namespace(like)
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        t = xp.asarray(float(t), dtype=like.dtype, device=backend.device_of(like))
    else:
        t = xp.astype(check_array(t, name=name, ndim=(0, 1), min_samples=0, like=like), like.dtype)
    # one host decision: the inequalities are stated for positive thresholds only
    if not bool(backend.to_numpy(xp.all(t > 0))):
        raise ValueError(f"{name} must be > 0")
    return t


def _samples(samples: Any):
    x = check_array(samples, name="samples", ndim=1)
    return x, backend.namespace(x)


def markov_bound(samples: Any, a: Any):
    """Markov's bound E[X] / a on P(X >= a), with E[X] the sample mean.

    Parameters
    ----------
    samples : array, shape (n,)
        Non-negative samples of X.
    a : float or array of shape (m,)
        Thresholds, > 0.

    Returns
    -------
    array, shape () or (m,)
        E[X] / a (not clipped at 1: a bound above 1 says nothing, and shows it).
    """
    x, xp = _samples(samples)
    # one host decision: Markov needs X >= 0
    if not bool(backend.to_numpy(xp.all(x >= 0))):
        raise ValueError("samples must be non-negative for Markov's inequality")
    a = _thresholds(a, x, "a")
    return xp.mean(x) / a


def chebyshev_bound(samples: Any, k: Any):
    """Chebyshev's bound 1 / k^2 on P(|X - mu| >= k sigma).

    Parameters
    ----------
    samples : array, shape (n,)
        Samples of X; they must not all be equal (sigma > 0).
    k : float or array of shape (m,)
        Multiples of the standard deviation, > 0.

    Returns
    -------
    array, shape () or (m,)
        1 / k^2, on the samples' device.
    """
    x, xp = _samples(samples)
    _sigma(x, xp)
    k = _thresholds(k, x, "k")
    return 1.0 / (k * k)


def _sigma(x, xp):
    mu = xp.mean(x)
    sigma = xp.sqrt(xp.mean((x - mu) ** 2))  # ddof = 0: the empirical distribution's own
    # one host decision: Chebyshev is stated for sigma > 0
    if not float(backend.to_numpy(sigma)) > 0:
        raise ValueError("samples have zero variance: Chebyshev's inequality needs sigma > 0")
    return mu, sigma


def empirical_tail(samples: Any, t: Any, kind: Literal["markov", "chebyshev"] = "markov"):
    """The empirical probability of the event each bound is about.

    markov: (1/n) #{i: x_i >= a};  chebyshev: (1/n) #{i: |x_i - mu| >= k sigma}, with the
    sample mean mu and standard deviation sigma (ddof = 0).
    """
    x, xp = _samples(samples)
    t = _thresholds(t, x, "a" if kind == "markov" else "k")
    if kind == "markov":
        event = x[:, None] >= xp.reshape(t, (1, -1))
    elif kind == "chebyshev":
        mu, sigma = _sigma(x, xp)
        event = xp.abs(x - mu)[:, None] >= xp.reshape(t, (1, -1)) * sigma
    else:
        raise ValueError(f"kind must be 'markov' or 'chebyshev', got {kind!r}")
    p = xp.mean(xp.astype(event, x.dtype), axis=0)
    return xp.reshape(p, t.shape)


def empirical_check(samples: Any, t: Any, kind: Literal["markov", "chebyshev"] = "markov"):
    """(bound, empirical probability) for Markov (t = a) or Chebyshev (t = k).

    Parameters
    ----------
    samples : array, shape (n,)
    t : float or array of shape (m,)
    kind : {"markov", "chebyshev"}

    Returns
    -------
    (bound, empirical) : two arrays of shape () or (m,); bound >= empirical always.
    """
    if kind == "markov":
        bound = markov_bound(samples, t)
    elif kind == "chebyshev":
        bound = chebyshev_bound(samples, t)
    else:
        raise ValueError(f"kind must be 'markov' or 'chebyshev', got {kind!r}")
    return bound, empirical_tail(samples, t, kind)
