"""Train a GAN (DCGAN on the digits, MLPs on 2-D toys) with the classic training tricks.

``scratch.generative.GAN``: minimax, non-saturating (default) or hinge loss; one-sided
label smoothing (``--label-smoothing``), spectral normalization of the discriminator
(``--spectral-norm``), TTUR (``--lr-g``, ``--lr-d``); Adam with betas (0.5, 0.999).
Per epoch: samples, loss curves, FID/IS (digits) or mode coverage (2-D) to
``<out>/gan_metrics.csv`` and TensorBoard; checkpoint ``<out>/gan_checkpoint.npz``.

    scratch train gan --data ring8 --label-smoothing 0.1 --lr-g 1e-3 --lr-d 2e-3 --out out
"""

from __future__ import annotations

import argparse

from . import _generative


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _generative.add_arguments(parser, "gan", epochs=20)


def run(args: argparse.Namespace) -> int:
    return _generative.run(args, "gan")
