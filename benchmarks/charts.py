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
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fig, ax = plt.subplots(figsize=(8, 0.35 * len(bars) + 1.2))
    labels, values = zip(*bars)
    colors = ["#2a7" if v <= 1 else "#c44" for v in values]
    ys = range(len(bars))
    # bars grow from 1 (equal speed): leftwards when ours is faster, rightwards when slower
    ax.barh(ys, [v - 1 for v in values], left=1, color=colors)
    for y, v in zip(ys, values):
        ax.text(v, y, f" {v:.3g}× ", va="center", ha="left" if v > 1 else "right", fontsize=8)
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    span = max(max(values), 1 / min(values)) * 2.5
    ax.set_xlim(1 / span, span)
    ax.set_xticks([2.0**k for k in range(-12, 13) if 1 / span <= 2.0**k <= span])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"1/{1 / x:g}" if x < 1 else f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xlabel("time ratio ours / peer (median): left of 1 ours is faster, right the peer")
    ax.set_title("scratch vs peers")
    save_figure(fig, path)
    return path


def curve_charts(rows: list[dict], out: Path) -> list[Path]:
    """One PNG per workload with a scaling curve: median seconds against the parameter."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, NullFormatter

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
        ax.set_xticks(sorted({r["curve_value"] for r in mine}))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(axis="x", labelrotation=45)  # close sizes (8000, 10000) must not collide
        ax.set_xlabel(mine[0]["curve_param"])
        ax.set_ylabel("median seconds per call")
        ax.set_title(f"{name}: time against problem size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        path = out / f"curve_{name}.png"
        save_figure(fig, path)
        paths.append(path)
    return paths
