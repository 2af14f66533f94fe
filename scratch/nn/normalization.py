r"""Normalization layers: BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d (torch.nn's).

Each standardizes its input and applies a learned affine map y = gamma xhat + beta
(gamma initialised to ones, beta to zeros); see ``scratch.functional.norm`` for the
derivation and the closed-form backward.

Batch norm keeps buffers ``running_mean`` (zeros), ``running_var`` (ones) and
``num_batches_tracked`` (0): in training they move towards the batch statistics with
``momentum`` (None: the cumulative average, factor 1 / num_batches_tracked); in eval
mode they replace the batch statistics. InstanceNorm2d keeps them only with
``track_running_stats=True`` (and, like PyTorch, never increments num_batches_tracked).
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..autograd import Tensor
from ..backend import Backend, to_numpy
from ._factory import resolve_backend, resolve_dtype
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d"]


def _positive(name, v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")


def _eps_ok(eps):
    """``eps`` as a float, or a ValueError: a negative or NaN eps makes sqrt(var + eps) NaN."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(
            f"eps must be a non-negative number, got {eps!r} (refused deliberately, "
            "torch accepts it: sqrt(var + eps) is NaN for var < -eps)"
        )
    return float(eps)


class _Norm(Module):
    """Shared construction: affine parameters and running-statistics buffers."""

    def _setup(self, num_features, eps, momentum, affine, track, backend, dtype):
        _positive("num_features", num_features)
        _eps_ok(eps)
        if momentum is not None and not (
            isinstance(momentum, (int, float)) and 0.0 <= momentum <= 1.0
        ):
            raise ValueError(
                f"momentum must be in [0, 1] or None, got {momentum!r} (refused deliberately, "
                "torch accepts it: outside [0, 1] the running statistics are no longer an "
                "average)"
            )
        bk = resolve_backend(backend)
        dt = resolve_dtype(bk, dtype)
        self.num_features, self.eps, self.momentum = num_features, float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track)
        if affine:
            self.weight = Parameter(bk.ones((num_features,), dtype=dt))
            self.bias = Parameter(bk.zeros((num_features,), dtype=dt))
        else:
            self.weight = self.bias = None
        if track:
            self.register_buffer("running_mean", bk.zeros((num_features,), dtype=dt))
            self.register_buffer("running_var", bk.ones((num_features,), dtype=dt))
            self.register_buffer("num_batches_tracked", bk.zeros((), dtype=bk.xp.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def _factor(self) -> float:
        """The running-average factor of this step (counts the batch when tracking)."""
        if not (self.training and self.track_running_stats):
            return 0.0 if self.momentum is None else self.momentum
        self.num_batches_tracked = self.num_batches_tracked + 1
        if self.momentum is None:
            # cumulative average: needs the count as a Python number (one host scalar)
            return 1.0 / float(to_numpy(self.num_batches_tracked))
        return self.momentum

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            xp = self.running_mean.__array_namespace__()
            self.running_mean = xp.zeros_like(self.running_mean)
            self.running_var = xp.ones_like(self.running_var)
            self.num_batches_tracked = xp.zeros_like(self.num_batches_tracked)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_Norm):
    _ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        self._setup(num_features, eps, momentum, affine, track_running_stats, backend, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """Normalize with the batch statistics (training) or the running ones (eval).

        Parameters
        ----------
        x : Tensor
            (N, C) or (N, C, L) for BatchNorm1d, (N, C, H, W) for BatchNorm2d; the output
            has the same shape.
        """
        if x.ndim not in self._ndims:
            want = " or ".join(f"{d}-D" for d in self._ndims)
            raise ValueError(f"{type(self).__name__} expects {want} input, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"input has {x.shape[1]} channels (shape {x.shape}) but "
                f"{type(self).__name__} was built with num_features={self.num_features}"
            )
        factor = self._factor()
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L), per feature C.

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float
        Added to the variance inside the square root: y = (x - mu) / sqrt(sigma2 + eps).
    momentum : float or None
        Running-average factor: r <- (1 - momentum) r + momentum * batch statistic
        (None: the cumulative average over the batches seen).
    affine : bool
        Learn a per-feature scale ``weight`` (ones) and shift ``bias`` (zeros).
    track_running_stats : bool
        Keep running mean/variance buffers (used in eval mode).
    backend : str or Backend, optional
        Where the parameters and buffers live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Their dtype (default float32).
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs over (N, H, W), per channel C.

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float
        Added to the variance inside the square root: y = (x - mu) / sqrt(sigma2 + eps).
    momentum : float or None
        Running-average factor: r <- (1 - momentum) r + momentum * batch statistic
        (None: the cumulative average over the batches seen).
    affine : bool
        Learn a per-feature scale ``weight`` (ones) and shift ``bias`` (zeros).
    track_running_stats : bool
        Keep running mean/variance buffers (used in eval mode).
    backend : str or Backend, optional
        Where the parameters and buffers live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Their dtype (default float32).
    """

    _ndims = (4,)


class InstanceNorm2d(_Norm):
    """Instance normalization of (N, C, H, W) (or (C, H, W)) over (H, W), per sample and channel.

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float
        Added to the variance inside the square root: y = (x - mu) / sqrt(sigma2 + eps).
    momentum : float or None
        Running-average factor: r <- (1 - momentum) r + momentum * batch statistic
        (None: the running statistics are not updated, as in torch).
    affine : bool
        Learn a per-feature scale ``weight`` (ones) and shift ``bias`` (zeros)
        (default False, as in torch).
    track_running_stats : bool
        Keep running mean/variance buffers (used in eval mode; default False).
    backend : str or Backend, optional
        Where the parameters and buffers live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Their dtype (default float32).
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        self._setup(num_features, eps, momentum, affine, track_running_stats, backend, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """Normalize each sample's channels over (H, W).

        Parameters
        ----------
        x : Tensor
            (N, C, H, W) or (C, H, W); the output has the same shape.
        """
        unbatched = x.ndim == 3
        if unbatched:
            x = F.reshape(x, (1,) + x.shape)
        if x.ndim != 4:
            raise ValueError(f"InstanceNorm2d expects 3-D or 4-D input, got shape {x.shape}")
        # PyTorch's instance norm never counts batches; momentum None means no update
        factor = 0.0 if self.momentum is None else self.momentum
        y = F.instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            factor,
            self.eps,
        )
        return F.reshape(y, y.shape[1:]) if unbatched else y


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dims (elementwise affine).

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing dims normalized together (their mean and variance per sample).
    eps : float
        Added to the variance inside the square root.
    elementwise_affine : bool
        Learn a scale ``weight`` (ones) of shape ``normalized_shape``.
    bias : bool
        With ``elementwise_affine``, also learn a shift ``bias`` (zeros).
    backend : str or Backend, optional
        Where the parameters live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Their dtype (default float32).
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        for s in shape:
            _positive("normalized_shape", s)
        bk = resolve_backend(backend)
        dt = resolve_dtype(bk, dtype)
        self.normalized_shape, self.eps = shape, _eps_ok(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight = Parameter(bk.ones(shape, dtype=dt)) if elementwise_affine else None
        self.bias = Parameter(bk.zeros(shape, dtype=dt)) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        """Normalize over the trailing ``normalized_shape`` dims.

        Parameters
        ----------
        x : Tensor
            (..., *normalized_shape); the output has the same shape.
        """
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization: ``num_groups`` groups of channels, per sample (affine per channel).

    Parameters
    ----------
    num_groups : int
        G; each group of C / G channels is normalized together, per sample.
    num_channels : int
        C, divisible by ``num_groups``.
    eps : float
        Added to the variance inside the square root.
    affine : bool
        Learn a per-channel scale ``weight`` (ones) and shift ``bias`` (zeros).
    backend : str or Backend, optional
        Where the parameters live (default: ``SCRATCH_BACKEND`` or numpy).
    dtype : dtype or str, optional
        Their dtype (default float32).
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        backend: str | Backend | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        _positive("num_groups", num_groups)
        _positive("num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        bk = resolve_backend(backend)
        dt = resolve_dtype(bk, dtype)
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = _eps_ok(eps), bool(affine)
        self.weight = Parameter(bk.ones((num_channels,), dtype=dt)) if affine else None
        self.bias = Parameter(bk.zeros((num_channels,), dtype=dt)) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        """Normalize each sample's channel groups.

        Parameters
        ----------
        x : Tensor
            (N, C, *); the output has the same shape.
        """
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
