"""StepLR and CosineAnnealingLR give torch.optim.lr_scheduler's learning-rate sequences."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch.nn import Parameter
from scratch.optim import SGD
from scratch.optim.lr_scheduler import CosineAnnealingLR, StepLR


def _sequences(ours_cls, theirs_cls, epochs, lr, **kw):
    torch = pytest.importorskip("torch")
    ours = ours_cls(SGD([Parameter(np.ones(1))], lr=lr), **kw)
    opt_t = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=lr)
    theirs = theirs_cls(opt_t, **kw)
    a, b = [ours.get_last_lr()[0]], [theirs.get_last_lr()[0]]
    for _ in range(epochs):
        opt_t.step()  # torch warns when the scheduler steps before the optimizer
        ours.step()
        theirs.step()
        a.append(ours.get_last_lr()[0])
        b.append(theirs.get_last_lr()[0])
    return np.array(a), np.array(b)


@given(
    step_size=st.integers(1, 7),
    gamma=st.sampled_from([0.1, 0.5, 0.9]),
    lr=st.sampled_from([0.1, 1.0, 3e-4]),
)
def test_step_lr_equals_torch(step_size, gamma, lr):
    """lr_e = lr_0 gamma^floor(e / step_size); torch multiplies recursively, so the two
    agree to rounding (1e-12 relative after 30 epochs)."""
    torch = pytest.importorskip("torch")
    a, b = _sequences(
        StepLR, torch.optim.lr_scheduler.StepLR, 30, lr, step_size=step_size, gamma=gamma
    )
    np.testing.assert_allclose(a, b, rtol=1e-12)


@given(
    T_max=st.integers(1, 15), eta_min=st.sampled_from([0.0, 1e-3]), lr=st.sampled_from([0.1, 1.0])
)
def test_cosine_annealing_equals_torch(T_max, eta_min, lr):
    """The closed form eta_min + (lr_0 - eta_min)(1 + cos(pi e / T_max)) / 2 against torch's
    recursive form, through two and a half periods (the recursion's rounding stays < 1e-10)."""
    torch = pytest.importorskip("torch")
    a, b = _sequences(
        CosineAnnealingLR,
        torch.optim.lr_scheduler.CosineAnnealingLR,
        5 * T_max,
        lr,
        T_max=T_max,
        eta_min=eta_min,
    )
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_cosine_worked_example():
    """T_max = 4 from lr 1: 1, (1 + cos(pi/4))/2, 1/2, (1 - cos(pi/4))/2, 0."""
    s = CosineAnnealingLR(SGD([Parameter(np.ones(1))], lr=1.0), T_max=4)
    seq = [s.get_last_lr()[0]]
    for _ in range(4):
        s.step()
        seq.append(s.get_last_lr()[0])
    c = math.cos(math.pi / 4)
    np.testing.assert_allclose(seq, [1, (1 + c) / 2, 0.5, (1 - c) / 2, 0], atol=1e-15)


def test_scheduler_arguments_are_validated():
    opt = SGD([Parameter(np.ones(1))], lr=1.0)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, 0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, 0)
