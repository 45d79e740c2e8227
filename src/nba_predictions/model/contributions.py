"""XGBoost's exact per-feature contributions (``pred_contribs``) of many rows at once.

XGBoost computes TreeSHAP row by row, tree by tree: about 5 ms per game for the shipped model
(1,000 trees of depth 4), far more than everything else a backfill does.  Two facts make it cheap:

* What one leaf adds to the contributions depends only on which of the edges above it the row
  follows: 2**depth cases, the same for every row (TreeSHAP walks every leaf of every tree).
* One tree's whole contribution depends only on the row's *decision pattern* in that tree (the
  side it takes at each split), and a season's games take a few hundred patterns per tree.

:class:`TreeContributions` computes, once per model, every leaf's additions in each of its cases
with XGBoost's own float32 arithmetic (``src/predictor/treeshap.cc`` of XGBoost 3.2: ``ExtendPath``,
``UnwindPath``, ``UnwoundPathSum`` and the leaf's update, operation for operation, vectorised over
the cases of all leaves whose paths run the same operations).  Per batch, tree by tree, it adds
each distinct pattern's leaf terms in the order TreeSHAP visits the leaves for that pattern (the
followed side first) and each row's per-tree vectors in tree order, as XGBoost's predictor does.
The result is XGBoost's own ``pred_contribs``, bit for bit (``tests/unit/test_native_model.py``
compares every game of several seasons and perturbed copies), at a small part of the cost.

Building the tables costs about half a second; they are kept between runs by
:mod:`.tables_cache` (``NBA_MODEL_CACHE_DIR``), one file per model.

Every batch is also checked against XGBoost's own ``pred_contribs`` on a few of its rows; a
difference (an XGBoost version that computes differently) turns this off for the run, with a
warning, and XGBoost computes the batch whole.  So do rows with a missing value and models this
module does not decompose (categorical splits, weighted trees, more than one output).  Only the
feature columns are computed: the bias column, which the ratings' explanation does not use, is
left out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nba_predictions.errors import NotDecomposableError
from nba_predictions.model.native import PREDICT_CONTRIBUTIONS, NativeBooster
from nba_predictions.model.treeshap import Leaf, tabulate

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nba_predictions.model.tables_cache import TablesCache, TreeArrays

logger = logging.getLogger(__name__)

CHECKED_ROWS = 4
"""Rows of every batch also computed by XGBoost whole and compared."""
MAX_SPLITS = 62
"""Trees with more splits than this are not decomposed (a decision pattern is a 64-bit number)."""
DENSE_PATTERN_SPLITS = 16
"""Up to this many splits, a tree's patterns are found by table lookup (2**splits entries)."""


@dataclass
class _Tree:
    split_features: np.ndarray  # (splits,) int64
    thresholds: np.ndarray  # (splits,) float32
    leaves: list[Leaf] = field(default_factory=list)


class TreeContributions:
    """Exact ``pred_contribs`` feature columns of a model (see the module doc); one per run."""

    def __init__(
        self, booster: NativeBooster, model_json: bytes, feature_names: Sequence[str], cache: TablesCache | None = None
    ) -> None:
        """``cache``: where the tables of this model are kept between runs (:mod:`.tables_cache`)."""
        self._booster = booster
        self._names = list(feature_names)
        self._tables: list[_TreeTables] = []
        try:
            stored = cache.read() if cache is not None else None
            if stored is not None:
                self._tables = [_TreeTables.from_arrays(arrays) for arrays in stored]
            else:
                trees = _parse(json.loads(model_json))
                tabulate([leaf for tree in trees for leaf in tree.leaves])
                self._tables = [_TreeTables(tree) for tree in trees]
                if cache is not None:
                    cache.write([tables.arrays() for tables in self._tables])
            self.enabled = True
        except NotDecomposableError as exc:
            logger.info("prediction: contributions computed by XGBoost whole (%s)", exc)
            self.enabled = False

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        """The feature columns of ``pred_contribs`` for every row of ``matrix`` (float32)."""
        import numpy as np

        rows = np.ascontiguousarray(matrix, dtype=np.float64)
        if not self.enabled or not len(rows) or not np.isfinite(rows).all():
            return self._whole(rows)
        columns32 = np.ascontiguousarray(rows.T, dtype=np.float32)  # what the DMatrix holds, by feature
        total = np.zeros((len(rows), len(self._names)), dtype=np.float32)
        for tables in self._tables:  # float32 additions in tree order, as XGBoost's predictor
            if tables.features.size:  # (a single leaf adds nothing to the features)
                per_pattern, pattern_of_row = tables.contributions(columns32, len(self._names))
                total += per_pattern[pattern_of_row]  # + 0.0 where the tree adds nothing, as XGBoost
        checked = min(CHECKED_ROWS, len(rows))
        if not np.array_equal(total[:checked], self._whole(rows[:checked])):
            logger.warning(
                "prediction: the decomposed contributions differ from XGBoost's own for this XGBoost "
                "version; computing them whole for the rest of the run (slower, same results)"
            )
            self.enabled = False
            return self._whole(rows)
        return total

    def _whole(self, rows: np.ndarray) -> np.ndarray:
        with self._booster.matrix(rows, self._names) as dmatrix:
            return self._booster.predict_matrix(dmatrix, PREDICT_CONTRIBUTIONS)[:, : len(self._names)]


class _TreeTables:
    """One tree as arrays: its splits, and per leaf its edges, its additions per case, where each
    addition goes, and its place in TreeSHAP's visiting order per case (the leaves on the other
    side of every edge the case does not follow come first)."""

    def __init__(self, tree: _Tree) -> None:
        import numpy as np

        self.split_features, self.thresholds = tree.split_features, tree.thresholds
        leaves = tree.leaves
        edges = max(len(leaf.edges) for leaf in leaves)
        depth = max(len(leaf.features) for leaf in leaves)
        cases = 1 << edges
        # The features this tree adds to, as local columns 0..k-1 (column k takes the padding).
        self.features = np.asarray(sorted({f for leaf in leaves for f in leaf.features}), dtype=np.int64)
        local = {int(f): i for i, f in enumerate(self.features)}
        width = len(self.features)
        self.edge_split = np.zeros((len(leaves), edges), dtype=np.int64)
        self.edge_left = np.zeros((len(leaves), edges), dtype=bool)
        self.edge_real = np.zeros((len(leaves), edges), dtype=bool)
        self.column = np.full((len(leaves), depth), width, dtype=np.int64)
        self.terms = np.zeros((len(leaves), cases, depth), dtype=np.float32)
        siblings = np.zeros((len(leaves), edges), dtype=np.int64)
        for row, leaf in enumerate(leaves):
            k, d = len(leaf.edges), len(leaf.features)
            if k:
                self.edge_split[row, :k], self.edge_left[row, :k] = zip(*leaf.edges)
                self.edge_real[row, :k] = True
                siblings[row, :k] = leaf.siblings
            self.column[row, :d] = [local[f] for f in leaf.features]
            assert leaf.terms is not None
            self.terms[row, : 1 << k, :d] = leaf.terms
        bits = (np.arange(cases)[:, None] >> np.arange(edges)) & 1  # (cases, edges)
        self.rank = ((1 - bits)[None] * siblings[:, None, :]).sum(axis=2)  # (leaves, cases)
        self._derive()

    def _derive(self) -> None:
        """The arrays that follow from the others' shapes."""
        import numpy as np

        splits, (leaves, edges) = len(self.split_features), self.edge_split.shape
        self.bits = np.left_shift(np.int64(1), np.arange(splits, dtype=np.int64))
        # A pattern's number: uint16 when it fits (half the work of int64), as the lookup table's index.
        self.bits = self.bits.astype(np.uint16 if splits <= DENSE_PATTERN_SPLITS else np.int64)
        self.width = len(self.features)
        self.weights = np.left_shift(np.int64(1), np.arange(edges, dtype=np.int64))
        self.leaf_index = np.arange(leaves)

    def arrays(self) -> TreeArrays:
        """The tables as :data:`.tables_cache.ARRAYS` names them (what :meth:`from_arrays` takes)."""
        return {
            "split_features": self.split_features,
            "thresholds": self.thresholds,
            "features": self.features,
            "edge_split": self.edge_split,
            "edge_left": self.edge_left,
            "edge_real": self.edge_real,
            "column": self.column,
            "terms": self.terms,
            "rank": self.rank,
        }

    @classmethod
    def from_arrays(cls, arrays: TreeArrays) -> _TreeTables:
        """The tables of a tree from :meth:`arrays` (e.g. read back from the cache)."""
        tables = cls.__new__(cls)
        tables.split_features, tables.thresholds = arrays["split_features"], arrays["thresholds"]
        tables.features, tables.column, tables.terms = arrays["features"], arrays["column"], arrays["terms"]
        tables.edge_split, tables.edge_left, tables.edge_real = (
            arrays["edge_split"],
            arrays["edge_left"],
            arrays["edge_real"],
        )
        tables.rank = arrays["rank"]
        tables._derive()
        return tables

    def contributions(self, columns32: np.ndarray, features: int) -> tuple[np.ndarray, np.ndarray]:
        """The tree's contributions (patterns x ``features``) for each of the rows' distinct
        decision patterns, and each row's pattern (``columns32``: the rows' values by feature)."""
        import numpy as np

        lefts = columns32[self.split_features] < self.thresholds[:, None]  # XGBoost's decisions (splits x rows)
        keys = (lefts * self.bits[:, None]).sum(axis=0, dtype=self.bits.dtype)
        if len(self.bits) <= DENSE_PATTERN_SPLITS:  # patterns by table lookup instead of a sort
            seen = np.zeros(1 << len(self.bits), dtype=np.int64)
            seen[keys] = np.arange(1, len(keys) + 1)  # a row of each pattern (any will do), 1-based
            present = np.flatnonzero(seen)
            first = seen[present] - 1
            number = np.zeros(len(seen), dtype=np.int64)
            number[present] = np.arange(len(present))
            inverse = number[keys]
        else:
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        patterns = lefts[:, first].T  # the tree's distinct decision patterns
        n, leaves = len(patterns), len(self.leaf_index)
        followed = (patterns[:, self.edge_split] == self.edge_left) & self.edge_real  # (n, leaves, edges)
        case = followed @ self.weights  # (n, leaves): which edges above each leaf the pattern follows
        order = np.argsort(self.rank[self.leaf_index, case], axis=1)  # TreeSHAP's visiting order
        visited_case = np.take_along_axis(case, order, axis=1)
        terms = self.terms[order, visited_case]  # (n, leaves, depth): the s-th visited leaf's additions
        columns = self.column[order]
        # A leaf adds to each of its features once: its additions are placed in a row of their
        # own, and phi (zeroed) takes the rows in visiting order, float32 addition by addition.
        width = self.width + 1
        placed = np.zeros((n, leaves, width), dtype=np.float32)
        where = (np.arange(n)[:, None, None] * leaves + np.arange(leaves)[None, :, None]) * width + columns
        placed.reshape(-1)[where.reshape(-1)] = terms.reshape(-1)
        phi = np.zeros((n, width), dtype=np.float32)
        for step in range(leaves):
            phi += placed[:, step]
        out = np.zeros((n, features), dtype=np.float32)
        out[:, self.features] = phi[:, : self.width]
        return out, inverse.reshape(-1)


# -- the model ---------------------------------------------------------------------------------


# A node on the way down: (node, edges, covers, siblings, unwound, unique path features).
_Walk = tuple[
    int,
    tuple[tuple[int, bool], ...],
    tuple[tuple[float, float], ...],
    tuple[int, ...],
    tuple["int | None", ...],
    tuple[int, ...],
]


def _parse(model: dict) -> list[_Tree]:
    """The trees of an XGBoost JSON model, with each leaf's path (see :class:`Leaf`)."""
    import numpy as np

    learner = model["learner"]
    booster = learner["gradient_booster"]
    if booster.get("name") != "gbtree":
        raise NotDecomposableError(f"a {booster.get('name')} booster")
    trees = booster["model"]["trees"]
    if set(booster["model"].get("tree_info", [0])) != {0}:
        raise NotDecomposableError("more than one output")
    out = []
    for tree in trees:
        left, right = tree["left_children"], tree["right_children"]
        if any(tree.get("split_type", [])):
            raise NotDecomposableError("categorical splits")
        splits = [node for node in range(len(left)) if left[node] != -1]
        if len(splits) > MAX_SPLITS:
            raise NotDecomposableError(f"a tree with {len(splits)} splits")
        number = {node: i for i, node in enumerate(splits)}
        feature_of, value_of = tree["split_indices"], tree["split_conditions"]
        cover = np.asarray(tree["sum_hessian"], dtype=np.float32).tolist()  # float32 values, as Python floats
        parsed = _Tree(
            np.asarray([feature_of[n] for n in splits], dtype=np.int64),
            np.asarray([value_of[n] for n in splits], dtype=np.float32),
        )
        under = [0] * len(left)  # leaves under each node
        order = [0]
        for node in order:  # breadth first: parents before children
            if left[node] != -1:
                order += (left[node], right[node])
        for node in reversed(order):
            under[node] = 1 if left[node] == -1 else under[left[node]] + under[right[node]]
        # (node, edges, covers, siblings, unwound, unique path features) down to every leaf
        stack: list[_Walk] = [(0, (), (), (), (), ())]
        leaves = []
        while stack:
            node, edges, covers, siblings, unwound, path = stack.pop()
            if left[node] == -1:
                leaves.append(
                    Leaf(
                        float(np.float32(value_of[node])),
                        list(edges),
                        list(covers),
                        list(path),
                        list(siblings),
                        list(unwound),
                    )
                )
                continue
            feature = feature_of[node]
            # TreeSHAP's unique path: element 0 is the root's, 1.. the features; a repeated
            # feature is unwound from its place and extended again at the end.
            repeat = path.index(feature) + 1 if feature in path else None
            below = (*(f for f in path if f != feature), feature)
            for child, goes_left, other in ((right[node], False, left[node]), (left[node], True, right[node])):
                stack.append(
                    (
                        child,
                        (*edges, (number[node], goes_left)),
                        (*covers, (cover[child], cover[node])),
                        (*siblings, under[other]),
                        (*unwound, repeat),
                        below,
                    )
                )
        parsed.leaves = leaves  # left subtrees first (the order does not matter)
        out.append(parsed)
    return out
