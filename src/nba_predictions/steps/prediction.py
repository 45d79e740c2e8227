"""Step 3, prediction: ``engineered_features.json`` + the XGBoost model -> ratings.

:func:`predict_games` is the step: a single batch call of the model for all games of the document
(the original job called the model once per game), ratings clamped to 0-100 and rounded to 2
decimals, a ``classification`` from the configured thresholds, and the features that moved each
rating most, from XGBoost's own per-feature contributions (``pred_contribs``; they sum with the
bias to the raw prediction).  A backfill rates its whole range with :func:`rate_matrix`; both
build the document's entries with :func:`prediction_list`.

Nothing heavy is imported here: the model runs in libxgboost (:mod:`nba_predictions.model.native`),
and numpy only for batches large enough to need it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nba_predictions.core.domain import GameRecord
from nba_predictions.documents.models import (
    ALL_FEATURES,
    EngineeredFeatures,
    FeatureContribution,
    GameFeatures,
    Prediction,
)
from nba_predictions.errors import UsageError
from nba_predictions.model.loader import LoadedModel

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

logger = logging.getLogger(__name__)

TOP_FEATURES = 3
RATING_DECIMALS = 2
CONTRIBUTION_DECIMALS = 2


Classification = Literal["good", "mediocre", "bad"]


def classify(rating: float, good_threshold: float, mediocre_threshold: float) -> Classification:
    """``good`` at or above ``good_threshold``, ``mediocre`` at or above ``mediocre_threshold``, else ``bad``."""
    if rating >= good_threshold:
        return "good"
    if rating >= mediocre_threshold:
        return "mediocre"
    return "bad"


@dataclass(frozen=True)
class Ratings:
    """The model's output for the rows of a feature matrix: rating, class and top contributions."""

    ratings: list[float]  # 0-100, RATING_DECIMALS decimals
    classifications: list[Classification]
    top_features: list[list[tuple[str, float]]]  # (feature, contribution), largest effect first

    def __len__(self) -> int:
        return len(self.ratings)


def rate_matrix(
    matrix: np.ndarray | Sequence[Sequence[float]], model: LoadedModel, good_threshold: float, mediocre_threshold: float
) -> Ratings:
    """Rate every row of ``matrix`` (columns :data:`~nba_predictions.documents.models.ALL_FEATURES`) with one
    batch call of ``model``; a row's result does not depend on the other rows.  The model reads its
    own columns by name (its ``feature_names``, which may be fewer than the matrix's), and the top
    features are among them.

    A rating is the model's output clamped to 0-100 and rounded to :data:`RATING_DECIMALS` as
    ``numpy.round`` rounds (``rint(x * 100) / 100``, not Python's ``round(x, 2)``): the ratings this
    step has always written.  Contributions are rounded with Python's ``round``.
    """
    if not mediocre_threshold <= good_threshold:
        raise UsageError(
            f"rating thresholds mediocre={mediocre_threshold} good={good_threshold} must satisfy mediocre <= good"
        )
    names = model.feature_names
    model.check_features(ALL_FEATURES)
    if len(matrix) == 0:
        return Ratings([], [], [])
    raw, contributions = model.predict(model.select(matrix, ALL_FEATURES), names)
    scale = 10**RATING_DECIMALS
    ratings = [round(min(max(value, 0.0), 100.0) * scale) / scale for value in raw]
    top = []
    for row in contributions:
        order = sorted(range(len(names)), key=lambda j: -abs(row[j]))[:TOP_FEATURES]  # stable
        top.append([(names[j], round(row[j], CONTRIBUTION_DECIMALS)) for j in order])
    return Ratings(ratings, [classify(r, good_threshold, mediocre_threshold) for r in ratings], top)


def prediction_list(rated: Ratings, games: Sequence[tuple[str, GameFeatures, GameRecord]]) -> list[Prediction]:
    """The predictions document's entries: ``games[i]`` (game id, features, record) rated by
    ``rated``'s row ``i`` (a date's run and a range's build them alike)."""
    return [
        Prediction(
            game_id=game_id,
            rating=rated.ratings[i],
            classification=rated.classifications[i],
            top_features=[FeatureContribution(feature=f, contribution=c) for f, c in rated.top_features[i]],
            features=features,
            raw_data=record,
        )
        for i, (game_id, features, record) in enumerate(games)
    ]


def predict_games(
    doc: EngineeredFeatures, model: LoadedModel, good_threshold: float, mediocre_threshold: float
) -> list[Prediction]:
    """Rate every game of ``doc`` with one batch call of ``model``.

    Raises :class:`~nba_predictions.errors.ModelError` when one of the model's features (from its
    metadata) is not among the documents' features, and
    :class:`~nba_predictions.errors.UsageError` for inconsistent thresholds.
    """
    started = time.perf_counter()
    rated = rate_matrix([game.features.vector() for game in doc.games], model, good_threshold, mediocre_threshold)
    predictions = prediction_list(rated, [(game.game_id, game.features, game.raw_data) for game in doc.games])
    logger.info(
        "prediction: %d in, %d out, 0 skipped, %.3f s (model %s, one batch call)",
        len(doc.games),
        len(predictions),
        time.perf_counter() - started,
        model.version,
    )
    return predictions
