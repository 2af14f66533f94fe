"""The Slurm sweep: the job script a dry run prints, and the merge of per-task results."""

from __future__ import annotations

import json

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


def test_merge_of_an_empty_folder_fails_cleanly(tmp_path, capsys):
    assert merge.main([str(tmp_path)]) == 1
    assert "no <task>/results.json" in capsys.readouterr().err
