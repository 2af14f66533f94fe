"""gradcheck itself: it passes correct gradients, catches wrong ones, reports them so a
user can act, and leaves the modules it touches as it found them."""

import numpy as np
import pytest

from scratch import nn
from scratch.autograd import Function, Tensor
from scratch.testing import GradcheckError, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x^2 with the deliberately wrong derivative 3x (the true one is 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3.0 * x


class WrongCube(Function):
    """y = x^3 with dy/dx = 3 x^2 right, but its second derivative wrong (built from a copy)."""

    def forward(self, x):
        return x * x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3.0 * Tensor(x.data * x.data)  # x.data breaks the graph: d2y/dx2 = 0


def _x(xp, shape=(3, 2), offset=0.5):
    rng = np.random.default_rng(0)
    return Tensor(xp.asarray(rng.random(shape) + offset), requires_grad=True)


def test_gradcheck_passes_a_correct_gradient(xp):
    assert gradcheck(lambda x: (x * x).sum(axis=1), [_x(xp)])


def test_gradcheck_catches_a_wrong_gradient_and_says_where(xp):
    with pytest.raises(GradcheckError, match=r"input 0 .* element \(2, 0\): analytic .* numeric"):
        gradcheck(lambda x: WrongSquare()(x), [_x(xp)])


def test_gradcheck_can_return_false_instead_of_raising(xp):
    assert gradcheck(lambda x: WrongSquare()(x), [_x(xp)], raise_exception=False) is False


def test_gradcheck_names_the_wrong_input_among_several(xp):
    a, b = _x(xp), _x(xp)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a * 2.0 + WrongSquare()(b), [a, b])


def test_gradgradcheck_passes_correct_second_derivatives(xp):
    assert gradgradcheck(lambda x: (x * x * x).sum(), [_x(xp)])


def test_gradgradcheck_catches_a_wrong_second_derivative(xp):
    x = _x(xp)
    assert gradcheck(lambda x: WrongCube()(x), [x])  # first derivative is right
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda x: WrongCube()(x), [x])


def test_gradcheck_refuses_float32(xp32):
    x = Tensor(xp32.asarray(np.ones(3), dtype=xp32.float32), requires_grad=True)
    with pytest.raises(TypeError, match=r"float64.*input 0 has dtype.*float32='promote'"):
        gradcheck(lambda x: x * x, [x])


def test_gradcheck_needs_an_input_that_requires_grad(xp):
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * x, [Tensor(xp.ones(2))])


# ---- the report ---------------------------------------------------------------------------
def test_inputs_can_be_named_by_a_dict_or_by_names(xp):
    a, b = _x(xp), _x(xp)
    with pytest.raises(GradcheckError, match="input 'weight'") as e1:
        gradcheck(lambda a, b: a * 2.0 + WrongSquare()(b), {"bias": a, "weight": b})
    assert e1.value.failed == ["weight"]
    with pytest.raises(GradcheckError, match="input 'w'"):
        gradcheck(lambda a, b: a * 2.0 + WrongSquare()(b), [a, b], names=["b", "w"])


def test_every_failing_input_is_reported_not_only_the_first(xp):
    a, b = _x(xp), _x(xp)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(lambda a, b: WrongSquare()(a) + WrongSquare()(b), {"a": a, "b": b})
    assert excinfo.value.failed == ["a", "b"]
    assert "failed for 2 of 2 input(s): input 'a', input 'b'" in str(excinfo.value)


def test_the_constant_ratio_is_flagged_and_the_arrays_are_attached(xp):
    """WrongSquare's 3x against the true 2x is the constant factor 3/2."""
    x = _x(xp)
    with pytest.raises(GradcheckError, match=r"constant factor: analytic = 3/2 x numeric") as e:
        gradcheck(lambda x: WrongSquare()(x), {"x": x})
    err = e.value
    np.testing.assert_allclose(err.numeric["x"] * 1.5, err.analytic["x"], rtol=1e-6)
    (report,) = err.reports
    assert report.n_bad == 6 and report.max_rel_error == pytest.approx(1 / 3, rel=1e-6)
    gap = np.abs(err.analytic["x"] - err.numeric["x"])
    assert report.worst(1)[0][0] == tuple(
        int(i) for i in np.unravel_index(np.argmax(gap), gap.shape)
    )


def test_numbers_print_as_plain_floats(xp):
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(lambda x: WrongSquare()(x), [_x(xp)])
    msg = str(excinfo.value)
    assert "np.float64" not in msg and "array(" not in msg
    assert "max abs error" in msg and "max rel error 0.333333" in msg


def test_fast_mode_checks_a_random_sample_of_elements(xp):
    x = _x(xp, shape=(8, 8))
    calls = []

    def f(x):
        calls.append(1)
        return WrongSquare()(x)

    with pytest.raises(GradcheckError, match="5 of 5 elements disagree"):
        gradcheck(f, [x], n_samples=5)
    assert len(calls) == 2 + 2 * 5  # forward, determinism probe, two per sampled element


def test_heatmap_of_a_failing_input_is_written_on_request(xp, tmp_path):
    with pytest.raises(GradcheckError, match="heatmap of the relative error"):
        gradcheck(lambda x: WrongSquare()(x), {"x": _x(xp)}, report_dir=tmp_path)
    assert (tmp_path / "gradcheck_x.png").read_bytes()[:4] == b"\x89PNG"


# ---- module state -------------------------------------------------------------------------
def _batchnorm_model(xp):
    model = nn.Sequential(
        nn.Linear(3, 4, backend=xp.name, dtype="float64"),
        nn.BatchNorm1d(4, backend=xp.name, dtype="float64"),
    )
    return model.train()


def test_gradcheck_in_train_mode_leaves_batchnorm_running_mean_unchanged(xp):
    model = _batchnorm_model(xp)
    x = _x(xp, shape=(5, 3))
    before = {k: _host(v) for k, v in model.state_dict().items()}
    model(x)  # one forward in train mode moves the running statistics ...
    moved = _host(model.state_dict()["1.running_mean"])
    assert not np.allclose(moved, before["1.running_mean"])
    model.load_state_dict(before)
    weight = model[0].weight
    # ... a check does not (its verdict on BatchNorm's gradient is test_norm's business)
    gradcheck(lambda x, w: model(x).sum(), {"x": x, "W": weight}, raise_exception=False)
    after = {k: _host(v) for k, v in model.state_dict().items()}
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)
    assert model.training and model[1].training


def test_modules_can_be_named_explicitly(xp):
    model = _batchnorm_model(xp)
    holder = type("Holder", (), {})()
    holder.net = model  # reached through an attribute: not found automatically
    x = _x(xp, shape=(5, 3))
    before = _host(model[1].running_mean)
    gradcheck(lambda x: holder.net(x), [x], modules=[model], raise_exception=False)
    np.testing.assert_array_equal(_host(model[1].running_mean), before)


def test_modules_are_found_through_closures_methods_partials_and_globals(xp):
    import functools

    from scratch.testing.state import find_modules

    model = _batchnorm_model(xp)
    GLOBAL_MODELS.append(model)
    try:
        assert find_modules(model) == [model]
        assert find_modules(model.forward) == [model]
        assert find_modules(lambda x: model(x)) == [model]
        assert find_modules(functools.partial(lambda m, x: m(x), model)) == [model]
        assert find_modules(lambda x: GLOBAL_MODELS[0](x)) == [model]  # a global list
    finally:
        GLOBAL_MODELS.clear()


GLOBAL_MODELS: list = []


def test_a_random_module_is_refused_as_not_deterministic(xp):
    model = nn.Dropout(0.5, rng=0)
    with pytest.raises(GradcheckError, match=r"not deterministic.*model.eval\(\)"):
        gradcheck(model, [_x(xp)])


# ---- float32 ------------------------------------------------------------------------------
def test_float32_promote_checks_a_float32_model_in_float64_and_restores_it(xp):
    model = nn.Linear(3, 2, backend=xp.name)  # float32 by default
    x = Tensor(
        xp.asarray(np.random.default_rng(0).standard_normal((4, 3)), dtype=xp.float32),
        requires_grad=True,
    )
    with pytest.raises(TypeError, match="float32='promote'"):
        gradcheck(lambda x: model(x), [x])
    assert gradcheck(lambda x, w: model(x), {"x": x, "W": model.weight}, float32="promote")
    assert model.weight.dtype == xp.float32 and x.dtype == xp.float32


def test_float32_coarse_mode_passes_right_and_catches_wrong(xp32):
    x = Tensor(
        xp32.asarray(np.random.default_rng(0).random((3, 2)) + 0.5, dtype=xp32.float32),
        requires_grad=True,
    )
    assert gradcheck(lambda x: x * x, [x], float32="coarse")
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: WrongSquare()(x), [x], float32="coarse")


def _host(a):
    from scratch.backend import to_numpy

    return np.array(to_numpy(a), copy=True)


class RawSquare(Function):
    """y = x^2 whose backward returns a raw array instead of a Tensor."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        return (gy * 2.0 * x).data


class SummedSquare(Function):
    """y = x^2 whose backward sums the gradient over axis 0: the wrong shape."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        return (gy * 2.0 * x).sum(axis=0)


@pytest.mark.parametrize(
    "fn, got",
    [
        (RawSquare, r"a (ndarray|Array)"),
        (SummedSquare, r"a gradient of shape \(2,\)"),
    ],
)
def test_a_custom_backward_of_the_wrong_type_or_shape_is_named(xp, fn, got):
    """The engine names the Function, the input, and both shapes (or the type returned)."""
    x = _x(xp)  # (3, 2)
    pattern = rf"{fn.__name__}\.backward returned {got} for input 0 of shape \(3, 2\)"
    with pytest.raises(TypeError, match=pattern):
        gradcheck(lambda x: fn()(x) * 1.0, [x])
