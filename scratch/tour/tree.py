"""Tour step ``tree``: ID3 on the watermelon data set 2.0, drawn by Graphviz.

The root's information gains are checked against Zhou's published values (section
4.2.1), the tree's root against figure 4.4 (texture), and the tree must classify its
17 training melons (the data are consistent). The tree goes to DOT text
(``export_dot``) and, when the graphviz package and Graphviz's ``dot`` are installed,
to a PNG; without them the step still runs its checks and says what is missing.
A second figure shows the six root gains beside the published ones.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..io import atomic_write_text, save_figure
from . import Outcome, figures_available, step

PUBLISHED = {
    "color": 0.109,
    "root": 0.143,
    "sound": 0.141,
    "texture": 0.381,
    "navel": 0.289,
    "touch": 0.006,
}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@step(
    "tree",
    order=50,
    derivation=[
        (r"\mathrm{Ent}(D) = -\sum_k p_k \log_2 p_k", "the entropy of the class mix"),
        (
            r"\mathrm{Gain}(D, a) = \mathrm{Ent}(D) - \sum_v \frac{|D^v|}{|D|}\, "
            r"\mathrm{Ent}(D^v)",
            "ID3 splits on the attribute of largest gain, one branch per value",
        ),
        (
            r"\mathrm{Gain\_ratio}(D, a) = \mathrm{Gain}(D, a) / \mathrm{IV}(a), \quad "
            r"\mathrm{IV}(a) = -\sum_v \frac{|D^v|}{|D|} \log_2 \frac{|D^v|}{|D|}",
            "C4.5: the best ratio among the attributes of above-average gain",
        ),
    ],
    criterion="the six root gains within 1e-3 of Zhou's (the book subtracts entropies "
    "rounded to 3 digits), texture the largest and the tree's root, all 17 melons "
    "classified correctly.",
    reference=[
        "scratch.classic.tree.criteria:information_gain",
        "scratch.classic.tree.splitter:best_split",
        "scratch.classic.tree.builder:grow",
    ],
    api=[
        "scratch.classic:DecisionTreeClassifier",
        "scratch.classic:export_dot",
        "scratch.viz.tree:render_tree",
    ],
    captions={
        "watermelon_tree.png": "the ID3 tree of Zhou's figure 4.4: texture at the root; the "
        "'light' branch holds no melon and takes its parent's majority",
        "watermelon_gains.png": "information gain of each attribute at the root: ours "
        "(bars) and the book's (dots)",
    },
)
def tree(bk, out):
    """ID3 on watermelon 2.0: root gains, figure 4.4, PNG through Graphviz."""
    from ..classic import DecisionTreeClassifier, export_dot
    from ..classic.tree.criteria import information_gain
    from ..data.watermelon import CATEGORIES, FEATURE_NAMES, load_watermelon
    from ..viz.tree import GraphvizNotFound, render_dot

    X, y = load_watermelon(backend=bk)
    gains = [float(to_numpy(information_gain(X[:, j], y))) for j in range(6)]
    model = DecisionTreeClassifier("entropy", categorical_features="all").fit(X, y)
    acc = model.score(X, y)
    gap = max(abs(g - PUBLISHED[f]) for g, f in zip(gains, FEATURE_NAMES))
    root = FEATURE_NAMES[model.tree_.feature[0]]
    passed = gap <= 1e-3 and root == "texture" and int(np.argmax(gains)) == 3 and acc == 1.0

    dot = export_dot(model, FEATURE_NAMES, ["no", "yes"], dict(enumerate(CATEGORIES)))
    atomic_write_text(out / "watermelon_tree.dot", dot)
    figures = []
    try:
        render_dot(dot, out / "watermelon_tree.png")
        figures.append("watermelon_tree.png")
        drawn = "drawn to watermelon_tree.png"
    except GraphvizNotFound as e:
        drawn = f"not drawn ({e}); DOT text in watermelon_tree.dot"

    if figures_available():  # the checks above ran either way
        plt = _plt()
        fig, ax = plt.subplots(figsize=(7, 3.5))
        pos = np.arange(6)
        ax.bar(pos, gains, color="#8fb4d9", label="scratch (exact)")
        published = [PUBLISHED[f] for f in FEATURE_NAMES]
        ax.plot(pos, published, "o", color="#c0392b", label="Zhou 4.2.1")
        ax.set_xticks(pos, FEATURE_NAMES)
        ax.set_ylabel("Gain(D, a) [bits]")
        ax.set_title("watermelon 2.0: information gain at the root")
        ax.legend()
        save_figure(fig, out / "watermelon_gains.png")
    figures.append("watermelon_gains.png")
    return Outcome(
        result=f"root {root}, depth {model.get_depth()}, {model.get_n_leaves()} leaves, "
        f"training accuracy {acc:.2f}; {drawn}",
        check=f"max |gain - published| = {gap:.4f} <= 1e-3; texture gain {gains[3]:.3f}",
        passed=passed,
        figures=figures,
        numbers={"max gain gap": gap, "bound": 1e-3, "texture gain": gains[3]},
    )
