"""Backend fixtures and hypothesis profiles shared by the whole suite.

``xp`` is a ``scratch.backend.Backend`` (it also answers every namespace function, so
``xp.sum``, ``xp.linalg.eigh`` work, and creation functions such as ``xp.asarray`` or
``xp.zeros`` place arrays on the backend's device). Every test that takes ``xp`` runs
on numpy and strict (array-api-strict on device1), on cupy when a GPU is present, and
on the backends named by ``--backends numpy,strict,cupy,torch``.

``xp32`` is for float32 training paths: numpy, and strict's ``no_float64`` device,
where any float64 that leaks into the computation raises.

Hypothesis profiles: ``ci`` (derandomized, no deadline, modest example counts; the
default) and ``dev`` (more examples, random). Choose with HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from scratch import backend

# Each xdist worker computes with one BLAS thread: two workers with two OpenBLAS threads
# each oversubscribe a 2-core machine, and small products (the GAN tests' 128-wide MLPs)
# then run 10-25x slower. A single-process run keeps the library's default.
if os.environ.get("PYTEST_XDIST_WORKER"):
    from threadpoolctl import threadpool_limits

    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")

settings.register_profile(
    "ci",
    max_examples=20,
    derandomize=True,
    database=None,  # the same examples on every machine, no replay of local history
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
    ],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
    ],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# Which tests lean on an oracle library: every pytest.importorskip call is recorded,
# against the running test or (at import time) against its module, so the run can say
# at its end how many oracle tests ran and of which libraries.
# The libraries whose results ours are compared with (the others importorskip asks for,
# such as matplotlib, are tools, not references).
ORACLES = {"torch", "sklearn", "hmmlearn", "scipy", "tensorboard", "deap", "pygad", "numpy_ml"}
_ORACLE_OF_MODULE: dict[str, set[str]] = {}
_RUNNING: dict[str, Any] = {"item": None, "libs": set()}


def _importorskip(modname, minversion=None, reason=None, **kwargs):
    """pytest.importorskip, recorded; under CI a missing oracle fails instead of skipping.

    pytest.importorskip is kept as the one way tests ask for an optional library; in CI
    (``CI=true``) a missing one is an ImportError, so its tests cannot silently vanish.
    """
    lib = modname.split(".")[0]
    if lib not in ORACLES:
        pass
    elif _RUNNING["item"] is not None:
        _RUNNING["libs"].add(lib)
    else:  # a module-level call while collecting: every test of that module needs it
        caller = sys._getframe(1).f_globals.get("__file__", "")
        _ORACLE_OF_MODULE.setdefault(os.path.abspath(caller), set()).add(lib)
    try:
        return _original_importorskip(modname, minversion=minversion, reason=reason, **kwargs)
    except pytest.skip.Exception as e:
        if os.environ.get("CI"):
            raise ImportError(f"CI requires {modname!r} (a test oracle), but: {e}") from None
        raise


_original_importorskip = pytest.importorskip
pytest.importorskip = _importorskip


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _RUNNING["item"], _RUNNING["libs"] = item, set()
    yield
    _RUNNING["item"] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        libs = _RUNNING["libs"] | _ORACLE_OF_MODULE.get(os.path.abspath(str(item.fspath)), set())
        outcome.get_result().user_properties.extend(("oracle", lib) for lib in sorted(libs))


_ORACLE_PASSED: dict[str, int] = {}


def pytest_runtest_logreport(report):
    """On the controller (xdist or not): count the passed tests that used an oracle."""
    if report.when == "call" and report.passed:
        libs = {v for k, v in report.user_properties if k == "oracle"}
        for lib in libs:
            _ORACLE_PASSED[lib] = _ORACLE_PASSED.get(lib, 0) + 1
        if libs:
            _ORACLE_PASSED["*"] = _ORACLE_PASSED.get("*", 0) + 1


def pytest_terminal_summary(terminalreporter):
    total = _ORACLE_PASSED.get("*", 0)
    per_lib = ", ".join(f"{k} {v}" for k, v in sorted(_ORACLE_PASSED.items()) if k != "*")
    terminalreporter.write_line(
        f"oracle tests: {total} passed against their reference library ({per_lib or 'none'})"
    )


def pytest_addoption(parser):
    parser.addoption(
        "--backends",
        default=None,
        help="comma-separated backends for the xp fixture (default: numpy,strict, plus cupy "
        "when a GPU is usable)",
    )


def _requested(config) -> list[str]:
    opt = config.getoption("--backends")
    if opt:
        return [b.strip() for b in opt.split(",") if b.strip()]
    names = ["numpy", "strict"]
    if backend._gpu_usable():
        names.append("cupy")
    return names


def pytest_generate_tests(metafunc):
    if "xp" in metafunc.fixturenames:
        metafunc.parametrize("xp", _requested(metafunc.config), indirect=True)
    if "xp32" in metafunc.fixturenames:
        names = ["numpy", "strict:no_float64"]
        if "cupy" in _requested(metafunc.config):
            names.append("cupy")
        metafunc.parametrize("xp32", names, indirect=True)


def _backend_or_skip(name):
    try:
        return backend.get(name)
    except backend.BackendError as e:
        if name.split(":")[0] in ("numpy", "strict") and os.environ.get("CI"):
            raise  # in CI these must exist
        pytest.skip(f"backend {name} unavailable: {e}")


@pytest.fixture
def xp(request):
    return _backend_or_skip(request.param)


@pytest.fixture
def xp32(request):
    return _backend_or_skip(request.param)
