r"""``scratch tour``: run every algorithm on small built-in data and check its derivation.

Each algorithm family adds a module to this package (any name not starting with ``_``;
``_pages.py`` and friends are the tour's own machinery) with one or more steps::

    from scratch.tour import Outcome, step

    @step(
        "kmeans",
        order=32,
        derivation=[
            (r"J = \sum_i \|x_i - c_{l(i)}\|^2", "the objective: the inertia"),
            r"l(i) = \operatorname*{argmin}_j \|x_i - c_j\|^2",
            (r"c_j = \frac{1}{|S_j|} \sum_{i \in S_j} x_i", "neither step raises $J$"),
        ],
        criterion=r"$J$ never increases (up to $10^{-12} J_0$ of rounding)",
        reference=["scratch.classic.cluster.kmeans:kmeans_assign"],
        api=["scratch.classic:KMeans"],
        captions={"kmeans.png": "left: the clusters; right: J per iteration, never rising"},
    )
    def kmeans(bk, out):
        ...                                   # fit on bk, write PNGs into out
        return Outcome(result="inertia 12.3", check="objective never increases",
                       passed=True, figures=["kmeans.png"])

Everything after ``order`` is optional, so a step that declares nothing still runs and
gets its page:

``derivation``
    The few equations the check proves, in LaTeX: a list whose items are an equation
    (a string) or a pair ``(equation, note)``; a single string is one item. The note is
    prose that may hold inline math between ``$...$``. The page renders them as MathML
    (latex2mathml; no JavaScript, works from ``file://``). What latex2mathml gets wrong,
    and the test catches: write every LaTeX string raw (``r"\theta"``; in a plain string
    ``\t`` is a TAB), one display equation per item (no ``aligned``: its ``&`` breaks
    the XML), ``\text{col2im}`` for a name with a digit (``\operatorname`` drops it),
    balanced braces. ``\|x\|`` draws a norm better than ``\lVert``.
``criterion``
    When the check passes, with its tolerances and why they are what they are (prose,
    inline ``$...$`` math allowed). The numbers of one run are in ``Outcome.check``.
``reference``
    The textbook version of the algorithm: functions, classes or methods (objects, or
    ``"module:Qual.name"`` strings imported only when the page is written). The page
    shows their source with line numbers, straight from the module.
``api``
    The public names the step uses; the page shows their signatures and docstrings
    (the references are listed there too).
``captions``
    ``{figure file: what to look at}``.

``Outcome`` may also carry captions, as ``figures=[("a.png", "caption"), "b.png"]`` or
``captions={"a.png": ...}`` (both win over the decorator's), and ``numbers``: a dict of
the check's measured values and bounds, shown as a table on the step's page.

Figures are optional: a step draws them only ``if figures_available():`` (matplotlib
importable), after its checks, so without matplotlib every check still runs and passes
or fails on its own; ``run_tour`` then says once how to get the figures (``FIGURES_HINT``)
and lists no figure file that was not written.

``run_tour`` imports every module here, runs the steps in order on one backend, prints
one table row per step (long cells shortened at a word, never inside a number) and writes
the pages: ``index.html`` (the table, failures first) and one ``<step>.html`` per step
(derivation, check, figures, reference code, API, backend and timing), plus ``src/`` with
the source of every module they show. Links are relative: zip the folder to share it. A
step that raises or whose check fails makes the tour fail (non-zero exit in the CLI).
tests/tour/ renders every declared equation and checks every page's links.

NumPy in the steps is host-side presentation, never the algorithm: toy data is drawn
on the host and moved once with ``bk.asarray``; the algorithm runs through scratch on
the chosen backend; its results come back with ``to_numpy`` for the reference checks
(brute-force path sums, a dense M x, eigenvalue residuals) and the matplotlib figures.
No step imports cupy.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import backend
from ..viz import FIGURES_HINT as _VIZ_HINT
from ..viz import figures_available  # noqa: F401 - steps import it from here

Figure = str | tuple[str, str]
Equation = tuple[str, str]  # (LaTeX, note)


@dataclass
class Outcome:
    """What a step reports: its result, the check it ran, whether it passed, its figures.

    ``figures`` holds file names in the output folder, or ``(file, caption)`` pairs;
    ``captions`` maps file names to captions; ``numbers`` maps the check's quantities
    (measured values, bounds) to their values, for the step's page.
    """

    result: str
    check: str
    passed: bool
    figures: list[Figure] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    """A registered step and what it declares for its page (see the module docstring)."""

    name: str
    fn: Callable
    order: int
    derivation: tuple[Equation, ...] = ()
    criterion: str = ""
    reference: tuple[Any, ...] = ()
    api: tuple[Any, ...] = ()
    captions: dict[str, str] = field(default_factory=dict)

    @property
    def page(self) -> str:
        """The file name of this step's page in the output folder."""
        return page_name(self.name)


@dataclass
class Row:
    """One run of one step: the table row, and what its page shows."""

    name: str
    backend: str
    result: str
    check: str
    passed: bool
    seconds: float
    figures: list[str]
    captions: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    device: str = ""
    dtype: str = ""

    @property
    def page(self) -> str:
        return page_name(self.name)


STEPS: dict[str, Step] = {}
FIGURES_HINT = f"figures skipped: matplotlib is not installed; every check ran. {_VIZ_HINT}"


def page_name(name: str) -> str:
    """``name`` as a safe file name: letters, digits, ``.``, ``_`` and ``-``, then .html."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") + ".html"


def _equations(derivation) -> tuple[Equation, ...]:
    if isinstance(derivation, str):
        derivation = [derivation]
    items = []
    for item in derivation:
        if isinstance(item, str):
            items.append((item, ""))
        elif isinstance(item, tuple) and len(item) == 2 and all(isinstance(s, str) for s in item):
            items.append(item)
        else:
            raise TypeError(
                f"derivation items must be LaTeX strings or (latex, note) pairs, got {item!r}"
            )
    return tuple(items)


def _refs(value, name: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or callable(value):
        value = [value]
    if not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a callable, a 'module:name' string or a list, got {value!r}"
        )
    return tuple(value)


def step(
    name: str,
    order: int = 100,
    *,
    derivation: str | Sequence[str | Equation] = (),
    criterion: str = "",
    reference: Any = (),
    api: Any = (),
    captions: dict[str, str] | None = None,
):
    """Register ``fn(bk, out_dir) -> Outcome`` as the tour step ``name``.

    Parameters
    ----------
    name : str
        The step's name (``--only NAME``); also its page, ``page_name(name)``.
    order : int
        Position in the tour (ascending).
    derivation : str or list of str or (str, str)
        The key equations in LaTeX, each optionally with a note (see the module docstring).
    criterion : str
        When the check passes, with its tolerances.
    reference : callable, str or list
        The textbook functions whose source the page shows (``"module:Qual.name"``).
    api : callable, str or list
        Public names whose docstrings the page shows.
    captions : dict
        ``{figure file: what to look at}``.
    """
    if page_name(name) == "index.html":
        raise ValueError("a tour step cannot be named 'index' (the index page has that name)")
    declared = dict(
        derivation=_equations(derivation),
        criterion=criterion,
        reference=_refs(reference, "reference"),
        api=_refs(api, "api"),
        captions=dict(captions or {}),
    )

    def register(fn):
        STEPS[name] = Step(name, fn, order, **declared)
        return fn

    return register


def discover() -> list[Step]:
    """Import every tour module (not the private ``_*`` ones) and return the steps in order."""
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    return sorted(STEPS.values(), key=lambda s: (s.order, s.name))


def _figures(o: Outcome, s: Step) -> tuple[list[str], dict[str, str]]:
    """The figure files in order, and their captions (Outcome's win over the decorator's)."""
    files, captions = [], dict(s.captions)
    captions.update(o.captions)
    for f in o.figures:
        if isinstance(f, tuple):
            files.append(f[0])
            captions[f[0]] = f[1]
        else:
            files.append(f)
    return files, {f: captions[f] for f in files if f in captions}


def run_tour(
    backend_name: str | None, out: str | Path, only: list[str] | None = None, quiet: bool = False
) -> list[Row]:
    """Run the steps (all, or those named in ``only``) and write the pages into ``out``."""
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
    shortened = False
    figures = figures_available()
    if not figures:
        print(FIGURES_HINT, flush=True)  # once, even with quiet: it says what is missing
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
        seconds = time.perf_counter() - t0
        files, captions = _figures(o, s)
        if not figures:  # only what was written: a step may list its figures regardless
            files = [f for f in files if (out / f).exists()]
            captions = {f: c for f, c in captions.items() if f in files}
        row = Row(
            s.name,
            bk.name,
            o.result,
            o.check,
            bool(o.passed),
            seconds,
            files,
            captions=captions,
            numbers=dict(o.numbers),
            device=str(bk.device),
            dtype=getattr(bk.float, "__name__", str(bk.float)),
        )
        rows.append(row)
        if not quiet:
            line, cut = _format(row)
            shortened = shortened or cut
            print(line, flush=True)
    index = write_index(rows, out)
    if shortened and not quiet:
        print(f"(cells ending in '...' are shortened; the full text is in {index})")
    return rows


RESULT_WIDTH, CHECK_WIDTH = 34, 44
_NUMBER_CHARS = set("0123456789.eE+-%")


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters, cut at a word, never in a number.

    A text that fits is returned whole (whitespace collapsed); a longer one ends in
    ``...`` after the last whole word that fits (a dangling ``,;:=<>`` dropped). A single word
    longer than ``width`` is cut before the number it ends in, if any.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    room = width - 3
    cut = text.rfind(" ", 0, room + 1)
    if cut <= 0:
        cut = room
        while cut > 0 and text[cut - 1] in _NUMBER_CHARS and text[cut] in _NUMBER_CHARS:
            cut -= 1
        cut = cut or room
    return text[:cut].rstrip(" ,;:=<>") + "..."


def _header() -> str:
    return (
        f"{'algorithm':<16} {'backend':<8} {'result':<{RESULT_WIDTH}} "
        f"{'check':<{CHECK_WIDTH}} {'status':<6} {'s':>6}"
    )


def _format(r: Row) -> tuple[str, bool]:
    """The terminal row, and whether a cell had to be shortened."""
    status = "ok" if r.passed else "FAIL"
    result, check = shorten(r.result, RESULT_WIDTH), shorten(r.check, CHECK_WIDTH)
    cut = result != " ".join(r.result.split()) or check != " ".join(r.check.split())
    line = (
        f"{r.name:<16} {r.backend:<8} {result:<{RESULT_WIDTH}} {check:<{CHECK_WIDTH}} "
        f"{status:<6} {r.seconds:6.2f}"
    )
    return line, cut


def write_index(rows: list[Row], out: Path) -> Path:
    """Write ``index.html``, one page per row and ``src/``; return the index's path."""
    from ._pages import write_pages

    return write_pages(rows, STEPS, Path(out))
