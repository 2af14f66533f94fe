"""PNG charts of a run: ratios to the peers, and scaling curves (time against size)."""

from __future__ import annotations

from pathlib import Path

from scratch.io import save_figure


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ratio_chart(rows: list[dict], path: Path) -> Path | None:
    """Horizontal bars: our median / the peer's, one bar per (workload, backend, peer).

    Log scale; the line at 1 separates "we are faster" (left) from "the peer is" (right).
    """
    bars = [
        (f"{r['workload']} {r['impl']} / {peer}", ratio)
        for r in rows
        if r["kind"] == "ours" and r["status"] == "ok"
        for peer, ratio in (r.get("ratios") or {}).items()
        if ratio > 0
    ]
    if not bars:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(bars) + 1.2))
    labels, values = zip(*bars)
    colors = ["#2a7" if v <= 1 else "#c44" for v in values]
    ax.barh(range(len(bars)), values, color=colors)
    ax.set_yticks(range(len(bars)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xlabel("time ratio ours / peer (median; < 1: ours faster)")
    ax.set_title("scratch vs peers")
    save_figure(fig, path)
    return path


def curve_charts(rows: list[dict], out: Path) -> list[Path]:
    """One PNG per workload with a scaling curve: median seconds against the parameter."""
    plt = _pyplot()
    paths = []
    for name in dict.fromkeys(r["workload"] for r in rows):
        mine = [r for r in rows if r["workload"] == name and r["status"] == "ok"]
        if not mine:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for impl in dict.fromkeys(r["impl"] for r in mine):
            pts = sorted((r["curve_value"], r["median_s"]) for r in mine if r["impl"] == impl)
            xs, ys = zip(*pts)
            ax.plot(xs, ys, marker="o", label=impl, ls="-" if len(pts) > 1 else "none")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(mine[0]["curve_param"])
        ax.set_ylabel("median seconds per call")
        ax.set_title(f"{name}: time against problem size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        path = out / f"curve_{name}.png"
        save_figure(fig, path)
        paths.append(path)
    return paths
