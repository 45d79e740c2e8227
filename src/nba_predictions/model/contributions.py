"""XGBoost's exact per-feature contributions (``pred_contribs``) of many rows, from per-tree tables.

XGBoost's TreeSHAP costs about 1 ms per row for the shipped model (500 trees), most of a
whole-archive backfill.  But what one tree contributes to a row depends only on which side of
each of the tree's splits the row's values fall (TreeSHAP walks both sides of every split,
weighting them by which side is the row's), and a tree of the shipped model has at most 128 such
*cells*: for every feature it splits on, the interval of its thresholds the value lies in.

So :class:`TreeContributions` asks ``libxgboost`` itself, through a one-tree slice of the model,
for the contributions of one row in every cell of every tree (once per run, about 33,000 rows,
well under a second), and then gives each row the sum of its cells' vectors, added in float32
and in tree order as XGBoost's predictor adds its per-tree vectors: XGBoost's own
``pred_contribs``, bit for bit (``tests/unit/test_native_model.py`` compares them on every game
of several seasons), at a small part of the cost.

Every batch is also checked against XGBoost's own ``pred_contribs`` on a few of its rows; a
difference (an XGBoost version that adds differently) turns the tables off for the run, with a
warning, and XGBoost computes the batch whole.  Only the feature columns are computed (the bias
column, which the ratings' explanation does not use, is left out).  Rows with a missing value
(NaN, which takes a split's default side) are computed whole too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .native import PREDICT_CONTRIBUTIONS, NativeBooster

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

logger = logging.getLogger(__name__)

CHECKED_ROWS = 4
"""Rows of every batch also computed by XGBoost whole and compared."""
MAX_CELLS = 4096
"""A tree with more cells than this is not tabulated: the model is computed whole."""


class TreeContributions:
    """Exact ``pred_contribs`` feature columns of a model (see the module doc); one per run."""

    def __init__(self, booster: NativeBooster, model_json: bytes, feature_names: Sequence[str]) -> None:
        import numpy as np

        trees = json.loads(model_json)["learner"]["gradient_booster"]["model"]["trees"]
        self._booster = booster
        self._names = list(feature_names)
        features, thresholds, weights, owners, sizes = [], [], [], [], []
        for index, tree in enumerate(trees):
            left = np.asarray(tree["left_children"])
            splits = np.flatnonzero(left != -1)
            split_features = np.asarray(tree["split_indices"], dtype=np.int64)[splits]
            split_values = np.asarray(tree["split_conditions"], dtype=np.float32)[splits]
            cells = 1
            for feature in np.unique(split_features):  # mixed radix: a digit per feature, its interval
                values = np.unique(split_values[split_features == feature])
                features.extend([int(feature)] * len(values))
                thresholds.extend(values.tolist())
                weights.extend([cells] * len(values))
                owners.extend([index] * len(values))
                cells *= len(values) + 1
            sizes.append(cells)
        self._features = np.asarray(features, dtype=np.int64)
        self._thresholds = np.asarray(thresholds, dtype=np.float32)
        self._weights = np.asarray(weights, dtype=np.int64)
        self._starts = np.searchsorted(np.asarray(owners), np.arange(len(trees)))
        self._sizes = np.asarray(sizes, dtype=np.int64)
        self._offsets = np.concatenate(([0], np.cumsum(self._sizes)[:-1]))
        self._table: np.ndarray | None = None  # row offsets[j] + cell: tree j's contributions in that cell
        self._digits: dict[int, tuple[np.ndarray, np.ndarray]] | None = None  # see _digit_tables
        self.enabled = bool(len(trees)) and int(self._sizes.max()) <= MAX_CELLS

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        """The feature columns of ``pred_contribs`` for every row of ``matrix`` (float32)."""
        import numpy as np

        rows = np.ascontiguousarray(matrix, dtype=np.float64)
        if not self.enabled or not len(rows) or not np.isfinite(rows).all():
            return self._whole(rows)
        if self._table is None:
            self._table = self._tabulate()
        cells = self._cells(rows.astype(np.float32)) + self._offsets  # what the DMatrix holds: float32
        total = np.zeros((len(rows), len(self._names)), dtype=np.float32)
        for j in range(cells.shape[1]):  # float32 additions in tree order, as XGBoost's predictor
            total += self._table[cells[:, j]]
        checked = min(CHECKED_ROWS, len(rows))
        if not np.array_equal(total[:checked], self._whole(rows[:checked])):
            logger.warning("prediction: the tabulated tree contributions differ from XGBoost's own for this "
                           "XGBoost version; computing them whole for the rest of the run (slower, same results)")
            self.enabled = False
            return self._whole(rows)
        return total

    def _cells(self, rows32: np.ndarray) -> np.ndarray:
        """Each row's cell in each tree (rows x trees).  A cell is a mixed-radix number, one digit
        per feature a tree splits on: how many of the tree's thresholds for that feature the value
        reaches (``value >= threshold``, the right side of XGBoost's ``value < threshold``).  Per
        feature, one search among all trees' thresholds gives the value's rank, and the rank the
        digit (times its weight) of every tree at once."""
        import numpy as np

        if self._digits is None:
            self._digits = self._digit_tables()
        cells = np.zeros((len(rows32), len(self._sizes)), dtype=np.int32)  # < MAX_CELLS
        for feature, (thresholds, parts) in self._digits.items():
            cells += parts[np.searchsorted(thresholds, rows32[:, feature], side="right")]
        return cells

    def _digit_tables(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per feature: all trees' thresholds for it (sorted, unique), and for each rank 0..n among
        them every tree's weighted digit (ranks x trees)."""
        import numpy as np

        tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        owners = np.repeat(np.arange(len(self._sizes)), np.diff(np.append(self._starts, len(self._features))))
        for feature in np.unique(self._features):
            mine = np.flatnonzero(self._features == feature)
            thresholds = np.unique(self._thresholds[mine])
            ranks = np.arange(len(thresholds) + 1)
            parts = np.zeros((len(ranks), len(self._sizes)), dtype=np.int32)
            for tree in np.unique(owners[mine]):
                own = mine[owners[mine] == tree]
                positions = np.searchsorted(thresholds, self._thresholds[own])  # ascending
                parts[:, tree] = np.searchsorted(positions, ranks, side="left") * self._weights[own[0]]
            tables[int(feature)] = (thresholds, parts)
        return tables

    def _tabulate(self) -> np.ndarray:
        """Every tree's contributions in each of its cells, from one representative row per cell."""
        import numpy as np

        table = np.zeros((int(self._sizes.sum()), len(self._names)), dtype=np.float32)
        for j, cells in enumerate(self._sizes.tolist()):
            rows = np.zeros((cells, len(self._names)), dtype=np.float64)
            lo, hi = (self._starts[j], self._starts[j + 1]) if j + 1 < len(self._starts) else (self._starts[j],
                                                                                               len(self._features))
            for feature in np.unique(self._features[lo:hi]):
                mine = np.flatnonzero(self._features[lo:hi] == feature) + lo
                values = self._thresholds[mine]  # ascending, one digit weight
                weight = int(self._weights[mine[0]])
                # Interval 0 lies below the first threshold, interval k from threshold k on.
                below = np.nextafter(values[0], np.float32(-np.inf))
                representatives = np.concatenate(([below], values)).astype(np.float64)
                digit = (np.arange(cells) // weight) % (len(values) + 1)
                rows[:, feature] = representatives[digit]
            booster = self._booster.slice(j, j + 1)
            try:
                with booster.matrix(rows, self._names) as dmatrix:
                    values = booster.predict_matrix(dmatrix, PREDICT_CONTRIBUTIONS)[:, : len(self._names)]
            finally:
                booster.close()
            table[self._offsets[j]: self._offsets[j] + cells] = values
        return table

    def _whole(self, rows: np.ndarray) -> np.ndarray:
        with self._booster.matrix(rows, self._names) as dmatrix:
            return self._booster.predict_matrix(dmatrix, PREDICT_CONTRIBUTIONS)[:, : len(self._names)]
