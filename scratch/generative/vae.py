r"""The variational autoencoder (Kingma and Welling 2014).

Model: z ~ p(z) = N(0, I_L), x | z ~ p_theta(x | z) given by the decoder's output l = dec(z):
  Bernoulli:  log p(x|z) = sum_i [x_i log s(l_i) + (1 - x_i) log(1 - s(l_i))]
                         = - sum_i [softplus(l_i) - x_i l_i]      (s = sigmoid; stable form)
  Gaussian:   log p(x|z) = - ||x - l||^2 / (2 sigma^2) - (D / 2) log(2 pi sigma^2)
(the Bernoulli form on pixels in [0, 1], the Gaussian one with a fixed sigma on real data).

Inference network: q_phi(z | x) = N(mu(x), diag exp(logvar(x))), mu and logvar the two
halves of the encoder's output.

ELBO. For every q,
  log p(x) = E_q[log p(x|z)] - KL(q || p) + KL(q(z|x) || p(z|x)) >= E_q[log p(x|z)] - KL(q || p),
since the last KL is >= 0. The bound is maximised over theta and phi together.

Closed-form KL between N(mu, diag s^2) and N(0, I), coordinate by coordinate:
  KL = E_q[log q - log p]
     = E_q[-1/2 log(2 pi s^2) - (z - mu)^2 / (2 s^2) + 1/2 log(2 pi) + z^2 / 2]
     = -1/2 log s^2 - 1/2 + (s^2 + mu^2) / 2          (E (z - mu)^2 = s^2, E z^2 = s^2 + mu^2)
so  KL(q || p) = 1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j).

Reparameterization: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I). The standard deviation
is exp(logvar / 2), not exp(logvar) (that is the variance itself), so z has mean mu and
variance exp(logvar); z is a differentiable function of
(mu, logvar), and the Monte-Carlo reconstruction term log p(x | z) gets gradients.

Importance-sampled log-likelihood (Burda et al. 2016), with z_k ~ q(z|x):
  log w_k = log p(x | z_k) + log p(z_k) - log q(z_k | x),
  log p_K(x) = log (1/K) sum_k w_k = logsumexp_k(log w_k) - log K.
By Jensen, log p_K >= (1/K) sum_k log w_k (the ELBO estimated with the same draws), and
E[log p_K] increases with K to log p(x): the estimate sits between the ELBO and log p(x).
Shapes: x (N, *data_shape); mu, logvar, z (N, L); log w (N, K).
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, nn
from .. import functional as F
from ..autograd import Tensor, no_grad
from ..backend import Backend, Rng
from ._checks import check_batch, check_count, positive_ints
from .networks import Reshape, conv_decoder, conv_encoder, mlp

__all__ = ["VAE", "reparameterize", "kl_standard_normal", "log_normal_diag"]

LOG_2PI = math.log(2.0 * math.pi)


def reparameterize(mu: Tensor, logvar: Tensor, eps: Any) -> Tensor:
    """z = mu + exp(logvar / 2) * eps: a draw of N(mu, diag exp(logvar)) from eps ~ N(0, I).

    Parameters
    ----------
    mu, logvar : Tensors (N, L), the encoder's mean and log-variance
    eps : array (N, L), standard normal draws
    """
    return mu + (logvar * 0.5).exp() * eps


def kl_standard_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row: 1/2 sum_j (e^logvar + mu^2 - 1 - logvar).

    Parameters
    ----------
    mu, logvar : Tensors (N, L)
    """
    return 0.5 * (logvar.exp() + mu * mu - 1.0 - logvar).sum(axis=-1)


def log_normal_diag(z: Tensor, mu: Any, logvar: Any) -> Tensor:
    """log N(z; mu, diag exp(logvar)) per row: -1/2 sum_j (log 2 pi + logvar_j + (z_j - mu_j)^2
    exp(-logvar_j)).

    Parameters
    ----------
    z : Tensor (N, L)
    mu, logvar : arrays or Tensors broadcastable to z
    """
    mu, logvar = (a if isinstance(a, Tensor) else Tensor(a) for a in (mu, logvar))
    d = z - mu
    return -0.5 * (LOG_2PI + logvar + d * d * (-logvar).exp()).sum(axis=-1)


def _rows(t: Tensor) -> Tensor:
    """Sum over every axis but the first: (N, ...) -> (N,)."""
    return t.reshape(t.shape[0], -1).sum(axis=1)


class VAE(nn.Module):
    """Variational autoencoder with an MLP or a convolutional encoder/decoder.

    Parameters
    ----------
    data_shape : tuple
        Shape of one sample: (D,) for vectors, (C, H, W) for images (conv: H, W % 4 == 0).
    latent_dim : int
    arch : 'mlp' or 'conv'
    hidden : tuple of int
        Hidden widths of the MLP encoder (the decoder mirrors them).
    width : int
        Channels of the first conv layer (conv arch).
    likelihood : 'bernoulli' (data in [0, 1]) or 'gaussian' (fixed ``sigma``)
    sigma : float
        Standard deviation of the Gaussian likelihood.
    backend, dtype, rng : where the parameters live, their dtype, the initialisation seed.
    """

    def __init__(
        self,
        data_shape: tuple[int, ...] = (64,),
        latent_dim: int = 8,
        arch: str = "mlp",
        hidden: tuple[int, ...] = (256,),
        width: int = 32,
        likelihood: str = "bernoulli",
        sigma: float = 0.1,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        from ..backend import resolve as resolve_backend
        from ..backend import resolve_rng

        data_shape = positive_ints(data_shape, "data_shape")
        hidden = positive_ints(hidden, "hidden", allow_empty=True)
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int, got {latent_dim!r}")
        if arch not in ("mlp", "conv"):
            raise ValueError(f"arch must be 'mlp' or 'conv', got {arch!r}")
        if arch == "conv" and len(data_shape) != 3:
            raise ValueError(f"arch='conv' needs data_shape (C, H, W), got {data_shape}")
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma!r}")
        bk = resolve_backend(backend)
        kw = {"backend": bk, "dtype": dtype, "rng": resolve_rng(bk, rng)}
        self.data_shape, self.latent_dim, self.arch = data_shape, latent_dim, arch
        self.likelihood, self.sigma = likelihood, float(sigma)
        D = math.prod(data_shape)
        if arch == "mlp":
            self.encoder = nn.Sequential(nn.Flatten(), mlp(D, 2 * latent_dim, hidden, **kw))
            decoder = mlp(latent_dim, D, tuple(reversed(hidden)), **kw)
            self.decoder = nn.Sequential(decoder, Reshape(*data_shape))
        else:
            self.encoder = conv_encoder(data_shape, 2 * latent_dim, width, **kw)
            self.decoder = conv_decoder(latent_dim, data_shape, width, **kw)

    # ---- the pieces ------------------------------------------------------------------------
    def _backend(self) -> Backend:
        return backend.backend_of(next(self.parameters()).data)

    def _rng(self, rng: int | Rng | None) -> Rng:
        from ..backend import resolve_rng

        return resolve_rng(self._backend(), rng)

    def encode(self, x: Any) -> tuple[Tensor, Tensor]:
        """(mu, logvar), each (N, L): the two halves of the encoder's output.

        Parameters
        ----------
        x : array or Tensor (N, *data_shape)
        """
        return self._encode(self._check_x(x))

    def _check_x(self, x: Any):
        """x checked: finite, (N >= 1, *data_shape), on the model's backend and device."""
        x = check_batch(x, "x", self, ndim=1 + len(self.data_shape))
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                f"x must have shape (N, {', '.join(map(str, self.data_shape))}) for this VAE "
                f"(data_shape={self.data_shape}), got {tuple(x.shape)}"
            )
        return x

    def _encode(self, x: Any) -> tuple[Tensor, Tensor]:
        h = self.encoder(x if isinstance(x, Tensor) else Tensor(x))
        L = self.latent_dim
        return h[:, :L], h[:, L:]

    def decode(self, z: Any) -> Tensor:
        """The decoder's output l (N, *data_shape): Bernoulli logits or Gaussian means.

        Parameters
        ----------
        z : array or Tensor (N, latent_dim)
        """
        return self.decoder(z if isinstance(z, Tensor) else Tensor(z))

    def mean(self, out: Tensor) -> Tensor:
        """E[x | z]: sigmoid(l) for the Bernoulli likelihood, l for the Gaussian one.

        Parameters
        ----------
        out : Tensor, the decoder's output l
        """
        return F.sigmoid(out) if self.likelihood == "bernoulli" else out

    def log_px_given_z(self, x: Any, out: Tensor) -> Tensor:
        """log p(x | z) per row (N,), the module docstring's formulas.

        Parameters
        ----------
        x : array (N, *data_shape), the data
        out : Tensor (N, *data_shape), the decoder's output at z
        """
        if self.likelihood == "bernoulli":
            return -_rows(F.softplus(out) - out * x)
        D = math.prod(self.data_shape)
        s2 = self.sigma**2
        d = out - x
        return -0.5 * _rows(d * d) / s2 - 0.5 * D * math.log(2.0 * math.pi * s2)

    def _eps(self, gen: Rng, like: Tensor):
        return gen.normal(size=tuple(like.shape), dtype=like.dtype)

    def forward(self, x: Any, rng: int | Rng | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """(decoder output at z = mu + exp(logvar/2) eps, mu, logvar) for one draw eps.

        Parameters
        ----------
        x : array or Tensor (N, *data_shape)
        rng : int or Rng, optional
            Seed or generator of eps ~ N(0, I).
        """
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, self._eps(self._rng(rng), mu))
        return self.decode(z), mu, logvar

    # ---- the objective ---------------------------------------------------------------------
    def elbo(self, x: Any, rng: int | Rng | None = None, n_samples: int = 1) -> Tensor:
        """Per-row ELBO (N,): mean over ``n_samples`` draws of log p(x|z), minus the closed KL.

        Parameters
        ----------
        x : array or Tensor (N, *data_shape)
        rng : int or Rng, optional
            Seed or generator of the draws eps.
        n_samples : int
            Draws of z per row for the reconstruction term.

        Returns
        -------
        Tensor (N,), differentiable in the parameters.
        """
        x = self._check_x(x)
        check_count(n_samples, "n_samples", 1)
        gen = self._rng(rng)
        mu, logvar = self._encode(x)
        rec = None
        for _ in range(n_samples):
            z = reparameterize(mu, logvar, self._eps(gen, mu))
            r = self.log_px_given_z(x, self.decode(z))
            rec = r if rec is None else rec + r
        return rec / float(n_samples) - kl_standard_normal(mu, logvar)

    def loss(self, x: Any, rng: int | Rng | None = None) -> Tensor:
        """The training loss: the negative ELBO averaged over the batch (one draw per row).

        Parameters
        ----------
        x : array or Tensor (N, *data_shape)
        rng : int or Rng, optional
        """
        return -self.elbo(x, rng).mean()

    # ---- evaluation (no graph) -------------------------------------------------------------
    def log_weights(self, x: Any, n_samples: int = 64, rng: int | Rng | None = None):
        """log w (N, K) = log p(x|z_k) + log p(z_k) - log q(z_k|x), z_k ~ q(z|x) (raw array).

        Parameters
        ----------
        x : array (N, *data_shape)
        n_samples : int
            K, the importance samples per row.
        rng : int or Rng, optional
        """
        x = self._check_x(x)
        check_count(n_samples, "n_samples", 1)
        gen = self._rng(rng)
        with no_grad():
            mu, logvar = self._encode(x)
            cols = []
            for _ in range(n_samples):
                z = reparameterize(mu, logvar, self._eps(gen, mu))
                zero = z * 0.0
                lw = (
                    self.log_px_given_z(x, self.decode(z))
                    + log_normal_diag(z, zero, zero)
                    - log_normal_diag(z, mu, logvar)
                )
                cols.append(lw.data)
        return mu.xp.stack(cols, axis=1)

    def log_likelihood(self, x: Any, n_samples: int = 64, rng: int | Rng | None = None):
        """Importance-sampled log p(x) per row (N,): logsumexp_k log w_k - log K (raw array).

        Parameters
        ----------
        x : array (N, *data_shape)
        n_samples : int
            K, the importance samples per row (the estimate's bias falls with K).
        rng : int or Rng, optional
        """
        lw = self.log_weights(x, n_samples, rng)
        return backend.logsumexp(lw, axis=1) - math.log(n_samples)

    def sample(self, n: int, rng: int | Rng | None = None):
        """n draws of E[x | z], z ~ N(0, I): an array (n, *data_shape) (pixel means).

        Parameters
        ----------
        n : int
        rng : int or Rng, optional
        """
        check_count(n, "n")
        gen = self._rng(rng)
        dt = next(self.parameters()).dtype
        with no_grad():
            return self.mean(self.decode(gen.normal(size=(n, self.latent_dim), dtype=dt))).data

    def reconstruct(self, x: Any):
        """E[x | z = mu(x)]: the decoder's mean at the encoder's mean (an array like x).

        Parameters
        ----------
        x : array or Tensor (N, *data_shape)
        """
        with no_grad():
            mu, _ = self.encode(x)
            return self.mean(self.decode(mu)).data

    def extra_repr(self) -> str:
        return (
            f"data_shape={self.data_shape}, latent_dim={self.latent_dim}, arch={self.arch!r}, "
            f"likelihood={self.likelihood!r}"
        )
