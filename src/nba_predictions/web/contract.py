"""The JSON the original front end reads (its ``frontend-types.ts``): pydantic models and writers.

The models document the API in ``/docs``; the tests validate every answer against them.  The
answers themselves are written by the plain functions at the end (dicts to JSON text): building
and validating a model per team and game cost more than the query.  Field names, order and
number format are the running original API's, byte for byte: the listing is ``{"success": true,
"data": {"data": [...], "pagination": {...}}}``, team ids are strings, a rating of 90.0 is written
``90``, and there is no score anywhere.
"""

from __future__ import annotations

import json
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nba_predictions.steps.prediction import classify
from nba_predictions.web.queries import GameRow, TeamRow

Classification = Literal["good", "mediocre", "bad"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Team(_Model):
    id: str = Field(examples=["1610612747"])
    abbreviation: str = Field(examples=["LAL"])
    name: str = Field(examples=["Los Angeles Lakers"])
    conference: Literal["East", "West"]


class GamePrediction(_Model):
    rating: float = Field(description="how worth watching, 0-100", examples=[86.73])
    classification: Classification = Field(
        description="good >= RATING_GOOD_THRESHOLD (80), mediocre >= RATING_MEDIOCRE_THRESHOLD (60), else bad"
    )


class Game(_Model):
    id: str = Field(examples=["0022300565"])
    date: str = Field(examples=["2024-01-15"], description="YYYY-MM-DD")
    home_team: Team
    away_team: Team
    prediction: GamePrediction


class Pagination(_Model):
    total: int
    page: int = Field(description="offset // limit + 1")
    per_page: int
    total_pages: int


class GamesResponse(_Model):
    data: list[Game]
    pagination: Pagination


class SingleGameResponse(_Model):
    game: Game


class HealthStatus(_Model):
    status: Literal["healthy", "unhealthy"]
    timestamp: str = Field(description="ISO 8601, UTC, e.g. 2024-01-15T23:00:00.000Z")
    model_status: Literal["active", "inactive"] = Field(
        description="active when the database holds our schema's ratings (it is at our schema revision)"
    )
    database_status: Literal["connected", "disconnected"]


class GamesEnvelope(_Model):
    success: Literal[True] = True
    data: GamesResponse


class GameEnvelope(_Model):
    success: Literal[True] = True
    data: SingleGameResponse


class HealthEnvelope(_Model):
    success: Literal[True] = True
    data: HealthStatus


class ErrorBody(_Model):
    code: str = Field(examples=["INVALID_REQUEST"])
    message: str
    details: dict[str, str] | None = None
    request_id: str | None = None


class ErrorEnvelope(_Model):
    success: Literal[False] = False
    error: ErrorBody


def to_json(body: dict) -> bytes:
    """Compact JSON, non-ASCII kept as is (as JavaScript's JSON.stringify writes it)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def team(row: TeamRow) -> dict:
    return {"id": row.team_id, "abbreviation": row.abbreviation, "name": row.name, "conference": row.conference}


def game(row: GameRow, good_threshold: float, mediocre_threshold: float) -> dict:
    return {
        "id": row.game_id,
        "date": row.day.isoformat(),
        "home_team": team(row.home),
        "away_team": team(row.away),
        "prediction": {
            "rating": _number(row.rating),
            "classification": classify(row.rating, good_threshold, mediocre_threshold),
        },
    }


def pagination(total: int, limit: int, offset: int) -> dict:
    return {"total": total, "page": offset // limit + 1, "per_page": limit, "total_pages": math.ceil(total / limit)}


def success(data: dict) -> bytes:
    return to_json({"success": True, "data": data})


def failure(code: str, message: str, details: dict[str, str] | None = None, request_id: str | None = None) -> bytes:
    error: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    if request_id is not None:
        error["request_id"] = request_id
    return to_json({"success": False, "error": error})
