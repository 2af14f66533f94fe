r"""Toy 2-D distributions for generative models, and how many of their modes a sampler hits.

- ``ring8``: a mixture of 8 equal isotropic Gaussians N(m_k, s^2 I) with means on the circle
  of radius 2, m_k = 2 (cos(2 pi k / 8), sin(2 pi k / 8)), s = 0.05.
- ``grid25``: 25 equal isotropic Gaussians on the grid {-2, -1, 0, 1, 2}^2, s = 0.05.
- ``swissroll``: the 2-D swiss roll: t = 1.5 pi (1 + 2 u), u ~ U[0, 1),
  x = (t cos t, t sin t) / 5 + N(0, s^2 I), s = 0.05 (no modes).

A mixture draws its component k ~ U{0..K-1} and adds s * eps, eps ~ N(0, I), all on the
device of the chosen backend. The mixture density, for plots, is
    p(x) = (1/K) sum_k N(x; m_k, s^2 I) = (1/K) sum_k exp(-||x - m_k||^2 / (2 s^2)) / (2 pi s^2).

Mode coverage (as in the unrolled-GAN and VEEGAN papers): a sample is *high quality* when
it lies within ``n_std`` standard deviations of its nearest mode, ||x - m_k|| <= n_std s;
a mode is *hit* when it receives at least ``min_share`` of its fair share n / K of the
high-quality samples. A sampler that collapses to a few modes hits few of them even when
all its samples are good; a blurry one hits all modes with a low high-quality share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import backend
from ..backend import Backend, Rng

__all__ = ["TOY_2D", "Toy2D", "Coverage", "toy_2d", "toy_density", "mode_coverage"]


@dataclass(frozen=True)
class Toy2D:
    """A toy distribution: its modes (K, 2) on the host (None for the swiss roll) and s."""

    name: str
    modes: np.ndarray | None
    std: float


def _ring(k: int = 8, radius: float = 2.0) -> np.ndarray:
    angle = 2.0 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _grid(side: int = 5, spacing: float = 1.0) -> np.ndarray:
    c = spacing * (np.arange(side) - (side - 1) / 2.0)
    gx, gy = np.meshgrid(c, c, indexing="ij")
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


TOY_2D: dict[str, Toy2D] = {
    "ring8": Toy2D("ring8", _ring(), 0.05),
    "grid25": Toy2D("grid25", _grid(), 0.05),
    "swissroll": Toy2D("swissroll", None, 0.05),
}


def _toy(name: str) -> Toy2D:
    if name not in TOY_2D:
        raise ValueError(f"name must be one of {', '.join(TOY_2D)}, got {name!r}")
    return TOY_2D[name]


def toy_2d(
    name: str,
    n: int,
    *,
    backend: str | Backend | None = None,
    rng: int | Rng | None = None,
    dtype: Any = None,
):
    """n samples (n, 2) of the toy distribution ``name`` on ``backend``'s device.

    Parameters
    ----------
    name : 'ring8', 'grid25' or 'swissroll'
    n : int
    backend : str or Backend, optional
    rng : int or Rng, optional
        Seed or generator (reproducible per seed).
    dtype : optional (default the backend's float)

    Returns
    -------
    array (n, 2)
    """
    from ..backend import resolve as resolve_backend
    from ..backend import resolve_rng

    toy = _toy(name)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    bk = resolve_backend(backend)
    gen = resolve_rng(bk, rng)
    xp = bk.xp
    dt = dtype or bk.float
    noise = toy.std * gen.normal(size=(n, 2), dtype=dt)
    if toy.modes is None:  # the swiss roll: a noisy spiral curve
        t = (1.5 * math.pi) * (1.0 + 2.0 * gen.uniform(size=(n,), dtype=dt))
        curve = xp.stack([t * xp.cos(t), t * xp.sin(t)], axis=1) / 5.0
        return curve + noise
    modes = bk.asarray(toy.modes, dtype=dt)
    k = gen.integers(0, toy.modes.shape[0], size=(n,))
    return xp.take(modes, k, axis=0) + noise


def toy_density(name: str, points: np.ndarray) -> np.ndarray:
    """p(x) of the module docstring at host ``points`` (..., 2), for plots (host NumPy).

    The swiss roll has no closed form here: its density is estimated by a Gaussian kernel
    density (bandwidth s) over 600 points of the noiseless curve.
    """
    toy = _toy(name)
    pts = np.asarray(points, dtype=np.float64)
    s2 = toy.std**2
    if toy.modes is None:
        t = 1.5 * np.pi * (1.0 + 2.0 * np.linspace(0.0, 1.0, 600))
        centres = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 5.0
    else:
        centres = toy.modes
    total = np.zeros(pts.shape[:-1])
    for lo in range(0, centres.shape[0], 64):  # chunks of centres: memory O(points)
        d2 = np.sum((pts[..., None, :] - centres[lo : lo + 64]) ** 2, axis=-1)
        total += np.sum(np.exp(-d2 / (2 * s2)), axis=-1)
    return total / (centres.shape[0] * 2 * np.pi * s2)


@dataclass
class Coverage:
    """Result of ``mode_coverage``: modes hit of n_modes, share of high-quality samples."""

    modes_hit: int
    n_modes: int
    high_quality: float
    counts: list[int] = field(default_factory=list)


def mode_coverage(samples: Any, name: str, n_std: float = 3.0, min_share: float = 0.25) -> Coverage:
    """How many modes of the mixture ``name`` the ``samples`` (n, 2) hit (module docstring).

    Computed on the samples' device; the counts come to the host once at the end.

    Parameters
    ----------
    samples : array (n, 2) of any backend
    name : 'ring8' or 'grid25'
    n_std : float
        High quality: within n_std standard deviations of the nearest mode.
    min_share : float
        A mode is hit with >= min_share * (n / K) high-quality samples.

    Returns
    -------
    Coverage
    """
    toy = _toy(name)
    if toy.modes is None:
        raise ValueError(f"{name!r} has no modes; mode coverage needs 'ring8' or 'grid25'")
    if not backend.is_array(samples) or samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must be an array of shape (n, 2), got {samples!r:.80}")
    xp = backend.namespace(samples)
    n, K = samples.shape[0], toy.modes.shape[0]
    modes = backend.asarray_like(toy.modes, samples)
    d2 = xp.sum((samples[:, None, :] - modes[None, :, :]) ** 2, axis=-1)  # (n, K)
    nearest = xp.argmin(d2, axis=1)
    good = xp.min(d2, axis=1) <= (n_std * toy.std) ** 2
    k = xp.arange(K, dtype=nearest.dtype, device=backend.device_of(samples))
    hits = (nearest[:, None] == k[None, :]) & good[:, None]
    counts = backend.to_numpy(xp.sum(xp.astype(hits, xp.int64), axis=0))  # the one transfer
    hit = int(np.sum(counts >= min_share * n / K))
    return Coverage(hit, K, float(counts.sum()) / n, [int(c) for c in counts])
