"""Train the digits CNN that ``digits_fid`` and ``digits_inception_score`` ship with.

    python -m scratch.metrics._train_digits_net            # rewrites scratch/data/digits_cnn.npz

The network is the one of ``scratch train cnn`` (``scratch.training.cnn.make_cnn``, widths
16/32/64), trained by ``scratch.training.cnn.train`` with its defaults: 15 epochs of Adam
(lr 3e-3, cosine schedule, batches of 32) on the 1437 training digits with shift/rotation
augmentation, in float32 on NumPy, seed 0. Run on 2026-12-01 it reached a test accuracy
of 0.9944 (358 of the 360 held-out digits; ``DIGITS_NET_TEST_ACCURACY`` in
``scratch.metrics.digits``, checked by tests/metrics/test_digits.py).

Only the network's state_dict is written (float32, about 110 kB), atomically.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from ..io import save_npz
from ..training import cnn


def default_path() -> Path:
    """Where the package keeps the weights: scratch/data/digits_cnn.npz."""
    return Path(str(resources.files("scratch.data").joinpath("digits_cnn.npz")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(default_path()), help="where to write the .npz")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    model, history = cnn.train("numpy", epochs=args.epochs, seed=args.seed, quiet=args.quiet)
    save_npz(args.out, model.state_dict())
    print(f"test accuracy {history['test_acc'][-1]:.4f}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
