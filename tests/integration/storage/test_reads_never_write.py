"""Issue 25, item 1: reads never write, and adopting the web app's database is its own command.

``show`` (and ``serve``) only read: on the original web app's database, not adopted yet, ``show``
lists what its own columns hold and the database is left exactly as it was (the SQLite file's
bytes and modification time, every table, row for row, on PostgreSQL its catalogue too); what it
cannot read without writing (an older schema of ours, an empty database, a half-rolled-back
SQLite file) is refused with one line naming the fix.  ``nba-predictions adopt`` adopts, in one
transaction with all its checks: a conflict, found before anything is written or after the DDL,
leaves the database exactly as it was, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from nba_predictions.errors import StorageError
from nba_predictions.runs.database_check import check_database
from nba_predictions.steps.storage import adopt_database, games_for_date
from nba_predictions.storage.database import connect, connect_read_only
from nba_predictions.storage.engine import make_engine, parse_url, sqlite_path
from tests.integration.storage.helpers import IDS, document, rows_of, store, subset
from tests.integration.storage.test_schema import database_at_0001
from tests.integration.storage.test_sqlite_recovery import KILLED_WRITER
from tests.integration.storage.test_web_app_contract import SAMPLE_GAMES, make_web_app_database

SAMPLE_DAY = date(2025, 3, 1)


def snapshot(url: str) -> dict:
    """Everything a write could change.  SQLite: the file's bytes and modification time, and the
    files beside it (a journal).  PostgreSQL: every table's columns, every index and constraint,
    and every row of every table, read in one read-only session."""
    path = sqlite_path(parse_url(url))
    if path is not None:
        return {
            "bytes": path.read_bytes(),
            "mtime_ns": path.stat().st_mtime_ns,
            "files": sorted(p.name for p in path.parent.iterdir()),
        }
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            catalogue = {
                "columns": conn.execute(
                    text(
                        "SELECT table_name, column_name, data_type, is_nullable, column_default "
                        "FROM information_schema.columns WHERE table_schema = 'public' "
                        "ORDER BY table_name, ordinal_position"
                    )
                ).all(),
                "indexes": conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
                ).all(),
                "constraints": conn.execute(
                    text(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
                    )
                ).all(),
            }
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))
            rows = {
                name: conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')).all() for name in tables.scalars().all()
            }
            conn.rollback()
    finally:
        engine.dispose()
    return {**catalogue, "rows": rows}


def shown(url: str, day: date, **options) -> list:
    db = connect_read_only(url)
    try:
        return games_for_date(db, day, **options)
    finally:
        db.close()


def adopted(url: str):
    db = connect(url, create=False)
    try:
        return adopt_database(db)
    finally:
        db.close()


# -- show reads, and only reads ---------------------------------------------------------------------


def test_show_lists_the_web_apps_database_as_it_is_and_writes_nothing(database_url: str, caplog) -> None:
    make_web_app_database(database_url)
    before = snapshot(database_url)

    games = shown(database_url, SAMPLE_DAY, spoilers=True)

    rated = [g for g in SAMPLE_GAMES if g[1] == SAMPLE_DAY.isoformat()]
    assert [(g.game_id, g.rating, g.classification, g.season, g.spoilers) for g in games] == [
        (rated[0][0], rated[0][4], None, None, None)
    ]
    assert games[0].home.abbreviation == "LAL" and games[0].away.abbreviation == "BOS"
    assert shown(database_url, date(2024, 1, 15))[0].rating is None  # the original job's unrated row
    assert snapshot(database_url) == before
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("not adopted yet" in w and "nba-predictions adopt --database" in w for w in warnings)
    assert "will be adopted" in check_database(database_url)  # still the web app's: nothing adopted it


def test_show_on_the_web_apps_database_from_the_command_line_writes_nothing(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "web.db"
    url = f"sqlite:///{path}"
    make_web_app_database(url)
    before = snapshot(url)

    result = run_cli("show", "--date", SAMPLE_DAY.isoformat(), "--database", url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["1", "BOS", "@", "LAL", "78.5", "-"]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"nba-predictions adopt --database {url} adopts it" in lines[0]
    json_result = run_cli("show", "--date", SAMPLE_DAY.isoformat(), "--database", url, "--json", "--spoilers")
    assert json_result.returncode == 0 and '"classification": null' in json_result.stdout
    assert snapshot(url) == before


def test_show_refuses_an_older_schema_of_ours_with_the_adopt_command_and_changes_nothing(
    database_url: str, run_cli
) -> None:
    database_at_0001(database_url)
    before = snapshot(database_url)

    with pytest.raises(StorageError, match=r"at schema revision '0001'.*only reads.*nba-predictions adopt --database"):
        shown(database_url, date(2024, 1, 15))
    result = run_cli("show", "--date", "2024-01-15", "--database", database_url)

    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"bring it up to date with nba-predictions adopt --database {_masked(database_url)}"
    )
    assert snapshot(database_url) == before
    assert adopted(database_url).before.revision == "0001"  # what the line says: now show reads it
    assert len(shown(database_url, date(2024, 1, 15))) == len(IDS)


def test_show_refuses_an_empty_database_without_creating_tables(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    before = snapshot(f"sqlite:///{path}")
    with pytest.raises(StorageError, match="has no ratings tables: store some ratings first"):
        shown(f"sqlite:///{path}", SAMPLE_DAY)
    assert snapshot(f"sqlite:///{path}") == before


def test_the_read_only_database_refuses_to_prepare_and_its_engine_refuses_writes(database_url: str) -> None:
    store(subset(document(), IDS[:1]), database_url)
    db = connect_read_only(database_url)
    try:
        with pytest.raises(StorageError, match="opened read-only: cannot bring its schema up to date"):
            db.prepare()
        with pytest.raises(Exception, match="(?i)read-only|readonly"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM games"))
    finally:
        db.close()
    assert len(rows_of(database_url, "games")) == 1


def test_show_on_a_file_a_killed_writer_left_half_done_names_what_rolls_it_back(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "ratings.db"
    url = f"sqlite:///{path}"
    store(subset(document(), IDS[:3]), url)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "mid-transaction\n"
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
    before = snapshot(url)
    assert "ratings.db-journal" in before["files"]

    result = run_cli("show", "--date", "2024-01-15", "--database", url)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a killed writer left half done" in lines[0]
    assert f"nba-predictions adopt --database {url}" in lines[0]
    assert snapshot(url) == before  # the journal is still there: show wrote nothing, not even a rollback
    assert run_cli("adopt", "--database", url).returncode == 0  # the fix it names
    assert len(shown(url, date(2024, 1, 15))) == 3


# -- adopt: its own command, one transaction ---------------------------------------------------------


def test_adopt_adopts_the_web_apps_database_once_keeping_every_row(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "web.db"
    url = f"sqlite:///{path}"
    make_web_app_database(url)
    games_before = rows_of(url, "games")

    result = run_cli("adopt", "--database", url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{url}: the web app's database adopted as schema 0004, every row kept "
        "(30 teams, 3 games, today's 30 teams written)\n"
    )
    games_after = rows_of(url, "games")
    assert {k: {c: row[c] for c in games_before[k]} for k, row in games_after.items()} == games_before
    assert rows_of(url, "teams")["1610612751"]["abbreviation"] == "BKN"
    assert "ours at schema 0004, 30 teams, 3 games stored (2 rated)" in check_database(url)
    again = run_cli("adopt", "--database", url)
    assert (
        again.returncode == 0
        and again.stdout == f"{url}: ours at schema 0004 already (30 teams, 3 games); nothing to do\n"
    )
    assert store(document(), url).saved == len(IDS)  # and the first storage run after it just writes


def test_adopt_refuses_a_missing_an_empty_and_a_foreign_database_creating_nothing(tmp_path: Path, run_cli) -> None:
    missing = run_cli("adopt", "--database", f"sqlite:///{tmp_path}/none.db")
    assert missing.returncode == 1 and "no database at" in missing.stderr and "nothing to adopt" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    refused = run_cli("adopt", "--database", f"sqlite:///{empty}")
    assert refused.returncode == 1 and "nothing to adopt, nothing was changed" in refused.stderr
    assert empty.read_bytes() == b""
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE teams (id INTEGER PRIMARY KEY)")
    conn.close()
    before = foreign.read_bytes()
    result = run_cli("adopt", "--database", f"sqlite:///{foreign}")
    assert result.returncode == 1 and "is refused, nothing was changed" in result.stderr
    assert foreign.read_bytes() == before


def _claim_lal_under_another_id(url: str) -> None:
    """The web app's rows with the Lakers' abbreviation under an id of their own: LAL is taken."""
    engine = make_engine(parse_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE teams SET abbreviation = 'LAK' WHERE id = '1610612747'"))
        conn.execute(text("INSERT INTO teams VALUES ('LAKERS', 'LAL', 'Los Angeles Lakers', 'West')"))
    engine.dispose()


def _swap_two_abbreviations(url: str) -> None:
    """Two of the 30 ids under each other's abbreviation: the check before adopting passes, the
    teams' writes after the DDL collide (so the DDL must be rolled back too)."""
    engine = make_engine(parse_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE teams SET abbreviation = 'TMP' WHERE id = '1610612738'"))
        conn.execute(text("UPDATE teams SET abbreviation = 'BOS' WHERE id = '1610612751'"))
        conn.execute(text("UPDATE teams SET abbreviation = 'BKN' WHERE id = '1610612738'"))
    engine.dispose()


CONFLICTS = {
    "an abbreviation held by another id": (
        _claim_lal_under_another_id,
        "cannot be adopted, nothing was changed: teams row 'LAKERS' holds the abbreviation LAL, which is team 1610612747",
    ),
    "two teams under each other's abbreviation": (
        _swap_two_abbreviations,
        "cannot be adopted, nothing was changed: writing today's 30 teams failed .*teams row '1610612738' holds BKN, "
        r"the abbreviation of team 1610612751 \(Brooklyn Nets\)",
    ),
}


@pytest.mark.parametrize("conflict", list(CONFLICTS))
def test_a_conflict_found_while_adopting_leaves_the_database_exactly_as_it_was(
    database_url: str, conflict: str
) -> None:
    make_conflict, message = CONFLICTS[conflict]
    make_web_app_database(database_url)
    make_conflict(database_url)
    before = snapshot(database_url)

    with pytest.raises(StorageError, match=message):
        adopted(database_url)
    assert snapshot(database_url) == before
    with pytest.raises(StorageError, match=message):  # the first storage run adopts the same way
        store(document(), database_url)
    assert snapshot(database_url) == before
    assert "will be adopted" in check_database(database_url)


def test_adopt_on_the_command_line_names_the_conflict_in_one_line(tmp_path: Path, run_cli) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    make_web_app_database(url)
    _claim_lal_under_another_id(url)
    before = snapshot(url)

    result = run_cli("adopt", "--database", url)

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"nba-predictions: error: database {url} cannot be adopted, nothing was changed: teams row 'LAKERS' holds "
        "the abbreviation LAL, which is team 1610612747 (Los Angeles Lakers): change or delete that row, then rerun"
    ]
    assert snapshot(url) == before


def test_adopt_takes_the_sqlite_backup_first_when_backups_are_on(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "web.db"
    make_web_app_database(f"sqlite:///{path}")
    original = path.read_bytes()
    result = run_cli(
        "adopt",
        "--database",
        f"sqlite:///{path}",
        env={"BACKUP_ENABLED": "true", "BACKUP_DIR": str(tmp_path / "backups")},
    )
    assert result.returncode == 0, result.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    assert f"; backup {backup}" in result.stdout
    with sqlite3.connect(backup) as conn:
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {"teams", "games"}
    conn.close()
    assert path.read_bytes() != original


def _masked(url: str) -> str:
    return parse_url(url).render_as_string(hide_password=True)
