"""The Optimizer base: parameter groups, zero_grad, state_dict round trips, argument checks."""

import numpy as np
import pytest

from scratch.autograd import Tensor
from scratch.nn import Linear, Parameter
from scratch.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop


def _loss(model, xp):
    x = Tensor(xp.asarray(np.linspace(-1, 1, 12).reshape(4, 3), dtype=xp.float32))
    y = model(x)
    return (y * y).mean()


@pytest.mark.parametrize(
    "cls,kw",
    [
        (SGD, dict(lr=0.1, momentum=0.9)),
        (Adam, dict(lr=0.01, amsgrad=True)),
        (AdamW, dict(lr=0.01)),
        (RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
        (Adagrad, dict(lr=0.1)),
        (Adadelta, dict()),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_state_dict_resumes_training_exactly(xp, cls, kw):
    """Saving after k steps and loading into a fresh optimizer continues the same trajectory."""
    a, b = Linear(3, 2, backend=xp, rng=0), Linear(3, 2, backend=xp, rng=0)
    opt_a = cls(a.parameters(), **kw)
    for _ in range(3):
        opt_a.zero_grad()
        _loss(a, xp).backward()
        opt_a.step()
    b.load_state_dict(a.state_dict())
    opt_b = cls(b.parameters(), **kw)
    opt_b.load_state_dict(opt_a.state_dict())
    for _ in range(3):
        for m, o in ((a, opt_a), (b, opt_b)):
            o.zero_grad()
            _loss(m, xp).backward()
            o.step()
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=n)
        assert p.dtype == xp.float32


def test_param_groups_learn_at_their_own_rates_as_in_torch():
    torch = pytest.importorskip("torch")
    w, v = Parameter(np.array([1.0, 2.0])), Parameter(np.array([3.0]))
    wt, vt = (
        torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),
        torch.tensor([3.0], dtype=torch.float64, requires_grad=True),
    )
    ours = SGD([{"params": [w]}, {"params": [v], "lr": 0.5}], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [wt]}, {"params": [vt], "lr": 0.5}], lr=0.1, momentum=0.9)
    for _ in range(5):
        for p, q, o in ((w, v, ours), (wt, vt, theirs)):
            o.zero_grad()
            ((p * p).sum() + (q * q * q).sum()).backward()
            o.step()
    np.testing.assert_allclose(w.numpy(), wt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.numpy(), vt.detach().numpy(), rtol=1e-12)
    sd = ours.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5


def test_zero_grad_and_parameters_without_grad(xp):
    p = Parameter(xp.asarray([1.0, 2.0]))
    q = Parameter(xp.asarray([5.0]))
    opt = SGD([p, q], lr=0.1)
    (p * p).sum().backward()
    opt.step()  # q has no gradient: left untouched
    assert q.numpy().tolist() == [5.0]
    opt.zero_grad(set_to_none=False)
    assert p.grad.numpy().tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_optimizer_arguments_are_validated():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        SGD([p], lr=0.1, weight_decay=-0.1)
    with pytest.raises(TypeError, match="must be a Tensor"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        SGD([Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="unknown hyper-parameter"):
        SGD([{"params": [p], "betas": (0.9, 0.99)}], lr=0.1)
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([p], alpha=1.5)
    with pytest.raises(ValueError, match="rho"):
        Adadelta([p], rho=-0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        SGD([p], lr=0.1).load_state_dict({"state": {}, "param_groups": []})


def test_updates_keep_float32_parameters_in_float32(xp32):
    """No float64 leaks into a float32 update (on strict's no_float64 device it would raise)."""
    lin = Linear(3, 2, backend=xp32, rng=0)
    for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta):
        opt = cls(lin.parameters(), lr=0.01)
        for _ in range(2):
            opt.zero_grad()
            _loss(lin, xp32).backward()
            opt.step()
        assert all(p.dtype == xp32.float32 for p in lin.parameters())
