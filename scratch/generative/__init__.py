"""Generative models: VAE, GAN (with its training tricks), WGAN and WGAN-GP."""

from .gan import GAN
from .vae import VAE
from .wgan import WGAN
from .wgan_gp import WGANGP, gradient_penalty

__all__ = ["VAE", "GAN", "WGAN", "WGANGP", "gradient_penalty"]
