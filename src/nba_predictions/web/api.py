"""``/api/v1``: the original web API's routes and answers, so its React front end works unchanged.

Shapes and defaults are the running original API's (``limit`` 20, at most 100; ``offset`` 0;
newest date first, then game id; ``page`` = offset // limit + 1).  Where this API is stricter it
says so with the error shape of the original's specification: a bad or unknown parameter is a
400 ``INVALID_REQUEST`` whose ``details.field`` names it (the original answers a bare
``VALIDATION_ERROR``, and lists nothing for an unknown team or an impossible date such as
2024-02-30).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from nba_predictions.storage.engine import reason
from nba_predictions.storage.migrate import current_revision
from nba_predictions.storage.schema import SCHEMA_REVISION
from nba_predictions.web import contract, queries
from nba_predictions.web.context import WebContext
from nba_predictions.web.params import (
    could_be_game_id,
    parse_date,
    parse_team,
    parse_whole,
    single_values,
    unknown_team,
)

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
LISTING_FIELDS = ("date", "team", "limit", "offset")

router = APIRouter(prefix=PREFIX, tags=["predictions"])


def json_response(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


def error_response(
    status_code: int, code: str, message: str, details: dict[str, str] | None = None, request_id: str | None = None
) -> Response:
    return json_response(contract.failure(code, message, details, request_id), status_code)


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": contract.ErrorEnvelope, "description": "INVALID_REQUEST: details.field names the bad parameter"},
    500: {"model": contract.ErrorEnvelope, "description": "INTERNAL_SERVER_ERROR, with a request_id for the logs"},
}
# The listing reads its query string itself (an unknown or repeated parameter is refused, as the
# original API does); these document it.
_LISTING_PARAMETERS = [
    {
        "name": "date",
        "in": "query",
        "required": False,
        "description": "only this date, YYYY-MM-DD",
        "schema": {"type": "string", "format": "date"},
        "example": "2024-01-15",
    },
    {
        "name": "team",
        "in": "query",
        "required": False,
        "description": "only games of this team (abbreviation, any case)",
        "schema": {"type": "string"},
        "example": "LAL",
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"games per page (default {DEFAULT_LIMIT})",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "games to skip (default 0)",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
]


def _health(conn: Connection) -> tuple[str, str]:
    queries.ping(conn)
    return "connected", "active" if current_revision(conn) == SCHEMA_REVISION else "inactive"


@router.get("/health", response_model=contract.HealthEnvelope, summary="Is the database reachable and ours?")
@router.get("/health/", include_in_schema=False)  # the original answers a trailing slash alike (no redirect)
async def health(request: Request) -> Response:
    web = WebContext.of(request)
    try:
        database, model = await web.read(_health)
    except SQLAlchemyError as exc:
        logger.warning("health: database %s unreachable: %s", web.database_name, reason(exc))
        database, model = "disconnected", "inactive"
    status = "healthy" if database == "connected" and model == "active" else "unhealthy"
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json_response(
        contract.success({"status": status, "timestamp": now, "model_status": model, "database_status": database})
    )


def _listing(conn: Connection, day: date | None, abbreviation: str | None, limit: int, offset: int) -> queries.Listing:
    team_id = None
    if abbreviation is not None:
        team_id = queries.team_id_of(conn, abbreviation)
        if team_id is None:
            raise unknown_team(abbreviation, [t.abbreviation for t in queries.all_teams(conn)])
    return queries.listing(conn, day, team_id, limit, offset)


@router.get(
    "/predictions",
    response_model=contract.GamesEnvelope,
    responses=_ERRORS,
    openapi_extra={"parameters": _LISTING_PARAMETERS},
    summary="Rated games, newest date first, then by game id",
)
@router.get("/predictions/", include_in_schema=False)
async def predictions(request: Request) -> Response:
    web = WebContext.of(request)
    given = single_values({k: request.query_params.getlist(k) for k in request.query_params}, LISTING_FIELDS)
    day = parse_date(given["date"]) if "date" in given else None
    abbreviation = parse_team(given["team"]) if "team" in given else None
    limit = parse_whole(given["limit"], "limit", 1, MAX_LIMIT) if "limit" in given else DEFAULT_LIMIT
    offset = parse_whole(given["offset"], "offset", 0) if "offset" in given else 0
    found = await web.read(_listing, day, abbreviation, limit, offset)
    games = [contract.game(row, web.good_threshold, web.mediocre_threshold) for row in found.games]
    return json_response(
        contract.success({"data": games, "pagination": contract.pagination(found.total, limit, offset)})
    )


@router.get(
    "/predictions/{game_id}",
    response_model=contract.GameEnvelope,
    responses={404: {"model": contract.ErrorEnvelope, "description": "GAME_NOT_FOUND"}, 500: _ERRORS[500]},
    summary="One rated game by its NBA game id",
)
async def prediction(
    request: Request, game_id: str = Path(description="NBA game id", examples=["0022300565"])
) -> Response:
    web = WebContext.of(request)
    row = await web.read(queries.game, game_id) if could_be_game_id(game_id) else None
    if row is None:
        return error_response(404, "GAME_NOT_FOUND", f"Game with ID '{game_id}' not found")
    return json_response(contract.success({"game": contract.game(row, web.good_threshold, web.mediocre_threshold)}))
