"""Table rows from a predictions document (plain dicts of column values, storage-internal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..schemas import Prediction
from .. import teams
from ..season import Season


def game_row(p: Prediction, model_version: str | None, predicted_at: datetime, now: datetime) -> dict[str, object]:
    # raw_data's home_team_score / away_team_score deliberately go nowhere: spoiler-free tables.
    game = p.raw_data
    return {
        "id": p.game_id,
        "date": game.date,
        "season": str(Season.of_game_id(p.game_id)),
        "home_team_id": game.home_team_id,
        "away_team_id": game.away_team_id,
        "rating": p.rating,
        "classification": p.classification,
        "features": p.features.model_dump(mode="json"),
        "explanation": [c.model_dump(mode="json") for c in p.top_features],
        "model_version": model_version,
        "predicted_at": predicted_at,
        "created_at": now,
        "updated_at": now,
    }


def team_rows(predictions: Sequence[Prediction]) -> list[dict[str, object]]:
    """One row per team the predictions mention, describing the franchise as it is today.

    Name, conference and abbreviation come from :mod:`nba_predictions.teams` (current era), so
    the row is the same whichever season is stored, and a backfill of old seasons does not turn
    the Nets back into New Jersey.  A team id the table does not know (e.g. an All-Star side)
    keeps the document's abbreviation and no name or conference.
    """
    found: dict[int, str] = {}
    for p in predictions:
        found[p.raw_data.home_team_id] = p.raw_data.home_team_abbreviation
        found[p.raw_data.away_team_id] = p.raw_data.away_team_abbreviation
    rows = []
    for team_id, abbreviation in found.items():
        try:
            current = teams.team(team_id)
        except teams.UnknownTeamError:
            rows.append({"id": team_id, "abbreviation": abbreviation, "name": None, "conference": None})
            continue
        rows.append({"id": team_id, "abbreviation": current.abbreviation, "name": current.name,
                     "conference": current.conference})
    return rows
