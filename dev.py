#!/usr/bin/env python3
"""Set up and run scratch on a fresh machine with nothing but Python 3.10+.

    python3 dev.py tour [ARGS]    make .venv (runtime + plots), run `scratch tour ARGS`
    python3 dev.py test [ARGS]    make .venv (test extras), run ruff and the test suite
    python3 dev.py bench [ARGS]   make .venv (bench extras), run `scratch bench ARGS`

The virtual environment lives in .venv (or $SCRATCH_VENV) and is refreshed when
setup.cfg changes. PyTorch, a test-only dependency, is pinned to the CPU build
torch==2.13.0 and installed first, so nothing pulls a multi-GB CUDA build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SCRATCH_VENV", ROOT / ".venv"))
TORCH = "torch==2.13.0"
EXTRAS = {"tour": "viz", "test": "test", "bench": "test,bench"}


def _bin(name: str) -> str:
    sub = "Scripts" if os.name == "nt" else "bin"
    return str(VENV / sub / name)


def _run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def ensure_venv(extra: str) -> None:
    """Create or refresh the venv so it holds scratch[extra] (torch pinned first)."""
    stamp_text = hashlib.sha256((ROOT / "setup.cfg").read_bytes()).hexdigest() + extra
    stamp = VENV / f".scratch-{extra.replace(',', '-')}"
    if stamp.exists() and stamp.read_text() == stamp_text:
        return
    if not (VENV / "pyvenv.cfg").exists():
        venv.create(VENV, with_pip=True)
    pip = [_bin("python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if "test" in extra:
        _run(*pip, TORCH)
    _run(*pip, "-e", f".[{extra}]")
    stamp.write_text(stamp_text)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__, file=sys.stderr)
        return 2
    what, rest = argv[0], argv[1:]
    ensure_venv(EXTRAS[what])
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if what == "tour":
        return subprocess.call([_bin("scratch"), "tour", *rest], cwd=ROOT, env=env)
    if what == "bench":
        return subprocess.call([_bin("scratch"), "bench", *rest], cwd=ROOT, env=env)
    for cmd in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        if subprocess.call([_bin(cmd[0]), *cmd[1:]], cwd=ROOT, env=env):
            return 1
    workers = ["-n", os.environ.get("SCRATCH_TEST_WORKERS", "2")]
    return subprocess.call([_bin("python"), "-m", "pytest", *workers, *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
