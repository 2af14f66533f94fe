"""Train a Wasserstein GAN with weight clipping (n_critic critic steps per G step, RMSprop).

``scratch.generative.WGAN``: critic loss E[f(fake)] - E[f(real)], critic weights clipped
to [-c, c] (``--clip-value``) after every step, ``--n-critic`` critic steps per generator
step, RMSprop (lr 5e-5). Outputs as ``scratch train gan`` (``wgan_*`` files).

    scratch train wgan --data digits --epochs 50 --out train-out
"""

from __future__ import annotations

import argparse

from . import _generative


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _generative.add_arguments(parser, "wgan", epochs=50)


def run(args: argparse.Namespace) -> int:
    return _generative.run(args, "wgan")
