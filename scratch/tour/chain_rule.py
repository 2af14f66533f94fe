"""Tour step: backpropagation by the chain rule, checked against a hand derivation.

The classic 2-2-2 sigmoid network (M. Mazur's step-by-step example): the engine's ten
gradients must equal the ones derived by hand (see tests/autograd/test_engine.py for
the derivation), and every activation's derivative must pass gradcheck and
gradgradcheck. The figure plots each activation and its derivative computed by the
engine (one backward pass of sum(f(x)) gives f'(x) elementwise).
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..backend import to_numpy
from ..testing import gradcheck, gradgradcheck
from . import Outcome, figures_available, step

# weights and the gradients dE/dw derived by hand for x = (0.05, 0.10), t = (0.01, 0.99)
_WEIGHTS = dict(
    w1=0.15, w2=0.20, w3=0.25, w4=0.30, b1=0.35, w5=0.40, w6=0.45, w7=0.50, w8=0.55, b2=0.60
)
_HAND = dict(
    w1=0.0004385677344743465,
    w2=0.000877135468948693,
    w3=0.0004977127352608599,
    w4=0.0009954254705217198,
    b1=0.018725609394704128,
    w5=0.08216704056423077,
    w6=0.08266762784753325,
    w7=-0.02260254047747507,
    w8=-0.022740242215978222,
    b2=0.10040032511200071,
)
_E_HAND = 0.2983711087600027

ACTIVATIONS = {
    "relu": F.relu,
    "leaky_relu(0.1)": lambda x: F.leaky_relu(x, 0.1),
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "gelu (tanh)": lambda x: F.gelu(x, approximate="tanh"),
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "silu": F.silu,
    "hardtanh": F.hardtanh,
}


def _worked_example(bk):
    """Forward and backward through the 2-2-2 network; returns E and {name: dE/dname}."""
    p = {
        k: Tensor(bk.asarray(np.asarray(v), dtype=bk.float), requires_grad=True)
        for k, v in _WEIGHTS.items()
    }
    x1, x2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    h1 = F.sigmoid(p["w1"] * x1 + p["w2"] * x2 + p["b1"])
    h2 = F.sigmoid(p["w3"] * x1 + p["w4"] * x2 + p["b1"])
    o1 = F.sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    o2 = F.sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    E = ((o1 - t1) ** 2.0 + (o2 - t2) ** 2.0) * 0.5
    E.backward()
    return E.item(), {k: t.grad.item() for k, t in p.items()}


def _plot(bk, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import save_figure

    xs = np.linspace(-4.0, 4.0, 801)
    fig, axes = plt.subplots(3, 4, figsize=(13, 8.5), sharex=True)
    for ax, (name, fn) in zip(axes.ravel(), ACTIVATIONS.items()):
        x = Tensor(bk.asarray(xs, dtype=bk.float), requires_grad=True)
        y = fn(x)
        y.sum().backward()  # d/dx_i sum_j f(x_j) = f'(x_i): the derivative, elementwise
        ax.axhline(0.0, color="0.8", lw=0.8)
        ax.axvline(0.0, color="0.8", lw=0.8)
        ax.plot(xs, to_numpy(y.data), color="C0", lw=2, label="f(x)")
        ax.plot(xs, to_numpy(x.grad.data), color="C3", lw=1.5, ls="--", label="f'(x) (engine)")
        ax.set_title(name)
        ax.set_ylim(-2.1, 4.4)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    fig.suptitle(f"Activations and their derivatives by reverse mode ({bk.name})")
    fig.tight_layout()
    save_figure(fig, path)


@step(
    "chain-rule",
    order=5,
    derivation=[
        (
            r"h = \sigma(W_1 x + b_1), \quad o = \sigma(W_2 h + b_2), \quad E = "
            r"\tfrac{1}{2}\|o - t\|^2",
            "the 2-2-2 network of the worked example: $x = (0.05, 0.10)$, $t = (0.01, 0.99)$, "
            "one shared bias per layer",
        ),
        (r"\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)", ""),
        (
            r"\delta_o = (o - t) \odot o \odot (1 - o), \quad \frac{\partial E}{\partial W_2} = "
            r"\delta_o\, h^\top, \quad \frac{\partial E}{\partial b_2} = \sum_k (\delta_o)_k",
            "the output layer",
        ),
        (
            r"\delta_h = (W_2^\top \delta_o) \odot h \odot (1 - h), \quad \frac{\partial "
            r"E}{\partial W_1} = \delta_h\, x^\top",
            r"the hidden layer: the chain rule carries $\delta_o$ back through $W_2$",
        ),
        (
            r"\frac{\partial}{\partial x_i} \sum_j f(x_j) = f'(x_i)",
            r"the figure: one backward pass of $\sum_j f(x_j)$ gives the derivative at every point",
        ),
    ],
    criterion=r"all ten $\partial E / \partial w$ and $E$ equal to the hand derivation within "
    r"$10^{-12}$ in float64 ($10^{-6}$ in float32, which carries about 7 digits); gradcheck and "
    r"gradgradcheck of 14 activations at points away from their kinks.",
    reference=["scratch.autograd.engine:_backprop", "scratch.functional.activations:Sigmoid"],
    api=["scratch.autograd:Tensor.backward", "scratch.functional:sigmoid"],
    captions={
        "chain_rule_activations.png": "each panel: an activation f (blue) and the derivative "
        "the engine computes by one backward pass (red, dashed). Look for f' jumping at the "
        "kinks of relu, leaky_relu and hardtanh, and for sigmoid's f' = f (1 - f) peaking at 1/4."
    },
)
def chain_rule(bk, out):
    """Worked backprop example vs the hand derivation; gradcheck of every activation."""
    E, grads = _worked_example(bk)
    float64 = bk.float == bk.xp.float64
    tol = 1e-12 if float64 else 1e-6  # float32 carries ~7 digits
    worst = max(abs(grads[k] - v) for k, v in _HAND.items())
    ok = worst < tol and abs(E - _E_HAND) < tol
    checked = 0
    if float64:
        rng = np.random.default_rng(0)
        x0 = rng.uniform(0.2, 2.0, (2, 3)) * rng.choice([-1.0, 1.0], (2, 3))  # away from kinks
        fns = list(ACTIVATIONS.values()) + [
            lambda x: F.softmax(x, dim=-1),
            lambda x: F.log_softmax(x, dim=-1),
        ]
        for fn in fns:
            x = Tensor(bk.asarray(x0), requires_grad=True)
            ok = ok and gradcheck(fn, [x]) and gradgradcheck(fn, [x])
            checked += 1
    fig = "chain_rule_activations.png"
    if figures_available():  # the checks above ran either way
        _plot(bk, out / fig)
    check = f"hand-derived grads |diff| {worst:.1e}"
    check += f"; gradcheck+gradgradcheck of {checked} activations" if float64 else ""
    return Outcome(f"E = {E:.9f}, dE/dw5 = {grads['w5']:.9f}", check, bool(ok), [fig])
