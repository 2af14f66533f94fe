"""scratch.io: atomic writes, and .npz files of arrays from any backend."""

import numpy as np
import pytest

from scratch import backend
from scratch.io import atomic_open, load_npz, save_npz


def test_npz_round_trip_gives_host_copies_of_every_backend(xp, tmp_path):
    """save_npz copies each array to the host; load_npz returns exactly those values."""
    a = np.arange(6.0).reshape(2, 3)
    path = tmp_path / "sub" / "w.npz"
    save_npz(path, {"w": xp.asarray(a), "b": xp.asarray(np.array([1, 2]))})
    got = load_npz(path)
    assert sorted(got) == ["b", "w"] and all(isinstance(v, np.ndarray) for v in got.values())
    np.testing.assert_array_equal(got["w"], a)
    np.testing.assert_array_equal(got["b"], [1, 2])
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_load_npz_names_the_file_when_it_is_corrupt(tmp_path):
    path = tmp_path / "w.npz"
    save_npz(path, {"w": np.ones(100)})
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match=r"could not read .*w\.npz: truncated or corrupt"):
        load_npz(path)
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "missing.npz")


def test_a_failed_write_keeps_the_old_file(tmp_path):
    """atomic_open replaces the target only on success: a crash leaves the old bytes."""
    path = tmp_path / "w.npz"
    save_npz(path, {"w": np.zeros(2)})
    with pytest.raises(RuntimeError), atomic_open(path, "wb") as f:
        f.write(b"half")
        raise RuntimeError
    np.testing.assert_array_equal(load_npz(path)["w"], [0.0, 0.0])
    assert list(tmp_path.iterdir()) == [path]


def test_the_backend_names_are_the_io_functions():
    assert backend.save_npz is save_npz and backend.load_npz is load_npz


def test_atomic_writes_keep_the_users_umask(tmp_path):
    """An atomic write gives the file 0666 & ~umask, as open() would, not mkstemp's 0600."""
    import os
    import stat

    from scratch.io import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "shared.txt", "x")
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.txt").stat().st_mode) == 0o600
