"""What machine the numbers come from: CPU, cores, BLAS kernel, GPU, library versions.

Also the two facts about OpenBLAS that the results must carry. This workplace may
set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) to dodge old OpenBLAS bugs; on an
AVX-512 CPU a forced older core type runs NumPy's float32 matmul at about half speed.
OpenBLAS reads them once, when the library loads, so ``clean_blas_env`` must run
before NumPy is imported (``benchmarks.run`` re-executes itself when it is too late).
"""

from __future__ import annotations

import json
import os
import platform
import re
import time

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Set in the re-executed benchmark process: the values the parent process had.
ORIGINAL_ENV_MARK = "SCRATCH_BENCH_ORIGINAL_BLAS_ENV"
LIBRARIES = (
    "numpy",
    "scipy",
    "array_api_compat",
    "array_api_strict",
    "cupy",
    "torch",
    "sklearn",
    "hmmlearn",
    "numpy_ml",
    "matplotlib",
    "PIL",
    "cv2",
    "imageio",
    "threadpoolctl",
)


def blas_env_to_clean() -> dict[str, str]:
    """The OpenBLAS variables set in this process's environment, name -> value."""
    return {k: os.environ[k] for k in BLAS_VARS if k in os.environ}


def original_blas_env() -> dict[str, str | None]:
    """The OpenBLAS variables as the user's environment had them (before any cleaning)."""
    if ORIGINAL_ENV_MARK in os.environ:
        saved = json.loads(os.environ[ORIGINAL_ENV_MARK])
    else:
        saved = blas_env_to_clean()
    return {k: saved.get(k) for k in BLAS_VARS}


def cleaned_environ() -> dict[str, str]:
    """A copy of os.environ without the OpenBLAS variables, remembering their values."""
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARS}
    env[ORIGINAL_ENV_MARK] = json.dumps(original_blas_env())
    return env


def slug(text: str) -> str:
    """Lower-case words joined by dashes: 'Intel(R) Xeon(R) Gold 6338' -> 'intel-xeon-gold-6338'."""
    text = re.sub(r"\((r|tm|c)\)", "", text.lower())
    text = re.sub(r"@.*$", "", text)  # the clock speed
    text = re.sub(r"(\s+(cpu|processor))+\s*$", "", text.strip())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unknown"


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, platform elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def gpu_name() -> str | None:
    """The name of GPU 0 as CuPy (else torch) sees it, or None without a usable GPU."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
            return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:  # noqa: BLE001 - no cupy or no driver: try torch
        pass
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - no torch or no driver
        pass
    return None


def machine_name(use_gpu: bool) -> str:
    """``gpu-<gpu name>`` when a GPU is used, else ``cpu-<cpu model>-<cores>c``."""
    gpu = gpu_name() if use_gpu else None
    if gpu:
        return f"gpu-{slug(gpu)}"
    return f"cpu-{slug(cpu_model())}-{cpu_count()}c"


def blas_info() -> list[dict]:
    """threadpoolctl's view of the loaded BLAS libraries (kernel architecture, threads)."""
    import numpy  # noqa: F401 - threadpoolctl sees only the libraries already loaded

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"error": "threadpoolctl not installed"}]
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer", "prefix")
    return [{k: i.get(k) for k in keys} for i in threadpool_info() if i.get("user_api") == "blas"]


def versions() -> dict[str, str | None]:
    """Version of each library that matters for the numbers (None when absent).

    Read from the installed distributions' metadata, so nothing heavy gets imported.
    """
    from importlib import metadata

    dists = metadata.packages_distributions()
    out = {"python": platform.python_version()}
    for mod in LIBRARIES:
        out[mod] = None
        for dist in dists.get(mod, []):
            try:
                out[mod] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return out


def describe(use_gpu: bool) -> dict:
    """Everything about this machine that the results file records."""
    return {
        "name": machine_name(use_gpu),
        "cpu": cpu_model(),
        "cores": cpu_count(),
        "platform": platform.platform(),
        "gpu": gpu_name() if use_gpu else None,
        "blas": blas_info(),
        "blas_env_original": original_blas_env(),
        "blas_env_in_run": {k: os.environ.get(k) for k in BLAS_VARS},
        "versions": versions(),
    }


def _best_seconds(fn, sync, repeats: int) -> float:
    fn()
    sync()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best


def matmul_peaks(n_cpu: int = 2048, n_gpu: int = 4096, repeats: int = 3, gpu: bool = True) -> dict:
    r"""This machine's matmul GFLOP/s, the yardstick for every workload's GFLOP/s.

    C = A @ B with A, B of shape (n, n) costs 2 n^3 FLOPs; the best of ``repeats`` runs
    after one warm-up. Keys ``cpu-float32``, ``cpu-float64`` (NumPy) and, with ``gpu``
    and a usable GPU, ``cuda-float32``, ``cuda-float64`` (CuPy, else torch).
    """
    import numpy as np

    out = {}
    rng = np.random.default_rng(0)
    for dt in ("float32", "float64"):
        a = rng.standard_normal((n_cpu, n_cpu)).astype(dt)
        b = rng.standard_normal((n_cpu, n_cpu)).astype(dt)
        s = _best_seconds(lambda a=a, b=b: a @ b, lambda: None, repeats)
        out[f"cpu-{dt}"] = {"n": n_cpu, "seconds": s, "gflops": 2.0 * n_cpu**3 / s / 1e9}
    if gpu:
        out.update(_gpu_matmul_peaks(n_gpu, repeats))
    return out


def _gpu_matmul_peaks(n: int, repeats: int) -> dict:
    out = {}
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no GPU")
        sync = cupy.cuda.Device().synchronize
        for dt in ("float32", "float64"):
            a = cupy.random.standard_normal((n, n), dtype=dt)
            b = cupy.random.standard_normal((n, n), dtype=dt)
            s = _best_seconds(lambda a=a, b=b: a @ b, sync, repeats)
            out[f"cuda-{dt}"] = {
                "n": n,
                "seconds": s,
                "gflops": 2.0 * n**3 / s / 1e9,
                "lib": "cupy",
            }
        return out
    except Exception:  # noqa: BLE001 - no cupy or no GPU: try torch
        pass
    try:
        import torch

        if not torch.cuda.is_available():
            return out
        for dt in ("float32", "float64"):
            a = torch.randn(n, n, dtype=getattr(torch, dt), device="cuda")
            b = torch.randn(n, n, dtype=getattr(torch, dt), device="cuda")
            s = _best_seconds(lambda a=a, b=b: a @ b, torch.cuda.synchronize, repeats)
            out[f"cuda-{dt}"] = {
                "n": n,
                "seconds": s,
                "gflops": 2.0 * n**3 / s / 1e9,
                "lib": "torch",
            }
    except Exception:  # noqa: BLE001 - no torch: no GPU yardstick
        pass
    return out
