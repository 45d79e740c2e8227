"""The performance features (issue 23): players' lines from PlayByPlayV2 rows (hand-made rows and two
real games), the features by hand, and the vectorised pass equal to the one-game function."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions.core.domain import LeaderLine, ScoreTimeline
from nba_predictions.features.performance import (
    PERFORMANCE_NAMES,
    PlayerLine,
    leading_lines,
    lines_from_cdn,
    lines_from_pbp_v2,
    performance_columns,
    performance_table,
    performance_values,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "pbp"


def _row(kind: int, person: int, player: int, assist: int = 0, score: str = "") -> dict[str, object]:
    return {"EVENTMSGTYPE": kind, "PERSON1TYPE": person, "PLAYER1_ID": player, "PLAYER2_ID": assist, "SCORE": score}


def test_points_rebounds_and_assists_by_hand() -> None:
    rows = [
        _row(12, 0, 0),  # start of period
        _row(1, 4, 11, assist=12, score="0 - 3"),  # home 11 hits a three, 12 assists
        _row(2, 5, 21),  # away 21 misses
        _row(4, 4, 12),  # home 12 rebounds
        _row(4, 2, 1610612737),  # a team rebound: nobody's
        _row(3, 5, 21, score="1 - 3"),  # away 21 makes a free throw
        _row(3, 5, 21),  # ... and misses the second: no score, no point
        _row(1, 5, 22, assist=21, score="3 - 3"),
        _row(1, 4, 11, score="3 - 5"),
    ]
    assert lines_from_pbp_v2(rows) == {
        11: PlayerLine("home", points=5),
        12: PlayerLine("home", rebounds=1, assists=1),
        21: PlayerLine("away", points=1, assists=1),
        22: PlayerLine("away", points=2),
    }


def test_a_score_corrected_down_and_back_is_not_counted_twice() -> None:
    rows = [_row(1, 4, 11, score="0 - 2"), _row(1, 4, 11, score="0 - 4"), _row(18, 0, 0, score="0 - 2")]
    rows.append(_row(1, 4, 11, score="0 - 4"))  # the correction restored: no new points
    rows.append(_row(1, 4, 11, score="0 - 6"))
    assert lines_from_pbp_v2(rows)[11].points == 6


def test_the_features_by_hand() -> None:
    lines = [
        PlayerLine("home", points=52, rebounds=4, assists=3),
        PlayerLine("home", points=12, rebounds=11, assists=9),
        PlayerLine("away", points=41, rebounds=2, assists=7),
    ]
    assert performance_values(lines) == {"top_points": 52, "duel_points": 41, "all_round": 9}
    assert performance_values([PlayerLine("home", points=10, rebounds=10, assists=10)]) == {
        "top_points": 10,
        "duel_points": 0,
        "all_round": 10,
    }
    assert performance_values([]) == {"top_points": 0, "duel_points": 0, "all_round": 0}


def _fixture(game_id: str) -> dict[int, PlayerLine]:
    with (FIXTURES / f"pbp_v2_{game_id}.csv").open(encoding="utf-8", newline="") as handle:
        return lines_from_pbp_v2(csv.DictReader(handle))


def test_westbrooks_record_triple_double_from_the_real_play_by_play() -> None:
    """2017-04-09, OKC at DEN: Westbrook (201566) 50 points, 16 rebounds, 10 assists (ESPN's report)."""
    lines = _fixture("0021601198")
    assert lines[201566] == PlayerLine("away", points=50, rebounds=16, assists=10)
    assert sum(line.points for line in lines.values() if line.side == "away") == 106
    assert sum(line.points for line in lines.values() if line.side == "home") == 105
    values = performance_values(lines.values())
    assert values["top_points"] == 50 and values["all_round"] == 10


def test_bookers_seventy_from_the_real_play_by_play() -> None:
    """2017-03-24, PHX at BOS: Devin Booker (1626164) 70 points in a 120-130 loss."""
    lines = _fixture("0021601076")
    assert lines[1626164].points == 70 and lines[1626164].side == "away"
    assert performance_values(lines.values())["top_points"] == 70


LINES = st.lists(st.tuples(st.booleans(), st.integers(0, 80), st.integers(0, 30), st.integers(0, 25)), max_size=12)


@settings(max_examples=100, deadline=None)
@given(st.lists(LINES, max_size=6))
def test_performance_columns_equal_the_one_game_function(games: list[list[tuple[bool, int, int, int]]]) -> None:
    flat = [(i, *line) for i, lines in enumerate(games) for line in lines]
    game, home, points, rebounds, assists = (
        (np.array(c, dtype=np.int64) for c in zip(*flat)) if flat else [np.zeros(0, dtype=np.int64)] * 5
    )
    columns = performance_columns(game, home.astype(bool), points, rebounds, assists, len(games))
    assert list(columns) == list(PERFORMANCE_NAMES)
    for i, lines in enumerate(games):
        expected = performance_values(PlayerLine("home" if h else "away", p, r, a) for h, p, r, a in lines)
        assert {name: columns[name][i].item() for name in columns} == expected


def test_features_md_carries_the_performance_table() -> None:
    assert performance_table() in (ROOT / "docs" / "FEATURES.md").read_text(encoding="utf-8")


CDN_GAMES = {  # the CDN play-by-play fixtures (tests/fixtures/api/cdn/README.md): game id -> home team id
    "0022400196": 1610612758,  # LAC at SAC
    "0022400500": 1610612750,  # LAC at MIN
    "0022400561": 1610612755,  # NYK at PHI
}


@pytest.mark.parametrize("game_id", sorted(CDN_GAMES))
def test_cdn_lines_agree_with_the_feeds_own_running_totals(game_id: str) -> None:
    """Each player's points, rebounds and assists equal the feed's own counters on his last such
    action (``pointsTotal``, ``reboundTotal``, ``assistTotal``), and each side's points its final score."""
    actions = json.loads((ROOT / "tests/fixtures/api/cdn" / f"playbyplay_{game_id}.json").read_text("utf-8"))
    actions = actions["game"]["actions"]
    lines = lines_from_cdn(actions, CDN_GAMES[game_id])
    expected: dict[int, dict[str, int]] = {}
    for action in actions:
        person = action.get("personId") or 0
        if action.get("shotResult") == "Made" and "pointsTotal" in action:
            expected.setdefault(person, {})["points"] = action["pointsTotal"]
        if action["actionType"] == "rebound" and person:
            expected.setdefault(person, {})["rebounds"] = action["reboundTotal"]
        if action.get("assistPersonId"):
            expected.setdefault(action["assistPersonId"], {})["assists"] = action["assistTotal"]
    for person, totals in expected.items():
        for stat, total in totals.items():
            assert getattr(lines[person], stat) == total, (person, stat)
    final = actions[-1]
    assert sum(x.points for x in lines.values() if x.side == "home") == int(final["scoreHome"])
    assert sum(x.points for x in lines.values() if x.side == "away") == int(final["scoreAway"])


def test_leading_lines_keep_the_features_of_every_line() -> None:
    lines = [
        PlayerLine("home", points=31, rebounds=4, assists=2),
        PlayerLine("home", points=12, rebounds=11, assists=10),
        PlayerLine("home", points=8, rebounds=2, assists=1),
        PlayerLine("away", points=40, rebounds=10, assists=10),
        PlayerLine("away", points=20, rebounds=9, assists=3),
    ]
    leaders = leading_lines(lines)
    assert [(line.side, line.points) for line in leaders] == [("home", 31), ("home", 12), ("away", 40)]
    assert (
        performance_values(leaders)
        == performance_values(lines)
        == {
            "top_points": 40,
            "duel_points": 31,
            "all_round": 10,
        }
    )


def test_a_player_line_cannot_outscore_its_side() -> None:
    with pytest.raises(ValueError, match="player_lines\\[0\\]: 30 points for one away player"):
        ScoreTimeline(
            periods=4,
            events=[(10.0, 2, 0), (20.0, 2, 3)],
            player_lines=[LeaderLine(side="away", points=30, rebounds=0, assists=0)],
        )
