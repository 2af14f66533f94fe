"""``scratch train vae|gan|wgan|wgan-gp``: outputs, TensorBoard event files, exact resume.

The runs here are tiny (a few hundred points, a few batches per epoch); what is checked
is the bookkeeping: every logged step is in the event file with the value the CSV
averages, and a run killed after epoch k and resumed ends bit-for-bit where an
uninterrupted run ends (numpy, fixed seed).
"""

import csv
import sys

import numpy as np
import pytest

from scratch.cli import main
from scratch.training import _generative
from scratch.training._generative import train_generative

TINY = dict(n_train=512, batch_size=128, figures=False)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Tiny matrices: one BLAS thread is much faster on a shared machine (same results)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _scalars(logdir):
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.SCALARS: 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_event_files_hold_every_logged_scalar_per_step(tmp_path, capsys):
    """Read back with tensorboard's EventAccumulator: loss/discriminator and loss/generator
    at steps 1..8 (4 batches x 2 epochs, n_critic = 1), each epoch's mean of the step
    values equal to the CSV's; epoch/<metric> at steps 1, 2 equal to the CSV's values."""
    pytest.importorskip("tensorboardX")
    out = tmp_path / "gan"
    rc = main(
        ["train", "gan", "--data", "ring8", "--epochs", "2", "--n-train", "512",
         "--batch-size", "128", "--out", str(out), "--quiet", "--backend", "numpy"]
    )  # fmt: skip
    assert rc == 0
    assert "gan on ring8" in capsys.readouterr().out
    rows = _csv(out / "gan_metrics.csv")
    tb = _scalars(out / "tensorboard")
    assert {"loss/discriminator", "loss/generator", "epoch/modes_hit", "epoch/high_quality"} <= set(
        tb
    )
    for key in ("discriminator", "generator"):
        steps = [s for s, _ in tb[f"loss/{key}"]]
        assert steps == list(range(1, 9))
        values = np.array([v for _, v in tb[f"loss/{key}"]])
        for e, row in enumerate(rows):
            np.testing.assert_allclose(
                values[4 * e : 4 * e + 4].mean(), float(row[f"loss_{key}"]), rtol=1e-5
            )
    for metric in ("modes_hit", "high_quality", "loss_generator"):
        got = tb[f"epoch/{metric}"]
        assert [s for s, _ in got] == [1, 2]
        np.testing.assert_allclose([v for _, v in got], [float(r[metric]) for r in rows], rtol=1e-5)
    for name in ("gan_curves.png", "gan_samples_001.png", "gan_samples_002.png"):
        assert (out / name).stat().st_size > 0


def test_the_generator_steps_every_n_critic_batches_across_epoch_boundaries(tmp_path):
    """n_critic = 5 with 4 batches per epoch: generator steps at global steps 5 and 10
    (epochs 2 and 3); epoch 1 has none (NaN in the CSV, nothing in TensorBoard)."""
    pytest.importorskip("tensorboardX")
    _, h = train_generative(
        "wgan-gp", "ring8", "numpy", epochs=3, n_critic=5, out_dir=tmp_path, **TINY
    )
    g = h["loss_generator"]
    assert np.isnan(g[0]) and np.isfinite(g[1:]).all()
    assert [s for s, _ in _scalars(tmp_path / "tensorboard")["loss/generator"]] == [5, 10]
    assert len(_csv(tmp_path / "wgan_gp_metrics.csv")) == 3


def test_without_tensorboardx_only_the_csv_is_written_and_one_line_says_why(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import raises ImportError
    train_generative("vae", "ring8", "numpy", epochs=1, out_dir=tmp_path, **TINY)
    err = capsys.readouterr().err
    assert err.count("pip install 'scratch[log]'") == 1
    assert (tmp_path / "vae_metrics.csv").exists() and not (tmp_path / "tensorboard").exists()


def _arrays(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files if k != "meta"}


class _Killed(Exception):
    pass


@pytest.mark.parametrize(
    "kind,data,options",
    [
        ("gan", "ring8", {"spectral_norm": True, "label_smoothing": 0.1}),
        ("wgan-gp", "grid25", {"n_critic": 2}),
        ("wgan", "swissroll", {}),
        ("vae", "digits", {"arch": "mlp"}),
    ],
)
def test_a_run_killed_after_epoch_k_and_resumed_ends_where_an_uninterrupted_one_does(
    tmp_path, monkeypatch, kind, data, options
):
    """Model, optimizer states (Adam moments and step counts, RMSprop squares), spectral-norm
    vectors and BatchNorm statistics: every array of the final checkpoints is identical."""
    kw = dict(TINY, **options)
    if data == "digits":
        kw["n_train"] = 256
    full, h_full = train_generative(kind, data, "numpy", epochs=3, out_dir=tmp_path / "a", **kw)

    calls = []
    real_metrics = _generative._epoch_metrics

    def metrics_then_die(*args):
        calls.append(1)
        if len(calls) == 2:  # inside epoch 2, after epoch 1's checkpoint
            raise _Killed
        return real_metrics(*args)

    monkeypatch.setattr(_generative, "_epoch_metrics", metrics_then_die)
    with pytest.raises(_Killed):
        train_generative(kind, data, "numpy", epochs=3, out_dir=tmp_path / "b", **kw)
    monkeypatch.setattr(_generative, "_epoch_metrics", real_metrics)
    _, h = train_generative(
        kind, data, "numpy", epochs=3, out_dir=tmp_path / "b", resume=True, **kw
    )

    a, b = _arrays(h_full["checkpoint"]), _arrays(h["checkpoint"])
    assert a.keys() == b.keys() and any(k.startswith("optim.") for k in a)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    np.testing.assert_equal(  # the histories too (NaN == NaN here: no G step in epoch 1)
        {k: v for k, v in h.items() if k != "checkpoint"},
        {k: v for k, v in h_full.items() if k != "checkpoint"},
    )


def test_resume_refuses_a_checkpoint_of_another_configuration(tmp_path):
    train_generative("gan", "ring8", "numpy", epochs=1, out_dir=tmp_path, **TINY)
    with pytest.raises(ValueError, match="cannot resume"):
        train_generative(
            "gan", "ring8", "numpy", epochs=2, out_dir=tmp_path, resume=True, loss="hinge", **TINY
        )


def test_resumed_event_files_hold_each_step_once(tmp_path, monkeypatch):
    """The steps logged after the last checkpoint by the killed run are purged on resume
    (tensorboardX purge_step): each step 1..12 appears once."""
    pytest.importorskip("tensorboardX")
    calls = []
    real_metrics = _generative._epoch_metrics

    def metrics_then_die(*args):
        calls.append(1)
        if len(calls) == 2:
            raise _Killed
        return real_metrics(*args)

    monkeypatch.setattr(_generative, "_epoch_metrics", metrics_then_die)
    with pytest.raises(_Killed):
        train_generative("gan", "ring8", "numpy", epochs=3, out_dir=tmp_path, **TINY)
    monkeypatch.setattr(_generative, "_epoch_metrics", real_metrics)
    train_generative("gan", "ring8", "numpy", epochs=3, out_dir=tmp_path, resume=True, **TINY)
    steps = [s for s, _ in _scalars(tmp_path / "tensorboard")["loss/discriminator"]]
    assert steps == list(range(1, 13))


def test_every_kind_trains_from_the_cli_on_strict(tmp_path):
    """One tiny epoch of each command on the strict backend: exit 0, CSV and checkpoint."""
    for kind, data in (
        ("vae", "digits"),
        ("gan", "digits"),
        ("wgan", "ring8"),
        ("wgan-gp", "ring8"),
    ):
        out = tmp_path / kind
        rc = main(
            ["train", kind, "--data", data, "--epochs", "1", "--n-train", "128",
             "--batch-size", "64", "--out", str(out), "--quiet", "--backend", "strict"]
        )  # fmt: skip
        name = kind.replace("-", "_")
        assert rc == 0
        assert (out / f"{name}_checkpoint.npz").exists()
        assert len(_csv(out / f"{name}_metrics.csv")) == 1


def test_cli_refuses_bad_arguments(capsys):
    assert main(["train", "gan", "--epochs", "0", "--out", "unused"]) == 2
    assert "epochs" in capsys.readouterr().err
