"""Tour steps: convolution as a matrix product (step "conv") and a small CNN (step "cnn")."""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, grad
from ..backend import to_numpy
from ..functional.conv import (
    conv2d,
    conv2d_matrix,
    conv2d_reference,
    conv_transpose2d,
    conv_transpose2d_reference,
)
from ..functional.norm import batch_norm
from ..io import save_figure
from ..testing import gradcheck, gradgradcheck
from . import Outcome, figures_available, step


def _random_config(rng):
    g = int(rng.integers(1, 3))
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    p = (int(rng.integers(0, 2)), int(rng.integers(0, 2)))
    h = [d[i] * (k[i] - 1) + 1 + int(rng.integers(0, 4)) for i in range(2)]
    return (2, g * int(rng.integers(1, 3)), *h), (g * int(rng.integers(1, 3)), k), s, p, d, g


def _engine_gap(bk, engine, reference, arrays, rng, *args, **kwargs) -> float:
    """max |engine - reference| over the values and dL/d(every array), L = <y, v>; both
    are called as f(*arrays, *args, **kwargs)."""
    leaves = [Tensor(bk.asarray(a), requires_grad=True) for a in arrays]
    y, y_ref = engine(*leaves, *args, **kwargs), reference(*leaves, *args, **kwargs)
    v = Tensor(bk.asarray(rng.standard_normal(y_ref.shape)))
    pairs = [(y, y_ref)] + list(zip(grad(y, leaves, v), grad(y_ref, leaves, v)))
    return max(float(np.abs(to_numpy(a.data) - to_numpy(b.data)).max()) for a, b in pairs)


@step(
    "conv",
    order=20,
    derivation=[
        (
            r"Y = X_{\mathrm{col}}\, W_{\mathrm{col}}",
            r"im2col lays every receptive field out as a row of $X_{\mathrm{col}}$: the "
            "convolution is one matrix product per group",
        ),
        (
            r"\frac{\partial L}{\partial X} = \text{col2im}\big(\partial Y\, "
            r"W_{\mathrm{col}}^\top\big)",
            "col2im adds every entry back onto the pixel it came from (overlapping windows sum)",
        ),
        r"\frac{\partial L}{\partial W_{\mathrm{col}}} = X_{\mathrm{col}}^\top\, \partial Y",
        (
            r"\operatorname{conv}(x) = M x, \quad \langle \operatorname{conv}(x), y \rangle = "
            r"\langle x, \operatorname{conv}^\top(y) \rangle = \langle x, M^\top y \rangle",
            "the adjoint identity: the transposed convolution is the dense matrix of conv, "
            "transposed",
        ),
    ],
    criterion=r"$\max|\operatorname{conv}(x) - Mx|$ and the adjoint gap $< 10^{-10}$ over 8 "
    r"random (stride, padding, dilation, groups) configurations in float64; gradcheck and "
    r"gradgradcheck of conv2d, conv_transpose2d and batch_norm pass; the engine (conv2d, "
    r"conv_transpose2d) equals the im2col reference in values and gradients to $10^{-10}$.",
    reference=[
        "scratch.functional.conv:conv2d_reference",
        "scratch.functional.conv:conv2d_matrix",
        "scratch.functional._im2col:col2im",
    ],
    api=["scratch.functional:conv2d", "scratch.functional:conv_transpose2d"],
    captions={
        "conv_matrix.png": "the dense matrix M of two convolutions (a row per output pixel, "
        "a column per input pixel): look for the repeated kernel weights along the bands and, "
        "with groups = 2, the block-diagonal structure; conv_transpose2d multiplies by M^T."
    },
)
def conv(bk, out):
    """conv2d == M x and <conv x, y> == <x, convT y> on random configs; the engine equals
    the im2col reference (values and gradients); gradchecks; figure of M."""
    if bk.float != bk.xp.float64:
        return Outcome("skipped", "needs float64", True)
    rng = np.random.default_rng(0)
    worst = engine_gap = 0.0
    for _ in range(8):
        x_shape, (c_out, k), s, p, d, g = _random_config(rng)
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal((c_out, x_shape[1] // g, *k))
        kw = {"stride": s, "padding": p, "dilation": d, "groups": g}
        y = to_numpy(conv2d(bk.asarray(x), bk.asarray(w), **kw).data)
        M = to_numpy(conv2d_matrix(x_shape[1:], bk.asarray(w), **kw))
        for n in range(x_shape[0]):
            worst = max(worst, float(np.abs(M @ x[n].ravel() - y[n].ravel()).max()))
        # adjoint: output_padding chosen so conv_transpose2d lands on x's size
        op = tuple(
            x_shape[2 + i] - ((y.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1)
            for i in range(2)
        )
        v = rng.standard_normal(y.shape)
        xt = to_numpy(conv_transpose2d(bk.asarray(v), bk.asarray(w), None, s, p, op, g, d).data)
        worst = max(worst, abs(float(np.sum(y * v) - np.sum(x * xt))))
        # the engine (chunked GEMMs, flipped kernel, fused backward) against the textbook
        # im2col + one matmul per group, differentiated by autograd
        b = rng.standard_normal(c_out)
        engine_gap = max(
            engine_gap,
            _engine_gap(bk, conv2d, conv2d_reference, [x, w, b], rng, **kw),
            _engine_gap(
                bk, conv_transpose2d, conv_transpose2d_reference, [v, w], rng, None, s, p, op, g, d
            ),
        )
    t = np.random.default_rng(1)

    def leaf(*shape):
        return Tensor(bk.asarray(t.standard_normal(shape)), requires_grad=True)

    X, W, B = leaf(1, 2, 4, 3), leaf(2, 1, 2, 2), leaf(2)
    W2, Xb, G = leaf(2, 2, 2, 2), leaf(3, 2, 2, 2), leaf(2)
    grads_ok = (
        gradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1, groups=2), [X, W, B])
        and gradgradcheck(lambda x, w, b: conv2d(x, w, b, dilation=(1, 2)), [X, W2, B])
        and gradcheck(
            lambda x, w, b: conv_transpose2d(x, w, b, stride=2, output_padding=1, groups=2),
            [X, W, B],
        )
        and gradgradcheck(
            lambda x, g, b: batch_norm(x, None, None, g, b, training=True), [Xb, G, B]
        )
    )
    figures = [_matrix_figure(bk, out)] if figures_available() else []
    passed = worst < 1e-10 and engine_gap < 1e-10 and grads_ok
    return Outcome(
        f"max |conv - Mx|, adjoint gap {worst:.1e}; engine - reference {engine_gap:.1e}",
        "8 random configs, engine == im2col reference (values, gradients); "
        "gradcheck conv/convT/BN (2nd order too)",
        passed,
        figures,
    )


def _matrix_figure(bk, out) -> str:
    """Sparsity of M for a 3x3 conv on 6x6 (pad 1), and a strided, grouped one."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rng = np.random.default_rng(2)
    cases = [
        (
            "1 -> 1 channel, 6x6 input, 3x3, pad 1, stride 1",
            (1, 6, 6),
            (1, 1, 3, 3),
            {"padding": 1},
        ),
        (
            "2 -> 2 channels, groups 2, 3x3, stride 2, pad 1",
            (2, 6, 6),
            (2, 1, 3, 3),
            {"padding": 1, "stride": 2, "groups": 2},
        ),
    ]
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    axes = fig.subplots(1, 2, width_ratios=[1, 1.3])
    for ax, (title, shape, wshape, kw) in zip(axes, cases):
        M = to_numpy(conv2d_matrix(shape, bk.asarray(rng.standard_normal(wshape)), **kw))
        lim = np.abs(M).max()
        ax.imshow(M, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest", aspect="auto")
        ax.set_title(
            f"{title}\nM: {M.shape[0]} x {M.shape[1]}, {np.mean(M != 0):.0%} nonzero", fontsize=9
        )
        ax.set_xlabel("input pixel (c, h, w) ravelled")
        ax.set_ylabel("output pixel (o, p, q) ravelled")
    fig.suptitle("conv2d as a matrix: y = M x (a row per output pixel; conv_transpose2d = M^T)")
    save_figure(fig, out / "conv_matrix.png")
    return "conv_matrix.png"


@step(
    "cnn",
    order=21,
    derivation=[
        (
            r"h = \mathrm{pool}(\mathrm{relu}(\mathrm{BN}(W_2 * "
            r"\mathrm{relu}(\mathrm{BN}(W_1 * x)))))",
            "two 3x3 convolutions with batch norm and ReLU, then 2x2 max pooling",
        ),
        (
            r"p(y|x) = \mathrm{softmax}(W_4\, \mathrm{flat}(\mathrm{pool}(\mathrm{relu}("
            r"\mathrm{BN}(W_3 * h)))))",
            "a third convolution block and a linear classifier",
        ),
        (r"L = -\frac{1}{N} \sum_n \log p(y_n | x_n)", "cross entropy, minimized by Adam"),
    ],
    criterion="test accuracy far above chance after a short training run",
    reference=["scratch.training.cnn:make_cnn"],
    api=["scratch.nn:Conv2d", "scratch.nn:BatchNorm2d", "scratch.optim:Adam"],
)
def cnn(bk, out):
    """Train the digits CNN briefly; report test accuracy; plot first-layer filters and maps."""
    from ..training.cnn import digit_images, train

    model, h = train(
        bk,
        epochs=3,
        batch_size=16,
        lr=1e-2,
        augment=False,
        train_limit=400,
        widths=(8, 16, 32),
        out_dir=str(out) if figures_available() else None,  # train() draws its curves
        quiet=True,
    )
    acc = h["test_acc"][-1]
    figures = [f"{p.name}" for p in [out / "cnn_curves.png"] if p.exists()]
    if figures_available():
        figures.append(_filters_figure(bk, model, digit_images(bk, "test", limit=1)[0], out))
    return Outcome(
        f"test accuracy {acc:.3f} ({len(h['loss'])} epochs)",
        "3 epochs on 400 images: far above chance (>= 0.8)",
        acc >= 0.8,
        figures,
    )


def _filters_figure(bk, model, x, out) -> str:
    """First-layer 3x3 filters and the feature maps they give on one test digit."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..autograd import no_grad

    model.eval()
    with no_grad():
        maps = to_numpy(model[2](model[1](model[0](Tensor(x)))).data)[0]
    w = to_numpy(model[0].weight.data)[:, 0]
    n = w.shape[0]
    fig = Figure(figsize=(1.2 * (n + 1), 2.8))
    axes = fig.subplots(2, n + 1)
    axes[0, 0].imshow(to_numpy(x)[0, 0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    axes[1, 0].axis("off")
    for i in range(n):
        lim = np.abs(w[i]).max()
        axes[0, i + 1].imshow(w[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[0, i + 1].set_title(f"filter {i}", fontsize=8)
        axes[1, i + 1].imshow(maps[i], cmap="magma")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1, 1].set_ylabel("ReLU(BN(conv))", fontsize=8)
    fig.suptitle("learned first-layer filters (top) and their feature maps on a test digit")
    save_figure(fig, out / "cnn_filters.png")
    return "cnn_filters.png"
