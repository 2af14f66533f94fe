"""Activation modules: thin wrappers of scratch.functional (formulas and derivatives there)."""

from __future__ import annotations

from .. import functional as F
from ..autograd import Tensor
from .module import Module


class ReLU(Module):
    """y = max(x, 0).

    Parameters
    ----------
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.relu(x, self.inplace)


class LeakyReLU(Module):
    """y = x for x >= 0, negative_slope * x otherwise.

    Parameters
    ----------
    negative_slope : float
        The slope for x < 0.
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """y = x for x > 0, alpha (e^x - 1) otherwise.

    Parameters
    ----------
    alpha : float
        The saturation value -alpha for x -> -inf.
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """y = scale * elu(x, alpha) with the self-normalising constants.

    Parameters
    ----------
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.selu(x, self.inplace)


class GELU(Module):
    """y = x Phi(x) (``approximate='tanh'`` for the tanh approximation).

    Parameters
    ----------
    approximate : {"none", "tanh"}
        "none": the exact Phi (via erf); "tanh": Phi(x) ~ (1 + tanh(sqrt(2/pi) (x +
        0.044715 x^3))) / 2.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh x."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.tanh(x)


class Softplus(Module):
    """y = log(1 + e^(beta x)) / beta (linear above ``threshold``).

    Parameters
    ----------
    beta : float
        Sharpness: softplus tends to relu as beta grows.
    threshold : float
        Above beta x > threshold the result is x (log(1 + e^t) = t to float precision).
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.softplus(x, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.softsign(x)


class SiLU(Module):
    """y = x sigmoid(x).

    Parameters
    ----------
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.silu(x, self.inplace)


class Hardtanh(Module):
    """y = clip(x, min_val, max_val).

    Parameters
    ----------
    min_val, max_val : float
        The clip range (min_val < max_val).
    inplace : bool
        Write the result into the input's memory and return the input (torch's meaning;
        refused for a tensor that requires grad while the graph records).
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if not min_val < max_val:
            raise ValueError(f"Hardtanh needs min_val < max_val, got {min_val}, {max_val}")
        self.min_val, self.max_val = min_val, max_val
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softmax(Module):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``dim``.

    Parameters
    ----------
    dim : int, optional
        The axis that sums to one (None: PyTorch's implicit choice, 0 for 0-, 1- and
        3-d inputs, else 1).
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.softmax(x, dim=self._dim(x))

    def _dim(self, x):
        if self.dim is not None:
            return self.dim
        return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """y_i = x_i - log sum_j e^(x_j) along ``dim``.

    Parameters
    ----------
    dim : int, optional
        The axis of the log-sum-exp (None: PyTorch's implicit choice, as for Softmax).
    """

    def forward(self, x: Tensor) -> Tensor:
        """Apply the function to ``x``.

        Parameters
        ----------
        x : Tensor
            Input of any shape; the output has the same shape.
        """
        return F.log_softmax(x, dim=self._dim(x))
