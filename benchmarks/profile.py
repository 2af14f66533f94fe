r"""``scratch bench --profile WORKLOAD``: where one workload's time goes, phase by phase.

The convolution and normalization engines mark the end of each step
(``scratch.profiling.mark``: a no-op outside a recording); this module runs
the workload's own closure (the benchmark's sizes, data and forward + backward) inside
a recording, best of and median over the repeats, then the torch peer's closure as
many times in the same process (not call by call: see ``profile``). The phases:

========== ==================================================================
unfold     the window copy that makes the im2col columns X_col
GEMM       the matrix products (forward, input and weight gradients)
fold       col2im's strided slice-adds (strides > 1)
layout     NCHW <-> NHWC transposes and pads, GEMM rows, stores into the output
bias       adding the bias, and its gradient (a sum over (n, h, w))
statistics the reductions of a normalization (means, variances, their gradients)
elementwise  a normalization's passes that write a full-size array
other      the rest of the call: autograd bookkeeping, checks, allocation
========== ==================================================================

Two yardsticks, measured in the same process: the float32 matmul (GFLOP/s of the GEMM
phase and of the whole call, for workloads that state their FLOPs) and the copy
bandwidth (``b[...] = a`` on 64 MiB arrays, bytes read + written per second), which
turns each phase of a memory-bound workload into bytes moved per element of its tensor.
Phases are host wall-clock, exact on CPU libraries, so the profile runs on NumPy.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import numpy as np

from scratch import backend
from scratch import profiling as _phases
from scratch.io import atomic_write_text

from . import machine, workloads

CATEGORIES = ("unfold", "GEMM", "fold", "layout", "bias", "statistics", "elementwise")


def copy_bandwidth(nbytes: int = 64 * 2**20, repeats: int = 5) -> float:
    """Bytes per second of ``b[...] = a`` (one read plus one write of each byte), best of."""
    a = np.ones(nbytes // 4, dtype=np.float32)
    b = np.empty_like(a)
    best = math.inf
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        b[...] = a
        best = min(best, time.perf_counter() - t0)
    return 2.0 * nbytes / best


def _elements(size: dict) -> int | None:
    """Numbers in the workload's input tensor (batch norm's x), None for convolutions."""
    if {"n", "c", "h"} <= set(size):
        return size["n"] * size["c"] * size["h"] * size["h"]
    return None


def profile(
    name: str, size_name: str = "quick", repeats: int = 10, peer: str | None = "torch"
) -> dict:
    """Time ``name``'s closure per phase; the raw numbers behind ``markdown``.

    Returns a dict: workload, size, repeats, phases {phase: [seconds per repeat]}, total
    [seconds per repeat], peer name and its [seconds per repeat] (empty when it is not
    installed), flops (or None), elements (or None), matmul_gflops, copy_bytes_per_s.
    """
    found, errors = workloads.discover()
    by_name = {w.name: w for w in found}
    if name not in by_name:
        raise ValueError(
            f"--profile: unknown workload {name!r}; choose from {', '.join(sorted(by_name))}"
        )
    w = by_name[name]
    size = w.sizes[size_name]
    step = w.make(backend.get("numpy"), size)
    peer_step = None
    if peer not in w.peers and w.peers:  # e.g. scikit-learn for the classic estimators
        peer = next(iter(w.peers))
    if peer in w.peers:
        try:
            peer_step = w.peers[peer](size, "cpu")
        except ImportError:
            peer_step = None
    step()  # warm-up: first-call costs are not a phase
    if peer_step is not None:
        peer_step()
    phases: dict[str, list[float]] = {}
    totals, peer_totals = [], []
    for r in range(repeats):
        with _phases.recording() as seconds:
            t0 = time.perf_counter()
            step()
            totals.append(time.perf_counter() - t0)
        for key in set(phases) | set(seconds):
            phases.setdefault(key, [0.0] * r).append(seconds.get(key, 0.0))
    # The peer after ours, as in the benchmark suite: PyTorch's OpenMP threads keep
    # spinning for a while after each call, and measured here, calls interleaved one by
    # one slowed our OpenBLAS GEMMs on the two shared cores by up to 10x.
    for _ in range(repeats if peer_step is not None else 0):
        t0 = time.perf_counter()
        peer_step()
        peer_totals.append(time.perf_counter() - t0)
    peaks = machine.matmul_peaks(n_cpu=1024, repeats=3, gpu=False)
    return {
        "workload": name,
        "size_name": size_name,
        "size": size,
        "repeats": repeats,
        "phases": phases,
        "total": totals,
        "peer": peer if peer_step is not None else None,
        "peer_total": peer_totals,
        "flops": w.flops(size) if w.flops else None,
        "elements": _elements(size),
        "matmul_gflops": peaks["cpu-float32"]["gflops"],
        "copy_bytes_per_s": copy_bandwidth(),
    }


def rows(result: dict) -> list[tuple[str, float, float, float]]:
    """(phase, median ms, min ms, share of the median total) in CATEGORIES order, then other.

    ``other`` is, per repeat, the call's total minus its marked phases.
    """
    phases, totals = result["phases"], result["total"]
    names = [c for c in CATEGORIES if c in phases] + sorted(set(phases) - set(CATEGORIES))
    marked = [sum(phases[k][i] for k in phases) for i in range(len(totals))]
    series = [(k, phases[k]) for k in names]
    series.append(("other", [t - s for t, s in zip(totals, marked)]))
    med_total = statistics.median(totals)
    return [
        (k, 1e3 * statistics.median(v), 1e3 * min(v), statistics.median(v) / med_total)
        for k, v in series
    ]


def markdown(result: dict) -> str:
    """The profile as a markdown table with the yardsticks and the peer, ready to print."""
    size_text = " ".join(f"{k}={v}" for k, v in result["size"].items())
    med_total, min_total = statistics.median(result["total"]), min(result["total"])
    gflops, bw = result["matmul_gflops"], result["copy_bytes_per_s"]
    flops, elements = result["flops"], result["elements"]
    lines = [
        f"### Profile: {result['workload']} ({result['size_name']}: {size_text})",
        "",
        f"numpy, forward + backward, {result['repeats']} repeats (median and min per phase); "
        f"yardsticks measured in the same process: float32 matmul {gflops:.0f} GFLOP/s, "
        f"copy bandwidth {bw / 1e9:.1f} GB/s (read + write).",
        "",
        "| phase | median ms | min ms | share | note |",
        "|---|--:|--:|--:|---|",
    ]
    for phase, med, mn, share in rows(result):
        note = ""
        if phase == "GEMM" and flops:
            rate = flops / (med / 1e3) / 1e9
            note = f"{rate:.0f} GFLOP/s, {100 * rate / gflops:.0f}% of matmul"
        elif elements and phase != "other":
            note = f"{(med / 1e3) * bw / elements:.1f} B/element at copy bandwidth"
        lines.append(f"| {phase} | {med:.2f} | {mn:.2f} | {100 * share:.0f}% | {note} |")
    total_note = ""
    if flops:
        rate = flops / med_total / 1e9
        total_note = f"{rate:.0f} GFLOP/s, {100 * rate / gflops:.0f}% of matmul"
    elif elements:
        total_note = f"{med_total * bw / elements:.1f} B/element at copy bandwidth"
    lines.append(
        f"| **total** | {1e3 * med_total:.2f} | {1e3 * min_total:.2f} | 100% | {total_note} |"
    )
    if result["peer"]:
        peer_med, peer_min = statistics.median(result["peer_total"]), min(result["peer_total"])
        lines.append(
            f"| {result['peer']} (same process) | {1e3 * peer_med:.2f} | {1e3 * peer_min:.2f} "
            f"| | ours / {result['peer']}: {med_total / peer_med:.2f} (median), "
            f"{min_total / peer_min:.2f} (min) |"
        )
    if elements:
        lines += [
            "",
            f"B/element: the phase's time times the copy bandwidth, per element of x "
            f"({elements} numbers of 4 bytes): 8 is one read and one write of a float32 "
            "array at copy speed. Two passes each way move 32: forward 12 (read x for "
            "the statistics; read x, write y), backward 20 (read dy and x for the "
            "sums; read dy and x, write dx). The engine (functional/_norm_engine.py) "
            "moves 32 + 48 by design, in fewer library calls.",
        ]
    return "\n".join(lines) + "\n"


def main(name: str, size_name: str, repeats: int | None, out: str | None) -> int:
    """Profile ``name``, print the table, write ``profile_<name>.md`` into ``out``."""
    result = profile(name, size_name, repeats or (3 if size_name == "tiny" else 10))
    text = markdown(result)
    print(text)
    folder = Path(out) if out else Path(__file__).resolve().parent / "results" / "profiles"
    path = folder / f"profile_{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    print(f"written to {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """``python -m benchmarks.profile WORKLOAD [--quick | --tiny] [--repeats N] [--out DIR]``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    p.add_argument("workload")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true")
    size.add_argument("--tiny", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--out", default=None)
    return p


if __name__ == "__main__":
    import sys

    a = build_parser().parse_args()
    size_name = "tiny" if a.tiny else "quick" if a.quick else "full"
    sys.exit(main(a.workload, size_name, a.repeats, a.out))
