"""Bad hyper-parameters and bad gradients for every scratch.optim optimizer.

Every hyper-parameter of every optimizer gets drawn values that torch.optim refuses too
(negative, NaN, -inf, a string, None; betas/alpha/rho outside their interval): each is a
ValueError/TypeError from scratch naming it. lr = 0 is accepted, as in torch. A NaN or
infinite gradient follows torch: the parameter becomes NaN/inf where torch's does and
stays equal elsewhere, without a RuntimeWarning. A gradient of another shape or backend,
and params that are not Tensors, are clear errors naming ``params[i]`` / ``params``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import optim
from scratch.autograd import Tensor
from scratch.backend import BackendError, to_numpy
from scratch.nn import Parameter

OPTIMIZERS = {
    "SGD": optim.SGD,
    "Adagrad": optim.Adagrad,
    "RMSprop": optim.RMSprop,
    "Adadelta": optim.Adadelta,
    "Adam": optim.Adam,
    "AdamW": optim.AdamW,
}
NON_NEGATIVE = {  # hyper-parameters that must be >= 0
    "SGD": ("lr", "momentum", "weight_decay"),
    "Adagrad": ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
    "RMSprop": ("lr", "alpha", "eps", "weight_decay", "momentum"),
    "Adadelta": ("lr", "rho", "eps", "weight_decay"),
    "Adam": ("lr", "eps", "weight_decay"),
    "AdamW": ("lr", "eps", "weight_decay"),
}
AT_MOST_ONE = {"RMSprop": ("alpha",), "Adadelta": ("rho",)}  # in [0, 1]
HYPER_CASES = [(o, h) for o, hs in NON_NEGATIVE.items() for h in hs]

not_a_number = st.one_of(st.text(max_size=3), st.none(), st.just([0.1]), st.just(float("nan")))
negative = st.one_of(st.floats(max_value=-1e-12, allow_nan=False), st.integers(max_value=-1))


def _params(xp, n=3):
    return [Parameter(xp.asarray(np.linspace(-1.0, 1.0, n)))]


@pytest.mark.parametrize("opt,hyper", HYPER_CASES, ids=[f"{o}-{h}" for o, h in HYPER_CASES])
@settings(max_examples=8)
@given(value=st.one_of(negative, not_a_number))
def test_a_negative_nan_or_non_numeric_hyperparameter_is_refused_by_name(
    xp, ours, opt, hyper, value
):
    with pytest.raises((ValueError, TypeError)) as e:
        OPTIMIZERS[opt](_params(xp), **{hyper: value})
    ours(e, hyper)


@pytest.mark.parametrize("opt,hyper", [(o, h) for o, hs in AT_MOST_ONE.items() for h in hs])
@settings(max_examples=8)
@given(value=st.floats(min_value=1.0, exclude_min=True, allow_nan=False))
def test_a_decay_above_one_is_refused_by_name(xp, ours, opt, hyper, value):
    with pytest.raises(ValueError) as e:
        OPTIMIZERS[opt](_params(xp), **{hyper: value})
    ours(e, hyper)


@pytest.mark.parametrize("opt", ["Adam", "AdamW"])
@settings(max_examples=12)
@given(
    beta=st.one_of(
        st.floats(min_value=1.0, allow_nan=False),
        negative,
        st.just(float("nan")),
        st.text(max_size=2),
    ),
    which=st.sampled_from([0, 1]),
)
def test_betas_outside_zero_one_are_refused_by_name(xp, ours, opt, beta, which):
    betas = [0.9, 0.999]
    betas[which] = beta
    with pytest.raises(ValueError) as e:
        OPTIMIZERS[opt](_params(xp), betas=tuple(betas))
    ours(e, f"betas[{which}]")


@pytest.mark.parametrize("opt", ["Adam", "AdamW"])
@given(betas=st.one_of(st.floats(0, 0.99), st.just((0.9,)), st.just((0.9, 0.9, 0.9)), st.none()))
def test_betas_that_are_not_a_pair_are_refused_by_name(xp, ours, opt, betas):
    with pytest.raises((ValueError, TypeError)) as e:
        OPTIMIZERS[opt](_params(xp), betas=betas)
    ours(e, "betas")


@given(momentum=st.floats(0.0, 10.0), dampening=st.floats(-10.0, 10.0))
def test_nesterov_without_momentum_or_with_dampening_is_refused(xp, ours, momentum, dampening):
    if momentum > 0 and dampening == 0:
        optim.SGD(_params(xp), momentum=momentum, nesterov=True)  # the valid combination
        return
    with pytest.raises(ValueError) as e:
        optim.SGD(_params(xp), momentum=momentum, dampening=dampening, nesterov=True)
    ours(e, "Nesterov", "nesterov")


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@given(g=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3))
def test_lr_zero_is_accepted_as_in_torch_and_moves_nothing(xp, opt, g):
    params = _params(xp)
    before = to_numpy(params[0].data).copy()
    o = OPTIMIZERS[opt](params, lr=0.0, weight_decay=0.0)
    params[0].grad = Tensor(xp.asarray(np.asarray(g)))
    o.step()
    np.testing.assert_array_equal(to_numpy(params[0].data), before)


special = st.sampled_from([np.nan, np.inf, -np.inf])


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@settings(max_examples=10)
@given(
    g=st.lists(st.one_of(st.floats(-10, 10), special), min_size=4, max_size=4),
    steps=st.integers(1, 3),
)
def test_a_nan_or_inf_gradient_gives_torchs_parameters_without_a_warning(xp, opt, g, steps):
    """torch.optim has no check: NaN/inf flow into the parameter. Ours must match it,
    NaN for NaN and inf for inf, with no RuntimeWarning (an error in this suite)."""
    torch = pytest.importorskip("torch")
    p0 = np.linspace(-1.0, 1.0, 4)
    ours_p = [Parameter(xp.asarray(p0))]
    theirs_p = [torch.tensor(p0, requires_grad=True)]
    options = {"lr": 0.1}
    if opt in ("SGD", "RMSprop"):
        options["momentum"] = 0.9
    ours_opt = OPTIMIZERS[opt](ours_p, **options)
    theirs_opt = getattr(torch.optim, opt)(theirs_p, **options)
    for _ in range(steps):
        ours_p[0].grad = Tensor(xp.asarray(np.asarray(g)))
        theirs_p[0].grad = torch.tensor(np.asarray(g))
        ours_opt.step()
        theirs_opt.step()
    np.testing.assert_allclose(
        to_numpy(ours_p[0].data), theirs_p[0].detach().numpy(), rtol=1e-10, atol=1e-12
    )  # assert_allclose compares NaN with NaN and inf with inf position by position


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@given(n=st.integers(1, 6).filter(lambda n: n != 3))
def test_a_gradient_of_another_shape_is_refused_by_name(xp, ours, opt, n):
    params = _params(xp)
    o = OPTIMIZERS[opt](params, lr=0.1)
    params[0].grad = Tensor(xp.asarray(np.ones(n)))
    with pytest.raises(ValueError) as e:
        o.step()
    ours(e, "params[0]")


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_a_gradient_on_another_backend_is_refused_by_name(xp, bad, ours, opt):
    params = _params(xp)
    o = OPTIMIZERS[opt](params, lr=0.1)
    params[0].grad = Tensor(bad("other", np.ones(3), xp))
    with pytest.raises(BackendError) as e:
        o.step()
    ours(e, "params[0]")


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@given(
    params=st.sampled_from(
        [None, 3, [], [np.ones(3)], ["w"], "ab", [Tensor(np.ones(3))], [{"lr": 0.1}]]
    )
)
def test_params_that_are_not_trainable_tensors_are_refused(ours, opt, params):
    with pytest.raises((ValueError, TypeError)) as e:
        OPTIMIZERS[opt](params)
    ours(e, "params", "parameter")
