"""Convolution and batch norm, forward + backward (input, weight, bias grads), float32.

Ours: scratch.functional.conv2d / conv_transpose2d / batch_norm (im2col + GEMMs over
cache-sized chunks of the batch; the stride-1 backward as one unfolding of dy that
serves both gradients; col2im as kh kw strided slice-adds for strides > 1) on each
backend. Peer: torch.nn.functional on "cpu" or "cuda", in the same process. Each
closure runs one forward and one backward with a fixed output gradient and returns the
input gradient (left on the device).

FLOPs: a convolution's forward is 2 N C_out Ho Wo (C_in / g) kh kw multiply-adds
counted twice; the backward does the same work twice more (dX and dW), so one
repetition is 3x that. A transposed convolution costs the same as the convolution it
is the adjoint of. Batch norm is memory-bound: no FLOP count, only times.
"""

from __future__ import annotations

import numpy as np

from . import Curve, Workload, numpy_ml_peers


def _conv_flops(size: dict) -> float:
    n, c_in, c_out, h, k, g = (size[key] for key in ("n", "c_in", "c_out", "h", "k", "groups"))
    if size.get("transposed"):
        # the adjoint convolution maps the (H_out) image with c_out channels to the input
        return 3.0 * 2 * n * c_in * h * h * (c_out // g) * k * k
    ho = (h + 2 * size["padding"] - k) // size["stride"] + 1
    return 3.0 * 2 * n * c_out * ho * ho * (c_in // g) * k * k


def _host(size: dict, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, c_in, c_out, h, k, g = (size[key] for key in ("n", "c_in", "c_out", "h", "k", "groups"))
    x = rng.standard_normal((n, c_in, h, h)).astype(np.float32)
    if size.get("transposed"):
        w = rng.standard_normal((c_in, c_out // g, k, k)).astype(np.float32) * 0.05
    else:
        w = rng.standard_normal((c_out, c_in // g, k, k)).astype(np.float32) * 0.05
    b = rng.standard_normal(c_out).astype(np.float32)
    return x, w, b


def _args(size):
    kw = {"stride": size["stride"], "padding": size["padding"], "groups": size["groups"]}
    if size.get("transposed"):
        kw["output_padding"] = size.get("output_padding", 0)
    return kw


def make_conv_ours(bk, size: dict):
    from scratch.autograd import Tensor
    from scratch.functional import conv2d, conv_transpose2d

    x, w, b = _host(size)
    X = Tensor(bk.asarray(x, dtype=bk.xp.float32), requires_grad=True)
    W = Tensor(bk.asarray(w, dtype=bk.xp.float32), requires_grad=True)
    B = Tensor(bk.asarray(b, dtype=bk.xp.float32), requires_grad=True)
    op = conv_transpose2d if size.get("transposed") else conv2d
    kw = _args(size)
    with_shape = op(X, W, B, **kw)
    gy = Tensor(bk.ones(with_shape.shape, dtype=bk.xp.float32))

    def step():
        X.grad = W.grad = B.grad = None
        op(X, W, B, **kw).backward(gy)
        return X.grad.data

    return step


def make_conv_torch(size: dict, device: str):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    x, w, b = _host(size)
    X = torch.tensor(x, device=device, requires_grad=True)
    W = torch.tensor(w, device=device, requires_grad=True)
    B = torch.tensor(b, device=device, requires_grad=True)
    F = torch.nn.functional
    op = F.conv_transpose2d if size.get("transposed") else F.conv2d
    kw = _args(size)
    gy = torch.ones_like(op(X, W, B, **kw))

    def step():
        X.grad = W.grad = B.grad = None
        op(X, W, B, **kw).backward(gy)
        return X.grad

    return step


def make_bn_ours(bk, size: dict):
    from scratch.autograd import Tensor
    from scratch.functional import batch_norm

    rng = np.random.default_rng(0)
    n, c, h = size["n"], size["c"], size["h"]
    X = Tensor(
        bk.asarray(rng.standard_normal((n, c, h, h)), dtype=bk.xp.float32), requires_grad=True
    )
    G = Tensor(bk.ones((c,), dtype=bk.xp.float32), requires_grad=True)
    Bt = Tensor(bk.zeros((c,), dtype=bk.xp.float32), requires_grad=True)
    rm, rv = bk.zeros((c,), dtype=bk.xp.float32), bk.ones((c,), dtype=bk.xp.float32)
    gy = Tensor(bk.asarray(rng.standard_normal((n, c, h, h)), dtype=bk.xp.float32))

    def step():
        X.grad = G.grad = Bt.grad = None
        batch_norm(X, rm, rv, G, Bt, training=True).backward(gy)
        return X.grad.data

    return step


def make_bn_torch(size: dict, device: str):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    rng = np.random.default_rng(0)
    n, c, h = size["n"], size["c"], size["h"]
    X = torch.tensor(
        rng.standard_normal((n, c, h, h)), dtype=torch.float32, device=device, requires_grad=True
    )
    G = torch.ones(c, device=device, requires_grad=True)
    Bt = torch.zeros(c, device=device, requires_grad=True)
    rm, rv = torch.zeros(c, device=device), torch.ones(c, device=device)
    gy = torch.tensor(rng.standard_normal((n, c, h, h)), dtype=torch.float32, device=device)

    def step():
        X.grad = G.grad = Bt.grad = None
        torch.nn.functional.batch_norm(X, rm, rv, G, Bt, training=True).backward(gy)
        return X.grad

    return step


def _conv_sizes(full: dict, quick_n: int = 8) -> dict:
    return {
        "full": full,
        "quick": full | {"n": quick_n},
        "tiny": full
        | {"n": 2, "c_in": 8, "c_out": 8 if full["groups"] == 1 else full["groups"], "h": 8},
    }


_CONV = {"n": 32, "c_in": 64, "c_out": 64, "h": 32, "k": 3, "stride": 1, "padding": 1, "groups": 1}
_GROUPED = _CONV | {"groups": 8}
_TRANSPOSED = {
    "n": 32,
    "c_in": 64,
    "c_out": 32,
    "h": 16,
    "k": 4,
    "stride": 2,
    "padding": 1,
    "groups": 1,
    "transposed": True,
}

WORKLOADS = [
    Workload(
        name="conv2d",
        family="conv",
        sizes=_conv_sizes(_CONV),
        make=make_conv_ours,
        peers={"torch": make_conv_torch, "numpy-ml": numpy_ml_peers.conv2d},
        flops=_conv_flops,
        curve=Curve("n", full=[4, 8, 16, 32, 64], quick=[2, 8], tiny=[1, 2]),  # batch size
        description="conv2d 64->64, 3x3, pad 1, N=32, 32x32: forward + backward",
    ),
    Workload(
        name="conv2d_grouped",
        family="conv",
        sizes=_conv_sizes(_GROUPED) | {"tiny": _GROUPED | {"n": 2, "h": 8}},
        make=make_conv_ours,
        peers={"torch": make_conv_torch},
        flops=_conv_flops,
        description="conv2d 64->64, groups=8, 3x3, pad 1, N=32, 32x32: forward + backward",
    ),
    Workload(
        name="conv_transpose2d",
        family="conv",
        sizes=_conv_sizes(_TRANSPOSED)
        | {"tiny": _TRANSPOSED | {"n": 2, "c_in": 8, "c_out": 4, "h": 4}},
        make=make_conv_ours,
        peers={"torch": make_conv_torch},
        flops=_conv_flops,
        description="conv_transpose2d 64->32, k4 s2 p1, 16x16 -> 32x32, N=32: fwd + bwd",
    ),
    Workload(
        name="batch_norm",
        family="conv",
        sizes={
            "full": {"n": 64, "c": 64, "h": 32},
            "quick": {"n": 16, "c": 64, "h": 32},
            "tiny": {"n": 4, "c": 8, "h": 8},
        },
        make=make_bn_ours,
        peers={"torch": make_bn_torch, "numpy-ml": numpy_ml_peers.batch_norm},
        description="batch_norm training on (64, 64, 32, 32): forward + backward",
    ),
]
