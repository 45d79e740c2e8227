"""The original web API (ultcyber/nba_predictions' nba-predictions-api, built) on databases our
pipeline wrote: the real client, over real HTTP on 127.0.0.1.

Needs the built web app (``api-runtime.tar.gz``; see :mod:`tests.webapp`) and ``node``; skipped
cleanly without either, so the project passes from its own repository alone.  Nothing of the web
app is copied into the project: the test unpacks it into a temporary folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webapp import API_RUNTIME, WebApi, require

DAY = "2024-01-15"


@pytest.fixture(scope="module")
def api_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return require(API_RUNTIME, tmp_path_factory.mktemp("webapp-api"))


@pytest.fixture
def web_api(api_runtime: Path, tmp_path: Path) -> Iterator:
    started: list[WebApi] = []

    def start(database: Path, mode: str = "production") -> WebApi:
        api = WebApi(api_runtime, database, mode, tmp_path / f"webapi-{len(started)}.log")
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def check_listing(api: WebApi, predictions: dict) -> None:
    """The date's games with our ratings, one by id, the LAL filter; ids as text throughout."""
    ratings = {p["game_id"]: p["rating"] for p in predictions["predictions"]}
    listed = api.get(f"/predictions?date={DAY}&limit=50")["data"]
    assert listed["pagination"]["total"] == 11
    games = listed["data"]
    assert sorted(g["id"] for g in games) == sorted(ratings)
    for game in games:
        assert game["date"] == DAY
        assert game["prediction"]["rating"] == pytest.approx(ratings[game["id"]])
        rating = game["prediction"]["rating"]
        assert game["prediction"]["classification"] == (
            "good" if rating >= 80 else "mediocre" if rating >= 60 else "bad"
        )
        for side in ("home_team", "away_team"):
            team = game[side]
            assert set(team) == {"id", "abbreviation", "name", "conference"}
            assert isinstance(team["id"], str) and team["id"].isdigit() and team["conference"] in ("East", "West")
        assert not {"score", "home_score", "away_score", "features", "explanation"} & set(game)

    one = api.get("/predictions/0022300565")["data"]["game"]
    assert (one["home_team"]["abbreviation"], one["away_team"]["abbreviation"]) == ("LAL", "OKC")
    assert one["home_team"]["id"] == "1610612747" and one["prediction"]["rating"] == pytest.approx(
        ratings["0022300565"]
    )

    lakers = api.get(f"/predictions?date={DAY}&team=LAL")["data"]
    assert [g["id"] for g in lakers["data"]] == ["0022300565"] and lakers["pagination"]["total"] == 1


def test_the_web_api_serves_the_database_our_pipeline_wrote(run_cli, web_api, tmp_path: Path) -> None:
    database = tmp_path / "ratings.db"
    run = run_cli("--date", DAY, "--output", "predictions.json", "--database", f"sqlite:///{database}")
    assert run.returncode == 0, run.stderr
    predictions = json.loads((tmp_path / "predictions.json").read_text())

    api = web_api(database)
    check_listing(api, predictions)
    assert api.get("/predictions?limit=100")["data"]["pagination"]["total"] == 11

    # Its development mode on our database changes nothing of ours (its DDL is IF NOT EXISTS,
    # its index names are ours, and it adds sample rows only to an empty games table).
    api.stop()
    dev = web_api(database, mode="development")
    check_listing(dev, predictions)
    validate = run_cli("--validate", "--date", DAY, "--database", f"sqlite:///{database}")
    assert "ours at schema 0004, 30 teams, 11 games stored (11 rated)" in validate.stdout


def test_the_web_api_created_the_database_first_and_our_pipeline_wrote_into_it(
    run_cli, web_api, tmp_path: Path
) -> None:
    database = tmp_path / "web" / "ratings.db"
    url = f"sqlite:///{database}"
    api = web_api(database, mode="development")  # its set-up: schema.sql and its sample rows
    samples = api.get("/predictions?limit=100")["data"]
    assert samples["pagination"]["total"] > 0

    validate = run_cli("--validate", "--date", DAY, "--database", url)
    assert "the web app's database" in validate.stdout and "will be adopted" in validate.stdout

    # Our pipeline writes while the web API keeps serving, as in production.
    run = run_cli("--date", DAY, "--output", "predictions.json", "--database", url)
    assert run.returncode == 0, run.stderr
    predictions = json.loads((tmp_path / "predictions.json").read_text())

    check_listing(api, predictions)
    everything = api.get("/predictions?limit=100")["data"]
    assert everything["pagination"]["total"] == samples["pagination"]["total"] + 11
    kept = {g["id"]: g for g in everything["data"]}
    for sample in samples["data"]:  # every sample row is still served, rating and teams as they were
        assert kept[sample["id"]]["prediction"] == sample["prediction"]
        assert kept[sample["id"]]["home_team"]["id"] == sample["home_team"]["id"]

    api.stop()
    restarted = web_api(database)  # and the production API on the adopted file
    check_listing(restarted, predictions)
