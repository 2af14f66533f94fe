"""Fake workloads for the runner's tests, and the repository root on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workloads import Curve, Workload  # noqa: E402


def _make_sum(bk, size):
    x = bk.asarray(np.arange(size["n"], dtype=np.float64))
    return lambda: bk.xp.sum(x * x)


def _peer_sum(size, device):
    if device != "cpu":
        return None
    x = np.arange(size["n"], dtype=np.float64)
    return lambda: float(np.dot(x, x))


def _make_broken(bk, size):
    raise RuntimeError("this workload is broken on purpose")


def _peer_missing(size, device):
    raise ImportError("No module named 'fakepeerlib'")


def _fake_workloads() -> list[Workload]:
    sizes = {"full": {"n": 4000}, "quick": {"n": 2000}, "tiny": {"n": 1000}}
    return [
        Workload(
            name="fake_sum",
            family="fake",
            sizes=sizes,
            make=_make_sum,
            peers={"numpy_dot": _peer_sum},
            flops=lambda size: 2.0 * size["n"],
            backends=("numpy", "strict"),
            curve=Curve("n", full=[100, 1000], tiny=[100, 200]),
            dtype="float64",
        ),
        Workload(name="fake_broken", family="fake", sizes=sizes, make=_make_broken),
        Workload(
            name="fake_lonely",
            family="fake",
            sizes=sizes,
            make=_make_sum,
            peers={"fakepeerlib": _peer_missing},
        ),
        Workload(name="fake_fullonly", family="fake", sizes={"full": {"n": 10}}, make=_make_sum),
    ]


@pytest.fixture
def fake_suite(monkeypatch):
    """Make the runner see only the fake workloads, plus one module that fails to import."""
    from benchmarks import workloads

    errors = {"fake_module": "ModuleNotFoundError: No module named 'nothing_here'"}
    monkeypatch.setattr(workloads, "discover", lambda: (_fake_workloads(), dict(errors)))
