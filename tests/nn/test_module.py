"""Module and Parameter: discovery, modes, state_dict, save/load (torch.nn.Module's contract)."""

import numpy as np
import pytest

from scratch import backend
from scratch.autograd import Tensor
from scratch.nn import Linear, Module, Parameter, ReLU, Sequential


class Affine(Module):
    """y = inner(x) * scale + shift, with a buffer (a running count, as BatchNorm keeps)."""

    def __init__(self, bk):
        super().__init__()
        self.scale = Parameter(bk.ones((2,)))
        self.inner = Linear(3, 2, backend=bk, dtype=bk.float, rng=0)
        self.shift = Parameter(bk.zeros((2,)))
        self.register_buffer("count", bk.zeros((1,)))

    def forward(self, x):
        return self.inner(x) * self.scale + self.shift


def test_parameters_are_discovered_in_assignment_order(xp):
    m = Affine(xp)
    names = [n for n, _ in m.named_parameters()]
    # own parameters first, then the children's (torch.nn.Module's recursion order)
    assert names == ["scale", "shift", "inner.weight", "inner.bias"]
    assert [n for n, _ in m.named_children()] == ["inner"]
    assert all(isinstance(p, Parameter) and p.requires_grad for p in m.parameters())


def test_state_dict_holds_parameters_and_buffers(xp):
    m = Affine(xp)
    sd = m.state_dict()
    assert list(sd) == ["scale", "shift", "count", "inner.weight", "inner.bias"]
    assert sd["inner.weight"].shape == (2, 3)
    assert backend.backend_name(sd["count"]) == xp.name


def test_a_shared_parameter_is_listed_once():
    lin = Linear(2, 2, rng=0)
    m = Sequential(lin, ReLU(), lin)
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]


def test_reassigning_an_attribute_unregisters_it():
    m = Affine(backend.get("numpy"))
    m.shift = None
    assert "shift" not in dict(m.named_parameters())
    m.count = np.ones(1)  # a buffer stays a buffer when replaced
    assert np.array_equal(m.state_dict()["count"], np.ones(1))


def test_train_and_eval_reach_every_descendant():
    m = Sequential(Linear(2, 2, rng=0), Sequential(ReLU(), Linear(2, 1, rng=1)))
    m.eval()
    assert not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())
    assert len(list(m.modules())) == 5


def test_zero_grad_clears_gradients(xp):
    m = Affine(xp)
    x = Tensor(xp.ones((4, 3)))
    m(x).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(float(backend.to_numpy(xp.sum(p.grad.data**2))) == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_forgetting_super_init_is_a_clear_error():
    class Bad(Module):
        def __init__(self):
            self.w = Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_save_load_round_trips_exactly(xp, tmp_path):
    """Every parameter and buffer comes back bit for bit, on the same backend and device."""
    a, b = Affine(xp), Affine(xp)
    rng = np.random.default_rng(1)
    a.load_state_dict({k: rng.standard_normal(v.shape) for k, v in a.state_dict().items()})
    a.save(tmp_path / "m.npz")
    b.load(tmp_path / "m.npz")
    for k, v in a.state_dict().items():
        w = b.state_dict()[k]
        assert backend.device_of(w) == backend.device_of(v)
        np.testing.assert_array_equal(backend.to_numpy(w), backend.to_numpy(v))
    x = Tensor(xp.asarray(rng.standard_normal((5, 3))))
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_load_state_dict_moves_arrays_onto_the_models_device_and_dtype(xp):
    src = Affine(backend.get("numpy"))
    dst = Sequential(Linear(3, 2, backend=xp, rng=3))  # float32 on xp
    dst.load_state_dict({"0.weight": src.inner.weight.data, "0.bias": src.inner.bias.data})
    w = dst[0].weight
    assert w.dtype == xp.float32 and backend.backend_name(w.data) == xp.name
    np.testing.assert_allclose(w.numpy(), src.inner.weight.numpy(), rtol=1e-7)


def test_load_state_dict_names_missing_and_unexpected_keys():
    m = Affine(backend.get("numpy"))
    sd = dict(m.state_dict())
    del sd["shift"]
    sd["extra.weight"] = np.zeros(3)
    with pytest.raises(ValueError, match="missing keys: shift.*unexpected keys: extra.weight"):
        m.load_state_dict(sd)
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert missing == ["shift"] and unexpected == ["extra.weight"]


def test_load_state_dict_refuses_a_shape_mismatch_even_when_not_strict():
    m = Affine(backend.get("numpy"))
    sd = dict(m.state_dict())
    sd["inner.weight"] = np.zeros((3, 2))
    before = m.inner.weight.numpy().copy()
    with pytest.raises(ValueError, match=r"shape mismatch for inner.weight.*\(3, 2\).*\(2, 3\)"):
        m.load_state_dict(sd, strict=False)
    np.testing.assert_array_equal(m.inner.weight.numpy(), before)  # nothing half-loaded


def test_loading_a_truncated_checkpoint_is_a_clear_error(tmp_path):
    m = Affine(backend.get("numpy"))
    m.save(tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "t.npz").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated or corrupt"):
            m.load(tmp_path / "t.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        m.load(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError):
        m.load(tmp_path / "absent.npz")


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    m = Affine(backend.get("numpy"))
    m.save(tmp_path / "m.npz")
    m.save(tmp_path / "m.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_checkpoint_from_strict_loads_into_numpy(tmp_path):
    """A checkpoint is host data: a model saved on one backend loads on another."""
    s = Affine(backend.get("strict"))
    s.save(tmp_path / "m.npz")
    n = Affine(backend.get("numpy"))
    n.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(n.inner.weight.numpy(), s.inner.weight.numpy())


def test_register_buffer_validates_its_arguments():
    m = Module()
    with pytest.raises(ValueError, match="without dots"):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(TypeError, match="must be an array"):
        m.register_buffer("a", [1, 2])


def test_repr_shows_the_tree():
    m = Sequential(Linear(2, 3, rng=0), ReLU())
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in repr(m)
