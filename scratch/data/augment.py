r"""Image augmentation on the device: random shifts, horizontal flips and small rotations.

In the spirit of Keras' ImageDataGenerator. Every output pixel p = (i, j) is pulled
from a source pixel by the inverse map (nearest neighbour, zero outside the image):
    j' = W - 1 - j if flipped else j                   (horizontal flip)
    u  = (i - c_i - t_i, j' - c_j - t_j)               (undo the shift t, centre c)
    s  = R(-theta) u + c,  R(-theta) = [[cos, sin], [-sin, cos]]   (undo the rotation)
    out[p] = in[round(s)]  if round(s) lies in the image, else 0.
theta, t and the flip are drawn per image from ``rng``. The gather is one ``xp.take``
on the flattened batch, so the batch never leaves its device. With zero ranges and no
flip the map is the identity exactly (cos 0 = 1, sin 0 = 0, i - c + c = i).

Images are (N, C, H, W), or flat (N, H*W) with ``image_shape=(H, W)`` (digits: 8x8).
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..backend import Rng


class Augment:
    """A random shift / flip / rotation applied per image: ``augment(X, rng) -> X``.

    Parameters
    ----------
    rotation_range : float
        Maximum rotation in degrees; theta ~ U(-rotation_range, rotation_range).
    width_shift_range, height_shift_range : float
        Maximum shift, as a fraction of the width/height when < 1, else in pixels;
        t ~ U(-range, range).
    horizontal_flip : bool
        Flip each image left-right with probability 1/2.
    image_shape : (H, W), optional
        For flat input (N, H*W); default (8, 8) when the input is (N, 64).
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        horizontal_flip: bool = False,
        image_shape: tuple[int, int] | None = None,
    ):
        for name, v in (
            ("rotation_range", rotation_range),
            ("width_shift_range", width_shift_range),
            ("height_shift_range", height_shift_range),
        ):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < math.inf:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        self.rotation_range = float(rotation_range)
        self.width_shift_range = float(width_shift_range)
        self.height_shift_range = float(height_shift_range)
        self.horizontal_flip = bool(horizontal_flip)
        self.image_shape = image_shape

    def _layout(self, X) -> tuple[int, int, int, int]:
        shape = tuple(X.shape)
        if len(shape) == 4:
            return shape
        if len(shape) == 2:
            hw = self.image_shape or ((8, 8) if shape[1] == 64 else None)
            if hw is None or hw[0] * hw[1] != shape[1]:
                raise ValueError(
                    f"flat input of shape {shape} needs image_shape=(H, W) with H*W = {shape[1]}"
                )
            return shape[0], 1, hw[0], hw[1]
        raise ValueError(f"X must be (N, C, H, W) or flat (N, H*W), got shape {shape}")

    def __call__(self, X: Any, rng: Rng) -> Any:
        xp = backend.namespace(X)
        if not xp.isdtype(X.dtype, "real floating"):
            raise TypeError(f"X must be a floating array, got dtype {X.dtype}")
        N, C, H, W = self._layout(X)
        dt, dev = X.dtype, backend.device_of(X)

        def draw(high):  # U(-high, high) per image, on the device, in X's dtype
            u = rng.uniform(-1.0, 1.0, size=(N, 1), dtype=dt)
            return u * high

        theta = draw(self.rotation_range * math.pi / 180.0)
        t_i = draw(self.height_shift_range * (H if self.height_shift_range < 1 else 1.0))
        t_j = draw(self.width_shift_range * (W if self.width_shift_range < 1 else 1.0))
        pix = xp.arange(H * W, dtype=xp.int64, device=dev)
        i = xp.astype(pix // W, dt)[None, :]  # (1, H*W) output row and column
        j = xp.astype(pix % W, dt)[None, :]
        if self.horizontal_flip:
            flip = rng.uniform(0.0, 1.0, size=(N, 1), dtype=dt) < 0.5
            j = xp.where(flip, (W - 1) - j, j)
        c_i, c_j = (H - 1) / 2.0, (W - 1) / 2.0
        u_i, u_j = i - c_i - t_i, j - c_j - t_j
        cos, sin = xp.cos(theta), xp.sin(theta)
        s_i = xp.round(cos * u_i + sin * u_j + c_i)
        s_j = xp.round(-sin * u_i + cos * u_j + c_j)
        inside = (s_i >= 0) & (s_i <= H - 1) & (s_j >= 0) & (s_j <= W - 1)
        s_i = xp.astype(xp.clip(s_i, 0, H - 1), xp.int64)
        s_j = xp.astype(xp.clip(s_j, 0, W - 1), xp.int64)
        n = xp.arange(N, dtype=xp.int64, device=dev)[:, None]
        src = xp.reshape(n * (H * W) + s_i * W + s_j, (-1,))  # (N*H*W,) into the flat batch
        pixels = xp.reshape(xp.permute_dims(xp.reshape(X, (N, C, H * W)), (0, 2, 1)), (-1, C))
        moved = xp.reshape(xp.take(pixels, src, axis=0), (N, H * W, C))
        moved = xp.where(inside[:, :, None], moved, xp.zeros_like(moved))
        out = xp.permute_dims(moved, (0, 2, 1))
        return xp.reshape(out, tuple(X.shape))
