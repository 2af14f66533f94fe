r"""Spectral normalization of a layer's weight (Miyato et al. 2018), like torch.nn.utils.

The layer computes with W_SN = W / sigma(W), where sigma(W) is the largest singular value
of W viewed as a matrix W_mat of shape (W.shape[dim], prod of the other axes). Then the
linear map has operator norm 1, so a network of such layers and 1-Lipschitz activations is
1-Lipschitz: the discriminator cannot sharpen without bound, which steadies GAN training.

Power iteration. For vectors u (rows) and v (columns), one step is
    v <- W_mat^T u / ||W_mat^T u||,    u <- W_mat v / ||W_mat v||,
which is the power method on W_mat^T W_mat: v converges to the top right singular vector
and u to the top left one (at the rate (s_2 / s_1)^2 per step). Then
    sigma = u^T W_mat v   -> s_1.
One step per training forward pass is enough because W changes slowly and (u, v) persist
between calls as buffers (``weight_u``, ``weight_v``), so the estimate keeps improving.

Gradient: u and v are constants of the graph (computed without recording), so
    d sigma / d W_mat = u v^T,   and   W_SN = W / sigma
is differentiated by the engine like any quotient; torch does the same.

Layout, as in torch: the learned parameter becomes ``weight_orig``; ``weight`` is
recomputed before each forward; in eval mode (u, v) are not updated. ``dim`` is 0, or 1
for ConvTranspose2d, whose weight is (C_in, C_out/groups, kh, kw).
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor, no_grad
from ..backend import Rng
from ._factory import resolve_rng
from .conv import ConvTranspose2d
from .module import Module, Parameter

__all__ = ["spectral_norm", "remove_spectral_norm"]


def _normalize(xp, x, eps: float):
    """x / max(||x||_2, eps) (torch.nn.functional.normalize on a vector)."""
    norm = xp.sqrt(xp.sum(x * x))
    return x / xp.maximum(norm, xp.asarray(eps, dtype=x.dtype, device=backend.device_of(x)))


def _as_matrix(W, dim: int):
    """W with axis ``dim`` moved first, flattened to (W.shape[dim], -1): raw array or Tensor."""
    if dim != 0:
        axes = (dim, *[a for a in range(W.ndim) if a != dim])
        W = (
            W.permute(*axes)
            if isinstance(W, Tensor)
            else backend.namespace(W).permute_dims(W, axes)
        )
    rows = W.shape[0]
    return (
        W.reshape(rows, -1)
        if isinstance(W, Tensor)
        else backend.namespace(W).reshape(W, (rows, -1))
    )


class _SpectralNorm:
    """The state spectral_norm attaches to a module: which weight, how many steps, eps."""

    def __init__(self, name: str, n_power_iterations: int, eps: float, dim: int):
        self.name, self.n_power_iterations, self.eps, self.dim = name, n_power_iterations, eps, dim

    def power_iteration(self, module: Module) -> None:
        """``n_power_iterations`` steps of v <- W^T u / ||.||, u <- W v / ||.|| (no graph)."""
        W = _as_matrix(getattr(module, self.name + "_orig").data, self.dim)
        xp = backend.namespace(W)
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        for _ in range(self.n_power_iterations):
            v = _normalize(xp, xp.matmul(xp.matrix_transpose(W), u), self.eps)
            u = _normalize(xp, xp.matmul(W, v), self.eps)
        setattr(module, self.name + "_u", u)
        setattr(module, self.name + "_v", v)

    def sigma(self, module: Module) -> Tensor:
        """sigma = u^T W_mat v, differentiable in W (u and v are constants)."""
        W = _as_matrix(getattr(module, self.name + "_orig"), self.dim)
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        return (Tensor(u) * (W @ Tensor(v))).sum()

    def compute_weight(self, module: Module) -> Tensor:
        """W_SN = W / sigma, after one round of power iteration in training mode."""
        if module.training:
            with no_grad():
                self.power_iteration(module)
        return getattr(module, self.name + "_orig") / self.sigma(module)


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
    *,
    rng: int | Rng | None = None,
) -> Module:
    """Divide ``module.<name>`` by its largest singular value before every forward.

    torch.nn.utils.spectral_norm's signature and layout (``<name>_orig`` learned,
    buffers ``<name>_u``, ``<name>_v``), with the initial u, v ~ N(0, I) normalized, drawn
    from ``rng`` (randomness is explicit here).

    Parameters
    ----------
    module : Module with a Parameter ``name`` of at least 2 axes (or 1)
    name : str
    n_power_iterations : int
        Power-iteration steps per training forward pass (>= 1).
    eps : float
        Floor of the norms in the normalization.
    dim : int, optional
        The output axis of the weight (default 0; 1 for ConvTranspose2d).
    rng : int or Rng, optional
        Seed or generator of the initial u and v.

    Returns
    -------
    The same module, changed in place.
    """
    if getattr(module, "_spectral_norms", {}).get(name) is not None:
        raise ValueError(f"spectral_norm is already applied to parameter {name!r}")
    W = getattr(module, name, None)
    if not isinstance(W, Parameter):
        raise ValueError(f"module has no parameter {name!r} to normalize")
    if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, int):
        raise ValueError(f"n_power_iterations must be a positive int, got {n_power_iterations!r}")
    if n_power_iterations < 1:
        raise ValueError(f"n_power_iterations must be a positive int, got {n_power_iterations!r}")
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    bk = backend.backend_of(W.data)
    gen = resolve_rng(bk, rng)
    W_mat = _as_matrix(W.data, dim)
    h, w = W_mat.shape
    xp = bk.xp
    u = _normalize(xp, gen.normal(size=(h,), dtype=W.dtype), eps)
    v = _normalize(xp, gen.normal(size=(w,), dtype=W.dtype), eps)
    fn = _SpectralNorm(name, n_power_iterations, eps, dim)
    delattr(module, name)
    setattr(module, name + "_orig", W)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    object.__setattr__(module, name, Tensor(W.data))
    norms: dict[str, Any] = dict(getattr(module, "_spectral_norms", {}))
    norms[name] = fn
    object.__setattr__(module, "_spectral_norms", norms)
    if "forward" not in module.__dict__:  # wrap the class's forward once per module
        plain_forward = module.forward

        def forward(*args, **kwargs):
            for n, f in module._spectral_norms.items():
                object.__setattr__(module, n, f.compute_weight(module))
            return plain_forward(*args, **kwargs)

        object.__setattr__(module, "forward", forward)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo spectral_norm: ``name`` becomes a Parameter again, holding W / sigma.

    Parameters
    ----------
    module : Module that spectral_norm changed
    name : str

    Returns
    -------
    The same module, changed in place.
    """
    norms = dict(getattr(module, "_spectral_norms", {}))
    fn = norms.pop(name, None)
    if fn is None:
        raise ValueError(f"spectral_norm is not applied to parameter {name!r}")
    with no_grad():  # the current estimate, without a further power-iteration step
        W = (getattr(module, name + "_orig") / fn.sigma(module)).data
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    object.__setattr__(module, "_spectral_norms", norms)
    if name in module.__dict__:
        object.__delattr__(module, name)
    setattr(module, name, Parameter(W))
    if not norms:
        object.__delattr__(module, "forward")
    return module
