"""numpy-ml (pinned: ``numpy-ml==0.1.2``, the latest release) as a peer.

numpy-ml is the closest from-scratch peer: pure NumPy, written for reading. It has
five of our workloads: ``gmm`` (``numpy_ml.gmm.GMM``), ``hmm_baum_welch``
(``numpy_ml.hmm.MultinomialHMM``), ``conv2d`` (``neural_nets.layers.Conv2D``),
``batch_norm`` (``BatchNorm2D``) and ``mlp_epoch`` (``FullyConnected`` + ``Adam``).
Each maker here builds the same job as the workload's other peers, through numpy-ml's
own API (its NHWC layout for images), from the same data and starting point.

**Import on Python >= 3.10.** numpy-ml 0.1.2's package ``__init__`` imports
``numpy_ml.utils.data_structures``, which does ``from collections import Hashable``,
an alias Python 3.10 removed (it lives in ``collections.abc``), so ``import numpy_ml``
fails on every Python this project supports. numpy-ml itself is not patched: for the
duration of the import only, ``collections.Hashable`` is set to
``collections.abc.Hashable`` (and removed again afterwards). That alias changes no
computation; the code that runs is the released 0.1.2. With it, everything used here
runs unchanged on NumPy 2 (it uses none of the aliases NumPy 2 removed). If the import
still fails, the maker raises ImportError with the reason and the row says "missing".

**Too slow for some sizes.** ``GMM`` and ``MultinomialHMM`` loop in Python over
samples, components, time steps and states (one ``slogdet`` + ``solve`` per sample
and component; a list-comprehension logsumexp per state and time step). Where the
estimated time of one call exceeds ``MAX_SECONDS`` (20 s), the maker raises NotApplicable for
that size, so the row says "n/a" (see ``_check_budget``; the per-unit costs were measured
on a 2-core CPU with NumPy 2.4 and are generous).
"""

from __future__ import annotations

import collections
import collections.abc
import importlib
import warnings
from importlib import metadata

import numpy as np

from . import NotApplicable

PINNED = "0.1.2"
MAX_SECONDS = 20.0

# Seconds per unit of work of one call, measured at tiny and quick sizes (2-core CPU),
# rounded up: GMM per sample x component x iteration (E step, M step and the lower
# bound it evaluates every iteration); HMM per sequence step x iteration.
_GMM_S_PER_UNIT = 50e-6
_HMM_S_PER_UNIT = 0.3e-3


def _import(module: str):
    """``numpy_ml.<module>``, or ImportError saying why numpy-ml cannot run here."""
    try:
        version = metadata.version("numpy-ml")
    except metadata.PackageNotFoundError:
        raise ImportError(f"numpy-ml is not installed (pip install numpy-ml=={PINNED})") from None
    alias = not hasattr(collections, "Hashable")
    if alias:  # removed in Python 3.10; numpy-ml 0.1.2 still imports it from there
        collections.Hashable = collections.abc.Hashable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rl_models warns that gym is not installed
            return importlib.import_module(f"numpy_ml.{module}")
    except Exception as e:  # noqa: BLE001 - any import failure means "cannot run here"
        raise ImportError(
            f"numpy-ml {version} does not import here (NumPy {np.__version__}): "
            f"{type(e).__name__}: {e}"
        ) from e
    finally:
        if alias:
            del collections.Hashable


def _check_budget(seconds: float) -> None:
    """Refuse a size whose one call, estimated at ``seconds``, is over ``MAX_SECONDS``."""
    if seconds > MAX_SECONDS:
        raise NotApplicable(
            f"numpy-ml would take about {seconds:.0f} s per call here (pure Python loops; "
            f"the limit is {MAX_SECONDS:.0f} s)"
        )


# --- gmm: numpy_ml.gmm.GMM ----------------------------------------------------------


def gmm(size: dict, device: str = "cpu"):
    """GMM.fit: ``iters`` EM iterations from the workload's fixed start.

    GMM has no arguments for the start (``fit`` draws one at random), so a subclass
    replaces ``_initialize_params`` with the shared start: uniform weights, the same k
    rows of X as means, covariances = inverse of the shared precisions. ``tol=-inf``
    makes it run exactly ``iters`` iterations. Besides E and M steps numpy-ml evaluates
    the variational lower bound every iteration (another pass over samples and
    components, as scikit-learn's lower bound but in a Python loop). It adds no
    ``reg_covar`` to the covariances (scikit-learn adds 1e-6); with that set to ~0,
    scikit-learn's weights, means and covariances agree to 1e-11. Cost: about 45 us
    per sample, component and iteration: tiny 0.3 s; quick (5000 x 8 x 20) ~36 s and
    full (20000 x 8 x 50) ~6 min, so those return None (the quick curve's n=2000 runs,
    ~15 s).
    """
    if device != "cpu":
        return None
    _check_budget(_GMM_S_PER_UNIT * size["n"] * size["k"] * size["iters"])
    from .gmm import _data

    GMM = _import("gmm").GMM
    X, inits = _data(size)
    weights, means = inits["weights_init"], inits["means_init"]
    covariances = np.linalg.inv(inits["precisions_init"])

    class FixedStartGMM(GMM):
        def _initialize_params(self):
            self.pi = weights.copy()
            self.Q = np.zeros((self.N, self.C))
            self.mu = means.copy()  # M step writes into mu and sigma in place
            self.sigma = covariances.copy()
            self.best_pi = self.best_mu = self.best_sigma = None
            self.best_elbo = -np.inf

    est = FixedStartGMM(C=size["k"])

    def run():
        if est.fit(X, max_iter=size["iters"], tol=-np.inf) != 0:
            raise RuntimeError("numpy-ml GMM: a component collapsed (singular covariance)")
        return est

    return run


# --- hmm_baum_welch: numpy_ml.hmm.MultinomialHMM ------------------------------------


def hmm(size: dict, device: str = "cpu"):
    """``iters`` Baum-Welch iterations of MultinomialHMM from the workload's fixed start.

    ``MultinomialHMM.fit`` cannot do this job: it starts from a random B (and uniform
    A), has no iteration cap (it stops when the log-likelihood gain is under ``tol``),
    and evaluates the log-likelihood (one more forward pass per sequence) every
    iteration. So the closure sets the fitted state as ``fit`` does (O, I, T, N, V) with
    the shared start (pi, A, B) and runs fit's loop body ``iters`` times:
    ``_Estep`` (forward/backward in log space per sequence) and ``_Mstep``, numpy-ml's
    own methods, without the log-likelihood. Sequences are the rows of an (n_seq, T)
    array (numpy-ml needs equal lengths; the workload's are).

    Same work, different numbers: numpy-ml's ``_Estep`` fills ``xi`` only for
    t < T - 1 and leaves the last time slice at 0 (= log 1), so its M step counts one
    extra transition per state pair and sequence. Its B and pi after one iteration
    match hmmlearn's to 1e-15; its A does not (it does when that slice is -inf).

    Cost: about 0.25 ms per sequence step and iteration: tiny (20 x 30 x 2) 0.35 s;
    quick (300 x 100 x 10) ~75 s and full (1000 x 100 x 10) ~4 min, so those return
    None (and so does the quick curve, from n_seq=100).
    """
    if device != "cpu":
        return None
    _check_budget(_HMM_S_PER_UNIT * size["n_seq"] * size["T"] * size["iters"])
    from .hmm import K, M, _problem

    MultinomialHMM = _import("hmm").MultinomialHMM
    X, lengths, start = _problem(size)
    O = X.reshape(len(lengths), lengths[0])  # noqa: E741 - numpy-ml's name

    def run():
        est = MultinomialHMM(
            A=start["transmat_"].copy(),
            B=start["emissionprob_"].copy(),
            pi=start["startprob_"].copy(),
        )
        est.O = O
        est.I, est.T = O.shape
        est.N, est.V = K, M
        for _ in range(size["iters"]):
            gamma, xi, phi = est._Estep()
            est.A, est.B, est.pi = est._Mstep(gamma, xi, phi)
        return est

    return run


# --- conv2d and batch_norm: numpy_ml.neural_nets.layers -----------------------------


def _nhwc(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def conv2d(size: dict, device: str = "cpu"):
    """Conv2D forward + backward (dX, dW, db), float32 data in numpy-ml's NHWC layout.

    The same x, w, b as the other implementations, transposed once in the set-up to
    NHWC and (kh, kw, C_in, C_out). Each call flushes the layer's stored inputs and
    gradients (numpy-ml appends every forward's input to a list), runs ``forward`` and
    ``backward`` with a ones output gradient, and returns dX. Differences: numpy-ml's
    col2im allocates float64, so dX comes back in float64 (the forward and dW stay
    float32), and it has no groups and no transposed convolution in this API, so
    ``conv2d_grouped`` and ``conv_transpose2d`` have no numpy-ml peer (and ``groups``
    other than 1 returns None).
    """
    if device != "cpu" or size["groups"] != 1 or size.get("transposed"):
        return None
    from .conv import _host

    Conv2D = _import("neural_nets.layers").Conv2D
    x, w, b = _host(size)
    k = size["k"]
    layer = Conv2D(size["c_out"], (k, k), pad=size["padding"], stride=size["stride"])
    layer.in_ch = size["c_in"]
    layer._init_params()
    layer.parameters = {
        "W": np.ascontiguousarray(w.transpose(2, 3, 1, 0)),
        "b": b.reshape(1, 1, 1, -1).copy(),
    }
    xh = _nhwc(x)
    gy = np.ones_like(layer.forward(xh, retain_derived=False))

    def step():
        layer.flush_gradients()
        layer.forward(xh)
        return layer.backward(gy)

    return step


def batch_norm(size: dict, device: str = "cpu"):
    """BatchNorm2D training forward + backward, float32, NHWC, the same X and dY.

    gamma = 1, beta = 0, running mean 0 and variance 1, momentum 0.9 in numpy-ml's
    convention (= 0.1 in PyTorch's), eps 1e-5. numpy-ml's running variance is the
    biased one (PyTorch's the unbiased); its backward recomputes the batch mean and
    variance instead of keeping them from the forward.
    """
    if device != "cpu":
        return None
    BatchNorm2D = _import("neural_nets.layers").BatchNorm2D
    rng = np.random.default_rng(0)
    n, c, h = size["n"], size["c"], size["h"]
    X = _nhwc(rng.standard_normal((n, c, h, h)).astype(np.float32))
    gy = _nhwc(rng.standard_normal((n, c, h, h)).astype(np.float32))
    layer = BatchNorm2D(momentum=0.9, epsilon=1e-5)
    layer.in_ch = layer.out_ch = c
    layer._init_params()
    layer.parameters = {
        "scaler": np.ones(c, dtype=np.float32),
        "intercept": np.zeros(c, dtype=np.float32),
        "running_var": np.ones(c, dtype=np.float32),
        "running_mean": np.zeros(c, dtype=np.float32),
    }

    def step():
        layer.flush_gradients()
        layer.forward(X)
        return layer.backward(gy)

    return step


# --- mlp_epoch: FullyConnected + Adam -----------------------------------------------


def mlp(size: dict, device: str = "cpu"):
    """One epoch of the 64-H-H-10 ReLU MLP with FullyConnected layers and Adam.

    Three ``FullyConnected`` layers (ReLU, ReLU, none: numpy-ml's identity), each with its own
    ``Adam(lr=1e-3, eps=1e-8)`` (PyTorch's defaults; numpy-ml's eps is 1e-7),
    numpy-ml's glorot-uniform initialisation cast to float32, a fresh permutation per
    epoch, batches of ``batch_size``. Per batch: forward, softmax (numpy-ml's
    ``Softmax`` layer), the mean cross-entropy and its gradient with respect to the
    logits (numpy-ml's ``CrossEntropy`` gives the sum; both are divided by the batch
    size, as PyTorch's mean), backward, and ``update()`` on each layer (the Adam step,
    then the layer flushes its gradients). Returns the last batch's loss.
    """
    if device != "cpu":
        return None
    from .mlp import _digits_host

    layers = _import("neural_nets.layers")
    Adam = _import("neural_nets.optimizers").Adam
    CrossEntropy = _import("neural_nets.losses").CrossEntropy
    X, y = _digits_host(size["n_train"])
    Y = np.eye(10, dtype=np.float32)[y]
    h, B, n = size["hidden"], size["batch_size"], X.shape[0]
    net = []
    for n_in, n_out, act in ((64, h, "ReLU"), (h, h, "ReLU"), (h, 10, None)):
        layer = layers.FullyConnected(n_out, act_fn=act, optimizer=Adam(lr=1e-3, eps=1e-8))
        layer.n_in = n_in
        layer._init_params()
        layer.parameters = {k: v.astype(np.float32) for k, v in layer.parameters.items()}
        layer.gradients = {k: np.zeros_like(v) for k, v in layer.parameters.items()}
        net.append(layer)
    softmax, xent = layers.Softmax(), CrossEntropy()
    rng = np.random.default_rng(0)

    def epoch():
        perm = rng.permutation(n)
        last = None
        for lo in range(0, n, B):
            idx = perm[lo : lo + B]
            out = X[idx]
            for layer in net:
                out = layer.forward(out)
            probs = softmax.forward(out, retain_derived=False)
            last = xent.loss(Y[idx], probs) / len(idx)
            grad = xent.grad(Y[idx], probs) / len(idx)
            for layer in reversed(net):
                grad = layer.backward(grad)
            for layer in net:
                layer.update()
        return last

    return epoch
