"""Tree export and rendering: DOT text written by us, drawn by Graphviz's dot."""

from __future__ import annotations

import re
import sys

import pytest

from scratch.classic import DecisionTreeClassifier, DecisionTreeRegressor, export_dot
from scratch.data.watermelon import CATEGORIES, FEATURE_NAMES, load_watermelon
from scratch.viz import tree as viz_tree


def _watermelon_tree():
    X, y = load_watermelon()
    return DecisionTreeClassifier("entropy", categorical_features="all").fit(X, y)


def _dot(tree):
    return export_dot(tree, FEATURE_NAMES, ["no", "yes"], dict(enumerate(CATEGORIES)))


def test_dot_has_one_statement_per_node_and_per_edge():
    """14 nodes and 13 edges (a tree: 5 splits, 9 leaves), the root asks about texture,
    its three edges carry texture's values in the book's order."""
    tree = _watermelon_tree()
    dot = _dot(tree)
    nodes = re.findall(r"^(\d+) \[label=", dot, flags=re.M)
    edges = re.findall(r'^(\d+) -> (\d+) \[label="([^"]*)"\]', dot, flags=re.M)
    assert len(nodes) == tree.tree_.node_count == 14 and len(edges) == 13
    assert dot.startswith("digraph Tree {") and dot.rstrip().endswith("}")
    assert re.search(r'^0 \[label="texture = \?', dot, flags=re.M)
    assert [e[2] for e in edges if e[0] == "0"] == ["clear", "slightly blurry", "blurry"]


def test_numeric_splits_and_regression_leaves_are_labelled():
    X = [[0.0], [1.0], [2.0], [3.0]]
    dot = export_dot(DecisionTreeRegressor(max_depth=1).fit(X, [1.0, 1.0, 5.0, 5.0]), ["x"])
    assert "x <= 1.500" in dot and "value = 1.000" in dot and "value = 5.000" in dot


def test_watermelon_tree_renders_to_png_and_svg(tmp_path):
    """Needs Graphviz (CI installs the Debian package graphviz)."""
    pytest.importorskip("graphviz")
    if not viz_tree.shutil.which("dot"):
        pytest.skip("Graphviz's dot program is not installed")
    tree = _watermelon_tree()
    png = viz_tree.render_tree(
        tree, tmp_path / "t.png", "png", FEATURE_NAMES, ["no", "yes"], dict(enumerate(CATEGORIES))
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    svg = viz_tree.render_dot(_dot(tree), tmp_path / "t.svg", "svg").read_text()
    assert "texture = ?" in svg and "slightly curled" in svg


def test_missing_graphviz_says_how_to_install_it(tmp_path, monkeypatch):
    tree = _watermelon_tree()
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    with pytest.raises(viz_tree.GraphvizNotFound, match=r"pip install 'scratch\[graph\]'"):
        viz_tree.render_tree(tree, tmp_path / "t.png")
    monkeypatch.undo()
    pytest.importorskip("graphviz")
    monkeypatch.setattr(viz_tree.shutil, "which", lambda name: None)
    with pytest.raises(viz_tree.GraphvizNotFound, match="apt-get install graphviz"):
        viz_tree.render_tree(tree, tmp_path / "t.png")
    with pytest.raises(ValueError, match="format must be one of"):
        viz_tree.render_dot("digraph {}", tmp_path / "t.gif", "gif")
