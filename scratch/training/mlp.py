"""Train a 64-256-256-10 ReLU MLP with Adam on the built-in 8x8 digits.

The model is  logits = W_3 relu(W_2 relu(W_1 x + b_1) + b_2) + b_3  on pixels scaled
to [0, 1] (x = counts / 16), trained on the fixed 1437-image split with mini-batch
Adam on the cross-entropy, in float32; the test accuracy on the 360 held-out images
is reported per epoch. Writes ``<out>/mlp_curves.png``, the model ``<out>/mlp.npz`` and,
after every epoch, the resumable checkpoint ``<out>/mlp_checkpoint.npz`` (``--resume``).

    scratch train mlp --backend strict --epochs 20 --out train-out
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import functional as F
from .. import nn, optim
from ..backend import Backend, Rng
from ..data import BatchIterator, load_digits
from ._common import add_training_arguments, check_training_arguments, fit, summary


def make_mlp(
    backend: str | Backend | None = None,
    hidden: tuple[int, ...] = (256, 256),
    n_in: int = 64,
    n_out: int = 10,
    rng: int | Rng | None = 0,
    dtype: Any = None,
) -> nn.Sequential:
    """Linear(n_in, h_1) - ReLU - ... - Linear(h_k, n_out), PyTorch's default initialisation."""
    from ..backend import resolve as resolve_backend
    from ..backend import resolve_rng

    bk = resolve_backend(backend)
    gen = resolve_rng(bk, rng)
    layers: list[nn.Module] = []
    sizes = (n_in, *hidden)
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, backend=bk, dtype=dtype, rng=gen), nn.ReLU()]
    layers.append(nn.Linear(sizes[-1], n_out, backend=bk, dtype=dtype, rng=gen))
    return nn.Sequential(*layers)


def digits_float32(bk: Backend, split: str):
    """Digits of ``split`` with pixels scaled to [0, 1], as float32 on ``bk``."""
    X, y = load_digits(split, backend=bk)
    return bk.xp.astype(X / 16.0, bk.xp.float32), y


def train(
    backend: str | Backend | None = None,
    epochs: int = 20,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    hidden: tuple[int, ...] = (256, 256),
    out_dir: str | None = None,
    quiet: bool = True,
    resume: bool = False,
) -> tuple[nn.Module, dict]:
    """Train the MLP on the digits; returns (model, history) (see ``_common.fit``).

    ``resume`` continues from ``<out_dir>/mlp_checkpoint.npz`` (same settings, any epochs).
    """
    from ..backend import resolve as resolve_backend

    bk = resolve_backend(backend)
    X_train, y_train = digits_float32(bk, "train")
    X_test, y_test = digits_float32(bk, "test")
    rng = bk.rng(seed)
    model = make_mlp(bk, hidden, rng=rng)
    opt = optim.Adam(model.parameters(), lr=lr)
    batches = BatchIterator(X_train, y_train, batch_size, shuffle=True, rng=rng)
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
        name="mlp",
        rng=rng,
        resume=resume,
        config={"seed": seed, "batch_size": batch_size, "lr": lr, "hidden": list(hidden)},
    )
    return model, history


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_arguments(parser, epochs=20, batch_size=64, lr=1e-3)
    parser.add_argument("--hidden", default="256,256", help="hidden sizes, e.g. 256,256")


def run(args: argparse.Namespace) -> int:
    try:
        hidden = tuple(int(h) for h in args.hidden.split(",") if h.strip())
    except ValueError as e:
        raise ValueError(f"--hidden must be comma-separated ints, got {args.hidden!r}") from e
    if not hidden or min(hidden) < 1:
        raise ValueError(f"--hidden needs positive sizes, got {args.hidden!r}")
    check_training_arguments(args)
    _, h = train(
        args.backend,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        hidden=hidden,
        out_dir=args.out,
        quiet=args.quiet,
        resume=args.resume,
    )
    print(summary(f"mlp {'-'.join(str(s) for s in (64, *hidden, 10))}", h))
    return 0
