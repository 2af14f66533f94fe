"""The mlp_epoch workload: ours and the torch peer run one tiny epoch and learn."""

import numpy as np
import pytest

from benchmarks.workloads.mlp import WORKLOADS
from scratch import backend


def test_our_epoch_runs_on_each_backend_and_lowers_the_loss(xp):
    w = WORKLOADS[0]
    epoch = w.make(xp, w.sizes["tiny"])
    first = float(backend.to_numpy(epoch()))
    for _ in range(5):
        last = float(backend.to_numpy(epoch()))
    assert np.isfinite(first) and last < first


def test_torch_peer_epoch_runs_and_lowers_the_loss():
    pytest.importorskip("torch")
    w = WORKLOADS[0]
    epoch = w.peers["torch"](w.sizes["tiny"], "cpu")
    first = float(epoch())
    for _ in range(5):
        last = float(epoch())
    assert last < first
    assert w.flops(w.sizes["full"]) > 0
