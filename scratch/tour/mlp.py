"""Tour steps: the MLP on the digits, and the optimizers on the Rosenbrock function."""

from __future__ import annotations

import numpy as np

from .. import optim
from ..autograd import Tensor
from ..backend import to_numpy
from ..functional import cross_entropy
from ..io import save_figure
from ..testing import gradcheck
from ..training.mlp import make_mlp, train
from . import Outcome, figures_available, step


def _mlp_gradcheck(bk) -> bool:
    """gradcheck of the cross-entropy of a float64 64-8-8-10 MLP w.r.t. its first weights."""
    from ..data import load_digits

    X, y = load_digits("test", backend=bk)
    Xb, yb = X[:4, ...] / 16.0, y[:4]
    model = make_mlp(bk, (8, 8), rng=1, dtype=bk.xp.float64)
    W1 = model[0].weight
    return gradcheck(lambda w: cross_entropy(model(Tensor(Xb)), yb), [W1])


@step(
    "mlp",
    order=10,
    derivation=[
        (
            r"a_\ell = W_\ell\, h_{\ell-1} + b_\ell, \quad h_\ell = \operatorname{ReLU}(a_\ell), "
            r"\quad z = a_3",
            "the 64-256-256-10 network, $h_0 = x$",
        ),
        (
            r"L = -\frac{1}{B}\sum_{n} \log \operatorname{softmax}(z_n)_{y_n}, \quad "
            r"\frac{\partial L}{\partial z_n} = \frac{1}{B}\big(\operatorname{softmax}(z_n) - "
            r"e_{y_n}\big)",
            "cross-entropy and its gradient",
        ),
        (
            r"\delta_\ell = \frac{\partial L}{\partial a_\ell}: \quad \frac{\partial L}{\partial "
            r"W_\ell} = \delta_\ell\, h_{\ell-1}^\top, \quad \delta_{\ell-1} = \big(W_\ell^\top "
            r"\delta_\ell\big) \odot \mathbf{1}[a_{\ell-1} > 0]",
            "backpropagation, layer by layer",
        ),
    ],
    criterion=r"gradcheck of $\partial L / \partial W_1$ for a float64 64-8-8-10 net (central "
    r"differences, atol $10^{-5}$, rtol $10^{-3}$), and test accuracy $\ge 0.95$ after 6 "
    r"epochs of Adam.",
    reference=["scratch.functional.losses:CrossEntropyIndices", "scratch.training.mlp:make_mlp"],
    api=["scratch.nn:Linear", "scratch.functional:cross_entropy", "scratch.training.mlp:train"],
    captions={
        "mlp_curves.png": "the training loss and the test accuracy per epoch: the loss "
        "should fall and the accuracy pass 0.95."
    },
)
def mlp(bk, out):
    """Train the 64-H-H-10 ReLU MLP briefly with Adam; gradcheck it; plot its curves."""
    hidden = (256, 256)
    folder = out if figures_available() else None  # train() draws its curves into out_dir
    _, h = train(bk, epochs=6, hidden=hidden, lr=2e-3, seed=0, out_dir=folder, quiet=True)
    acc = h["test_acc"][-1]
    threshold = 0.95
    if bk.float == bk.xp.float64:
        grad_ok = _mlp_gradcheck(bk)
        check = f"gradcheck dL/dW1 (float64 64-8-8-10) + test acc >= {threshold}"
    else:  # a device without float64: central differences in float32 are too coarse
        grad_ok = True
        check = f"test acc >= {threshold} (no float64 here: gradcheck skipped)"
    net = "-".join(str(s) for s in (64, *hidden, 10))
    return Outcome(
        result=f"{net}: test acc {acc:.3f} after 6 epochs",
        check=check,
        passed=bool(grad_ok and acc >= threshold),
        figures=["mlp_curves.png"],
    )


def rosenbrock(p: Tensor) -> Tensor:
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1), a curved narrow valley."""
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


OPTIMIZERS = {
    "SGD (lr 1e-3, momentum 0.9)": (optim.SGD, dict(lr=1e-3, momentum=0.9)),
    "Adagrad (lr 0.3)": (optim.Adagrad, dict(lr=0.3)),
    "RMSprop (lr 0.02)": (optim.RMSprop, dict(lr=0.02)),
    "Adadelta (lr 10)": (optim.Adadelta, dict(lr=10.0)),
    "Adam (lr 0.1)": (optim.Adam, dict(lr=0.1)),
    "AdamW (lr 0.1, wd 0.01)": (optim.AdamW, dict(lr=0.1, weight_decay=0.01)),
}
START = (-1.5, 2.0)


def _run(bk, cls, kw, steps):
    p = Tensor(bk.asarray(np.array(START), dtype=bk.float), requires_grad=True)
    opt = cls([p], **kw)
    path, losses = [to_numpy(p.data)], []
    for _ in range(steps):
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        opt.step()
        losses.append(loss.data)
        path.append(to_numpy(p.data))  # the tour plots the path: one host copy per step
    losses.append(rosenbrock(p).data)
    return np.array(path), np.array([float(to_numpy(v)) for v in losses])


def _adam_first_step_is_lr_sign_g(bk) -> bool:
    """Adam's bias correction: the first step is lr g / (|g| + eps) = lr sign(g)."""
    p = Tensor(bk.asarray(np.array(START), dtype=bk.float), requires_grad=True)
    lr = 0.05
    opt = optim.Adam([p], lr=lr)
    rosenbrock(p).backward()
    g = to_numpy(p.grad.data)
    opt.step()
    moved = to_numpy(p.data) - np.array(START)
    tol = lr * 1e-6 if bk.float == bk.xp.float64 else 1e-6  # eps / |g| << 1e-6; float32 ulp
    return bool(np.all(np.abs(moved + lr * np.sign(g)) <= tol))


@step(
    "optimizers",
    order=11,
    derivation=[
        (
            r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2, \quad \nabla f = \big(-2(1-x) - 400\,x\,(y "
            r"- x^2),\ 200\,(y - x^2)\big)",
            "Rosenbrock's valley, minimum 0 at (1, 1)",
        ),
        (
            r"v \leftarrow \mu\, v + g, \quad \theta \leftarrow \theta - \gamma\, v",
            "SGD with momentum, as torch.optim writes it",
        ),
        (
            r"m \leftarrow \beta_1 m + (1-\beta_1)\, g, \quad v \leftarrow \beta_2 v + "
            r"(1-\beta_2)\, g^2, \quad \theta \leftarrow \theta - \gamma\, \frac{m / "
            r"(1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}",
            "Adam with its bias correction",
        ),
        (
            r"t = 1: \quad \Delta\theta = -\gamma\, \frac{g}{|g| + \epsilon} \approx -\gamma\, "
            r"\operatorname{sign}(g)",
            "the check: the bias-corrected first step moves every coordinate by the learning rate",
        ),
    ],
    criterion=r"every optimizer ends below $f(-1.5, 2) = 12.5$ after 500 steps, and Adam's "
    r"first step equals $-\gamma\,\operatorname{sign}(g)$ within $10^{-6}\gamma$.",
    reference=[
        "scratch.optim.sgd:SGD._update",
        "scratch.optim.adam:Adam._update",
        "scratch.tour.mlp:rosenbrock",
    ],
    api=["scratch.optim:SGD", "scratch.optim:Adam"],
    captions={
        "optimizers_rosenbrock.png": "left: each optimizer's path from the start (square) on "
        "the contours of f, the minimum at the star: watch which paths reach the curved "
        "valley floor and follow it; right: f per step on a log scale."
    },
)
def optimizers(bk, out):
    """Every optimizer on the Rosenbrock function from (-1.5, 2), paths on its contours."""
    steps = 500
    runs = {name: _run(bk, cls, kw, steps) for name, (cls, kw) in OPTIMIZERS.items()}
    start_loss = float((1 - START[0]) ** 2 + 100 * (START[1] - START[0] ** 2) ** 2)
    lower = {name: losses[-1] < start_loss for name, (_, losses) in runs.items()}
    adam_ok = _adam_first_step_is_lr_sign_g(bk)
    if figures_available():  # the checks above ran either way
        _plot(runs, out / "optimizers_rosenbrock.png", steps)
    best = min(runs, key=lambda n: runs[n][1][-1])
    return Outcome(
        result=f"best {best}: f = {runs[best][1][-1]:.2e} after {steps} steps",
        check="every final f < f(start); Adam step 1 = lr sign(g)",
        passed=bool(all(lower.values()) and adam_ok),
        figures=["optimizers_rosenbrock.png"],
    )


def _plot(runs, path, steps):
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    xs, ys = np.linspace(-2.0, 2.0, 300), np.linspace(-1.0, 3.0, 300)
    XX, YY = np.meshgrid(xs, ys)
    F = (1 - XX) ** 2 + 100 * (YY - XX**2) ** 2
    fig = Figure(figsize=(12, 5))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    ax.contour(XX, YY, F + 1e-3, levels=np.logspace(-1, 3.5, 18), norm=LogNorm(), cmap="viridis_r")
    colors = {name: f"C{i}" for i, name in enumerate(runs)}
    worst_first = sorted(runs, key=lambda n: -runs[n][1][-1])  # the best paths drawn on top
    for name in worst_first:
        p = runs[name][0]
        ax.plot(p[:, 0], p[:, 1], "-", color=colors[name], lw=1.0, alpha=0.9, label=name)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=colors[name], ms=6, mec="k", mew=0.5)
    ax.plot(*START, "ks", ms=7, label="start")
    ax.plot(1, 1, "k*", ms=14, label="minimum (1, 1)")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-1, 3)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("paths on f(x, y) = (1 - x)^2 + 100 (y - x^2)^2")
    ax.legend(loc="upper right", fontsize=7)
    for i, (name, (_, losses)) in enumerate(runs.items()):
        ax2.semilogy(np.arange(len(losses)), np.maximum(losses, 1e-16), color=f"C{i}", label=name)
    ax2.set_xlabel("step")
    ax2.set_ylabel("f")
    ax2.set_title(f"loss over {steps} steps")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    save_figure(fig, path)
