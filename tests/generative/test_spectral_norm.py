"""scratch.nn.utils.spectral_norm: power iteration finds the top singular value; torch parity.

Power iteration converges at the rate (s_2 / s_1)^2 per step; hypothesis-drawn Gaussian
matrices have a spectral gap, and 300 steps bring sigma to the SVD's s_1 within 1e-6
relative when s_2 / s_1 < 0.95 (0.95^600 ~ 4e-14; draws with a smaller gap would need
more steps and are skipped, with ``assume``). Torch parity: same weight and same u, v -> same W_SN,
to 1e-12 in float64 (the same arithmetic).
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend, nn
from scratch.autograd import Tensor
from scratch.nn.utils import remove_spectral_norm, spectral_norm
from scratch.testing import gradcheck
from scratch.testing.strategies import floats

WEIGHT_SHAPES = st.one_of(
    st.tuples(st.integers(1, 6), st.integers(1, 6)),
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
)


def _layer(xp, W):
    """A Linear or Conv2d holding weight W (float64)."""
    if W.ndim == 2:
        m = nn.Linear(W.shape[1], W.shape[0], backend=xp, dtype=xp.float64, rng=0)
    else:
        m = nn.Conv2d(W.shape[1], W.shape[0], W.shape[2:], backend=xp, dtype=xp.float64, rng=0)
    m.weight.data = xp.asarray(W.copy())
    return m


@given(W=WEIGHT_SHAPES.flatmap(lambda s: hnp.arrays(np.float64, s, elements=floats(-2, 2))))
def test_sigma_equals_the_largest_singular_value_after_enough_power_iterations(xp, W):
    s = np.linalg.svd(W.reshape(W.shape[0], -1), compute_uv=False)
    assume(s[0] > 1e-3 and (len(s) == 1 or s[1] / s[0] < 0.95))
    m = spectral_norm(_layer(xp, W), n_power_iterations=300, rng=0)
    m._spectral_norms["weight"].power_iteration(m)
    sigma = float(backend.to_numpy(m._spectral_norms["weight"].sigma(m).data))
    np.testing.assert_allclose(sigma, s[0], rtol=1e-6)
    x = Tensor(xp.asarray(np.ones((1, *((W.shape[1],) if W.ndim == 2 else (W.shape[1], 3, 3))))))
    m(x)  # the forward pass divides by sigma: W_SN has spectral norm 1
    W_sn = backend.to_numpy(m.weight.data).reshape(W.shape[0], -1)
    np.testing.assert_allclose(np.linalg.svd(W_sn, compute_uv=False)[0], 1.0, rtol=1e-6)


def test_one_iteration_per_forward_matches_torch_spectral_norm(xp):
    """Same weight and initial (u, v) as torch.nn.utils.spectral_norm: after each of three
    training forwards W_SN, u and v agree (torch updates them in a forward pre-hook)."""
    torch = pytest.importorskip("torch")
    W = np.random.default_rng(0).normal(size=(4, 6))
    ours = spectral_norm(_layer(xp, W), rng=1)
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(6, 4).double())
    with torch.no_grad():
        theirs.weight_orig.copy_(torch.as_tensor(W))
        theirs.bias.copy_(torch.as_tensor(backend.to_numpy(ours.bias.data)))
        theirs.weight_u.copy_(torch.as_tensor(backend.to_numpy(ours.weight_u)))
        theirs.weight_v.copy_(torch.as_tensor(backend.to_numpy(ours.weight_v)))
    x = np.random.default_rng(1).normal(size=(3, 6))
    for _ in range(3):
        y = ours(Tensor(xp.asarray(x)))
        y_t = theirs(torch.as_tensor(x))
        np.testing.assert_allclose(backend.to_numpy(y.data), y_t.detach().numpy(), rtol=1e-12)
        for name in ("weight_u", "weight_v"):
            np.testing.assert_allclose(
                backend.to_numpy(getattr(ours, name)), getattr(theirs, name).numpy(), rtol=1e-12
            )


def test_transposed_convolution_normalizes_along_its_output_axis(xp):
    """ConvTranspose2d's weight is (C_in, C_out, kh, kw): dim defaults to 1, as in torch."""
    m = nn.ConvTranspose2d(3, 5, 2, backend=xp, dtype=xp.float64, rng=0)
    spectral_norm(m, n_power_iterations=300, rng=0)
    assert m.weight_u.shape == (5,) and m.weight_v.shape == (12,)
    W = backend.to_numpy(m.weight_orig.data).transpose(1, 0, 2, 3).reshape(5, -1)
    sigma = float(backend.to_numpy(m._spectral_norms["weight"].sigma(m).data))
    m(Tensor(xp.asarray(np.ones((1, 3, 2, 2)))))
    sigma = float(backend.to_numpy(m._spectral_norms["weight"].sigma(m).data))
    np.testing.assert_allclose(sigma, np.linalg.svd(W, compute_uv=False)[0], rtol=1e-8)


def test_gradients_flow_through_the_normalized_weight(xp):
    """d/dW_orig of sum(layer(x)) with u, v constant: gradcheck in eval mode (no update)."""
    m = spectral_norm(nn.Linear(3, 2, backend=xp, dtype=xp.float64, rng=0), rng=0)
    m.eval()
    x = Tensor(xp.asarray(np.random.default_rng(0).normal(size=(4, 3))))
    gradcheck(lambda w: m(x), [m.weight_orig])


def test_eval_mode_keeps_u_and_v_and_the_state_dict_holds_them(xp):
    m = spectral_norm(nn.Linear(3, 2, backend=xp, rng=0), rng=0)
    assert set(m.state_dict()) == {"weight_orig", "bias", "weight_u", "weight_v"}
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_orig"]
    u0 = backend.to_numpy(m.weight_u).copy()
    m.eval()
    m(Tensor(xp.ones((1, 3), dtype=xp.float32)))
    np.testing.assert_array_equal(backend.to_numpy(m.weight_u), u0)
    m.train()
    m(Tensor(xp.ones((1, 3), dtype=xp.float32)))
    assert not np.array_equal(backend.to_numpy(m.weight_u), u0)


def test_remove_spectral_norm_leaves_the_normalized_weight_as_a_parameter(xp):
    m = spectral_norm(nn.Linear(3, 2, backend=xp, dtype=xp.float64, rng=0), rng=0)
    m(Tensor(xp.ones((1, 3), dtype=xp.float64)))
    W_sn = backend.to_numpy(m.weight.data)
    remove_spectral_norm(m)
    assert isinstance(m.weight, nn.Parameter) and not hasattr(m, "weight_u")
    np.testing.assert_allclose(backend.to_numpy(m.weight.data), W_sn, rtol=1e-12)
    assert set(m.state_dict()) == {"weight", "bias"}


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter"):
        spectral_norm(nn.Linear(2, 2), name="kernel")
    m = spectral_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="already"):
        spectral_norm(m)
