"""``show`` and ``--validate`` read the database; neither creates or changes one (more in
test_reads_never_write.py)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from nba_predictions.cli.show import render_json, render_table
from nba_predictions.errors import StorageError
from nba_predictions.runs.database_check import check_database
from nba_predictions.steps.storage import games_for_date
from nba_predictions.storage.database import connect, connect_read_only
from nba_predictions.storage.engine import make_engine, parse_url
from tests.integration.storage.helpers import document, dump, store
from tests.integration.storage.test_web_app_contract import make_web_app_database

DAY = date(2024, 1, 15)


def shown(url: str, day: date = DAY, **options) -> list:
    db = connect_read_only(url)
    try:
        return games_for_date(db, day, **options)
    finally:
        db.close()


def test_show_lists_the_dates_games_best_first(database_url: str) -> None:
    doc = document()
    store(doc, database_url)

    games = shown(database_url)

    ranked = sorted(doc.predictions, key=lambda p: (-p.rating, p.game_id))
    assert [g.game_id for g in games] == [p.game_id for p in ranked]
    assert shown(database_url, DAY - timedelta(days=1)) == []
    table = render_table(games, DAY).splitlines()
    assert table[0] == "NBA games of 2024-01-15, most watchable first"
    assert table[1].split() == ["#", "Matchup", "Rating", "Class"]
    for rank, line, p in ((1, table[3], ranked[0]), (11, table[-1], ranked[-1])):
        assert line.split() == [
            str(rank),
            p.raw_data.away_team_abbreviation,
            "@",
            p.raw_data.home_team_abbreviation,
            f"{p.rating:.1f}",
            p.classification,
        ]
    assert render_table([], DAY) == "No rated games on 2024-01-15."

    listed = json.loads(render_json(games))
    assert [g["rating"] for g in listed] == [p.rating for p in ranked]
    best = ranked[0].raw_data
    assert listed[0]["home_team"]["id"] == str(best.home_team_id)  # ids as text, as the front end types them
    assert listed[0]["home_team"]["abbreviation"] == best.home_team_abbreviation
    assert listed[0]["home_team"]["conference"] in ("East", "West")
    assert datetime.fromisoformat(listed[0]["predicted_at"]) == doc.metadata.timestamp
    assert "spoilers" not in listed[0]


def test_show_lists_the_web_app_rows_without_our_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/web.db"
    make_web_app_database(url)
    engine = make_engine(parse_url(url))
    with engine.begin() as conn:  # the original job's unrated row for a game of the day
        conn.execute(text("UPDATE games SET prediction_rating = NULL WHERE id = '0022400901'"))
    engine.dispose()

    games = shown(url, date(2025, 3, 1))

    assert [(g.game_id, g.rating, g.classification, g.season) for g in games] == [("0022400901", None, None, None)]
    assert render_table(games, date(2025, 3, 1)).splitlines()[-1].split() == ["1", "BOS", "@", "LAL", "-", "-"]


def test_show_does_not_create_a_missing_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ratings.db"
    for opening in (lambda url: connect(url, create=False), connect_read_only):
        with pytest.raises(StorageError, match="no database at .*store some ratings first"):
            opening(f"sqlite:///{path}")
    assert not path.exists() and not path.parent.exists()


def test_check_database_reports_without_changing_anything(database_url: str) -> None:
    path = Path(parse_url(database_url).database) if database_url.startswith("sqlite") else None
    if path:
        assert "empty, new (the file does not exist yet)" in check_database(database_url)
        assert not path.exists() and not path.parent.exists()
    else:
        assert "empty, new (no tables of ours or the web app's)" in check_database(database_url)
        engine = make_engine(parse_url(database_url))
        assert inspect(engine).get_table_names() == []
        engine.dispose()

    store(document(), database_url)
    before = dump(database_url)

    assert check_database(database_url).endswith("ours at schema 0004, 30 teams, 11 games stored (11 rated)")
    assert dump(database_url) == before
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StorageError, match="revision '9999'"):
        check_database(database_url)
