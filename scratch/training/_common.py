"""The training loop every ``scratch train NAME`` shares: epochs of mini-batch steps.

For each epoch: for each batch (X_b, y_b) of the iterator,
    zero the gradients;  L = loss_fn(model(X_b), y_b);  backpropagate;  optimizer.step(),
then evaluate on the test set (no graph, eval mode) and, if given, step the scheduler.
The running loss and training accuracy are summed on the device and brought to the
host once per epoch (one scalar each). After every epoch the checkpoint
``<out_dir>/<name>_checkpoint.npz`` (model, optimizer, the RNG's state, epoch, history,
scheduler; see ``_checkpoint``) replaces the previous one atomically; ``resume=True``
continues from it, and as every random number (batch order, augmentation) comes from that
one RNG, a run killed at any point and resumed ends bit for bit where an uninterrupted run
ends. At the end, the loss/accuracy curves are written as ``<out_dir>/<name>_curves.png``
and the model as ``<out_dir>/<name>.npz`` (both atomically).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import backend
from ..autograd import Tensor, no_grad
from ..io import save_figure
from ..viz import FIGURES_HINT, figures_available
from ._checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state


def _correct(xp, logits, y):
    """Number of rows whose arg-max equals the label, as a 0-d array on the device."""
    pred = xp.argmax(logits, axis=1)
    return xp.sum(xp.astype(pred == y, xp.int64))


def evaluate(model, X: Any, y: Any, batch_size: int = 256) -> float:
    """Classification accuracy of ``model`` on (X, y): mean of [argmax model(x) == y].

    Runs under ``no_grad`` in eval mode (the previous mode is restored), in batches.
    """
    if X.shape[0] == 0:
        raise ValueError(f"X must have at least one row, got shape {tuple(X.shape)}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels; they must match")
    xp = backend.namespace(X, y)
    was_training = model.training
    model.eval()
    total = None
    try:
        with no_grad():
            for lo in range(0, X.shape[0], batch_size):
                hi = min(lo + batch_size, X.shape[0])  # in bounds: strict refuses overshoot
                out = model(Tensor(X[lo:hi, ...]))
                c = _correct(xp, out.data, y[lo:hi, ...])
                total = c if total is None else total + c
    finally:
        model.train(was_training)
    # one host scalar per evaluation: the accuracy is reported
    return float(backend.to_numpy(total)) / X.shape[0]


def plot_curves(history: dict[str, list[float]], path: Path, title: str) -> None:
    """Loss (left) and train/test accuracy (right) against the epoch, saved as PNG."""
    from matplotlib.figure import Figure

    epochs = list(range(1, len(history["loss"]) + 1))
    fig = Figure(figsize=(9, 3.5))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(epochs, history["loss"], marker="o", color="C0")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss")
    ax1.set_yscale("log")
    ax1.grid(alpha=0.3)
    ax2.plot(epochs, history["train_acc"], marker="o", label="train", color="C1")
    ax2.plot(epochs, history["test_acc"], marker="s", label="test", color="C2")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="lower right")
    fig.suptitle(title)
    save_figure(fig, path)


def fit(
    model,
    optimizer,
    loss_fn: Callable,
    train_iter: Iterable,
    X_test: Any,
    y_test: Any,
    epochs: int,
    quiet: bool = False,
    out_dir: str | Path | None = None,
    name: str = "model",
    scheduler: Any = None,
    rng: Any = None,
    resume: bool = False,
    config: dict | None = None,
) -> dict[str, Any]:
    """Train ``model`` for ``epochs`` passes over ``train_iter``; returns the history.

    Parameters
    ----------
    model : scratch.nn.Module
    optimizer : scratch.optim.Optimizer over the model's parameters
    loss_fn : callable (logits Tensor, labels array) -> scalar Tensor
    train_iter : iterable of (X_batch, y_batch), re-iterable once per epoch
        (e.g. scratch.data.BatchIterator)
    X_test, y_test : arrays for the per-epoch test accuracy
    epochs : int
    quiet : bool
        No progress bar.
    out_dir : path, optional
        Where ``<name>_curves.png``, the model ``<name>.npz`` and the per-epoch checkpoint
        ``<name>_checkpoint.npz`` go (nothing written if None).
    name : str
    scheduler : optional, stepped once per epoch
    rng : scratch.backend.Rng, optional
        The generator of every random number of an epoch, saved in the checkpoint
        (default: ``train_iter.rng``).
    resume : bool
        Continue from ``<out_dir>/<name>_checkpoint.npz`` when it exists.
    config : dict, optional
        JSON-able settings of the run; resuming from a checkpoint of other settings is
        refused.

    Returns
    -------
    dict with lists ``loss``, ``train_acc``, ``test_acc`` (one entry per epoch), the
    ``seconds`` of training (this process), and the paths ``curves``, ``model`` and
    ``checkpoint`` (or None).
    """
    from tqdm.auto import tqdm

    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    history: dict[str, Any] = {"loss": [], "train_acc": [], "test_acc": []}
    rng = getattr(train_iter, "rng", None) if rng is None else rng
    config = json.loads(json.dumps(config or {}))
    optimizers = {"optimizer": optimizer}
    folder = Path(out_dir) if out_dir is not None else None
    ckpt = folder / f"{name}_checkpoint.npz" if folder is not None else None
    start = 0
    if resume and ckpt is not None and ckpt.exists():
        saved = load_checkpoint(ckpt, model, optimizers)
        if saved.extra.get("config") != config:
            raise ValueError(
                f"cannot resume from {ckpt}: it was written by {saved.extra.get('config')}, "
                f"not {config}"
            )
        if rng is not None:
            if saved.rng_state is None:
                raise ValueError(f"cannot resume from {ckpt}: it holds no RNG state")
            set_rng_state(rng, saved.rng_state)
        if scheduler is not None:
            scheduler.load_state_dict(saved.extra["scheduler"])
        start, history = saved.epoch, saved.extra["history"]
    n_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    total = None if n_batches is None else n_batches * max(epochs - start, 0)
    bar = tqdm(total=total, disable=quiet, desc=name, unit="batch", leave=False)
    t0 = time.perf_counter()
    try:
        for epoch in range(start + 1, epochs + 1):
            model.train()
            loss_sum = correct = None
            seen = 0
            for Xb, yb in train_iter:
                xp = backend.namespace(Xb, yb)
                optimizer.zero_grad()
                out = model(Tensor(Xb))
                loss = loss_fn(out, yb)
                loss.backward()
                optimizer.step()
                nb = Xb.shape[0]
                seen += nb
                l_b = loss.data * nb
                c_b = _correct(xp, out.data, yb)
                loss_sum = l_b if loss_sum is None else loss_sum + l_b
                correct = c_b if correct is None else correct + c_b
                bar.update(1)
            if seen == 0:
                raise ValueError("train_iter yielded no batches")
            # one host transfer per epoch: the numbers that are reported and plotted
            history["loss"].append(float(backend.to_numpy(loss_sum)) / seen)
            history["train_acc"].append(float(backend.to_numpy(correct)) / seen)
            history["test_acc"].append(evaluate(model, X_test, y_test))
            if scheduler is not None:
                scheduler.step()
            bar.set_postfix(
                loss=f"{history['loss'][-1]:.4f}", test=f"{history['test_acc'][-1]:.3f}"
            )
            if ckpt is not None:
                extra = {
                    "history": history,
                    "scheduler": None if scheduler is None else scheduler.state_dict(),
                    "config": config,
                }
                state = None if rng is None else rng_state(rng)
                save_checkpoint(ckpt, model, optimizers, state, epoch, extra)
    finally:
        bar.close()
    history["seconds"] = time.perf_counter() - t0
    history["curves"] = history["model"] = history["checkpoint"] = None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        if figures_available():
            history["curves"] = folder / f"{name}_curves.png"
            plot_curves(
                history,
                history["curves"],
                f"{name}: test accuracy {history['test_acc'][-1]:.3f} after {epochs} epochs",
            )
        else:
            print(f"curves skipped: matplotlib is not installed. {FIGURES_HINT}", file=sys.stderr)
        history["model"] = folder / f"{name}.npz"
        model.save(history["model"])
        history["checkpoint"] = ckpt
    return history


def add_training_arguments(
    parser, epochs: int, batch_size: int, lr: float, lr_help: str = "Adam's learning rate"
) -> None:
    """The options every ``scratch train NAME`` has, with the model's own defaults."""
    parser.add_argument("--epochs", type=int, default=epochs, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=batch_size, help="samples per step")
    parser.add_argument("--lr", type=float, default=lr, help=lr_help)
    parser.add_argument("--seed", type=int, default=0, help="initialisation and shuffling")
    parser.add_argument("--out", default="train-out", help="folder for curves and checkpoint")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")


def check_training_arguments(args) -> None:
    """Clear errors for the training options before any work starts, one option at a time.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of a ``scratch train`` command (``lr`` and ``n_train`` may be
        None where the command has a per-model default).
    """
    if args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    lr = getattr(args, "lr", None)
    if lr is not None and not lr > 0:
        raise ValueError(f"--lr must be > 0, got {lr}")
    if getattr(args, "seed", 0) < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    n_train = getattr(args, "n_train", None)
    if n_train is not None and n_train < 1:
        raise ValueError(f"--n-train must be >= 1, got {n_train}")


def summary(label: str, history: dict) -> str:
    """The one line a training command prints at the end."""
    return (
        f"{label}: test accuracy {history['test_acc'][-1]:.4f} after {len(history['loss'])} "
        f"epochs ({history['seconds']:.1f} s); curves {history['curves']}, "
        f"model {history['model']}, checkpoint {history['checkpoint']}"
    )
