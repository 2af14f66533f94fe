"""Tour steps: a VAE on the digits, and a WGAN-GP on eight Gaussians on a ring.

vae: a short training of the MLP VAE (64-256-8 / 8-256-64, Bernoulli likelihood); figures
of test digits beside their reconstructions and of samples from the prior. Check: for
every test image, the ELBO (closed-form KL) does not exceed the importance-sampled
log-likelihood estimate beyond Monte-Carlo error, and on average lies below it.

wgan_gp: a WGAN-GP (lambda 1, n_critic 3, Adam lr 2e-3, betas (0.5, 0.9): a toy setting)
on ring8; figure of the samples over the target density. Check: the sliced W1 between
samples and data (mean over 8 directions of scratch.metrics.wasserstein_1d of the
projections) falls to under half its value for the untrained generator, and every mode
receives a quarter of its share of samples within 6 std (the stricter 3-std coverage
is reported: a few seconds of WGAN-GP training leaves the modes blurred).
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, optim
from ..backend import to_numpy
from . import Outcome, figures_available, step


@step(
    "vae",
    order=60,
    derivation=[
        (
            r"z = \mu(x) + e^{\frac{1}{2}\log\sigma^2(x)} \odot \epsilon, \quad \epsilon \sim "
            r"\mathcal{N}(0, I)",
            "the reparameterization: the noise is an input, so gradients reach the encoder",
        ),
        (
            r"\mathrm{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x) \| "
            r"\mathcal{N}(0, I))",
            "the bound the VAE maximizes",
        ),
        (
            r"\mathrm{KL} = \frac{1}{2} \sum_j "
            r"\left(\sigma_j^2 + \mu_j^2 - 1 - \log\sigma_j^2\right)",
            "the closed form for a diagonal Gaussian against N(0, I)",
        ),
        (
            r"\log p(x) \approx \log \frac{1}{K} \sum_{k=1}^K \frac{p(x|z_k)\, p(z_k)}{q(z_k|x)} "
            r"\ge \mathrm{ELBO}(x)",
            "importance sampling with K draws: the check",
        ),
    ],
    criterion="the ELBO stays below the importance-sampled log-likelihood estimate "
    "(beyond its Monte Carlo error)",
    reference=[
        "scratch.generative.vae:reparameterize",
        "scratch.generative.vae:kl_standard_normal",
        "scratch.generative.vae:VAE.elbo",
    ],
    api=["scratch.generative:VAE"],
)
def vae(bk, out):
    """Train the MLP VAE briefly; reconstructions, samples, ELBO <= IWAE log-likelihood."""
    from ..autograd import no_grad
    from ..training._generative import load_data, train_generative

    model, h = train_generative(
        "vae", "digits", bk, epochs=8, batch_size=32, lr=3e-3, arch="mlp", metrics=False,
        figures=False,
    )  # fmt: skip
    _, X_test, _ = load_data(bk, "digits", None, 0, flat=True)
    x = X_test[:32, ...]
    K = 256
    with no_grad():
        elbo = to_numpy(model.elbo(x, rng=1, n_samples=64).data).astype(np.float64)
    lw = to_numpy(model.log_weights(x, K, rng=2)).astype(np.float64)
    ll = to_numpy(model.log_likelihood(x, K, rng=2)).astype(np.float64)
    se = lw.std(axis=1) / math.sqrt(64)  # the ELBO's 64 draws dominate the error
    rows_ok = bool(np.all(elbo <= ll + 4 * se))
    mean_ok = bool(ll.mean() > elbo.mean())
    if figures_available():  # the checks above ran either way
        from ..viz.samples import plot_image_grid

        recon = to_numpy(model.reconstruct(x[:16, ...]))
        pairs = np.stack([to_numpy(x[:16, ...]), recon], axis=1).reshape(32, 64)
        plot_image_grid(pairs, out / "vae_reconstructions.png", "test digit | reconstruction",
                        image_shape=(8, 8), ncols=8)  # fmt: skip
        samples = to_numpy(model.sample(64, rng=3))
        plot_image_grid(samples, out / "vae_samples.png", "VAE samples from N(0, I)",
                        image_shape=(8, 8), ncols=8)  # fmt: skip
    return Outcome(
        result=(
            f"train -ELBO {h['loss_neg_elbo'][-1]:.2f} nats; test ELBO {elbo.mean():.2f} <= "
            f"IWAE(K={K}) log p {ll.mean():.2f}"
        ),
        check="per image ELBO <= IWAE estimate (+4 MC s.e.), and on average below it",
        passed=rows_ok and mean_ok,
        figures=["vae_reconstructions.png", "vae_samples.png"],
    )


def _sliced_w1(S, X, n_dirs: int = 8) -> float:
    """Mean over n_dirs directions u of W1(<S, u>, <X, u>): a distance of 2-D samples."""
    from ..metrics import wasserstein_1d

    xp = backend.namespace(S, X)
    th = np.linspace(0.0, np.pi, n_dirs, endpoint=False)
    P = backend.asarray_like(np.stack([np.cos(th), np.sin(th)]), S)  # (2, n_dirs)
    SP, XP = xp.matmul(S, P), xp.matmul(X, P)
    total = sum(wasserstein_1d(SP[:, j], XP[:, j]) for j in range(n_dirs))
    return float(to_numpy(total)) / n_dirs


@step(
    "wgan_gp",
    order=61,
    derivation=[
        (
            r"W_1(P_r, P_g) = \sup_{\|f\|_L \le 1} \mathbb{E}_{P_r}[f(x)] - \mathbb{E}_{P_g}[f(x)]",
            "Kantorovich-Rubinstein duality: the critic f estimates it",
        ),
        (
            r"\hat{x} = e\, x_r + (1 - e)\, x_g, \quad e \sim U[0, 1]",
            "points between real and generated samples",
        ),
        (
            r"L_D = \mathbb{E}[f(x_g)] - \mathbb{E}[f(x_r)] + \lambda\, "
            r"\mathbb{E}\left[(\|\nabla_{\hat{x}} f(\hat{x})\| - 1)^2\right]",
            "the gradient penalty; its gradient in the critic's parameters is a double backprop",
        ),
    ],
    criterion="the sliced W1 to the data halves during training and all 8 modes are hit "
    "(within 6 std after this short run; the 3-std numbers are reported beside it)",
    reference=["scratch.generative.wgan_gp:gradient_penalty"],
    api=["scratch.generative:WGANGP", "scratch.data.toy2d:mode_coverage"],
)
def wgan_gp(bk, out):
    """WGAN-GP on ring8: samples over the density; sliced W1 and mode coverage."""
    from ..data.toy2d import TOY_2D, mode_coverage, toy_2d, toy_density
    from ..generative import WGANGP

    steps, B = 300, 128
    gan = WGANGP.mlp(2, 2, (64, 64), backend=bk, rng=0, lambda_gp=1.0, n_critic=3)
    opt_g = optim.Adam(gan.generator.parameters(), lr=2e-3, betas=(0.5, 0.9))
    opt_d = optim.Adam(gan.critic.parameters(), lr=2e-3, betas=(0.5, 0.9))
    X = toy_2d("ring8", 8192, backend=bk, rng=0, dtype=bk.xp.float32)
    X_eval = toy_2d("ring8", 2000, backend=bk, rng=9, dtype=bk.xp.float32)
    sw0 = _sliced_w1(gan.sample(2000, rng=5), X_eval)
    rng = bk.rng(1)
    for _ in range(steps):
        for _ in range(gan.n_critic):
            xb = bk.xp.take(X, rng.integers(0, X.shape[0], size=(B,)), axis=0)
            gan.discriminator_step(xb, opt_d, rng)
        gan.generator_step(B, opt_g, rng)
    S = gan.sample(2000, rng=5)
    sw = _sliced_w1(S, X_eval)
    cov3 = mode_coverage(S, "ring8")
    cov6 = mode_coverage(S, "ring8", n_std=6.0)
    if figures_available():  # the checks above ran either way
        from ..viz.samples import plot_samples_2d

        plot_samples_2d(
            to_numpy(S),
            out / "wgan_gp_ring8.png",
            lambda p: toy_density("ring8", p),
            f"WGAN-GP after {steps} generator steps: {cov3.modes_hit}/8 modes (3 std)",
            modes=TOY_2D["ring8"].modes,
        )
    return Outcome(
        result=(
            f"sliced W1 {sw0:.3f} -> {sw:.3f}; modes hit {cov3.modes_hit}/8 with "
            f"{cov3.high_quality:.0%} within 3 std, {cov6.modes_hit}/8 with "
            f"{cov6.high_quality:.0%} within 6 std"
        ),
        check="sliced W1 halves; 8/8 modes hit within 6 std",
        passed=bool(sw < 0.5 * sw0 and cov6.modes_hit == 8),
        figures=["wgan_gp_ring8.png"],
    )
