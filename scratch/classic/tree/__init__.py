"""Decision trees: ID3, C4.5 and CART, pruning, and Graphviz/text export.

One idea per file: ``criteria`` (impurities and gains), ``splitter`` (the vectorized
split search at a node), ``structure`` (the node arrays and prediction), ``builder``
(depth-first growth), ``pruning`` (minimal cost-complexity pruning), ``encoding``
(categorical columns), ``classes`` (the estimators), ``export`` (DOT and text).
"""

from .classes import DecisionTreeClassifier, DecisionTreeRegressor
from .export import export_dot, export_text

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "export_dot", "export_text"]
