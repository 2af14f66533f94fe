r"""WGAN-GP: the Wasserstein GAN with a gradient penalty (Gulrajani et al. 2017).

A differentiable f is 1-Lipschitz iff ||grad f(x)|| <= 1 everywhere, and the optimal
critic has ||grad f|| = 1 almost everywhere on the lines between coupled points of P_r
and P_g. Instead of clipping weights, WGAN-GP penalises the gradient norm there:
    x_hat = e x + (1 - e) x_fake,  e ~ U[0, 1] per sample,
    GP = E[(||grad_x f(x_hat)||_2 - 1)^2],
    critic loss  L_f = E[f(x_fake)] - E[f(x)] + lambda GP,   lambda = 10.
GP depends on the critic's parameters w through grad_x f(x_hat; w), so its gradient
dGP/dw is a second derivative (d^2 f / dx dw): the engine computes grad_x f with
``grad(..., create_graph=True)``, which records the backward pass as a graph, and the
ordinary backward of L_f differentiates through it (double backprop).
The norm is taken over all axes of one sample. Adam with lr 1e-4, betas (0, 0.9), and
n_critic = 5, as in the paper; no BatchNorm in the critic (the penalty is per sample).
"""

from __future__ import annotations

from typing import Any

from .. import nn, optim
from ..autograd import Tensor, enable_grad, grad
from ..backend import Rng
from .wgan import WGAN

__all__ = ["WGANGP", "gradient_penalty"]


def gradient_penalty(critic: nn.Module, x_real: Any, x_fake: Any, e: Any) -> Tensor:
    """GP = mean_i (||grad_x f(x_hat_i)||_2 - 1)^2 at x_hat = e x_real + (1 - e) x_fake.

    Parameters
    ----------
    critic : Module, (N, ...) -> (N, 1)
    x_real, x_fake : arrays (N, ...)
    e : array broadcastable to x_real, e.g. (N, 1) or (N, 1, 1, 1), values in [0, 1]

    Returns
    -------
    Tensor, 0-d, differentiable in the critic's parameters (create_graph=True).
    """
    x_real = x_real.data if isinstance(x_real, Tensor) else x_real
    x_fake = x_fake.data if isinstance(x_fake, Tensor) else x_fake
    with enable_grad():  # the inner derivative is needed even where the caller records none
        x_hat = Tensor(e * x_real + (1.0 - e) * x_fake, requires_grad=True)
        (g,) = grad(critic(x_hat).sum(), x_hat, create_graph=True)  # rows are independent
    g = g.reshape(g.shape[0], -1)
    norm = (g * g).sum(axis=1).sqrt()
    return ((norm - 1.0) ** 2).mean()


class WGANGP(WGAN):
    """WGAN with the gradient penalty instead of weight clipping.

    Parameters
    ----------
    generator, critic : Module
    latent_dim : int
    lambda_gp : float
        Weight lambda of the penalty.
    n_critic : int
    spectral_norm : bool
    rng : int or Rng, optional
    """

    default_lr = 1e-4

    def __init__(
        self,
        generator: nn.Module,
        critic: nn.Module,
        latent_dim: int,
        lambda_gp: float = 10.0,
        n_critic: int = 5,
        spectral_norm: bool = False,
        *,
        rng: int | Rng | None = None,
    ):
        super().__init__(generator, critic, latent_dim, None, n_critic, spectral_norm, rng=rng)
        number = isinstance(lambda_gp, (int, float)) and not isinstance(lambda_gp, bool)
        if not (number and lambda_gp >= 0):
            raise ValueError(f"lambda_gp must be >= 0, got {lambda_gp!r}")
        self.lambda_gp = lambda_gp

    def interpolation_weights(self, x_real: Any, rng: int | Rng | None = None):
        """e ~ U[0, 1], one per sample, shaped (N, 1, ..., 1) to broadcast against x.

        Parameters
        ----------
        x_real : array (N, ...)
        rng : int or Rng, optional
        """
        shape = (x_real.shape[0],) + (1,) * (x_real.ndim - 1)
        return self._rng(rng).uniform(size=shape, dtype=x_real.dtype)

    def discriminator_loss(self, x_real: Any, x_fake: Any, rng: int | Rng | None = None) -> Tensor:
        """L_f = E[f(x_fake)] - E[f(x_real)] + lambda GP.

        Parameters
        ----------
        x_real, x_fake : arrays or Tensors (N, ...)
        rng : int or Rng, optional
            Generator of the interpolation weights e.
        """
        x_real, x_fake = self._check_pair(x_real, x_fake)  # one device, finite, same shape
        x_real = x_real.data if isinstance(x_real, Tensor) else x_real
        x_fake = x_fake.data if isinstance(x_fake, Tensor) else x_fake
        if x_real.shape[0] != x_fake.shape[0]:
            raise ValueError(
                f"x_real and x_fake must have the same batch size (the penalty interpolates "
                f"pairs), got {x_real.shape[0]} and {x_fake.shape[0]}"
            )
        w_loss = super().discriminator_loss(x_real, x_fake)
        if not self.lambda_gp:
            return w_loss
        e = self.interpolation_weights(x_real, rng)
        return w_loss + self.lambda_gp * gradient_penalty(self.discriminator, x_real, x_fake, e)

    def configure_optimizers(
        self, lr_g: float | None = None, lr_d: float | None = None
    ) -> tuple[optim.Optimizer, optim.Optimizer]:
        """(opt_G, opt_critic): Adam(lr 1e-4, betas (0, 0.9)), as in the paper.

        Parameters
        ----------
        lr_g, lr_d : float, optional
            Learning rates of G and the critic (default 1e-4).
        """
        lr_g = self.default_lr if lr_g is None else lr_g
        lr_d = self.default_lr if lr_d is None else lr_d
        return (
            optim.Adam(self.generator.parameters(), lr=lr_g, betas=(0.0, 0.9)),
            optim.Adam(self.discriminator.parameters(), lr=lr_d, betas=(0.0, 0.9)),
        )

    def extra_repr(self) -> str:
        return (
            f"latent_dim={self.latent_dim}, lambda_gp={self.lambda_gp}, "
            f"n_critic={self.n_critic}, spectral_norm={self.spectral_norm}"
        )
