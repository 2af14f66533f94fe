"""Plots for generative models: image grids, 2-D samples over a density, loss curves.

Everything here takes host NumPy arrays (the caller moves them with ``to_numpy``) and
writes a PNG atomically (``scratch.io.save_figure``), with matplotlib's Agg canvas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..io import save_figure

__all__ = ["plot_image_grid", "plot_samples_2d", "plot_loss_curves"]


def plot_image_grid(
    images: np.ndarray,
    path: str | Path,
    title: str = "",
    image_shape: tuple[int, int] | None = None,
    ncols: int | None = None,
) -> None:
    """Tile ``images`` (n, H, W), (n, 1, H, W) or (n, H*W) with ``image_shape``) in gray.

    Values are shown on [0, 1] (black 0, white 1), the range of the digits / 16.
    """
    from matplotlib.figure import Figure

    imgs = np.asarray(images, dtype=np.float64)
    n = imgs.shape[0]
    if image_shape is not None:
        imgs = imgs.reshape(n, *image_shape)
    imgs = imgs.reshape(n, imgs.shape[-2], imgs.shape[-1])
    H, W = imgs.shape[1:]
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    canvas = np.ones((nrows * (H + 1) + 1, ncols * (W + 1) + 1))
    for k in range(n):
        r, c = divmod(k, ncols)
        canvas[1 + r * (H + 1) : 1 + r * (H + 1) + H, 1 + c * (W + 1) : 1 + c * (W + 1) + W] = imgs[
            k
        ]
    fig = Figure(figsize=(max(2.5, 0.6 * ncols * W / 8), max(2.5, 0.6 * nrows * H / 8 + 0.3)))
    ax = fig.subplots()
    ax.imshow(np.clip(canvas, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def plot_samples_2d(
    samples: np.ndarray,
    path: str | Path,
    density: Callable[[np.ndarray], np.ndarray] | None = None,
    title: str = "",
    lim: float = 3.0,
    modes: np.ndarray | None = None,
) -> None:
    """Scatter 2-D ``samples`` (n, 2) over the target ``density`` (shaded), modes as crosses."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6, 4.6))
    ax = fig.subplots()
    if density is not None:
        t = np.linspace(-lim, lim, 120)
        gx, gy = np.meshgrid(t, t)
        p = density(np.stack([gx, gy], axis=-1))
        ax.contourf(gx, gy, np.log1p(p), levels=20, cmap="Blues")
    s = np.asarray(samples)
    ax.scatter(s[:, 0], s[:, 1], s=3, color="C3", alpha=0.5, label="samples")
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", color="k", s=30, label="modes")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def plot_loss_curves(
    history: dict[str, list[float]], keys: list[str], path: str | Path, title: str = ""
) -> None:
    """One panel per key of ``history`` (lists, one value per epoch) against the epoch."""
    from matplotlib.figure import Figure

    keys = [k for k in keys if k in history and history[k]]
    fig = Figure(figsize=(3.6 * max(1, len(keys)), 3.2))
    axes = fig.subplots(1, max(1, len(keys)), squeeze=False)[0]
    for ax, k in zip(axes, keys):
        y = np.asarray(history[k], dtype=np.float64)
        ax.plot(np.arange(1, len(y) + 1), y, marker="o", ms=3)
        ax.set_xlabel("epoch")
        ax.set_title(k, fontsize=9)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    save_figure(fig, path)
