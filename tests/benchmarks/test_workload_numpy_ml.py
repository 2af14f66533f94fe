"""The numpy-ml peers: each runs at tiny size or says why it cannot run here.

Skipped when numpy-ml is not installed. Not ``pytest.importorskip("numpy_ml")``:
numpy-ml 0.1.2 does not import on Python >= 3.10 without the alias the peers set
around the import, so that would skip every time; the distribution is looked up
instead, and the import goes through the peers' own ``_import``.
"""

import collections
from importlib import metadata

import numpy as np
import pytest

from benchmarks.workloads import NotApplicable, all_workloads, numpy_ml_peers

try:
    metadata.version("numpy-ml")
except metadata.PackageNotFoundError:
    pytest.skip("numpy-ml is not installed", allow_module_level=True)

PEER = "numpy-ml"
EXPECTED = {"gmm", "hmm_baum_welch", "conv2d", "batch_norm", "mlp_epoch"}


def _with_peer():
    return {w.name: w for w in all_workloads() if PEER in w.peers}


def test_numpy_ml_is_a_peer_of_the_workloads_it_has():
    assert set(_with_peer()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_peer_runs_at_tiny_size_or_reports_why(name):
    w = _with_peer()[name]
    try:
        fn = w.peers[PEER](w.sizes["tiny"], "cpu")
    except ImportError as e:  # a numpy-ml that does not import here: the reason is given
        assert "numpy-ml" in str(e)
        return
    assert fn is not None, f"{name}: the numpy-ml peer must run at tiny size"
    fn()
    assert w.peers[PEER](w.sizes["tiny"], "cuda") is None  # CPU only


def test_the_import_alias_does_not_outlive_the_import():
    had = hasattr(collections, "Hashable")
    try:
        numpy_ml_peers._import("gmm")
    except ImportError:
        pass
    assert hasattr(collections, "Hashable") == had


@pytest.mark.parametrize("name", ["gmm", "hmm_baum_welch"])
def test_python_loop_peers_decline_sizes_over_the_time_budget(name):
    """The row says n/a with the estimated time, instead of running for minutes."""
    w = _with_peer()[name]
    for size in ("quick", "full"):
        with pytest.raises(NotApplicable, match="numpy-ml would take about"):
            w.peers[PEER](w.sizes[size], "cpu")


def test_conv2d_and_batch_norm_gradients_match_torch():
    pytest.importorskip("torch")
    from benchmarks.workloads import conv

    by_name = _with_peer()
    for name, torch_peer in (("conv2d", conv.make_conv_torch), ("batch_norm", conv.make_bn_torch)):
        size = by_name[name].sizes["tiny"]
        try:
            dx = by_name[name].peers[PEER](size, "cpu")()
        except ImportError as e:
            pytest.skip(str(e))
        ref = torch_peer(size, "cpu")().detach().numpy()
        np.testing.assert_allclose(dx.transpose(0, 3, 1, 2), ref, rtol=1e-4, atol=1e-5)


def test_no_peer_for_grouped_or_transposed_convolutions():
    conv = {"n": 2, "c_in": 8, "c_out": 8, "h": 8, "k": 3, "stride": 1, "padding": 1}
    assert numpy_ml_peers.conv2d(conv | {"groups": 2}, "cpu") is None
    assert numpy_ml_peers.conv2d(conv | {"groups": 1, "transposed": True}, "cpu") is None
