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
        curve=Curve("n_samples", full=[1000, 2000, 4000], quick=[250, 500], tiny=[20, 40]),
        dtype="float32",                     # optional: which matmul peak GFLOP/s is held against
    )

``make`` and each peer maker do all set-up (data generation, model construction) and
return a zero-argument closure that runs ONE repetition of the timed work; the runner
warms up, times repetitions (synchronizing the device), and computes the ratio of our
median to the peer's. A maker returns None, raises ImportError (missing library) or raises
NotApplicable("why") when it cannot run
here, and the row says so. ``device`` is "cpu" or "cuda" for peers that can use a GPU.

``curve`` (optional) asks for a scaling curve when the runner gets ``--curves``: each
value of the list for the chosen size ("full", "quick" or "tiny") replaces
``size[param]`` in that size's dict, and every backend and peer is timed at each point.
"""

from __future__ import annotations

import importlib
import pkgutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Curve:
    """Problem sizes for a scaling curve: ``param`` takes each listed value in turn.

    ``full`` is used by a full run; ``quick`` and ``tiny`` (default: the first two
    values of ``full``) by the ``--quick`` and ``--tiny`` runs.
    """

    param: str
    full: list
    quick: list | None = None
    tiny: list | None = None

    def values(self, size_name: str) -> list:
        """The values of ``param`` for the run size ``size_name``."""
        chosen = getattr(self, size_name, None) if size_name in ("quick", "tiny") else None
        return list(
            chosen if chosen is not None else self.full[: 2 if size_name != "full" else None]
        )


class NotApplicable(Exception):
    """A maker cannot run this size or device; its message says why (the row shows n/a)."""


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
    curve: Curve | None = None
    dtype: str = "float32"


def all_workloads() -> list[Workload]:
    """Every workload of every module in this package, in module order."""
    out = []
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        m = importlib.import_module(f"{__name__}.{mod.name}")
        out.extend(getattr(m, "WORKLOADS", []))
    return out


def discover() -> tuple[list[Workload], dict[str, str]]:
    """Like ``all_workloads``, but a module that fails to import is reported, not raised.

    Returns
    -------
    workloads : list of Workload
        From every module that imported.
    errors : dict
        Module name -> the last line of its import error.
    """
    workloads, errors = [], {}
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        try:
            m = importlib.import_module(f"{__name__}.{mod.name}")
        except Exception as e:  # noqa: BLE001 - a broken module must not stop the others
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            errors[mod.name] = last
            continue
        workloads.extend(getattr(m, "WORKLOADS", []))
    return workloads, errors
