"""Table rows from a predictions document (plain dicts of column values, storage-internal).

Ids leave here as text (``'1610612747'``), as the web app's tables and front end keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from nba_predictions.core import teams
from nba_predictions.core.season import Season
from nba_predictions.documents.models import Prediction
from nba_predictions.errors import ArtifactError


def game_row(p: Prediction, model_version: str | None, predicted_at: datetime, now: datetime) -> dict[str, object]:
    """The ``games`` row: who played, when, and the rating.  Nothing about how it went.

    raw_data's home_team_score / away_team_score and the features go nowhere near it:
    :func:`detail_row` takes the features to ``game_details``, the scores are not stored at all.
    """
    game = p.raw_data
    return rated_game_row(
        p.game_id,
        game.date,
        game.home_team_id,
        game.away_team_id,
        p.rating,
        p.classification,
        model_version,
        predicted_at,
        now,
    )


def rated_game_row(
    game_id: str,
    day: date,
    home_team_id: int,
    away_team_id: int,
    rating: float,
    classification: str,
    model_version: str | None,
    predicted_at: datetime,
    now: datetime,
) -> dict[str, object]:
    """:func:`game_row` from plain values (the backfill's columnar path)."""
    return {
        "id": game_id,
        "date": day,
        "home_team_id": str(home_team_id),
        "away_team_id": str(away_team_id),
        "prediction_rating": rating,
        "created_at": now,
        "updated_at": now,
        "season": str(Season.of_game_id(game_id)),
        "classification": classification,
        "model_version": model_version,
        "predicted_at": predicted_at,
    }


def detail_row(p: Prediction) -> dict[str, object]:
    """The ``game_details`` row: the spoilers (features and the rating's explanation)."""
    return {
        "game_id": p.game_id,
        "features": p.features.model_dump(mode="json"),
        "explanation": [c.model_dump(mode="json") for c in p.top_features],
    }


def rated_detail_row(
    game_id: str, features: dict[str, float | int], top_features: Sequence[tuple[str, float]]
) -> dict[str, object]:
    """:func:`detail_row` from plain values: ``features`` as ``GameFeatures.model_dump(mode="json")``
    gives them, ``top_features`` as ``(feature, contribution)`` pairs."""
    return {
        "game_id": game_id,
        "features": features,
        "explanation": [{"feature": name, "contribution": value} for name, value in top_features],
    }


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


def check_known_teams(predictions: Sequence[Prediction]) -> None:
    """Refuse a document naming a team id outside the 30 franchises: storage never invents teams."""
    known = set(teams.team_ids())
    for p in predictions:
        for side, team_id in (("home_team_id", p.raw_data.home_team_id), ("away_team_id", p.raw_data.away_team_id)):
            if team_id not in known:
                raise ArtifactError(
                    f"game {p.game_id}: {side} {team_id} is not one of the 30 NBA teams "
                    f"({min(known)}-{max(known)}); nothing was saved: fix or regenerate the predictions document"
                )
