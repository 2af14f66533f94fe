"""The Slurm sweep: the job script a dry run prints, and the merge of per-task results."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from benchmarks import report, run
from benchmarks import slurm as sweep
from benchmarks.slurm import merge


def test_dry_run_prints_a_job_array_with_one_task_per_workload(fake_suite, capsys):
    assert sweep.main(["--dry-run", "--quick", "--only", "fake_sum,fake_broken,image_io"]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "#SBATCH --array=0-2\n" in script
    assert "#SBATCH --gres=gpu:1\n" in script
    assert "WORKLOADS=(fake_sum fake_broken image_io)\n" in script
    assert '--only "${NAME}" --backends numpy,cupy --quick --out "${OUT}"' in script
    assert 'OUT="benchmarks/results/slurm/${SLURM_ARRAY_JOB_ID}/${SLURM_ARRAY_TASK_ID}"' in script
    assert "@@" not in script


def test_dry_run_without_only_covers_every_workload_and_study(fake_suite, capsys):
    assert run.main(["slurm", "--dry-run", "--partition", "gpu", "--time", "01:00:00"]) == 0
    script = capsys.readouterr().out
    names = "fake_sum fake_broken fake_lonely fake_fullonly image_io gpu_memory"
    assert f"WORKLOADS=({names})" in script
    assert "#SBATCH --array=0-5\n" in script
    assert "#SBATCH --partition=gpu\n" in script and "#SBATCH --time=01:00:00\n" in script


def test_dry_run_with_no_match_is_an_error(fake_suite, capsys):
    assert sweep.main(["--dry-run", "--only", "nothing"]) == 2


def test_tasks_run_the_interpreter_that_wrote_the_script_unless_scratch_python_is_set(
    fake_suite, capsys
):
    """A bare `python` on a node is rarely the checkout's venv (Debian has none at all)."""
    assert sweep.main(["--dry-run", "--only", "fake_sum"]) == 0
    script = capsys.readouterr().out
    assert f"PYTHON=${{SCRATCH_PYTHON:-{shlex.quote(sys.executable)}}}\n" in script
    assert '"${PYTHON}" -m benchmarks.run --only "${NAME}"' in script


def test_gpus_zero_asks_for_no_gres_and_results_go_where_asked(fake_suite, capsys, tmp_path):
    """A CPU-only cluster refuses any --gres=gpu request ("Invalid generic resource")."""
    out = tmp_path / "sweep"
    argv = ["--dry-run", "--only", "fake_sum", "--gpus", "0", "--cpus", "1"]
    assert sweep.main([*argv, "--results", str(out)]) == 0
    script = capsys.readouterr().out
    assert "--gres" not in script.replace("# (no GPU asked for: --gpus 0)", "")
    assert "#SBATCH --cpus-per-task=1\n" in script
    assert f"#SBATCH --output={out}/logs/%A_%a.out\n" in script
    assert f'OUT="{out}/${{SLURM_ARRAY_JOB_ID}}/${{SLURM_ARRAY_TASK_ID}}"' in script
    assert sweep.main(["--dry-run", "--only", "fake_sum", "--gpus", "2"]) == 0
    assert "#SBATCH --gres=gpu:2\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--gpus", "-1"], "--gpus must be a non-negative int, got -1"),
        (["--cpus", "0"], "--cpus must be a positive int, got 0"),
        (["--results", "/tmp/a b"], "--results must not hold spaces"),
    ],
)
def test_bad_sweep_flags_are_one_line_and_exit_2(fake_suite, capsys, argv, message):
    assert sweep.main(["--dry-run", "--only", "fake_sum", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def _fake_squeue(tmp_path, monkeypatch, body):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "squeue").write_text(f"#!/bin/sh\n{body}\n")
    (bin_dir / "squeue").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_wait_gives_up_after_its_timeout_while_tasks_are_queued(tmp_path, monkeypatch):
    _fake_squeue(tmp_path, monkeypatch, "echo 7_0")
    with pytest.raises(TimeoutError, match="job 7 not done after 0.3 s"):
        sweep.wait("7", timeout=0.3, poll=0.05)


def test_wait_returns_once_the_job_left_the_queue_or_was_purged(tmp_path, monkeypatch):
    _fake_squeue(
        tmp_path, monkeypatch, "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1"
    )
    sweep.wait("7", timeout=5, poll=0.05)


def _task(job, i, workload, machine):
    res = {
        "created": f"2026-01-0{i + 1} 10:00 UTC",
        "size_name": "quick",
        "machine": {
            "name": machine,
            "cpu": "x",
            "cores": 8,
            "gpu": "H100",
            "blas": [],
            "blas_env_original": {"OPENBLAS_CORETYPE": None},
            "blas_env_in_run": {"OPENBLAS_CORETYPE": None},
        },
        "matmul": {"cpu-float32": {"n": 8, "gflops": 100.0}},
        "load_errors": {},
        "rows": [
            {
                "workload": workload,
                "size": {"n": 1},
                "impl": impl,
                "kind": kind,
                "peer": None if kind == "ours" else "torch",
                "device": "cuda",
                "status": "ok",
                "median_s": t,
                "min_s": t,
                "first_s": t,
                "ratios": {"torch-cuda": 0.5} if kind == "ours" else {},
            }
            for impl, kind, t in (("cupy", "ours", 0.001), ("torch-cuda", "peer", 0.002))
        ],
        "curves": [],
        "studies": {},
    }
    (job / str(i)).mkdir(parents=True)
    (job / str(i) / "results.json").write_text(json.dumps(res))


def test_merge_builds_one_table_from_the_tasks(tmp_path):
    job = tmp_path / "1234"
    _task(job, 0, "conv2d", "gpu-nvidia-h100")
    _task(job, 1, "svc_2000", "gpu-nvidia-h100")
    _task(job, 10, "kmeans", "gpu-nvidia-a100")
    assert merge.main([str(job)]) == 0
    res = json.loads((job / "results.json").read_text())
    assert [r["workload"] for r in res["rows"] if r["kind"] == "ours"] == [
        "conv2d",
        "svc_2000",
        "kmeans",
    ]
    assert res["tasks"] == ["0", "1", "10"]
    assert [n["name"] for n in res["nodes"]] == ["gpu-nvidia-h100", "gpu-nvidia-a100"]
    md = (job / "results.md").read_text()
    assert md.count("| cupy |") == 3 and "0.5× torch-cuda" in md
    assert (job / "ratios.png").exists()
    assert report.README_BEGIN not in md


def test_merge_copies_the_figures_the_studies_drew_in_their_tasks(tmp_path):
    """results.md links every figure it lists, and the file is beside it."""
    job = tmp_path / "99"
    _task(job, 0, "conv2d", "node-a")
    study = {"status": "ok", "markdown": "a table", "figures": ["image_io.png"]}
    res = json.loads((job / "0" / "results.json").read_text())
    (job / "1").mkdir()
    (job / "1" / "results.json").write_text(
        json.dumps(dict(res, rows=[], studies={"image_io": study}))
    )
    (job / "1" / "image_io.png").write_bytes(b"png bytes")
    out = tmp_path / "merged"
    assert merge.main([str(job), "--out", str(out)]) == 0
    merged = json.loads((out / "results.json").read_text())
    assert merged["figures"] == ["ratios.png", "image_io.png"]
    assert (out / "image_io.png").read_bytes() == b"png bytes"
    assert "![image_io.png](image_io.png)" in (out / "results.md").read_text()


def test_merge_of_an_empty_folder_fails_cleanly(tmp_path, capsys):
    assert merge.main([str(tmp_path)]) == 1
    assert "no <task>/results.json" in capsys.readouterr().err
