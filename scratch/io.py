"""Files on disk: atomic writes, and arrays of any backend to and from .npz.

Nothing the user saved is lost to a crash half-way through: write to a temporary
file in the same directory, flush and fsync it, then ``os.replace`` it over the
target, so readers see the old file or the new one, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .backend import to_numpy

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask (read by setting and restoring it, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _fsync_directory(folder: Path) -> None:
    """fsync a folder so a rename inside it is on disk (a no-op where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb"):
    """Open a temporary sibling of ``path`` for writing; it replaces ``path`` on success.

    The file gets the mode an ordinary ``open`` would give it (0666 less the umask),
    not mkstemp's private 0600: shared figures and results stay readable to others.

    Parameters
    ----------
    path : str or Path
        The target file (its directory is created when missing).
    mode : str
        A write mode of ``open`` ("wb" or "w").

    Yields
    ------
    file
        The open temporary file; on an exception it is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_directory(path.parent)  # the rename itself survives a power loss
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see ``atomic_open``).

    Parameters
    ----------
    path : str or Path
        The target file (its directory is created when missing).
    text : str
        The file's whole content.
    """
    with atomic_open(path, "w") as f:
        f.write(text)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_open``).

    Parameters
    ----------
    path : str or Path
        The target file (its directory is created when missing).
    data : bytes
        The file's whole content.
    """
    with atomic_open(path, "wb") as f:
        f.write(data)


def save_figure(fig, path) -> None:
    """Save a matplotlib figure as PNG atomically, then close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards).
    path : str or Path
        The target file (its directory is created when missing).
    """
    import matplotlib.pyplot as plt

    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_npz(path, arrays: dict[str, Any]) -> None:
    """Write ``{name: array}`` (any backend) to ``path`` as .npz, atomically.

    Each array is copied to the host with ``backend.to_numpy`` first (the one explicit
    transfer); ``load_npz`` gives them back as NumPy arrays.

    Parameters
    ----------
    path : str or Path
        The target file (its directory is created when missing).
    arrays : dict of str to array
        The arrays, of any backend, by name.
    """
    host = {k: to_numpy(v) for k, v in arrays.items()}
    with atomic_open(path, "wb") as f:
        np.savez(f, **host)


def load_npz(path) -> dict[str, np.ndarray]:
    """Read a .npz written by ``save_npz`` into host arrays.

    Parameters
    ----------
    path : str or Path
        An .npz file.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is truncated, corrupt or not an .npz archive.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: np.array(z[k]) for k in z.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise ValueError(
            f"could not read {path}: truncated or corrupt .npz file ({type(e).__name__}: {e})"
        ) from e
