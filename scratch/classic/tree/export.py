"""A fitted tree as Graphviz DOT text (written here, no library) and as indented text.

DOT: one statement per node and per edge, ``digraph Tree { 0 [label="..."] ; 0 -> 1
[label="..."] ; }``. A split node shows its question (``texture = ?`` for a multi-way
split, ``density <= 0.38`` or ``touch = soft`` for a binary one) with its impurity,
sample count and value; the edges carry the answers (the category, or yes / no).
A leaf shows its class (or mean), filled with the class's colour, paler when mixed.
Render it with ``scratch.viz.tree.render_tree`` (Graphviz's ``dot``).
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...validation import check_is_fitted
from .structure import EQUAL, LEAF, MULTIWAY

__all__ = ["export_dot", "export_text"]

_PALETTE = ("#e58139", "#399de5", "#47e539", "#e539c0", "#8139e5", "#e5d839", "#39e5c6")


def _names(est: Any, feature_names, class_names, category_names):
    check_is_fitted(est, "tree_")
    F = est.n_features_in_
    features = list(feature_names) if feature_names is not None else [f"x[{j}]" for j in range(F)]
    if len(features) != F:
        raise ValueError(f"feature_names must have {F} entries, got {len(features)}")
    classes = None
    if hasattr(est, "classes_"):
        classes = (
            list(class_names)
            if class_names is not None
            else [str(c) for c in backend.to_numpy(est.classes_).tolist()]
        )
        if len(classes) != est.n_classes_:
            raise ValueError(f"class_names must have {est.n_classes_} entries, got {len(classes)}")
    cats: dict[int, list[str]] = {}
    for j in est.categorical_features_:
        if category_names is not None and j in category_names:
            cats[j] = [str(v) for v in category_names[j]]
        else:
            values = backend.to_numpy(est.categories_[j]).tolist()
            cats[j] = [_fmt(v) for v in values]
    return features, classes, cats


def _fmt(v: Any, precision: int = 3) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.{precision}g}"
    return str(v)


def _question(tree, i, features, cats, precision):
    f, t, kind = tree.feature[i], tree.threshold[i], tree.kind[i]
    if kind == MULTIWAY:
        return f"{features[f]} = ?", list(cats[f])
    if kind == EQUAL:
        return f"{features[f]} = {cats[f][int(t)]}", ["yes", "no"]
    return f"{features[f]} <= {t:.{precision}f}", ["yes", "no"]


def _leaf_text(est, tree, value, i, classes, precision):
    if classes is None:
        return f"value = {value[i][0]:.{precision}f}"
    k = max(range(len(value[i])), key=value[i].__getitem__)
    return f"class = {classes[k]}"


def _escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def export_dot(
    tree: Any,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    category_names: dict[int, list[str]] | None = None,
    precision: int = 3,
) -> str:
    """Graphviz DOT text of a fitted DecisionTreeClassifier / DecisionTreeRegressor.

    Parameters
    ----------
    tree : fitted estimator
    feature_names : list of str, optional
        Default ``x[j]``.
    class_names : list of str, optional
        Default: the estimator's ``classes_``.
    category_names : dict {column: names}, optional
        Names of the category codes 0..V-1 of a categorical column (default: the
        categories seen in fit).
    precision : int
        Digits of thresholds and impurities.

    Returns
    -------
    str
    """
    features, classes, cats = _names(tree, feature_names, class_names, category_names)
    t = tree.tree_
    value = backend.to_numpy(t.value).tolist()
    lines = [
        "digraph Tree {",
        'node [shape=box, style="filled, rounded", fontname="Helvetica", color="black"] ;',
        'edge [fontname="Helvetica"] ;',
    ]
    for i in range(t.node_count):
        impurity = t.impurity[i] + 0.0  # a pure node's -0.0 prints as 0.000
        stats = f"{tree.criterion} = {impurity:.{precision}f}\\nsamples = {t.n_node_samples[i]}"
        if classes is not None:
            counts = ", ".join(_fmt(float(c)) for c in value[i])
            stats += f"\\nvalue = [{counts}]"
        if t.kind[i] == LEAF:
            head = _leaf_text(tree, t, value, i, classes, precision)
            if t.n_node_samples[i] == 0:
                head += "\n(no sample: the parent's value)"
            label = f"{_escape(head)}\\n{stats}"
            color = _leaf_color(value[i], classes)
        else:
            question, _ = _question(t, i, features, cats, precision)
            label = f"{_escape(question)}\\n{stats}"
            color = "#ffffff"
        lines.append(f'{i} [label="{label}", fillcolor="{color}"] ;')
    for i in range(t.node_count):
        if t.kind[i] == LEAF:
            continue
        _, answers = _question(t, i, features, cats, precision)
        for b, c in enumerate(t.children[i]):
            lines.append(f'{i} -> {c} [label="{_escape(answers[b])}"] ;')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _leaf_color(counts: list[float], classes) -> str:
    """The majority class's colour, mixed with white by 1 - purity (regression: grey)."""
    if classes is None:
        return "#e0e0e0"
    total = sum(counts)
    k = max(range(len(counts)), key=counts.__getitem__)
    purity = counts[k] / total if total else 1.0
    base = _PALETTE[k % len(_PALETTE)]
    rgb = [int(base[1 + 2 * c : 3 + 2 * c], 16) for c in range(3)]
    alpha = 0.25 + 0.75 * purity
    mixed = [round(alpha * v + (1 - alpha) * 255) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in mixed)


def export_text(
    tree: Any,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    category_names: dict[int, list[str]] | None = None,
    precision: int = 3,
) -> str:
    """The tree as indented rules, one branch per line (scikit-learn's layout).

    ``|--- texture = clear`` opens a branch, ``|   |--- class: yes`` is a leaf.

    Parameters
    ----------
    tree : fitted DecisionTreeClassifier or DecisionTreeRegressor
    feature_names : list of str, optional
        One name per column (n_features_in_ of them); default ``x[j]``.
    class_names : list of str, optional
        One name per class (classifier only); default: the estimator's ``classes_``.
    category_names : dict {column: names}, optional
        Names of the category codes 0..V-1 of a categorical column (default: the
        categories seen in fit).
    precision : int
        Digits of thresholds and of a regression leaf's value.

    Returns
    -------
    str
        The rules, one line per branch or leaf, ending in a newline.
    """
    features, classes, cats = _names(tree, feature_names, class_names, category_names)
    t = tree.tree_
    value = backend.to_numpy(t.value).tolist()
    out: list[str] = []
    stack: list[tuple] = [("node", 0, 0)]  # items: ("node", id, depth) or ("line", text)
    while stack:
        item = stack.pop()
        if item[0] == "line":
            out.append(item[1])
            continue
        _, i, depth = item
        pad = "|   " * depth + "|--- "
        if t.kind[i] == LEAF:
            if classes is None:
                out.append(f"{pad}value: {value[i][0]:.{precision}f}")
            else:
                k = max(range(len(value[i])), key=value[i].__getitem__)
                out.append(f"{pad}class: {classes[k]}")
            continue
        f, thr = features[t.feature[i]], t.threshold[i]
        if t.kind[i] == MULTIWAY:
            conds = [f"{f} = {name}" for name in cats[t.feature[i]]]
        elif t.kind[i] == EQUAL:
            name = cats[t.feature[i]][int(thr)]
            conds = [f"{f} = {name}", f"{f} != {name}"]
        else:
            conds = [f"{f} <= {thr:.{precision}f}", f"{f} >  {thr:.{precision}f}"]
        for b in reversed(range(len(t.children[i]))):  # first branch on top
            stack.append(("node", t.children[i][b], depth + 1))
            stack.append(("line", pad + conds[b]))
    return "\n".join(out) + "\n"
