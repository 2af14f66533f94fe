"""One training epoch of the convolutional VAE and of the DCGAN on the digits (float32, Adam).

Ours: scratch.generative.VAE(arch="conv") and GAN.dcgan on each backend, batches from
scratch.data.BatchIterator, the steps the ``scratch train`` loop takes (VAE: one Adam
step on the negative ELBO per batch; DCGAN: one discriminator step on a real batch and
fresh fakes, then one generator step with the discriminator frozen).
Peer: the same networks (layer for layer: Conv2d(4, s2, p1) encoders with LeakyReLU 0.2,
ConvTranspose2d(4, s2, p1) decoders, BatchNorm in the generator), losses and optimizers
in PyTorch, on "cpu" or "cuda", in the same process. Batch 64 over the 1437 training
digits (23 batches); each closure runs one epoch and returns the last loss (on the device).
"""

from __future__ import annotations

import numpy as np

from . import Workload


def _digits_host(n_train: int):
    from scratch.data.digits import _host_digits, _split_indices

    X, _ = _host_digits()
    idx = _split_indices("train")[:n_train]
    return (X[idx] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)


def make_vae_ours(bk, size: dict):
    from scratch import optim
    from scratch.data import BatchIterator
    from scratch.generative import VAE

    X = bk.asarray(_digits_host(size["n_train"]), dtype=bk.xp.float32)
    rng = bk.rng(0)
    vae = VAE((1, 8, 8), size["latent"], "conv", width=size["width"], backend=bk, rng=rng)
    opt = optim.Adam(vae.parameters(), lr=1e-3)
    batches = BatchIterator(X, None, size["batch_size"], rng=rng)

    def epoch():
        last = None
        for Xb in batches:
            opt.zero_grad()
            loss = vae.loss(Xb, rng)
            loss.backward()
            opt.step()
            last = loss.data
        return last

    return epoch


def make_gan_ours(bk, size: dict):
    from scratch.data import BatchIterator
    from scratch.generative import GAN

    X = bk.asarray(_digits_host(size["n_train"]), dtype=bk.xp.float32)
    rng = bk.rng(0)
    gan = GAN.dcgan((1, 8, 8), size["latent"], size["width"], backend=bk, rng=rng)
    opt_g, opt_d = gan.configure_optimizers()
    batches = BatchIterator(X, None, size["batch_size"], rng=rng)

    def epoch():
        last = None
        for Xb in batches:
            gan.discriminator_step(Xb, opt_d, rng)
            last = gan.generator_step(Xb.shape[0], opt_g, rng)
        return last

    return epoch


def _torch_nets(torch, size: dict):
    nn = torch.nn
    w, L = size["width"], size["latent"]

    def encoder(n_out):
        return nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * w * 4, n_out),
        )

    def decoder(latent, bn):
        layers = [nn.Linear(latent, 2 * w * 4, bias=not bn)]
        layers += [nn.BatchNorm1d(2 * w * 4)] if bn else []
        layers += [nn.ReLU(), nn.Unflatten(1, (2 * w, 2, 2))]
        layers += [nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=not bn)]
        layers += [nn.BatchNorm2d(w)] if bn else []
        layers += [nn.ReLU(), nn.ConvTranspose2d(w, 1, 4, 2, 1)]
        return nn.Sequential(*layers)

    return encoder, decoder, L


def make_vae_torch(size: dict, device: str):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    torch.manual_seed(0)
    encoder, decoder, L = _torch_nets(torch, size)
    enc, dec = encoder(2 * L).to(device), decoder(L, False).to(device)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-3)
    X = torch.as_tensor(_digits_host(size["n_train"]), device=device)
    B, n = size["batch_size"], X.shape[0]
    F = torch.nn.functional

    def epoch():
        perm = torch.randperm(n).to(device)
        last = None
        for lo in range(0, n, B):
            x = X[perm[lo : lo + B]]
            opt.zero_grad()
            h = enc(x)
            mu, logvar = h[:, :L], h[:, L:]
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            logits = dec(z)
            rec = (F.softplus(logits) - logits * x).flatten(1).sum(1)
            kl = 0.5 * (logvar.exp() + mu * mu - 1.0 - logvar).sum(1)
            loss = (rec + kl).mean()
            loss.backward()
            opt.step()
            last = loss.detach()
        return last

    return epoch


def make_gan_torch(size: dict, device: str):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    torch.manual_seed(0)
    encoder, decoder, L = _torch_nets(torch, size)
    G = torch.nn.Sequential(*decoder(L, True), torch.nn.Sigmoid()).to(device)
    D = encoder(1).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    X = torch.as_tensor(_digits_host(size["n_train"]), device=device)
    B, n = size["batch_size"], X.shape[0]
    softplus = torch.nn.functional.softplus

    def epoch():
        perm = torch.randperm(n).to(device)
        last = None
        for lo in range(0, n, B):
            x = X[perm[lo : lo + B]]
            with torch.no_grad():
                fake = G(torch.randn(x.shape[0], L, device=device))
            opt_d.zero_grad()
            loss_d = softplus(-D(x)).mean() + softplus(D(fake)).mean()
            loss_d.backward()
            opt_d.step()
            D.requires_grad_(False)
            opt_g.zero_grad()
            loss_g = softplus(-D(G(torch.randn(x.shape[0], L, device=device)))).mean()
            loss_g.backward()
            opt_g.step()
            D.requires_grad_(True)
            last = loss_g.detach()
        return last

    return epoch


SIZES = {
    "full": {"n_train": 1437, "batch_size": 64, "width": 32, "latent": 8},
    "quick": {"n_train": 1437, "batch_size": 64, "width": 32, "latent": 8},
    "tiny": {"n_train": 128, "batch_size": 64, "width": 8, "latent": 4},
}
GAN_SIZES = {k: {**v, "latent": 16 if k != "tiny" else 4} for k, v in SIZES.items()}

WORKLOADS = [
    Workload(
        name="vae_epoch",
        family="generative",
        description="one epoch, conv VAE (Conv 1-32-64 / ConvT 64-32-1), Adam, batch 64, digits",
        sizes=SIZES,
        make=make_vae_ours,
        peers={"torch": make_vae_torch},
        dtype="float32",
    ),
    Workload(
        name="dcgan_epoch",
        family="generative",
        description="one epoch, DCGAN (G: Linear-BN-ConvT-BN-ConvT, D: 2 convs), Adam, digits",
        sizes=GAN_SIZES,
        make=make_gan_ours,
        peers={"torch": make_gan_torch},
        dtype="float32",
    ),
]
