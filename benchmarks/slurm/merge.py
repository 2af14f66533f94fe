"""Merge the per-task results of a Slurm sweep into one results.json, results.md, charts.

    python -m benchmarks.slurm.merge benchmarks/results/slurm/<job id> [--out DIR]

Every ``<task>/results.json`` below the job folder contributes its rows, curves and
studies. Each row keeps the ratio and % of matmul computed in its own task (the
peer and the matmul yardstick ran on the same node as the row). The machine of the
merged file is the first task's; ``nodes`` lists every distinct machine. The ratio and
curve charts are drawn again from the merged rows; the figures a study drew in its own
task (image_io.png, gpu_memory.png) are copied beside the merged results.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scratch.io import atomic_write_bytes

from .. import charts, report


def _task_key(path: Path):
    name = path.parent.name
    return (0, int(name)) if name.isdigit() else (1, name)


def _task_files(job_dir: Path) -> list[Path]:
    files = sorted(job_dir.glob("*/results.json"), key=_task_key)
    if not files:
        raise ValueError(f"no <task>/results.json under {job_dir}")
    return files


def merge(job_dir: Path) -> dict:
    """The merged results of every task folder under ``job_dir`` (ValueError if none)."""
    files = _task_files(job_dir)
    parts = [json.loads(f.read_text()) for f in files]
    merged = {
        "created": max(p["created"] for p in parts),
        "size_name": parts[0]["size_name"],
        "backends": parts[0].get("backends"),
        "peers": parts[0].get("peers"),
        "repeats": parts[0].get("repeats"),
        "machine": parts[0]["machine"],
        "nodes": list({p["machine"]["name"]: p["machine"] for p in parts}.values()),
        "matmul": parts[0].get("matmul", {}),
        "load_errors": {},
        "rows": [],
        "curves": [],
        "studies": {},
        "figures": [],
        "tasks": [str(f.parent.relative_to(job_dir)) for f in files],
    }
    for p in parts:
        merged["load_errors"].update(p.get("load_errors") or {})
        merged["rows"].extend(p.get("rows", []))
        merged["curves"].extend(p.get("curves", []))
        merged["studies"].update(p.get("studies") or {})
    return merged


def study_figures(job_dir: Path) -> list[Path]:
    """The figure files the tasks' studies drew, each in its own task folder."""
    paths = []
    for f in _task_files(job_dir):
        for study in (json.loads(f.read_text()).get("studies") or {}).values():
            paths += [f.parent / name for name in study.get("figures") or []]
    return [p for p in paths if p.is_file()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.slurm.merge", description=__doc__)
    p.add_argument("job_dir", help="benchmarks/results/slurm/<job id>")
    p.add_argument("--out", default=None, help="where to write (default: the job folder)")
    args = p.parse_args(argv)
    job_dir = Path(args.job_dir)
    out = Path(args.out) if args.out else job_dir
    try:
        merged = merge(job_dir)
    except ValueError as e:
        print(f"merge: error: {e}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    figs = []
    try:
        ratio = charts.ratio_chart(merged["rows"], out / "ratios.png")
        figs = ([ratio.name] if ratio else []) + [
            c.name for c in charts.curve_charts(merged["curves"], out)
        ]
    except ImportError:
        pass
    for src in study_figures(job_dir):
        atomic_write_bytes(out / src.name, src.read_bytes())
        figs.append(src.name)
    merged["figures"] = figs
    report.write(merged, out)
    print(
        f"merged {len(merged['tasks'])} tasks, {len(merged['rows'])} rows -> {out / 'results.md'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
