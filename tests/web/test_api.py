"""The read API over real HTTP: the original web API's contract, its errors, CORS, OpenAPI, read-only."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from nba_predictions.config import Settings
from nba_predictions.steps.prediction import classify
from tests.web.conftest import DAY

TEAM_KEYS = {"id", "abbreviation", "name", "conference"}
GAME_KEYS = {"id", "date", "home_team", "away_team", "prediction"}


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is True and set(body) == {"success", "data"}
    return body["data"]


def _error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and set(body) == {"success", "error"}
    assert body["error"]["code"] == code
    return body["error"]


def _check_game(game: dict, stored: dict) -> None:
    assert set(game) == GAME_KEYS
    assert set(game["home_team"]) == TEAM_KEYS and set(game["away_team"]) == TEAM_KEYS
    assert set(game["prediction"]) == {"rating", "classification"}
    assert isinstance(game["home_team"]["id"], str) and game["home_team"]["id"].isdigit()
    assert game["home_team"]["conference"] in ("East", "West")
    assert (game["id"], game["date"], game["home_team"]["abbreviation"], game["away_team"]["abbreviation"]) == (
        stored["id"],
        stored["date"],
        stored["home"],
        stored["away"],
    )
    assert game["prediction"]["rating"] == stored["rating"]
    assert game["prediction"]["classification"] == classify(stored["rating"], 80, 60)


# -- health ------------------------------------------------------------------------------------------


def test_health_reports_a_connected_database_of_ours(client: httpx.Client) -> None:
    data = _ok(client.get("/api/v1/health"))
    assert set(data) == {"status", "timestamp", "model_status", "database_status"}
    assert (data["status"], data["model_status"], data["database_status"]) == ("healthy", "active", "connected")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["timestamp"])


def test_health_says_unhealthy_when_the_database_goes_away(serve_app, rated_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "gone.db"
    shutil.copy(rated_db, copy)
    live = serve_app(copy)
    copy.unlink()
    live.engine.dispose()  # the pool's open connections would still see the unlinked file
    data = _ok(httpx.get(f"{live.url}/api/v1/health"))
    assert (data["status"], data["database_status"]) == ("unhealthy", "disconnected")


# -- listing -----------------------------------------------------------------------------------------


def test_a_date_lists_its_games_in_the_original_order_with_pagination(
    client: httpx.Client, stored_games: list[dict]
) -> None:
    data = _ok(client.get("/api/v1/predictions", params={"date": DAY.isoformat()}))
    assert set(data) == {"data", "pagination"}
    assert data["pagination"] == {"total": 11, "page": 1, "per_page": 20, "total_pages": 1}
    assert [g["id"] for g in data["data"]] == [g["id"] for g in stored_games]  # date DESC, then id
    for game, stored in zip(data["data"], stored_games):
        _check_game(game, stored)


def test_pages_follow_limit_and_offset(client: httpx.Client, stored_games: list[dict]) -> None:
    ids = [g["id"] for g in stored_games]
    data = _ok(client.get("/api/v1/predictions", params={"date": DAY.isoformat(), "limit": 3, "offset": 4}))
    assert data["pagination"] == {"total": 11, "page": 2, "per_page": 3, "total_pages": 4}
    assert [g["id"] for g in data["data"]] == ids[4:7]
    past = _ok(client.get("/api/v1/predictions", params={"limit": 5, "offset": 50}))
    assert past == {"data": [], "pagination": {"total": 11, "page": 11, "per_page": 5, "total_pages": 3}}


def test_no_filter_lists_every_rated_game(client: httpx.Client, stored_games: list[dict]) -> None:
    data = _ok(client.get("/api/v1/predictions", params={"limit": 100}))
    assert [g["id"] for g in data["data"]] == [g["id"] for g in stored_games]


def test_an_empty_date_is_an_empty_list(client: httpx.Client) -> None:
    data = _ok(client.get("/api/v1/predictions", params={"date": "2024-12-24"}))
    assert data == {"data": [], "pagination": {"total": 0, "page": 1, "per_page": 20, "total_pages": 0}}


@pytest.mark.parametrize("team", ["LAL", "lal"])
def test_team_filter_matches_home_or_away_in_any_case(
    client: httpx.Client, stored_games: list[dict], team: str
) -> None:
    data = _ok(client.get("/api/v1/predictions", params={"team": team, "date": DAY.isoformat()}))
    expected = [g for g in stored_games if "LAL" in (g["home"], g["away"])]
    assert len(expected) == 1 and [g["id"] for g in data["data"]] == [expected[0]["id"]]
    assert data["pagination"]["total"] == 1


def test_one_game_by_id(client: httpx.Client, stored_games: list[dict]) -> None:
    for stored in stored_games:
        data = _ok(client.get(f"/api/v1/predictions/{stored['id']}"))
        assert set(data) == {"game"}
        _check_game(data["game"], stored)


def test_unknown_game_is_game_not_found(client: httpx.Client) -> None:
    error = _error(client.get("/api/v1/predictions/0022399999"), 404, "GAME_NOT_FOUND")
    assert error == {"code": "GAME_NOT_FOUND", "message": "Game with ID '0022399999' not found"}


# -- bad requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("date=2024/01/15", "date", "invalid date '2024/01/15': expected YYYY-MM-DD, e.g. 2024-01-15"),
        ("date=2024-02-30", "date", "there is no such day"),
        ("date=", "date", "invalid date ''"),
        ("team=XXX", "team", "unknown team 'XXX'"),
        ("team=L4L", "team", "invalid team 'L4L'"),
        ("limit=0", "limit", "expected a whole number from 1 to 100"),
        ("limit=101", "limit", "expected a whole number from 1 to 100"),
        ("limit=abc", "limit", "invalid limit 'abc'"),
        ("limit=2.5", "limit", "invalid limit '2.5'"),
        ("offset=-1", "offset", "expected a whole number of 0 or more"),
        ("foo=1", "foo", "unknown query parameter 'foo'"),
        ("limit=5&limit=6", "limit", "limit is given 2 times"),
    ],
)
def test_bad_parameters_are_invalid_request_naming_the_field(
    client: httpx.Client, query: str, field: str, says: str
) -> None:
    error = _error(client.get(f"/api/v1/predictions?{query}"), 400, "INVALID_REQUEST")
    assert error["details"]["field"] == field
    assert says in error["message"]
    assert set(error["details"]) == {"field", "provided", "expected"}


def test_unknown_route_or_method_is_not_found(client: httpx.Client) -> None:
    _error(client.get("/api/v1/standings"), 404, "NOT_FOUND")
    error = _error(client.post("/api/v1/predictions"), 404, "NOT_FOUND")
    assert error["message"] == "Route /api/v1/predictions not found"


# -- thresholds, unrated rows ------------------------------------------------------------------------


def test_classes_follow_the_configured_thresholds(serve_app, rated_db: Path, stored_games: list[dict]) -> None:
    ratings = sorted(g["rating"] for g in stored_games)
    good, mediocre = ratings[len(ratings) // 2], ratings[0]  # thresholds from the data: no "bad" game at all
    live = serve_app(rated_db, Settings(good_threshold=good, mediocre_threshold=mediocre))
    data = _ok(httpx.get(f"{live.url}/api/v1/predictions", params={"date": DAY.isoformat()}))
    classes = [g["prediction"]["classification"] for g in data["data"]]
    assert classes == [classify(s["rating"], good, mediocre) for s in stored_games]
    assert set(classes) == {"good", "mediocre"}


def test_a_game_without_a_rating_is_not_a_prediction(
    serve_app, rated_db: Path, tmp_path: Path, stored_games: list[dict]
) -> None:
    copy = tmp_path / "unrated.db"
    shutil.copy(rated_db, copy)
    with sqlite3.connect(copy) as conn:  # what the original web app's own set-up can leave behind
        conn.execute(
            "INSERT INTO games (id, date, home_team_id, away_team_id) "
            "VALUES ('0022300999', ?, '1610612747', '1610612744')",
            (DAY.isoformat(),),
        )
    live = serve_app(copy)
    data = _ok(httpx.get(f"{live.url}/api/v1/predictions", params={"date": DAY.isoformat()}))
    assert data["pagination"]["total"] == len(stored_games) and "0022300999" not in {g["id"] for g in data["data"]}
    _error(httpx.get(f"{live.url}/api/v1/predictions/0022300999"), 404, "GAME_NOT_FOUND")


# -- CORS --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:5173", True),
        ("http://localhost:8080", True),
        ("http://localhost", True),
        ("https://fans.example.org", False),
        ("http://127.0.0.1.example.org", False),
    ],
)
def test_without_cors_origins_any_local_origin_may_call(client: httpx.Client, origin: str, allowed: bool) -> None:
    response = client.get("/api/v1/health", headers={"Origin": origin})
    assert response.headers.get("access-control-allow-origin") == (origin if allowed else None)
    preflight = client.options(
        "/api/v1/predictions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    if allowed:
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert preflight.headers["access-control-allow-credentials"] == "true"
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
        assert "GET" in preflight.headers["access-control-allow-methods"]
    else:
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers


def test_cors_origins_lists_exactly_who_may_call(serve_app, rated_db: Path) -> None:
    live = serve_app(
        rated_db, Settings.resolve({}, env={"CORS_ORIGINS": "https://fans.example.org, http://localhost:5173"})
    )
    for origin, allowed in [
        ("https://fans.example.org", True),
        ("http://localhost:5173", True),
        ("http://127.0.0.1:5173", False),
        ("http://localhost:8080", False),
    ]:
        response = httpx.get(f"{live.url}/api/v1/health", headers={"Origin": origin})
        assert response.headers.get("access-control-allow-origin") == (origin if allowed else None), origin
        assert "origin" in response.headers.get("vary", "").lower()


# -- OpenAPI -----------------------------------------------------------------------------------------


def test_openapi_documents_the_three_routes_and_no_score(client: httpx.Client) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/predictions", "/api/v1/predictions/{game_id}"} <= set(spec["paths"])
    assert not any(path == "/" or path.startswith("/best") for path in spec["paths"])
    listing = spec["paths"]["/api/v1/predictions"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"date", "team", "limit", "offset"}
    schema_text = str(spec["components"]["schemas"]).lower()
    for word in ("score", "margin", "winner", "features", "explanation"):
        assert word not in schema_text


def test_the_docs_page_loads_swagger_ui_from_this_server_not_a_cdn(client: httpx.Client) -> None:
    page = client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ['"]([^'"]+)['"]""", page)
    urls = [next(u for u in pair if u) for pair in assets]
    assert urls and all(u.startswith("/") for u in urls), urls  # nothing from another host
    assert "cdn" not in page.lower() and "https://" not in page
    for url, kind in (("/docs-assets/swagger-ui-bundle.js", "javascript"), ("/docs-assets/swagger-ui.css", "css")):
        answer = client.get(url)
        assert answer.status_code == 200 and kind in answer.headers["content-type"], url
        assert len(answer.content) > 10_000, url


# -- read-only and spoiler-free by statement ---------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serving_never_writes_and_reads_only_the_front_end_tables(serve_app, rated_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "watched.db"
    shutil.copy(rated_db, copy)
    before = _digest(copy)
    live = serve_app(copy)
    statements: list[str] = []
    event.listen(live.engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt.lower()))
    with httpx.Client(base_url=live.url) as c:
        for url in (
            "/api/v1/health",
            "/api/v1/predictions",
            f"/api/v1/predictions?date={DAY}&team=LAL",
            "/api/v1/predictions/0022300565",
            "/api/v1/predictions?team=XXX",
            f"/?date={DAY}",
            f"/?date={DAY}&team=BOS",
            f"/best?date={DAY}",
            "/?date=2024-12-24",
        ):
            assert c.get(url).status_code in (200, 400), url
    assert statements
    for statement in statements:
        # (\b: the caching version reads the column updated_at; no statement may UPDATE.)
        assert not re.search(
            r"game_details|features|explanation|score|\b(?:insert|update|delete|create|drop)\b", statement
        ), statement
        tables = set(re.findall(r"\b(?:from|join)\s+(\w+)", statement))
        # game_tags: ours, each tag shown only because it leaks no result (tests/integration/test_tag_leak.py)
        assert tables <= {"teams", "games", "game_tags", "alembic_version", "sqlite_master", "sqlite_temp_master"}, (
            statement
        )
    with pytest.raises(OperationalError, match="readonly"), live.engine.begin() as conn:
        conn.execute(text("UPDATE games SET prediction_rating = 0"))
    assert _digest(copy) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["watched.db"]  # no journal, no WAL


# -- the documented models are what is sent -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/api/v1/health", "HealthEnvelope"),
        (f"/api/v1/predictions?date={DAY}", "GamesEnvelope"),
        ("/api/v1/predictions?limit=2&offset=3&team=LAL", "GamesEnvelope"),
        ("/api/v1/predictions/0022300565", "GameEnvelope"),
        ("/api/v1/predictions/0022399999", "ErrorEnvelope"),
        ("/api/v1/predictions?date=tomorrow", "ErrorEnvelope"),
        ("/api/v1/nothing", "ErrorEnvelope"),
    ],
)
def test_every_answer_is_what_the_openapi_document_says(client: httpx.Client, url: str, model: str) -> None:
    from nba_predictions.web import contract

    answer = getattr(contract, model).model_validate(
        client.get(url).json()
    )  # extra="forbid": nothing more, nothing less
    spec = client.get("/openapi.json").json()
    assert model in spec["components"]["schemas"]
    assert answer.success is (model != "ErrorEnvelope")
