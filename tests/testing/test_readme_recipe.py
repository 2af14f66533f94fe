"""The README's pytest recipe, run as written: hypothesis draws shapes and values
(``scratch.testing.strategies``) and feeds a user's hand-written VJPs to check_vjp."""

from hypothesis import given
from hypothesis import strategies as st

from scratch import backend
from scratch.testing import check_vjp
from scratch.testing.strategies import arrays, shapes


def softmax(x):
    xp = backend.namespace(x)
    z = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    return z / xp.sum(z, axis=-1, keepdims=True)


def softmax_vjp(gy, x):
    y = softmax(x)
    return y * (gy - backend.namespace(y).sum(gy * y, axis=-1, keepdims=True))


@given(data=st.data())
def test_softmax_vjp_matches_central_differences_for_every_shape(xp, data):
    x = data.draw(arrays(xp, shape=shapes(min_dims=1, max_dims=3)))
    assert check_vjp(softmax, softmax_vjp, {"x": x})


@given(n=st.integers(1, 5), d=st.integers(1, 4), m=st.integers(1, 4), data=st.data())
def test_affine_vjp_matches_central_differences(xp, n, d, m, data):
    x, w, b = (data.draw(arrays(xp, s)) for s in ((n, d), (d, m), (m,)))
    assert check_vjp(
        lambda x, w, b: x @ w + b,
        lambda g, x, w, b: (g @ w.T, x.T @ g, backend.namespace(g).sum(g, axis=0)),
        {"x": x, "w": w, "b": b},
    )
