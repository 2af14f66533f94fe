"""Sequential: composition in order, indexing, naming."""

from collections import OrderedDict

import numpy as np
import pytest

from scratch.autograd import Tensor
from scratch.nn import Linear, ReLU, Sequential, Tanh


def test_sequential_applies_its_modules_in_order(xp):
    a, b = Linear(3, 4, backend=xp, rng=0), Linear(4, 2, backend=xp, rng=1)
    m = Sequential(a, ReLU(), b)
    x = Tensor(xp.asarray(np.random.default_rng(0).standard_normal((5, 3)), dtype=xp.float32))
    np.testing.assert_array_equal(m(x).numpy(), b(ReLU()(a(x))).numpy())
    assert len(m) == 3 and m[0] is a and m[-1] is b and list(m)[1].__class__ is ReLU
    assert len(m[1:]) == 2


def test_sequential_names_children_by_position_or_by_dict():
    m = Sequential(OrderedDict([("fc", Linear(2, 2, rng=0)), ("act", Tanh())]))
    assert [n for n, _ in m.named_children()] == ["fc", "act"]
    assert list(m.state_dict()) == ["fc.weight", "fc.bias"]
    m.append(Linear(2, 1, rng=0))
    assert "2.weight" in m.state_dict()


def test_sequential_refuses_non_modules():
    with pytest.raises(TypeError, match="Sequential takes Modules"):
        Sequential(Linear(2, 2, rng=0), lambda x: x)
