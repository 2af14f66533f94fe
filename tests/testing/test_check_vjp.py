"""check_vjp on a user's hand-written backward passes: right ones pass, wrong ones are named.

The user code below is written once against the Array-API namespace of its inputs, as a
user of any array library would write it, and runs on numpy and strict (the ``xp``
fixture) and on torch tensors. Each wrong variant is a classic mistake:

- fully connected layer under a mean loss, weight gradient without the 1/N;
- convolution (cross-correlation) whose weight gradient indexes the kernel flipped;
- softmax whose backward drops the -y y^T part of its Jacobian diag(y) - y y^T;
- broadcast bias whose gradient is not summed over the batch axis.
"""

import numpy as np
import pytest

from scratch import backend
from scratch.testing import GradcheckError, check_vjp

N, D, M = 4, 3, 2


def _ns(x):
    return backend.namespace(x)


# ---- a fully connected layer under the mean squared loss L = 1/(2N) sum (xW + b - t)^2 ----
def fc_loss(x, w, b, t):
    xp = _ns(x)
    r = x @ w + b - t
    return xp.sum(r * r) / (2 * x.shape[0])


def fc_vjp(g, x, w, b, t):
    xp = _ns(x)
    dr = g * (x @ w + b - t) / x.shape[0]  # dL/dr = r / N
    return dr @ w.T, x.T @ dr, xp.sum(dr, axis=0), None


def fc_vjp_without_1_over_n(g, x, w, b, t):
    xp = _ns(x)
    r = x @ w + b - t
    dr = g * r / x.shape[0]
    return dr @ w.T, x.T @ (g * r), xp.sum(dr, axis=0), None  # dW lacks the 1/N


# ---- a broadcast bias: y = x + b, b of shape (D,) added to every row ----
def add_bias(x, b):
    return x + b


def add_bias_vjp(g, x, b):
    return g, _ns(g).sum(g, axis=0)


def add_bias_vjp_not_summed(g, x, b):
    return g, g


# ---- softmax along the last axis: J = diag(y) - y y^T ----
def softmax(x):
    xp = _ns(x)
    z = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    return z / xp.sum(z, axis=-1, keepdims=True)


def softmax_vjp(g, x):
    y = softmax(x)
    return y * (g - _ns(y).sum(g * y, axis=-1, keepdims=True))


def softmax_vjp_without_outer_term(g, x):
    return softmax(x) * g  # diag(y) g: the -y (y . g) term is missing


# ---- conv2d as cross-correlation, stride 1, padding 1, one tap at a time ----
def _pad1(xp, x):
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + 2, w + 2), dtype=x.dtype, device=backend.device_of(x))
    out[:, :, 1 : h + 1, 1 : w + 1] = x
    return out


def conv(x, w):
    """out[n, f, i, j] = sum_{c, p, q} xpad[n, c, i + p, j + q] w[f, c, p, q]."""
    xp = _ns(x)
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    xpad = _pad1(xp, x)
    out = xp.zeros((f, n, h, wd), dtype=x.dtype, device=backend.device_of(x))
    for p in range(kh):
        for q in range(kw):
            out = out + xp.tensordot(
                w[:, :, p, q], xpad[:, :, p : p + h, q : q + wd], axes=([1], [1])
            )
    return xp.permute_dims(out, (1, 0, 2, 3))


def _conv_grads(g, x, w):
    xp = _ns(x)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xpad = _pad1(xp, x)
    dxpad = xp.zeros(xpad.shape, dtype=x.dtype, device=backend.device_of(x))
    taps = []
    for p in range(kh):
        for q in range(kw):
            slab = xpad[:, :, p : p + h, q : q + wd]
            taps.append(xp.tensordot(g, slab, axes=([0, 2, 3], [0, 2, 3])))  # (F, C)
            d = xp.permute_dims(xp.tensordot(w[:, :, p, q], g, axes=([0], [1])), (1, 0, 2, 3))
            dxpad[:, :, p : p + h, q : q + wd] = dxpad[:, :, p : p + h, q : q + wd] + d
    dw = xp.reshape(xp.stack(taps, axis=-1), (f, c, kh, kw))
    return dxpad[:, :, 1 : h + 1, 1 : wd + 1], dw


def conv_vjp(g, x, w):
    return _conv_grads(g, x, w)


def conv_vjp_flipped_kernel(g, x, w):
    dx, dw = _conv_grads(g, x, w)
    return dx, _ns(dw).flip(dw, axis=(2, 3))  # the weight gradient indexed w[f, c, -p, -q]


# ---- the inputs ----
def _data(bk, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": bk.asarray(rng.standard_normal((N, D))),
        "W": bk.asarray(rng.standard_normal((D, M))),
        "b": bk.asarray(rng.standard_normal(M)),
        "t": bk.asarray(rng.standard_normal((N, M))),
        "img": bk.asarray(rng.standard_normal((2, 2, 4, 4))),
        "kernel": bk.asarray(rng.standard_normal((3, 2, 3, 3))),
        "bias_d": bk.asarray(rng.standard_normal(D)),
    }


def _cause(excinfo, name):
    (report,) = [r for r in excinfo.value.reports if r.name == name]
    return report.cause or ""


def _cases(d):
    fc = {k: d[k] for k in ("x", "W", "b", "t")}
    return {
        "fc": (fc_loss, fc_vjp, fc_vjp_without_1_over_n, fc, "W", "constant factor: analytic = 4"),
        "bias": (
            add_bias,
            add_bias_vjp,
            add_bias_vjp_not_summed,
            {"x": d["x"], "b": d["bias_d"]},
            "b",
            "missing accumulation over a broadcast axis",
        ),
        "softmax": (
            softmax,
            softmax_vjp,
            softmax_vjp_without_outer_term,
            {"x": d["x"]},
            "x",
            "missing outer-product term",
        ),
        "conv": (
            conv,
            conv_vjp,
            conv_vjp_flipped_kernel,
            {"x": d["img"], "w": d["kernel"]},
            "w",
            "kernel flip",
        ),
    }


CASES = ["fc", "bias", "softmax", "conv"]


@pytest.mark.parametrize("case", CASES)
def test_a_correct_hand_written_vjp_passes(xp, case):
    f, vjp, _, inputs, _, _ = _cases(_data(xp))[case]
    assert check_vjp(f, vjp, inputs)


@pytest.mark.parametrize("case", CASES)
def test_a_classic_backward_mistake_is_caught_and_its_cause_named(xp, case):
    f, _, wrong, inputs, culprit, cause = _cases(_data(xp))[case]
    with pytest.raises(GradcheckError) as excinfo:
        check_vjp(f, wrong, inputs)
    assert excinfo.value.failed == [culprit]  # only the wrong input is blamed
    assert _cause(excinfo, culprit).startswith(cause)
    assert f"input {culprit!r}" in str(excinfo.value)


def test_the_missing_1_over_n_is_named_with_the_batch_axis(xp):
    d = _data(xp)
    with pytest.raises(GradcheckError, match=r"4 = axis 0 of input 'x' \(4, 3\)") as excinfo:
        check_vjp(fc_loss, fc_vjp_without_1_over_n, {k: d[k] for k in ("x", "W", "b", "t")})
    err = excinfo.value
    # the attached arrays: analytic = N * numeric exactly where the 1/N is missing
    np.testing.assert_allclose(err.analytic["W"], N * err.numeric["W"], rtol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_check_vjp_runs_the_same_user_code_on_torch_tensors(case):
    pytest.importorskip("torch")
    bk = backend.get("torch")
    f, vjp, wrong, inputs, culprit, cause = _cases(_data(bk))[case]
    assert check_vjp(f, vjp, inputs)
    with pytest.raises(GradcheckError) as excinfo:
        check_vjp(f, wrong, inputs)
    assert _cause(excinfo, culprit).startswith(cause)


def test_a_gradient_on_the_wrong_backend_is_refused_by_name(xp):
    if xp.name == "numpy":
        pytest.skip("needs a backend other than numpy")
    d = _data(xp)
    with pytest.raises(GradcheckError, match="results must live where the inputs live"):
        check_vjp(softmax, lambda g, x: backend.to_numpy(softmax_vjp(g, x)), {"x": d["x"]})


def test_sign_error_and_transposed_shape_are_named(xp):
    d = _data(xp)
    x, w = d["x"], d["W"]
    matmul = lambda x, w: x @ w  # noqa: E731
    with pytest.raises(GradcheckError) as e1:
        check_vjp(matmul, lambda g, x, w: (-(g @ w.T), x.T @ g), [x, w], names=["x", "W"])
    assert _cause(e1, "x").startswith("sign error")
    with pytest.raises(GradcheckError) as e2:
        check_vjp(matmul, lambda g, x, w: (g @ w.T, g.T @ x), [x, w], names=["x", "W"])
    assert _cause(e2, "W").startswith("transposed gradient")


def test_every_failing_input_is_reported_with_max_errors_as_plain_floats(xp):
    d = _data(xp)
    with pytest.raises(GradcheckError) as excinfo:
        check_vjp(add_bias, lambda g, x, b: (2.0 * g, g), {"x": d["x"], "b": d["bias_d"]})
    msg = str(excinfo.value)
    assert excinfo.value.failed == ["x", "b"]
    assert "failed for 2 of 2 input(s): input 'x', input 'b'" in msg
    assert "max abs error 1" in msg and "max rel error 0.5" in msg  # |2g - g| / |2g|
    assert "np.float64" not in msg and "array(" not in msg


def test_non_differentiable_inputs_take_none_and_are_not_checked(xp):
    d = _data(xp)
    # the target t gets None: its (nonzero) numeric gradient is not compared
    assert check_vjp(fc_loss, fc_vjp, {k: d[k] for k in ("x", "W", "b", "t")})


def test_fast_mode_checks_only_a_sample_of_elements_and_still_catches(xp):
    d = _data(xp)
    calls = []

    def counted(x, w):
        calls.append(1)
        return x @ w

    assert check_vjp(counted, lambda g, x, w: (g @ w.T, x.T @ g), [d["x"], d["W"]], n_samples=2)
    assert len(calls) == 2 + 2 * (2 + 2)  # f(x), the determinism probe, 2 per sampled element
    with pytest.raises(GradcheckError, match="2 of 2 elements disagree"):
        check_vjp(softmax, softmax_vjp_without_outer_term, d["x"], n_samples=2)


def test_float32_inputs_are_refused_with_the_honest_alternatives(xp32):
    x = xp32.asarray(np.ones((2, 3)), dtype=xp32.float32)
    with pytest.raises(TypeError, match=r"float64.*float32='promote'.*rtol=1e-2"):
        check_vjp(softmax, softmax_vjp, x)


def test_float32_coarse_mode_uses_honest_tolerances(xp32):
    rng = np.random.default_rng(1)
    x = xp32.asarray(rng.standard_normal((3, 4)), dtype=xp32.float32)
    assert check_vjp(softmax, softmax_vjp, x, float32="coarse")
    with pytest.raises(GradcheckError):
        check_vjp(softmax, softmax_vjp_without_outer_term, x, float32="coarse")


def test_float32_promote_evaluates_in_float64_or_says_why_it_cannot(xp):
    x = xp.asarray(np.random.default_rng(2).standard_normal((3, 4)), dtype=xp.float32)
    assert check_vjp(softmax, softmax_vjp, x, float32="promote")

    def stubborn(x):  # casts to float32 inside: the differences cannot be taken in float64
        return softmax(_ns(x).astype(x, _ns(x).float32))

    with pytest.raises(TypeError, match="casts to float32 inside"):
        check_vjp(stubborn, softmax_vjp, x, float32="promote")


def test_a_random_function_is_refused_as_not_deterministic(xp):
    rng = np.random.default_rng(3)
    x = xp.asarray(rng.standard_normal(5))

    def noisy(x):
        return x * xp.asarray(rng.random(5))

    with pytest.raises(GradcheckError, match="not deterministic"):
        check_vjp(noisy, lambda g, x: g, x)


def test_heatmap_is_written_on_request(tmp_path, xp):
    d = _data(xp)
    with pytest.raises(GradcheckError) as excinfo:
        check_vjp(softmax, softmax_vjp_without_outer_term, {"x": d["x"]}, report_dir=tmp_path)
    (report,) = excinfo.value.reports
    assert report.heatmap == str(tmp_path / "check_vjp_x.png")
    assert (tmp_path / "check_vjp_x.png").read_bytes()[:4] == b"\x89PNG"
    assert f"heatmap of the relative error: {report.heatmap}" in str(excinfo.value)


def test_zero_dimensional_inputs_and_numpy_scalars_are_handled(xp):
    a = xp.asarray(np.asarray(0.7))
    assert check_vjp(lambda a: a * a * a, lambda g, a: 3 * a * a * g, {"a": a})


def test_several_outputs_get_one_direction_each(xp):
    """f(x) = (x * x, sum(x)): vjp((g0, g1), x) = 2 x g0 + g1."""
    x = _data(xp)["x"]

    def f(x):
        return x * x, _ns(x).sum(x)

    assert check_vjp(f, lambda gs, x: 2 * x * gs[0] + gs[1], x)
    with pytest.raises(GradcheckError):
        check_vjp(f, lambda gs, x: 2 * x * gs[0], x)  # the second output's term dropped


def test_softmax_differentiated_like_a_sigmoid_is_named_diagonal_only(xp):
    """dx = g y (1 - y) keeps only dy_i/dx_i of J = diag(y) - y y^T: the cross terms are gone."""
    x = _data(xp)["x"]
    with pytest.raises(GradcheckError) as excinfo:
        check_vjp(softmax, lambda g, x: g * softmax(x) * (1 - softmax(x)), {"x": x})
    assert _cause(excinfo, "x").startswith("diagonal Jacobian only")
