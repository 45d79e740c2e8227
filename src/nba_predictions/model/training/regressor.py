"""The XGBoost regressor: fixed settings, deterministic fits, and the metrics it is scored by.

xgboost and scipy are imported lazily, inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nba_predictions.documents.models import ALL_FEATURES

# Settings shared by every fit.  One thread: histogram sums are then added in one fixed order, so
# the model bytes do not depend on the machine's core count.
BASE_PARAMS: dict[str, Any] = {
    "objective": "reg:squarederror",
    "tree_method": "hist",
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "min_child_weight": 5,
    "nthread": 1,
}


@dataclass(frozen=True)
class HyperParameters:
    """The settings the validation seasons choose between."""

    max_depth: int
    eta: float
    rounds: int

    def params(self) -> dict[str, Any]:
        return {**BASE_PARAMS, "max_depth": self.max_depth, "eta": self.eta}

    def name(self) -> str:
        return f"depth {self.max_depth}, eta {self.eta}, {self.rounds} trees"


# The first shipped model's settings, and the grid the validation seasons choose from.
FIRST_MODEL = HyperParameters(max_depth=3, eta=0.1, rounds=500)
PARAM_GRID = (
    FIRST_MODEL,
    HyperParameters(max_depth=3, eta=0.05, rounds=1000),
    HyperParameters(max_depth=4, eta=0.1, rounds=500),
    HyperParameters(max_depth=4, eta=0.05, rounds=1000),
)


def train(x: np.ndarray, y: np.ndarray, names: Sequence[str], hyper: HyperParameters, seed: int) -> Any:
    import xgboost

    dtrain = xgboost.DMatrix(x, label=y, feature_names=list(names))
    return xgboost.train({**hyper.params(), "seed": seed}, dtrain, num_boost_round=hyper.rounds)


def predict(booster: Any, x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    import xgboost

    return booster.predict(xgboost.DMatrix(x, feature_names=list(names))).astype(np.float64)


MODEL_FEATURES: tuple[str, ...] = ALL_FEATURES
"""The features the model is trained on: every feature, the score's, the stakes and the performances
(issue 23; the label they serve is the worth-watching label, :mod:`.worth`)."""


def columns(x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The ``names`` columns of an :data:`ALL_FEATURES` matrix."""
    return x[:, [ALL_FEATURES.index(n) for n in names]]


def fit_predict(
    x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, names: Sequence[str], hyper: HyperParameters, seed: int
) -> np.ndarray:
    """Fit on ``fit_rows`` with the ``names`` features; predict every row."""
    xs = columns(x, names)
    return predict(train(xs[fit_rows], y[fit_rows], names, hyper, seed), xs, names)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def mae(pred: np.ndarray, label: np.ndarray) -> float:
    return float(np.mean(np.abs(np.clip(pred, 0.0, 100.0) - label)))


def scores(
    pred: np.ndarray, label: np.ndarray, season_text: np.ndarray, seasons: Sequence[str]
) -> Mapping[str, dict[str, float]]:
    """Spearman and MAE per season."""
    out = {}
    for season in seasons:
        r = season_text == season
        out[season] = {
            "games": int(r.sum()),
            "spearman": round(spearman(pred[r], label[r]), 4),
            "mae": round(mae(pred[r], label[r]), 3),
        }
    return out
