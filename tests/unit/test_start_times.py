"""Start times (issue 24, item 6): each live source's scheduled tip-off, read into the game record
as an aware UTC time; a missing or placeholder time is None (the page shows the date only)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from nba_predictions.core.domain import GameRecord
from nba_predictions.documents.models import CollectedGame
from nba_predictions.sources.cdn.schedule import parse_schedule, utc_start
from nba_predictions.sources.cdn.scoreboard import parse_scoreboard as parse_cdn_scoreboard
from nba_predictions.sources.nba_api.scoreboard import parse_scoreboard
from tests.fakeserver.payloads import FIXTURES


def load(*parts: str):
    return json.loads(FIXTURES.joinpath(*parts).read_text(encoding="utf-8"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_the_cdn_schedule_gives_each_game_its_utc_tip_off_not_the_eastern_one():
    schedule = parse_schedule(load("cdn", "scheduleLeagueV2_1_2025-07-17.json"))
    by_id = {g.game_id: g for g in schedule.games}
    # gameDateTimeUTC "2025-10-04T02:00:00Z": 10 PM Eastern on the 3rd, the game's date.
    game = by_id["0012500001"]
    assert (game.day.isoformat(), game.start_time_utc) == ("2025-10-03", utc(2025, 10, 4, 2, 0))
    assert all(g.start_time_utc is not None and g.start_time_utc.tzinfo is not None for g in schedule.games)


def test_the_cdn_scoreboard_gives_game_time_utc():
    board = parse_cdn_scoreboard(load("cdn", "todaysScoreboard_00_2023-04-20.json"))
    assert [(g.game_id, g.start_time_utc) for g in board.games] == [
        ("0042200123", utc(2023, 4, 20, 23, 30)),
        ("0042200163", utc(2023, 4, 21, 2, 0)),
        ("0042200173", utc(2023, 4, 21, 2, 30)),
    ]


def test_scoreboard_v3_gives_game_time_utc():
    games = parse_scoreboard(load("nba_api", "stats_scoreboardv3_2025-11-05.json"))
    assert games[0].game_id == "0022500171" and games[0].start_time_utc == utc(2025, 11, 6, 0, 0)
    assert games[-1].start_time_utc == utc(2025, 11, 6, 3, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-21T23:30:00Z", utc(2025, 10, 21, 23, 30)),
        ("2025-10-21T19:30:00-04:00", utc(2025, 10, 21, 23, 30)),
        ("", None),
        (None, None),
        ("1900-01-01T02:00:00Z", None),  # a time of day without its date
        ("2025-10-21T23:30:00", None),  # no zone: which one is unknown
        ("TBD", None),
    ],
)
def test_utc_start_takes_a_zoned_time_and_gives_none_for_anything_else(text, expected):
    assert utc_start(text) == expected


def _record(**more) -> dict:
    return {
        "game_id": "0022500001",
        "date": "2025-10-21",
        "home_team_id": 1610612760,
        "away_team_id": 1610612745,
        "home_team_abbreviation": "OKC",
        "away_team_abbreviation": "HOU",
        "season_id": "22025",
        "home_team_score": 125,
        "away_team_score": 124,
        "lead_changes": 10,
        "times_tied": 5,
        "game_status": "Final",
        **more,
    }


def test_a_record_keeps_its_start_in_utc_and_an_older_document_without_one_still_validates():
    assert GameRecord.model_validate(_record()).start_time_utc is None  # documents written before the field
    record = GameRecord.model_validate(_record(start_time_utc="2025-10-21T23:30:00Z"))
    assert json.loads(record.model_dump_json())["start_time_utc"] == "2025-10-21T23:30:00Z"
    assert CollectedGame.model_validate(record.model_dump()).record() == record
    with pytest.raises(ValidationError, match="start_time_utc .* is not in UTC"):
        GameRecord.model_validate(_record(start_time_utc="2025-10-21T19:30:00-04:00"))
    with pytest.raises(ValidationError, match="not in UTC"):
        GameRecord.model_validate(_record(start_time_utc="2025-10-21T23:30:00"))
