"""Generative models: VAE, GAN, WGAN, WGAN-GP."""
