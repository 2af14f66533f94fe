r"""Minimal cost-complexity pruning (Breiman et al. 1984, section 3.3; scikit-learn's ccp).

The cost of a subtree T with leaves L(T) at complexity alpha is

    R_alpha(T) = R(T) + alpha |L(T)|,    R(T) = sum_{l in L(T)} (n_l / N) I(l),

R(t) the impurity of node t weighted by its share of the training samples. Collapsing
the branch T_t below an internal node t into a leaf changes the cost by
R(t) - R(T_t) - alpha (|L(T_t)| - 1), which is <= 0 once alpha reaches t's
*effective alpha*

    alpha_eff(t) = (R(t) - R(T_t)) / (|L(T_t)| - 1).

Weakest-link pruning: repeatedly collapse the internal node of smallest alpha_eff
(the first in preorder on ties, as scikit-learn), record (alpha_eff, R(T)), and update
R(T_s) and |L(T_s)| of its ancestors s. The recorded alphas are increasing; the tree
for a given ``ccp_alpha`` is the one reached when the next alpha_eff exceeds it.
The generalisation to multi-way nodes is the same formula (|L| counts all leaves).

Host decision: this runs on the host tree structure (Python floats, O(nodes) per
pruning step); it needs only each node's impurity and size.
"""

from __future__ import annotations

from .structure import LEAF, Tree

__all__ = ["prune_path", "prune"]


def _weakest_link(tree: Tree, ccp_alpha: float | None):
    """Run the pruning; returns (alphas, impurities, keep_as_leaf, in_subtree).

    With ``ccp_alpha`` given, stop before the first alpha_eff > ccp_alpha.
    """
    n = tree.node_count
    N = float(tree.n_node_samples[0])
    r_node = [tree.n_node_samples[i] * tree.impurity[i] / N for i in range(n)]
    r_branch = [0.0] * n
    n_leaves = [0] * n
    is_leaf = [k == LEAF for k in tree.kind]
    for i in range(n):  # leaves in preorder, each bubbled up to its ancestors
        if not is_leaf[i]:
            continue
        r_branch[i] = r_node[i]
        j = i
        while j != 0:
            j = tree.parent[j]
            r_branch[j] += r_node[i]
            n_leaves[j] += 1
    candidate = [not leaf for leaf in is_leaf]
    keep_as_leaf = [False] * n
    in_subtree = [True] * n
    alphas, impurities = [0.0], [r_branch[0]]
    while candidate[0]:
        best, t = float("inf"), -1
        for i in range(n):
            if candidate[i]:
                a = (r_node[i] - r_branch[i]) / (n_leaves[i] - 1)
                if a < best:
                    best, t = a, i
        if ccp_alpha is not None and ccp_alpha < best:
            break
        stack = list(tree.children[t])
        while stack:  # the branch below t leaves the subtree
            i = stack.pop()
            if in_subtree[i]:
                in_subtree[i] = candidate[i] = False
                stack.extend(tree.children[i])
        candidate[t] = False
        keep_as_leaf[t] = True
        dropped = n_leaves[t] - 1
        r_diff = r_node[t] - r_branch[t]
        n_leaves[t], r_branch[t] = 0, r_node[t]
        j = tree.parent[t]
        while j != -1:
            n_leaves[j] -= dropped
            r_branch[j] += r_diff
            j = tree.parent[j]
        alphas.append(best)
        impurities.append(r_branch[0])
    return alphas, impurities, keep_as_leaf, in_subtree


def prune_path(tree: Tree) -> tuple[list[float], list[float]]:
    """The effective alphas and total leaf impurities R(T) of the pruning sequence."""
    alphas, impurities, _, _ = _weakest_link(tree, None)
    return alphas, impurities


def prune(tree: Tree, ccp_alpha: float) -> Tree:
    """The subtree minimising R_alpha (every node with alpha_eff <= ccp_alpha collapsed)."""
    if ccp_alpha == 0.0 or tree.node_count == 1:
        return tree
    _, _, keep_as_leaf, in_subtree = _weakest_link(tree, ccp_alpha)
    return tree.subtree(keep_as_leaf, in_subtree)
