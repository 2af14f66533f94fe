"""Adadelta equals torch.optim.Adadelta step for step."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.optim import Adadelta

options = st.fixed_dictionaries(
    dict(
        lr=st.sampled_from([1.0, 0.5]),
        rho=st.sampled_from([0.9, 0.5]),
        eps=st.sampled_from([1e-6, 1e-3]),
        weight_decay=st.sampled_from([0.0, 0.1]),
        maximize=st.booleans(),
    )
)


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=options)
def test_adadelta_trajectory_equals_torch(xp, parity, options):
    torch = pytest.importorskip("torch")
    parity(xp, Adadelta, torch.optim.Adadelta, options)
