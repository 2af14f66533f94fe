"""Checkpoints (scratch.training._checkpoint): complete, verified, written atomically.

Complete: after a save and a load into fresh objects, the model, every optimizer's state
and the RNG continue exactly as the originals do. Verified: a truncated, garbled or
edited file, or one of another format version, is a ValueError naming the path and what
is wrong, and nothing is loaded from it. Atomic: the new file is written beside the old
one, fsynced and renamed over it, so a crash before the rename leaves the previous
checkpoint readable.
"""

import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import backend, optim
from scratch import functional as F
from scratch.autograd import Tensor
from scratch.training import _checkpoint as ck
from scratch.training.mlp import make_mlp


def _trained(bk, opt_cls=optim.Adam, steps=3, **opt_kw):
    """A tiny MLP, its optimizer after ``steps`` steps, and an Rng that has drawn."""
    model = make_mlp(bk, (8,), n_in=5, n_out=3, rng=0)
    opt = opt_cls(model.parameters(), **({"lr": 1e-2} | opt_kw))
    rng = bk.rng(7)
    for _ in range(steps):
        _step(model, opt, rng)
    return model, opt, rng


def _step(model, opt, rng):
    bk = rng.backend
    X = rng.normal(size=(6, 5), dtype=bk.xp.float32)
    y = rng.integers(0, 3, size=6)
    opt.zero_grad()
    F.cross_entropy(model(Tensor(X)), y).backward()
    opt.step()


def _params(model):
    return {k: backend.to_numpy(v).copy() for k, v in model.state_dict().items()}


def _save(path, bk=None):
    bk = bk or backend.get("numpy")
    model, opt, rng = _trained(bk)
    ck.save_checkpoint(path, model, {"adam": opt}, ck.rng_state(rng), 4, {"history": [1.5]})
    return model, opt, rng


def test_a_loaded_checkpoint_continues_exactly_as_the_saved_objects_do(xp, tmp_path):
    """One more step of the original and of the restored (model, Adam, Rng) triple gives
    the same bits: parameters, moments, step counts and the random stream are all saved."""
    path = tmp_path / "c.npz"
    model, opt, rng = _save(path, xp)
    fresh, fresh_opt, fresh_rng = _trained(xp, steps=0)
    fresh_rng.normal(size=3)  # a different stream position, overwritten by the load
    saved = ck.load_checkpoint(path, fresh, {"adam": fresh_opt})
    ck.set_rng_state(fresh_rng, saved.rng_state)
    assert (saved.epoch, saved.extra) == (4, {"history": [1.5]})
    _step(model, opt, rng)
    _step(fresh, fresh_opt, fresh_rng)
    a, b = _params(model), _params(fresh)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k, strict=True)
    assert opt.state_dict()["state"][0]["step"] == fresh_opt.state_dict()["state"][0]["step"] == 4


@pytest.mark.parametrize(
    "opt_cls,kw",
    [
        (optim.SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
        (optim.Adagrad, {}),
        (optim.RMSprop, {"momentum": 0.5, "centered": True}),
        (optim.Adadelta, {"lr": 1.0}),
        (optim.Adam, {"amsgrad": True}),
        (optim.AdamW, {}),
    ],
)
def test_every_optimizers_state_survives_a_checkpoint(tmp_path, opt_cls, kw):
    """torch's state_dict shape (state by parameter index + param_groups) through the file:
    the next step of the restored optimizer equals the original's, bit for bit."""
    bk = backend.get("numpy")
    model, opt, rng = _trained(bk, opt_cls, **kw)
    ck.save_checkpoint(tmp_path / "c.npz", model, {"o": opt}, ck.rng_state(rng), 1)
    fresh, fresh_opt, fresh_rng = _trained(bk, opt_cls, steps=0, **kw)
    saved = ck.load_checkpoint(tmp_path / "c.npz", fresh, {"o": fresh_opt})
    ck.set_rng_state(fresh_rng, saved.rng_state)
    _step(model, opt, rng)
    _step(fresh, fresh_opt, fresh_rng)
    a, b = _params(model), _params(fresh)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_the_file_records_format_version_and_the_sha256_of_its_payload(tmp_path):
    """Plain arrays and one JSON string (no pickles); checksum = SHA-256 over the rest."""
    path = tmp_path / "c.npz"
    _save(path)
    with np.load(path, allow_pickle=False) as z:
        stored = {k: z[k] for k in z.files}
    meta = json.loads(str(stored["meta"]))
    assert (meta["format"], meta["version"]) == ("scratch-checkpoint", 1)
    assert meta["rng_state"]["bit_generator"] == "PCG64"
    checksum = str(stored.pop("checksum"))
    assert checksum.startswith("sha256:") and len(checksum) == 7 + 64
    assert checksum == ck.payload_sha256(stored)
    assert any(k.startswith("optim.adam.0.exp_avg") for k in stored)


@settings(max_examples=20, deadline=None)
@given(fraction=st.floats(0.0, 0.999))
def test_a_truncated_checkpoint_is_a_clear_error_and_loads_nothing(tmp_path_factory, fraction):
    path = tmp_path_factory.mktemp("t") / "c.npz"
    _save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    model, opt, _ = _trained(backend.get("numpy"), steps=0)
    before = _params(model)
    with pytest.raises(ValueError, match=f"{path}.*(truncated or corrupt|not a scratch)"):
        ck.load_checkpoint(path, model, {"adam": opt})
    assert all(np.array_equal(before[k], v) for k, v in _params(model).items())
    assert opt.state == {}


@settings(max_examples=20, deadline=None)
@given(where=st.floats(0.0, 0.999), bits=st.integers(1, 255))
def test_a_flipped_byte_is_refused_or_changes_nothing(tmp_path_factory, where, bits):
    """Anywhere in the file: either a ValueError naming the path, or (a byte the format
    does not read, such as a zip timestamp) exactly the saved state."""
    path = tmp_path_factory.mktemp("f") / "c.npz"
    original, _, _ = _save(path)
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= bits
    path.write_bytes(bytes(data))
    model, opt, _ = _trained(backend.get("numpy"), steps=0)
    try:
        ck.load_checkpoint(path, model, {"adam": opt})
    except ValueError as e:
        assert str(path) in str(e)
    else:
        a, b = _params(original), _params(model)
        assert all(np.array_equal(a[k], b[k]) for k in a)


def _rewrite(path, edit):
    """Rewrite the archive with ``edit(entries)`` applied, zip CRCs recomputed (as a tool
    that edits the file would): only the recorded checksum can notice."""
    with np.load(path) as z:
        entries = {k: z[k] for k in z.files}
    edit(entries)
    np.savez(path, **entries)


def test_an_edited_payload_with_a_stale_checksum_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    _save(path)

    def nudge_a_weight(e):
        w = e["model.0.weight"]
        w.flat[0] = np.nextafter(w.flat[0], np.float32(np.inf))

    _rewrite(path, nudge_a_weight)
    model, opt, _ = _trained(backend.get("numpy"), steps=0)
    before = _params(model)
    with pytest.raises(ValueError, match=f"checkpoint {path} is corrupt: .* hashes to sha256:"):
        ck.load_checkpoint(path, model, {"adam": opt})
    assert all(np.array_equal(before[k], v) for k, v in _params(model).items())


def test_another_format_version_is_refused_with_both_versions_named(tmp_path):
    path = tmp_path / "c.npz"
    _save(path)

    def bump(e):
        meta = json.loads(str(e["meta"]))
        meta["version"] = 2
        e["meta"] = np.array(json.dumps(meta))
        del e["checksum"]
        e["checksum"] = np.array(ck.payload_sha256(e))

    _rewrite(path, bump)
    with pytest.raises(ValueError, match=r"version 2; this scratch reads .* version 1"):
        ck.read_checkpoint(path)


def test_a_plain_model_file_is_not_taken_for_a_checkpoint(tmp_path):
    model, _, _ = _trained(backend.get("numpy"), steps=0)
    model.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="is not a scratch checkpoint: it has no 'meta'"):
        ck.read_checkpoint(tmp_path / "m.npz")
    with pytest.raises(FileNotFoundError):
        ck.read_checkpoint(tmp_path / "missing.npz")


def test_the_new_file_is_fsynced_beside_the_old_one_then_renamed_over_it(tmp_path, monkeypatch):
    """The order that makes the write atomic and durable: write a temporary sibling,
    fsync it, os.replace it onto the target (never write the target in place), then
    fsync the folder so the rename itself is on disk."""
    path = tmp_path / "c.npz"
    _save(path)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    _save(path)
    assert [e[0] for e in events] == ["fsync", "replace", "fsync"]
    (_, synced), (_, src, dst), (_, folder) = events
    assert synced == src and dst == str(path) and os.path.dirname(src) == str(tmp_path)
    assert folder == str(tmp_path)


def test_a_crash_before_the_rename_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    _save(path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    model, opt, rng = _trained(backend.get("numpy"), steps=5)
    with pytest.raises(OSError, match="simulated"):
        ck.save_checkpoint(path, model, {"adam": opt}, ck.rng_state(rng), 5)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.npz"]
    assert ck.read_checkpoint(path)[0]["epoch"] == 4
    assert zipfile.is_zipfile(path)


def test_loading_refuses_optimizers_the_file_does_not_have(tmp_path):
    path = tmp_path / "c.npz"
    _save(path)
    model, opt, _ = _trained(backend.get("numpy"), steps=0)
    with pytest.raises(ValueError, match=r"has optimizers \['adam'\], not \['g'\]"):
        ck.load_checkpoint(path, model, {"g": opt})
