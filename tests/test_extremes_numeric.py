"""Numerical extremes (issue 18): losses, activations, metrics and mathx at huge inputs.

Claims: every loss at logits of +-1e4 (and +-1e30 in float64), every activation at
+-1e4 and +-1e30, gives finite values and gradients equal to torch's elementwise (where
torch's own answer overflows, as mse_loss/l1_loss at 1e150 in float64 squares to inf, we
give the same inf: that is torch's answer, and we match it rather than invent one).
The Gaussian metrics, wasserstein_1d, covariance and jacobi_eigh at scales of 1e+-150 to
1e300 return finite results or a clear ValueError, never a RuntimeWarning (the suite turns
those into errors).
"""

import numpy as np
import pytest

import scratch.functional as F
from scratch import backend
from scratch.autograd import Tensor
from scratch.mathx import covariance, jacobi_eigh
from scratch.metrics import frechet_distance, kl_gaussian, wasserstein_1d

# float64: both libraries evaluate the same stable closed forms, so only rounding differs
# (a few ulp of values up to 1e30); float32 rounds at 6e-8 relative.
RTOL = {"float64": 1e-12, "float32": 1e-5}
ATOL = {"float64": 1e-12, "float32": 1e-6}
SCALES = {"float64": (1e4, 1e30), "float32": (1e4,)}
DTYPES = ["float64", "float32"]


def _logits(scale):
    return np.array([[-scale, 0.5, scale], [scale, -scale, -1.0], [0.0, scale, -scale]])


def _compare(xp, dtype, ours, theirs, arrays, finite=True):
    """Run ours (scratch Tensors) and theirs (torch tensors) on the same arrays; compare
    the value and the gradient of every array elementwise (both reduced by a sum)."""
    torch = pytest.importorskip("torch")
    xs = [Tensor(xp.asarray(a, dtype=getattr(xp, dtype)), requires_grad=True) for a in arrays]
    y = ours(*xs)
    y.sum().backward()
    ts = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    yt = theirs(*ts)
    yt.sum().backward()
    kw = {"rtol": RTOL[dtype], "atol": ATOL[dtype]}
    pairs = [(y.numpy(), yt.detach().numpy())]
    pairs += [(x.grad.numpy(), t.grad.numpy()) for x, t in zip(xs, ts)]
    for mine, ref in pairs:
        if finite:
            assert np.all(np.isfinite(mine)), mine
        np.testing.assert_allclose(mine, ref, **kw)


def _cases():
    for dtype in DTYPES:
        for scale in SCALES[dtype]:
            yield pytest.param(dtype, scale, id=f"{dtype}-{scale:g}")


CASES = list(_cases())


@pytest.mark.parametrize(("dtype", "scale"), CASES)
def test_bce_with_logits_is_finite_and_equals_torch_at_huge_logits(xp, dtype, scale):
    """softplus forms: t softplus(-x) + (1 - t) softplus(x), with and without pos_weight."""
    torch = pytest.importorskip("torch")
    x = _logits(scale)
    t = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    pw = np.array([3.0, 0.5, 2.0])
    for kw_ours, kw_torch in [({}, {}), ({"pos_weight": pw}, {"pos_weight": pw})]:
        _compare(
            xp,
            dtype,
            lambda a, kw=kw_ours: F.binary_cross_entropy_with_logits(
                a,
                xp.asarray(t, dtype=getattr(xp, dtype)),
                reduction="none",
                **{k: xp.asarray(v, dtype=getattr(xp, dtype)) for k, v in kw.items()},
            ),
            lambda a, kw=kw_torch: torch.nn.functional.binary_cross_entropy_with_logits(
                a,
                torch.tensor(t, dtype=getattr(torch, dtype)),
                reduction="none",
                **{k: torch.tensor(v, dtype=getattr(torch, dtype)) for k, v in kw.items()},
            ),
            [x],
        )


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize(("dtype", "scale"), CASES)
def test_cross_entropy_indices_is_finite_and_equals_torch(xp, dtype, scale, label_smoothing):
    """Class indices (fused logsumexp node, and the smoothing path), at huge logits."""
    torch = pytest.importorskip("torch")
    t = np.array([0, 1, 2])
    _compare(
        xp,
        dtype,
        lambda a: F.cross_entropy(
            a, xp.asarray(t, dtype=xp.int64), reduction="none", label_smoothing=label_smoothing
        ),
        lambda a: torch.nn.functional.cross_entropy(
            a, torch.tensor(t), reduction="none", label_smoothing=label_smoothing
        ),
        [_logits(scale)],
    )


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize(("dtype", "scale"), CASES)
def test_cross_entropy_probabilities_is_finite_and_equals_torch(xp, dtype, scale, label_smoothing):
    """Probability targets (some exactly 0 and 1) times log_softmax of huge logits."""
    torch = pytest.importorskip("torch")
    p = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0.0, 0.0, 1.0]])
    _compare(
        xp,
        dtype,
        lambda a: F.cross_entropy(
            a, xp.asarray(p, dtype=getattr(xp, dtype)), label_smoothing=label_smoothing
        ),
        lambda a: torch.nn.functional.cross_entropy(
            a, torch.tensor(p, dtype=getattr(torch, dtype)), label_smoothing=label_smoothing
        ),
        [_logits(scale)],
    )


@pytest.mark.parametrize(("dtype", "scale"), CASES)
def test_nll_of_log_softmax_is_finite_and_equals_torch(xp, dtype, scale):
    torch = pytest.importorskip("torch")
    t = np.array([2, 0, 1])
    _compare(
        xp,
        dtype,
        lambda a: F.nll_loss(
            F.log_softmax(a, dim=1), xp.asarray(t, dtype=xp.int64), reduction="none"
        ),
        lambda a: torch.nn.functional.nll_loss(
            torch.nn.functional.log_softmax(a, dim=1), torch.tensor(t), reduction="none"
        ),
        [_logits(scale)],
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_at_probabilities_0_and_1_clamps_the_log_at_minus_100_like_torch(xp, dtype):
    """log 0 is clamped to -100 (torch's convention): loss 100 where p and t disagree
    completely, 0 where they agree; the gradient is torch's (finite, eps-guarded)."""
    torch = pytest.importorskip("torch")
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    _compare(
        xp,
        dtype,
        lambda a: F.binary_cross_entropy(
            a, xp.asarray(t, dtype=getattr(xp, dtype)), reduction="none"
        ),
        lambda a: torch.nn.functional.binary_cross_entropy(
            a, torch.tensor(t, dtype=getattr(torch, dtype)), reduction="none"
        ),
        [p],
    )


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_at_1e150_equal_torch_including_its_overflow(xp, name):
    """(1e150)^2 = inf in float64 for torch too: we match torch's answer (inf value, and
    torch's gradient 2(x - y) = +-2e150, finite); l1 stays finite."""
    torch = pytest.importorskip("torch")
    x = np.array([1e150, -1e150, 3.0])
    y = np.array([-1e150, 1e150, 1.0])
    _compare(
        xp,
        "float64",
        lambda a: getattr(F, name)(a, xp.asarray(y), reduction="none"),
        lambda a: getattr(torch.nn.functional, name)(a, torch.tensor(y), reduction="none"),
        [x],
        finite=name == "l1_loss",
    )


ACTIVATIONS = {
    "softplus": ({}, {}),
    "sigmoid": ({}, {}),
    "tanh": ({}, {}),
    "silu": ({}, {}),
    "gelu": ({}, {}),
    "gelu_tanh": ({"approximate": "tanh"}, {"approximate": "tanh"}),
    "elu": ({}, {}),
    "selu": ({}, {}),
    "log_softmax": ({"dim": -1}, {"dim": -1}),
    "softmax": ({"dim": -1}, {"dim": -1}),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize(("dtype", "scale"), CASES)
def test_activation_is_finite_and_equals_torch_at_huge_inputs(xp, dtype, scale, name):
    torch = pytest.importorskip("torch")
    kw_ours, kw_torch = ACTIVATIONS[name]
    fn = name.removesuffix("_tanh")
    _compare(
        xp,
        dtype,
        lambda a: getattr(F, fn)(a, **kw_ours),
        lambda a: getattr(torch.nn.functional, fn)(a, **kw_torch),
        [_logits(scale)],
    )


# ---------------------------------------------------------------- metrics and mathx


def _rotation(d, seed=0):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


def test_kl_of_nearly_singular_covariances_is_finite_and_nonnegative(xp):
    """Eigenvalues 1 ... 1e-12 (relative), rotated: the Cholesky route stays finite, >= 0."""
    q = _rotation(4)
    for lam0, lam1 in [([1, 1e-12, 1, 0.5], [1, 1e-12, 2, 0.5]), ([1, 1e-6, 1e-12, 1], [1] * 4)]:
        c0 = q @ np.diag(lam0) @ q.T
        c1 = q @ np.diag(lam1) @ q.T
        c0, c1 = (c0 + c0.T) / 2, (c1 + c1.T) / 2
        mu = np.array([0.1, 0.0, -0.2, 0.3])
        kl = kl_gaussian(xp.asarray(mu), xp.asarray(c0), xp.asarray(0 * mu), xp.asarray(c1))
        kl = float(backend.to_numpy(kl))
        assert np.isfinite(kl) and kl >= 0


def test_kl_of_a_singular_covariance_is_a_clear_error(xp):
    c = np.diag([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="positive definite"):
        kl_gaussian(xp.asarray(np.zeros(3)), xp.asarray(c), xp.asarray(np.zeros(3)), xp.eye(3))


@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_frechet_distance_at_extreme_scales_is_finite_or_a_clear_error(xp, scale):
    """Covariances scaled by 1e+-150 (squares leave float64) and means near 1e150."""
    q = _rotation(3, 1)
    s1 = q @ np.diag([2.0, 1.0, 0.5]) @ q.T * scale
    s2 = q @ np.diag([1.0, 1.0, 1.0]) @ q.T * scale
    mu1 = np.array([1.0, 2.0, 3.0]) * np.sqrt(scale)
    mu2 = np.array([1.5, 2.0, 2.0]) * np.sqrt(scale)
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    exact = 0.5**2 + 1.0 + sum((np.sqrt(v) - 1) ** 2 for v in [2.0, 1.0, 0.5])
    d = float(backend.to_numpy(frechet_distance(*(xp.asarray(a) for a in (mu1, s1, mu2, s2)))))
    np.testing.assert_allclose(d / scale, exact, rtol=1e-8)


def test_frechet_distance_with_means_near_1e150(xp):
    """||mu1 - mu2||^2 with means of 1e150 that differ by ~1e136: finite, the exact sum."""
    mu1 = np.array([1e150, -1e150])
    mu2 = mu1 + np.array([3.0e136, 4.0e136])
    s = np.eye(2)
    exact = float(np.sum((mu1 - mu2) ** 2))  # the representable difference, squared
    d = float(backend.to_numpy(frechet_distance(*(xp.asarray(a) for a in (mu1, s, mu2, s)))))
    np.testing.assert_allclose(d, exact, rtol=1e-12)


def test_wasserstein_1d_of_values_near_1e300_is_finite(xp):
    scipy_stats = pytest.importorskip("scipy.stats")
    u = np.array([1e300, 1.5e300, -1e300, 3e299])
    v = np.array([1.2e300, -0.5e300, 0.0])
    d = float(backend.to_numpy(wasserstein_1d(xp.asarray(u), xp.asarray(v))))
    assert np.isfinite(d)
    np.testing.assert_allclose(d, scipy_stats.wasserstein_distance(u, v), rtol=1e-12)


@pytest.mark.parametrize("scale", [1e150, 1e-150, 1e-200])
def test_covariance_of_scaled_data_is_finite_and_exact(xp, scale):
    """Squares of 1e150 (1e300) and 1e-150 fit; the products of 1e-200 underflow to 0
    unless scaled first: the result is the unscaled covariance times scale^2."""
    X = np.random.default_rng(3).standard_normal((20, 3))
    C = backend.to_numpy(covariance(xp.asarray(X * scale)))
    assert np.all(np.isfinite(C))
    np.testing.assert_allclose(C, np.cov(X, rowvar=False) * scale**2, rtol=1e-12, atol=0)


def test_covariance_of_data_scaled_by_1e200_is_a_clear_error(xp):
    """Its entries ~1e400 exceed float64: a ValueError naming the overflow, not inf."""
    X = np.random.default_rng(3).standard_normal((20, 3)) * 1e200
    with pytest.raises(ValueError, match="overflows"):
        covariance(xp.asarray(X))


@pytest.mark.parametrize("scale", [1e200, 1e300, 1e-200, 1e-300])
def test_jacobi_eigh_of_a_matrix_scaled_to_extremes_scales_its_eigenvalues(xp, scale):
    """eig(s A) = s eig(A): finite, orthonormal vectors, at 1e+-200 and 1e+-300."""
    A = np.cov(np.random.default_rng(3).standard_normal((20, 3)), rowvar=False)
    w, V = jacobi_eigh(xp.asarray(A * scale))
    w, V = backend.to_numpy(w), backend.to_numpy(V)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(V))
    np.testing.assert_allclose(w / scale, np.linalg.eigvalsh(A), rtol=1e-10)
    np.testing.assert_allclose(V.T @ V, np.eye(3), atol=1e-12)
