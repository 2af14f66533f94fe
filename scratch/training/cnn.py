"""Train a small CNN with batch normalization on the built-in 8x8 digits.

The network reads each digit as a 1x8x8 image (pixels / 16):

    [Conv2d(3x3, pad 1) - BatchNorm2d - ReLU] x 2 (1 -> 16 -> 32 channels) - MaxPool2d(2)
    Conv2d(32 -> 64, 3x3, pad 1) - BatchNorm2d - ReLU - MaxPool2d(2) - Flatten - Linear(256, 10)

trained with Adam on the cross-entropy in float32, with on-device augmentation (random
shifts of up to one pixel and rotations of up to 10 degrees) and a cosine learning-rate
schedule; the test accuracy on the 360 held-out images is reported per epoch. Writes
``<out>/cnn_curves.png``, the model ``<out>/cnn.npz`` and, after every epoch, the
resumable checkpoint ``<out>/cnn_checkpoint.npz`` (``--resume``).

    scratch train cnn --backend strict --epochs 15 --out train-out
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import functional as F
from .. import nn, optim
from ..backend import Backend, Rng
from ..data import Augment, BatchIterator
from ._common import add_training_arguments, check_training_arguments, fit, summary
from .mlp import digits_float32


def make_cnn(
    backend: str | Backend | None = None,
    widths: tuple[int, int, int] = (16, 32, 64),
    rng: int | Rng | None = 0,
    dtype: Any = None,
) -> nn.Sequential:
    """The conv-BN-ReLU network of the module docstring, for (N, 1, 8, 8) input."""
    from ..backend import resolve as resolve_backend
    from ..backend import resolve_rng

    bk = resolve_backend(backend)
    gen = resolve_rng(bk, rng)
    c1, c2, c3 = widths
    kw = {"backend": bk, "dtype": dtype}
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1, bias=False, rng=gen, **kw),
        nn.BatchNorm2d(c1, **kw),
        nn.ReLU(),
        nn.Conv2d(c1, c2, 3, padding=1, bias=False, rng=gen, **kw),
        nn.BatchNorm2d(c2, **kw),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(c2, c3, 3, padding=1, bias=False, rng=gen, **kw),
        nn.BatchNorm2d(c3, **kw),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c3 * 4, 10, rng=gen, **kw),
    )


def digit_images(bk: Backend, split: str, limit: int | None = None):
    """Digits of ``split`` as float32 images (N, 1, 8, 8) in [0, 1], and their labels."""
    X, y = digits_float32(bk, split)
    if limit is not None:
        X, y = X[:limit, ...], y[:limit, ...]
    return bk.xp.reshape(X, (X.shape[0], 1, 8, 8)), y


def train(
    backend: str | Backend | None = None,
    epochs: int = 15,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    augment: bool = True,
    widths: tuple[int, int, int] = (16, 32, 64),
    train_limit: int | None = None,
    out_dir: str | None = None,
    quiet: bool = True,
    resume: bool = False,
) -> tuple[nn.Module, dict]:
    """Train the CNN on the digits; returns (model, history) (see ``_common.fit``).

    ``train_limit`` keeps only the first images of the training split (quick runs).
    ``resume`` continues from ``<out_dir>/cnn_checkpoint.npz`` (same settings and epochs:
    the cosine schedule's length).
    """
    from ..backend import resolve as resolve_backend

    bk = resolve_backend(backend)
    X_train, y_train = digit_images(bk, "train", train_limit)
    X_test, y_test = digit_images(bk, "test")
    rng = bk.rng(seed)
    model = make_cnn(bk, widths, rng=rng)
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    aug = Augment(rotation_range=10.0, width_shift_range=1.0, height_shift_range=1.0)
    batches = BatchIterator(
        X_train, y_train, batch_size, shuffle=True, rng=rng, augment=aug if augment else None
    )
    history = fit(
        model,
        opt,
        F.cross_entropy,
        batches,
        X_test,
        y_test,
        epochs,
        quiet=quiet,
        out_dir=out_dir,
        name="cnn",
        scheduler=sched,
        rng=rng,
        resume=resume,
        config={
            "seed": seed,
            "batch_size": batch_size,
            "lr": lr,
            "epochs": epochs,  # the cosine schedule's length
            "augment": augment,
            "widths": list(widths),
            "train_limit": train_limit,
        },
    )
    return model, history


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_arguments(
        parser, epochs=15, batch_size=32, lr=3e-3, lr_help="Adam's initial learning rate"
    )
    parser.add_argument("--no-augment", action="store_true", help="train on the plain images")


def run(args: argparse.Namespace) -> int:
    check_training_arguments(args)
    _, h = train(
        args.backend,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        augment=not args.no_augment,
        out_dir=args.out,
        quiet=args.quiet,
        resume=args.resume,
    )
    print(summary("cnn", h))
    return 0
