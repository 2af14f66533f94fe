"""The runner on fake workloads: statistics, ratios, outputs, failures, exit status."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import pytest

from benchmarks import run
from benchmarks.workloads import discover

FLAGS = ["--tiny", "--quiet", "--keep-blas-env", "--backends", "numpy"]


def _run(tmp_path, *extra) -> tuple[int, dict]:
    rc = run.main([*FLAGS, "--out", str(tmp_path), *extra])
    path = tmp_path / "results.json"
    return rc, json.loads(path.read_text()) if path.exists() else {}


def _row(res, workload, impl):
    (row,) = [r for r in res["rows"] if r["workload"] == workload and r["impl"] == impl]
    return row


def test_every_backend_and_peer_is_timed_with_median_min_and_first_call(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum", "--repeats", "4", "--backends", "numpy,strict")
    assert rc == 0
    impls = {r["impl"] for r in res["rows"]}
    assert impls == {"numpy", "strict", "numpy_dot"}
    for r in res["rows"]:
        assert r["status"] == "ok", r
        assert len(r["times_s"]) == 4
        assert r["median_s"] == pytest.approx(statistics.median(r["times_s"]))
        assert r["min_s"] == min(r["times_s"])
        assert r["first_s"] > 0 and r["setup_s"] >= 0


def test_ratio_is_our_median_over_the_peer_median(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum", "--repeats", "3")
    ours, peer = _row(res, "fake_sum", "numpy"), _row(res, "fake_sum", "numpy_dot")
    assert ours["ratios"] == {"numpy_dot": pytest.approx(ours["median_s"] / peer["median_s"])}
    assert "ratios" not in peer or not peer["ratios"]


def test_gflops_and_share_of_the_matmul_yardstick(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum")
    ours = _row(res, "fake_sum", "numpy")
    assert ours["gflops"] == pytest.approx(2.0 * 1000 / ours["median_s"] / 1e9)
    peak = res["matmul"]["cpu-float64"]["gflops"]
    assert ours["pct_matmul"] == pytest.approx(100 * ours["gflops"] / peak)
    assert set(res["matmul"]) >= {"cpu-float32", "cpu-float64"}


def test_results_json_records_the_machine_and_the_blas_facts(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum")
    m = res["machine"]
    assert m["name"].startswith(("cpu-", "gpu-")) and m["cores"] >= 1
    assert set(m["blas_env_original"]) == {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
    assert m["versions"]["numpy"]
    assert res["size_name"] == "tiny"


def test_markdown_table_and_charts_are_written(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake")
    md = (tmp_path / "results.md").read_text()
    assert "| workload | size | impl | median ms | min ms | first ms | vs peer |" in md
    assert "| fake_sum | n=1000 | numpy |" in md
    assert "× numpy_dot" in md
    assert (tmp_path / "ratios.png").stat().st_size > 0
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_a_failing_workload_is_reported_and_the_others_still_run(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake")
    assert rc == 0
    broken = _row(res, "fake_broken", "numpy")
    assert broken["status"] == "error"
    assert "broken on purpose" in broken["error"]
    assert _row(res, "fake_sum", "numpy")["status"] == "ok"
    assert _row(res, "fake_lonely", "numpy")["status"] == "ok"
    assert "broken on purpose" in (tmp_path / "results.md").read_text()


def test_a_missing_peer_library_is_reported(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_lonely")
    peer = _row(res, "fake_lonely", "fakepeerlib")
    assert peer["status"] == "missing" and "fakepeerlib" in peer["error"]
    assert _row(res, "fake_lonely", "numpy")["ratios"] == {}


def test_a_workload_without_the_requested_size_says_so(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_fullonly")
    (row,) = res["rows"]
    assert row["status"] == "n/a" and "tiny" in row["error"]


def test_an_unusable_backend_is_reported_as_missing(fake_suite, tmp_path, monkeypatch):
    from scratch import backend

    real_get = backend.get

    def get(name=None):
        if name == "strict":
            raise backend.BackendError("backend 'strict' is not installed here")
        return real_get(name)

    monkeypatch.setattr(backend, "get", get)
    rc, res = _run(tmp_path, "--only", "fake_sum", "--backends", "numpy,strict")
    assert _row(res, "fake_sum", "strict")["status"] == "missing"
    assert _row(res, "fake_sum", "numpy")["status"] == "ok"


def test_a_module_that_fails_to_import_is_reported(fake_suite, tmp_path):
    rc, res = _run(tmp_path)
    assert "fake_module" in res["load_errors"]
    assert "nothing_here" in (tmp_path / "results.md").read_text()


def test_no_peers_flag_times_only_our_backends(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum", "--no-peers")
    assert {r["impl"] for r in res["rows"]} == {"numpy"}


def test_scaling_curves_time_each_point_and_draw_them(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_sum", "--curves")
    points = {(r["impl"], r["curve_value"]) for r in res["curves"]}
    assert points == {(i, v) for i in ("numpy", "numpy_dot") for v in (100, 200)}
    assert all(r["size"]["n"] == r["curve_value"] for r in res["curves"])
    assert (tmp_path / "curve_fake_sum.png").exists()
    assert "## Scaling curves" in (tmp_path / "results.md").read_text()


def test_exit_status_is_one_only_when_everything_failed(fake_suite, tmp_path):
    rc, res = _run(tmp_path, "--only", "fake_broken")
    assert rc == 1


@pytest.mark.parametrize(
    "flags",
    [
        ["--only", "no_such_workload"],
        ["--backends", "numpy,fortran"],
        ["--repeats", "0"],
        ["--bogus"],
    ],
)
def test_bad_flags_exit_with_status_two(fake_suite, tmp_path, flags, capsys):
    assert run.main([*FLAGS, "--out", str(tmp_path), *flags]) == 2
    assert not (tmp_path / "results.json").exists()


def test_update_readme_puts_the_tables_between_the_markers(fake_suite, tmp_path, monkeypatch):
    from benchmarks import report, suite

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_BEGIN}\nold table\n{report.README_END}\noutro\n")
    monkeypatch.setattr(suite, "README", readme)
    out = tmp_path / "res"
    assert run.main([*FLAGS, "--out", str(out), "--only", "fake_sum", "--update-readme"]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n")
    assert "old table" not in text and "| fake_sum | n=1000 | numpy |" in text
    assert "(res/ratios.png)" in text


def test_list_prints_workloads_and_broken_modules(fake_suite, tmp_path, capsys):
    assert run.main(["--list", "--keep-blas-env"]) == 0
    out = capsys.readouterr().out
    assert "fake_sum" in out and "image_io" in out and "BROKEN" in out


def test_scratch_bench_runs_the_runner(fake_suite, tmp_path):
    from scratch import cli

    rc = cli.main(["bench", *FLAGS, "--out", str(tmp_path), "--only", "fake_sum"])
    assert rc == 0 and (tmp_path / "results.md").exists()


def test_tiny_smoke_run_of_the_real_suite(tmp_path):
    """Every real workload at its tiny size on numpy runs without error.

    Peers and the studies are left to CI's `scratch bench --tiny` and the tests above,
    to keep this test short.
    """
    workloads, errors = discover()
    if not workloads:
        pytest.skip("no workload modules yet")
    names = ",".join(w.name for w in workloads)
    rc = run.main([*FLAGS, "--no-peers", "--only", names, "--out", str(tmp_path)])
    assert rc == 0
    res = json.loads((tmp_path / "results.json").read_text())
    assert {w.name for w in workloads} == {r["workload"] for r in res["rows"]}
    failed = [(r["workload"], r["error"]) for r in res["rows"] if r["status"] != "ok"]
    assert not failed, failed
    assert not res["studies"]


def test_the_benchmark_process_unsets_the_openblas_variables(tmp_path):
    """OPENBLAS_CORETYPE/L2_SIZE are dropped by re-executing, and both facts are recorded."""
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_L2_SIZE="262144")
    cmd = [sys.executable, "-m", "benchmarks.run", "--tiny", "--quiet", "--only", "gpu_memory"]
    subprocess.run([*cmd, "--out", str(tmp_path)], env=env, check=True, cwd=run.ROOT, timeout=120)
    m = json.loads((tmp_path / "results.json").read_text())["machine"]
    assert m["blas_env_original"] == {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "262144"}
    assert m["blas_env_in_run"] == {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None}
    assert m["blas"] and "architecture" in m["blas"][0]


def test_discover_reports_a_broken_module_and_keeps_the_others(tmp_path, monkeypatch):
    import benchmarks.workloads as registry

    (tmp_path / "zz_good.py").write_text(
        "from benchmarks.workloads import Workload\n"
        "WORKLOADS = [Workload('zz_good', 'fake', {'tiny': {}}, lambda bk, size: lambda: 0)]\n"
    )
    (tmp_path / "zz_bad.py").write_text("import no_such_module_anywhere\n")
    monkeypatch.setattr(registry, "__path__", [str(tmp_path)])
    for name in ("zz_good", "zz_bad"):
        monkeypatch.delitem(sys.modules, f"benchmarks.workloads.{name}", raising=False)
    workloads, errors = registry.discover()
    assert [w.name for w in workloads] == ["zz_good"]
    assert list(errors) == ["zz_bad"] and "no_such_module_anywhere" in errors["zz_bad"]


def test_our_backend_named_like_a_peer_gets_a_distinct_label(fake_suite, tmp_path, monkeypatch):
    from benchmarks import workloads

    fakes, errors = workloads.discover()
    fakes[0].peers = {"numpy": fakes[0].peers["numpy_dot"]}
    monkeypatch.setattr(workloads, "discover", lambda: (fakes, errors))
    rc, res = _run(tmp_path, "--only", "fake_sum")
    assert {r["impl"] for r in res["rows"]} == {"scratch-numpy", "numpy"}
    assert set(_row(res, "fake_sum", "scratch-numpy")["ratios"]) == {"numpy"}
