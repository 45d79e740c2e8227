"""The acclaimed development set: every entry is a real archive game, cited, and the card's famous
games are among them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nba_predictions.errors import PipelineError
from nba_predictions.model.training.acclaimed import COLUMNS, KINDS, load_acclaimed
from nba_predictions.model.training.bias import FAMOUS_GAMES

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = ROOT / "src" / "nba_predictions" / "data" / "archive.sqlite"


def test_every_entry_is_the_archive_game_it_names_with_a_timeline() -> None:
    games = load_acclaimed()
    assert len(games) >= 40
    with sqlite3.connect(f"file:{ARCHIVE}?mode=ro", uri=True) as db:
        for game in games:
            row = db.execute(
                "select date, away_abbr, home_abbr, timeline_status from games where game_id = ?", (game.game_id,)
            ).fetchone()
            assert row == (game.date, game.away, game.home, "ok"), game.game_id


def test_the_set_covers_each_kind_and_cites_a_source_for_each_game() -> None:
    games = load_acclaimed()
    assert {g.kind for g in games} == set(KINDS)
    for game in games:  # a read source is cited by its address; an unread one says so
        assert game.source.startswith("http") if game.verified != "no" else game.source.startswith("from memory")


def test_the_cards_famous_games_are_in_the_set() -> None:
    assert set(FAMOUS_GAMES) <= {g.game_id for g in load_acclaimed()}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("004150040,2016-06-19,CLE,GSW,stakes,x,y,yes", "not a rated game id"),
        ("0041500407,2016-6-19,CLE,GSW,stakes,x,y,yes", "not YYYY-MM-DD"),
        ("0041500407,2016-06-19,CLE,GSW,great,x,y,yes", "kind 'great'"),
        ("0041500407,2016-06-19,CLE,GSW,stakes,x,,yes", "no source"),
        ("0041500407,2016-06-19,CLE,GSW,stakes,x,y,maybe", "verified 'maybe'"),
    ],
)
def test_a_bad_entry_is_an_error_naming_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "acclaimed.csv"
    path.write_text(",".join(COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=f"line 2: .*{message}"):
        load_acclaimed(path)


def test_a_repeated_game_and_wrong_columns_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "acclaimed.csv"
    row = "0041500407,2016-06-19,CLE,GSW,stakes,x,y,yes\n"
    path.write_text(",".join(COLUMNS) + "\n" + row + row, encoding="utf-8")
    with pytest.raises(PipelineError, match="line 3: game 0041500407 is listed twice"):
        load_acclaimed(path)
    path.write_text("game_id,date\n0041500407,2016-06-19\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="columns must be"):
        load_acclaimed(path)
    with pytest.raises(PipelineError, match="cannot be read"):
        load_acclaimed(tmp_path / "missing.csv")
