"""One training epoch of the 64-H-H-10 ReLU MLP (Adam, batch 64, float32) on the digits.

Ours: scratch.nn + scratch.optim + scratch.data.BatchIterator on each backend.
Peer: the same network, initialisation shapes, optimizer and batch order logic in
PyTorch (torch.nn.Sequential, torch.optim.Adam, a randperm per epoch) on "cpu" or "cuda".
Both closures run one full epoch (forward, cross-entropy, backward, Adam step per batch)
and end with the epoch's loss left on the device (no host transfer inside the epoch).
"""

from __future__ import annotations

import numpy as np

from . import Curve, Workload, numpy_ml_peers


def _digits_host(n_train: int):
    from scratch.data.digits import _host_digits, _split_indices

    X, y = _host_digits()
    idx = _split_indices("train")[:n_train]
    return (X[idx] / 16.0).astype(np.float32), y[idx].astype(np.int64)


def _n_params(size: dict) -> int:
    h = size["hidden"]
    return 64 * h + h + h * h + h + h * 10 + 10


def make_ours(bk, size: dict):
    from scratch import functional as F
    from scratch import optim
    from scratch.autograd import Tensor
    from scratch.data import BatchIterator
    from scratch.training.mlp import make_mlp

    X, y = _digits_host(size["n_train"])
    X, y = bk.asarray(X, dtype=bk.xp.float32), bk.asarray(y, dtype=bk.xp.int64)
    rng = bk.rng(0)
    model = make_mlp(bk, (size["hidden"], size["hidden"]), rng=rng)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    batches = BatchIterator(X, y, size["batch_size"], shuffle=True, rng=rng)

    def epoch():
        last = None
        for Xb, yb in batches:
            opt.zero_grad()
            loss = F.cross_entropy(model(Tensor(Xb)), yb)
            loss.backward()
            opt.step()
            last = loss.data
        return last

    return epoch


def make_torch(size: dict, device: str):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    X, y = _digits_host(size["n_train"])
    X = torch.as_tensor(X, device=device)
    y = torch.as_tensor(y, device=device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    torch.manual_seed(0)
    h = size["hidden"]
    model = torch.nn.Sequential(
        torch.nn.Linear(64, h),
        torch.nn.ReLU(),
        torch.nn.Linear(h, h),
        torch.nn.ReLU(),
        torch.nn.Linear(h, 10),
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    B, n = size["batch_size"], X.shape[0]

    def epoch():
        perm = torch.randperm(n, generator=gen).to(device)
        last = None
        for lo in range(0, n, B):
            idx = perm[lo : lo + B]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            last = loss.detach()
        return last

    return epoch


WORKLOADS = [
    Workload(
        name="mlp_epoch",
        family="nn",
        description="one epoch, 64-H-H-10 ReLU MLP, Adam, batch 64, float32, digits",
        sizes={
            "full": {"n_train": 1437, "hidden": 256, "batch_size": 64},
            "quick": {"n_train": 1437, "hidden": 256, "batch_size": 64},
            "tiny": {"n_train": 256, "hidden": 32, "batch_size": 64},
        },
        make=make_ours,
        peers={"torch": make_torch, "numpy-ml": numpy_ml_peers.mlp},
        # forward 2 flops per weight and sample, backward twice that (grad x and grad W)
        flops=lambda size: 6.0 * _n_params(size) * size["n_train"],
        backends=("numpy", "strict", "cupy", "torch"),
        curve=Curve("hidden", full=[64, 256, 1024], quick=[64, 256], tiny=[16, 32]),
        dtype="float32",
    )
]
