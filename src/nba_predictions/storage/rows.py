"""Table rows from a predictions document (plain dicts of column values, storage-internal).

Ids leave here as text (``'1610612747'``), as the web app's tables and front end keep them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from nba_predictions.core import teams
from nba_predictions.core.domain import GameRecord
from nba_predictions.core.season import Season
from nba_predictions.documents.models import Prediction
from nba_predictions.errors import ArtifactError


def game_row(
    game_id: str,
    game: GameRecord,
    rating: float,
    classification: str,
    model_version: str | None,
    predicted_at: datetime,
    now: datetime,
) -> dict[str, object]:
    """The ``games`` row: who played, when, and the rating.  Nothing about how it went.

    ``game``'s home_team_score / away_team_score and the features go nowhere near it:
    :func:`detail_row` takes the features to ``game_details``, the scores are not stored at all.
    """
    return {
        "id": game_id,
        "date": game.date,
        "home_team_id": str(game.home_team_id),
        "away_team_id": str(game.away_team_id),
        "prediction_rating": rating,
        "created_at": now,
        "updated_at": now,
        "season": str(Season.of_game_id(game_id)),
        "classification": classification,
        "model_version": model_version,
        "predicted_at": predicted_at,
        "start_time_utc": game.start_time_utc,
    }


def detail_row(
    game_id: str, features: Mapping[str, float | int], explanation: Sequence[tuple[str, float]]
) -> dict[str, object]:
    """The ``game_details`` row: the spoilers.  ``features`` as ``GameFeatures.model_dump(mode="json")``
    gives them, ``explanation`` the rating's ``(feature, contribution)`` pairs, largest effect first."""
    return {
        "game_id": game_id,
        "features": features,
        "explanation": [{"feature": name, "contribution": value} for name, value in explanation],
    }


def prediction_rows(
    predictions: Sequence[Prediction], model_version: str | None, predicted_at: datetime, now: datetime
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The ``games`` and ``game_details`` rows of a predictions document's predictions."""
    rows = [
        game_row(p.game_id, p.raw_data, p.rating, p.classification, model_version, predicted_at, now)
        for p in predictions
    ]
    details = [
        detail_row(p.game_id, p.features.model_dump(mode="json"), [(c.feature, c.contribution) for c in p.top_features])
        for p in predictions
    ]
    return rows, details


def team_rows() -> list[dict[str, str]]:
    """All 30 franchises as they are today, whichever season is stored.

    Name, conference and abbreviation come from :mod:`nba_predictions.core.teams` (current era), so a
    backfill of old seasons does not turn the Nets back into New Jersey, and the web app's team
    filter finds every team from the first run on.
    """
    rows = []
    for team_id in teams.team_ids():
        current = teams.team(team_id)
        rows.append(
            {
                "id": str(team_id),
                "abbreviation": current.abbreviation,
                "name": current.name,
                "conference": current.conference,
            }
        )
    return rows


def unknown_team(game: GameRecord) -> str | None:
    """Why ``game`` cannot be stored, or None: storage never invents teams, so a game naming a team
    id outside the 30 franchises is refused (a date's document, or a range's date, as a whole)."""
    known = teams.team_ids()
    for side, team_id in (("home_team_id", game.home_team_id), ("away_team_id", game.away_team_id)):
        if team_id not in known:
            return f"{side} {team_id} is not one of the 30 NBA teams ({min(known)}-{max(known)})"
    return None


def check_known_teams(predictions: Sequence[Prediction]) -> None:
    """Refuse a document in which a game names a team id outside the 30 franchises (:func:`unknown_team`)."""
    for p in predictions:
        problem = unknown_team(p.raw_data)
        if problem is not None:
            raise ArtifactError(
                f"game {p.game_id}: {problem}; nothing was saved: fix or regenerate the predictions document"
            )
