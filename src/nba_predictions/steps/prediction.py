"""Step 3, prediction: ``engineered_features.json`` + the XGBoost model -> ratings.

One public function, :func:`predict_games`: a single batch call of the model for all games of
the document (the original job called the model once per game), ratings clamped to 0-100 and
rounded to 2 decimals, a ``classification`` from the configured thresholds, and the features that
moved each rating most, from XGBoost's own per-feature contributions (``pred_contribs``; they
sum with the bias to the raw prediction).

numpy and xgboost are imported inside the function, so importing this module costs nothing.
"""

from __future__ import annotations

import logging
import time

from ..errors import UsageError
from ..model.loader import LoadedModel
from ..schemas import ALL_FEATURES, EngineeredFeatures, FeatureContribution, Prediction

logger = logging.getLogger(__name__)

TOP_FEATURES = 3
RATING_DECIMALS = 2
CONTRIBUTION_DECIMALS = 2


def classify(rating: float, good_threshold: float, mediocre_threshold: float) -> str:
    """``good`` at or above ``good_threshold``, ``mediocre`` at or above ``mediocre_threshold``, else ``bad``."""
    if rating >= good_threshold:
        return "good"
    if rating >= mediocre_threshold:
        return "mediocre"
    return "bad"


def predict_games(
    doc: EngineeredFeatures, model: LoadedModel, good_threshold: float, mediocre_threshold: float
) -> list[Prediction]:
    """Rate every game of ``doc`` with one batch call of ``model``.

    Raises :class:`~nba_predictions.errors.ModelError` when the model's features (names and order,
    from its metadata) are not the documents' features, and
    :class:`~nba_predictions.errors.UsageError` for inconsistent thresholds.
    """
    if not mediocre_threshold <= good_threshold:
        raise UsageError(
            f"rating thresholds mediocre={mediocre_threshold} good={good_threshold} must satisfy mediocre <= good"
        )
    started = time.perf_counter()
    model.check_features(ALL_FEATURES)
    if not doc.games:
        logger.info("prediction: 0 in, 0 out, 0 skipped, %.3f s", time.perf_counter() - started)
        return []

    import numpy as np
    import xgboost

    matrix = np.array([game.features.vector() for game in doc.games], dtype=np.float64)
    dmatrix = xgboost.DMatrix(matrix, feature_names=list(ALL_FEATURES))
    raw = model.booster.predict(dmatrix)
    contributions = model.booster.predict(dmatrix, pred_contribs=True)[:, : len(ALL_FEATURES)]
    ratings = np.round(np.clip(raw.astype(np.float64), 0.0, 100.0), RATING_DECIMALS)
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :TOP_FEATURES]

    predictions = []
    for i, game in enumerate(doc.games):
        rating = float(ratings[i])
        top = [
            FeatureContribution(
                feature=ALL_FEATURES[j], contribution=round(float(contributions[i, j]), CONTRIBUTION_DECIMALS)
            )
            for j in order[i]
        ]
        predictions.append(
            Prediction(
                game_id=game.game_id,
                rating=rating,
                classification=classify(rating, good_threshold, mediocre_threshold),
                top_features=top,
                features=game.features,
                raw_data=game.raw_data,
            )
        )
    logger.info(
        "prediction: %d in, %d out, 0 skipped, %.3f s (model %s, one batch call)",
        len(doc.games), len(predictions), time.perf_counter() - started, model.version,
    )
    return predictions
