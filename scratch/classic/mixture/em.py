r"""EM on the smallest latent-variable model: the three-coin model.

The model (Li Hang, *Statistical Learning Methods*, the EM chapter, example 9.1): coin A
lands heads with probability pi; on heads coin B (heads with probability p) is tossed, on
tails coin C (heads with probability q). Only the second toss is observed, y in {0, 1};
which coin was tossed is the hidden variable. The likelihood of one observation is

    P(y | theta) = pi p^y (1 - p)^(1 - y) + (1 - pi) q^y (1 - q)^(1 - y),

and of n independent ones  log L(theta) = sum_j log P(y_j | theta), theta = (pi, p, q).

E step: the posterior probability mu_j that y_j came from coin B,

    mu_j = pi p^y_j (1 - p)^(1 - y_j) / P(y_j | theta).

M step: maximize the expected complete-data log-likelihood
sum_j mu_j log(pi p^y_j (1-p)^(1-y_j)) + (1 - mu_j) log((1-pi) q^y_j (1-q)^(1-y_j));
setting its derivatives to zero gives weighted frequencies,

    pi = (1/n) sum_j mu_j,   p = sum_j mu_j y_j / sum_j mu_j,
    q = sum_j (1 - mu_j) y_j / sum_j (1 - mu_j).

EM never lowers log L (Jensen's inequality: the E step makes the bound tight, the M step
raises it). The model is not identifiable: every theta with pi p + (1 - pi) q = mean(y)
has the same likelihood, so the answer depends on the starting point, which is the point
of the textbook's two runs (from (0.5, 0.5, 0.5) to (0.5, 0.6, 0.6); from (0.4, 0.6, 0.7)
to (0.4064, 0.5368, 0.6432)).

The powers p^y (1 - p)^(1 - y) with y in {0, 1} are written as where(y == 1, p, 1 - p),
which never evaluates 0^0.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import device_of, to_numpy
from ...validation import check_array, check_is_fitted, check_positive, check_same_backend
from .._base import BaseEstimator

__all__ = ["ThreeCoinEM"]


def _coin_likelihoods(y, pi, p, q):
    """pi P(y | B) and (1 - pi) P(y | C) per observation, each shape (n,)."""
    xp = backend.namespace(y)
    heads = y == 1
    from_b = pi * xp.where(heads, p, 1.0 - p)
    from_c = (1.0 - pi) * xp.where(heads, q, 1.0 - q)
    return from_b, from_c


class ThreeCoinEM(BaseEstimator):
    r"""Fit (pi, p, q) of the three-coin model by EM.

    Parameters
    ----------
    pi, p, q : float
        Starting values, each in the open interval (0, 1).
    max_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when no parameter moves by more than ``tol`` in one iteration.

    Attributes
    ----------
    pi_, p_, q_ : 0-d arrays on y's backend
        The fitted parameters.
    history_ : list of (float, float, float)
        (pi, p, q) at the start and after every iteration (host copies).
    log_likelihood_history_ : list of float
        log L of each entry of ``history_``.
    log_likelihood_ : float
        log L of the fitted parameters.
    n_iter_ : int
    converged_ : bool
    """

    def __init__(
        self,
        pi: float = 0.5,
        p: float = 0.5,
        q: float = 0.5,
        max_iter: int = 100,
        tol: float = 1e-8,
    ):
        self.pi = pi
        self.p = p
        self.q = q
        self.max_iter = max_iter
        self.tol = tol

    def _check_params(self) -> None:
        for name in ("pi", "p", "q"):
            value = getattr(self, name)
            check_positive(value, name)
            if not value < 1.0:
                raise ValueError(f"{name} must lie in the open interval (0, 1), got {value!r}")
        check_positive(self.max_iter, "max_iter", integer=True)
        check_positive(self.tol, "tol", strict=False)

    @staticmethod
    def _check_y(y, like=None):
        y = check_array(y, "y", ndim=1, like=like)
        xp = backend.namespace(y)
        # one host scalar: a boundary check of the observations
        bad = ~((y == 0) | (y == 1))
        if bool(to_numpy(xp.any(bad))):
            first = float(to_numpy(y)[to_numpy(bad)][0])  # the error path: host copies
            raise ValueError(
                f"y must hold coin tosses coded 0 (tails) or 1 (heads), got the value {first!r}"
            )
        return y

    def fit(self, y) -> ThreeCoinEM:
        """Run EM from (pi, p, q) on the observations ``y`` (0/1, shape (n,)); returns self.

        Parameters
        ----------
        y : array, shape (n,)
            Observed tosses of the second coin, coded 0 (tails) or 1 (heads).

        Returns
        -------
        self : ThreeCoinEM
            The fitted estimator.
        """
        self._check_params()
        y = self._check_y(y)
        xp = backend.namespace(y)
        dev = device_of(y)
        pi, p, q = (xp.asarray(v, dtype=y.dtype, device=dev) for v in (self.pi, self.p, self.q))
        self.history_ = [(float(self.pi), float(self.p), float(self.q))]
        self.log_likelihood_history_ = []
        self.converged_, self.n_iter_ = False, 0
        for it in range(1, self.max_iter + 1):
            # E step: mu_j = P(coin B | y_j, theta); the likelihood of theta comes for free
            from_b, from_c = _coin_likelihoods(y, pi, p, q)
            evidence = from_b + from_c  # P(y_j | theta)
            mu = from_b / evidence
            log_likelihood = xp.sum(xp.log(evidence))
            # M step: weighted frequencies
            pi = xp.mean(mu)
            p = xp.sum(mu * y) / xp.sum(mu)
            q = xp.sum((1.0 - mu) * y) / xp.sum(1.0 - mu)
            # one transfer per iteration: the convergence test is a Python decision
            host = to_numpy(xp.stack([pi, p, q, log_likelihood]))
            self.log_likelihood_history_.append(float(host[3]))
            self.history_.append((float(host[0]), float(host[1]), float(host[2])))
            self.n_iter_ = it
            moved = max(abs(a - b) for a, b in zip(self.history_[-1], self.history_[-2]))
            if moved <= self.tol:
                self.converged_ = True
                break
        self.pi_, self.p_, self.q_ = pi, p, q
        self.log_likelihood_ = float(to_numpy(self.log_likelihood(y)))
        self.log_likelihood_history_.append(self.log_likelihood_)
        return self

    def log_likelihood(self, y):
        """log L(theta) = sum_j log P(y_j | theta) at the fitted theta, a 0-d array.

        Parameters
        ----------
        y : array, shape (n,)
            Observed tosses of the second coin, coded 0 (tails) or 1 (heads).

        Returns
        -------
        log_L : 0-d array on y's backend
            sum_j log(pi_ P(y_j | B) + (1 - pi_) P(y_j | C)).
        """
        check_is_fitted(self, "pi_")
        check_same_backend(self, y, self.pi_, name="y")
        y = self._check_y(y, like=self.pi_)
        xp = backend.namespace(y, self.pi_)
        from_b, from_c = _coin_likelihoods(y, self.pi_, self.p_, self.q_)
        return xp.sum(xp.log(from_b + from_c))

    def predict_proba(self, y) -> Any:
        """mu_j = P(coin B was tossed | y_j), shape (n,).

        Parameters
        ----------
        y : array, shape (n,)
            Observed tosses of the second coin, coded 0 (tails) or 1 (heads).

        Returns
        -------
        mu : array, shape (n,)
            mu_j = pi_ P(y_j | B) / P(y_j | theta), the E-step responsibilities.
        """
        check_is_fitted(self, "pi_")
        check_same_backend(self, y, self.pi_, name="y")
        y = self._check_y(y, like=self.pi_)
        backend.namespace(y, self.pi_)
        from_b, from_c = _coin_likelihoods(y, self.pi_, self.p_, self.q_)
        return from_b / (from_b + from_c)
