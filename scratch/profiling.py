"""Where an engine's time goes: named phases, timed only while a ``recording`` block is open.

The convolution, normalization, KMeans and SMO engines call ``mark("GEMM")`` right after each step;
a mark adds the time since the previous mark (or since ``start()``) to that phase.
Outside a ``recording`` block ``mark`` is one global lookup and a comparison with None
(about 50 ns; a conv2d step makes a few dozen marks against tens of milliseconds), so
the engines keep their marks in production. ``scratch bench --profile WORKLOAD``
(benchmarks/profile.py) reads them.

The times are host wall-clock: exact for synchronous libraries (NumPy and the other CPU
ones); on a GPU they would measure kernel launches, not kernels, so the profiler runs
on the CPU.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

_clock: _Clock | None = None


class _Clock:
    """Seconds per phase name, and the time of the last mark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.last = time.perf_counter()

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + (now - self.last)
        self.calls[name] = self.calls.get(name, 0) + 1
        self.last = now


def mark(name: str) -> None:
    """Charge the time since the previous mark to phase ``name`` (no-op when not recording)."""
    if _clock is not None:
        _clock.mark(name)


def start() -> None:
    """Restart the running interval without charging it: the engine's entry point.

    What ran before (autograd bookkeeping, argument checks) is left to the caller's
    total, so it shows up as the profile's remainder instead of in the first phase.
    """
    if _clock is not None:
        _clock.last = time.perf_counter()


@contextlib.contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Within the block the marks are timed; yields the dict of seconds per phase.

    Not reentrant and not thread-aware: one profiler at a time (the benchmark's).
    """
    global _clock
    previous, _clock = _clock, _Clock()
    try:
        yield _clock.seconds
    finally:
        _clock = previous
