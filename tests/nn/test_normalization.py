"""Normalization layers: torch.nn's buffers, train/eval behaviour and values."""

import numpy as np
import pytest

from scratch import backend, nn
from scratch.autograd import Tensor


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls, shape", [("BatchNorm2d", (4, 3, 5, 5)), ("BatchNorm1d", (6, 3))])
def test_batchnorm_buffers_track_pytorch_over_steps_then_eval(xp, cls, shape, momentum):
    """running_mean/var and num_batches_tracked after 4 steps (momentum and cumulative
    average), then eval-mode output, all as torch.nn."""
    torch = pytest.importorskip("torch")
    ours = getattr(nn, cls)(3, momentum=momentum, backend=xp.name, dtype=xp.float)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal(shape) * 3 + 1
        y = ours(Tensor(xp.asarray(x)))
        ty = theirs(torch.tensor(x))
        np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=0, atol=1e-10)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(_np(ours.state_dict()[k]), v.numpy(), rtol=0, atol=1e-12)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(
        _np(ours(Tensor(xp.asarray(x)))), theirs(torch.tensor(x)).detach().numpy(), atol=1e-10
    )


def test_batchnorm_without_running_stats_uses_batch_statistics_in_eval(xp):
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm2d(2, track_running_stats=False, backend=xp.name, dtype=xp.float).eval()
    theirs = torch.nn.BatchNorm2d(2, track_running_stats=False).double().eval()
    x = np.random.default_rng(1).standard_normal((3, 2, 4, 4))
    np.testing.assert_allclose(
        _np(ours(Tensor(xp.asarray(x)))), theirs(torch.tensor(x)).detach().numpy(), atol=1e-10
    )
    assert list(ours.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize(
    "ours_args, torch_args, shape",
    [
        (("LayerNorm", ((4, 5),)), ("LayerNorm", ((4, 5),)), (2, 3, 4, 5)),
        (("GroupNorm", (2, 4)), ("GroupNorm", (2, 4)), (2, 4, 3, 3)),
        (("InstanceNorm2d", (3,)), ("InstanceNorm2d", (3,)), (2, 3, 4, 4)),
    ],
)
def test_other_norm_layers_match_pytorch(xp, ours_args, torch_args, shape):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, ours_args[0])(*ours_args[1], backend=xp.name, dtype=xp.float)
    theirs = getattr(torch.nn, torch_args[0])(*torch_args[1]).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(2).standard_normal(shape)
    np.testing.assert_allclose(
        _np(ours(Tensor(xp.asarray(x)))), theirs(torch.tensor(x)).detach().numpy(), atol=1e-10
    )


def test_instance_norm_with_running_stats_matches_pytorch(xp):
    torch = pytest.importorskip("torch")
    ours = nn.InstanceNorm2d(
        3, affine=True, track_running_stats=True, backend=xp.name, dtype=xp.float
    )
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    rng = np.random.default_rng(3)
    for _ in range(2):
        x = rng.standard_normal((2, 3, 4, 4))
        ours(Tensor(xp.asarray(x)))
        theirs(torch.tensor(x))
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(_np(ours.state_dict()[k]), v.numpy(), atol=1e-12)
    x = rng.standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(
        _np(ours.eval()(Tensor(xp.asarray(x)))),
        theirs.eval()(torch.tensor(x)).detach().numpy(),
        atol=1e-10,
    )


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.BatchNorm2d(0), "num_features"),
        (lambda: nn.BatchNorm2d(3, momentum=1.5), "momentum"),
        (lambda: nn.GroupNorm(3, 4), "divisible"),
        (lambda: nn.LayerNorm((0, 2)), "normalized_shape"),
    ],
)
def test_bad_constructor_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_rank_is_refused(xp):
    with pytest.raises(ValueError, match="4-D"):
        nn.BatchNorm2d(3, backend=xp.name)(Tensor(xp.zeros((2, 3), dtype=xp.float32)))
