r"""The networks the generative models are built from: MLPs, and DCGAN-style convnets.

For data of shape (C, H, W) with H and W divisible by 4 (the 8x8 digits: C = 1):

- conv encoder / discriminator: two stride-2 convolutions halve the side twice,
      (C, H, W) -> (c, H/2, W/2) -> (2c, H/4, W/4) -> flatten -> Linear(.., n_out),
  with LeakyReLU(0.2) (Radford et al. 2016: no pooling, strided convolutions instead);
- conv decoder / DCGAN generator: the mirror image, upsampling with transposed
  convolutions (kernel 4, stride 2, padding 1 doubles the side exactly:
  H_out = (H_in - 1) 2 - 2 + 4 = 2 H_in),
      z -> Linear -> (2c, H/4, W/4) -> ConvTranspose2d -> (c, H/2, W/2) -> ConvTranspose2d
      -> (C, H, W),
  with BatchNorm and ReLU inside the generator (the DCGAN recipe), none on its output;
- MLPs for vectors (the 2-D toy data): Linear - act - Linear - act - Linear.

Every builder takes ``backend``, ``dtype`` and ``rng`` like the layers do.
"""

from __future__ import annotations

from typing import Any

from .. import nn
from ..autograd import Tensor
from ..backend import Backend, Rng

__all__ = [
    "Reshape",
    "mlp",
    "conv_encoder",
    "conv_decoder",
    "dcgan_generator",
    "dcgan_discriminator",
]


class Reshape(nn.Module):
    """(N, prod(shape)) -> (N, *shape): the inverse of Flatten, for a decoder's input."""

    def __init__(self, *shape: int):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return ", ".join(str(s) for s in self.shape)


def _kw(backend, dtype, rng) -> dict[str, Any]:
    from ..backend import resolve as resolve_backend
    from ..backend import resolve_rng

    bk = resolve_backend(backend)
    return {"backend": bk, "dtype": dtype, "rng": resolve_rng(bk, rng)}


def _act(name: str) -> nn.Module:
    return nn.LeakyReLU(0.2) if name == "leaky_relu" else nn.ReLU()


def mlp(
    n_in: int,
    n_out: int,
    hidden: tuple[int, ...] = (128, 128),
    activation: str = "relu",
    *,
    backend: str | Backend | None = None,
    dtype: Any = None,
    rng: int | Rng | None = None,
) -> nn.Sequential:
    """Linear(n_in, h_1) - act - ... - Linear(h_k, n_out); act is 'relu' or 'leaky_relu'."""
    kw = _kw(backend, dtype, rng)
    sizes = (n_in, *hidden)
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, **kw), _act(activation)]
    layers.append(nn.Linear(sizes[-1], n_out, **kw))
    return nn.Sequential(*layers)


def _quarter(image_shape: tuple[int, int, int]) -> tuple[int, int]:
    C, H, W = image_shape
    if H % 4 or W % 4:
        raise ValueError(f"image height and width must be divisible by 4, got {image_shape}")
    return H // 4, W // 4


def conv_encoder(
    image_shape: tuple[int, int, int],
    n_out: int,
    width: int = 32,
    *,
    backend: str | Backend | None = None,
    dtype: Any = None,
    rng: int | Rng | None = None,
) -> nn.Sequential:
    """(C, H, W) -> Conv(4, s2, p1) - LReLU - Conv(4, s2, p1) - LReLU - Linear(.., n_out)."""
    kw = _kw(backend, dtype, rng)
    C = image_shape[0]
    h, w = _quarter(image_shape)
    return nn.Sequential(
        nn.Conv2d(C, width, 4, stride=2, padding=1, **kw),
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, **kw),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(2 * width * h * w, n_out, **kw),
    )


def dcgan_discriminator(
    image_shape: tuple[int, int, int],
    width: int = 32,
    *,
    backend: str | Backend | None = None,
    dtype: Any = None,
    rng: int | Rng | None = None,
) -> nn.Sequential:
    """The conv encoder with one output: the logit (GAN) or the critic value (WGAN)."""
    return conv_encoder(image_shape, 1, width, backend=backend, dtype=dtype, rng=rng)


def conv_decoder(
    latent_dim: int,
    image_shape: tuple[int, int, int],
    width: int = 32,
    batch_norm: bool = False,
    *,
    backend: str | Backend | None = None,
    dtype: Any = None,
    rng: int | Rng | None = None,
) -> nn.Sequential:
    """z -> Linear - ReLU - (2c, H/4, W/4) - ConvT(4, s2, p1) - ReLU - ConvT(4, s2, p1).

    With ``batch_norm`` a BatchNorm follows the Linear and the first ConvTranspose2d
    (the DCGAN generator). The output is linear (logits or means; the caller squashes).
    """
    kw = _kw(backend, dtype, rng)
    bn_kw = {"backend": kw["backend"], "dtype": dtype}
    C = image_shape[0]
    h, w = _quarter(image_shape)
    n_hidden = 2 * width * h * w
    layers: list[nn.Module] = [nn.Linear(latent_dim, n_hidden, bias=not batch_norm, **kw)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(n_hidden, **bn_kw))
    layers += [
        nn.ReLU(),
        Reshape(2 * width, h, w),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=not batch_norm, **kw),
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(width, **bn_kw))
    layers += [nn.ReLU(), nn.ConvTranspose2d(width, C, 4, stride=2, padding=1, **kw)]
    return nn.Sequential(*layers)


def dcgan_generator(
    latent_dim: int,
    image_shape: tuple[int, int, int],
    width: int = 32,
    *,
    backend: str | Backend | None = None,
    dtype: Any = None,
    rng: int | Rng | None = None,
) -> nn.Sequential:
    """The DCGAN generator: the conv decoder with BatchNorm, then a sigmoid (pixels in [0, 1])."""
    dec = conv_decoder(
        latent_dim, image_shape, width, batch_norm=True, backend=backend, dtype=dtype, rng=rng
    )
    return nn.Sequential(*dec, nn.Sigmoid())
