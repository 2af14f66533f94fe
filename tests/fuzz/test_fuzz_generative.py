"""Bad input to scratch.generative: constructors, factories, losses and sample methods.

Hyper-parameters get drawn bad values (zero, negative, NaN, wrong types); the loss
methods get batches of each bad kind of tests/fuzz/conftest.py. Each is a clear
ValueError/TypeError/BackendError from scratch naming the argument, never a NaN loss.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.autograd import Tensor
from scratch.backend import to_numpy
from scratch.generative import GAN, VAE, WGAN, WGANGP

bad_count = st.one_of(
    st.integers(max_value=0), st.floats(allow_nan=True), st.booleans(), st.text(max_size=2)
)
bad_positive = st.one_of(
    st.floats(max_value=0.0), st.just(float("nan")), st.text(max_size=2), st.none()
)
bad_shape = st.one_of(
    st.integers(),
    st.just(()),
    st.lists(st.integers(max_value=0), min_size=1, max_size=3).map(tuple),
    st.just((2.5,)),
    st.just((True,)),
)

VAE_HYPER = {
    "latent_dim": bad_count,
    "data_shape": bad_shape,
    "sigma": bad_positive,
    "arch": st.text(max_size=4).filter(lambda s: s not in ("mlp", "conv")),
    "likelihood": st.text(max_size=4).filter(lambda s: s not in ("bernoulli", "gaussian")),
}


@pytest.mark.parametrize("hyper", list(VAE_HYPER))
@settings(max_examples=10)
@given(data=st.data())
def test_vae_refuses_bad_hyperparameters_by_name(ours, hyper, data):
    value = data.draw(VAE_HYPER[hyper])
    with pytest.raises((ValueError, TypeError)) as e:
        VAE(**{hyper: value}, hidden=(4,), rng=0)
    ours(e, hyper)


GAN_FACTORY = {
    "n_features": bad_count,
    "latent_dim": bad_count,
    "hidden": st.one_of(st.integers(), st.just((0,)), st.just((-2, 3)), st.just(("a",))),
}
GAN_OPTIONS = {
    GAN: {
        "loss": st.text(max_size=4),
        "label_smoothing": st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9)),
    },
    WGAN: {"clip_value": bad_positive.filter(lambda v: v is not None), "n_critic": bad_count},
    WGANGP: {
        "lambda_gp": st.one_of(st.floats(max_value=-1e-9), st.just(float("nan")), st.text()),
        "n_critic": bad_count,
    },
}
GAN_CASES = [
    (cls, h) for cls in (GAN, WGAN, WGANGP) for h in list(GAN_FACTORY) + list(GAN_OPTIONS[cls])
]


@pytest.mark.parametrize("cls,hyper", GAN_CASES, ids=[f"{c.__name__}-{h}" for c, h in GAN_CASES])
@settings(max_examples=8)
@given(data=st.data())
def test_gans_refuse_bad_hyperparameters_by_name(ours, cls, hyper, data):
    value = data.draw({**GAN_FACTORY, **GAN_OPTIONS[cls]}[hyper])
    kwargs = {"n_features": 2, "latent_dim": 2, "hidden": (4,), hyper: value}
    with pytest.raises((ValueError, TypeError)) as e:
        cls.mlp(**kwargs, rng=0)
    ours(e, hyper)


@pytest.mark.parametrize("cls", [GAN, WGAN, WGANGP])
@given(which=st.sampled_from(["generator", "discriminator"]), value=st.sampled_from([None, 3, "G"]))
def test_gans_refuse_networks_that_are_not_modules(ours, cls, which, value):
    net = GAN.mlp(2, 2, (4,), rng=0)
    nets = {"generator": net.generator, "discriminator": net.discriminator, which: value}
    with pytest.raises(TypeError) as e:
        cls(nets["generator"], nets["discriminator"], 2)
    ours(e, which)


_MODELS = {}


def _model(kind, xp):
    key = (kind, xp.name)
    if key not in _MODELS:
        if kind == "VAE":
            _MODELS[key] = VAE((6,), 2, hidden=(4,), backend=xp, dtype=xp.float64, rng=0)
        else:
            cls = {"GAN": GAN, "WGAN": WGAN, "WGANGP": WGANGP}[kind]
            _MODELS[key] = cls.mlp(3, 2, (4,), backend=xp, dtype=xp.float64, rng=0)
    return _MODELS[key]


BATCH_KINDS = ("nan", "inf", "empty", "ndim", "scalar", "complex", "object", "string", "other")
# (model, method, the argument that gets the bad batch)
LOSS_CASES = [("VAE", m, "x") for m in ("loss", "elbo", "log_likelihood", "reconstruct")]
LOSS_CASES += [
    (k, "discriminator_loss", a) for k in ("GAN", "WGAN", "WGANGP") for a in ("x_real", "x_fake")
]
LOSS_CASES += [(k, "generator_loss", "x_fake") for k in ("GAN", "WGAN", "WGANGP")]
LOSS_CASES += [("WGAN", "wasserstein_estimate", a) for a in ("x_real", "x_fake")]
LOSS_CASES += [(k, "discriminator_step", "x_real") for k in ("GAN", "WGAN")]


def _call(model, method, arg, value, xp):
    rng = np.random.default_rng(1)
    n_features = 6 if method in ("loss", "elbo", "log_likelihood", "reconstruct") else 3
    good = {"x": None, "x_real": None, "x_fake": None}
    for k in good:
        good[k] = xp.asarray(rng.uniform(0.1, 0.9, size=(4, n_features)))
    good[arg] = value
    m = getattr(model, method)
    if method in ("loss", "elbo"):
        return m(good["x"], rng=0)
    if method == "log_likelihood":
        return m(good["x"], n_samples=2, rng=0)
    if method == "reconstruct":
        return m(good["x"])
    if method == "generator_loss":
        return m(good["x_fake"])
    if method == "discriminator_step":
        from scratch import optim

        return m(good["x_real"], optim.SGD(model.discriminator.parameters(), lr=0.0), rng=0)
    return m(good["x_real"], good["x_fake"])


@pytest.mark.parametrize("kind", BATCH_KINDS, ids=list(BATCH_KINDS))
@pytest.mark.parametrize("model,method,arg", LOSS_CASES, ids=["-".join(c) for c in LOSS_CASES])
@settings(max_examples=2)
@given(pos=st.integers(0, 100), as_tensor=st.booleans())
def test_a_bad_batch_is_a_clear_error_naming_it(
    xp, bad, ours, model, method, arg, kind, pos, as_tensor
):
    rng = np.random.default_rng(2)
    n_features = 6 if model == "VAE" else 3
    value = bad(kind, rng.uniform(0.1, 0.9, size=(4, n_features)), xp, pos)
    if as_tensor and kind not in ("object", "string"):
        value = Tensor(value)
    with pytest.raises((ValueError, TypeError)) as e:
        _call(_model(model, xp), method, arg, value, xp)
    ours(e, arg)


@pytest.mark.parametrize("model", ["VAE", "GAN"])
@given(n=st.integers(1, 8).filter(lambda n: n != 3))
def test_a_batch_of_the_wrong_sample_shape_is_refused(xp, ours, model, n):
    m = _model(model, xp)
    x = xp.asarray(np.full((4, n if model == "GAN" else n + 3), 0.5))
    good = xp.asarray(np.full((4, 3), 0.5))
    with pytest.raises(ValueError) as e:
        m.loss(x, rng=0) if model == "VAE" else m.discriminator_loss(good, x)
    ours(e, "x", "x_fake")


@given(n_real=st.integers(1, 5), n_fake=st.integers(1, 5))
def test_wgan_gp_needs_batches_of_one_size_for_its_penalty(xp, ours, n_real, n_fake):
    m = _model("WGANGP", xp)
    x_real = xp.asarray(np.full((n_real, 3), 0.5))
    x_fake = xp.asarray(np.full((n_fake, 3), 0.25))
    if n_real == n_fake:
        assert np.isfinite(float(m.discriminator_loss(x_real, x_fake, rng=0).data))
        return
    with pytest.raises(ValueError) as e:
        m.discriminator_loss(x_real, x_fake, rng=0)
    ours(e, "x_real")


@pytest.mark.parametrize("model", ["VAE", "GAN", "WGAN", "WGANGP"])
@given(n=st.one_of(st.integers(max_value=-1), st.floats(), st.booleans(), st.text(max_size=2)))
def test_sample_refuses_a_bad_count(xp, ours, model, n):
    with pytest.raises((ValueError, TypeError)) as e:
        _model(model, xp).sample(n, rng=0)
    ours(e, "n")


@pytest.mark.parametrize("method", ["elbo", "log_likelihood", "log_weights"])
@given(n=st.one_of(st.integers(max_value=0), st.floats(), st.booleans()))
def test_vae_refuses_a_bad_number_of_samples(xp, ours, method, n):
    x = xp.asarray(np.full((2, 6), 0.5))
    with pytest.raises((ValueError, TypeError)) as e:
        getattr(_model("VAE", xp), method)(x, n_samples=n, rng=0)
    ours(e, "n_samples")


@pytest.mark.parametrize("model,method,arg", LOSS_CASES, ids=["-".join(c) for c in LOSS_CASES])
def test_the_good_batch_of_every_case_is_accepted(xp, model, method, arg):
    """Each fuzz case changes one batch of a call that works: with the good one, no error."""
    rng = np.random.default_rng(2)
    n_features = 6 if model == "VAE" else 3
    good = xp.asarray(rng.uniform(0.1, 0.9, size=(4, n_features)))
    out = _call(_model(model, xp), method, arg, good, xp)
    out = out.data if isinstance(out, Tensor) else out
    assert np.isfinite(to_numpy(out)).all()
