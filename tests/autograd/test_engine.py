"""The reverse-mode engine: the chain rule, and the mistakes other from-scratch engines shipped.

Each test is one claim a broken engine gets wrong: reused nodes must sum their
adjoints, backward twice accumulates, deep graphs need no recursion, the exponent of pow
has a gradient, means carry 1/n, no_grad/detach cut the graph, create_graph gives
differentiable gradients, dtypes survive, backends do not mix. The last test is the
classic worked example of backpropagation, derived by hand.
"""

import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.functional as F
from scratch import backend
from scratch.autograd import Tensor, grad, no_grad
from scratch.testing.strategies import arrays, spd_matrices


def _t(xp, a, grad=True):
    return Tensor(xp.asarray(np.asarray(a, dtype=np.float64)), requires_grad=grad)


def test_a_non_leaf_reused_many_times_gets_the_summed_gradient(xp):
    """Diamond: y = 3x feeds y^2, y^3 and y, so dL/dy = 2y + 3y^2 + 1 and dL/dx = 3 dL/dy."""
    a = np.array([0.5, -1.0, 2.0])
    x = _t(xp, a)
    y = x * 3.0
    (y * y + y * y * y + y).sum().backward()
    ya = 3 * a
    np.testing.assert_allclose(x.grad.numpy(), 3 * (2 * ya + 3 * ya**2 + 1), rtol=1e-15)


def test_a_node_consumed_by_ten_branches_sums_all_ten(xp):
    """L = sum_k (k+1) h with h = x^2: dL/dx = 55 * 2x (a wide diamond, one adjoint per edge)."""
    x = _t(xp, [1.5, -0.5])
    h = x * x
    total = h * 1.0
    for k in range(1, 10):
        total = total + h * float(k + 1)
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 55 * 2 * np.array([1.5, -0.5]), rtol=1e-15)


def test_calling_backward_twice_accumulates_exactly_twice(xp):
    x = _t(xp, [0.3, 0.7])
    loss = (F.sigmoid(x) * x).sum()
    loss.backward(retain_graph=True)  # PyTorch's rule: keep the graph for a second pass
    once = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * once)


def test_a_second_backward_through_a_freed_graph_is_a_clear_error(xp):
    """As in PyTorch: without retain_graph the first backward frees the graph."""
    x = _t(xp, [0.3, 0.7])
    loss = (F.sigmoid(x) * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()
    y = (x * x).sum()
    (g,) = grad(y, x, create_graph=True)  # create_graph keeps the graph by default
    (g2,) = grad(y, x)
    np.testing.assert_allclose(g2.numpy(), g.numpy())


def test_a_chain_of_100000_ops_backprops_without_recursion():
    """Topological order by an explicit stack: depth 100,000 >> the recursion limit (~1000).

    The traversal is backend-independent, so this runs on numpy only (strict's per-op
    overhead would make it the slowest test of the suite for no extra coverage).
    """
    n = 100_000
    assert sys.getrecursionlimit() < n
    x = _t(backend.get("numpy"), [1.0])
    step = Tensor(np.array([1e-6]))
    y = x
    for _ in range(n):
        y = y + step
    y.sum().backward()
    assert x.grad.numpy()[0] == 1.0
    np.testing.assert_allclose(y.numpy(), [1.1], rtol=1e-9)


def test_the_exponent_of_pow_gets_its_gradient(xp):
    """d(a^b)/db = a^b ln a: for a = 2, b = 3 that is 8 ln 2; d/da = b a^(b-1) = 12."""
    a, b = _t(xp, 2.0), _t(xp, 3.0)
    (a**b).backward()
    assert abs(b.grad.item() - 8 * math.log(2)) < 1e-14
    assert abs(a.grad.item() - 12.0) < 1e-14


@given(data=st.data())
def test_mean_reductions_carry_their_one_over_n(xp, data):
    """d mean(x)/dx_i = 1/n, n the number of reduced elements (per axis, or all)."""
    x = data.draw(arrays(xp))
    axis = data.draw(st.sampled_from([None, 0, -1]))
    t = Tensor(x, requires_grad=True)
    t.mean(axis=axis).sum().backward()
    n = math.prod(x.shape) if axis is None else x.shape[axis]
    np.testing.assert_allclose(t.grad.numpy(), np.full(x.shape, 1.0 / n), rtol=1e-15)


def test_no_grad_records_nothing(xp):
    x = _t(xp, [1.0, 2.0])
    with no_grad():
        y = F.tanh(x * 2.0).sum()
    assert y.creator is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_detach_cuts_the_graph(xp):
    """z = stop(x) * x: only the second factor is differentiated, dz/dx = x (not 2x)."""
    x = _t(xp, [1.5, -2.0])
    (x.detach() * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.5, -2.0])


@given(data=st.data())
def test_grad_with_create_graph_gives_hessian_vector_products(xp, data):
    """f = x^T A x / 2 + b^T x (A SPD): grad f = A x + b, and grad <grad f, v> = A v."""
    A = data.draw(spd_matrices(xp))
    n = A.shape[0]
    x = Tensor(data.draw(arrays(xp, (n,))), requires_grad=True)
    b = data.draw(arrays(xp, (n,)))
    v = data.draw(arrays(xp, (n,)))
    At = Tensor(A)
    f = (x @ (At @ x)) * 0.5 + (x * Tensor(b)).sum()
    (g,) = grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), backend.to_numpy(A @ x.data + b), rtol=1e-12, atol=1e-12)
    (hv,) = grad((g * Tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.numpy(), backend.to_numpy(A @ v), rtol=1e-12, atol=1e-12)


def test_third_derivative_through_nested_create_graph(xp):
    """d^3/dx^3 of x^4 at x = 1.5 is 24 x = 36: each grad is a graph of its own."""
    x = _t(xp, 1.5)
    (g1,) = grad(x**4.0, x, create_graph=True)
    (g2,) = grad(g1, x, create_graph=True)
    (g3,) = grad(g2, x)
    assert abs(g1.item() - 4 * 1.5**3) < 1e-13
    assert abs(g2.item() - 12 * 1.5**2) < 1e-13
    assert abs(g3.item() - 36.0) < 1e-13


def test_float32_in_gives_float32_gradients(xp32):
    """A small float32 network on strict's no_float64 device: any float64 leak would raise."""
    rng = np.random.default_rng(0)
    f32 = xp32.float32
    x = Tensor(xp32.asarray(rng.standard_normal((5, 3)), dtype=f32))
    w1 = Tensor(xp32.asarray(rng.standard_normal((4, 3)), dtype=f32), requires_grad=True)
    b1 = Tensor(xp32.zeros((4,), dtype=f32), requires_grad=True)
    w2 = Tensor(xp32.asarray(rng.standard_normal((2, 4)), dtype=f32), requires_grad=True)
    y = xp32.asarray(np.array([0, 1, 1, 0, 1]), dtype=xp32.int64)
    h = F.dropout(F.gelu(F.linear(x, w1, b1)), 0.2, rng=xp32.rng(1))
    loss = F.cross_entropy(F.linear(F.softmax(h, dim=1), w2), y) + (w1**2.0).mean()
    loss.backward()
    assert loss.dtype == f32
    for p in (w1, b1, w2):
        assert p.grad.dtype == f32 and backend.device_of(p.grad.data) == backend.device_of(x.data)


def test_mixing_a_numpy_tensor_with_a_strict_tensor_raises_backend_error():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(backend.get("strict").ones((2,)))
    with pytest.raises(backend.BackendError, match="different libraries"):
        a * b


def test_grad_needs_grad_outputs_for_non_scalars_and_names_unused_inputs(xp):
    x, unused = _t(xp, [1.0, 2.0]), _t(xp, [3.0])
    with pytest.raises(ValueError, match="only for scalar outputs"):
        grad(x * 2.0, x)
    with pytest.raises(ValueError, match="input 1 was not used"):
        grad((x * 2.0).sum(), [x, unused])
    gx, gu = grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gu is None and np.array_equal(gx.numpy(), [2.0, 2.0])


# The classic worked example (M. Mazur, "A Step by Step Backpropagation Example", 2015).
_W = dict(w1=0.15, w2=0.20, w3=0.25, w4=0.30, b1=0.35, w5=0.40, w6=0.45, w7=0.50, w8=0.55, b2=0.60)
_HAND = dict(  # derived in the docstring below, evaluated in plain Python floats
    E=0.2983711087600027,
    w5=0.08216704056423077,
    w6=0.08266762784753325,
    w7=-0.02260254047747507,
    w8=-0.022740242215978222,
    b2=0.10040032511200071,
    w1=0.0004385677344743465,
    w2=0.000877135468948693,
    w3=0.0004977127352608599,
    w4=0.0009954254705217198,
    b1=0.018725609394704128,
)
_PUBLISHED = dict(E=0.298371109, w5=0.082167041, w1=0.000438568)  # the article's rounded numbers


def test_chain_rule_worked_example_matches_the_hand_derivation(xp):
    r"""A 2-2-2 sigmoid network, E = 1/2 sum_k (t_k - o_k)^2, gradients by hand.

    Forward (x = (0.05, 0.10), t = (0.01, 0.99)):
      net_h1 = w1 x1 + w2 x2 + b1 = 0.15*0.05 + 0.20*0.10 + 0.35 = 0.3775,  h1 = s(0.3775)
             = 0.593269992107187
      net_h2 = w3 x1 + w4 x2 + b1 = 0.25*0.05 + 0.30*0.10 + 0.35 = 0.3925,  h2 = 0.596884378259767
      net_o1 = w5 h1 + w6 h2 + b2 = 1.105905967059770,  o1 = s(net_o1) = 0.751365069552316
      net_o2 = w7 h1 + w8 h2 + b2 = 1.224921404096465,  o2 = s(net_o2) = 0.772928465321463
      E = ((0.01 - o1)^2 + (0.99 - o2)^2) / 2 = 0.298371108760003
    Output layer, with s'(z) = s(z)(1 - s(z)) and dE/do_k = o_k - t_k:
      delta_o1 = (o1 - t1) o1 (1 - o1) = 0.741365069552316 * 0.186815601808959 = 0.138498561628557
      delta_o2 = (o2 - t2) o2 (1 - o2) = -0.217071534678537 * 0.175510052817271 = -0.038098236516556
      dE/dw5 = delta_o1 h1 = 0.082167040564231    dE/dw6 = delta_o1 h2 = 0.082667627847533
      dE/dw7 = delta_o2 h1 = -0.022602540477475   dE/dw8 = delta_o2 h2 = -0.022740242215978
      dE/db2 = delta_o1 + delta_o2 = 0.100400325112001   (b2 is shared by o1 and o2)
    Hidden layer, each h_j feeds both outputs, so its adjoint is a sum (the diamond):
      delta_h1 = (delta_o1 w5 + delta_o2 w7) h1 (1 - h1) = 0.036350306393145 * 0.241300708572325
                 = 0.008771354689487
      delta_h2 = (delta_o1 w6 + delta_o2 w8) h2 (1 - h2) = 0.041370322648745 * 0.240613417249218
                 = 0.009954254705217
      dE/dw1 = delta_h1 x1 = 0.000438567734474   dE/dw2 = delta_h1 x2 = 0.000877135468949
      dE/dw3 = delta_h2 x1 = 0.000497712735261   dE/dw4 = delta_h2 x2 = 0.000995425470522
      dE/db1 = delta_h1 + delta_h2 = 0.018725609394704
    Tolerance 1e-12 against these numbers (the engine evaluates the same products; only
    rounding differs), and 1e-9 against the article's 9-digit published values.
    """
    p = {k: _t(xp, v) for k, v in _W.items()}
    x1, x2 = 0.05, 0.10
    t1, t2 = 0.01, 0.99
    h1 = F.sigmoid(p["w1"] * x1 + p["w2"] * x2 + p["b1"])
    h2 = F.sigmoid(p["w3"] * x1 + p["w4"] * x2 + p["b1"])
    o1 = F.sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    o2 = F.sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    E = ((o1 - t1) ** 2.0 + (o2 - t2) ** 2.0) * 0.5
    E.backward()
    assert abs(E.item() - _HAND["E"]) < 1e-12
    for name, g in _HAND.items():
        if name != "E":
            assert abs(p[name].grad.item() - g) < 1e-12, name
    assert abs(E.item() - _PUBLISHED["E"]) < 1e-9
    assert abs(p["w5"].grad.item() - _PUBLISHED["w5"]) < 1e-9
    assert abs(p["w1"].grad.item() - _PUBLISHED["w1"]) < 1e-9
