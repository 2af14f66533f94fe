"""The benchmark runner: every workload on our backends and on its peers, in one process.

    python -m benchmarks.run [--quick | --tiny] [--only NAME[,NAME]] [--backends numpy,cupy]
                             [--no-peers] [--repeats N] [--out DIR] [--curves]
                             [--update-readme] [--quiet]
    scratch bench ...        (the same, from a source checkout)

For each workload, size and implementation: set-up (timed apart), one warm-up call
(the first-call time), then the timed repeats, each ending with a device
synchronization; medians, minima, ratios to the peers, GFLOP/s against this
machine's matmul measured in the same run, and peak host and device memory. Besides
the workloads it runs the studies ``image_io`` and ``gpu_memory`` (choose with
``--only``). Everything lands in ``--out`` (default
``benchmarks/results/<machine-name>/``): results.json, results.md and PNG charts.

The process runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: when they are set
it re-executes itself without them (OpenBLAS reads them only when it loads) and
records their original values and the BLAS kernel that ran.

Exit status: 0 when at least one measurement ran, 1 when all failed, 2 for bad flags.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from scratch.cli import HelpParser

from . import machine, report

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ("image_io", "gpu_memory")
# Per run size: repeats, the time after which repeats stop early, matmul n (cpu, gpu).
PROFILES = {
    "full": {"repeats": 7, "budget_s": 20.0, "matmul": (2048, 8192)},
    "quick": {"repeats": 3, "budget_s": 2.0, "matmul": (2048, 4096)},
    "tiny": {"repeats": 1, "budget_s": 0.0, "matmul": (512, 1024)},
}


def build_parser() -> argparse.ArgumentParser:
    p = HelpParser(
        prog="scratch bench",
        description="Benchmarks of scratch against its peers (see benchmarks/README.md).\n\n"
        "  scratch bench slurm [--dry-run] ...  the same benchmarks as a Slurm job array,\n"
        "                                       one task per workload "
        "(scratch bench slurm --help)",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (minutes on a CPU)")
    size.add_argument("--tiny", action="store_true", help="smoke-test sizes (seconds)")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME[,NAME]",
        help="workloads, families or studies (image_io, gpu_memory) to run (default: all)",
    )
    p.add_argument(
        "--backends",
        default=None,
        help="our backends, comma-separated, from numpy,strict,cupy,torch "
        "(default: numpy, plus cupy when a GPU is usable)",
    )
    p.add_argument(
        "--peers", action=argparse.BooleanOptionalAction, default=True, help="time the peers"
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repeats per cell (default: "
        + ", ".join(f"{k} {v['repeats']}" for k, v in PROFILES.items())
        + ", each profile stopping early after its time budget)",
    )
    p.add_argument(
        "--out", default=None, help="output folder (default benchmarks/results/<machine>)"
    )
    p.add_argument("--curves", action="store_true", help="also time the scaling curves")
    p.add_argument(
        "--update-readme",
        action="store_true",
        help="copy the tables into benchmarks/README.md between its result markers",
    )
    p.add_argument("--list", action="store_true", help="list workloads and studies, then exit")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    p.add_argument(
        "--profile",
        metavar="WORKLOAD",
        default=None,
        help="time one workload's phases (unfold, GEMM, fold, layout, bias, ...) on numpy "
        "instead of the benchmarks; writes profile_WORKLOAD.md into --out "
        "(default benchmarks/results/profiles)",
    )
    p.add_argument(
        "--keep-blas-env",
        action="store_true",
        help="do not unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (the results still record them)",
    )
    return p


def _reexec_without_blas_env(argv: list[str]) -> int | None:
    """Run this command again in a process without the OpenBLAS variables.

    Returns the child's exit status where the process cannot be replaced (Windows),
    and does not return at all on POSIX (``os.execve``).
    """
    env = machine.cleaned_environ()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "benchmarks.run", *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(sys.executable, cmd, env)
    import subprocess

    return subprocess.call(cmd, env=env)


def list_rows(suite) -> list[tuple[str, str, str, str]]:
    """(name, family, peers, sizes) of every workload, study and broken module, header first."""
    rows = [("NAME", "FAMILY", "PEERS", "SIZES")]
    for w in suite.workloads:
        sizes = ", ".join(f"{k}: {report.size_text(v)}" for k, v in w.sizes.items())
        rows.append((w.name, w.family, ", ".join(w.peers) or "no peer", sizes))
    rows += [(s, "study", "-", "-") for s in suite.studies]
    rows += [(k, "BROKEN", "-", str(v)) for k, v in suite.load_errors.items()]
    return rows


def list_text(suite) -> str:
    """``--list``: one line per row of ``list_rows``, each column starting at one offset.

    A column is as wide as its widest cell plus two spaces; the last one (the sizes)
    runs to the end of the line.
    """
    rows = list_rows(suite)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("".join(cell.ljust(w + 2) for cell, w in zip(r, widths)) + r[-1] for r in rows)


def _split(values: list[str] | None) -> list[str]:
    return [n.strip() for item in values or [] for n in item.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; see the module docstring for the flags and the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["slurm"]:
        from .slurm import main as slurm_main

        return slurm_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if args.repeats is not None and args.repeats < 1:
        print("scratch bench: error: --repeats must be a positive int", file=sys.stderr)
        return 2
    if machine.blas_env_to_clean() and not args.keep_blas_env:
        return _reexec_without_blas_env(argv)
    if args.profile:
        from . import profile

        size_name = "tiny" if args.tiny else "quick" if args.quick else "full"
        try:
            return profile.main(args.profile, size_name, args.repeats, args.out)
        except ValueError as e:
            print(f"scratch bench: error: {e}", file=sys.stderr)
            return 2
    from .suite import Suite

    try:
        suite = Suite.from_args(args)
    except ValueError as e:
        print(f"scratch bench: error: {e}", file=sys.stderr)
        return 2
    if args.list:
        print(list_text(suite))
        return 0
    t0 = time.perf_counter()
    results = suite.run()
    print(suite.summary(results, time.perf_counter() - t0))
    return 0 if suite.any_ran(results) else 1


if __name__ == "__main__":
    sys.exit(main())
