"""Train a WGAN-GP: the Wasserstein GAN with a gradient penalty (double backprop), Adam.

``scratch.generative.WGANGP``: critic loss E[f(fake)] - E[f(real)] + lambda E[(||grad f||
- 1)^2] at random interpolates (``--lambda-gp``, 10), ``--n-critic`` 5, Adam (lr 1e-4,
betas (0, 0.9)). Outputs as ``scratch train gan`` (``wgan_gp_*`` files).

    scratch train wgan-gp --data ring8 --lambda-gp 1 --lr 1e-3 --epochs 30 --out train-out
"""

from __future__ import annotations

import argparse

from . import _generative

NAME = "wgan-gp"  # the subcommand (a module name cannot hold the hyphen)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _generative.add_arguments(parser, "wgan-gp", epochs=30)


def run(args: argparse.Namespace) -> int:
    return _generative.run(args, "wgan-gp")
