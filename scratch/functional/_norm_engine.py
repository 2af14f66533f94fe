r"""The fused normalization node: ``standardize_reference``'s numbers in whole-array passes.

``Normalize`` computes y = gamma xhat + beta (or xhat alone), xhat standardized over a
set A of axes, as one node of the graph, on raw arrays; ``norm.py`` derives the formulas
and holds the textbook version it is tested equal to. Per feature (the axes not in A):

    forward:   mu = (1/n) sum_A x,   d = x - mu,   sigma^2 = (1/n) sum_A d d,
               y = d a + beta  with  a = gamma / sigma   (d becomes y in place);
    backward:  S1 = sum_A dy,  S2 = sum_A dy x,   sum_A dy xhat = (S2 - mu S1) / sigma,
               dx = scale (dy + k (x - mu) + c) = x (scale k) + scale (c - k mu) + scale dy,
               scale = gamma / sigma, k = -(1/sigma)(1/n) sum_A dy xhat, c = -(1/n) S1.

So forward keeps only mu and 1/sigma (backward reads x, an input of the graph anyway),
and the only arrays the size of x it allocates are y and dx. The sums over A are row
dot products (``_sum_A``): each contiguous row of the trailing axes of A against a
ones vector or against the other factor (``vecdot``), the rows then summed over axis 0
when A holds it. A per-channel coefficient of batch norm (A = (0, 2, 3, ...)) is
materialized as a plane of one sample's shape (``_plane``), so that NumPy's loop runs
over contiguous C H W numbers instead of restarting at every channel's H W.

Bytes moved per element of x (float32, 4 B a number): forward 32 (read x for mu; read
x, write d; read d for sigma^2; d *= a and d += beta, a read and a write each),
backward 48 (read dy for S1; read dy and x for S2; t = x (scale k): read, write;
t += ..., t += dy, t *= scale). More than the 12 and 20 of two fused loops, but each
step is one library call over the whole array, and on NumPy the count of such steps
sets the time more than the bytes do: the cache-chunked passes this replaces moved
fewer bytes to memory and took longer (below).

Precision (float32, u = 2^-24 ~ 6e-8). The variance is the centred second moment of d,
the textbook two-pass formula: its error grows like u |mu| / sigma (mu's own rounding),
not like the u (mu / sigma)^2 of a one-pass sum of squares minus the squared mean. The
backward's S2 - mu S1 and x (scale k) + scale (c - k mu) cancel where |mu| >> sigma:
relative error about u (1 + |mu| / sigma) times a small factor of the float32 sums
(measured on (16, 8, 16, 16): 4 u |mu| / sigma for dgamma, 6x the centred sums' at
mu / sigma = 30; under 0.5 u |mu| / sigma for y and dx);
tests/functional/test_norm_engine_paths.py bounds all four by 32 u (1 + |mu| / sigma)
at mu / sigma = 0, 30 and 1000. Centring the backward (x - mu as the first step of dx,
the sums taken against it) costs one more whole-array step: 5-9% of the call, measured.

Measured (numpy 2, OpenBLAS, float32 (64, 64, 32, 32) batch norm training forward +
backward on the shared 2-core machine, variants interleaved in one process, 25-50
repeats, medians): the cache-chunked passes this replaces (x read three times forward,
chunks of 3 MiB) 13.1-13.7 ms, these 7.6-7.8 ms (0.56-0.59x pair by pair). In NumPy
prototypes: coefficients broadcast from (1, C, 1, 1) instead of planes 10.9 ms against
9.0 (an elementwise step 0.9-1.0 ms instead of 0.6); the dx chain in chunks of 1 to 8
images (L2-sized, 256 KiB to 2 MiB) 2.6-3.1 ms against 2.9 whole, within the noise, so
not taken; the variance as one pass (sum of squares minus the squared mean, two-pass
only where it would cancel, a host read of a flag) 0.92-0.96x the call, not taken for
the sync and the weaker bound. Row sums as ``vecdot`` with ones: 0.29-0.33 ms against
0.36-0.45 for a matmul with ones (two BLAS threads on the two shared cores) and
0.64-0.68 for ``sum`` over the last axis.
"""

from __future__ import annotations

import math

from .. import backend
from .. import profiling as _ph
from ..autograd import Function, Tensor, is_grad_enabled
from ..autograd import ops as m


class Normalize(Function):
    r"""y = gamma xhat + beta (or xhat alone), xhat standardized over ``axes`` A: one node.

    The numbers of ``norm.standardize_reference`` (and the affine map), the passes of the
    module docstring. gamma and beta, when given, must be constant over A and cover the
    other axes (batch norm's per-channel ones).
    Backward: dL/dbeta = sum_A dy, dL/dgamma = sum_A dy xhat,
    dL/dx = (gamma / sigma) (dy - (1/n) sum_A dy - xhat (1/n) sum_A dy xhat); to first
    order on raw arrays from x, mu and 1/sigma (``_first_order``); with a graph
    (create_graph=True) from the reference's xhat and 1/sigma (``_closed_form``), so
    the gradient can be differentiated again.
    Shapes: x (N, *); gamma, beta the features' shape; y like x. ``mean`` and ``var``
    hold the (biased) moments after forward, keepdims shape.
    """

    def __init__(self, axes: tuple[int, ...], eps: float):
        self.axes, self.eps = tuple(axes), float(eps)

    def forward(self, x, gamma=None, beta=None):
        xp = backend.namespace(x)
        self.n = math.prod(x.shape[a] for a in self.axes)
        _ph.start()
        mu = _sum_A(x, None, self.axes) / self.n
        d = x - _plane(mu, x, self.axes)  # fresh: becomes y in place
        sigma2 = _sum_A(d, d, self.axes) / self.n
        inv_sigma = 1.0 / xp.sqrt(sigma2 + self.eps)
        _ph.mark("statistics")
        self.mean, self.var = mu, sigma2
        self.save_for_backward(mu, inv_sigma)
        a = inv_sigma if gamma is None else inv_sigma * xp.reshape(gamma, mu.shape)
        d *= _plane(a, x, self.axes)
        if beta is not None:
            d += _plane(xp.reshape(beta, mu.shape), x, self.axes)
        _ph.mark("elementwise")
        return d

    def backward(self, gy):
        x, affine = self.inputs[0], len(self.inputs) == 3
        if is_grad_enabled():  # create_graph: the gradient must know how xhat depends on x
            from .norm import standardize_reference  # norm.py imports this module

            xhat, _, sigma2 = standardize_reference(x, self.axes, self.eps)
            inv_sigma = (sigma2 + self.eps) ** -0.5
            gamma = m.reshape(self.inputs[1], sigma2.shape) if affine else None
            grads = _closed_form(
                gy,
                xhat,
                inv_sigma,
                gamma,
                self.n,
                lambda a: m.sum(a, self.axes, keepdims=True),
                lambda a, b: m.sum(a * b, self.axes, keepdims=True),
                x.requires_grad,
            )
            reshape, wrap = m.reshape, lambda t: t
        else:  # first order: raw arrays, x and the moments forward saved
            mu, inv_sigma = self.saved
            xp = backend.namespace(gy.data)
            gamma = xp.reshape(self.inputs[1].data, inv_sigma.shape) if affine else None
            grads = self._first_order(xp, gy.data, x.data, mu, inv_sigma, gamma, x.requires_grad)
            reshape, wrap = xp.reshape, Tensor
        gx, g_gamma, g_beta = grads
        gx = None if gx is None else wrap(gx)
        if not affine:
            return gx
        gamma_in, beta_in = self.inputs[1], self.inputs[2]
        g_gamma = wrap(reshape(g_gamma, gamma_in.shape)) if gamma_in.requires_grad else None
        g_beta = wrap(reshape(g_beta, beta_in.shape)) if beta_in.requires_grad else None
        return gx, g_gamma, g_beta

    def _first_order(self, xp, dy, x, mu, inv_sigma, gamma, need_x: bool):
        """``_closed_form`` on raw arrays: two sums, then dx in four whole-array steps.

        S1 = sum_A dy, S2 = sum_A dy x, sum_A dy xhat = (S2 - mu S1) / sigma; then
        dx = x (scale k) + scale (c - k mu) + scale dy (the module docstring), computed
        as t = x k; t += c - k mu; t += dy; t *= scale: the last product scales every
        term at once, and ``dy`` itself is not written to.
        """
        axes = self.axes
        _ph.start()
        g_beta = _sum_A(dy, None, axes)
        g_gamma = (_sum_A(dy, x, axes) - mu * g_beta) * inv_sigma
        _ph.mark("statistics")
        if not need_x:
            return None, g_gamma, g_beta
        scale = inv_sigma if gamma is None else gamma * inv_sigma
        k = inv_sigma * g_gamma * (-1.0 / self.n)
        c = g_beta * (-1.0 / self.n)
        gx = x * _plane(k, x, axes)
        gx += _plane(c - k * mu, x, axes)
        gx += dy
        gx *= _plane(scale, x, axes)
        _ph.mark("elementwise")
        return gx, g_gamma, g_beta


def _closed_form(dy, xhat, inv_sigma, gamma, n: int, sum_A, dot_A, need_x: bool):
    """(dL/dx or None, sum_A dy xhat, sum_A dy) for y = gamma xhat + beta (gamma None: 1).

    The formula of norm.py's module docstring on Tensors (the create_graph backward):
    only +, -, * and the two sums over A (``sum_A(a)``, ``dot_A(a, b)`` = sum_A a b).
    ``dy`` itself is never written to.
    """
    g_beta = sum_A(dy)
    g_gamma = dot_A(dy, xhat)
    if not need_x:
        return None, g_gamma, g_beta
    scale = inv_sigma if gamma is None else gamma * inv_sigma
    # gx = scale (dy - g_beta / n - xhat g_gamma / n); each step a new node of the graph
    gx = xhat * (g_gamma * (-1.0 / n))
    gx = gx - g_beta * (1.0 / n)
    gx = gx + dy
    return gx * scale, g_gamma, g_beta


def _sum_A(a, b, axes: tuple[int, ...]):
    """sum_A a b (sum_A a when b is None), keepdims, as dot products of rows.

    Rows are the trailing axes of A, flattened; each is dotted with b's row or with a
    ones vector (``vecdot``: no temporary the size of a b), and axis 0 (batch norm's
    batch) is summed after. Any other A, or A = (0,) alone, is the plain sum.
    """
    xp = backend.namespace(a) if b is None else backend.namespace(a, b)
    keep = tuple(1 if i in axes else s for i, s in enumerate(a.shape))
    trailing = tuple(ax for ax in axes if ax != 0)
    k = a.ndim - len(trailing)
    if not trailing or trailing != tuple(range(k, a.ndim)):
        return xp.sum(a if b is None else a * b, axis=axes, keepdims=True)
    lead = tuple(a.shape[:k])
    rows = xp.reshape(a, lead + (-1,))
    if b is None:
        other = xp.ones((rows.shape[-1],), dtype=a.dtype, device=backend.device_of(a))
    else:
        other = xp.reshape(b, lead + (-1,))
    s = xp.vecdot(rows, other)
    if 0 in axes:
        s = xp.sum(s, axis=0)
    return xp.reshape(s, keep)


def _plane(v, x, axes: tuple[int, ...]):
    """A keepdims statistic ``v`` ready to combine with x: batch norm's (1, C, 1, ...)
    materialized as one sample's plane (1, C, H, W, ...), anything else as it is.

    A plane is 1/N of x; the elementwise steps against it run as one contiguous loop
    (0.6 ms a step instead of 0.9-1.0 on (64, 64, 32, 32) float32, NumPy).
    """
    if 0 not in axes or x.ndim < 3 or v.shape[0] != 1:
        return v
    xp = backend.namespace(v)
    plane = xp.zeros((1,) + tuple(x.shape[1:]), dtype=v.dtype, device=backend.device_of(v))
    plane += v
    return plane
