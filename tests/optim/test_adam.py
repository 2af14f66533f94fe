"""Adam and AdamW equal torch.optim's step for step; the bias correction uses beta^t."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.nn import Parameter
from scratch.optim import Adam, AdamW


def adam_options(weight_decays):
    return st.fixed_dictionaries(
        dict(
            lr=st.sampled_from([1e-3, 0.01, 0.05]),
            betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
            eps=st.sampled_from([1e-8, 1e-3]),
            weight_decay=st.sampled_from(weight_decays),
            amsgrad=st.booleans(),
            maximize=st.booleans(),
        )
    )


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=adam_options([0.0, 0.1]))
def test_adam_trajectory_equals_torch(xp, parity, options):
    torch = pytest.importorskip("torch")
    parity(xp, Adam, torch.optim.Adam, options)


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=adam_options([0.0, 0.01, 0.3]))
def test_adamw_trajectory_equals_torch(xp, parity, options):
    torch = pytest.importorskip("torch")
    parity(xp, AdamW, torch.optim.AdamW, options)


@given(
    g=st.lists(st.floats(0.01, 100.0), min_size=1, max_size=5),
    signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=5, max_size=5),
    lr=st.sampled_from([1e-3, 0.1, 2.0]),
    betas=st.sampled_from([(0.9, 0.999), (0.0, 0.5), (0.99, 0.9999)]),
)
def test_adams_first_step_moves_each_parameter_by_lr_against_the_gradient(xp, g, signs, lr, betas):
    """Bias correction with beta^t: at t = 1, m/(1 - b1) = g and sqrt(v/(1 - b2)) = |g|, so
    the step is lr g / (|g| + eps): lr sign(g) up to a relative eps/|g| (<= 1e-6 here)."""
    grad = np.array(g) * np.array(signs[: len(g)])
    p = Parameter(xp.asarray(np.zeros(len(g))))
    opt = Adam([p], lr=lr, betas=betas, eps=1e-8)
    (p * xp.asarray(grad)).sum().backward()  # dL/dp = grad
    opt.step()
    np.testing.assert_allclose(p.numpy(), -lr * np.sign(grad), rtol=1e-6, atol=0)


def test_adam_bias_correction_on_a_constant_gradient_gives_lr_every_step(xp):
    """For a constant g, m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2 exactly, so every
    corrected step is lr sign(g): a wrong power (t - 1, or none) breaks this at t = 2."""
    p = Parameter(xp.asarray([0.0, 0.0]))
    opt = Adam([p], lr=0.1, betas=(0.8, 0.9), eps=0.0)
    for t in range(1, 6):
        opt.zero_grad()
        (p * xp.asarray([3.0, -0.5])).sum().backward()
        opt.step()
        np.testing.assert_allclose(p.numpy(), [-0.1 * t, 0.1 * t], rtol=1e-12)


def test_adam_validates_betas():
    with pytest.raises(ValueError, match="betas"):
        Adam([Parameter([1.0])], betas=(0.9, 1.0))
