r"""FID and Inception Score for 8x8 digits, measured by a small CNN shipped in the package.

FID and IS as papers report them use Inception-v3 trained on ImageNet: pool3 features
(2048-d) for FID, its 1008-way softmax for IS, on 299x299 RGB images. Those numbers mean
nothing for 8x8 grey digits (upsampled 37x, they are far outside ImageNet, and the
ImageNet classes say nothing about which digit a sample is). So here the measuring network
is the digits CNN of ``scratch train cnn`` (scratch.training.cnn.make_cnn), trained once
on the 1437 training digits by ``python -m scratch.metrics._train_digits_net`` (seed 0;
test accuracy ``DIGITS_NET_TEST_ACCURACY``) and shipped as scratch/data/digits_cnn.npz:

    digits_fid             Frechet distance of its penultimate features (the 256 inputs
                           of the last Linear layer: ReLU, max-pooled conv activations)
    digits_inception_score Inception Score of its 10-class softmax

The numbers are comparable between runs of this package only, never with published
Inception-v3 FIDs/ISs (another network, another feature space, 10 classes: IS <= 10).

Images: the digits' layout and pixel scale, as ``scratch.data.load_digits`` gives them:
shape (N, 64) (row-major 8x8) or (N, 1, 8, 8), values in [0, 16] (pixel counts; a
generator with outputs in [0, 1] must multiply by 16), arrays of any backend or Tensors
(their data: the metrics are not differentiated). The network reads x / 16 in
float32, in eval mode (batch-norm running statistics), without a graph.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from .. import backend
from ..autograd import Tensor, no_grad
from ..io import load_npz
from ..validation import check_array
from .frechet import fid
from .inception import inception_score

__all__ = [
    "DIGITS_NET_TEST_ACCURACY",
    "digits_net",
    "digits_features",
    "digits_probabilities",
    "digits_fid",
    "digits_inception_score",
]

DIGITS_NET_TEST_ACCURACY = 0.9944  # 358 / 360 (scratch/metrics/_train_digits_net.py)
PIXEL_MAX = 16.0
_BATCH = 512
_NETS: dict[tuple[str, str], Any] = {}


def digits_net(like: Any):
    """The shipped CNN in eval mode on ``like``'s backend and device (loaded once, cached)."""
    from ..training.cnn import make_cnn

    bk = backend.backend_of(like)
    key = (bk.name, str(bk.device))
    if key not in _NETS:
        model = make_cnn(bk, rng=0, dtype=bk.xp.float32)
        path = resources.files("scratch.data").joinpath("digits_cnn.npz")
        with resources.as_file(path) as p:
            model.load_state_dict(load_npz(p))
        _NETS[key] = model.eval()
    return _NETS[key]


def _check_images(images: Any, name: str, min_samples: int, like: Any = None):
    if isinstance(images, Tensor):  # a generator's output: measured, never differentiated
        images = images.data
    X = check_array(images, name=name, ndim=(2, 4), min_samples=min_samples, like=like)
    if tuple(X.shape[1:]) not in ((64,), (1, 8, 8)):
        raise ValueError(
            f"{name} must be digits of shape (N, 64) or (N, 1, 8, 8), got {tuple(X.shape)}"
        )
    xp = backend.namespace(X)
    # host decision: images on another scale would give meaningless scores
    lo, hi = float(backend.to_numpy(xp.min(X))), float(backend.to_numpy(xp.max(X)))
    if lo < 0 or hi > PIXEL_MAX:
        raise ValueError(
            f"{name} must hold pixel values in [0, 16] as load_digits gives them, got values "
            f"in [{lo:.3g}, {hi:.3g}]"
        )
    return xp.reshape(X, (X.shape[0], 1, 8, 8))


def _forward(images: Any, name: str, min_samples: int = 1, like: Any = None):
    """(features (N, 256), logits (N, 10)) of the shipped net, in the device's widest float.

    ``like``: an array the images must share a backend and device with (BackendError
    naming ``name`` otherwise).
    """
    X = _check_images(images, name, min_samples, like)
    xp = backend.namespace(X)
    bk = backend.backend_of(X)
    net = digits_net(X)
    body, head = net[:-1], net[-1]
    feats, logits = [], []
    with no_grad():
        for lo in range(0, X.shape[0], _BATCH):
            x = xp.astype(X[lo : min(lo + _BATCH, X.shape[0]), ...] / PIXEL_MAX, xp.float32)
            f = body(Tensor(x))
            feats.append(f.data)
            logits.append(head(f).data)
    F = xp.astype(xp.concat(feats, axis=0), bk.float)
    return F, xp.astype(xp.concat(logits, axis=0), bk.float)


def digits_features(images: Any):
    """Penultimate features (N, 256) of the shipped digits CNN (the FID feature space)."""
    return _forward(images, "images")[0]


def digits_probabilities(images: Any):
    """p(y | x) (N, 10) of the shipped digits CNN: softmax of its logits (stable form)."""
    logits = _forward(images, "images")[1]
    xp = backend.namespace(logits)
    return xp.exp(logits - backend.logsumexp(logits, axis=1, keepdims=True))


def digits_fid(images1: Any, images2: Any):
    r"""FID between two sets of digits in the shipped CNN's 256-d feature space.

    Parameters
    ----------
    images1, images2 : array, shape (N, 64) or (N, 1, 8, 8), N >= 2
        Pixel values in [0, 16] (``load_digits``' scale).

    Returns
    -------
    0-d array on the images' backend. Not comparable with Inception-v3 FIDs (module
    docstring). For reference: the 360 test digits against the 1437 training digits
    score 10.9, the test digits with N(0, 4^2) pixel noise 52.7, those of classes 0-4
    only 84.5 (fewer samples score higher too: 360 training digits against the test
    digits score about 24).
    """
    like = backend._unwrap(images1)  # images2 must live where images1 lives
    F1 = _forward(images1, "images1", min_samples=2)[0]
    F2 = _forward(images2, "images2", 2, like if backend.is_array(like) else None)[0]
    return fid(F1, F2)


def digits_inception_score(images: Any, splits: int = 10):
    r"""Inception Score of digits under the shipped CNN's softmax (10 classes: IS <= 10).

    Parameters
    ----------
    images : array, shape (N, 64) or (N, 1, 8, 8)
        Pixel values in [0, 16] (``load_digits``' scale).
    splits : int
        As in ``inception_score``.

    Returns
    -------
    (mean, std) : two 0-d arrays on the images' backend.
    """
    logits = _forward(images, "images")[1]
    xp = backend.namespace(logits)
    P = xp.exp(logits - backend.logsumexp(logits, axis=1, keepdims=True))
    return inception_score(P, splits=splits)
