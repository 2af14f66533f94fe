r"""What a gradient check does with float32 inputs: refuse, promote, or check coarsely.

Central differences need float64 (``numeric.float32_advice`` gives the arithmetic:
at eps = 1e-6 a float32 difference carries ~6% round-off). Three policies:

``"refuse"`` (default)
    A TypeError that names the input and says how to cast (``model.double()``,
    ``xp.astype(x, xp.float64)``) and what the other two policies do.
``"promote"``
    Evaluate in float64 where the function allows it: the inputs (and, in
    ``gradcheck``, the parameters and buffers of the modules involved) are cast to
    float64 for the check and restored afterwards. A function that casts back to
    float32 inside, or a device without float64, is refused with the reason.
``"coarse"``
    Keep float32 and use the only honest float32 settings: eps >= 1e-2,
    rtol >= 1e-2, atol >= 1e-3. Such a check still misses errors below ~1%.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from .numeric import float32_advice

POLICIES = ("refuse", "promote", "coarse")


def check_policy(float32: str) -> str:
    if float32 not in POLICIES:
        raise ValueError(f"float32 must be one of {', '.join(POLICIES)}, got {float32!r}")
    return float32


def is_low_precision(a: Any) -> bool:
    """A real floating array narrower than float64."""
    xp = backend.namespace(a)
    return bool(xp.isdtype(a.dtype, "real floating")) and a.dtype != xp.float64


def refusal(what: str, name: str, dtype: Any, cast_hint: str, eps: float) -> TypeError:
    """The float32 error: which input, how to cast, and the two other policies."""
    label = f"input {name}" if name.isdigit() else f"input {name!r}"
    return TypeError(
        f"{what} needs float64 inputs (central differences in float32 are too coarse); "
        f"{label} has dtype {dtype}. {cast_hint} Or pass float32='promote' to "
        f"evaluate in float64 for the check, or float32='coarse' for float32-only code: "
        f"{float32_advice(eps)}."
    )


def coarse_tolerances(eps: float, atol: float, rtol: float) -> tuple[float, float, float]:
    """The honest float32 settings: (max(eps, 1e-2), max(atol, 1e-3), max(rtol, 1e-2))."""
    return max(eps, 1e-2), max(atol, 1e-3), max(rtol, 1e-2)


def to_float64(a: Any, name: str, what: str, eps: float):
    """``a`` cast to float64 on its own device, or a TypeError saying why it cannot be."""
    xp = backend.namespace(a)
    try:
        return xp.astype(a, xp.float64)
    except Exception as e:  # noqa: BLE001 - the device decides; its message is kept
        raise TypeError(
            f"{what}: float32='promote' cannot cast input {name!r} to float64 on "
            f"{backend.device_of(a)} ({type(e).__name__}: {e}); pass float32='coarse': "
            f"{float32_advice(eps)}"
        ) from e


def refuse_float32_output(what: str, k: int, dtype: Any, eps: float) -> TypeError:
    return TypeError(
        f"{what}: with float32='promote' the inputs are float64, but output {k} came back "
        f"as {dtype}: the function casts to float32 inside, so the differences cannot be "
        f"taken in float64; pass float32='coarse': {float32_advice(eps)}"
    )
