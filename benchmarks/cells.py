"""One cell of the benchmark table: one workload, one size, one implementation.

An implementation is one of our backends (``numpy``, ``cupy``, ``torch``, ``strict``)
or a peer on a device (``sklearn``, ``torch``, ``torch-cuda``, ...). ``run_cell``
builds it (set-up, timed apart), times it with ``timing.measure`` and returns a row:
a plain dict that goes as it is into results.json. A failure becomes the row's
status and message; it never propagates, so one broken workload cannot stop a run.
"""

from __future__ import annotations

import gc
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from scratch import backend

from . import timing
from .workloads import NotApplicable, Workload

# Row statuses: ok; missing (a library or backend is not installed here);
# n/a (the maker said it cannot run here); error (it raised).
OK, MISSING, NA, ERROR = "ok", "missing", "n/a", "error"


@dataclass
class Impl:
    """How to build one implementation of a workload."""

    label: str  # column label: numpy, cupy, sklearn, torch-cuda
    kind: str  # "ours" or "peer"
    device: str  # "cpu" or "cuda": which synchronization and which matmul yardstick
    build: Callable[[dict], Callable | None]  # size -> closure (or None: not here)
    peer: str | None = None  # the peer's name without the device suffix
    sync: Callable[[], None] | None = None  # waits for queued device work (None: by device)


def _backend_device(bk: backend.Backend) -> str:
    if bk.name == "cupy" or str(bk.device).startswith("cuda"):
        return "cuda"
    return "cpu"


def implementations(
    w: Workload, backends: list[str], peers: bool, gpu: bool
) -> tuple[list[Impl], list[dict]]:
    """Our backends (those of ``backends`` that ``w`` supports) and its peers.

    Returns the implementations and rows for the backends that are not usable here.
    Peers run on "cpu", and also on "cuda" when ``gpu`` (a peer maker returns None on
    a device it does not support, and that row is dropped).
    """
    impls, missing = [], []
    for name in backends:
        if name.split(":")[0] not in w.backends:
            continue
        try:
            bk = backend.get(name)
        except backend.BackendError as e:
            missing.append({"impl": name, "kind": "ours", "status": MISSING, "error": str(e)})
            continue
        build = lambda size, bk=bk: w.make(bk, size)  # noqa: E731 - binds bk per backend
        label = f"scratch-{name}" if name in w.peers else name  # our torch backend vs torch
        impls.append(Impl(label, "ours", _backend_device(bk), build, sync=bk.synchronize))
    if peers:
        for pname, pmake in w.peers.items():
            for dev in ("cpu", "cuda") if gpu else ("cpu",):
                label = pname if dev == "cpu" else f"{pname}-cuda"
                impls.append(
                    Impl(label, "peer", dev, lambda size, m=pmake, d=dev: m(size, d), peer=pname)
                )
    return impls, missing


def describe_error(e: BaseException) -> str:
    """The last line of the exception, at most 300 characters."""
    return traceback.format_exception_only(type(e), e)[-1].strip()[:300]


def run_cell(
    w: Workload,
    impl: Impl,
    size_name: str,
    size: dict,
    repeats: int,
    budget_s: float,
) -> dict | None:
    """Build and time ``impl`` on ``size``; the row, or None for a peer with no such device."""
    row = {
        "workload": w.name,
        "family": w.family,
        "size_name": size_name,
        "size": dict(size),
        "impl": impl.label,
        "kind": impl.kind,
        "peer": impl.peer,
        "device": impl.device,
        "dtype": w.dtype,
        "status": OK,
        "error": None,
    }
    fn = None
    try:
        t0 = time.perf_counter()
        fn = impl.build(size)
        row["setup_s"] = time.perf_counter() - t0
        if fn is None:
            if impl.device != "cpu":
                return None
            row.update(status=NA, error="the maker returned None: it cannot run here")
            return row
        t = timing.measure(
            fn,
            impl.sync or timing.sync_for(impl.device),
            device=impl.device,
            repeats=repeats,
            budget_s=budget_s,
        )
    except NotApplicable as e:
        if impl.device != "cpu":
            return None
        row.update(status=NA, error=str(e))
        return row
    except (ImportError, backend.BackendError) as e:
        row.update(status=MISSING, error=describe_error(e))
        return row
    except Exception as e:  # noqa: BLE001 - one failing cell is reported, the run goes on
        row.update(status=ERROR, error=describe_error(e))
        return row
    finally:
        del fn
        gc.collect()
    row.update(
        first_s=t.first_s,
        times_s=t.times_s,
        median_s=t.median_s,
        min_s=t.min_s,
        host_peak_bytes=t.host_peak_bytes,
        device_peak_bytes=t.device_peak_bytes,
    )
    if w.flops is not None:
        try:
            row["flops"] = float(w.flops(size))
            row["gflops"] = row["flops"] / t.median_s / 1e9
        except Exception as e:  # noqa: BLE001 - a wrong flops formula spoils only that column
            row["flops_error"] = describe_error(e)
    return row


def add_ratios(rows: list[dict], peaks: dict) -> None:
    """Fill ``ratios`` (our median / the peer's, same workload and size) and ``pct_matmul``.

    Each of our rows is held against every peer: its run on the same device when there
    is one (cupy vs torch-cuda), else its CPU run (cupy vs scikit-learn).
    """
    for r in rows:
        if r.get("gflops") is not None:
            peak = peaks.get(f"{r['device']}-{r['dtype']}")
            if peak:
                r["pct_matmul"] = 100.0 * r["gflops"] / peak["gflops"]
    ok = [r for r in rows if r["status"] == OK]
    for r in ok:
        if r["kind"] != "ours":
            continue
        same = [p for p in ok if p["kind"] == "peer" and _same_problem(p, r)]
        ratios = {}
        for name in dict.fromkeys(p["peer"] for p in same):
            cands = [p for p in same if p["peer"] == name]
            match = [p for p in cands if p["device"] == r["device"]] or [
                p for p in cands if p["device"] == "cpu"
            ]
            if match:
                ratios[match[0]["impl"]] = r["median_s"] / match[0]["median_s"]
        r["ratios"] = ratios


def _same_problem(a: dict, b: dict) -> bool:
    return (
        a["workload"] == b["workload"]
        and a["size"] == b["size"]
        and a.get("curve_value") == b.get("curve_value")
    )
