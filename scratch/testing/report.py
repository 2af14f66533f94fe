r"""The failure report of a gradient check: what disagrees, where, by how much, and why.

For each checked input the report holds the analytic gradient a and the numeric one
n (host float64 arrays) and compares them element by element with torch's rule
  |a_i - n_i| <= atol + rtol |n_i|.
It gives the number of disagreeing elements, the largest absolute error
max |a_i - n_i| and the largest relative error
  max |a_i - n_i| / max(|a_i|, |n_i|)      (0 where both are 0; at most 2),
the worst elements (index, analytic, numeric, relative error), the likely cause
(``causes``), and on request a heatmap of the relative error (1-D and 2-D inputs;
higher-rank inputs are drawn as axis 0 against the rest flattened).

``GradcheckError`` carries the reports, so a test can look at ``err.analytic["W"]``
and ``err.numeric["W"]`` instead of parsing the message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def fmt(x: float) -> str:
    """A number as a plain float (never np.float64(...))."""
    return f"{float(x):.6g}"


@dataclass
class InputReport:
    """The comparison of one input's gradients (its properties give the verdict).

    Parameters
    ----------
    name : str
        The input's name (its key, its ``names=`` entry, or its position).
    shape : tuple
        The input's shape.
    analytic, numeric : np.ndarray
        The gradients (numeric is NaN at elements that were not evaluated; analytic has
        whatever shape the backward pass returned).
    atol, rtol : float
        The tolerances.
    cause : str or None
        The recognised mistake, when the pattern fits one.
    problem : str or None
        A gradient that could not be compared at all (wrong type, None, wrong shape).
    heatmap : str or None
        Path of the relative-error heatmap, when one was written.
    kind : str
        What the report calls it: "input", or "parameter" in check_layer.
    """

    name: str
    shape: tuple
    analytic: np.ndarray
    numeric: np.ndarray
    atol: float
    rtol: float
    cause: str | None = None
    problem: str | None = None
    heatmap: str | None = None
    kind: str = "input"

    @property
    def label(self) -> str:
        """``input 0`` when positional, ``input 'W'`` or ``parameter 'W'`` when named."""
        return f"{self.kind} {self.name}" if self.name.isdigit() else f"{self.kind} {self.name!r}"

    @property
    def checked(self) -> np.ndarray:
        return ~np.isnan(self.numeric)

    @property
    def comparable(self) -> bool:
        return self.problem is None and tuple(self.analytic.shape) == tuple(self.shape)

    @property
    def abs_error(self) -> np.ndarray:
        return np.abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> np.ndarray:
        denom = np.maximum(np.abs(self.analytic), np.abs(self.numeric))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(denom > 0, self.abs_error / np.where(denom > 0, denom, 1.0), 0.0)
        return np.where(self.checked, rel, np.nan)

    @property
    def bad(self) -> np.ndarray:
        """Elements where |a - n| > atol + rtol |n| (False where not evaluated)."""
        if not self.comparable:
            return self.checked
        with np.errstate(invalid="ignore"):
            ok = self.abs_error <= self.atol + self.rtol * np.abs(self.numeric)
        return self.checked & ~ok

    @property
    def passed(self) -> bool:
        return self.comparable and not self.bad.any()

    @property
    def n_checked(self) -> int:
        return int(self.checked.sum())

    @property
    def n_bad(self) -> int:
        return int(self.bad.sum())

    @property
    def max_abs_error(self) -> float:
        return float(np.nanmax(self.abs_error)) if self.comparable and self.n_checked else math.nan

    @property
    def max_rel_error(self) -> float:
        return float(np.nanmax(self.rel_error)) if self.comparable and self.n_checked else math.nan

    def worst(self, k: int = 5) -> list[tuple[tuple, float, float, float]]:
        """The k disagreeing elements with the largest |a - n|: (index, a, n, rel error).

        Parameters
        ----------
        k : int
            How many elements.
        """
        if not self.comparable:
            return []
        bad = np.argwhere(self.bad)
        err = self.abs_error[self.bad]
        rows = []
        for j in np.argsort(-err, kind="stable")[:k]:
            index = tuple(int(i) for i in bad[j])
            rows.append(
                (
                    index,
                    float(self.analytic[index]),
                    float(self.numeric[index]),
                    float(self.rel_error[index]),
                )
            )
        return rows

    def headline(self) -> str:
        """One line: the input, how many elements disagree, the errors, the worst element."""
        where = f"{self.label} (shape {self.shape})"
        if self.problem is not None:
            return f"{where}: {self.problem}"
        if not self.comparable:
            return f"{where}: the gradient has shape {tuple(self.analytic.shape)}"
        if self.passed:
            return (
                f"{where}: ok ({self.n_checked} elements, max abs error "
                f"{fmt(self.max_abs_error)}, max rel error {fmt(self.max_rel_error)})"
            )
        index, a, n, _ = self.worst(1)[0]
        return (
            f"{where}: {self.n_bad} of {self.n_checked} elements disagree, worst at element "
            f"{index}: analytic {fmt(a)} vs numeric {fmt(n)}; max abs error "
            f"{fmt(self.max_abs_error)}, max rel error {fmt(self.max_rel_error)}"
        )

    def text(self, k: int = 5) -> str:
        """The headline, the likely cause, the k worst elements and the heatmap's path.

        Parameters
        ----------
        k : int
            How many of the worst elements to list.
        """
        lines = [self.headline()]
        if self.cause:
            lines.append(f"  likely cause: {self.cause}")
        rows = self.worst(k)
        if rows:
            lines.append(f"  {'index':<16}{'analytic':>14}{'numeric':>14}{'rel error':>12}")
            for index, a, n, r in rows:
                lines.append(f"  {str(index):<16}{fmt(a):>14}{fmt(n):>14}{fmt(r):>12}")
        if self.heatmap:
            lines.append(f"  heatmap of the relative error: {self.heatmap}")
        return "\n".join(lines)


def summary(reports: list[InputReport], what: str = "gradcheck") -> str:
    """The whole report: a first line naming every failing input, then one block per input."""
    failed = [r for r in reports if not r.passed]
    tol = f"atol={fmt(reports[0].atol)}, rtol={fmt(reports[0].rtol)}" if reports else ""
    if not failed:
        head = f"{what} passed for {len(reports)} input(s) ({tol})"
    else:
        names = ", ".join(r.label for r in failed)
        head = f"{what} failed for {len(failed)} of {len(reports)} input(s): {names} ({tol})"
    return "\n".join([head] + [r.text() for r in reports])


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numeric one.

    Parameters
    ----------
    message : str
        The report (``summary``).
    reports : list of InputReport, optional
        One per checked input.

    Attributes
    ----------
    reports : list of InputReport
        One per checked input, failing or not.
    analytic, numeric : dict of name -> np.ndarray
        The two gradients of every checked input (host float64).
    failed : list of str
        The names of the failing inputs.
    """

    def __init__(self, message: str, reports: list[InputReport] | None = None):
        super().__init__(message)
        self.reports = list(reports or [])
        self.analytic = {r.name: r.analytic for r in self.reports}
        self.numeric = {r.name: r.numeric for r in self.reports}
        self.failed = [r.name for r in self.reports if not r.passed]


def write_heatmap(report: InputReport, folder: str | Path, prefix: str = "gradcheck") -> str:
    """Plot the relative error of one input as a heatmap PNG in ``folder``; returns the path.

    The colour scale runs from 0 to max(1, largest error) (the error is at most 2), and
    grids of up to 144 cells print each value.

    1-D inputs are drawn as one row, 2-D as they are, higher ranks as axis 0 against the
    remaining axes flattened. Elements that were not evaluated are left blank; the
    disagreeing ones are outlined.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from ..io import save_figure

    rel = report.rel_error if report.comparable else np.full(report.shape, np.nan)
    bad = report.bad if report.comparable else np.zeros(report.shape, bool)
    if rel.ndim == 0:
        rel, bad = rel.reshape(1, 1), bad.reshape(1, 1)
    elif rel.ndim == 1:
        rel, bad = rel[None, :], bad[None, :]
    elif rel.ndim > 2:
        rel, bad = rel.reshape(rel.shape[0], -1), bad.reshape(bad.shape[0], -1)
    h, w = rel.shape
    fig, ax = plt.subplots(figsize=(min(2 + 0.45 * w, 14), min(1.6 + 0.45 * h, 10)))
    im = ax.imshow(
        rel,
        cmap="magma_r",
        vmin=0.0,
        vmax=max(float(np.nanmax(rel)), 1.0) if np.isfinite(rel).any() else 1.0,
        aspect="auto",
        interpolation="nearest",
    )
    if bad.sum() <= 400:  # outlines stay readable only for a few hundred cells
        for i, j in np.argwhere(bad):
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="C0", lw=1.2))
    if h * w <= 144:  # small grids: print each relative error in its cell
        for (i, j), r in np.ndenumerate(rel):
            if np.isfinite(r):
                color = "white" if r > 0.5 else "black"
                ax.text(j, i, f"{r:.2g}", ha="center", va="center", fontsize=7, color=color)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(im, ax=ax, label="|a - n| / max(|a|, |n|)")
    ax.set_title(
        f"{report.name} {report.shape}: {report.n_bad} of {report.n_checked} disagree"
        + (f"\n{report.cause.split(':')[0]}" if report.cause else ""),
        fontsize=10,
    )
    ax.set_xlabel(
        "axis 1"
        if len(report.shape) == 2
        else "element"
        if len(report.shape) < 2
        else "axes 1.. (flattened)"
    )
    if len(report.shape) >= 2:
        ax.set_ylabel("axis 0")
    fig.tight_layout()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in report.name)
    path = Path(folder) / f"{prefix}_{safe}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return str(path)


def make_report(
    name: str,
    shape: tuple,
    analytic: np.ndarray,
    numeric: np.ndarray,
    atol: float,
    rtol: float,
    diagonal_only: np.ndarray | None = None,
    axes: tuple = (),
    problem: str | None = None,
    output: np.ndarray | None = None,
    kind: str = "input",
) -> InputReport:
    """Compare one input's gradients and, when they disagree, name the likely cause."""
    from .causes import shape_cause, value_cause

    r = InputReport(name, tuple(shape), analytic, numeric, atol, rtol, problem=problem, kind=kind)
    if problem is None and not r.comparable:
        r.cause = shape_cause(name, analytic, numeric)
    elif problem is None and not r.passed:
        r.cause = value_cause(analytic, numeric, diagonal_only, axes, output)
    return r


def finish(
    reports: list[InputReport],
    what: str,
    report_dir: str | Path | None,
    raise_exception: bool,
) -> bool:
    """Write heatmaps of the failing inputs (when ``report_dir`` is given), then raise
    GradcheckError with the whole report or return False; True when all passed."""
    failed = [r for r in reports if not r.passed]
    if not failed:
        return True
    if report_dir is not None:
        for r in failed:
            if r.comparable:
                r.heatmap = write_heatmap(r, report_dir, prefix=what)
    if raise_exception:
        raise GradcheckError(summary(reports, what), reports)
    return False


def axis_labels(kind: str, names: list[str], shapes: list[tuple]) -> list[tuple[str, int]]:
    """(label, length) of every axis, e.g. ("axis 0 of input 'x' (4, 3)", 4)."""
    return [
        (f"axis {k} of {kind} {name!r} {shape}", int(n))
        for name, shape in zip(names, shapes)
        for k, n in enumerate(shape)
    ]
