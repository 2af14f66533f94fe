"""SGD equals torch.optim.SGD step for step, for every option combination."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.nn import Parameter
from scratch.optim import SGD


@st.composite
def sgd_options(draw):
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
    nesterov = momentum > 0 and draw(st.booleans())
    return dict(
        lr=draw(st.sampled_from([0.01, 0.05])),
        momentum=momentum,
        dampening=0.0 if nesterov else draw(st.sampled_from([0.0, 0.3])),
        nesterov=nesterov,
        weight_decay=draw(st.sampled_from([0.0, 0.1])),
        maximize=draw(st.booleans()),
    )


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=sgd_options())
def test_sgd_trajectory_equals_torch(xp, parity, options):
    """torch.optim.SGD's documented rule, 50 steps, float64, every option combination."""
    torch = pytest.importorskip("torch")
    parity(xp, SGD, torch.optim.SGD, options)


def test_plain_sgd_step_is_p_minus_lr_g(xp):
    """The textbook rule with no options: p <- p - lr g (here g = 2 p for L = sum p^2)."""
    p = Parameter(xp.asarray([1.0, -2.0]))
    opt = SGD([p], lr=0.25)
    (p * p).sum().backward()
    opt.step()
    assert p.numpy().tolist() == [0.5, -1.0]


def test_nesterov_needs_momentum_and_no_dampening():
    p = Parameter([1.0])
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
