"""GAN: the losses of the derivation, the alternating steps, mode coverage after training.

Loss identities are checked in float64 at 1e-12 relative (the same closed forms, rounding
only); the trained-GAN claim is one fixed-seed run on numpy (GAN training is chaotic:
rounding differences between backends grow into different, equally good, runs).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch.functional as F
from scratch import backend, nn
from scratch.autograd import Tensor, grad
from scratch.data.toy2d import mode_coverage, toy_2d
from scratch.generative import GAN
from scratch.testing.strategies import floats


class _Logits(nn.Module):
    """A 'discriminator' whose logit is its input: the losses see the drawn logits as is."""

    def forward(self, x):
        return x


def _gan(xp, **kw):
    G = nn.Sequential(nn.Linear(2, 2, backend=xp, dtype=xp.float64, rng=0))
    return GAN(G, _Logits(), 2, **kw)


LOGITS = hnp.arrays(np.float64, st.integers(1, 6).map(lambda n: (n, 1)), elements=floats(-8, 8))


def _sigmoid(d):
    return 1 / (1 + np.exp(-d))


@given(d_real=LOGITS, d_fake=LOGITS, a=st.sampled_from([0.0, 0.1, 0.3]))
def test_discriminator_loss_is_the_bce_with_one_sided_smoothed_targets(xp, d_real, d_fake, a):
    """L_D = BCE(d_real, 1 - a) + BCE(d_fake, 0): the real target alone is smoothed."""
    gan = _gan(xp, label_smoothing=a)
    ours = gan.discriminator_loss(xp.asarray(d_real), xp.asarray(d_fake)).data
    p, q = _sigmoid(d_real), _sigmoid(d_fake)
    want = -np.mean((1 - a) * np.log(p) + a * np.log1p(-p)) - np.mean(np.log1p(-q))
    np.testing.assert_allclose(float(backend.to_numpy(ours)), want, rtol=1e-10)
    bce = F.binary_cross_entropy_with_logits
    via_bce = bce(Tensor(xp.asarray(d_real)), xp.asarray(np.full_like(d_real, 1 - a))) + bce(
        Tensor(xp.asarray(d_fake)), xp.asarray(np.zeros_like(d_fake))
    )
    np.testing.assert_allclose(backend.to_numpy(ours), backend.to_numpy(via_bce.data), rtol=1e-10)


@given(d_fake=LOGITS)
def test_generator_losses_are_minimax_non_saturating_and_hinge(xp, d_fake):
    """minimax E log(1 - D), non-saturating -E log D, hinge -E d (module docstring)."""
    x = Tensor(xp.asarray(d_fake))
    q = _sigmoid(d_fake)
    want = {
        "minimax": np.mean(np.log1p(-q)),
        "non-saturating": -np.mean(np.log(q)),
        "hinge": -np.mean(d_fake),
    }
    for loss, w in want.items():
        got = _gan(xp, loss=loss).generator_loss(x).data
        np.testing.assert_allclose(float(backend.to_numpy(got)), w, rtol=1e-10, atol=1e-300)


@given(d_real=LOGITS, d_fake=LOGITS)
def test_hinge_discriminator_loss_is_relu_margins(xp, d_real, d_fake):
    """L_D = E relu(1 - d_real) + E relu(1 + d_fake)."""
    ours = _gan(xp, loss="hinge").discriminator_loss(xp.asarray(d_real), xp.asarray(d_fake))
    want = np.mean(np.maximum(0, 1 - d_real)) + np.mean(np.maximum(0, 1 + d_fake))
    np.testing.assert_allclose(float(backend.to_numpy(ours.data)), want, rtol=1e-12)


def test_minimax_gradient_vanishes_where_the_non_saturating_one_does_not(xp):
    """At d = -10 (D rejects the fake): |dL/dd| = sigmoid(-10)/1 ~ 4.5e-5 for minimax
    (times 1/N), sigmoid(10) ~ 1 for non-saturating: Goodfellow et al.'s motivation."""
    d = Tensor(xp.asarray(np.array([[-10.0]])), requires_grad=True)
    (g_mm,) = grad(_gan(xp, loss="minimax").generator_loss(d), d)
    (g_ns,) = grad(_gan(xp, loss="non-saturating").generator_loss(d), d)
    np.testing.assert_allclose(backend.to_numpy(g_mm.data), -_sigmoid(-10.0), rtol=1e-10)
    np.testing.assert_allclose(backend.to_numpy(g_ns.data), -_sigmoid(10.0), rtol=1e-10)


def _snapshot(module):
    return {k: backend.to_numpy(v).copy() for k, v in module.state_dict().items()}


def test_each_step_moves_only_its_own_player(xp):
    """discriminator_step changes D (not G); generator_step changes G, and D's parameters
    get no gradient from it (they are frozen during G's turn)."""
    gan = GAN.mlp(2, 2, (8,), backend=xp, rng=0)
    opt_g, opt_d = gan.configure_optimizers(1e-2, 1e-2)
    x = toy_2d("ring8", 16, backend=xp, rng=0, dtype=xp.float32)  # the model's dtype
    g0, d0 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    gan.discriminator_step(x, opt_d, rng=1)
    g1, d1 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    assert all(np.array_equal(g0[k], g1[k]) for k in g0)
    assert not all(np.array_equal(d0[k], d1[k]) for k in d0)
    opt_d.zero_grad()
    gan.generator_step(16, opt_g, rng=2)
    g2, d2 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    assert all(np.array_equal(d1[k], d2[k]) for k in d1)
    assert not all(np.array_equal(g1[k], g2[k]) for k in g1)
    assert all(p.grad is None for p in gan.discriminator.parameters())


def test_dcgan_generator_upsamples_with_transposed_convolutions(xp):
    """z (N, 16) -> (N, 1, 8, 8) in [0, 1]; two ConvTranspose2d double the side 2 -> 8."""
    gan = GAN.dcgan((1, 8, 8), 16, width=8, backend=xp, rng=0)
    ups = [m for m in gan.generator.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(ups) == 2 and all(m.stride == (2, 2) for m in ups)
    s = backend.to_numpy(gan.sample(5, rng=0))
    assert s.shape == (5, 1, 8, 8) and s.min() >= 0 and s.max() <= 1
    d = gan.discriminator(Tensor(gan.sample(3, rng=1)))
    assert d.shape == (3, 1)


def test_spectral_norm_option_normalizes_every_discriminator_layer(xp):
    gan = GAN.dcgan((1, 8, 8), 16, width=8, spectral_norm=True, backend=xp, rng=0)
    layers = [m for m in gan.discriminator.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert layers and all(hasattr(m, "weight_orig") for m in layers)
    assert not any(hasattr(m, "weight_orig") for m in gan.generator.modules())


def test_bad_options_are_refused_by_name():
    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    with pytest.raises(ValueError, match="loss"):
        GAN(G, D, 2, loss="wasserstein")
    with pytest.raises(ValueError, match="label_smoothing"):
        GAN(G, D, 2, label_smoothing=1.0)
    with pytest.raises(ValueError, match="hinge"):
        GAN(G, D, 2, loss="hinge", label_smoothing=0.1)


def train_ring8_gan(steps: int = 1500, seed: int = 0):
    """Non-saturating GAN with TTUR (lr_G 1e-3, lr_D 2e-3) and one-sided label smoothing
    0.1, MLPs 2-128-128-2 / 2-128-128-1, batch 128, on 8192 points of ring8 (numpy)."""
    bk = backend.get("numpy")
    gan = GAN.mlp(2, 2, (128, 128), backend=bk, rng=seed, label_smoothing=0.1)
    opt_g, opt_d = gan.configure_optimizers(lr_g=1e-3, lr_d=2e-3)
    X = toy_2d("ring8", 8192, backend=bk, rng=seed, dtype=bk.xp.float32)
    rng = bk.rng(seed + 1)
    for _ in range(steps):
        xb = bk.xp.take(X, rng.integers(0, 8192, size=(128,)), axis=0)
        gan.discriminator_step(xb, opt_d, rng)
        gan.generator_step(128, opt_g, rng)
    return gan


def test_a_trained_gan_covers_the_eight_gaussians():
    """>= 7 of 8 modes hit and >= 70% of 2000 samples within 3 std of a mode
    (measured with this seed: 8 of 8, 81%; seeds 0-5 all give 8 of 8 and 79-84%, so a
    different BLAS's round-off, which changes the trajectory, still passes; ~5 s)."""
    gan = train_ring8_gan()
    cov = mode_coverage(gan.sample(2000, rng=5), "ring8")
    assert cov.modes_hit >= 7, cov
    assert cov.high_quality >= 0.70, cov
