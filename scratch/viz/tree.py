"""Rendering a decision tree: DOT text (scratch.classic.tree.export_dot) through Graphviz.

The DOT text is ours; turning it into a PNG or SVG needs two things outside this
package, and each one's absence is an error that says how to install it:

* the ``graphviz`` Python package (the maintained binding; the ``graph`` extra):
  ``pip install 'scratch[graph]'`` (or ``pip install graphviz``);
* Graphviz's ``dot`` program: ``apt-get install graphviz`` (Debian/Ubuntu),
  ``brew install graphviz`` (macOS), ``conda install graphviz``.

The file is written atomically (scratch.io).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..io import atomic_write_bytes

__all__ = ["GraphvizNotFound", "render_dot", "render_tree"]

FORMATS = ("png", "svg", "pdf")


class GraphvizNotFound(RuntimeError):
    """The graphviz Python package or Graphviz's ``dot`` program is missing."""


def _graphviz():
    try:
        import graphviz
    except ImportError as e:
        raise GraphvizNotFound(
            "rendering a tree needs the graphviz Python package: pip install 'scratch[graph]' "
            "(or pip install graphviz)"
        ) from e
    if shutil.which("dot") is None:
        raise GraphvizNotFound(
            "rendering a tree needs Graphviz's dot program on PATH: apt-get install graphviz "
            "(Debian/Ubuntu), brew install graphviz (macOS) or conda install graphviz"
        )
    return graphviz


def render_dot(dot: str, path: str | Path, format: str = "png") -> Path:
    """Render DOT text to ``path`` as PNG / SVG / PDF with Graphviz's dot; returns the path."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    graphviz = _graphviz()
    data = graphviz.Source(dot).pipe(format=format)
    atomic_write_bytes(path, data)
    return Path(path)


def render_tree(
    tree: Any,
    path: str | Path,
    format: str = "png",
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    category_names: dict[int, list[str]] | None = None,
) -> Path:
    """Draw a fitted DecisionTreeClassifier / DecisionTreeRegressor into ``path``.

    Parameters
    ----------
    tree : fitted estimator
    path : str or Path
    format : {"png", "svg", "pdf"}
    feature_names, class_names, category_names
        As for ``scratch.classic.export_dot``.

    Raises
    ------
    GraphvizNotFound
        When the graphviz package or the dot program is missing (the message says how
        to install it).
    """
    from ..classic.tree.export import export_dot

    dot = export_dot(tree, feature_names, class_names, category_names)
    return render_dot(dot, path, format)
