"""torch's Module habits: double(), float(), to(dtype | backend), apply(fn)."""

import numpy as np
import pytest

import scratch.functional as F
from scratch import backend, nn
from scratch.autograd import Tensor
from scratch.testing import gradcheck


def _model(xp):
    return nn.Sequential(
        nn.Linear(3, 4, backend=xp.name, rng=0), nn.BatchNorm1d(4, backend=xp.name), nn.Tanh()
    )


def test_double_casts_parameters_and_floating_buffers_and_keeps_identity(xp):
    m = _model(xp)
    params = list(m.parameters())
    assert m.double() is m
    assert all(p.dtype == xp.float64 for p in m.parameters())
    assert m[1].running_var.dtype == xp.float64
    assert m[1].num_batches_tracked.dtype == xp.int64  # integer buffers keep their dtype
    assert all(a is b for a, b in zip(params, m.parameters()))  # an optimizer still holds them
    m.float()
    assert all(p.dtype == xp.float32 for p in m.parameters())


def test_to_accepts_a_dtype_object_a_dtype_name_or_a_backend(xp):
    m = _model(backend.get("numpy"))
    w = backend.to_numpy(m[0].weight.data).astype(np.float64)
    m.to(xp.name, dtype="float64")
    assert backend.backend_name(m[0].weight.data) == xp.name
    np.testing.assert_array_equal(backend.to_numpy(m[0].weight.data), w)
    m.to(xp.float32)
    assert m[0].weight.dtype == xp.float32


def test_a_double_model_passes_gradcheck_where_float32_would_not_be_trusted(xp):
    m = _model(xp).double().eval()
    x = Tensor(xp.asarray(np.linspace(-1, 1, 6).reshape(2, 3)), requires_grad=True)
    gradcheck(lambda x: F.mse_loss(m(x), xp.asarray(np.zeros((2, 4)))), [x])


def test_apply_visits_children_before_the_parent():
    m = _model(backend.get("numpy"))
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "BatchNorm1d", "Tanh", "Sequential"]


def test_to_refuses_what_it_cannot_mean():
    m = _model(backend.get("numpy"))
    with pytest.raises(ValueError, match="int8"):
        m.to("int8")
    with pytest.raises(TypeError, match="needs a dtype or a backend"):
        m.to()
