"""cross_entropy's fused node equals the textbook composition, to second order.

Claim (scratch/functional/losses.py): for logits (N, C) (or (C,)) and class indices
without label smoothing, ``cross_entropy`` runs the fused ``CrossEntropyIndices`` node
(logsumexp from the backend; backward softmax - onehot, on saved values or, with
create_graph, on the differentiable softmax), and it computes what
``cross_entropy_reference`` (log_softmax, then the target's weighted NLL, autograd
operations only) computes: values, first derivatives with and without a graph, second
derivatives, for every reduction, with class weights and ignored targets, on drawn
inputs. Everywhere else the two are the same code.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.autograd import Tensor
from scratch.functional import losses
from scratch.functional.losses import cross_entropy, cross_entropy_reference
from scratch.testing.reference import assert_matches_reference

# float64: logsumexp and log_softmax round differently (~1e-15 on logits of size ~5);
# second derivatives are products of softmax entries, also O(1).
TOL = dict(atol=1e-12, rtol=1e-12, second_atol=1e-12, second_rtol=1e-10)


@st.composite
def problems(draw):
    """Logits (N, C) or (C,), class indices (some ignored), optional class weights."""
    unbatched = draw(st.booleans()) and draw(st.booleans())
    n, c = (1 if unbatched else draw(st.integers(1, 6))), draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((c,) if unbatched else (n, c)) * draw(st.sampled_from([1.0, 5.0]))
    t = rng.integers(0, c, n)
    ignore = -100
    if draw(st.booleans()):
        ignore = draw(st.sampled_from([-100, 0, c - 1]))
        t[rng.random(n) < 0.3] = ignore
    weight = rng.random(c) + 0.1 if draw(st.booleans()) else None
    return {
        "x": x,
        "t": t[0] if unbatched else t,
        "weight": weight,
        "ignore_index": ignore,
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "seed": seed,
    }


@given(p=problems())
def test_fused_cross_entropy_equals_the_textbook_composition(xp, p):
    """CrossEntropyIndices == log_softmax + weighted NLL, values and derivatives of both
    orders, for every reduction (NaN alike when every target of a 'mean' is ignored)."""
    t = xp.asarray(np.asarray(p["t"]), dtype=xp.int64)
    w = None if p["weight"] is None else xp.asarray(p["weight"])
    kw = {"weight": w, "ignore_index": p["ignore_index"], "reduction": p["reduction"]}
    ignored = np.asarray(p["t"]) == p["ignore_index"]
    if p["reduction"] == "mean" and ignored.all():  # NaN: compare the values only
        y = cross_entropy(xp.asarray(p["x"]), t, **kw)
        y_ref = cross_entropy_reference(xp.asarray(p["x"]), t, **kw)
        assert np.isnan(backend.to_numpy(y.data)) and np.isnan(backend.to_numpy(y_ref.data))
        return
    assert_matches_reference(
        xp,
        lambda x: cross_entropy(x, t, **kw),
        lambda x: cross_entropy_reference(x, t, **kw),
        [p["x"]],
        p["seed"],
        **TOL,
    )


def test_the_common_case_runs_the_fused_node_and_the_reference_does_not(xp):
    """The claim above is about the fused node only if cross_entropy really runs it."""
    x = Tensor(xp.asarray(np.random.default_rng(0).standard_normal((4, 3))), requires_grad=True)
    t = xp.asarray(np.array([0, 2, 1, 2]), dtype=xp.int64)
    assert isinstance(cross_entropy(x, t).creator, losses.CrossEntropyIndices)
    assert not isinstance(cross_entropy_reference(x, t).creator, losses.CrossEntropyIndices)


@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_fused_and_reference_agree_on_huge_logits(xp, logit):
    """logsumexp subtracts the row maximum: logits of +-1e4 give finite, equal losses."""
    x = np.array([[logit, 0.0, 1.0], [2.0, logit, -logit]])
    t = xp.asarray(np.array([1, 0]), dtype=xp.int64)
    y = backend.to_numpy(cross_entropy(xp.asarray(x), t, reduction="none").data)
    y_ref = backend.to_numpy(cross_entropy_reference(xp.asarray(x), t, reduction="none").data)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, y_ref, rtol=1e-15, atol=0)
