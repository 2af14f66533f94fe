"""``scratch bench --profile WORKLOAD``: the phases add up and land in a markdown table.

Claims (benchmarks/profile.py, scratch/profiling.py): outside a recording the
engines' marks record nothing; inside one, a convolution's call is split into its GEMM,
layout and bias phases and a batch norm's into statistics and elementwise passes, the
phases and the remainder ("other") sum to the call's time, and the command writes the
table (with the peer's time from the same process) to profile_<name>.md.
"""

import numpy as np
import pytest

from benchmarks import profile
from benchmarks.run import main
from scratch import profiling as _phases
from scratch.functional import conv2d

# --keep-blas-env: without it the runner re-executes itself (os.execve) where the
# OpenBLAS variables are set, replacing the test process
FLAGS = ["--tiny", "--repeats", "2", "--keep-blas-env"]


def test_marks_record_nothing_outside_a_recording_and_the_phases_inside():
    x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
    assert _phases._clock is None
    conv2d(x, w)
    with _phases.recording() as seconds:
        conv2d(x, w, np.ones(3))
    assert {"GEMM", "layout", "bias"} <= set(seconds)
    assert all(v >= 0 for v in seconds.values())
    assert _phases._clock is None


@pytest.mark.parametrize(
    "name, phases", [("conv2d", {"GEMM", "layout", "bias"}), ("batch_norm", {"statistics"})]
)
def test_phases_and_the_remainder_add_up_to_the_call(name, phases):
    result = profile.profile(name, "tiny", repeats=3, peer=None)
    assert phases <= set(result["phases"])
    assert all(len(v) == 3 for v in result["phases"].values())
    for i, total in enumerate(result["total"]):
        marked = sum(v[i] for v in result["phases"].values())
        assert 0 < marked <= total
    table = profile.rows(result)
    assert table[-1][0] == "other" and table[-1][2] >= 0  # its min: total minus phases


def test_the_command_writes_the_table_with_the_peer(tmp_path, capsys):
    pytest.importorskip("torch")
    assert main(["--profile", "conv2d", *FLAGS, "--out", str(tmp_path)]) == 0
    text = (tmp_path / "profile_conv2d.md").read_text()
    assert "| GEMM |" in text and "| **total** |" in text and "torch (same process)" in text
    assert "% of matmul" in text
    assert "| GEMM |" in capsys.readouterr().out


def test_an_unknown_workload_is_a_usage_error(tmp_path, capsys):
    assert main(["--profile", "no_such_workload", *FLAGS, "--out", str(tmp_path)]) == 2
    assert "no_such_workload" in capsys.readouterr().err
