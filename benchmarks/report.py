"""Writing results: results.json (every raw number) and results.md (the tables).

The markdown table has one row per workload, size and implementation:

- median ms, min ms: over the timed repeats (after one warm-up call);
- first ms: the warm-up call alone (compilation, caches, lazy imports);
- vs peer: our median / the peer's median (below 1: we are faster);
- GFLOP/s and % matmul: the workload's FLOPs / median, and that as a share of this
  machine's own matmul GFLOP/s on the same device and dtype, measured in the same run;
- host MiB, device MiB: peak memory growth during the repeats (see benchmarks/timing.py).

``update_readme`` copies the tables between markers into benchmarks/README.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from scratch.io import atomic_write_text

README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"


def size_text(size: dict) -> str:
    """A size dict in a cell: {'n': 2000, 'd': 20} -> 'n=2000 d=20'."""
    return " ".join(f"{k}={v}" for k, v in size.items())


def _ms(x) -> str:
    if x is None:
        return ""
    ms = 1e3 * x
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def _mib(b) -> str:
    return "" if b is None else f"{b / 2**20:.1f}"


def _num(x, fmt: str = "{:.3g}") -> str:
    return "" if x is None else fmt.format(x)


def _ratios(r: dict) -> str:
    return ", ".join(f"{v:.3g}× {k}" for k, v in (r.get("ratios") or {}).items())


def table(rows: list[dict]) -> str:
    """The markdown table of benchmark rows (status other than ok in the last column)."""
    head = (
        "| workload | size | impl | median ms | min ms | first ms | vs peer | GFLOP/s "
        "| % matmul | host MiB | device MiB | status |\n"
        "|---|---|---|--:|--:|--:|---|--:|--:|--:|--:|---|\n"
    )
    lines = []
    for r in rows:
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('error') or ''}"
        status = status.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r['workload']} | {size_text(r.get('size', {}))} | {r['impl']} "
            f"| {_ms(r.get('median_s'))} | {_ms(r.get('min_s'))} | {_ms(r.get('first_s'))} "
            f"| {_ratios(r)} | {_num(r.get('gflops'))} | {_num(r.get('pct_matmul'), '{:.1f}')} "
            f"| {_mib(r.get('host_peak_bytes'))} | {_mib(r.get('device_peak_bytes'))} | {status} |"
        )
    return head + "\n".join(lines) + "\n"


def curve_table(rows: list[dict]) -> str:
    """Scaling curves as a table: workload, parameter value, implementation, median ms."""
    head = "| workload | parameter | impl | median ms | status |\n|---|---|---|--:|---|\n"
    lines = [
        f"| {r['workload']} | {r['curve_param']}={r['curve_value']} | {r['impl']} "
        f"| {_ms(r.get('median_s'))} | {r['status']} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def machine_text(m: dict) -> str:
    """One paragraph: the machine, its BLAS kernel and the OpenBLAS environment."""
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')} kernel {b.get('architecture')}, "
        f"{b.get('num_threads')} threads"
        for b in m.get("blas", [])
        if "error" not in b
    )
    env = ", ".join(
        f"{k}={v if v is not None else 'unset'}" for k, v in m["blas_env_original"].items()
    )
    ran = ", ".join(
        f"{k}={v if v is not None else 'unset'}" for k, v in m["blas_env_in_run"].items()
    )
    gpu = f", GPU {m['gpu']}" if m.get("gpu") else ""
    return (
        f"Machine `{m['name']}`: {m['cpu']}, {m['cores']} cores{gpu}; BLAS {blas or 'unknown'}. "
        f"OpenBLAS environment as found: {env}; during the run: {ran}."
    )


def peaks_text(peaks: dict) -> str:
    return "Matmul yardstick (GFLOP/s): " + ", ".join(
        f"{k} {v['gflops']:.0f} (n={v['n']})" for k, v in peaks.items()
    )


def markdown(results: dict) -> str:
    """results.md: machine, matmul yardstick, load errors, the tables, studies, charts."""
    parts = [
        f"# Benchmarks ({results['size_name']} sizes, {results['created']})",
        "",
        machine_text(results["machine"]),
        "",
        peaks_text(results.get("matmul", {})),
        "",
    ]
    if results.get("load_errors"):
        parts += ["Workload modules that failed to import:", ""]
        parts += [f"- `{k}`: {v}" for k, v in results["load_errors"].items()]
        parts.append("")
    if results.get("rows"):
        parts += [
            "Times in ms: median and min of the timed repeats, first = the warm-up call; "
            "vs peer = our median / the peer's (below 1: ours is faster); % matmul = GFLOP/s "
            "as a share of the yardstick above; MiB = peak growth during the repeats.",
            "",
            table(results["rows"]),
        ]
    if results.get("curves"):
        parts += ["## Scaling curves", "", curve_table(results["curves"])]
    for name, study in (results.get("studies") or {}).items():
        parts += [f"## {name}", "", study.get("markdown") or study.get("note", ""), ""]
    for fig in results.get("figures", []):
        parts.append(f"![{fig}]({fig})")
    return "\n".join(parts).rstrip() + "\n"


def write(results: dict, out: Path) -> list[Path]:
    """Write results.json and results.md into ``out`` atomically; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    js, md = out / "results.json", out / "results.md"
    atomic_write_text(js, json.dumps(results, indent=1, sort_keys=False, default=str) + "\n")
    atomic_write_text(md, markdown(results))
    return [js, md]


def update_readme(readme: Path, md_text: str, rel_dir: str) -> None:
    """Put ``md_text`` between the result markers of ``readme`` (appended if they are absent)."""
    text = readme.read_text() if readme.exists() else ""
    body = re.sub(r"^(#+) ", r"\1## ", md_text, flags=re.M).replace("](", f"]({rel_dir}/")
    block = f"{README_BEGIN}\n{body}{README_END}"
    if README_BEGIN in text and README_END in text:
        pre, rest = text.split(README_BEGIN, 1)
        post = rest.split(README_END, 1)[1]
        text = pre + block + post
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    atomic_write_text(readme, text)
