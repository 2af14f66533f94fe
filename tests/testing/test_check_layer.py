"""check_layer on CS231n-style layers in plain NumPy: the right code passes, each broken
variant fails, and the report blames the right input or parameter.

The layers follow the CS231n assignment shape: ``forward(x, **params) -> (out, cache)``
and ``backward(dout, cache) -> (dx, {name: dparam})`` (or the flat ``(dx, dw, db)``).
Derivations: affine dW = x^T dout, db = sum_n dout; ReLU dx = dout [x > 0]; batch norm
dx = (gamma / sigma) (dout - mean(dout) - xhat mean(dout xhat)) (Ioffe & Szegedy 2015,
simplified); convolution dW[f, c, p, q] = sum dout[n, f, i, j] xpad[n, c, i + p, j + q].
"""

import numpy as np
import pytest

from scratch.testing import GradcheckError, check_layer

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
PARAMS = {"w": rng.standard_normal((3, 5)), "b": rng.standard_normal(5)}


# ---- affine ----
def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, {"w": x.T @ dout, "b": dout.sum(axis=0)}


def affine_backward_flat(dout, cache):  # the CS231n habit: (dx, dw, db)
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def affine_backward_transposed_dw(dout, cache):
    x, w = cache
    return dout @ w.T, {"w": dout.T @ x, "b": dout.sum(axis=0)}


def affine_backward_unsummed_db(dout, cache):
    x, w = cache
    return dout @ w.T, {"w": x.T @ dout, "b": dout}


def affine_backward_missing_db(dout, cache):
    x, w = cache
    return dout @ w.T, {"w": x.T @ dout}


# ---- ReLU ----
def relu_forward(x):
    return np.maximum(x, 0.0), x


def relu_backward(dout, x):
    return dout * (x > 0)


def relu_backward_inverted_mask(dout, x):
    return dout * (x < 0)


# ---- batch norm (training mode, batch statistics) ----
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, gamma, np.sqrt(var + eps))


def batchnorm_backward(dout, cache):
    xhat, gamma, sigma = cache
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / sigma
    return dx, {"gamma": (dout * xhat).sum(axis=0), "beta": dout.sum(axis=0)}


def batchnorm_backward_without_mean_term(dout, cache):
    xhat, gamma, sigma = cache
    dxhat = dout * gamma
    dx = (dxhat - xhat * (dxhat * xhat).mean(axis=0)) / sigma  # the -mean(dxhat) is missing
    return dx, {"gamma": (dout * xhat).sum(axis=0), "beta": dout.sum(axis=0)}


def batchnorm_backward_wrong_dgamma(dout, cache):
    dx, grads = batchnorm_backward(dout, cache)
    return dx, {"gamma": dout.sum(axis=0), "beta": grads["beta"]}


# ---- convolution, stride 1, padding 1 (naive loops, as in the assignment) ----
def conv_forward(x, w, b):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, f, h, wd))
    for i in range(h):
        for j in range(wd):
            window = xpad[:, :, i : i + kh, j : j + kw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (xpad, w)


def _conv_backward(dout, cache, flip=False):
    xpad, w = cache
    f, _, kh, kw = w.shape
    n, _, h, wd = dout.shape
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for i in range(h):
        for j in range(wd):
            window = xpad[:, :, i : i + kh, j : j + kw]
            if flip:  # the bug: the window indexed the other way round, window[..., -p, -q]
                window = window[:, :, ::-1, ::-1]
            dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
            dxpad[:, :, i : i + kh, j : j + kw] += np.tensordot(
                dout[:, :, i, j], w, axes=([1], [0])
            )
    return dxpad[:, :, 1:-1, 1:-1], {"w": dw, "b": dout.sum(axis=(0, 2, 3))}


def conv_backward(dout, cache):
    return _conv_backward(dout, cache)


def conv_backward_flipped(dout, cache):
    return _conv_backward(dout, cache, flip=True)


IMG = rng.standard_normal((2, 2, 4, 4))
CONV = {"w": rng.standard_normal((3, 2, 3, 3)), "b": rng.standard_normal(3)}
BN = {"gamma": rng.uniform(0.5, 1.5, 3), "beta": rng.standard_normal(3)}


@pytest.mark.parametrize(
    "forward, backward, x, params",
    [
        (affine_forward, affine_backward, X, PARAMS),
        (affine_forward, affine_backward_flat, X, PARAMS),
        (relu_forward, relu_backward, X, {}),
        (batchnorm_forward, batchnorm_backward, X, BN),
        (conv_forward, conv_backward, IMG, CONV),
    ],
    ids=["affine", "affine-flat-tuple", "relu", "batchnorm", "conv"],
)
def test_correct_cs231n_layers_pass(forward, backward, x, params):
    assert check_layer(forward, backward, x, params)


@pytest.mark.parametrize(
    "forward, backward, x, params, culprit, cause",
    [
        (affine_forward, affine_backward_transposed_dw, X, PARAMS, "w", "transposed gradient"),
        (
            affine_forward,
            affine_backward_unsummed_db,
            X,
            PARAMS,
            "b",
            "missing accumulation over a broadcast axis",
        ),
        (affine_forward, affine_backward_missing_db, X, PARAMS, "b", None),
        (relu_forward, relu_backward_inverted_mask, X, {}, "x", "wrong mask"),
        (
            batchnorm_forward,
            batchnorm_backward_without_mean_term,
            X,
            BN,
            "x",
            "the error a - n is the same at every position along axis 0",
        ),
        (batchnorm_forward, batchnorm_backward_wrong_dgamma, X, BN, "gamma", None),
        (conv_forward, conv_backward_flipped, IMG, CONV, "w", "kernel flip"),
    ],
    ids=[
        "affine-transposed-dw",
        "affine-unsummed-db",
        "affine-missing-db",
        "relu-inverted-mask",
        "batchnorm-no-mean-term",
        "batchnorm-wrong-dgamma",
        "conv-flipped-dw",
    ],
)
def test_each_broken_cs231n_layer_fails_and_the_culprit_is_named(
    forward, backward, x, params, culprit, cause
):
    with pytest.raises(GradcheckError) as excinfo:
        check_layer(forward, backward, x, params)
    err = excinfo.value
    assert err.failed == [culprit]
    if cause is not None:
        (report,) = [r for r in err.reports if r.name == culprit]
        assert report.cause is not None and report.cause.startswith(cause)


def test_a_missing_parameter_gradient_is_reported_by_name():
    with pytest.raises(GradcheckError, match="backward returned no gradient for 'b'"):
        check_layer(affine_forward, affine_backward_missing_db, X, PARAMS)


def test_gradients_for_unknown_parameters_are_refused():
    def backward(dout, cache):
        dx, grads = affine_backward(dout, cache)
        return dx, {**grads, "bias": grads["b"]}

    with pytest.raises(ValueError, match=r"unknown parameters \['bias'\]"):
        check_layer(affine_forward, backward, X, PARAMS)


def test_check_layer_can_return_false_instead_of_raising():
    assert (
        check_layer(affine_forward, affine_backward_transposed_dw, X, PARAMS, raise_exception=False)
        is False
    )
