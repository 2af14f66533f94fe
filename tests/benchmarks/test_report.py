"""The markdown tables and the README update."""

from __future__ import annotations

from benchmarks import report


def _row(**kw):
    base = {
        "workload": "kmeans",
        "size": {"n": 2000, "k": 8},
        "impl": "numpy",
        "kind": "ours",
        "status": "ok",
        "median_s": 0.0125,
        "min_s": 0.012,
        "first_s": 0.5,
        "ratios": {"sklearn": 1.5},
        "gflops": 3.25,
        "pct_matmul": 4.0,
        "host_peak_bytes": 3 * 2**20,
        "device_peak_bytes": None,
    }
    return base | kw


def test_a_row_shows_milliseconds_ratio_flops_and_memory():
    line = report.table([_row()]).splitlines()[2]
    assert line == (
        "| kmeans | n=2000 k=8 | numpy | 12.5 | 12 | 500 | 1.5× sklearn "
        "| 3.25 | 4.0 | 3.0 |  | ok |"
    )


def test_a_failed_row_shows_its_error_without_breaking_the_table():
    line = report.table([_row(status="error", error="ValueError: a|b\nc", median_s=None)])
    cells = line.splitlines()[2].split(" | ")
    assert cells[-1] == "error: ValueError: a\\|b c |"


def test_update_readme_appends_markers_once_then_replaces_between_them(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n")
    report.update_readme(readme, "# Run 1\n![r](ratios.png)\n", "results/cpu-x")
    report.update_readme(readme, "# Run 2\n![r](ratios.png)\n## Scaling curves\n", "results/cpu-x")
    text = readme.read_text()
    assert text.count(report.README_BEGIN) == 1 and "Run 1" not in text
    assert "### Run 2" in text and "#### Scaling curves" in text
    assert "![r](results/cpu-x/ratios.png)" in text
