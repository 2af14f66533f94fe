r"""Dropout: zero each element with probability p in training, scale the rest by 1 / (1 - p).

E[y] = (1 - p) * x / (1 - p) = x, so evaluation (no dropping) sees the same expected
activations (inverted dropout, as in PyTorch). The layer owns its generator, seeded
from ``rng`` and created on the input's device at the first call.
"""

from __future__ import annotations

from .. import functional as F
from ..autograd import Tensor
from ..backend import Backend, Rng
from ._factory import backend_of, resolve_backend, resolve_rng
from .module import Module


class Dropout(Module):
    """Inverted dropout with probability ``p`` (identity in eval mode).

    Parameters
    ----------
    p : float in [0, 1]
        The probability of dropping an element.
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning,
        passed on to ``F.dropout``; refused for a tensor that requires grad while the
        graph records).
    backend : str or Backend, optional
        Where the mask generator lives (default: the first input's backend and device).
    rng : int or Rng, optional
        Seed (or generator) of the masks; reproducible per seed.
    """

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        *,
        backend: str | Backend | None = None,
        rng: int | Rng | None = None,
    ):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1], got {p!r}")
        if not (rng is None or isinstance(rng, Rng) or type(rng) is int):
            raise TypeError(f"rng must be None, an int seed or a scratch.backend.Rng, got {rng!r}")
        self.p = float(p)
        self.inplace = inplace
        self._seed = rng
        self._rng: Rng | None = rng if isinstance(rng, Rng) else None
        if self._rng is None and backend is not None:  # else made on the input's device
            self._rng = resolve_rng(resolve_backend(backend), rng)

    def forward(self, x: Tensor) -> Tensor:
        """Drop and rescale while training; the identity in eval mode.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        if self.training and self.p > 0 and self._rng is None:
            self._rng = resolve_rng(backend_of(x), self._seed)
        return F.dropout(x, self.p, self.training, self.inplace, rng=self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
