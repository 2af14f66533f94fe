"""Training checkpoints: model, optimizers, RNG state and epoch in one verified .npz.

One file holds everything a run needs to continue exactly where it stopped:

    model.<name>             every parameter and buffer (``model.state_dict()``)
    optim.<opt>.<i>.<key>    the array state of optimizer ``opt`` for its parameter i
                             (Adam's moments, momentum buffers, ...)
    meta                     JSON: format name and version, epoch, the RNG state, each
                             optimizer's param_groups and scalar state (step counts), and
                             the caller's ``extra`` (history, scheduler, configuration)
    checksum                 "sha256:<hex>" of every other entry (name, dtype, shape, bytes)

Writing is atomic (``scratch.io.atomic_open``: a temporary sibling, flush, fsync,
``os.replace``), so a crash during the write leaves the previous checkpoint as it was.
Reading checks, in order: the archive opens (a truncated or garbled zip is reported), the
entries ``meta`` and ``checksum`` exist, the SHA-256 of the payload equals the recorded
one, and the format version is one this code reads. Each failure is a ``ValueError``
naming the path and what is wrong; nothing is loaded into the model before every check
passed. No pickles: the archive holds plain arrays and one JSON string.

RNG state: ``rng_state(rng)`` is the bit generator's state (PCG64 on numpy, strict and
torch: two 128-bit integers, exact in JSON); ``set_rng_state`` puts it back, so the
random numbers drawn after a resume are those an uninterrupted run draws.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np  # host side of the file format: hashing and the archive's arrays

from .. import backend
from ..backend import Rng

FORMAT = "scratch-checkpoint"
VERSION = 1


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` returns besides the state it put into model and optimizers.

    Attributes
    ----------
    epoch : int
        The number of finished epochs when the checkpoint was written.
    rng_state : dict or None
        As given to ``save_checkpoint`` (see ``rng_state``).
    extra : dict
        The caller's JSON-able extras (history, scheduler state, configuration).
    path : Path
        The file read.
    """

    epoch: int
    rng_state: dict | None
    extra: dict = field(default_factory=dict)
    path: Path | None = None


def rng_state(rng: Rng) -> dict | None:
    """The state of ``rng``'s bit generator as a JSON-able dict.

    Parameters
    ----------
    rng : scratch.backend.Rng
        The generator.

    Returns
    -------
    dict or None
        NumPy's ``bit_generator.state`` (numpy, strict, torch); None where the backend's
        generator exposes no such dict (CuPy), and a resume from it is refused.
    """
    state = rng.get_state()
    return json.loads(json.dumps(state)) if state is not None else None


def set_rng_state(rng: Rng, state: dict) -> None:
    """Put ``state`` (from ``rng_state``) back into ``rng``: the next draws repeat.

    Parameters
    ----------
    rng : scratch.backend.Rng
        The generator to rewind (or wind forward).
    state : dict
        As returned by ``rng_state``.
    """
    rng.set_state(state)


def payload_sha256(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the entries in name order: name, dtype, shape and C-order bytes of each.

    Parameters
    ----------
    arrays : dict of str to numpy.ndarray
        The archive's entries except ``checksum``.

    Returns
    -------
    str
        ``"sha256:<64 hex digits>"``.
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        h.update(a.tobytes())
    return f"sha256:{h.hexdigest()}"


def save_checkpoint(
    path: str | Path,
    model,
    optimizers: dict[str, Any],
    rng_state: dict | None,
    epoch: int,
    extra: dict | None = None,
) -> Path:
    """Write model, optimizers, RNG state, epoch and ``extra`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        The checkpoint (.npz); the previous file there is replaced only once the new one
        is complete on disk.
    model : scratch.nn.Module
    optimizers : dict of str to scratch.optim.Optimizer
        By name (e.g. ``{"g": opt_G, "d": opt_D}``).
    rng_state : dict or None
        The random state to resume from (``rng_state(rng)``, or e.g. a seed schedule).
    epoch : int
        Finished epochs.
    extra : dict, optional
        JSON-able values (floats may be NaN) stored in ``meta``.

    Returns
    -------
    Path
        ``path``.
    """
    from ..io import save_npz

    arrays: dict[str, Any] = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt_meta = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        scalars: dict[str, dict] = {}
        for i, s in sd["state"].items():
            for k, v in s.items():
                if backend.is_array(v):
                    arrays[f"optim.{name}.{i}.{k}"] = v
                else:
                    scalars.setdefault(str(i), {})[k] = v
        opt_meta[name] = {"param_groups": sd["param_groups"], "scalars": scalars}
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "rng_state": rng_state,
        "optimizers": opt_meta,
        "extra": extra or {},
    }
    host = {k: backend.to_numpy(v) for k, v in arrays.items()}
    host["meta"] = np.array(json.dumps(meta))
    host["checksum"] = np.array(payload_sha256(host))
    save_npz(path, host)
    return Path(path)


def read_checkpoint(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and verify ``path``: (meta, arrays) with the checksum checked (module docstring).

    Parameters
    ----------
    path : str or Path
        A file written by ``save_checkpoint``.

    Returns
    -------
    (dict, dict of str to numpy.ndarray)
        The decoded ``meta`` and the remaining entries (host arrays).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming ``path``: truncated or corrupt archive, not a checkpoint, checksum
        mismatch, unknown format version.
    """
    from ..io import load_npz

    stored = load_npz(path)  # ValueError naming the path for a torn or garbled archive
    for entry in ("meta", "checksum"):
        if entry not in stored:
            raise ValueError(f"{path} is not a scratch checkpoint: it has no {entry!r} entry")
    recorded = str(stored.pop("checksum"))
    actual = payload_sha256(stored)
    if actual != recorded:
        raise ValueError(
            f"checkpoint {path} is corrupt: its content hashes to {actual}, "
            f"but the file records {recorded}"
        )
    try:
        meta = json.loads(str(stored.pop("meta")))
    except json.JSONDecodeError as e:
        raise ValueError(f"checkpoint {path} is corrupt: its meta entry is not JSON ({e})") from e
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(
            f"checkpoint {path} has format {meta.get('format')!r} version "
            f"{meta.get('version')!r}; this scratch reads {FORMAT!r} version {VERSION}"
        )
    return meta, stored


def load_checkpoint(path: str | Path, model, optimizers: dict[str, Any]) -> Checkpoint:
    """Verify ``path``, then restore its state into ``model`` and ``optimizers``.

    Parameters
    ----------
    path : str or Path
        A file written by ``save_checkpoint``.
    model : scratch.nn.Module
        Of the architecture that wrote it (names and shapes are checked).
    optimizers : dict of str to scratch.optim.Optimizer
        The same names as at saving.

    Returns
    -------
    Checkpoint
        The epoch, RNG state and extras (the RNG state is not applied: the caller owns
        its generators, see ``set_rng_state``).

    Raises
    ------
    ValueError
        As ``read_checkpoint``, or when the optimizers do not match the file's.
    """
    meta, stored = read_checkpoint(path)
    missing = sorted(set(optimizers) - set(meta["optimizers"]))
    if missing:
        raise ValueError(
            f"checkpoint {path} has optimizers {sorted(meta['optimizers'])}, not {missing}"
        )
    model.load_state_dict({k[6:]: v for k, v in stored.items() if k.startswith("model.")})
    for name, opt in optimizers.items():
        om = meta["optimizers"][name]
        state: dict[int, dict] = {int(i): dict(s) for i, s in om["scalars"].items()}
        prefix = f"optim.{name}."
        for k, v in stored.items():
            if k.startswith(prefix):
                i, key = k[len(prefix) :].split(".", 1)
                state.setdefault(int(i), {})[key] = v
        opt.load_state_dict({"state": state, "param_groups": om["param_groups"]})
    return Checkpoint(meta["epoch"], meta["rng_state"], meta["extra"], Path(path))
