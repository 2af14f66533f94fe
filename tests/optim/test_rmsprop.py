"""RMSprop equals torch.optim.RMSprop step for step (momentum, centered, weight decay)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.optim import RMSprop

options = st.fixed_dictionaries(
    dict(
        lr=st.sampled_from([1e-3, 0.01]),
        alpha=st.sampled_from([0.99, 0.5]),
        eps=st.sampled_from([1e-8, 1e-3]),
        weight_decay=st.sampled_from([0.0, 0.1]),
        momentum=st.sampled_from([0.0, 0.9]),
        centered=st.booleans(),
        maximize=st.booleans(),
    )
)


@settings(max_examples=10)  # 50 steps x 2 libraries each; 10 cover the option grid
@given(options=options)
def test_rmsprop_trajectory_equals_torch(xp, parity, options):
    torch = pytest.importorskip("torch")
    parity(xp, RMSprop, torch.optim.RMSprop, options)
