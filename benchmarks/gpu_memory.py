"""How CuPy's memory pool holds and frees device memory during training steps.

CuPy does not hand freed arrays back to the driver: their blocks return to its
memory pool and serve the next allocation of a similar size. So two numbers tell
the story after each phase of a step:

- used: bytes in live arrays (``pool.used_bytes()``);
- held: bytes the pool has taken from the GPU (``pool.total_bytes()``), used or not.

The study trains a small MLP (scratch.nn + scratch.optim.Adam) on the cupy backend
for two steps and reads both after: model on device, batch on device, forward,
backward, optimizer step, graph and batch released; then ``free_all_blocks()``. The
first step grows "held" (activations, gradients, Adam's moment buffers); the second
reuses the pool's blocks, so "held" stays put while "used" rises and falls; and only
``free_all_blocks`` gives the unused blocks back to the GPU.

    python -m benchmarks.gpu_memory [--out DIR]
    scratch bench --only gpu_memory

Without a usable GPU it says so, records a note and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from scratch.io import atomic_write_text

SIZES = {
    "full": {"batch": 1024, "width": 4096, "depth": 3, "steps": 2},
    "quick": {"batch": 512, "width": 2048, "depth": 3, "steps": 2},
    "tiny": {"batch": 64, "width": 128, "depth": 2, "steps": 2},
}
NEEDS_GPU = "needs a GPU with CuPy: skipped on this machine"


def cupy_probe() -> tuple[Callable[[], tuple[int, int]], Callable[[], None]]:
    """(read (used, held) bytes of CuPy's default pool, free its unused blocks)."""
    import cupy

    pool = cupy.get_default_memory_pool()

    def read() -> tuple[int, int]:
        cupy.cuda.Device().synchronize()
        return pool.used_bytes(), pool.total_bytes()

    return read, pool.free_all_blocks


def training_phases(
    bk, read: Callable[[], tuple[int, int]], free: Callable[[], None], size: dict
) -> list[dict]:
    """Train ``size['steps']`` steps on backend ``bk``; (phase, used, held) after each phase."""
    from scratch import functional as F
    from scratch import nn, optim
    from scratch.autograd import Tensor

    rows = []

    def note(phase: str) -> None:
        used, held = read()
        rows.append({"phase": phase, "used_bytes": int(used), "held_bytes": int(held)})

    free()
    note("start (pool emptied)")
    d, width, classes = 784, size["width"], 10
    layers = []
    for i in range(size["depth"]):
        layers += [nn.Linear(d if i == 0 else width, width, backend=bk, rng=i), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(width, classes, backend=bk, rng=99))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    note("model on device")
    rng = bk.rng(0)
    for step in range(1, size["steps"] + 1):
        x = Tensor(rng.normal(size=(size["batch"], d), dtype=bk.float32))
        y = rng.integers(0, classes, size=(size["batch"],))
        note(f"step {step}: batch on device")
        loss = F.cross_entropy(model(x), y)
        note(f"step {step}: forward")
        loss.backward()
        note(f"step {step}: backward")
        opt.step()
        note(f"step {step}: optimizer step")
        opt.zero_grad()
        del x, y, loss
        note(f"step {step}: graph and batch released")
    del model, opt, layers
    note("model and optimizer released")
    free()
    note("free_all_blocks()")
    return rows


def markdown(rows: list[dict], size: dict) -> str:
    lines = [
        f"MLP {size['depth']}x{size['width']} (Adam), batch {size['batch']}; CuPy memory pool "
        "after each phase (used: live arrays; held: taken from the GPU by the pool).",
        "",
        "| phase | used MiB | held MiB | held but unused MiB |",
        "|---|--:|--:|--:|",
    ]
    for r in rows:
        u, h = r["used_bytes"] / 2**20, r["held_bytes"] / 2**20
        lines.append(f"| {r['phase']} | {u:.1f} | {h:.1f} | {h - u:.1f} |")
    return "\n".join(lines) + "\n"


def chart(rows: list[dict], path: Path) -> Path:
    from scratch.io import save_figure

    from .charts import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    xs = range(len(rows))
    ax.step(xs, [r["held_bytes"] / 2**20 for r in rows], where="mid", label="held by the pool")
    ax.plot(xs, [r["used_bytes"] / 2**20 for r in rows], "o-", label="used by live arrays")
    ax.set_xticks(list(xs), [r["phase"] for r in rows], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("MiB")
    ax.set_title("CuPy memory pool during training steps")
    ax.legend()
    save_figure(fig, path)
    return path


def _gpu_backend():
    from scratch import backend

    try:
        return backend.get("cupy")
    except backend.BackendError:
        return None


def run_study(size_name: str, out: Path, use_gpu: bool, quiet: bool) -> dict:
    """The study as the runner records it (status "skipped" with a note without a GPU)."""
    bk = _gpu_backend()
    if bk is None:
        res = {"status": "skipped", "note": f"gpu_memory {NEEDS_GPU}."}
        atomic_write_text(out / "gpu_memory.json", json.dumps(res, indent=1) + "\n")
        return res
    size = SIZES[size_name]
    read, free = cupy_probe()
    rows = training_phases(bk, read, free, size)
    md = markdown(rows, size)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "gpu_memory.md", md)
    figures = []
    try:
        figures = [chart(rows, out / "gpu_memory.png").name]
    except ImportError:
        pass
    res = {"status": "ok", "size": size, "rows": rows, "markdown": md, "figures": figures}
    atomic_write_text(out / "gpu_memory.json", json.dumps(res, indent=1) + "\n")
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu_memory", description=__doc__)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true")
    g.add_argument("--tiny", action="store_true")
    p.add_argument("--out", default="benchmarks/results/gpu_memory")
    args = p.parse_args(argv)
    size_name = "tiny" if args.tiny else "quick" if args.quick else "full"
    res = run_study(size_name, Path(args.out), use_gpu=True, quiet=True)
    print(res.get("markdown") or res["note"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
