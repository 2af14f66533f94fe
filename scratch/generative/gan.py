r"""The generative adversarial network (Goodfellow et al. 2014) and its training tricks.

A generator G maps noise z ~ N(0, I) to samples; a discriminator D maps a sample to a
logit d, D(x) = sigmoid(d(x)) the probability that x is real. The game is
    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].
With log sigmoid(d) = -softplus(-d) and log(1 - sigmoid(d)) = -softplus(d) (stable forms):

- discriminator loss (minus V, with targets 1 for real and 0 for fake):
      L_D = E_x[softplus(-d(x))] + E_z[softplus(d(G(z)))];
  one-sided label smoothing (Salimans et al. 2016) replaces the real target 1 by 1 - a:
      L_D = E_x[(1 - a) softplus(-d(x)) + a softplus(d(x))] + E_z[softplus(d(G(z)))]
  (the fake target stays 0: smoothing it too would move D's optimum towards the fakes);
- generator loss, minimax: L_G = E_z[log(1 - D(G(z)))] = -E_z[softplus(d(G(z)))],
  whose gradient vanishes when D rejects the fakes confidently (d -> -inf: d/dd softplus(d)
  = sigmoid(d) -> 0), exactly at the start of training;
- generator loss, non-saturating: L_G = -E_z[log D(G(z))] = E_z[softplus(-d(G(z)))]: same
  fixed point, gradient sigmoid(-d) -> 1 where the minimax one vanishes;
- hinge loss (Lim and Ye 2017, Miyato et al. 2018):
      L_D = E_x[relu(1 - d(x))] + E_z[relu(1 + d(G(z)))],   L_G = -E_z[d(G(z))].

Further tricks as options: spectral normalization of every Linear/Conv layer of D
(``scratch.nn.utils.spectral_norm``), and TTUR (Heusel et al. 2017), i.e. separate
learning rates for D and G: ``configure_optimizers(lr_g, lr_d)``.

Training alternates ``discriminator_step`` (D's loss on a real batch and a batch of
fresh fakes, G held fixed: the fakes are computed without a graph) and, every
``n_critic`` discriminator steps, ``generator_step`` (G's loss, D's parameters frozen).
"""

from __future__ import annotations

from typing import Any

from .. import backend, nn, optim
from .. import functional as F
from ..autograd import Tensor, no_grad
from ..backend import Backend, Rng
from ..nn.utils import spectral_norm as _spectral_norm
from ._checks import check_batch, check_count, check_module, positive_ints
from .networks import dcgan_discriminator, dcgan_generator, mlp

__all__ = ["GAN"]

GAN_LOSSES = ("non-saturating", "minimax", "hinge")


def _spectral_normalize(module: nn.Module, rng: Rng) -> None:
    """Apply spectral_norm to every Linear, Conv2d and ConvTranspose2d inside ``module``."""
    for m in list(module.modules()):
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            _spectral_norm(m, rng=rng)


class GAN(nn.Module):
    """A generator and a discriminator with their losses (module docstring).

    Parameters
    ----------
    generator : Module, z (N, latent_dim) -> x (N, *data_shape)
    discriminator : Module, x -> logits (N, 1)
    latent_dim : int
    loss : 'non-saturating' (default), 'minimax' or 'hinge'
    label_smoothing : float in [0, 1)
        One-sided: the real target becomes 1 - label_smoothing (not with 'hinge').
    spectral_norm : bool
        Spectrally normalize every Linear/Conv layer of the discriminator.
    rng : int or Rng, optional
        Seed of spectral normalization's initial vectors.
    """

    n_critic = 1
    default_lr = 2e-4

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        loss: str = "non-saturating",
        label_smoothing: float = 0.0,
        spectral_norm: bool = False,
        *,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        check_module(generator, "generator")
        check_module(discriminator, "discriminator")
        self._check(loss, label_smoothing, latent_dim)
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.loss, self.label_smoothing = latent_dim, loss, label_smoothing
        self.spectral_norm = spectral_norm
        self.sample_shape: tuple[int, ...] | None = None  # known when a factory built G and D
        if spectral_norm:
            _spectral_normalize(discriminator, self._rng(rng))

    def _check(self, loss, label_smoothing, latent_dim) -> None:
        if loss not in GAN_LOSSES:
            raise ValueError(f"loss must be one of {', '.join(GAN_LOSSES)}, got {loss!r}")
        if not (isinstance(label_smoothing, (int, float)) and 0.0 <= label_smoothing < 1.0):
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        if loss == "hinge" and label_smoothing:
            raise ValueError("label_smoothing applies to the cross-entropy losses, not 'hinge'")
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int, got {latent_dim!r}")

    # ---- factories -------------------------------------------------------------------------
    @classmethod
    def mlp(
        cls,
        n_features: int = 2,
        latent_dim: int = 2,
        hidden: tuple[int, ...] = (128, 128),
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
        **options: Any,
    ) -> GAN:
        """MLP generator (ReLU) and discriminator (LeakyReLU 0.2), for vectors (2-D toys).

        Parameters
        ----------
        n_features : int
            Length of a sample.
        latent_dim : int
        hidden : tuple of int
            Hidden widths of both networks.
        backend, dtype, rng : where the parameters live, their dtype, the seed.
        **options
            The class's own options (loss, label_smoothing, spectral_norm, n_critic, ...).
        """
        check_count(n_features, "n_features", 1)
        check_count(latent_dim, "latent_dim", 1)
        hidden = positive_ints(hidden, "hidden", allow_empty=True)
        kw = {"backend": backend, "dtype": dtype}
        gen = _as_rng(backend, rng)
        G = mlp(latent_dim, n_features, hidden, "relu", rng=gen, **kw)
        D = mlp(n_features, 1, hidden, "leaky_relu", rng=gen, **kw)
        model = cls(G, D, latent_dim, rng=gen, **options)
        model.sample_shape = (n_features,)
        return model

    @classmethod
    def dcgan(
        cls,
        image_shape: tuple[int, int, int] = (1, 8, 8),
        latent_dim: int = 16,
        width: int = 32,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
        **options: Any,
    ) -> GAN:
        """DCGAN generator (ConvTranspose2d upsampling, BatchNorm, sigmoid) and conv D.

        Parameters
        ----------
        image_shape : (C, H, W), H and W divisible by 4
        latent_dim : int
        width : int
            Channels of the first conv layer of D (and the last hidden one of G).
        backend, dtype, rng : where the parameters live, their dtype, the seed.
        **options
            The class's own options (loss, label_smoothing, spectral_norm, n_critic, ...).
        """
        image_shape = positive_ints(image_shape, "image_shape")
        check_count(latent_dim, "latent_dim", 1)
        check_count(width, "width", 1)
        kw = {"backend": backend, "dtype": dtype}
        gen = _as_rng(backend, rng)
        G = dcgan_generator(latent_dim, image_shape, width, rng=gen, **kw)
        D = dcgan_discriminator(image_shape, width, rng=gen, **kw)
        model = cls(G, D, latent_dim, rng=gen, **options)
        model.sample_shape = tuple(image_shape)
        return model

    # ---- sampling --------------------------------------------------------------------------
    def _backend(self) -> Backend:
        return backend.backend_of(next(self.generator.parameters()).data)

    def _rng(self, rng: int | Rng | None) -> Rng:
        from ..backend import resolve_rng

        return resolve_rng(self._backend(), rng)

    def noise(self, n: int, rng: int | Rng | None = None):
        """z ~ N(0, I): an array (n, latent_dim) in the generator's dtype.

        Parameters
        ----------
        n : int
        rng : int or Rng, optional
        """
        check_count(n, "n")
        dt = next(self.generator.parameters()).dtype
        return self._rng(rng).normal(size=(n, self.latent_dim), dtype=dt)

    def sample(self, n: int, rng: int | Rng | None = None):
        """n samples G(z) as an array (generator in eval mode, no graph; mode restored).

        Parameters
        ----------
        n : int
        rng : int or Rng, optional
        """
        was = self.generator.training
        self.generator.eval()
        try:
            with no_grad():
                return self.generator(Tensor(self.noise(n, rng))).data
        finally:
            self.generator.train(was)

    # ---- losses ----------------------------------------------------------------------------
    def _check_pair(self, x_real: Any, x_fake: Any) -> tuple[Any, Any]:
        """Both batches checked (finite, N >= 1, on the model's device), same sample shape."""
        x_real = check_batch(x_real, "x_real", self, sample_shape=self.sample_shape)
        x_fake = check_batch(x_fake, "x_fake", self, sample_shape=self.sample_shape)
        if tuple(x_real.shape[1:]) != tuple(x_fake.shape[1:]):
            raise ValueError(
                f"x_real and x_fake must hold samples of one shape, got batches of shape "
                f"{tuple(x_real.shape)} and {tuple(x_fake.shape)}"
            )
        return x_real, x_fake

    def discriminator_loss(self, x_real: Any, x_fake: Any, rng: int | Rng | None = None) -> Tensor:
        """L_D of the module docstring on a real and a fake batch (scalar Tensor).

        Parameters
        ----------
        x_real, x_fake : arrays or Tensors (N, ...)
        rng : int or Rng, optional
            Unused here (WGAN-GP draws its interpolation weights from it).
        """
        x_real, x_fake = self._check_pair(x_real, x_fake)
        d_real = self.discriminator(_t(x_real))
        d_fake = self.discriminator(_t(x_fake))
        if self.loss == "hinge":
            return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()
        a = self.label_smoothing
        real = F.softplus(-d_real)  # -log D(x): the target 1
        if a:  # one-sided smoothing: target 1 - a, i.e. (1 - a) (-log D) + a (-log(1 - D))
            real = (1.0 - a) * real + a * F.softplus(d_real)
        return real.mean() + F.softplus(d_fake).mean()

    def generator_loss(self, x_fake: Tensor) -> Tensor:
        """L_G of the module docstring (minimax, non-saturating or hinge) on G(z).

        Parameters
        ----------
        x_fake : Tensor (N, ...), G(z) with its graph
        """
        x_fake = check_batch(x_fake, "x_fake", self, sample_shape=self.sample_shape)
        d_fake = self.discriminator(_t(x_fake))
        if self.loss == "minimax":
            return -F.softplus(d_fake).mean()
        if self.loss == "non-saturating":
            return F.softplus(-d_fake).mean()
        return -d_fake.mean()

    # ---- one step of each player -----------------------------------------------------------
    def discriminator_step(self, x_real: Any, optimizer, rng: int | Rng | None = None):
        """Minimise L_D over D's parameters for one real batch; returns L_D (0-d array).

        Parameters
        ----------
        x_real : array (N, ...)
        optimizer : scratch.optim.Optimizer over D's parameters
        rng : int or Rng, optional
            Generator of the fake batch's z (and of WGAN-GP's interpolation weights).
        """
        x_real = check_batch(x_real, "x_real", self, sample_shape=self.sample_shape)
        gen = self._rng(rng)
        with no_grad():  # G is held fixed: its samples are constants here
            x_fake = self.generator(Tensor(self.noise(x_real.shape[0], gen))).data
        optimizer.zero_grad()
        loss = self.discriminator_loss(x_real, x_fake, gen)
        loss.backward()
        optimizer.step()
        self.after_discriminator_step()
        return loss.data

    def after_discriminator_step(self) -> None:
        """Hook run after each discriminator update (WGAN clips its weights here)."""

    def generator_step(self, n: int, optimizer, rng: int | Rng | None = None):
        """Minimise L_G over G's parameters on n fresh z; returns L_G (0-d array).

        Parameters
        ----------
        n : int
            Batch size of z.
        optimizer : scratch.optim.Optimizer over G's parameters
        rng : int or Rng, optional
        """
        self.discriminator.requires_grad_(False)  # no gradients into D's weights: G's turn
        try:
            optimizer.zero_grad()
            loss = self.generator_loss(self.generator(Tensor(self.noise(n, rng))))
            loss.backward()
            optimizer.step()
        finally:
            self.discriminator.requires_grad_(True)
        return loss.data

    def configure_optimizers(
        self, lr_g: float | None = None, lr_d: float | None = None
    ) -> tuple[optim.Optimizer, optim.Optimizer]:
        """(opt_G, opt_D): Adam(betas=(0.5, 0.999)) as in DCGAN; TTUR with lr_g != lr_d.

        Parameters
        ----------
        lr_g, lr_d : float, optional
            Learning rates of G and D (default ``default_lr``, 2e-4).
        """
        lr_g = self.default_lr if lr_g is None else lr_g
        lr_d = self.default_lr if lr_d is None else lr_d
        return (
            optim.Adam(self.generator.parameters(), lr=lr_g, betas=(0.5, 0.999)),
            optim.Adam(self.discriminator.parameters(), lr=lr_d, betas=(0.5, 0.999)),
        )

    def forward(self, z: Any) -> Tensor:
        """G(z).

        Parameters
        ----------
        z : array or Tensor (N, latent_dim)
        """
        return self.generator(_t(z))

    def extra_repr(self) -> str:
        return (
            f"latent_dim={self.latent_dim}, loss={self.loss!r}, "
            f"label_smoothing={self.label_smoothing}, spectral_norm={self.spectral_norm}"
        )


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _as_rng(bk: str | Backend | None, rng: int | Rng | None) -> Rng:
    from ..backend import resolve as resolve_backend
    from ..backend import resolve_rng

    return resolve_rng(resolve_backend(bk), rng)
