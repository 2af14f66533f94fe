"""Losses: gradients (first and second order), PyTorch parity, worked values, validation.

Tolerances: gradcheck's defaults (central differences in float64, see test_math.py);
PyTorch parity at 1e-10 absolute plus 1e-12 relative (the same closed forms in float64,
so only rounding differs, a few ulp of losses up to 1e4 for logits of size 1e4).
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch.functional as F
from scratch import backend
from scratch.autograd import Tensor
from scratch.testing import gradcheck, gradgradcheck
from scratch.testing.strategies import floats, shapes

REDUCTIONS = ["mean", "sum", "none"]
SMALL = shapes(min_dims=1, max_dims=3, max_side=3)
LOGITS = st.one_of(floats(-5.0, 5.0), floats(-1e4, 1e4))


def _t(bk, a, grad=True):
    return Tensor(bk.asarray(a), requires_grad=grad)


def _assert_close_to_torch(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-10)


@st.composite
def _classification(draw, probabilities=False):
    """Logits (N, C, d...) or (C,), targets, an optional class weight, ignore_index."""
    C = draw(st.integers(1, 4))
    unbatched = draw(st.booleans()) and draw(st.booleans())
    if unbatched:
        shape, t_shape = (C,), ()
    else:
        extra = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
        n = draw(st.integers(1, 3))
        shape, t_shape = (n, C) + extra, (n,) + extra
    x = draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    ignore_index = draw(st.sampled_from([-100, 0, C - 1]))
    if probabilities:
        q = draw(hnp.arrays(np.float64, shape, elements=floats(0.0, 1.0)))
        axis = 0 if unbatched else 1
        target = q / np.maximum(q.sum(axis=axis, keepdims=True), 1e-3)
    else:
        target = draw(hnp.arrays(np.int64, t_shape, elements=st.integers(0, C - 1)))
        if not unbatched and draw(st.booleans()):
            target.reshape(-1)[0] = ignore_index
    weight = None
    if draw(st.booleans()):
        weight = draw(hnp.arrays(np.float64, (C,), elements=floats(0.25, 2.0)))
    return x, target, weight, ignore_index


# ---------------------------------------------------------------------------------------
# PyTorch parity
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@given(data=st.data())
def test_cross_entropy_with_class_indices_matches_pytorch(xp, reduction, smoothing, data):
    """Weighted mean over non-ignored targets, label smoothing, K-dim and unbatched inputs."""
    torch = pytest.importorskip("torch")
    x, target, weight, ignore = data.draw(_classification())
    w = None if weight is None else xp.asarray(weight)
    xs = _t(xp, x)
    kw = dict(ignore_index=ignore, reduction=reduction, label_smoothing=smoothing)
    y = F.cross_entropy(xs, xp.asarray(target), weight=w, **kw)
    xt = torch.tensor(x, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight)
    yt = torch.nn.functional.cross_entropy(xt, torch.tensor(target), weight=wt, **kw)
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    if np.all(np.isfinite(yt.detach().numpy())):  # all ignored: NaN mean, nothing to compare
        g = np.random.default_rng(1).standard_normal(y.shape)
        y.backward(Tensor(xp.asarray(g)))
        yt.backward(torch.tensor(g))
        _assert_close_to_torch(xs.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data(), smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_with_class_probabilities_matches_pytorch(xp, reduction, data, smoothing):
    """Soft targets: -sum_c w_c q_c log p_c, mean over positions (not weights); grads to both."""
    torch = pytest.importorskip("torch")
    x, q, weight, _ = data.draw(_classification(probabilities=True))
    w = None if weight is None else xp.asarray(weight)
    xs, qs = _t(xp, x), _t(xp, q)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    y = F.cross_entropy(xs, qs, weight=w, **kw)
    xt, qt = torch.tensor(x, requires_grad=True), torch.tensor(q, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight)
    yt = torch.nn.functional.cross_entropy(xt, qt, weight=wt, **kw)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(Tensor(xp.asarray(g)))
    yt.backward(torch.tensor(g))
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    _assert_close_to_torch(xs.grad.numpy(), xt.grad.numpy())
    _assert_close_to_torch(qs.grad.numpy(), qt.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_nll_loss_matches_pytorch(xp, reduction, data):
    """l_n = -w_{y_n} x_{n, y_n}; 'mean' divides by the sum of the non-ignored weights."""
    torch = pytest.importorskip("torch")
    x, target, weight, ignore = data.draw(_classification())
    xs = _t(xp, x)
    w = None if weight is None else xp.asarray(weight)
    y = F.nll_loss(xs, xp.asarray(target), weight=w, ignore_index=ignore, reduction=reduction)
    xt = torch.tensor(x, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight)
    yt = torch.nn.functional.nll_loss(
        xt, torch.tensor(target), weight=wt, ignore_index=ignore, reduction=reduction
    )
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    if np.all(np.isfinite(yt.detach().numpy())):
        g = np.random.default_rng(3).standard_normal(y.shape)
        y.backward(Tensor(xp.asarray(g)))
        yt.backward(torch.tensor(g))
        _assert_close_to_torch(xs.grad.numpy(), xt.grad.numpy())


@st.composite
def _binary(draw, logits):
    shape = draw(SMALL)
    if logits:
        x = draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    else:
        x = draw(hnp.arrays(np.float64, shape, elements=floats(0.0, 1.0)))
    t = draw(hnp.arrays(np.float64, shape, elements=floats(0.0, 1.0)))
    k = draw(st.integers(0, len(shape)))
    w = None
    if draw(st.booleans()):
        w = draw(hnp.arrays(np.float64, shape[k:], elements=floats(0.25, 2.0)))
    pw = None
    if draw(st.booleans()):
        pw = draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0.25, 3.0)))
    return x, t, w, pw


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_binary_cross_entropy_with_logits_matches_pytorch(xp, reduction, data):
    """w [p t softplus(-x) + (1 - t) softplus(x)], stable at logits of +-1e4."""
    torch = pytest.importorskip("torch")
    x, t, w, pw = data.draw(_binary(logits=True))
    xs, ts = _t(xp, x), _t(xp, t)
    y = F.binary_cross_entropy_with_logits(
        xs,
        ts,
        weight=None if w is None else xp.asarray(w),
        reduction=reduction,
        pos_weight=None if pw is None else xp.asarray(pw),
    )
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    yt = torch.nn.functional.binary_cross_entropy_with_logits(
        xt,
        tt,
        weight=None if w is None else torch.tensor(w),
        reduction=reduction,
        pos_weight=None if pw is None else torch.tensor(pw),
    )
    g = np.random.default_rng(4).standard_normal(y.shape)
    y.backward(Tensor(xp.asarray(g)))
    yt.backward(torch.tensor(g))
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    _assert_close_to_torch(xs.grad.numpy(), xt.grad.numpy())
    _assert_close_to_torch(ts.grad.numpy(), tt.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_binary_cross_entropy_matches_pytorch_including_its_clamps(xp, reduction, data):
    """-w [t log x + (1 - t) log(1 - x)], logs clamped at -100 (x may be exactly 0 or 1)."""
    torch = pytest.importorskip("torch")
    x, t, w, _ = data.draw(_binary(logits=False))
    x = np.where(data.draw(st.booleans()), np.round(x), x)  # exact 0 and 1 hit the clamps
    xs = _t(xp, x)
    y = F.binary_cross_entropy(
        xs, _t(xp, t, False), weight=None if w is None else xp.asarray(w), reduction=reduction
    )
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.binary_cross_entropy(
        xt, torch.tensor(t), weight=None if w is None else torch.tensor(w), reduction=reduction
    )
    g = np.random.default_rng(5).standard_normal(y.shape)
    y.backward(Tensor(xp.asarray(g)))
    yt.backward(torch.tensor(g))
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    # the gradient w (x - t) / max(x (1 - x), 1e-12) reaches 1e12 at the clamps: relative test
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_regression_losses_match_pytorch(xp, name, reduction, data):
    """(x - t)^2 and |x - t| with their 1/N for 'mean'; the target gets the negated gradient."""
    torch = pytest.importorskip("torch")
    shape = data.draw(SMALL)
    x = data.draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    t = data.draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    xs, ts = _t(xp, x), _t(xp, t)
    y = getattr(F, name)(xs, ts, reduction=reduction)
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(xt, tt, reduction=reduction)
    g = np.random.default_rng(6).standard_normal(y.shape)
    y.backward(Tensor(xp.asarray(g)))
    yt.backward(torch.tensor(g))
    _assert_close_to_torch(y.numpy(), yt.detach().numpy())
    _assert_close_to_torch(xs.grad.numpy(), xt.grad.numpy())
    _assert_close_to_torch(ts.grad.numpy(), tt.grad.numpy())


# ---------------------------------------------------------------------------------------
# gradients against central differences, first and second order
# ---------------------------------------------------------------------------------------


def _loss_cases(xp):
    """name -> (fn, inputs) on small fixed data away from kinks and clamps."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4))
    t = rng.standard_normal((3, 4))
    p = rng.uniform(0.1, 0.9, (3, 4))
    q = rng.uniform(0.0, 1.0, (3, 4))
    w4 = xp.asarray(rng.uniform(0.5, 2.0, 4))
    y = xp.asarray(np.array([0, 3, 1]), dtype=xp.int64)
    y_ignored = xp.asarray(np.array([0, -100, 1]), dtype=xp.int64)
    x4 = rng.standard_normal((2, 4, 2))
    y4 = xp.asarray(np.array([[0, 3], [2, 2]]), dtype=xp.int64)
    soft = q / q.sum(axis=1, keepdims=True)
    return {
        "mse": (lambda a, b: F.mse_loss(a, b), [_t(xp, x), _t(xp, t)]),
        "l1": (lambda a, b: F.l1_loss(a, b, reduction="sum"), [_t(xp, x), _t(xp, t)]),
        "bce": (
            lambda a, b: F.binary_cross_entropy(a, b, weight=w4, reduction="none"),
            [_t(xp, p), _t(xp, q)],
        ),
        "bce_logits": (
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w4, pos_weight=w4 * 2),
            [_t(xp, x), _t(xp, q)],
        ),
        "cross_entropy": (
            lambda a: F.cross_entropy(a, y_ignored, weight=w4, label_smoothing=0.1),
            [_t(xp, x)],
        ),
        "cross_entropy_kdim": (lambda a: F.cross_entropy(a, y4, reduction="none"), [_t(xp, x4)]),
        "cross_entropy_soft": (
            lambda a, b: F.cross_entropy(a, b, weight=w4, label_smoothing=0.2),
            [_t(xp, x), _t(xp, soft)],
        ),
        "nll": (lambda a: F.nll_loss(F.log_softmax(a, dim=1), y, weight=w4), [_t(xp, x)]),
    }


LOSS_CASES = [
    "mse",
    "l1",
    "bce",
    "bce_logits",
    "cross_entropy",
    "cross_entropy_kdim",
    "cross_entropy_soft",
    "nll",
]


@pytest.mark.parametrize("case", LOSS_CASES)
def test_loss_gradients_match_central_differences(xp, case):
    """Every loss, every differentiable argument (targets included where PyTorch has one)."""
    fn, inputs = _loss_cases(xp)[case]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("case", LOSS_CASES)
def test_loss_second_derivatives_match_central_differences(xp, case):
    """gradgradcheck: the Hessian-vector products of every loss (Gauss-Newton needs these)."""
    fn, inputs = _loss_cases(xp)[case]
    assert gradgradcheck(fn, inputs)


@given(data=st.data())
def test_cross_entropy_gradient_over_drawn_shapes_and_weights(xp, data):
    """d/dx of the weighted, smoothed cross-entropy over hypothesis-drawn problems."""
    x, target, weight, ignore = data.draw(_classification())
    x = np.clip(x, -5, 5)  # central differences need a non-saturated softmax
    if ignore != -100 and np.all(target == ignore):
        ignore = -100
    # every target ignored: the mean is NaN by definition (PyTorch's too), nothing to check
    assume(not np.all(target == ignore))
    w = None if weight is None else xp.asarray(weight)
    tg = xp.asarray(target)

    def f(a):
        return F.cross_entropy(a, tg, weight=w, ignore_index=ignore, label_smoothing=0.1)

    assert gradcheck(f, [_t(xp, x)])


# ---------------------------------------------------------------------------------------
# worked values and semantics
# ---------------------------------------------------------------------------------------


def test_cross_entropy_of_equal_logits_is_log_of_the_class_count(xp):
    """softmax of equal logits is uniform: the loss is -log(1/C) = log C, for any target."""
    x = Tensor(xp.asarray(np.zeros((2, 5))))
    y = F.cross_entropy(x, xp.asarray(np.array([0, 4]), dtype=xp.int64))
    assert abs(y.item() - math.log(5)) < 1e-15


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n(xp):
    """dL/dx_n = (softmax(x_n) - e_{y_n}) / N for the unweighted mean."""
    a = np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]])
    x = Tensor(xp.asarray(a), requires_grad=True)
    F.cross_entropy(x, xp.asarray(np.array([2, 0]), dtype=xp.int64)).backward()
    p = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    expected = (p - np.eye(3)[[2, 0]]) / 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14, atol=1e-16)


def test_nll_mean_is_the_weighted_mean_and_skips_ignored_targets(xp):
    """mean = sum_n w_{y_n} l_n / sum_n w_{y_n}; an ignored target is out of both sums."""
    x = Tensor(xp.asarray(np.array([[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]])))
    w = xp.asarray(np.array([1.0, 3.0]))
    y = xp.asarray(np.array([0, 1, -100]), dtype=xp.int64)
    value = F.nll_loss(x, y, weight=w).item()
    assert abs(value - (1 * 1.0 + 3 * 4.0) / (1 + 3)) < 1e-15


def test_nll_mean_with_every_target_ignored_is_nan_as_in_pytorch(xp):
    x = Tensor(xp.asarray(np.array([[-1.0, -2.0]])))
    y = xp.asarray(np.array([-100]), dtype=xp.int64)
    assert math.isnan(F.nll_loss(x, y).item())
    assert F.nll_loss(x, y, reduction="sum").item() == 0.0


def test_binary_cross_entropy_clamps_its_log_at_minus_100(xp):
    """x = 0 with t = 1 would be -log 0 = inf; PyTorch (and we) clamp: loss 100."""
    y = F.binary_cross_entropy(
        Tensor(xp.asarray(np.array([0.0, 0.5]))), Tensor(xp.asarray(np.array([1.0, 0.5])))
    )
    np.testing.assert_allclose(y.item(), (100 + math.log(2)) / 2, rtol=1e-15)


def test_bce_with_logits_is_bce_of_the_sigmoid(xp):
    """l(x, t) = bce(sigma(x), t) where sigma(x) is representable (moderate logits)."""
    a = np.linspace(-8, 8, 17)
    t = np.linspace(0, 1, 17)
    lhs = F.binary_cross_entropy_with_logits(Tensor(xp.asarray(a)), Tensor(xp.asarray(t)))
    rhs = F.binary_cross_entropy(F.sigmoid(Tensor(xp.asarray(a))), Tensor(xp.asarray(t)))
    assert abs(lhs.item() - rhs.item()) < 1e-13


def test_losses_keep_float32(xp32):
    """float32 logits give a float32 loss and float32 gradients (no float64 on no_float64)."""
    rng = np.random.default_rng(0)
    x = Tensor(xp32.asarray(rng.standard_normal((4, 3)), dtype=xp32.float32), requires_grad=True)
    y = xp32.asarray(np.array([0, 1, 2, 1]), dtype=xp32.int64)
    q = Tensor(xp32.asarray(rng.uniform(0, 1, (4, 3)), dtype=xp32.float32))
    total = (
        F.cross_entropy(x, y, label_smoothing=0.1)
        + F.binary_cross_entropy_with_logits(x, q)
        + F.mse_loss(x, q)
        + F.binary_cross_entropy(F.sigmoid(x), q)
    )
    total.backward()
    assert total.dtype == xp32.float32 and x.grad.dtype == xp32.float32


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


def test_losses_refuse_malformed_arguments_with_clear_errors(xp):
    x = Tensor(xp.asarray(np.zeros((3, 4))))
    y = xp.asarray(np.array([0, 1, 2]), dtype=xp.int64)
    with pytest.raises(ValueError, match="reduction must be one of mean, sum, none"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"target must have the shape of input"):
        F.mse_loss(x, Tensor(xp.asarray(np.zeros((3, 1)))))
    with pytest.raises(ValueError, match=r"target values must lie in \[0, 4\)"):
        F.cross_entropy(x, xp.asarray(np.array([0, 1, 4]), dtype=xp.int64))
    with pytest.raises(ValueError, match=r"target must have shape \(3,\)"):
        F.nll_loss(x, xp.asarray(np.array([0, 1]), dtype=xp.int64))
    with pytest.raises(TypeError, match="class-index target must be integral"):
        F.nll_loss(x, xp.asarray(np.array([0.0, 1.0, 2.0])))
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        F.cross_entropy(x, y, weight=xp.asarray(np.ones(3)))
    with pytest.raises(ValueError, match="label_smoothing must lie in"):
        F.cross_entropy(x, y, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"input must lie in \[0, 1\]"):
        F.binary_cross_entropy(x + 2.0, x)
    with pytest.raises(ValueError, match="does not broadcast"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=xp.asarray(np.ones(3)))
    with pytest.raises(ValueError, match="input must have shape"):
        F.cross_entropy(Tensor(xp.asarray(np.array(1.0))), xp.asarray(np.array(0)))


def test_losses_refuse_inputs_from_two_backends(xp):
    if xp.name == "numpy":
        pytest.skip("needs a second backend")
    x = Tensor(xp.asarray(np.zeros((2, 3))))
    with pytest.raises(backend.BackendError, match="input, target must share one backend"):
        F.mse_loss(x, Tensor(np.zeros((2, 3))))
    with pytest.raises(backend.BackendError, match="input, target must share one backend"):
        F.cross_entropy(x, np.array([0, 1]))
