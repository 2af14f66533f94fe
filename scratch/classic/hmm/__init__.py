r"""Hidden Markov models: evaluation, decoding and learning (Baum-Welch), batched.

A hidden Markov model lambda = (pi, A, B) (Rabiner 1989; Li Hang, *Statistical
Learning Methods*, ch. 10) has K hidden states q_t and observations o_t with

    P(O, Q | lambda) = pi_{q_1} b_{q_1}(o_1) prod_{t=2}^T a_{q_{t-1} q_t} b_{q_t}(o_t).

The three problems and where they are solved:

* evaluation, P(O | lambda) = sum_Q P(O, Q | lambda): the forward and backward
  recursions, scaled (log P = sum_t log c_t) or in log space -> ``score``,
  ``score_samples`` (kernels in ``algorithms``);
* decoding: Viterbi, argmax_Q P(O, Q | lambda) -> ``decode``; posterior decoding,
  argmax_i gamma_t(i) -> ``predict``, ``predict_proba``;
* learning: Baum-Welch (EM) -> ``fit``; supervised maximum likelihood from labelled
  state paths (counting) -> ``fit_supervised``.

Baum-Welch. The E-step computes, under the current lambda,
gamma_t(i) = P(q_t = i | O) and xi_t(i, j) = P(q_t = i, q_{t+1} = j | O);
the M-step maximizes the expected complete-data log likelihood:

    pi_i  = sum_seq gamma_1(i) / (number of sequences),
    a_ij  = sum_t xi_t(i, j) / sum_t sum_j xi_t(i, j),
    and the emission parameters from gamma (``CategoricalHMM``, ``GaussianHMM``).

With Dirichlet priors of concentration alpha (``startprob_prior``, ``transmat_prior``,
``emissionprob_prior``) the MAP update adds alpha - 1 to each expected count and clips
at zero (alpha = 1: no prior). Each EM iteration never lowers P(O | lambda)
(Baum's inequality); ``monitor_.history`` records log P before each M-step, and fitting
stops when its improvement drops below ``tol`` (hmmlearn's rule).

All sequences of a call are processed together: padded to the longest, time-major,
one batched matrix product per time step (see ``algorithms``).

Files: this one (the overview), algorithms.py (the textbook forward/backward/Viterbi
recursions for one sequence, then the batched kernels that run), base.py (``BaseHMM``:
the E-step, Baum-Welch loop, Viterbi, scoring, sampling, supervised counting),
categorical.py (``CategoricalHMM``), gaussian.py (``GaussianHMM``).
"""

from .base import BaseHMM, ConvergenceMonitor, check_lengths  # noqa: F401
from .categorical import CategoricalHMM  # noqa: F401
from .gaussian import GaussianHMM  # noqa: F401

__all__ = ["CategoricalHMM", "GaussianHMM", "BaseHMM", "ConvergenceMonitor", "check_lengths"]
