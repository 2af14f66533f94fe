"""Adagrad equals torch.optim.Adagrad step for step (lr decay, initial accumulator)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.optim import Adagrad

options = st.fixed_dictionaries(
    dict(
        lr=st.sampled_from([0.01, 0.1]),
        lr_decay=st.sampled_from([0.0, 0.01]),
        weight_decay=st.sampled_from([0.0, 0.1]),
        initial_accumulator_value=st.sampled_from([0.0, 0.1]),
        eps=st.sampled_from([1e-10, 1e-3]),
        maximize=st.booleans(),
    )
)


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=options)
def test_adagrad_trajectory_equals_torch(xp, parity, options):
    torch = pytest.importorskip("torch")
    parity(xp, Adagrad, torch.optim.Adagrad, options)
