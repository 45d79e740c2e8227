"""The stakes features (issue 23): hand-computed cases, the history's series state and seeding races,
and the vectorised pass equal to the one-game functions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions.core import teams
from nba_predictions.core.domain import GameRecord, GameResult
from nba_predictions.errors import GameDataError
from nba_predictions.features.history import History, stakes_context
from nba_predictions.features.stakes import (
    STAKES_NAMES,
    StakesContext,
    games_behind,
    playoff_round,
    series_game,
    stakes_columns,
    stakes_table,
    stakes_values,
    teams_in_seed_race,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_game_id_names_round_and_game_of_a_playoff_series() -> None:
    assert (playoff_round("0042300405"), series_game("0042300405")) == (4, 5)  # 2024 Finals Game 5
    assert (playoff_round("0041800217"), series_game("0041800217")) == (2, 7)  # 2019 East semis Game 7
    assert (playoff_round("0022300405"), series_game("0022300405")) == (0, 0)  # regular season


def test_a_finals_game_seven_is_an_elimination_game_for_both() -> None:
    values = stakes_values("0041500407", StakesContext(home_series_wins=3, away_series_wins=3))
    assert values == {
        "playoff_round": 4,
        "series_game": 7,
        "series_leader_wins": 3,
        "series_trailer_wins": 3,
        "elimination_game": 1,
        "game_seven": 1,
        "play_in": 0,
        "cup_final": 0,
        "seed_race_teams": 0,
    }


@pytest.mark.parametrize(
    ("game_id", "home", "away", "leader", "trailer", "elimination"),
    [
        ("0042300405", 3, 1, 3, 1, 1),  # up 3-1: a chance to clinch
        ("0042300405", 1, 3, 3, 1, 1),  # down 1-3 at home: facing elimination
        ("0042300105", 2, 2, 2, 2, 0),  # 2-2: no one can go out
        ("0042300104", 3, 0, 3, 0, 1),  # a sweep is possible
        ("0042300101", 0, 0, 0, 0, 0),
    ],
)
def test_the_series_state_before_the_game(
    game_id: str, home: int, away: int, leader: int, trailer: int, elimination: int
) -> None:
    values = stakes_values(game_id, StakesContext(home_series_wins=home, away_series_wins=away))
    assert (values["series_leader_wins"], values["series_trailer_wins"]) == (leader, trailer)
    assert values["elimination_game"] == elimination
    assert values["game_seven"] == 0


@pytest.mark.parametrize(
    ("game_id", "elimination"),
    [
        ("0052300101", 0),  # 2024 East 7 v 8 (PHI-MIA): the loser plays again
        ("0052300121", 0),  # 2024 West 7 v 8
        ("0052300111", 1),  # 2024 East 9 v 10: the loser is out
        ("0052300131", 1),  # 2024 West 9 v 10
        ("0052300201", 1),  # 2024 East 8th-seed game
        ("0051900111", 1),  # 2020 bubble play-in, Portland-Memphis
    ],
)
def test_play_in_games_and_which_of_them_eliminate(game_id: str, elimination: int) -> None:
    values = stakes_values(game_id, StakesContext())
    assert (values["play_in"], values["elimination_game"], values["playoff_round"]) == (1, elimination, 0)


def test_the_cup_final_is_flagged() -> None:
    assert stakes_values("0062500001", StakesContext())["cup_final"] == 1
    assert stakes_values("0022500001", StakesContext())["cup_final"] == 0


@pytest.mark.parametrize(
    ("game_id", "context", "message"),
    [
        ("0042300405", StakesContext(home_series_wins=2, away_series_wins=1), "series state 2-1 before game 5"),
        (
            "0042300407",
            StakesContext.model_construct(home_series_wins=4, away_series_wins=2, seed_race_teams=0),
            "series state 4-2 before game 7",
        ),  # a document refuses 4 wins (StakesContext); the function checks too
        ("0022300405", StakesContext(home_series_wins=1), "outside the playoffs"),
        ("0042300505", StakesContext(), "round 5"),
        ("0042300408", StakesContext(), "game 8"),
        ("004230040", StakesContext(), "invalid game id"),
    ],
)
def test_an_impossible_series_state_or_id_is_an_error(game_id: str, context: StakesContext, message: str) -> None:
    with pytest.raises(GameDataError, match=message):
        stakes_values(game_id, context)
    with pytest.raises(GameDataError, match=message):
        stakes_columns(["0022300001", game_id], [StakesContext(), context])


def test_games_behind() -> None:
    assert games_behind((42, 34), (41, 35)) == 1.0
    assert games_behind((45, 31), (41, 35)) == 4.0
    assert games_behind((40, 36), (41, 34)) == -1.5


# East wins with 76 of 82 games played (6 left), best first: the 6th (42-34) and 7th (41-35) are a
# game apart across the 6|7 line, the 10th (37-39) and 11th (36-40) across the 10|11 line; the 5th is
# 4 games clear of the 7th, the 8th 2 behind the 6th, the 9th 2 ahead of the 11th.
EAST_WINS = [60, 55, 50, 48, 45, 42, 41, 40, 38, 37, 36, 30, 25, 20, 15]
PLAYED = 76


def test_teams_within_a_game_of_a_seed_line_late_in_the_season_are_in_a_race() -> None:
    table = [(100 + i, w, PLAYED - w) for i, w in enumerate(EAST_WINS)]
    assert teams_in_seed_race(table, 2023) == {105, 106, 109, 110}
    assert teams_in_seed_race(table, 2018) == set()  # one line, 8|9: 40-36 v 38-38 is 2 games
    closer = [*table[:8], (108, 39, 37), *table[9:]]
    assert teams_in_seed_race(closer, 2018) == {107, 108}  # 40-36 v 39-37
    early = [(team, w - 20, losses) for team, w, losses in table]  # 20 more games left: no race yet
    assert teams_in_seed_race(early, 2023) == set()


def _synthetic_history(day: date) -> tuple[History, list[int]]:
    """2023-24 East records EAST_WINS over 76 games each, every game against a West team."""
    east, west = teams.conference_teams("East", 2023), teams.conference_teams("West", 2023)
    results = []
    start = day - timedelta(days=PLAYED + 1)
    for i, (team, wins) in enumerate(zip(east, EAST_WINS)):
        for g in range(PLAYED):
            opponent = west[(i + g) % len(west)]
            won = g < wins
            results.append(
                GameResult(
                    game_id=f"00223{i:02d}{g:03d}",
                    date=start + timedelta(days=g),
                    season_type="Regular Season",
                    home_team_id=team,
                    away_team_id=opponent,
                    home_score=100 if won else 90,
                    away_score=90 if won else 100,
                )
            )
    return History(results), list(east)


def _record(game_id: str, day: date, home: int, away: int) -> GameRecord:
    return GameRecord(
        game_id=game_id,
        date=day,
        home_team_id=home,
        away_team_id=away,
        home_team_abbreviation="AAA",
        away_team_abbreviation="BBB",
        season_id=f"{game_id[2]}20{game_id[3:5]}",
        home_team_score=101,
        away_team_score=99,
        lead_changes=0,
        times_tied=0,
        game_status="Final",
    )


def test_the_history_counts_teams_in_a_seeding_race_from_the_standings_of_the_day() -> None:
    day = date(2024, 4, 8)
    history, east = _synthetic_history(day)
    ranked = [row.team_id for row in history.standings(day) if row.conference == "East"]
    assert ranked == east  # EAST_WINS is in descending order, so the ids' order is the table's
    assert stakes_context(history, _record("0022301201", day, east[5], east[10])).seed_race_teams == 2  # 6th v 11th
    assert stakes_context(history, _record("0022301202", day, east[0], east[6])).seed_race_teams == 1  # 1st v 7th
    assert stakes_context(history, _record("0022301203", day, east[0], east[14])).seed_race_teams == 0  # 1st v 15th


def test_the_history_gives_the_series_state_from_the_earlier_games_only() -> None:
    bos, mia = 1610612738, 1610612748
    games = [  # (game number, home team, away team, home won): the 2023 East finals' first six games
        (1, bos, mia, False),
        (2, bos, mia, False),
        (3, mia, bos, True),
        (4, mia, bos, False),
        (5, bos, mia, True),
        (6, mia, bos, False),
    ]
    results = [
        GameResult(
            game_id=f"004220030{n}",
            date=date(2023, 5, 16 + n),
            season_type="Playoffs",
            home_team_id=home,
            away_team_id=away,
            home_score=110 if won else 100,
            away_score=100 if won else 110,
        )
        for n, home, away, won in games
    ]
    history = History(results)
    before_5 = stakes_context(history, _record("0042200305", date(2023, 5, 25), bos, mia))
    assert (before_5.home_series_wins, before_5.away_series_wins) == (1, 3)  # Boston down 1-3 at home
    assert stakes_values("0042200305", before_5)["elimination_game"] == 1
    before_6 = stakes_context(history, _record("0042200306", date(2023, 5, 27), mia, bos))
    assert (before_6.home_series_wins, before_6.away_series_wins) == (3, 2)  # game 6's own result not counted
    before_7 = stakes_context(history, _record("0042200307", date(2023, 5, 29), bos, mia))
    assert stakes_values("0042200307", before_7)["game_seven"] == 1
    assert stakes_context(history, _record("0042200301", date(2023, 5, 17), bos, mia)) == StakesContext()


def _context(game_id: str, data: st.DataObject) -> StakesContext:
    if game_id[2] == "4":
        game = int(game_id[9])
        home = data.draw(st.integers(max(0, game - 4), min(3, game - 1)))
        return StakesContext(home_series_wins=home, away_series_wins=game - 1 - home)
    return StakesContext(seed_race_teams=data.draw(st.integers(0, 2)) if game_id[2] == "2" else 0)


GAME_IDS = st.one_of(
    st.from_regex(r"\A002[0-9]{2}0[0-9]{4}\Z"),
    st.from_regex(r"\A004[0-9]{2}00[1-4][0-7][1-7]\Z"),
    st.from_regex(r"\A005[0-9]{2}00[12][0-3]1\Z"),
    st.from_regex(r"\A006[0-9]{2}00001\Z"),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(GAME_IDS, max_size=8), st.data())
def test_stakes_columns_equal_the_one_game_functions(game_ids: list[str], data: st.DataObject) -> None:
    contexts = [_context(g, data) for g in game_ids]
    columns = stakes_columns(game_ids, contexts)
    assert list(columns) == list(STAKES_NAMES)
    for i, (game_id, context) in enumerate(zip(game_ids, contexts)):
        assert {name: columns[name][i].item() for name in columns} == stakes_values(game_id, context)


def test_features_md_carries_the_stakes_table() -> None:
    assert stakes_table() in (ROOT / "docs" / "FEATURES.md").read_text(encoding="utf-8")
