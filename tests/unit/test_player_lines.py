"""Players' lines from PlayByPlayV3 (issue 23): hand-made actions for each rule of the reader, and
three real games checked against box scores and the feed's own running counts."""

from __future__ import annotations

import csv
import gzip
import json
import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from nba_predictions.core.domain import ScoreTimeline
from nba_predictions.features.player_lines import PlayerLine, leading_lines, lines_from_pbp_v3

ROOT = Path(__file__).resolve().parents[2]
NBA_API = ROOT / "tests" / "fixtures" / "api" / "nba_api"
HOME, AWAY = 1610612739, 1610612741


def _v3(kind: str, team: int, player: int, name: str, text: str, **more: Any) -> dict[str, Any]:
    """One PlayByPlayV3 action with what the reader reads (scores empty: V3 leaves them so when unchanged)."""
    action = {"period": 1, "actionType": kind, "teamId": team, "personId": player, "playerName": name}
    return action | {"description": text, "shotResult": "", "scoreHome": "", "scoreAway": ""} | more


def _raw(
    kind: str, team: int, player: int, name: str, text: str, made: bool = False, period: int = 1
) -> dict[str, Any]:
    """One row of the 2025-26 raw files: V3's columns, the CDN's words, ``person_id``, strings as csv reads them."""
    return {
        "period": str(period),
        "actionType": kind,
        "teamId": str(team),
        "person_id": str(player),
        "playerName": name,
        "description": text,
        "shotResult": "Made" if made else ("Missed" if kind in ("2pt", "3pt", "freethrow") else ""),
        "scoreHome": "0",
        "scoreAway": "0",
    }


def test_v3_points_rebounds_and_assists_by_hand() -> None:
    actions = [
        _v3("period", 0, 0, "", "Start of 1st Period"),
        _v3("Made Shot", HOME, 11, "Mitchell", "Mitchell 26' 3PT (3 PTS) (Love 1 AST)", shotValue=3, shotResult="Made"),
        _v3("Rebound", HOME, 12, "Love", "Love REBOUND (Off:0 Def:1)"),
        _v3("Rebound", 0, HOME, "", "CAVALIERS Rebound"),  # a team rebound: nobody's
        _v3("Free Throw", AWAY, 21, "Vučević", "Vucevic Free Throw 1 of 2 (1 PTS)", scoreHome="3", scoreAway="1"),
        _v3("Free Throw", AWAY, 21, "Vučević", "MISS Vucevic Free Throw 2 of 2"),
        _v3("Made Shot", AWAY, 22, "Jones Jr.", "Jones Jr. 1' Dunk (2 PTS) (Vucevic 1 AST)", shotValue=2),
        _v3("Made Shot", HOME, 12, "Love", "Love 2' Layup (2 PTS)", shotValue=2),
    ]
    assert lines_from_pbp_v3(actions, HOME) == {
        11: PlayerLine("home", points=3),
        12: PlayerLine("home", points=2, rebounds=1, assists=1),
        21: PlayerLine("away", points=1, assists=1),
        22: PlayerLine("away", points=2),
    }


def test_raw_rows_take_person_id_and_the_cdn_words_and_points_do_not_depend_on_row_order() -> None:
    rows = [
        # an and-one whose free throw comes first in the file (the raw files' order is not the score's)
        _raw("freethrow", HOME, 11, "Holmgren", "C. Holmgren Free Throw 1 of 1 (3 PTS)", made=True),
        _raw("2pt", HOME, 11, "Holmgren", "C. Holmgren cutting Layup (2 PTS) (L. Dort 1 AST)", made=True),
        _raw("3pt", HOME, 12, "Dort", "MISS L. Dort 25' 3PT"),
        _raw("rebound", HOME, 0, "", "TEAM offensive REBOUND"),
        _raw("3pt", AWAY, 21, "Hansen", "Yang 25' 3PT (3 PTS) (A. Sengun 1 AST)", made=True),
        _raw("substitution", AWAY, 22, "Sengun", "SUB in: A. Sengun"),
    ]
    rows[0]["scoreHome"] = math.nan  # a CSV read with pandas: empty cells are NaN
    assert lines_from_pbp_v3(rows, HOME, person_key="person_id") == {
        11: PlayerLine("home", points=3),
        12: PlayerLine("home", assists=1),
        21: PlayerLine("away", points=3),
        22: PlayerLine("away", assists=1),
    }


def test_an_assist_is_found_by_the_name_the_text_gives_a_player_not_only_his_surname() -> None:
    rows = [
        _raw("rebound", AWAY, 21, "Hansen", "Yang REBOUND (Off:0 Def:1)"),  # Yang Hansen: the text says Yang
        _raw("2pt", AWAY, 22, "Sengun", "A. Sengun Hook (2 PTS) (Yang 1 AST)", made=True),
        _raw("2pt", AWAY, 23, "Vučević", "N. Vucevic 1' Dunk (2 PTS)", made=True),  # the text drops the accents
        _raw("2pt", AWAY, 22, "Sengun", "A. Sengun Hook (4 PTS) (N. Vucevic 1 AST)", made=True),
    ]
    lines = lines_from_pbp_v3(rows, HOME, person_key="person_id")
    assert (lines[21], lines[23]) == (
        PlayerLine("away", rebounds=1, assists=1),
        PlayerLine("away", points=2, assists=1),
    )


JALEN, JAYLIN = 1631114, 1631119  # two "J. Williams" of one team (Oklahoma City, 2025-26)


def _williams(player: int, text: str, made: bool = False, period: int = 1) -> dict[str, Any]:
    kind = "substitution" if text.startswith("SUB") else "2pt"
    return _raw(kind, HOME, player, "Williams", text, made=made, period=period)


def test_two_team_mates_of_one_name_are_told_apart_by_the_running_count_then_by_who_is_on_the_floor() -> None:
    rows = [
        _williams(JALEN, "J. Williams running DUNK (2 PTS)", made=True),
        _raw("2pt", HOME, 11, "Holmgren", "C. Holmgren DUNK (2 PTS) (J. Williams 1 AST)", made=True),  # Jalen plays
        _williams(JALEN, "SUB out: J. Williams"),
        _williams(JAYLIN, "SUB in: J. Williams"),
        _raw("2pt", HOME, 11, "Holmgren", "C. Holmgren DUNK (4 PTS) (J. Williams 1 AST)", made=True),  # count: Jaylin
        _williams(JAYLIN, "SUB out: J. Williams"),
        _williams(JALEN, "SUB in: J. Williams"),
        _raw(
            "2pt", HOME, 11, "Holmgren", "C. Holmgren DUNK (6 PTS) (J. Williams 2 AST)", made=True
        ),  # the floor: Jalen
    ]
    lines = lines_from_pbp_v3(rows, HOME, person_key="person_id")
    assert (lines[JALEN].assists, lines[JAYLIN].assists) == (2, 1)


def test_an_assist_naming_no_single_team_mate_is_left_out_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        _williams(JALEN, "J. Williams running DUNK (2 PTS)", made=True),
        _williams(JAYLIN, "J. Williams running DUNK (2 PTS)", made=True),
        # period 2: neither has acted yet, so neither is known to be on the floor
        _raw("2pt", HOME, 11, "Holmgren", "C. Holmgren DUNK (2 PTS) (J. Williams 1 AST)", made=True, period=2),
        _raw("2pt", HOME, 11, "Holmgren", "C. Holmgren DUNK (4 PTS) (Nobody 1 AST)", made=True, period=2),
    ]
    with caplog.at_level(logging.INFO, logger="nba_predictions.features.player_lines"):
        lines = lines_from_pbp_v3(rows, HOME, person_key="person_id")
    assert sum(line.assists for line in lines.values()) == 0
    assert "2 assists name no single team-mate" in caplog.text


def test_a_made_shot_without_a_value_is_an_error() -> None:
    with pytest.raises(ValueError, match="made shot 7 has shotValue 0, not 2 or 3"):
        lines_from_pbp_v3([_v3("Made Shot", HOME, 11, "Mitchell", "Mitchell Layup", actionNumber=7)], HOME)


def _actions(game_id: str) -> list[dict[str, Any]]:
    with gzip.open(NBA_API / f"stats_playbyplayv3_{game_id}.json.gz", "rt", encoding="utf-8") as handle:
        actions: list[dict[str, Any]] = json.load(handle)["game"]["actions"]
    return actions


def _home(actions: list[dict[str, Any]]) -> int:
    (home,) = {a["teamId"] for a in actions if a["location"] == "h" and a["teamId"]}
    return int(home)


def test_v3_lines_equal_the_box_scores_of_the_same_game() -> None:
    """Mitchell's 71 points (2023-01-02): every player's points, rebounds and assists equal both box scores."""
    actions = _actions("0022200552")
    lines = lines_from_pbp_v3(actions, _home(actions))
    box = json.loads((NBA_API / "stats_boxscoretraditionalv2_0022200552.json").read_text("utf-8"))["resultSets"][0]
    players = [dict(zip(box["headers"], row, strict=True)) for row in box["rowSet"]]
    for row in players:
        line = lines.get(row["PLAYER_ID"], PlayerLine("home"))
        assert (line.points, line.rebounds, line.assists) == (row["PTS"] or 0, row["REB"] or 0, row["AST"] or 0)
    v3 = json.loads((NBA_API / "stats_boxscoretraditionalv3_0022200552.json").read_text("utf-8"))["boxScoreTraditional"]
    for team in ("homeTeam", "awayTeam"):
        for player in v3[team]["players"]:
            stats, line = player["statistics"], lines.get(player["personId"], PlayerLine("home"))
            assert (line.points, line.rebounds, line.assists) == (
                stats["points"],
                stats["reboundsTotal"],
                stats["assists"],
            )
    assert lines[1628378] == PlayerLine("home", points=71, rebounds=8, assists=11)
    assert leading_lines(lines.values())[0].points == 71


def test_v3_lines_agree_with_the_feeds_own_running_counts() -> None:
    """The documentation sample (no box score recorded): each player's points and rebounds equal the
    text's running counts "(18 PTS)", "(Off:1 Def:3)"; every assist the text names is given to a
    team-mate, and each team's assists are the text's running counts per name; each side's points
    add up to its final score.  Jalen Johnson's triple-double, 18-12-10."""
    actions = _actions("0022400001")
    home = _home(actions)
    lines = lines_from_pbp_v3(actions, home)
    counted: dict[int, dict[str, int]] = {}
    named: dict[int, Counter[str]] = {}
    for action in actions:
        text, player = action["description"], action["personId"]
        if points := re.search(r"\((\d+) PTS\)", text):
            counted.setdefault(player, {})["points"] = int(points.group(1))
        if rebounds := re.search(r"REBOUND \(Off:(\d+) Def:(\d+)\)", text):
            counted.setdefault(player, {})["rebounds"] = int(rebounds.group(1)) + int(rebounds.group(2))
        if assist := re.search(r"\(([^()]+) (\d+) AST\)", text):
            names = named.setdefault(action["teamId"], Counter())
            names[assist.group(1)] = max(names[assist.group(1)], int(assist.group(2)))
    for player, totals in counted.items():
        for stat, total in totals.items():
            assert getattr(lines[player], stat) == total, (player, stat)
    for team, names in named.items():
        side = "home" if team == home else "away"
        assert sorted(x.assists for x in lines.values() if x.side == side and x.assists) == sorted(names.values())
    final = actions[-1]
    assert sum(x.points for x in lines.values() if x.side == "home") == int(final["scoreHome"])
    assert sum(x.points for x in lines.values() if x.side == "away") == int(final["scoreAway"])
    assert lines[1630552] == PlayerLine("away", points=18, rebounds=12, assists=10)


def test_the_raw_files_rows_equal_the_cdn_box_score_of_the_same_game() -> None:
    """2025-26's opening night (tests/fixtures/pbp/README.md), rows as ``csv`` reads them."""
    with (ROOT / "tests/fixtures/pbp/pbp_v3_style_0022500001.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    box = json.loads((ROOT / "tests/fixtures/api/cdn/boxscore_0022500001.json").read_text("utf-8"))["game"]
    lines = lines_from_pbp_v3(rows, box["homeTeam"]["teamId"], person_key="person_id")
    checked = 0
    for team in ("homeTeam", "awayTeam"):
        for player in box[team]["players"]:
            stats, line = player["statistics"], lines.get(player["personId"], PlayerLine("home"))
            assert (line.points, line.rebounds, line.assists) == (
                stats["points"],
                stats["reboundsTotal"],
                stats["assists"],
            )
            checked += line.points > 0
    assert checked == 18  # players who scored
    assert lines[1630578] == PlayerLine("away", points=39, rebounds=11, assists=7)  # Sengun


def test_a_timeline_written_before_player_lines_existed_reads_as_without_them() -> None:
    """What the response caches keep are the feeds' responses, which give the lines when read again
    (tests/integration: the second run asks nothing); a timeline kept in a document from before
    (``collected_games.json``) has no ``player_lines`` and reads as None: its performance features are 0."""
    old = ScoreTimeline.model_validate_json('{"periods": 4, "events": [[10.0, 2, 0], [2880.0, 100, 98]]}')
    assert old.player_lines is None
