"""Workloads: one module per algorithm family, each exposing ``WORKLOADS``.

A workload is a fixed job run on every available backend of ours and on each peer,
in one process::

    Workload(
        name="kmeans",                       # row name in the tables
        family="classic",                    # which issue/area it belongs to
        sizes={"full": {...}, "quick": {...}, "tiny": {...}},
        make=make_ours,                      # (bk: Backend, size: dict) -> Callable[[], object]
        peers={"sklearn": make_peer},        # name -> (size: dict, device: str) -> Callable | None
        flops=lambda size: 2.0 * n * k * d,  # optional: FLOPs of one call, for GFLOP/s
        backends=("numpy", "strict", "cupy", "torch"),  # ours to try (default: all available)
    )

``make`` and each peer maker do all set-up (data generation, model construction) and
return a zero-argument closure that runs ONE repetition of the timed work; the runner
warms up, times repetitions (synchronizing the device), and computes the ratio of our
median to the peer's. A maker returns None (or raises ImportError) when it cannot run
here, and the row says so. ``device`` is "cpu" or "cuda" for peers that can use a GPU.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Workload:
    name: str
    family: str
    sizes: dict[str, dict]
    make: Callable
    peers: dict[str, Callable] = field(default_factory=dict)
    flops: Callable[[dict], float] | None = None
    backends: tuple[str, ...] = ("numpy", "strict", "cupy", "torch")
    description: str = ""


def all_workloads() -> list[Workload]:
    """Every workload of every module in this package, in module order."""
    out = []
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        m = importlib.import_module(f"{__name__}.{mod.name}")
        out.extend(getattr(m, "WORKLOADS", []))
    return out
