"""The VAE: the reparameterized sampler, the closed-form KL, the ELBO and its IWAE estimate.

Tolerances: sampler moments with n = 40,000 draws per coordinate are checked at 5 standard
errors (mean: s / sqrt(n); variance: s^2 sqrt(2 / n), about 0.7% of s^2); the KL against
scratch.metrics.kl_gaussian in float64 at 1e-10 (the same closed form, rounding only).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch import backend
from scratch.autograd import Tensor
from scratch.generative import VAE
from scratch.generative.vae import kl_standard_normal, log_normal_diag, reparameterize
from scratch.metrics import kl_gaussian
from scratch.testing import gradcheck
from scratch.testing.strategies import floats

N_DRAWS = 40_000


@st.composite
def _mu_logvar(draw, rows=1):
    k = draw(st.integers(1, 4))
    mu = draw(hnp.arrays(np.float64, (rows, k), elements=floats(-3.0, 3.0)))
    # |logvar| >= 0.5 in every coordinate: there exp(logvar / 2) and exp(logvar) differ by
    # a factor >= e^0.25, far outside the tolerance, so a std = exp(logvar) bug must fail
    size = draw(hnp.arrays(np.float64, (rows, k), elements=floats(0.5, 3.0)))
    sign = draw(hnp.arrays(np.float64, (rows, k), elements=st.sampled_from([-1.0, 1.0])))
    return mu, size * sign


@given(ml=_mu_logvar())
def test_reparameterized_draws_have_mean_mu_and_variance_exp_logvar(xp, ml):
    """z = mu + exp(logvar / 2) eps: E z = mu and Var z = exp(logvar) (module docstring)."""
    mu, logvar = ml
    eps = xp.rng(0).normal(size=(N_DRAWS, mu.shape[1]))
    z = reparameterize(Tensor(xp.asarray(mu)), Tensor(xp.asarray(logvar)), eps)
    z = backend.to_numpy(z.data)
    s2 = np.exp(logvar[0])
    se_mean = np.sqrt(s2 / N_DRAWS)
    np.testing.assert_array_less(np.abs(z.mean(axis=0) - mu[0]), 5 * se_mean)
    np.testing.assert_array_less(np.abs(z.var(axis=0) / s2 - 1.0), 5 * np.sqrt(2 / N_DRAWS))


@given(ml=_mu_logvar(rows=3))
def test_reparameterization_gradients_pass_gradcheck(xp, ml):
    """dz/dmu = 1 and dz/dlogvar = exp(logvar / 2) eps / 2, through the engine."""
    mu, logvar = (Tensor(xp.asarray(a, dtype=xp.float64), requires_grad=True) for a in ml)
    eps = xp.rng(1).normal(size=mu.shape, dtype=xp.float64)
    gradcheck(lambda m, lv: reparameterize(m, lv, eps), [mu, logvar])


@given(ml=_mu_logvar(rows=4))
def test_elbo_kl_term_equals_kl_gaussian_against_the_standard_normal(xp, ml):
    """1/2 sum (e^logvar + mu^2 - 1 - logvar) == KL(N(mu, diag e^logvar) || N(0, I))."""
    mu, logvar = (xp.asarray(a, dtype=xp.float64) for a in ml)
    ours = kl_standard_normal(Tensor(mu), Tensor(logvar)).data
    theirs = kl_gaussian(mu, xp.exp(logvar), xp.zeros_like(mu), xp.ones_like(mu))
    np.testing.assert_allclose(backend.to_numpy(ours), backend.to_numpy(theirs), atol=1e-10)


def _vae(xp, arch="mlp", seed=0, **kw):
    shape = (64,) if arch == "mlp" else (1, 8, 8)
    return VAE(shape, 3, arch, (16,), width=4, backend=xp, dtype=xp.float64, rng=seed, **kw)


def _pixels(xp, n, shape, seed):
    return xp.asarray(np.random.default_rng(seed).uniform(size=(n, *shape)), dtype=xp.float64)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_the_models_elbo_is_reconstruction_minus_kl_gaussian(xp, arch):
    """VAE.elbo at one draw = log p(x | z) - kl_gaussian(q(z|x), N(0, I)), with z the draw
    mu + exp(logvar/2) eps of the same seed: the model subtracts exactly the closed-form KL."""
    vae = _vae(xp, arch)
    x = _pixels(xp, 5, vae.data_shape, 1)
    mu, logvar = vae.encode(x)
    eps = xp.rng(7).normal(size=mu.shape, dtype=xp.float64)
    rec = vae.log_px_given_z(x, vae.decode(reparameterize(mu, logvar, eps))).data
    kl = kl_gaussian(mu.data, xp.exp(logvar.data), xp.zeros_like(mu.data), xp.ones_like(mu.data))
    np.testing.assert_allclose(
        backend.to_numpy(vae.elbo(x, rng=7).data), backend.to_numpy(rec - kl), atol=1e-9
    )


def test_bernoulli_log_likelihood_matches_its_textbook_form(xp):
    """-sum(softplus(l) - x l) == sum(x log s(l) + (1 - x) log(1 - s(l)))."""
    vae = _vae(xp)
    x = _pixels(xp, 3, (64,), 2)
    logits = xp.asarray(np.random.default_rng(3).normal(size=(3, 64)) * 3, dtype=xp.float64)
    p = 1 / (1 + np.exp(-backend.to_numpy(logits)))
    xh = backend.to_numpy(x)
    textbook = np.sum(xh * np.log(p) + (1 - xh) * np.log1p(-p), axis=1)
    ours = vae.log_px_given_z(x, Tensor(logits)).data
    np.testing.assert_allclose(backend.to_numpy(ours), textbook, rtol=1e-12)


def test_gaussian_log_likelihood_and_log_normal_diag_are_normal_log_densities(xp):
    """log N(x; l, sigma^2 I) from both helpers equals scipy's multivariate normal logpdf."""
    stats = pytest.importorskip("scipy.stats")
    vae = VAE((2,), 2, "mlp", (8,), likelihood="gaussian", sigma=0.3, backend=xp, rng=0)
    x = np.array([[0.1, -0.4], [1.0, 2.0]])
    mean = np.array([[0.0, 0.2], [0.9, 1.5]])
    want = [stats.multivariate_normal(m, 0.09 * np.eye(2)).logpdf(r) for r, m in zip(x, mean)]
    got = vae.log_px_given_z(xp.asarray(x), Tensor(xp.asarray(mean))).data
    np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-6)
    logvar = xp.asarray(np.full((2, 2), math.log(0.09)))
    got = log_normal_diag(Tensor(xp.asarray(x)), xp.asarray(mean), logvar).data
    np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-10)


@given(seed=st.integers(0, 2**16), k=st.integers(1, 40))
def test_iwae_estimate_is_never_below_the_elbo_of_the_same_draws(xp, seed, k):
    """logsumexp_k(log w_k) - log K >= mean_k log w_k (Jensen), for any model and input."""
    vae = _vae(xp, seed=seed % 7)
    x = _pixels(xp, 4, (64,), seed)
    lw = backend.to_numpy(vae.log_weights(x, k, rng=seed))
    ll = backend.to_numpy(vae.log_likelihood(x, k, rng=seed))
    assert lw.shape == (4, k)
    np.testing.assert_array_less(lw.mean(axis=1) - 1e-9, ll)
    np.testing.assert_allclose(
        ll, np.log(np.mean(np.exp(lw - lw.max(1, keepdims=True)), 1)) + lw.max(1), rtol=1e-12
    )


def test_mean_log_weight_estimates_the_closed_form_elbo(xp):
    """E_q[log w] = E_q[log p(x|z)] - KL: the sample mean of log w over K draws matches the
    ELBO with the closed-form KL over the same draws, within 5 standard errors of the
    Monte-Carlo KL."""
    vae = _vae(xp)
    x = _pixels(xp, 3, vae.data_shape, 4)
    K = 400
    lw = backend.to_numpy(vae.log_weights(x, K, rng=11))
    elbo = backend.to_numpy(vae.elbo(x, rng=11, n_samples=K).data)  # the same eps sequence
    se = lw.std(axis=1) / math.sqrt(K)
    np.testing.assert_array_less(np.abs(lw.mean(axis=1) - elbo), 5 * se + 1e-9)


def test_a_trained_vaes_elbo_stays_below_its_log_likelihood_estimate():
    """After a short training on the digits: for every test image, ELBO (closed-form KL,
    256 draws) <= the IWAE estimate (1024 draws) up to 4 Monte-Carlo standard errors of the
    pair, and on average the estimate lies above the ELBO by more than 4 standard errors
    (the gap is KL(q(z|x) || p(z|x)) > 0)."""
    from scratch.data import load_digits
    from scratch.training._generative import train_generative

    vae, _ = train_generative(
        "vae", "digits", "numpy", epochs=3, arch="mlp", metrics=False, figures=False
    )
    X, _ = load_digits("test", backend="numpy")
    x = (X[:40] / 16.0).astype(np.float64).astype(np.float32)
    elbo = vae.elbo(x, rng=0, n_samples=256).data.astype(np.float64)
    lw = vae.log_weights(x, 1024, rng=1).astype(np.float64)
    ll = vae.log_likelihood(x, 1024, rng=1).astype(np.float64)
    se = lw.std(axis=1) / math.sqrt(256)  # the ELBO's draws dominate the error
    np.testing.assert_array_less(elbo, ll + 4 * se)
    gap = ll - elbo
    assert gap.mean() > 4 * gap.std() / math.sqrt(gap.size), gap


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_sample_and_reconstruct_return_pixel_means_on_the_input_backend(xp, arch):
    vae = _vae(xp, arch)
    s = vae.sample(5, rng=0)
    r = vae.reconstruct(_pixels(xp, 2, vae.data_shape, 0))
    assert tuple(s.shape) == (5, *vae.data_shape) and tuple(r.shape) == (2, *vae.data_shape)
    assert backend.backend_name(s) == xp.name
    hs = backend.to_numpy(s)
    assert hs.min() >= 0 and hs.max() <= 1
    np.testing.assert_array_equal(hs, backend.to_numpy(vae.sample(5, rng=0)))


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="latent_dim"):
        VAE((64,), 0)
    with pytest.raises(ValueError, match="arch"):
        VAE((64,), 2, "rnn")
    with pytest.raises(ValueError, match="data_shape"):
        VAE((64,), 2, "conv")
    with pytest.raises(ValueError, match="likelihood"):
        VAE((64,), 2, likelihood="poisson")
