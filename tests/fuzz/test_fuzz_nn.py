"""Bad hyper-parameters and bad inputs for the scratch.nn layers.

Constructors: sizes that are zero, negative, fractional, bools or strings; p outside
[0, 1]; a negative eps; momentum outside [0, 1]; a padding_mode that does not exist —
each a ValueError/TypeError from scratch that names the argument (torch refuses them too).
Forward: complex, object or string data, an array of the other backend than the layer's
parameters, and one axis too many or a 0-d array for the layers with a fixed layout.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import nn
from scratch.autograd import Tensor

CTOR = {  # (layer, good keyword arguments, argument, bad values)
    "Linear": (nn.Linear, {"in_features": 3, "out_features": 2}),
    "Conv2d": (nn.Conv2d, {"in_channels": 2, "out_channels": 2, "kernel_size": 3}),
    "ConvTranspose2d": (nn.ConvTranspose2d,
                        {"in_channels": 2, "out_channels": 2, "kernel_size": 3}),
    "BatchNorm1d": (nn.BatchNorm1d, {"num_features": 3}),
    "BatchNorm2d": (nn.BatchNorm2d, {"num_features": 2}),
    "InstanceNorm2d": (nn.InstanceNorm2d, {"num_features": 2}),
    "GroupNorm": (nn.GroupNorm, {"num_groups": 2, "num_channels": 2}),
    "LayerNorm": (nn.LayerNorm, {"normalized_shape": 4}),
    "MaxPool2d": (nn.MaxPool2d, {"kernel_size": 2}),
    "AvgPool2d": (nn.AvgPool2d, {"kernel_size": 2}),
    "AdaptiveAvgPool2d": (nn.AdaptiveAvgPool2d, {"output_size": 2}),
    "Dropout": (nn.Dropout, {"p": 0.5}),
}  # fmt: skip
SIZE = (0, -1, 1.5, True, "3")  # not a positive int
BAD = {
    "Linear": {"in_features": SIZE, "out_features": SIZE},
    "Conv2d": {"in_channels": SIZE, "out_channels": SIZE, "kernel_size": SIZE,
               "stride": (0, -1), "padding": (-1,), "dilation": (0,), "groups": (0, 3),
               "padding_mode": ("mirror",)},
    "ConvTranspose2d": {"in_channels": SIZE, "out_channels": SIZE, "kernel_size": SIZE,
                        "stride": (0, -1), "groups": (0, 3)},
    "BatchNorm1d": {"num_features": SIZE, "eps": (-1.0, float("nan")),
                    "momentum": (-0.5, 1.5)},
    "BatchNorm2d": {"num_features": SIZE, "eps": (-1.0,)},
    "InstanceNorm2d": {"num_features": SIZE, "eps": (-1.0,)},
    "GroupNorm": {"num_groups": SIZE, "num_channels": (0, -1), "eps": (-1.0,)},
    "LayerNorm": {"normalized_shape": (0, -1), "eps": (-1.0,)},
    "MaxPool2d": {"kernel_size": (0, -1), "stride": (0, -1)},
    "AvgPool2d": {"kernel_size": (0, -1), "stride": (0, -1)},
    "AdaptiveAvgPool2d": {"output_size": (0, -1)},
    "Dropout": {"p": (-0.1, 1.5, float("nan"), "a")},
}  # fmt: skip
CTOR_CASES = [(layer, arg, v) for layer, args in BAD.items() for arg, vs in args.items()
              for v in vs]  # fmt: skip


@pytest.mark.parametrize("layer,arg,value", CTOR_CASES,
                         ids=[f"{a}-{b}={c!r}" for a, b, c in CTOR_CASES])  # fmt: skip
def test_a_bad_constructor_argument_is_refused_by_name(ours, layer, arg, value):
    cls, good = CTOR[layer]
    with pytest.raises((ValueError, TypeError)) as e:
        cls(**{**good, arg: value})
    ours(e, arg)


R = np.random.default_rng(0)
FORWARD = {  # layer built on xp, a good host input, kinds beyond the dtype kinds
    "Linear": (lambda xp: nn.Linear(3, 2, backend=xp.name, rng=0), R.normal(size=(4, 3)),
               ("scalar",)),
    "Conv2d": (lambda xp: nn.Conv2d(2, 2, 3, backend=xp.name, rng=0),
               R.normal(size=(1, 2, 5, 5)), ("ndim", "scalar")),
    "ConvTranspose2d": (lambda xp: nn.ConvTranspose2d(2, 2, 3, backend=xp.name, rng=0),
                        R.normal(size=(1, 2, 5, 5)), ("ndim", "scalar")),
    "BatchNorm1d": (lambda xp: nn.BatchNorm1d(3, backend=xp.name), R.normal(size=(4, 3)),
                    ("ndim", "scalar")),
    "BatchNorm2d": (lambda xp: nn.BatchNorm2d(2, backend=xp.name),
                    R.normal(size=(2, 2, 3, 3)), ("ndim", "scalar")),
    "InstanceNorm2d": (lambda xp: nn.InstanceNorm2d(2, affine=True, backend=xp.name),
                       R.normal(size=(2, 2, 3, 3)), ("ndim", "scalar")),
    "GroupNorm": (lambda xp: nn.GroupNorm(2, 2, backend=xp.name),
                  R.normal(size=(2, 2, 3, 3)), ("scalar",)),
    "LayerNorm": (lambda xp: nn.LayerNorm(3, backend=xp.name), R.normal(size=(4, 3)),
                  ("scalar",)),
    "MaxPool2d": (lambda xp: nn.MaxPool2d(2), R.normal(size=(1, 2, 4, 4)),
                  ("ndim", "scalar")),
    "AvgPool2d": (lambda xp: nn.AvgPool2d(2), R.normal(size=(1, 2, 4, 4)),
                  ("ndim", "scalar")),
    "AdaptiveAvgPool2d": (lambda xp: nn.AdaptiveAvgPool2d(2), R.normal(size=(1, 2, 4, 4)),
                          ("ndim", "scalar")),
    "ReLU": (lambda xp: nn.ReLU(), R.normal(size=(4, 3)), ()),
    "Softmax": (lambda xp: nn.Softmax(dim=1), R.normal(size=(4, 3)), ()),
    "Dropout": (lambda xp: nn.Dropout(0.5, backend=xp.name, rng=0), R.normal(size=(4, 3)),
                ()),
    "Flatten": (lambda xp: nn.Flatten(), R.normal(size=(4, 3)), ()),
    "Sequential": (lambda xp: nn.Sequential(nn.Linear(3, 2, backend=xp.name, rng=0),
                                            nn.ReLU()), R.normal(size=(4, 3)), ("scalar",)),
}  # fmt: skip
HAS_PARAMS = {"Linear", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d",
              "InstanceNorm2d", "GroupNorm", "LayerNorm", "Sequential"}  # fmt: skip
FWD_CASES = [(layer, k) for layer, (_, _, extra) in FORWARD.items()
             for k in ("complex", "object", "string") + (("other",) if layer in HAS_PARAMS
                                                        else ()) + extra]  # fmt: skip


@pytest.mark.parametrize("layer,kind", FWD_CASES, ids=[f"{a}-{b}" for a, b in FWD_CASES])
def test_a_bad_forward_input_is_refused_by_name(xp, bad, ours, layer, kind):
    make, good, _ = FORWARD[layer]
    module = make(xp)
    x = bad(kind, good, xp)
    host = isinstance(x, np.ndarray) and x.dtype.kind in "OU"  # not an Array-API array
    with pytest.raises((ValueError, TypeError)) as e:
        module(x if host else Tensor(x))
    ours(e, "input", "x", "weight")


@settings(max_examples=10)
@given(n_in=st.integers(1, 5), n_wrong=st.integers(1, 5))
def test_a_linear_input_with_the_wrong_width_is_refused_by_name(xp, ours, n_in, n_wrong):
    if n_in == n_wrong:
        return
    layer = nn.Linear(n_in, 2, backend=xp.name, rng=0)
    with pytest.raises(ValueError) as e:
        layer(Tensor(xp.asarray(np.ones((3, n_wrong)))))
    ours(e, "input", "in_features")
