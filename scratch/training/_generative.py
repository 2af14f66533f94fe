"""The loop behind ``scratch train vae|gan|wgan|wgan-gp``: epochs, logs, figures, checkpoints.

Each epoch visits the training set once in mini-batches. The VAE takes one Adam step on
its negative ELBO per batch; a GAN takes one discriminator (critic) step per batch and
one generator step every ``n_critic``-th batch (counted over the whole run). After each epoch:

- the per-step losses come to the host in one transfer and go to TensorBoard (tag
  ``loss/<name>``, step = batch number) and their epoch means to the history;
- metrics: mode coverage of 2000 samples on ring8/grid25; on the digits the FID and
  Inception Score of 360 samples against the 360 test images (``scratch.metrics``), and
  the VAE's test ELBO; they go to ``<out>/<name>_metrics.csv`` and TensorBoard
  (``epoch/<metric>``, step = epoch);
- figures: ``<name>_samples_<epoch>.png`` (a grid of digits, or 2-D samples over the
  target density) and ``<name>_curves.png``;
- the checkpoint ``<name>_checkpoint.npz`` (model, optimizers, epoch, history; written
  atomically and verified on reading, see ``_checkpoint``).

Randomness: epoch e draws every random number (batch order, noise, interpolation
weights) from a generator seeded by SeedSequence([seed, e]), and its metrics from
SeedSequence([seed, e, 1]). So the RNG state at an epoch boundary is (seed, epoch), both in
the checkpoint, and a run resumed after epoch k repeats an uninterrupted run exactly.
TensorBoard event files need tensorboardX (``pip install 'scratch[log]'``); without it
the CSV is written alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np  # host bookkeeping: seeds, the logged values

from .. import backend, optim
from ..autograd import no_grad
from ..backend import Backend
from ..data import BatchIterator
from ..io import atomic_write_text
from ..viz import FIGURES_HINT, figures_available
from ._checkpoint import load_checkpoint, save_checkpoint
from ._common import check_training_arguments

KINDS = ("vae", "gan", "wgan", "wgan-gp")
DATASETS = ("digits", "ring8", "grid25", "swissroll")
N_EVAL_2D = 2000


# ---- data and models -----------------------------------------------------------------------
def load_data(bk: Backend, data: str, n_train: int | None, seed: int, flat: bool = False):
    """(X_train, X_test or None, data_shape): digits / 16 as (N, 1, 8, 8) float32 images
    (or (N, 64) with ``flat``), or ``n_train`` (default 4096) points of a 2-D toy."""
    from ..data import load_digits
    from ..data.toy2d import toy_2d

    xp = bk.xp
    if data == "digits":
        out = []
        for split in ("train", "test"):
            X, _ = load_digits(split, backend=bk)
            X = xp.astype(X / 16.0, xp.float32)
            if split == "train" and n_train is not None:
                X = X[:n_train, ...]
            out.append(X if flat else xp.reshape(X, (X.shape[0], 1, 8, 8)))
        return out[0], out[1], ((64,) if flat else (1, 8, 8))
    if data not in DATASETS:
        raise ValueError(f"--data must be one of {', '.join(DATASETS)}, got {data!r}")
    n = 4096 if n_train is None else n_train
    return toy_2d(data, n, backend=bk, rng=_seed(seed, 2), dtype=xp.float32), None, (2,)


def build_model(kind: str, data: str, data_shape: tuple, bk: Backend, seed: int, **options):
    """The model of ``kind`` for ``data``: conv nets on the digits, MLPs on the 2-D toys."""
    from ..generative import GAN, VAE, WGAN, WGANGP

    image = data == "digits"
    latent = options.pop("latent_dim", None)
    if kind == "vae":
        arch = options.pop("arch", None) or ("conv" if image else "mlp")
        kw = dict(likelihood="bernoulli") if image else dict(likelihood="gaussian", sigma=0.05)
        hidden = (256,) if image else (128, 128)
        return VAE(
            data_shape, latent or (8 if image else 2), arch, hidden, backend=bk, rng=seed, **kw
        )
    cls = {"gan": GAN, "wgan": WGAN, "wgan-gp": WGANGP}[kind]
    options = {k: v for k, v in options.items() if v is not None}
    if image:
        return cls.dcgan(data_shape, latent or 16, backend=bk, rng=seed, **options)
    return cls.mlp(2, latent or 2, (128, 128), backend=bk, rng=seed, **options)


def make_optimizers(model, kind: str, lr: float | None, lr_g: float | None, lr_d: float | None):
    """{"vae": Adam} or {"g": opt_G, "d": opt_D}; lr sets both GAN rates unless lr_g/lr_d."""
    if kind == "vae":
        return {"vae": optim.Adam(model.parameters(), lr=1e-3 if lr is None else lr)}
    opt_g, opt_d = model.configure_optimizers(
        lr if lr_g is None else lr_g, lr if lr_d is None else lr_d
    )
    return {"g": opt_g, "d": opt_d}


def _seed(*words: int) -> int:
    """An int seed from SeedSequence(words): independent streams per (seed, epoch, ...)."""
    return int(np.random.SeedSequence(list(words)).generate_state(1)[0])


# ---- logging -------------------------------------------------------------------------------
def _summary_writer(logdir: Path, step: int):
    """A tensorboardX writer continuing after ``step``: events of earlier runs at steps
    > step are purged (a resumed run replaces what the killed one logged after its last
    checkpoint; a fresh run, step 0, replaces everything). The file name carries the step,
    so a resume within the same second cannot overwrite the previous file."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        print(
            "scratch: writing the metrics CSV only; for TensorBoard event files install "
            "tensorboardX: pip install 'scratch[log]'",
            file=sys.stderr,
        )
        return None
    return SummaryWriter(str(logdir), purge_step=step + 1, filename_suffix=f".step{step}")


def _write_csv(path: Path, history: dict[str, list]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    keys = list(history)
    w.writerow(keys)
    for row in zip(*(history[k] for k in keys)):
        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    atomic_write_text(path, buf.getvalue())


def _epoch_metrics(model, kind, data, X_test, bk, rng) -> dict[str, float]:
    """Per-epoch metrics (module docstring), each a host float."""
    out: dict[str, float] = {}
    if data in ("ring8", "grid25"):
        from ..data.toy2d import mode_coverage

        cov = mode_coverage(model.sample(N_EVAL_2D, rng=rng), data)
        out["modes_hit"] = float(cov.modes_hit)
        out["high_quality"] = cov.high_quality
    if data == "digits":
        if kind == "vae":  # one host scalar: the reported test ELBO
            with no_grad():
                elbo = model.elbo(X_test, rng).mean()
            out["test_elbo"] = float(backend.to_numpy(elbo.data))
        out.update(_digits_scores(model.sample(X_test.shape[0], rng=rng), X_test))
    return out


def _digits_scores(samples, X_test) -> dict[str, float]:
    """FID against the test images and Inception Score of the samples (scratch.metrics)."""
    try:
        from ..metrics import digits_fid, digits_inception_score
    except ImportError:
        return {}
    xp = backend.namespace(samples)
    S = xp.reshape(samples, (samples.shape[0], 64)) * 16.0  # as load_digits gives them
    T = xp.reshape(X_test, (X_test.shape[0], 64)) * 16.0
    is_mean, _ = digits_inception_score(S)
    return {"fid": float(digits_fid(S, T)), "inception_score": float(is_mean)}


def _figures(model, data, out: Path, name: str, epoch: int, rng) -> Path:
    from ..viz.samples import plot_image_grid, plot_samples_2d

    path = out / f"{name}_samples_{epoch:03d}.png"
    if data == "digits":
        s = backend.to_numpy(model.sample(64, rng=rng))
        plot_image_grid(s, path, f"{name} samples, epoch {epoch}", image_shape=(8, 8), ncols=8)
    else:
        from ..data.toy2d import TOY_2D, toy_density

        s = backend.to_numpy(model.sample(N_EVAL_2D, rng=rng))
        plot_samples_2d(
            s,
            path,
            lambda p: toy_density(data, p),
            f"{name} on {data}, epoch {epoch}",
            modes=TOY_2D[data].modes,
        )
    return path


# ---- the loop ------------------------------------------------------------------------------
def train_generative(
    kind: str,
    data: str = "digits",
    backend_name: str | Backend | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float | None = None,
    lr_g: float | None = None,
    lr_d: float | None = None,
    seed: int = 0,
    out_dir: str | Path | None = None,
    quiet: bool = True,
    resume: bool = False,
    n_train: int | None = None,
    metrics: bool = True,
    figures: bool = True,
    **options: Any,
) -> tuple[Any, dict]:
    """Train a generative model of ``kind`` on ``data``; returns (model, history).

    Parameters
    ----------
    kind : 'vae', 'gan', 'wgan' or 'wgan-gp'
    data : 'digits', 'ring8', 'grid25' or 'swissroll'
    backend_name : backend name or Backend
    epochs, batch_size : int
    lr, lr_g, lr_d : float, optional
        Learning rate(s); lr_g / lr_d (TTUR) override lr for the generator / discriminator.
        Defaults: each model's own (VAE 1e-3, GAN 2e-4, WGAN 5e-5, WGAN-GP 1e-4).
    seed : int
    out_dir : path, optional
        Where figures, the CSV, event files and the checkpoint go (nothing written if None).
    quiet : bool
        No progress bar.
    resume : bool
        Continue from ``<out_dir>/<name>_checkpoint.npz`` if it exists.
    n_train : int, optional
        Use only the first n_train digits, or draw n_train toy points (default 4096).
    metrics, figures : bool
        Compute the per-epoch metrics / draw the per-epoch figures.
    **options
        Passed to the model: arch, latent_dim (VAE); loss, label_smoothing, spectral_norm
        (GAN); clip_value, n_critic (WGAN); lambda_gp, n_critic (WGAN-GP).

    Returns
    -------
    (model, history): history maps column names (``epoch``, the mean losses, the
    metrics) to one value per epoch, plus ``checkpoint`` (path or None).
    """
    from tqdm.auto import tqdm

    from ..backend import resolve as resolve_backend

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    name = kind.replace("-", "_")
    bk = resolve_backend(backend_name)
    flat = kind == "vae" and options.get("arch") == "mlp"
    X_train, X_test, shape = load_data(bk, data, n_train, seed, flat)
    model = build_model(kind, data, shape, bk, seed, **dict(options))
    optimizers = make_optimizers(model, kind, lr, lr_g, lr_d)
    config = {
        "kind": kind,
        "data": data,
        "seed": seed,
        "batch_size": batch_size,
        "n_train": n_train,
    }
    config.update({k: v for k, v in options.items() if v is not None})
    history: dict[str, list] = {}
    start, step = 0, 0
    out = Path(out_dir) if out_dir is not None else None
    if figures and out is not None and not figures_available():
        print(f"figures skipped: matplotlib is not installed. {FIGURES_HINT}", file=sys.stderr)
        figures = False
    ckpt = out / f"{name}_checkpoint.npz" if out is not None else None
    if resume and ckpt is not None and ckpt.exists():
        saved = load_checkpoint(ckpt, model, optimizers)
        if saved.extra["config"] != json.loads(json.dumps(config)):
            raise ValueError(
                f"cannot resume from {ckpt}: it was written by {saved.extra['config']}, "
                f"not {config}"
            )
        start, step, history = saved.epoch, saved.extra["step"], saved.extra["history"]
    writer = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        writer = _summary_writer(out / "tensorboard", step)
    batches = BatchIterator(X_train, None, batch_size, shuffle=True, rng=0)
    n_critic = getattr(model, "n_critic", 1)
    bar = tqdm(
        total=(epochs - start) * len(batches), disable=quiet, desc=name, unit="batch", leave=False
    )
    xp = bk.xp
    try:
        for epoch in range(start + 1, epochs + 1):
            rng = bk.rng(_seed(seed, epoch))
            batches.rng = rng
            model.train()
            names = ("neg_elbo",) if kind == "vae" else ("discriminator", "generator")
            losses: dict[str, list] = {key: [] for key in names}
            for Xb in batches:
                step += 1
                if kind == "vae":
                    opt = optimizers["vae"]
                    opt.zero_grad()
                    loss = model.loss(Xb, rng)
                    loss.backward()
                    opt.step()
                    losses["neg_elbo"].append((step, loss.data))
                else:
                    d = model.discriminator_step(Xb, optimizers["d"], rng)
                    losses["discriminator"].append((step, d))
                    if step % n_critic == 0:  # global count: epochs of < n_critic batches
                        g = model.generator_step(Xb.shape[0], optimizers["g"], rng)
                        losses["generator"].append((step, g))
                bar.update(1)
            # one host transfer per loss and epoch: the values that are logged
            row: dict[str, float] = {"epoch": epoch}
            for key, pairs in losses.items():
                if not pairs:  # no generator step in this epoch (fewer batches than n_critic)
                    row[f"loss_{key}"] = float("nan")
                    continue
                values = backend.to_numpy(xp.stack([v for _, v in pairs]))
                row[f"loss_{key}"] = float(np.mean(values))
                if writer is not None:
                    for (s, _), v in zip(pairs, values):
                        writer.add_scalar(f"loss/{key}", float(v), s)
            model.eval()
            eval_rng = bk.rng(_seed(seed, epoch, 1))
            if metrics:
                row.update(_epoch_metrics(model, kind, data, X_test, bk, eval_rng))
            for k, v in row.items():
                history.setdefault(k, []).append(v)
                if writer is not None and k != "epoch" and np.isfinite(v):
                    writer.add_scalar(f"epoch/{k}", v, epoch)
            bar.set_postfix({k: f"{v:.3g}" for k, v in row.items() if k != "epoch"})
            if out is not None:
                if figures:
                    _figures(model, data, out, name, epoch, eval_rng)
                    _plot_curves(history, out / f"{name}_curves.png", name, data)
                _write_csv(out / f"{name}_metrics.csv", history)
                if writer is not None:
                    writer.flush()
                # the RNG state at an epoch boundary is the seed schedule (module docstring)
                rng_words = {"seed_words": [seed, epoch]}
                extra = {"step": step, "history": history, "config": config}
                save_checkpoint(ckpt, model, optimizers, rng_words, epoch, extra)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    model.train()
    return model, {**history, "checkpoint": ckpt}


def _plot_curves(history: dict, path: Path, name: str, data: str) -> None:
    from ..viz.samples import plot_loss_curves

    keys = [k for k in history if k != "epoch"]
    plot_loss_curves(history, keys, path, f"{name} on {data}")


# ---- the command line ----------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser, kind: str, epochs: int) -> None:
    """The options of ``scratch train <kind>``."""
    parser.add_argument("--data", default="digits", choices=DATASETS, help="training data")
    parser.add_argument("--epochs", type=int, default=epochs, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=64, help="samples per step")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (model default)")
    parser.add_argument("--seed", type=int, default=0, help="initialisation and all sampling")
    parser.add_argument("--out", default="train-out", help="folder for figures, logs, checkpoint")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    parser.add_argument("--n-train", type=int, default=None, help="training samples to use")
    parser.add_argument(
        "--latent-dim", type=int, default=None, help="z size (digits: 8 VAE, 16 GAN; 2-D: 2)"
    )
    if kind == "vae":
        parser.add_argument(
            "--arch", choices=("mlp", "conv"), default=None, help="default: conv on digits"
        )
        return
    parser.add_argument("--lr-g", type=float, default=None, help="generator lr (TTUR)")
    parser.add_argument("--lr-d", type=float, default=None, help="discriminator lr (TTUR)")
    parser.add_argument("--spectral-norm", action="store_true", help="spectral norm in D")
    if kind == "gan":
        parser.add_argument(
            "--loss",
            choices=("non-saturating", "minimax", "hinge"),
            default="non-saturating",
            help="generator/discriminator loss",
        )
        parser.add_argument("--label-smoothing", type=float, default=0.0, help="one-sided")
        return
    parser.add_argument("--n-critic", type=int, default=5, help="critic steps per G step")
    if kind == "wgan":
        parser.add_argument("--clip-value", type=float, default=0.01, help="critic weight box")
    else:
        parser.add_argument("--lambda-gp", type=float, default=10.0, help="penalty weight")


def run(args: argparse.Namespace, kind: str) -> int:
    """``scratch train <kind>``: train, then print one summary line."""
    check_training_arguments(args)
    options: dict[str, Any] = {"latent_dim": args.latent_dim}
    if kind == "vae":
        options["arch"] = args.arch
    else:
        options["spectral_norm"] = args.spectral_norm
    for opt in ("loss", "label_smoothing", "n_critic", "clip_value", "lambda_gp"):
        if hasattr(args, opt):
            options[opt] = getattr(args, opt)
    _, h = train_generative(
        kind,
        args.data,
        args.backend,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        lr_g=getattr(args, "lr_g", None),
        lr_d=getattr(args, "lr_d", None),
        seed=args.seed,
        out_dir=args.out,
        quiet=args.quiet,
        resume=args.resume,
        n_train=args.n_train,
        **options,
    )
    last = {k: v[-1] for k, v in h.items() if k not in ("epoch", "checkpoint") and v}
    shown = ", ".join(f"{k} {v:.4g}" for k, v in last.items())
    epochs = h["epoch"][-1]
    print(f"{kind} on {args.data}: {shown} after {epochs} epochs; checkpoint {h['checkpoint']}")
    return 0
