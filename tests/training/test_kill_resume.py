"""A training run killed mid-epoch and resumed ends bit for bit where an uninterrupted run ends.

``scratch train mlp`` runs as a subprocess and gets SIGKILL (no clean-up, no finally
blocks) during its second epoch, after the first checkpoint exists; ``--resume`` then
continues from that checkpoint, and the final parameters, Adam state, RNG state and
history equal those of a run that was never interrupted (numpy, compared bit for bit).
The CNN's resume (batch-norm statistics, augmentation draws, the cosine schedule's
position) is checked in-process with a run stopped by an exception inside epoch 2.
"""

import os
import signal
import subprocess
import sys
import time
import types

import numpy as np
import pytest

from scratch import functional as F
from scratch.cli import main
from scratch.training import _checkpoint as ck
from scratch.training import cnn, mlp

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# batch 2: ~700 steps, a few tenths of a second per epoch, so epoch 2 is long enough to
# be killed in; hidden 32 keeps each step cheap
MLP_ARGS = ["--epochs", "3", "--batch-size", "2", "--hidden", "32", "--lr", "3e-4"]


def _cli(out, *extra):
    return [sys.executable, "-m", "scratch", "train", "mlp", "--backend", "numpy", "--quiet"] + [
        "--out",
        str(out),
        *MLP_ARGS,
        *extra,
    ]


def _arrays(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _assert_same_files(a, b):
    for name in ("mlp.npz", "mlp_checkpoint.npz"):
        x, y = _arrays(a / name), _arrays(b / name)
        assert x.keys() == y.keys(), name
        for k in x:
            np.testing.assert_array_equal(x[k], y[k], err_msg=f"{name}: {k}", strict=True)


def test_mlp_killed_with_sigkill_mid_epoch_and_resumed_ends_bit_identical(tmp_path):
    env = {**os.environ, **ONE_THREAD}
    full = subprocess.Popen(_cli(tmp_path / "full"), env=env, stderr=subprocess.PIPE)
    out = tmp_path / "killed"
    killed = subprocess.Popen(_cli(out), env=env, stderr=subprocess.PIPE)
    ckpt = out / "mlp_checkpoint.npz"
    deadline = time.monotonic() + 120
    while not ckpt.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # into epoch 2: some of its batches done, none checkpointed
    assert killed.poll() is None, "the run finished before it could be killed; slow it down"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    epoch = ck.read_checkpoint(ckpt)[0]["epoch"]
    assert epoch < 3 and not (out / "mlp.npz").exists()  # killed before the end

    resumed = subprocess.run(_cli(out, "--resume"), env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "after 3 epochs" in resumed.stdout
    _, err = full.communicate(timeout=120)
    assert full.returncode == 0, err[-3000:]
    _assert_same_files(tmp_path / "full", out)


class _Killed(Exception):
    pass


CNN = dict(epochs=3, batch_size=16, lr=1e-2, widths=(4, 8, 8), train_limit=96)


def test_cnn_stopped_inside_an_epoch_and_resumed_ends_bit_identical(tmp_path, monkeypatch):
    """Batch-norm running statistics, the augmentation's random shifts and rotations and
    the cosine schedule all continue as in an uninterrupted run."""
    cnn.train("numpy", out_dir=tmp_path / "full", **CNN)
    calls = []

    def cross_entropy_until_killed(*args):
        calls.append(1)
        if len(calls) == 9:  # batch 3 of epoch 2 (6 batches per epoch)
            raise _Killed
        return F.cross_entropy(*args)

    monkeypatch.setattr(cnn, "F", types.SimpleNamespace(cross_entropy=cross_entropy_until_killed))
    with pytest.raises(_Killed):
        cnn.train("numpy", out_dir=tmp_path / "b", **CNN)
    monkeypatch.undo()
    assert ck.read_checkpoint(tmp_path / "b" / "cnn_checkpoint.npz")[0]["epoch"] == 1
    _, h = cnn.train("numpy", out_dir=tmp_path / "b", resume=True, **CNN)
    assert len(h["loss"]) == 3
    for name in ("cnn.npz", "cnn_checkpoint.npz"):
        a, b = _arrays(tmp_path / "full" / name), _arrays(tmp_path / "b" / name)
        assert a.keys() == b.keys() and any("running_mean" in k for k in a)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}: {k}", strict=True)


def test_resume_refuses_a_checkpoint_of_other_settings(tmp_path, capsys):
    mlp.train("numpy", epochs=1, hidden=(8,), out_dir=tmp_path)
    with pytest.raises(ValueError, match="cannot resume from .*mlp_checkpoint.npz"):
        mlp.train("numpy", epochs=2, hidden=(8,), lr=1e-2, out_dir=tmp_path, resume=True)
    rc = main(
        ["train", "mlp", "--hidden", "8", "--epochs", "2", "--resume", "--quiet"]
        + [
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0 and "after 2 epochs" in capsys.readouterr().out


def test_resume_continues_from_a_corrupt_checkpoint_never(tmp_path, capsys):
    """A damaged checkpoint stops ``--resume`` with one line naming the file, exit 2."""
    mlp.train("numpy", epochs=1, hidden=(8,), out_dir=tmp_path)
    path = tmp_path / "mlp_checkpoint.npz"
    path.write_bytes(path.read_bytes()[:-100])
    rc = main(
        ["train", "mlp", "--hidden", "8", "--epochs", "2", "--resume", "--quiet"]
        + [
            "--out",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and str(path) in err and "Traceback" not in err
