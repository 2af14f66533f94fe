"""Benchmark sweeps on a Slurm cluster: one workload per job-array task, then a merge.

    python -m benchmarks.slurm --dry-run [--quick | --tiny] [--only NAME[,NAME]]
    python -m benchmarks.slurm [...]           # writes the script and submits it with sbatch
    scratch bench slurm --dry-run              # the same, through the scratch command
    python -m benchmarks.slurm.merge benchmarks/results/slurm/<job id>

The job script is ``sweep.sbatch`` beside this file with its fields filled in: the
array has one task per workload (and per study, image_io and gpu_memory), each asks
for one GPU (``--gres=gpu:1``) and runs ``python -m benchmarks.run --only <name>
--out benchmarks/results/slurm/<job id>/<task>``. ``merge`` gathers the tasks'
results.json into the same results.json, results.md and charts as a local run.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from scratch.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).resolve().parent / "sweep.sbatch"


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
) -> str:
    """The job script for ``names`` with the runner flags ``flags``."""
    if not names:
        raise ValueError("no workload to sweep: --only matched nothing")
    extra = f"#SBATCH --partition={partition}" if partition else "# (default partition)"
    fields = {
        "@@LAST@@": str(len(names) - 1),
        "@@CPUS@@": str(cpus),
        "@@TIME@@": time,
        "@@EXTRA@@": extra,
        "@@WORKLOADS@@": " ".join(shlex.quote(n) for n in names),
        "@@FLAGS@@": " ".join(shlex.quote(f) for f in flags),
        "@@ROOT@@": str(root),
    }
    text = TEMPLATE.read_text()
    for key, value in fields.items():
        text = text.replace(key, value)
    return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.slurm", description=__doc__)
    p.add_argument("--dry-run", action="store_true", help="print the job script, submit nothing")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="pass --quick to every task")
    g.add_argument("--tiny", action="store_true", help="pass --tiny to every task")
    p.add_argument("--only", action="append", help="workloads, families or studies")
    p.add_argument("--backends", default="numpy,cupy", help="our backends in each task")
    p.add_argument("--curves", action="store_true", help="pass --curves to every task")
    p.add_argument("--time", default="00:30:00", help="time limit of each task")
    p.add_argument("--cpus", type=int, default=8, help="CPU cores per task")
    p.add_argument("--partition", default=None, help="Slurm partition")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    only = [n.strip() for item in args.only or [] for n in item.split(",") if n.strip()]
    flags = ["--backends", args.backends]
    flags += ["--quick"] if args.quick else ["--tiny"] if args.tiny else []
    flags += ["--curves"] if args.curves else []
    try:
        script = render(task_names(only), flags, args.time, args.cpus, args.partition)
    except ValueError as e:
        print(f"benchmarks.slurm: error: {e}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(script, end="")
        return 0
    path = ROOT / "benchmarks" / "results" / "slurm" / "sweep.sbatch"
    atomic_write_text(path, script)
    (path.parent / "logs").mkdir(parents=True, exist_ok=True)
    if shutil.which("sbatch") is None:
        print(f"wrote {path}; sbatch is not on PATH: submit it on the cluster with sbatch {path}")
        return 1
    return subprocess.call(["sbatch", str(path)])
