"""Image loading and saving: Pillow, OpenCV, imageio and matplotlib, side by side.

Five 1920x1080 RGB images (fewer and smaller for ``--quick``/``--tiny`` runs) with
deterministic content, smooth gradients plus noise so compression works as hard as
on photographs, are written as PNG and JPEG (quality 90) by each library and read
back into float32 arrays in [0, 1] on the host, and then onto the GPU (CuPy) when
one is usable. Times are per image (median over repeats of the whole set), with the
file size each library produced and how far the decoded pixels are from the source
(0 for a lossless PNG). A missing library is reported as missing.

    python -m benchmarks.image_io [--quick | --tiny] [--out DIR]
    scratch bench --only image_io
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scratch.io import atomic_write_text

from . import timing

SIZES = {
    "full": {"n": 5, "width": 1920, "height": 1080, "repeats": 3},
    "quick": {"n": 2, "width": 1920, "height": 1080, "repeats": 1},
    "tiny": {"n": 2, "width": 192, "height": 108, "repeats": 1},
}
FORMATS = ("png", "jpg")
JPEG_QUALITY = 90


def make_images(n: int, width: int, height: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` uint8 RGB images: a smooth colour field plus Gaussian noise (sigma 6 levels)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    out = []
    for i in range(n):
        fx, fy = rng.uniform(1, 4, size=2)
        phase = rng.uniform(0, 2 * np.pi, size=3)
        chans = [
            0.5 + 0.4 * np.sin(2 * np.pi * (fx * x / width + fy * y / height) + phase[c])
            for c in range(3)
        ]
        img = 255 * np.stack(chans, axis=-1) + rng.normal(0, 6, size=(height, width, 3))
        out.append(np.clip(img, 0, 255).astype(np.uint8))
        del i
    return out


# Each library: (write(path, uint8 HxWx3), read(path) -> float32 HxWx3 in [0, 1]).


def _pillow():
    from PIL import Image

    def write(path: Path, img: np.ndarray) -> None:
        kw = {"quality": JPEG_QUALITY} if path.suffix == ".jpg" else {}
        Image.fromarray(img).save(path, **kw)

    def read(path: Path) -> np.ndarray:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0

    return write, read


def _opencv():
    import cv2

    def write(path: Path, img: np.ndarray) -> None:
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if path.suffix == ".jpg" else []
        if not cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), params):
            raise OSError(f"cv2.imwrite could not write {path}")

    def read(path: Path) -> np.ndarray:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0

    return write, read


def _imageio():
    import imageio.v3 as iio

    def write(path: Path, img: np.ndarray) -> None:
        kw = {"quality": JPEG_QUALITY} if path.suffix == ".jpg" else {}
        iio.imwrite(path, img, **kw)

    def read(path: Path) -> np.ndarray:
        return np.asarray(iio.imread(path), dtype=np.float32) / 255.0

    return write, read


def _matplotlib():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def write(path: Path, img: np.ndarray) -> None:
        kw = {"pil_kwargs": {"quality": JPEG_QUALITY}} if path.suffix == ".jpg" else {}
        plt.imsave(path, img, **kw)

    def read(path: Path) -> np.ndarray:
        a = plt.imread(path)  # PNG: float32 in [0, 1] already (RGBA from imsave); JPEG: uint8
        a = a[..., :3]
        return a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)

    return write, read


LIBRARIES: dict[str, Callable] = {
    "pillow": _pillow,
    "opencv": _opencv,
    "imageio": _imageio,
    "matplotlib": _matplotlib,
}


def _to_device() -> tuple[Callable | None, Callable[[], None]]:
    """CuPy's host-to-device copy and its synchronization, or (None, no-op) without a GPU."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy.asarray, timing.sync_for("cuda")
    except Exception:  # noqa: BLE001 - no cupy or no GPU: the device column says n/a
        pass
    return None, lambda: None


def _median_s(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` (no warm-up: the caller did one)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure_library(name: str, images, folder: Path, fmt: str, repeats: int) -> dict:
    """Write and read every image in ``fmt`` with library ``name``; one result row."""
    row = {"library": name, "format": fmt, "status": "ok", "error": None}
    try:
        write, read = LIBRARIES[name]()
    except ImportError as e:
        row.update(status="missing", error=str(e))
        return row
    paths = [folder / f"{name}_{i}.{fmt}" for i in range(len(images))]
    n = len(images)
    to_device, sync = _to_device()
    try:
        # warm-up on one image: imports, codec set-up, the first CUDA context use
        write(paths[0], images[0])
        first = read(paths[0])
        if to_device is not None:
            to_device(first)
            sync()
        row["write_ms"] = (
            1e3 * _median_s(lambda: [write(p, im) for p, im in zip(paths, images)], repeats) / n
        )
        row["read_host_ms"] = 1e3 * _median_s(lambda: [read(p) for p in paths], repeats) / n
        if to_device is not None:

            def read_to_device() -> None:
                for p in paths:
                    to_device(read(p))
                sync()

            row["read_device_ms"] = 1e3 * _median_s(read_to_device, repeats) / n
        else:
            row["read_device_ms"] = None
        decoded = [read(p) for p in paths]
        src = [im.astype(np.float32) / 255.0 for im in images]
        row["max_abs_diff"] = float(max(np.max(np.abs(d - s)) for d, s in zip(decoded, src)))
        row["shape_ok"] = all(d.shape == s.shape for d, s in zip(decoded, src))
        row["bytes_per_image"] = sum(p.stat().st_size for p in paths) / n
    except Exception as e:  # noqa: BLE001 - one library failing does not stop the comparison
        row.update(status="error", error=f"{type(e).__name__}: {e}"[:300])
    return row


def _fastest(rows: list[dict], fmt: str, key: str) -> str:
    ok = [r for r in rows if r["format"] == fmt and r.get(key) is not None]
    return min(ok, key=lambda r: r[key])["library"] if ok else "n/a"


def markdown(rows: list[dict], size: dict, gpu: bool) -> str:
    """The comparison table, then which library is fastest for each format and operation."""
    lines = [
        f"{size['n']} images of {size['width']}x{size['height']} RGB, ms per image "
        f"(median of {size['repeats']} repeat(s) after a one-image warm-up); read = decode to "
        f"float32 in [0, 1]; device = read plus copy to the GPU{'' if gpu else ' (n/a: no GPU)'}.",
        "",
        "| format | library | write ms | read ms (host) | read ms (device) | KiB/image "
        "| max abs diff | status |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        if r["status"] != "ok":
            lines.append(
                f"| {r['format']} | {r['library']} | | | | | | {r['status']}: {r['error']} |"
            )
            continue
        dev = "n/a" if r["read_device_ms"] is None else f"{r['read_device_ms']:.2f}"
        lines.append(
            f"| {r['format']} | {r['library']} | {r['write_ms']:.2f} | {r['read_host_ms']:.2f} "
            f"| {dev} | {r['bytes_per_image'] / 1024:.0f} | {r['max_abs_diff']:.3g} | ok |"
        )
    lines.append("")
    for fmt in FORMATS:
        lines.append(
            f"- fastest {fmt}: write {_fastest(rows, fmt, 'write_ms')}, read "
            f"{_fastest(rows, fmt, 'read_host_ms')}, read to device "
            f"{_fastest(rows, fmt, 'read_device_ms')}"
        )
    return "\n".join(lines) + "\n"


def chart(rows: list[dict], path: Path) -> Path | None:
    """Grouped bars (log scale): write, read, read-to-GPU ms per image, per library and format."""
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        return None
    from scratch.io import save_figure

    from .charts import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [f"{r['library']}\n{r['format']}" for r in ok]
    xs = np.arange(len(ok))
    series = [("write_ms", "write"), ("read_host_ms", "read (host float32)")]
    if all(r.get("read_device_ms") is not None for r in ok):
        series.append(("read_device_ms", "read (onto the GPU)"))
    width = 0.8 / len(series)
    for i, (key, label) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        ax.bar(xs + offset, [r[key] for r in ok], width, label=label)
    ax.set_yscale("log")
    ax.set_xticks(xs, labels, fontsize=8)
    ax.set_ylabel("ms per image")
    ax.set_title("image IO: time per image")
    ax.legend()
    save_figure(fig, path)
    return path


def run_study(size_name: str, out: Path, use_gpu: bool, quiet: bool) -> dict:
    """The study as the runner records it: status, rows, markdown, figures."""
    size = SIZES[size_name]
    images = make_images(size["n"], size["width"], size["height"])
    rows = []
    with tempfile.TemporaryDirectory(prefix="scratch-image-io-") as tmp:
        for fmt in FORMATS:
            for name in LIBRARIES:
                rows.append(measure_library(name, images, Path(tmp), fmt, size["repeats"]))
    gpu = _to_device()[0] is not None
    md = markdown(rows, size, gpu)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "image_io.md", md)
    figures = []
    try:
        p = chart(rows, out / "image_io.png")
        figures = [p.name] if p else []
    except ImportError:
        pass
    status = "ok" if any(r["status"] == "ok" for r in rows) else "error"
    res = {"status": status, "size": size, "rows": rows, "markdown": md, "figures": figures}
    atomic_write_text(out / "image_io.json", json.dumps(res, indent=1) + "\n")
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.image_io", description=__doc__)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true")
    g.add_argument("--tiny", action="store_true")
    p.add_argument("--out", default="benchmarks/results/image_io")
    args = p.parse_args(argv)
    size_name = "tiny" if args.tiny else "quick" if args.quick else "full"
    res = run_study(size_name, Path(args.out), use_gpu=True, quiet=False)
    print(res["markdown"])
    return 0 if res["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
