"""The backend contract: namespaces, devices, transfers, RNG and the non-standard helpers."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.backend import BackendError


def test_strict_fixture_refuses_implicit_numpy_conversion(xp):
    """The strict backend is an honest GPU stand-in: np.asarray on it raises, as on device
    arrays (cupy, torch on CUDA). numpy and torch on the CPU are host arrays: np.asarray
    converts them. backend.to_numpy is the explicit way back on every backend."""
    a = xp.asarray(np.arange(3.0))
    on_host = xp.name == "numpy" or (xp.name == "torch" and xp.device.type == "cpu")
    if on_host:
        host = np.asarray(a)
        assert isinstance(host, np.ndarray)
        np.testing.assert_array_equal(host, np.arange(3.0))
    else:
        with pytest.raises((RuntimeError, TypeError, ValueError)):
            np.asarray(a)
    np.testing.assert_array_equal(backend.to_numpy(a), np.arange(3.0))


def test_asarray_keeps_0d_arrays_and_infers_python_numbers_as_numpy_does(xp):
    """A 0-d array stays 0-d on every backend (np.ascontiguousarray would make it (1,)),
    a reversed view keeps its values, and Python floats and ints become float64 and int64
    everywhere (torch's own default for floats is float32)."""
    ref = xp.zeros(2)
    for a in (np.array(0.5), np.array(3)):
        for got in (xp.asarray(a), backend.asarray_like(a, ref)):
            assert tuple(got.shape) == ()
            np.testing.assert_array_equal(backend.to_numpy(got), a)
    np.testing.assert_array_equal(backend.to_numpy(xp.asarray(np.arange(4.0)[::-1])), [3, 2, 1, 0])
    assert xp.asarray([0.5, 1.0]).dtype == xp.float64
    assert xp.asarray(2.0).dtype == xp.float64
    assert xp.asarray([1, 2]).dtype == xp.int64


def test_strict_device_is_not_the_default_device():
    s = backend.get("strict")
    assert str(s.device) != str(s.xp.asarray(1.0).device)


def test_namespace_names_both_libraries_when_mixed(xp):
    if xp.name == "numpy":
        pytest.skip("needs a second library")
    with pytest.raises(BackendError, match="numpy.*and|and.*numpy"):
        backend.namespace(np.zeros(2), xp.zeros(2))


def test_namespace_refuses_two_devices():
    import array_api_strict as s

    a = s.asarray([1.0], device=s.Device("device1"))
    b = s.asarray([1.0])
    with pytest.raises(BackendError, match="different devices"):
        backend.namespace(a, b)


def test_namespace_skips_python_scalars(xp):
    a = xp.ones(2)
    assert backend.namespace(a, 2.0, None) is backend.namespace(a)


def test_unknown_backend_says_what_exists():
    with pytest.raises(BackendError, match="unknown backend 'tpu'.*numpy"):
        backend.get("tpu")


def test_unavailable_backend_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "cupy":
            raise ImportError("No module named 'cupy'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(BackendError, match="pip install"):
        backend.get("cupy")


def test_env_var_picks_the_default(monkeypatch):
    monkeypatch.setenv("SCRATCH_BACKEND", "strict")
    assert backend.get().name == "strict"
    monkeypatch.setenv("SCRATCH_BACKEND", "auto")
    assert backend.get().name in ("numpy", "cupy")


def test_results_follow_the_input(xp):
    a = xp.asarray(np.ones((2, 2)))
    assert backend.backend_name(a) == xp.name
    assert backend.device_of(xp.sum(a, axis=0)) == backend.device_of(a)


def test_asarray_moves_between_backends(xp):
    other = backend.get("numpy").asarray(np.arange(4.0))
    moved = xp.asarray(other)
    assert backend.backend_name(moved) == xp.name
    np.testing.assert_array_equal(backend.to_numpy(moved), np.arange(4.0))


@given(seed=st.integers(0, 2**31 - 1))
def test_rng_gives_the_same_numbers_on_numpy_and_strict(seed):
    a, b = backend.get("numpy").rng(seed), backend.get("strict").rng(seed)
    for draw in (
        lambda r: r.normal(0.0, 2.0, size=(3, 2)),
        lambda r: r.uniform(-1, 1, size=5),
        lambda r: r.integers(0, 10, size=4),
        lambda r: r.permutation(6),
        lambda r: r.choice(5, size=3, replace=False),
    ):
        np.testing.assert_array_equal(backend.to_numpy(draw(a)), backend.to_numpy(draw(b)))


def test_rng_lives_on_the_device(xp):
    r = xp.rng(0)
    for a in (
        r.normal(size=3),
        r.uniform(size=3),
        r.integers(0, 3, size=3),
        r.permutation(3),
        r.choice(3, size=2, p=np.array([0.2, 0.3, 0.5])),
    ):
        assert backend.backend_name(a) == xp.name
        assert backend.device_of(a) == xp.device


@given(
    n=st.integers(1, 8),
    idx=st.lists(st.integers(0, 7), min_size=1, max_size=20),
    seed=st.integers(0, 1000),
)
def test_scatter_add_equals_a_python_loop(xp, n, idx, seed):
    """out[k] = sum of values[i] with index[i] = k, repeats added (not overwritten)."""
    idx = [i % n for i in idx]
    vals = np.random.default_rng(seed).standard_normal((len(idx), 2))
    expected = np.zeros((n, 2))
    for i, v in zip(idx, vals):
        expected[i] += v
    got = backend.scatter_add(n, xp.asarray(np.array(idx), dtype=xp.int64), xp.asarray(vals))
    np.testing.assert_allclose(backend.to_numpy(got), expected, rtol=1e-12, atol=1e-12)


def test_scatter_add_portable_path_matches_fast_path():
    """The sort + cumulative-sum path (used on strict) equals numpy.add.at."""
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 50, 500)
    vals = rng.standard_normal(500)
    s = backend.get("strict")
    got = backend.to_numpy(backend.scatter_add(50, s.asarray(idx), s.asarray(vals)))
    expected = np.zeros(50)
    np.add.at(expected, idx, vals)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_scatter_add_checks_shapes(xp):
    with pytest.raises(ValueError, match="index must be 1-D"):
        backend.scatter_add(3, xp.asarray(np.zeros((2, 2), dtype=np.int64)), xp.zeros(2))


def _windows_by_definition(x, window, step, dilation):
    """windows[n, p, q, i, j, ...] = x[n, p s_h + i d_h, q s_w + j d_w, ...], a Python loop."""
    (kh, kw), (sh, sw), (dh, dw) = window, step, dilation
    ho = (x.shape[1] - dh * (kh - 1) - 1) // sh + 1
    wo = (x.shape[2] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kh, kw) + x.shape[3:])
    for p in range(ho):
        for q in range(wo):
            for i in range(kh):
                for j in range(kw):
                    out[:, p, q, i, j] = x[:, p * sh + i * dh, q * sw + j * dw]
    return out


@given(
    window=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    step=st.tuples(st.integers(1, 3), st.integers(1, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    extra=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    channels_last=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_sliding_windows_equal_the_definition(
    xp, window, step, dilation, extra, channels_last, seed
):
    """windows[n, p, q, i, j, c] = x[n, p s_h + i d_h, q s_w + j d_w, c], also for a
    non-contiguous x (a channels-last view of an NCHW array, as conv reads it)."""
    h = dilation[0] * (window[0] - 1) + 1 + extra[0]
    w = dilation[1] * (window[1] - 1) + 1 + extra[1]
    if channels_last:
        x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
        x, a = x.transpose(0, 2, 3, 1), xp.permute_dims(xp.asarray(x), (0, 2, 3, 1))
    else:
        x = np.random.default_rng(seed).standard_normal((2, h, w, 3))
        a = xp.asarray(x)
    got = backend.sliding_windows(a, window, step, dilation)
    assert backend.backend_name(got) == xp.name
    expected = _windows_by_definition(x, window, step, dilation)
    np.testing.assert_array_equal(backend.to_numpy(got), expected)


@pytest.mark.parametrize(
    "helper, x, kw",
    [
        (
            backend.sliding_windows,
            np.random.default_rng(2).standard_normal((2, 7, 6, 4)).transpose(0, 2, 1, 3),
            {"window": (3, 2), "step": (2, 1), "dilation": (1, 2)},
        ),
        (
            backend.shifted_slabs,
            np.random.default_rng(3).standard_normal((2, 4, 40))[:, ::2, :],
            {"taps": (3, 2), "shift": (9, 2), "length": 17},
        ),
    ],
    ids=["sliding_windows", "shifted_slabs"],
)
def test_strided_helpers_portable_path_matches_fast_paths(helper, x, kw):
    """The stacked-slices path (strict) equals the strided views of numpy and torch, also
    for a non-contiguous x."""
    portable = backend.to_numpy(helper(backend.get("strict").asarray(x), **kw))
    fast = helper(x, **kw)
    assert not fast.flags.owndata  # a view: no copy made
    np.testing.assert_array_equal(portable, fast)
    try:
        t = backend.get("torch")
    except backend.BackendError:
        return
    np.testing.assert_array_equal(backend.to_numpy(helper(t.asarray(x), **kw)), fast)


def test_sliding_windows_refuses_a_window_larger_than_x(xp):
    with pytest.raises(ValueError, match="does not fit"):
        backend.sliding_windows(xp.zeros((1, 2, 2, 1)), (3, 1))


@given(
    taps=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    shift=st.tuples(st.integers(0, 6), st.integers(0, 2)),
    length=st.integers(1, 9),
    spare=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_shifted_slabs_equal_the_definition(xp, taps, shift, length, spare, seed):
    """slabs[..., i, j, m] = x[..., i a + j b + m]: the stride-1 windows of a flat image."""
    last = (taps[0] - 1) * shift[0] + (taps[1] - 1) * shift[1] + length + spare
    x = np.random.default_rng(seed).standard_normal((2, 3, last))
    got = backend.shifted_slabs(xp.asarray(x), taps, shift, length)
    assert backend.backend_name(got) == xp.name
    expected = np.empty((2, 3) + tuple(taps) + (length,))
    for i in range(taps[0]):
        for j in range(taps[1]):
            start = i * shift[0] + j * shift[1]
            expected[:, :, i, j, :] = x[:, :, start : start + length]
    np.testing.assert_array_equal(backend.to_numpy(got), expected)


def test_shifted_slabs_refuse_to_overrun_x(xp):
    with pytest.raises(ValueError, match="overrun"):
        backend.shifted_slabs(xp.zeros((1, 10)), (2, 2), (4, 1), 6)


@given(
    c=st.integers(1, 40),
    # float64 planes of 16 x 16 and 16 x 32 are 2 and 4 KiB apart: blocks of 16 and 8
    hw=st.sampled_from([(1, 1), (2, 3), (5, 4), (16, 16), (16, 32)]),
    offset=st.integers(0, 3),
    layout=st.sampled_from(["channels-first", "channels-last"]),
    seed=st.integers(0, 1000),
)
def test_assign_transposed_is_the_plain_assignment(xp, c, hw, offset, layout, seed):
    """out[key] = src, whether src is an NCHW array seen channels last (copied in blocks
    of channels where its planes are a multiple of 2 KiB apart, also past a block's end
    and at an offset into out's last axis) or already channels last (one copy);
    everything outside out[key] untouched."""
    rng = np.random.default_rng(seed)
    h, w = hw
    if layout == "channels-first":
        host = rng.standard_normal((2, c, h, w))
        src, src_host = xp.permute_dims(xp.asarray(host), (0, 2, 3, 1)), host.transpose(0, 2, 3, 1)
    else:
        src_host = rng.standard_normal((2, h, w, c))
        src = xp.asarray(src_host)
    expected = rng.standard_normal((2, h + 1, w, c + offset + 2))
    out = xp.asarray(expected.copy())
    key = (slice(None), slice(1, h + 1), slice(None), slice(offset, offset + c))
    backend.assign_transposed(out, key, src)
    expected[key] = src_host
    np.testing.assert_array_equal(backend.to_numpy(out), expected)


def test_working_set_is_bounded_on_cpus_and_whole_on_gpus(xp):
    """CPU libraries chunk their temporaries to a cache-sized budget; a GPU takes the batch."""
    budget = backend.working_set_bytes(xp.zeros(3))
    if xp.name == "cupy":
        assert budget is None
    else:
        assert budget == backend.CPU_WORKING_SET > 0


@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 6),
    scale=st.sampled_from([1.0, 1e2, 1e4]),
    seed=st.integers(0, 1000),
)
def test_logsumexp_is_stable_and_exact(xp, rows, cols, scale, seed):
    """log sum exp(x) = m + log sum exp(x - m); no overflow for entries of size 1e4."""
    x = np.random.default_rng(seed).standard_normal((rows, cols)) * scale
    m = x.max(axis=1, keepdims=True)
    expected = (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]
    got = backend.to_numpy(backend.logsumexp(xp.asarray(x), axis=1))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_logsumexp_of_all_minus_inf_is_minus_inf(xp):
    x = xp.asarray(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    got = backend.to_numpy(backend.logsumexp(x, axis=1, keepdims=True))
    assert got[0, 0] == -np.inf and got[1, 0] == 0.0


def test_available_lists_numpy_and_strict():
    names = backend.available()
    assert "numpy" in names and "strict" in names


def test_host_asarray_converts_literals_and_refuses_library_arrays(xp):
    """The boundary conversion of Python literals never hides a transfer of real arrays."""
    np.testing.assert_array_equal(backend.host_asarray([[1, 2], [3, 4]]), [[1, 2], [3, 4]])
    assert backend.host_asarray(2.5).shape == ()
    assert backend.is_host_scalar(3) and backend.is_host_scalar(np.float32(1.0))
    assert not backend.is_host_scalar(xp.ones(1))
    if xp.name != "numpy":
        with pytest.raises(BackendError, match="literals only"):
            backend.host_asarray(xp.ones(2))


def test_working_set_context_sets_the_cpu_budget_and_restores_it(xp):
    """Inside ``working_set(n)`` CPU arrays get n bytes (None: unbounded), blocks nest,
    and the size in force before comes back on exit, also after an exception."""
    a = xp.zeros(3)
    outside = backend.working_set_bytes(a)
    with backend.working_set(1024):
        inner = backend.working_set_bytes(a)
        with backend.working_set(None):
            unbounded = backend.working_set_bytes(a)
        assert backend.working_set_bytes(a) == inner
    with pytest.raises(RuntimeError), backend.working_set(7):
        raise RuntimeError
    assert backend.working_set_bytes(a) == outside
    if xp.name == "cupy":  # a GPU takes the whole batch whatever the CPU size
        assert inner is None and unbounded is None
    else:
        assert (inner, unbounded, outside) == (1024, None, backend.CPU_WORKING_SET)


def test_working_set_context_is_per_thread():
    """A block in one thread does not change the size another thread sees."""
    import threading

    a, seen = np.zeros(3), []
    with backend.working_set(1):
        t = threading.Thread(target=lambda: seen.append(backend.working_set_bytes(a)))
        t.start()
        t.join()
        assert backend.working_set_bytes(a) == 1
    assert seen == [backend.CPU_WORKING_SET]


@pytest.mark.parametrize("nbytes", [0, -1, 2.5, True, "6MiB"])
def test_working_set_refuses_what_is_not_a_positive_int(nbytes):
    with pytest.raises(ValueError, match="nbytes must be a positive int or None, got"):
        with backend.working_set(nbytes):
            pass


def test_torch_tensors_and_parameters_are_torch_arrays_not_scratch_tensors():
    """Tensors are recognized with isinstance on the registered class, not by class name:
    torch.Tensor and torch.nn.Parameter (both named like ours) are plain torch arrays."""
    torch = pytest.importorskip("torch")
    from scratch.backend.tensors import _is_tensor

    for t in (torch.arange(3.0), torch.nn.Parameter(torch.arange(3.0))):
        assert not _is_tensor(t)
        assert backend.is_array(t)
        assert backend.backend_name(t) == "torch"
        assert backend.namespace(t) is backend.namespace(torch.zeros(1))
        assert backend.device_of(t) == torch.device("cpu")
        np.testing.assert_array_equal(backend.to_numpy(t), [0.0, 1.0, 2.0])


def test_an_object_named_tensor_is_not_unwrapped_unless_registered():
    """A class that only looks like ours (same name, a .data array) is not a Tensor."""

    class Tensor:
        data = np.zeros(2)

    with pytest.raises(BackendError, match="expected an array, got Tensor"):
        backend.namespace(Tensor())
    with pytest.raises(BackendError, match="not an array of a known backend"):
        backend.backend_name(Tensor())


def test_scratch_tensors_and_parameters_stand_for_their_data(xp):
    """The registered Tensor class and its subclass nn.Parameter are unwrapped to .data."""
    from scratch.autograd import Tensor
    from scratch.nn import Parameter

    a = xp.asarray(np.arange(3.0))
    for t in (Tensor(a), Parameter(a)):
        assert backend.namespace(t, a) is backend.namespace(a)
        assert backend.backend_name(t) == xp.name
        assert backend.device_of(t) == backend.device_of(a)
        np.testing.assert_array_equal(backend.to_numpy(t), [0.0, 1.0, 2.0])


def test_register_tensor_type_refuses_what_is_not_a_class():
    with pytest.raises(TypeError, match="cls must be a class, got 3"):
        backend.register_tensor_type(3)


def test_npz_helpers_stay_importable_from_backend():
    """save_npz/load_npz moved to scratch.io; the old names are the same functions."""
    from scratch import io
    from scratch.backend import load_npz, save_npz

    assert (save_npz, load_npz) == (io.save_npz, io.load_npz)
    assert {"save_npz", "load_npz"} <= set(dir(backend))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        backend.no_such_name  # noqa: B018 - the lookup itself is the test
