r"""Tour step: a user's hand-written layer with a classic bug, caught and named by check_layer.

The user writes an affine layer and its mean squared loss on raw arrays of the chosen
backend (Array-API functions only, so the same lines run on NumPy, CuPy, strict):

  out = x W + b,   L = 1/(2N) sum (out - t)^2,   dL/dout = (out - t) / N,
  dL/dW = x^T dL/dout,   dL/db = sum_n dL/dout.

The broken version forgets the 1/N in dL/dW (the classic slip when the loss is a mean).
``check_layer`` must fail on exactly that parameter, name the cause "constant factor
N = 8 = the batch axis", write the heatmap of the relative error, and pass the fixed
version. A float64-less device cannot take central differences: the step then checks
that check_layer refuses float32 with the honest-tolerance advice.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..testing import GradcheckError, check_layer
from . import Outcome, figures_available, step

N, D, M = 8, 4, 3


def _layer(t):
    """The user's forward/backward pair for L = 1/(2N) ||x W + b - t||^2 (t fixed)."""

    def forward(x, W, b):
        xp = backend.namespace(x)
        r = x @ W + b - t
        return xp.sum(r * r) / (2 * x.shape[0]), (x, W, r)

    def backward(dL, cache):
        x, W, r = cache
        xp = backend.namespace(x)
        dr = dL * r / x.shape[0]
        return dr @ W.T, {"W": x.T @ dr, "b": xp.sum(dr, axis=0)}

    def backward_without_1_over_n(dL, cache):
        x, W, r = cache
        xp = backend.namespace(x)
        dr = dL * r / x.shape[0]
        return dr @ W.T, {"W": x.T @ (dL * r), "b": xp.sum(dr, axis=0)}

    return forward, backward, backward_without_1_over_n


@step(
    "gradcheck-user",
    order=6,
    derivation=[
        (r"L = \frac{1}{2N} \sum_{n,j} (x W + b - t)_{nj}^2", "the user's mean loss"),
        (r"\frac{\partial L}{\partial W} = \frac{1}{N} x^\top (x W + b - t)", "the right one"),
        (
            r"n_i = \frac{L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)}{2 \epsilon}",
            "central differences, $\\epsilon = 10^{-6}$, error $O(\\epsilon^2)$",
        ),
    ],
    criterion=(
        "the broken backward fails on W alone, with the cause named as the constant factor "
        "$N = 8$ (axis 0 of $x$); the fixed one passes with torch's tolerances "
        "$|a - n| \\le 10^{-5} + 10^{-3} |n|$"
    ),
    reference=["scratch.testing.causes:value_cause"],
    api=["scratch.testing:check_layer", "scratch.testing:check_vjp"],
    captions={"check_layer_W.png": "relative error of dL/dW: every element off by the same 7/8"},
)
def gradcheck_user(bk, out):
    """check_layer on a user's affine layer: the missing 1/N is caught, named, and fixed."""
    rng = np.random.default_rng(0)
    x, W, b, t = (bk.asarray(rng.standard_normal(s)) for s in ((N, D), (D, M), (M,), (N, M)))
    forward, backward, broken = _layer(t)
    if bk.float != bk.xp.float64:
        try:
            check_layer(forward, backward, x, {"W": W, "b": b})
        except TypeError as e:
            ok = "float32='coarse'" in str(e)
            return Outcome("float32 refused with advice", str(e)[:120], ok)
        return Outcome("float32 accepted", "float32 must be refused", False)
    try:
        report_dir = out if figures_available() else None  # the report draws a figure
        check_layer(forward, broken, x, {"W": W, "b": b}, report_dir=report_dir)
        caught, cause, failed = False, "", []
    except GradcheckError as e:
        caught, failed = True, e.failed
        cause = next(r.cause or "" for r in e.reports if r.name == "W")
    named = cause.startswith("constant factor: analytic = 8 x numeric") and "8 = axis 0" in cause
    fixed = check_layer(forward, backward, x, {"W": W, "b": b})
    figures = ["check_layer_W.png"] if (out / "check_layer_W.png").exists() else []
    drawn = bool(figures) or not figures_available()
    passed = caught and failed == ["W"] and named and fixed and drawn
    check = f"broken dL/dW caught ({', '.join(failed) or 'nothing'}): {cause.split(';')[0]}"
    return Outcome(
        "missing 1/N caught and named; fixed layer passes" if passed else "not caught",
        check,
        passed,
        figures,
        numbers={"failing parameters": ", ".join(failed), "fixed layer passes": fixed},
    )
