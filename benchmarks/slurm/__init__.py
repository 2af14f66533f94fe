"""Benchmark sweeps on a Slurm cluster: one workload per job-array task, then a merge.

    python -m benchmarks.slurm --dry-run [--quick | --tiny] [--only NAME[,NAME]]
    python -m benchmarks.slurm [...]           # writes the script and submits it with sbatch
    python -m benchmarks.slurm --wait [...]    # ... then waits for the array and merges it
    scratch bench slurm --dry-run              # the same, through the scratch command
    python -m benchmarks.slurm.merge benchmarks/results/slurm/<job id>

The job script is ``sweep.sbatch`` beside this file with its fields filled in: the
array has one task per workload (and per study, image_io and gpu_memory), each asks
for ``--gpus`` GPUs (``--gres=gpu:1`` by default; ``--gpus 0`` on a CPU-only cluster) and
runs ``<python> -m benchmarks.run --only <name> --out <results>/<job id>/<task>``, where
``<python>`` is ``$SCRATCH_PYTHON`` in the job's environment, else the interpreter that
wrote the script, and ``<results>`` is ``--results`` (default benchmarks/results/slurm).
``merge`` gathers the tasks' results.json into the same results.json, results.md and
charts as a local run.

Exit status: 0 when submitted (with ``--wait``: when every task left its results and
the merge ran), 1 when sbatch is missing or refused the job, a task left no results or
the wait timed out, 2 for bad flags.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from scratch.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).resolve().parent / "sweep.sbatch"
RESULTS = ROOT / "benchmarks" / "results" / "slurm"
# Characters the job script cannot carry in a folder name: #SBATCH lines end at white
# space and the folder sits inside double quotes in bash.
_UNSAFE = re.compile(r"[\s\"'$`\\]")


def task_names(only: list[str] | None = None) -> list[str]:
    """The array's tasks: every workload (by name) and study, or those named in ``only``."""
    from .. import workloads as registry
    from ..run import STUDIES

    workloads, _ = registry.discover()
    names = [w.name for w in workloads] + list(STUDIES)
    if only:
        families = {w.name: w.family for w in workloads}
        names = [n for n in names if n in only or families.get(n) in only]
    return names


def render(
    names: list[str],
    flags: list[str],
    time: str = "00:30:00",
    cpus: int = 8,
    partition: str | None = None,
    root: Path = ROOT,
    gpus: int = 1,
    results: Path | None = None,
    python: str | None = None,
) -> str:
    """The job script for ``names`` with the runner flags ``flags``.

    Parameters
    ----------
    names : the array's tasks, one workload or study each, in task order.
    flags : flags for ``benchmarks.run`` (``--backends numpy,cupy``, ``--quick`` ...).
    time, cpus, partition : each task's Slurm time limit, CPU cores and partition.
    root : the checkout the tasks run in (``cd`` before ``python -m benchmarks.run``).
    gpus : GPUs per task (``#SBATCH --gres=gpu:<gpus>``); 0 asks for none.
    results : folder of the job's results and logs (default root/benchmarks/results/slurm).
    python : the interpreter of the tasks where ``$SCRATCH_PYTHON`` is unset
        (default: the one running this function).

    Returns
    -------
    str : the filled-in script.
    """
    if not names:
        raise ValueError("no workload to sweep: --only matched nothing")
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
        raise ValueError(f"--gpus must be a non-negative int, got {gpus!r}")
    if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
        raise ValueError(f"--cpus must be a positive int, got {cpus!r}")
    root = Path(root).resolve()
    results = Path(results).resolve() if results is not None else root / RESULTS.relative_to(ROOT)
    if _UNSAFE.search(str(results)):
        raise ValueError(f"--results must not hold spaces, quotes, $ or \\, got {str(results)!r}")
    shown = results.relative_to(root) if results.is_relative_to(root) else results
    extra = f"#SBATCH --partition={partition}" if partition else "# (default partition)"
    gres = f"#SBATCH --gres=gpu:{gpus}" if gpus else "# (no GPU asked for: --gpus 0)"
    fields = {
        "@@LAST@@": str(len(names) - 1),
        "@@GRES@@": gres,
        "@@CPUS@@": str(cpus),
        "@@TIME@@": time,
        "@@EXTRA@@": extra,
        "@@WORKLOADS@@": " ".join(shlex.quote(n) for n in names),
        "@@FLAGS@@": " ".join(shlex.quote(f) for f in flags),
        "@@RESULTS_ABS@@": str(results),
        "@@RESULTS@@": str(shown),
        "@@PYTHON@@": shlex.quote(python or sys.executable),
        "@@ROOT@@": shlex.quote(str(root)),
    }
    text = TEMPLATE.read_text()
    for key, value in fields.items():
        text = text.replace(key, value)
    return text


def submit(script: Path) -> str:
    """Submit ``script`` with ``sbatch --parsable``; return the job id (RuntimeError if refused)."""
    res = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(res.stderr.strip() or f"sbatch exited {res.returncode}")
    # --parsable prints "<job id>" or "<job id>;<cluster>"
    return res.stdout.strip().split(";")[0]


def wait(job_id: str, timeout: float | None = None, poll: float = 2.0) -> None:
    """Return once no task of ``job_id`` is pending, running or completing.

    Raises TimeoutError after ``timeout`` seconds (None: no limit) and RuntimeError when
    squeue keeps failing for another reason than a job the controller has forgotten.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    failures = 0
    while True:
        res = subprocess.run(
            ["squeue", "-h", "-j", job_id, "-o", "%i"], capture_output=True, text=True
        )
        if res.returncode == 0 and not res.stdout.strip():
            return
        if res.returncode != 0 and "Invalid job id" in res.stderr:
            return  # finished long enough ago that slurmctld purged it (MinJobAge)
        failures = failures + 1 if res.returncode != 0 else 0
        if failures >= 30:
            raise RuntimeError(f"squeue keeps failing: {res.stderr.strip()}")
        if deadline is not None and time.monotonic() > deadline:
            why = res.stderr.strip() if res.returncode else "tasks still queued or running"
            raise TimeoutError(f"job {job_id} not done after {timeout:g} s ({why})")
        time.sleep(poll)


def collect(job_id: str, names: list[str], results: Path) -> int:
    """Merge the tasks of a finished job; say which tasks left no results. Exit status."""
    from . import merge

    job_dir = results / job_id
    missing = [
        f"task {i} ({name}): see {results / 'logs' / f'{job_id}_{i}.out'}"
        for i, name in enumerate(names)
        if not (job_dir / str(i) / "results.json").exists()
    ]
    for line in missing:
        print(f"benchmarks.slurm: no results.json from {line}", file=sys.stderr)
    if len(missing) == len(names):
        return 1
    status = merge.main([str(job_dir)])
    return 1 if missing else status


def build_parser() -> argparse.ArgumentParser:
    from scratch.cli import HelpParser, plain

    p = HelpParser(prog="scratch bench slurm", description=plain(__doc__))
    p.add_argument("--dry-run", action="store_true", help="print the job script, submit nothing")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="pass --quick to every task")
    g.add_argument("--tiny", action="store_true", help="pass --tiny to every task")
    p.add_argument("--only", action="append", help="workloads, families or studies")
    p.add_argument("--backends", default="numpy,cupy", help="our backends in each task")
    p.add_argument("--curves", action="store_true", help="pass --curves to every task")
    p.add_argument("--time", default="00:30:00", help="time limit of each task")
    p.add_argument("--cpus", type=int, default=8, help="CPU cores per task")
    p.add_argument("--gpus", type=int, default=1, help="GPUs per task (0: ask for none)")
    p.add_argument("--partition", default=None, help="Slurm partition")
    p.add_argument(
        "--results",
        default=None,
        help="folder of the job's results and logs (default benchmarks/results/slurm)",
    )
    p.add_argument(
        "--python",
        default=None,
        help="the tasks' interpreter (default: this one; "
        "$SCRATCH_PYTHON in the job's environment wins)",
    )
    p.add_argument("--wait", action="store_true", help="wait for the array, then merge it")
    p.add_argument(
        "--wait-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up waiting after this long (default: no limit)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    only = [n.strip() for item in args.only or [] for n in item.split(",") if n.strip()]
    flags = ["--backends", args.backends]
    flags += ["--quick"] if args.quick else ["--tiny"] if args.tiny else []
    flags += ["--curves"] if args.curves else []
    results = Path(args.results).resolve() if args.results else RESULTS
    names = task_names(only)
    try:
        script = render(
            names,
            flags,
            args.time,
            args.cpus,
            args.partition,
            gpus=args.gpus,
            results=results,
            python=args.python,
        )
    except ValueError as e:
        print(f"benchmarks.slurm: error: {e}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(script, end="")
        return 0
    path = results / "sweep.sbatch"
    atomic_write_text(path, script)
    (results / "logs").mkdir(parents=True, exist_ok=True)
    if shutil.which("sbatch") is None:
        print(f"wrote {path}; sbatch is not on PATH: submit it on the cluster with sbatch {path}")
        return 1
    try:
        job_id = submit(path)
    except RuntimeError as e:
        print(f"benchmarks.slurm: sbatch refused {path}: {e}", file=sys.stderr)
        return 1
    print(
        f"submitted job {job_id} ({len(names)} tasks) -> {results / job_id}; merge with "
        f"python -m benchmarks.slurm.merge {results / job_id}",
        flush=True,
    )
    if not args.wait:
        return 0
    try:
        wait(job_id, args.wait_timeout)
    except (TimeoutError, RuntimeError) as e:
        print(f"benchmarks.slurm: {e}; it keeps running (scancel {job_id})", file=sys.stderr)
        return 1
    return collect(job_id, names, results)
