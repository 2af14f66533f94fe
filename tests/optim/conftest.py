"""The torch.optim oracle shared by the optimizer tests: one model, 50 steps, both libraries."""

import numpy as np
import pytest

from scratch.autograd import Tensor
from scratch.nn import Parameter


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W": rng.standard_normal((3, 4)),
        "b": rng.standard_normal(3),
        "X": rng.standard_normal((8, 4)),
        "Y": rng.standard_normal((8, 3)),
    }


def _loss(W, b, X, Y, mT):
    """L = mean((X W^T + b - Y)^2) + 0.05 sum W^4: a least-squares fit with a quartic
    penalty, so the gradient keeps changing direction and every state term matters."""
    r = X @ mT(W) + b - Y
    return (r * r).mean() + 0.05 * (W * W * W * W).sum()


def run_parity(xp, ours_cls, theirs_cls, options, steps=50, rtol=1e-8, atol=1e-8):
    """Run ``steps`` optimizer steps from the same start in scratch (on xp, float64) and in
    torch (float64, CPU); assert the parameters agree after every step.

    With maximize=True the objective handed to both is -L, so the ascent still converges.
    The two libraries evaluate the same formulas in different operation orders, so they
    differ by rounding only (~1e-15 per step); 1e-8 is the contract's tolerance.
    """
    torch = pytest.importorskip("torch")
    pr = _problem()
    sign = -1.0 if options.get("maximize") else 1.0
    W = Parameter(xp.asarray(pr["W"], dtype=xp.float64))
    b = Parameter(xp.asarray(pr["b"], dtype=xp.float64))
    X, Y = Tensor(xp.asarray(pr["X"])), Tensor(xp.asarray(pr["Y"]))
    Wt = torch.tensor(pr["W"], requires_grad=True)
    bt = torch.tensor(pr["b"], requires_grad=True)
    Xt, Yt = torch.from_numpy(pr["X"]), torch.from_numpy(pr["Y"])
    ours = ours_cls([W, b], **options)
    theirs = theirs_cls([Wt, bt], **options)
    for step in range(steps):
        ours.zero_grad()
        (sign * _loss(W, b, X, Y, lambda w: w.T)).backward()
        ours.step()
        theirs.zero_grad()
        (sign * _loss(Wt, bt, Xt, Yt, lambda w: w.T)).backward()
        theirs.step()
        for p, q, name in ((W, Wt, "W"), (b, bt, "b")):
            np.testing.assert_allclose(
                p.numpy(),
                q.detach().numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{ours_cls.__name__}{options}: {name} differs after step {step + 1}",
            )
    return ours, (W, b)


@pytest.fixture
def parity():
    return run_parity
