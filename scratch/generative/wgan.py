r"""The Wasserstein GAN with weight clipping (Arjovsky, Chintala and Bottou 2017).

Kantorovich-Rubinstein duality: the earth mover's distance between the data P_r and
the generator's P_g is
    W_1(P_r, P_g) = sup_{||f||_L <= 1}  E_{x~P_r}[f(x)] - E_{x~P_g}[f(x)],
a supremum over 1-Lipschitz critics f. A network f_w with its weights clipped to
[-c, c] is K-Lipschitz for some K(c), so maximising over w estimates K * W_1. Losses:
    critic:     L_f = E_z[f(G(z))] - E_x[f(x)]          (= -K W_1 at the optimum)
    generator:  L_G = -E_z[f(G(z))]
and after each critic step every critic weight is clipped, w <- clip(w, -c, c).
The critic is trained ``n_critic`` (5) times per generator step so that it stays near
its optimum, and with RMSprop (lr 5e-5): the paper found momentum-based optimizers
unstable with clipping. The critic's output is a real number, not a logit.
"""

from __future__ import annotations

from typing import Any

from .. import nn, optim
from ..autograd import Tensor, no_grad
from ..backend import Rng
from ._checks import check_batch
from .gan import GAN, _t

__all__ = ["WGAN"]


class WGAN(GAN):
    """Generator and critic with the Wasserstein losses and weight clipping.

    Parameters
    ----------
    generator, critic : Module
    latent_dim : int
    clip_value : float or None
        c: critic weights are clipped to [-c, c] after every critic step (None: no clipping).
    n_critic : int
        Critic steps per generator step.
    spectral_norm : bool
        Spectrally normalize the critic's layers (an alternative to clipping).
    rng : int or Rng, optional
    """

    default_lr = 5e-5

    def __init__(
        self,
        generator: nn.Module,
        critic: nn.Module,
        latent_dim: int,
        clip_value: float | None = 0.01,
        n_critic: int = 5,
        spectral_norm: bool = False,
        *,
        rng: int | Rng | None = None,
    ):
        super().__init__(generator, critic, latent_dim, spectral_norm=spectral_norm, rng=rng)
        number = isinstance(clip_value, (int, float)) and not isinstance(clip_value, bool)
        if clip_value is not None and not (number and clip_value > 0):
            raise ValueError(f"clip_value must be > 0 or None, got {clip_value!r}")
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic must be a positive int, got {n_critic!r}")
        self.clip_value, self.n_critic = clip_value, n_critic
        self.loss = "wasserstein"

    @property
    def critic(self) -> nn.Module:
        return self.discriminator

    def _check(self, loss, label_smoothing, latent_dim) -> None:
        super()._check("non-saturating", 0.0, latent_dim)

    def wasserstein_estimate(self, x_real: Any, x_fake: Any):
        """E_x[f(x)] - E[f(x_fake)] over the two batches (0-d array, no graph): the critic's
        estimate of K W_1 (W_1 itself for a 1-Lipschitz critic).

        Parameters
        ----------
        x_real, x_fake : arrays or Tensors (N, ...)
        """
        x_real, x_fake = self._check_pair(x_real, x_fake)
        with no_grad():
            f_real = self.discriminator(_t(x_real)).mean()
            f_fake = self.discriminator(_t(x_fake)).mean()
            return (f_real - f_fake).data

    def discriminator_loss(self, x_real: Any, x_fake: Any, rng: int | Rng | None = None) -> Tensor:
        """L_f = E[f(x_fake)] - E[f(x_real)] (scalar Tensor).

        Parameters
        ----------
        x_real, x_fake : arrays or Tensors (N, ...)
        rng : int or Rng, optional
            Unused (WGAN-GP's interpolation weights).
        """
        x_real, x_fake = self._check_pair(x_real, x_fake)
        return self.discriminator(_t(x_fake)).mean() - self.discriminator(_t(x_real)).mean()

    def generator_loss(self, x_fake: Tensor) -> Tensor:
        """L_G = -E[f(G(z))].

        Parameters
        ----------
        x_fake : Tensor (N, ...), G(z) with its graph
        """
        x_fake = check_batch(x_fake, "x_fake", self, sample_shape=self.sample_shape)
        return -self.discriminator(_t(x_fake)).mean()

    def after_discriminator_step(self) -> None:
        """w <- clip(w, -c, c) for every critic parameter (outside the graph)."""
        if self.clip_value is None:
            return
        c = self.clip_value
        with no_grad():
            for p in self.discriminator.parameters():
                p.data = p.xp.clip(p.data, -c, c)

    def configure_optimizers(
        self, lr_g: float | None = None, lr_d: float | None = None
    ) -> tuple[optim.Optimizer, optim.Optimizer]:
        """(opt_G, opt_critic): RMSprop (lr 5e-5), as in the paper.

        Parameters
        ----------
        lr_g, lr_d : float, optional
            Learning rates of G and the critic (default 5e-5).
        """
        lr_g = self.default_lr if lr_g is None else lr_g
        lr_d = self.default_lr if lr_d is None else lr_d
        return (
            optim.RMSprop(self.generator.parameters(), lr=lr_g),
            optim.RMSprop(self.discriminator.parameters(), lr=lr_d),
        )

    def extra_repr(self) -> str:
        return (
            f"latent_dim={self.latent_dim}, clip_value={self.clip_value}, "
            f"n_critic={self.n_critic}, spectral_norm={self.spectral_norm}"
        )
