"""The Slurm sweep end to end on a real single-node Slurm started by the test.

munged, slurmctld and slurmd run on localhost from a folder of the test's own
(tests/benchmarks/slurm_cluster.py); ``python -m benchmarks.slurm --wait`` submits the
job array at tiny sizes with sbatch, waits for it (bounded) and merges the tasks with
``benchmarks.slurm.merge``; the test then reads the merged table. Skipped where the
Slurm or munge programs are missing or the test is not root (slurmd starts job steps
as their user), except under CI (``CI=true``), where that fails.
Install them with ``apt-get install slurm-wlm munge`` (Debian/Ubuntu).
"""

from __future__ import annotations

import json
import math
import os
import re

import pytest

from benchmarks import slurm as sweep
from tests.benchmarks import slurm_cluster

# Three array tasks: two workloads (rows: ours and the peer) and one study (no rows).
WORKLOADS = ("pca", "kmeans")
STUDY = "image_io"
WAIT_S = 120  # the bounded wait for the whole array (about 15 s on an idle 2-core box)


def _unavailable() -> str | None:
    missing = slurm_cluster.missing_programs()
    if missing:
        return (
            f"Slurm/munge programs missing: {', '.join(missing)} (apt-get install slurm-wlm munge)"
        )
    if os.geteuid() != 0:
        return "slurmd must run as root to start job steps"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A running single-node Slurm, stopped (jobs cancelled, daemons ended) afterwards."""
    reason = _unavailable()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"CI runs the real Slurm test, but: {reason}")
    if reason:
        pytest.skip(reason)
    c = slurm_cluster.start(tmp_path_factory.mktemp("slurm"))
    try:
        yield c
    finally:
        c.stop()
    assert not c.leftovers(), f"still running after stop: {c.leftovers()}"


@pytest.fixture
def on_cluster(cluster, monkeypatch):
    """This process's Slurm commands talk to ``cluster`` only (and never read /etc/slurm)."""
    for name in list(os.environ):
        if name.startswith(("SLURM_", "SBATCH_", "SQUEUE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SLURM_CONF", str(cluster.conf))
    monkeypatch.delenv("SCRATCH_PYTHON", raising=False)
    return cluster


def _sweep(results, names, capsys) -> tuple[int, str, str]:
    argv = ["--tiny", "--only", ",".join(names), "--backends", "numpy", "--gpus", "0"]
    argv += ["--cpus", "1", "--time", "00:05:00", "--results", str(results)]
    status = sweep.main([*argv, "--wait", "--wait-timeout", str(WAIT_S)])
    out, err = capsys.readouterr()
    return status, out, err


def _job_id(out: str) -> str:
    m = re.search(r"submitted job (\d+) \((\d+) tasks\)", out)
    assert m, f"no job id in: {out!r}"
    return m.group(1)


def _md_rows(md: str, workload: str) -> list[list[str]]:
    """The cells of results.md's table rows for ``workload``."""
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in md.splitlines()
        if line.startswith(f"| {workload} |")
    ]


def test_sweep_on_a_real_slurm_merges_every_task_into_one_table(on_cluster, tmp_path, capsys):
    """sbatch array -> one task per workload and study -> merged results.json/md + charts."""
    names = sweep.task_names([*WORKLOADS, STUDY])  # the array's order: the registry's
    assert sorted(names) == sorted([*WORKLOADS, STUDY])
    status, out, err = _sweep(tmp_path, names, capsys)
    job = _job_id(out)
    assert status == 0, f"{out}\n{err}\n{on_cluster.logs()}"
    job_dir = tmp_path / job
    assert f"merged {len(names)} tasks" in out

    # Every task ran under Slurm on this node and logged where the template says.
    for i, name in enumerate(names):
        log = (tmp_path / "logs" / f"{job}_{i}.out").read_text()
        assert f"task {i}: {name} on {on_cluster.host} -> {job_dir / str(i)}" in log
    state = on_cluster.run("scontrol", "show", "job", job).stdout
    assert state.count("JobState=COMPLETED") == len(names), state

    res = json.loads((job_dir / "results.json").read_text())
    assert res["tasks"] == [str(i) for i in range(len(names))]
    assert res["size_name"] == "tiny"
    assert [n["name"] for n in res["nodes"]] == [res["machine"]["name"]]
    assert sorted({r["workload"] for r in res["rows"]}) == sorted(WORKLOADS)
    for w in WORKLOADS:
        ours = [r for r in res["rows"] if r["workload"] == w and r["impl"] == "numpy"]
        assert len(ours) == 1 and ours[0]["status"] == "ok", ours
        assert math.isfinite(ours[0]["median_s"]) and ours[0]["median_s"] > 0
        peers = [r for r in res["rows"] if r["workload"] == w and r["kind"] == "peer"]
        assert any(p["status"] == "ok" for p in peers), peers
        assert all(math.isfinite(v) and v > 0 for v in ours[0]["ratios"].values())
    assert res["studies"][STUDY]["status"] == "ok"

    # The merged markdown: a parseable table row per measurement, the study, the figures.
    md = (job_dir / "results.md").read_text()
    for w in WORKLOADS:
        rows = _md_rows(md, w)
        assert len(rows) == sum(r["workload"] == w for r in res["rows"]), rows
        for cells in rows:
            if cells[-1] == "ok":
                median, lo, first = (float(c) for c in cells[3:6])
                assert 0 < lo <= median and first > 0, cells
    assert f"## {STUDY}" in md
    for fig in res["figures"]:
        assert f"![{fig}]({fig})" in md and (job_dir / fig).stat().st_size > 0
    assert {"ratios.png", f"{STUDY}.png"} <= set(res["figures"])


def test_a_task_that_leaves_no_results_is_named_with_its_log(
    on_cluster, tmp_path, capsys, monkeypatch
):
    """A task whose interpreter fails: the array ends, exit 1, the message points at its log."""
    monkeypatch.setenv("SCRATCH_PYTHON", "/bin/false")  # sbatch hands it to the task
    status, out, err = _sweep(tmp_path, ["pca"], capsys)
    job = _job_id(out)
    assert status == 1
    assert f"no results.json from task 0 (pca): see {tmp_path / 'logs' / f'{job}_0.out'}" in err
    state = on_cluster.run("scontrol", "show", "job", job).stdout
    assert "JobState=FAILED" in state, state


@pytest.mark.slow
def test_every_workload_and_study_runs_as_an_array_task(on_cluster, tmp_path, capsys):
    """The whole sweep at tiny sizes: a numpy row for every workload, every study recorded.

    Slow (about 2 min on 2 cores: one task per workload and study, two at a time).
    """
    from benchmarks import workloads as registry
    from benchmarks.run import STUDIES

    names = sweep.task_names()
    status, out, err = _sweep(tmp_path, names, capsys)
    job = _job_id(out)
    assert status == 0, f"{out}\n{err}\n{on_cluster.logs()}"
    res = json.loads((tmp_path / job / "results.json").read_text())
    assert res["tasks"] == [str(i) for i in range(len(names))]
    assert not res["load_errors"]
    for w in registry.discover()[0]:
        ours = [r for r in res["rows"] if r["workload"] == w.name and r["impl"] == "numpy"]
        assert ours and all(r["status"] == "ok" and r["median_s"] > 0 for r in ours), w.name
    assert set(res["studies"]) == set(STUDIES)
    assert res["studies"]["image_io"]["status"] == "ok"
    # gpu_memory needs a GPU: the task says so (status skipped) where the node has none.
    assert res["studies"]["gpu_memory"]["status"] in ("ok", "skipped")
