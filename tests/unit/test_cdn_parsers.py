"""The CDN source's parsers on the recorded real responses (tests/fixtures/api/cdn, see its README)."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from nba_predictions.core.domain import GameRecord, LeaderLine
from nba_predictions.core.season import Season
from nba_predictions.documents.rules import RATED_SEASON_TYPES, record_problem
from nba_predictions.errors import FatalSourceError, GameDataError
from nba_predictions.features.player_lines import PlayerLine, leading_lines
from nba_predictions.sources.cdn.box_score import parse_box_score
from nba_predictions.sources.cdn.play_by_play import parse_play_by_play
from nba_predictions.sources.cdn.results import schedule_results
from nba_predictions.sources.cdn.schedule import parse_schedule
from nba_predictions.sources.game_types import LISTED_SEASON_TYPES, listed
from tests.fakeserver.cdn import schedule_bodies

CDN = Path(__file__).resolve().parents[1] / "fixtures" / "api" / "cdn"


def load(name: str):
    opener = gzip.open if name.endswith(".gz") else open
    with opener(CDN / name, "rt", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def schedule_2024():
    return load("stats_scheduleleaguev2int_2024-25.json.gz")


def test_the_2024_25_schedule(schedule_2024):
    schedule = parse_schedule(schedule_2024)
    assert schedule.season == Season(2024) and len(schedule.games) == 1400
    assert all(g.is_final for g in schedule.games)
    game = next(g for g in schedule.games if g.game_id == "0022400286")
    # gameDateTimeUTC is 2024-11-28T00:00:00Z: the date is gameDateEst's, an Eastern date despite its Z.
    assert (game.day, game.home_team_abbreviation, game.away_team_abbreviation) == (date(2024, 11, 27), "CHA", "MIA")
    assert (game.home_team_score, game.away_team_score) == (94, 98)
    cup_final = next(g for g in schedule.games if g.game_id.startswith("006"))
    assert (cup_final.game_id, cup_final.day) == ("0062400001", date(2024, 12, 17))


def test_both_schedule_variants_give_the_same_games(schedule_2024):
    """scheduleLeagueV2.json spells ifNecessary as a string, says nationalBroadcasters and has no
    gameLabel; the fake CDN serves the recording in that spelling."""
    other = json.loads(schedule_bodies()["schedule"])
    game = other["leagueSchedule"]["gameDates"][0]["games"][0]
    assert isinstance(game["ifNecessary"], str) and "gameLabel" not in game
    assert parse_schedule(other).games == parse_schedule(schedule_2024).games


def test_a_schedule_published_before_the_season():
    schedule = parse_schedule(load("scheduleLeagueV2_1_2025-07-17.json"))
    assert schedule.season == Season(2025) and len(schedule.games) == 13
    assert not any(g.is_final for g in schedule.games)
    assert schedule_results(schedule) == []


def test_a_schedule_that_is_not_whole_is_an_error(schedule_2024):
    empty = copy.deepcopy(schedule_2024)
    empty["leagueSchedule"]["gameDates"] = []
    with pytest.raises(FatalSourceError, match="lists no games"):
        parse_schedule(empty)
    twice = copy.deepcopy(schedule_2024)
    twice["leagueSchedule"]["gameDates"].append(twice["leagueSchedule"]["gameDates"][0])
    with pytest.raises(FatalSourceError, match="listed twice"):
        parse_schedule(twice)
    no_score = copy.deepcopy(schedule_2024)
    no_score["leagueSchedule"]["gameDates"][0]["games"][0]["homeTeam"]["score"] = None
    with pytest.raises(FatalSourceError, match="has no teams or no score"):
        parse_schedule(no_score)
    with pytest.raises(FatalSourceError, match="not a season schedule"):
        parse_schedule({"meta": {}})


def test_season_results_leave_out_the_cup_final_preseason_and_all_star(schedule_2024):
    results = schedule_results(parse_schedule(schedule_2024))
    assert len(results) == 1230 + 84 + 6
    assert {r.season_type for r in results} == {"Regular Season", "Playoffs", "Play-In"}
    assert not any(r.game_id.startswith(("001", "003", "006")) for r in results)


HOME_TEAMS = {"0022400500": 1610612750, "0022400561": 1610612755, "0022400196": 1610612758}  # MIN, PHI, SAC


def running_totals(actions: list[dict], home_team_id: int) -> list[LeaderLine]:
    """The leading lines of the feed's own counters: each player's ``pointsTotal``,
    ``reboundTotal`` and ``assistTotal`` on his last such action."""
    totals: dict[int, dict[str, int]] = {}
    for action in actions:
        person, side = action.get("personId") or 0, "home" if action.get("teamId") == home_team_id else "away"
        if action.get("shotResult") == "Made" and "pointsTotal" in action:
            totals.setdefault(person, {"side": side})["points"] = action["pointsTotal"]
        if action["actionType"] == "rebound" and person and action.get("teamId"):
            totals.setdefault(person, {"side": side})["rebounds"] = action["reboundTotal"]
        if action.get("assistPersonId"):
            totals.setdefault(action["assistPersonId"], {"side": side})["assists"] = action["assistTotal"]
    return leading_lines(PlayerLine(**t) for t in totals.values())


@pytest.mark.parametrize(
    "game_id, final, periods",
    [("0022400500", (108, 106), 4), ("0022400561", (119, 125), 5), ("0022400196", (98, 107), 4)],
)
def test_recorded_play_by_play(game_id, final, periods):
    payload = load(f"playbyplay_{game_id}.json")
    timeline = parse_play_by_play(payload, game_id, HOME_TEAMS[game_id])
    assert (timeline.final_score, timeline.periods) == (final, periods)
    assert timeline.player_lines == running_totals(payload["game"]["actions"], HOME_TEAMS[game_id])
    assert {line.side for line in timeline.player_lines} == {"home", "away"}


def test_play_by_play_naming_no_player_has_no_player_lines_and_one_whose_points_do_not_add_up_neither(caplog):
    payload = load("playbyplay_0022400500.json")
    for action in payload["game"]["actions"]:
        action["personId"] = 0
    assert parse_play_by_play(payload, "0022400500", HOME_TEAMS["0022400500"]).player_lines is None
    assert "player lines" not in caplog.text
    payload = load("playbyplay_0022400500.json")
    made = next(a for a in payload["game"]["actions"] if a["actionType"] == "freethrow" and a["shotResult"] == "Made")
    made["personId"] = 0  # a made free throw nobody scored: the players' points fall one short
    timeline = parse_play_by_play(payload, "0022400500", HOME_TEAMS["0022400500"])
    assert timeline.final_score == (108, 106) and timeline.player_lines is None
    assert "kept without player lines" in caplog.text


def test_a_play_by_play_that_is_not_final_is_an_error_not_a_timeline():
    payload = load("playbyplay_0022400500.json")
    payload["game"]["actions"] = payload["game"]["actions"][:300]
    with pytest.raises(GameDataError, match="not final yet .*rated on a later run"):
        parse_play_by_play(payload, "0022400500", 1610612750)
    with pytest.raises(GameDataError, match="answered for game 0022400500"):
        parse_play_by_play(load("playbyplay_0022400500.json"), "0022400501", 1610612750)


def test_recorded_box_scores():
    box = parse_box_score(load("boxscore_0042200123.json"), "0042200123")
    assert (box.home_team_score, box.away_team_score, box.periods) == (97, 102, 4)
    assert (box.lead_changes, box.times_tied, box.attendance, box.is_final) == (6, 6, 17910, True)
    box = parse_box_score(load("boxscore_0022500001.json"), "0022500001")
    assert (box.home_team_score, box.away_team_score, box.periods, box.lead_changes) == (125, 124, 6, 22)


def test_a_box_score_without_lead_changes_is_an_error():
    payload = load("boxscore_0042200123.json")
    del payload["game"]["homeTeam"]["statistics"]["leadChanges"]
    with pytest.raises(GameDataError, match="leadChanges is missing"):
        parse_box_score(payload, "0042200123")


def test_sources_list_what_the_input_rules_accept_and_the_cup_final_is_rated():
    assert LISTED_SEASON_TYPES == RATED_SEASON_TYPES
    assert [
        listed(g) for g in ("0012400001", "0022400001", "0032400001", "0042400101", "0052400101", "0062400001")
    ] == [
        False,
        True,
        False,
        True,
        True,
        True,
    ]
    final = GameRecord(
        game_id="0062400001",
        date=date(2024, 12, 17),
        home_team_id=1610612749,
        away_team_id=1610612760,
        home_team_abbreviation="MIL",
        away_team_abbreviation="OKC",
        season_id="62024",
        home_team_score=97,
        away_team_score=81,
        lead_changes=3,
        times_tied=2,
        game_status="Final",
    )
    assert record_problem(final, today=date(2025, 1, 1)) is None
