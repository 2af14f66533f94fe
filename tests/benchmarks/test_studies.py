"""The image-IO comparison, the GPU memory study, machine facts and the timing helper."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from benchmarks import gpu_memory, image_io, machine, timing


def test_generated_images_are_deterministic_rgb_uint8():
    a = image_io.make_images(2, 64, 36, seed=3)
    b = image_io.make_images(2, 64, 36, seed=3)
    assert [x.shape for x in a] == [(36, 64, 3)] * 2 and a[0].dtype == np.uint8
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], a[1])


def test_pillow_png_round_trip_is_exact_and_jpeg_is_close(tmp_path):
    pytest.importorskip("PIL")
    images = image_io.make_images(2, 48, 32)
    png = image_io.measure_library("pillow", images, tmp_path, "png", repeats=1)
    jpg = image_io.measure_library("pillow", images, tmp_path, "jpg", repeats=1)
    assert png["status"] == "ok" and png["max_abs_diff"] == 0.0 and png["shape_ok"]
    assert jpg["status"] == "ok" and 0 < jpg["max_abs_diff"] < 0.5
    assert png["read_device_ms"] is None or png["read_device_ms"] > 0


def test_a_missing_image_library_is_reported(tmp_path, monkeypatch):
    def missing():
        raise ImportError("No module named 'cv2'")

    monkeypatch.setitem(image_io.LIBRARIES, "opencv", missing)
    row = image_io.measure_library("opencv", image_io.make_images(1, 8, 8), tmp_path, "png", 1)
    assert row["status"] == "missing" and "cv2" in row["error"]
    assert "missing: No module named 'cv2'" in image_io.markdown(
        [row], image_io.SIZES["tiny"], False
    )


def test_image_io_study_writes_its_table(tmp_path):
    res = image_io.run_study("tiny", tmp_path, use_gpu=False, quiet=True)
    assert res["status"] == "ok"
    assert len(res["rows"]) == len(image_io.LIBRARIES) * len(image_io.FORMATS)
    assert "fastest png: write" in (tmp_path / "image_io.md").read_text()


def test_gpu_memory_without_a_gpu_exits_zero_with_a_note(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gpu_memory, "_gpu_backend", lambda: None)
    assert gpu_memory.main(["--tiny", "--out", str(tmp_path)]) == 0
    assert "needs a GPU" in capsys.readouterr().out
    assert json.loads((tmp_path / "gpu_memory.json").read_text())["status"] == "skipped"


def test_gpu_memory_phases_follow_a_training_step(tmp_path):
    """The phases run in order on any backend; here numpy with a counting probe."""
    from scratch import backend

    calls = []
    rows = gpu_memory.training_phases(
        backend.get("numpy"),
        lambda: (len(calls), 2 * len(calls)),
        lambda: calls.append(1),
        gpu_memory.SIZES["tiny"],
    )
    phases = [r["phase"] for r in rows]
    assert phases[:3] == ["start (pool emptied)", "model on device", "step 1: batch on device"]
    assert phases[-1] == "free_all_blocks()" and "step 2: optimizer step" in phases
    assert len(calls) == 2
    assert gpu_memory.chart(rows, tmp_path / "g.png").exists()


def test_machine_name_and_slug():
    assert machine.slug("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz") == "intel-xeon-gold-6338"
    assert machine.slug("NVIDIA H100 80GB HBM3") == "nvidia-h100-80gb-hbm3"
    assert machine.machine_name(use_gpu=False).endswith(f"-{machine.cpu_count()}c")


def test_cleaned_environ_drops_the_openblas_variables_and_remembers_them(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    monkeypatch.delenv(machine.ORIGINAL_ENV_MARK, raising=False)
    env = machine.cleaned_environ()
    assert "OPENBLAS_CORETYPE" not in env
    saved = json.loads(env[machine.ORIGINAL_ENV_MARK])
    assert saved == {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": None}
    assert os.environ["OPENBLAS_CORETYPE"] == "Haswell"  # this process is left alone


def test_measure_counts_the_warm_up_apart_and_stops_at_the_budget():
    calls = []
    t = timing.measure(lambda: calls.append(1), lambda: None, repeats=5)
    assert len(calls) == 6 and len(t.times_s) == 5 and t.first_s >= 0
    calls.clear()
    t = timing.measure(
        lambda: calls.append(1), lambda: None, repeats=50, budget_s=0.0, min_repeats=2
    )
    assert len(t.times_s) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS reset is Linux-only")
def test_host_peak_sees_a_temporary_allocation():
    def work():
        a = np.ones(64 * 2**20 // 8)  # 64 MiB, touched, then freed
        return float(a[::4096].sum())

    t = timing.measure(work, lambda: None, repeats=2)
    if t.host_peak_bytes is None:
        pytest.skip("/proc/self/clear_refs is not writable here")
    assert t.host_peak_bytes >= 48 * 2**20
