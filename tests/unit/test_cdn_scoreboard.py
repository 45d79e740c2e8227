"""The live scoreboard's parser on the two recorded real scoreboards, and the schedule taking its statuses."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from nba_predictions.errors import FatalSourceError
from nba_predictions.sources.cdn.schedule import ScheduledGame
from nba_predictions.sources.cdn.scoreboard import parse_scoreboard
from tests.fakeserver.payloads import FIXTURES

CDN = FIXTURES / "cdn"


def recorded(name: str) -> dict:
    return json.loads((CDN / name).read_text(encoding="utf-8"))


def test_the_playoff_night_has_one_final_game_and_two_in_progress():
    board = parse_scoreboard(recorded("todaysScoreboard_00_2023-04-20.json"))
    assert board.day == date(2023, 4, 20) and board.published
    assert [(g.game_id, g.status, g.is_final) for g in board.games] == [
        ("0042200123", 3, True),
        ("0042200163", 2, False),
        ("0042200173", 2, False),
    ]
    final = board.final[0]
    assert (final.home_team_abbreviation, final.away_team_abbreviation) == ("BKN", "PHI")
    assert (final.home_team_score, final.away_team_score) == (97, 102)  # the box score's final, 102-97 PHI
    assert all(g.day == date(2023, 4, 20) for g in board.games)  # every game on the scoreboard's date


def test_a_night_in_progress_has_no_final_game():
    board = parse_scoreboard(recorded("todaysScoreboard_00_2025-01-24.json"))
    assert board.day == date(2025, 1, 24) and len(board.games) == 3 and board.final == ()


def test_preseason_and_all_star_games_are_not_rated():
    payload = recorded("todaysScoreboard_00_2023-04-20.json")
    payload["scoreboard"]["games"][0]["gameId"] = "0012200163"
    board = parse_scoreboard(payload)
    assert len(board.games) == 3 and [g.game_id for g in board.rated_games] == ["0042200123", "0042200173"]


def test_a_postponed_game_says_so():
    payload = recorded("todaysScoreboard_00_2025-01-24.json")
    payload["scoreboard"]["games"][0].update(gameStatus=1, gameStatusText="PPD")
    assert [g.postponed for g in parse_scoreboard(payload).games] == [True, False, False]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("scoreboard"),
        lambda p: p["scoreboard"].update(gameDate="tomorrow"),
        lambda p: p["scoreboard"]["games"][0].update(gameId="42"),
        lambda p: p["scoreboard"]["games"].append(copy.deepcopy(p["scoreboard"]["games"][0])),
        lambda p: p["scoreboard"]["games"][2]["homeTeam"].update(score=None),
    ],
    ids=["no scoreboard", "no date", "bad game id", "a game twice", "a final game without score"],
)
def test_what_is_not_a_scoreboard_is_a_fatal_source_error(change):
    payload = recorded("todaysScoreboard_00_2023-04-20.json")
    change(payload)
    with pytest.raises(FatalSourceError, match="todaysScoreboard_00: "):
        parse_scoreboard(payload)


def test_a_day_without_games_is_an_empty_scoreboard():
    payload = recorded("todaysScoreboard_00_2025-01-24.json")
    payload["scoreboard"]["games"] = []
    assert parse_scoreboard(payload).games == ()


def test_the_schedule_takes_the_scoreboards_statuses():
    from nba_predictions.core.season import Season
    from nba_predictions.sources.cdn.schedule import Schedule

    board = parse_scoreboard(recorded("todaysScoreboard_00_2023-04-20.json"))
    stale = [
        ScheduledGame(**{**g.__dict__, "status": 1, "home_team_score": 0, "away_team_score": 0}) for g in board.games
    ]
    other = ScheduledGame(**{**board.games[0].__dict__, "game_id": "0042200101", "day": date(2023, 4, 15)})
    schedule = Schedule(season=Season(2022), games=(other, *stale[:2]), published="")
    updated = schedule.updated(board.games)
    assert [g.game_id for g in updated.games] == ["0042200101", "0042200123", "0042200163", "0042200173"]
    assert [g.is_final for g in updated.games] == [True, True, False, False]
    assert updated.games[0] is other and schedule.games[1].status == 1  # the schedule itself unchanged
