"""Timing one closure: warm-up, timed repeats with device synchronization, peak memory.

Host peak memory is the growth of the process's resident set during the timed
repeats: after the warm-up, garbage is collected and the C heap's free pages are
returned to the OS (``malloc_trim``), then Linux lets a process reset its own
high-water mark (``echo 5 > /proc/self/clear_refs``), so peak = VmHWM after the
repeats - VmRSS before them.
It counts every allocator (NumPy, PyTorch, OpenBLAS buffers, scikit-learn's C code),
unlike tracemalloc, which sees only allocations that report to Python, and it costs
nothing inside the timed region. Where /proc is missing it is reported as None.

Device peak memory: for CuPy, the bytes its memory pool holds after the warm-up and
the repeats, minus what the set-up's arrays already used; the pool is emptied
(``free_all_blocks``) before the warm-up and never gives memory back on its own, so
this is the most device memory one call needed, rounded up to the pool's blocks. For
PyTorch on CUDA, ``torch.cuda.max_memory_allocated`` minus the bytes allocated before.
"""

from __future__ import annotations

import ctypes
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """What timing one closure measured (seconds and bytes)."""

    first_s: float
    times_s: list[float] = field(default_factory=list)
    host_peak_bytes: int | None = None
    device_peak_bytes: int | None = None

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    @property
    def min_s(self) -> float:
        return min(self.times_s)


def _proc_status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _release_free_heap() -> None:
    """Collect garbage and hand the C heap's free pages back to the OS (glibc's malloc_trim).

    Without it, memory that the warm-up freed stays resident, and the repeats reuse it
    without growing the resident set: their peak would read as zero.
    """
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


class HostPeak:
    """Resident-set growth over a region of code (Linux), else None."""

    def start(self) -> None:
        self.base_kb = None
        _release_free_heap()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            return
        self.base_kb = _proc_status_kb("VmRSS")

    def stop(self) -> int | None:
        if self.base_kb is None:
            return None
        hwm = _proc_status_kb("VmHWM")
        return None if hwm is None else max(0, hwm - self.base_kb) * 1024


class DevicePeak:
    """Device memory one call needs, from CuPy's pool and torch's CUDA allocator."""

    def __init__(self, device: str):
        self.cupy = sys.modules.get("cupy") if device == "cuda" else None
        torch = sys.modules.get("torch") if device == "cuda" else None
        self.torch = torch if torch is not None and torch.cuda.is_available() else None

    def start(self) -> None:
        if self.cupy is not None:
            pool = self.cupy.get_default_memory_pool()
            pool.free_all_blocks()
            self.cupy_base = pool.used_bytes()
        if self.torch is not None:
            self.torch.cuda.reset_peak_memory_stats()
            self.torch_base = self.torch.cuda.memory_allocated()

    def stop(self) -> int | None:
        peaks = []
        if self.cupy is not None:
            peaks.append(self.cupy.get_default_memory_pool().total_bytes() - self.cupy_base)
        if self.torch is not None:
            peaks.append(self.torch.cuda.max_memory_allocated() - self.torch_base)
        return max(peaks) if peaks else None


def sync_for(device: str) -> Callable[[], None]:
    """A function that waits for queued work on ``device`` ("cpu": nothing to wait for)."""
    if device != "cuda":
        return lambda: None
    waits = []
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        waits.append(lambda: cupy.cuda.Device().synchronize())
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        waits.append(torch.cuda.synchronize)

    def sync() -> None:
        for w in waits:
            w()

    return sync


def measure(
    fn: Callable[[], object],
    sync: Callable[[], None],
    device: str = "cpu",
    repeats: int = 5,
    budget_s: float = float("inf"),
    min_repeats: int = 1,
) -> Timing:
    """Time ``fn``: one warm-up call (reported as first-call time), then the repeats.

    Each timed interval ends with ``sync()``, so queued device work is counted. After
    ``min_repeats`` the repeats stop early once their total passes ``budget_s``.
    """
    dev = DevicePeak(device)
    host = HostPeak()
    dev.start()
    t0 = time.perf_counter()
    fn()
    sync()
    timing = Timing(first_s=time.perf_counter() - t0)
    host.start()
    spent = 0.0
    for i in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        dt = time.perf_counter() - t0
        timing.times_s.append(dt)
        spent += dt
        if i + 1 >= min_repeats and spent > budget_s:
            break
    timing.host_peak_bytes = host.stop()
    timing.device_peak_bytes = dev.stop()
    return timing
