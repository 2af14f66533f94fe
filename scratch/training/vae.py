"""Train a variational autoencoder (conv on the digits, MLP on 2-D toys) on the negative ELBO.

The VAE of ``scratch.generative.VAE``: on the digits a convolutional encoder/decoder with
a Bernoulli likelihood on pixels / 16, on ring8/grid25/swissroll an MLP with a Gaussian
likelihood; Adam (lr 1e-3) on the negative ELBO, one reparameterized draw per image.
Per epoch: samples, loss curves, the test ELBO and FID/IS (digits) or mode coverage (2-D)
to ``<out>/vae_metrics.csv`` and TensorBoard; checkpoint ``<out>/vae_checkpoint.npz``.

    scratch train vae --data digits --backend strict --epochs 20 --out train-out
"""

from __future__ import annotations

import argparse

from . import _generative


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _generative.add_arguments(parser, "vae", epochs=20)


def run(args: argparse.Namespace) -> int:
    return _generative.run(args, "vae")
