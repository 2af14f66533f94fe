"""``scratch tour``: run every algorithm on small built-in data and check its derivation.

Each algorithm family adds a module to this package with one or more steps::

    from scratch.tour import Outcome, step

    @step("kmeans", order=50)
    def kmeans(bk, out):
        ...                                   # fit on bk, write PNGs into out
        return Outcome(result="inertia 12.3", check="objective never increases",
                       passed=True, figures=["kmeans.png"])

``run_tour`` imports every module here, runs the steps in order on one backend, prints
one table row per step and writes ``index.html`` with the table and the figures. A step
that raises or whose check fails makes the tour fail (non-zero exit in the CLI).

NumPy in the steps is host-side presentation, never the algorithm: toy data is drawn
on the host and moved once with ``bk.asarray``; the algorithm runs through scratch on
the chosen backend; its results come back with ``to_numpy`` for the reference checks
(brute-force path sums, a dense M x, eigenvalue residuals) and the matplotlib figures.
No step imports cupy.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import backend


@dataclass
class Outcome:
    """What a step reports: its result, the check it ran, whether it passed, its figures."""

    result: str
    check: str
    passed: bool
    figures: list[str] = field(default_factory=list)


@dataclass
class Step:
    name: str
    fn: Callable
    order: int


@dataclass
class Row:
    name: str
    backend: str
    result: str
    check: str
    passed: bool
    seconds: float
    figures: list[str]


STEPS: dict[str, Step] = {}


def step(name: str, order: int = 100):
    """Register ``fn(bk, out_dir) -> Outcome`` as the tour step ``name``."""

    def register(fn):
        STEPS[name] = Step(name, fn, order)
        return fn

    return register


def discover() -> list[Step]:
    """Import every tour module and return the steps in order."""
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    return sorted(STEPS.values(), key=lambda s: (s.order, s.name))


def run_tour(
    backend_name: str | None, out: str | Path, only: list[str] | None = None, quiet: bool = False
) -> list[Row]:
    """Run the steps (all, or those named in ``only``) and write ``out/index.html``."""
    bk = backend.get(backend_name)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    steps = discover()
    if only:
        unknown = sorted(set(only) - {s.name for s in steps})
        if unknown:
            raise ValueError(
                f"unknown tour step(s) {', '.join(unknown)}; choose from "
                f"{', '.join(s.name for s in steps)}"
            )
        steps = [s for s in steps if s.name in only]
    rows = []
    if not quiet:
        print(_header())
    for s in steps:
        t0 = time.perf_counter()
        try:
            o = s.fn(bk, out)
        except Exception as e:  # noqa: BLE001 - a failing step is reported, the tour goes on
            tb = traceback.format_exc(limit=3)
            o = Outcome(
                result=f"error: {type(e).__name__}: {e}",
                check=tb.strip().splitlines()[-1],
                passed=False,
            )
        row = Row(
            s.name,
            bk.name,
            o.result,
            o.check,
            bool(o.passed),
            time.perf_counter() - t0,
            list(o.figures),
        )
        rows.append(row)
        if not quiet:
            print(_format(row), flush=True)
    write_index(rows, out)
    return rows


def _header() -> str:
    return f"{'algorithm':<16} {'backend':<8} {'result':<34} {'check':<44} {'status':<6} {'s':>6}"


def _format(r: Row) -> str:
    status = "ok" if r.passed else "FAIL"
    return (
        f"{r.name:<16} {r.backend:<8} {r.result[:34]:<34} {r.check[:44]:<44} "
        f"{status:<6} {r.seconds:6.2f}"
    )


def write_index(rows: list[Row], out: Path) -> Path:
    """index.html: the table, then each algorithm's figures (written atomically)."""
    from ..io import atomic_write_text

    cells = "".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{r.backend}</td><td>{html.escape(r.result)}</td>"
        f"<td>{html.escape(r.check)}</td><td class={'ok' if r.passed else 'fail'}>"
        f"{'ok' if r.passed else 'FAIL'}</td><td>{r.seconds:.2f}</td></tr>"
        for r in rows
    )
    figs = "".join(
        f"<h2>{html.escape(r.name)}</h2>"
        + "".join(f'<img src="{html.escape(f)}" alt="{html.escape(f)}">' for f in r.figures)
        for r in rows
        if r.figures
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>scratch tour</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px "
        "solid #ddd}.ok{color:#080}.fail{color:#c00;font-weight:bold}img{max-width:640px;"
        "margin:6px;border:1px solid #eee}</style></head><body><h1>scratch tour</h1><table>"
        "<tr><th>algorithm</th><th>backend</th><th>result</th><th>check</th><th>status</th>"
        f"<th>seconds</th></tr>{cells}</table>{figs}</body></html>"
    )
    path = out / "index.html"
    atomic_write_text(path, page)
    return path
