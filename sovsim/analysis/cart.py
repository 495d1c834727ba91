"""A second view of scenario discovery: a shallow classification tree (CART, scikit-learn).

Where PRIM finds one box at a time, a tree splits all futures into a few leaves, each a box given by the
conditions along its path. The leaves are listed with their coverage and density of the outcome, so they
read like PRIM boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CartResult", "cart", "design_matrix"]


def design_matrix(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, object]]]:
    """The columns as numbers for a tree, and what each 0/1 column stands for.

    Numeric columns stay as they are; a categorical one becomes 0/1 columns named ``name=value``, and the
    mapping gives each such column's (name, value).
    """
    parts, dummies = [], {}
    for name in x.columns:
        column = x[name]
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype) and not (
                isinstance(column.dtype, pd.CategoricalDtype)):
            parts.append(column.astype(float).rename(name))
            continue
        values = column.cat.categories.tolist() if isinstance(column.dtype, pd.CategoricalDtype) else \
            sorted(column.unique().tolist(), key=str)
        for value in values:
            label = f"{name}={value}"
            parts.append((column == value).astype(float).rename(label))
            dummies[label] = (str(name), value)
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=x.index), dummies


@dataclass(frozen=True)
class CartResult:
    """The fitted tree's leaves (rule, futures, cases, density, coverage), its text form and accuracy."""

    leaves: pd.DataFrame
    text: str
    accuracy: float
    depth: int


def _rule(bounds: dict[str, list[float]], equal: dict[str, object], unequal: dict[str, list[object]]) -> str:
    parts = []
    for name, (lo, hi) in bounds.items():
        if lo > -np.inf and hi < np.inf:
            parts.append(f"{lo:.4g} < {name} ≤ {hi:.4g}")
        elif lo > -np.inf:
            parts.append(f"{name} > {lo:.4g}")
        else:
            parts.append(f"{name} ≤ {hi:.4g}")
    for name, value in equal.items():
        parts.append(f"{name} = {value}")
    for name, values in unequal.items():
        if name not in equal:
            parts.append(f"{name} ∉ {{{', '.join(map(str, values))}}}")
    return " and ".join(parts) or "all futures"


#: Futures a tree is fitted on at most; a larger sweep is subsampled (seeded, without replacement) for the
#: fit, and the leaves' counts, coverage, density and the accuracy are then taken over every future. With
#: leaves of at least 2 % of the futures, a leaf of the fit holds ≥ 4,000 of them: the split points move
#: by sampling error only.
FIT_ROWS = 200_000


def cart(x: pd.DataFrame, y: np.ndarray | pd.Series, max_depth: int = 3, min_leaf_share: float = 0.02,
         seed: int = 0, max_rows: int = FIT_ROWS) -> CartResult:
    """Fit a tree of depth ≤ ``max_depth`` (leaves of at least ``min_leaf_share`` of the futures).

    Above ``max_rows`` futures the tree is fitted on a seeded random ``max_rows`` of them (the leaves are
    still counted over all).
    """
    from sklearn.tree import DecisionTreeClassifier, export_text

    matrix, dummies = design_matrix(x)
    target = np.asarray(y, dtype=int)
    features = np.ascontiguousarray(matrix.to_numpy(dtype=np.float32))  # the dtype sklearn's trees work in
    fit = np.arange(len(target))
    if len(target) > max_rows:
        fit = np.sort(np.random.default_rng(seed).choice(len(target), size=max_rows, replace=False))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf_share * len(fit))),
                                  random_state=seed)
    tree.fit(features[fit], target[fit])
    t = tree.tree_
    names = list(matrix.columns)
    total_cases = max(int(target.sum()), 1)
    leaf_of = tree.apply(features)
    rows = []

    def walk(node: int, bounds: dict[str, list[float]], equal: dict[str, object],
             unequal: dict[str, list[object]]) -> None:
        left, right = t.children_left[node], t.children_right[node]
        if left == right:  # a leaf
            inside = leaf_of == node
            cases = int(target[inside].sum())
            n = int(inside.sum())
            rows.append({"rule": _rule(bounds, equal, unequal), "futures": n, "cases": cases,
                         "density": cases / n if n else np.nan, "coverage": cases / total_cases})
            return
        feature, threshold = names[t.feature[node]], float(t.threshold[node])
        if feature in dummies:
            name, value = dummies[feature]
            walk(left, bounds, equal, {**unequal, name: [*unequal.get(name, []), value]})
            walk(right, bounds, {**equal, name: value}, unequal)
        else:
            lo, hi = bounds.get(feature, [-np.inf, np.inf])
            walk(left, {**bounds, feature: [lo, min(hi, threshold)]}, equal, unequal)
            walk(right, {**bounds, feature: [max(lo, threshold), hi]}, equal, unequal)

    walk(0, {}, {}, {})
    leaves = pd.DataFrame(rows, columns=["rule", "futures", "cases", "density", "coverage"])
    leaves = leaves.sort_values(["density", "coverage"], ascending=False).reset_index(drop=True)
    text = export_text(tree, feature_names=[str(n) for n in names], decimals=3)
    predicted = tree.classes_[np.argmax(t.value[leaf_of, 0, :], axis=1)]  # what tree.predict gives, from the leaves
    return CartResult(leaves, text, float(np.mean(predicted == target)), int(tree.get_depth()))
