"""Schema versions: every way to reach revision 0002 gives the tables schema.py declares, and the
0001 -> 0002 migration keeps every team, rating, feature, explanation and run."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from nba_predictions.core import teams as team_table
from nba_predictions.core.season import Season
from nba_predictions.errors import StorageError
from nba_predictions.storage.database import open_database
from nba_predictions.storage.engine import make_engine, parse_url
from nba_predictions.storage.migrate import alembic_config, current_revision, known_revisions
from nba_predictions.storage.schema import FRONT_END_TABLES, SCHEMA_REVISION, UtcDateTime, metadata, pipeline_runs
from tests.integration.storage.helpers import IDS, decoded, document, dump, rows_of, store, subset
from tests.integration.storage.test_web_app_contract import make_web_app_database


def compare_with_schema_py(url: str) -> list:
    """Alembic's differences between the database and schema.py.

    On SQLite two are no differences, and :func:`reflected_structure` checks them instead: the
    web app's ``id TEXT PRIMARY KEY`` reads back as nullable (SQLite lets such a key hold NULL),
    and Alembic cannot match an unnamed UNIQUE constraint to a named one.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == SCHEMA_REVISION
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            sqlite = conn.dialect.name == "sqlite"
    finally:
        engine.dispose()
    front_end = {t.name for t in FRONT_END_TABLES}

    def sqlite_quirk(change: object) -> bool:
        if isinstance(change, list) and len(change) == 1 and change[0][0] == "modify_nullable":
            _op, _schema, table, column, _info, _was, _now = change[0]
            return table in front_end and column == "id"
        return (
            isinstance(change, tuple)
            and change[0] == "add_constraint"
            and isinstance(change[1], UniqueConstraint)
            and change[1].table.name in front_end
        )

    return [change for change in diff if not (sqlite and sqlite_quirk(change))]


def declared_structure(dialect_name: str) -> dict[str, dict]:
    """Per table: columns (name -> nullable), constraint and index names as schema.py declares them.

    On SQLite the web app's tables have unnamed constraints (as its schema.sql makes them), so
    their names are None there; on PostgreSQL they carry the names PostgreSQL gives them.
    """
    structure = {}
    for table in metadata.sorted_tables:
        unnamed = dialect_name == "sqlite" and table in FRONT_END_TABLES
        name = (lambda n: None) if unnamed else str
        pk = table.primary_key
        structure[table.name] = {
            "columns": {c.name: c.nullable and not c.primary_key for c in table.columns},
            "primary key": (name(pk.name), [c.name for c in pk.columns]),
            "foreign keys": sorted(
                (
                    name(fk.name),
                    [c.name for c in fk.columns],
                    fk.referred_table.name,
                    [e.column.name for e in fk.elements],
                )
                for fk in table.foreign_key_constraints
            ),
            # PostgreSQL rewrites a CHECK's text (casts, parentheses): compare the text on SQLite only.
            "checks": sorted(
                (name(ck.name), str(ck.sqltext) if dialect_name == "sqlite" else None)
                for ck in table.constraints
                if isinstance(ck, CheckConstraint)
            ),
            "uniques": sorted(
                (name(uq.name), [c.name for c in uq.columns])
                for uq in table.constraints
                if isinstance(uq, UniqueConstraint)
            ),
            "indexes": {str(ix.name): ([c.name for c in ix.columns], bool(ix.unique)) for ix in table.indexes},
        }
    return structure


def reflected_structure(conn: Connection) -> dict[str, dict]:
    """The same description, read back from the database."""
    inspector = inspect(conn)
    structure = {}
    for table in (t.name for t in metadata.sorted_tables):
        pk = inspector.get_pk_constraint(table)
        structure[table] = {
            # SQLite lets a TEXT primary key hold NULL, which is how the web app declares it.
            "columns": {
                c["name"]: c["nullable"] and c["name"] not in pk["constrained_columns"]
                for c in inspector.get_columns(table)
            },
            "primary key": (pk["name"], pk["constrained_columns"]),
            "foreign keys": sorted(
                (fk["name"], fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "checks": sorted(
                (ck["name"], ck["sqltext"] if conn.dialect.name == "sqlite" else None)
                for ck in inspector.get_check_constraints(table)
            ),
            "uniques": sorted((uq["name"], uq["column_names"]) for uq in inspector.get_unique_constraints(table)),
            "indexes": {
                ix["name"]: (ix["column_names"], bool(ix["unique"]))
                for ix in inspector.get_indexes(table)
                if "duplicates_constraint" not in ix
            },
        }
    return structure


def structure_of(url: str) -> tuple[dict, str]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return reflected_structure(conn), conn.dialect.name
    finally:
        engine.dispose()


def column_order(url: str, table: str) -> list[str]:
    engine = make_engine(parse_url(url))
    try:
        return [c["name"] for c in inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


# -- a database at revision 0001, as the previous version wrote it ------------------------------

OLD = MetaData()
TEAMS_0001 = Table(
    "teams",
    OLD,
    Column("id", Integer, primary_key=True),
    Column("abbreviation", String(3)),
    Column("name", String(64)),
    Column("conference", String(4)),
)
JSON_0001 = JSON().with_variant(JSONB(), "postgresql")
GAMES_0001 = Table(
    "games",
    OLD,
    Column("id", String(10), primary_key=True),
    Column("date", Date),
    Column("season", String(7)),
    Column("home_team_id", Integer),
    Column("away_team_id", Integer),
    Column("rating", Float),
    Column("classification", String(8)),
    Column("features", JSON_0001),
    Column("explanation", JSON_0001),
    Column("model_version", String(64)),
    Column("predicted_at", UtcDateTime()),
    Column("created_at", UtcDateTime()),
    Column("updated_at", UtcDateTime()),
)
CREATED = datetime(2024, 1, 16, 11, 0, 0, 123456, tzinfo=timezone.utc)


def database_at_0001(url: str) -> dict[str, list]:
    """Revision 0001's tables holding the fixture document, as 0001's storage step wrote it."""
    from alembic import command

    doc = document()
    engine = make_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            played = {}
            for p in doc.predictions:
                played[p.raw_data.home_team_id] = played[p.raw_data.away_team_id] = None
            teams = [
                {
                    "id": t,
                    "abbreviation": team_table.abbreviation(t),
                    "name": team_table.name(t),
                    "conference": team_table.team(t).conference,
                }
                for t in sorted(played)
            ]
            conn.execute(TEAMS_0001.insert(), teams)
            games = [
                {
                    "id": p.game_id,
                    "date": p.raw_data.date,
                    "season": str(Season.of_game_id(p.game_id)),
                    "home_team_id": p.raw_data.home_team_id,
                    "away_team_id": p.raw_data.away_team_id,
                    "rating": p.rating,
                    "classification": p.classification,
                    "features": p.features.model_dump(mode="json"),
                    "explanation": [c.model_dump(mode="json") for c in p.top_features],
                    "model_version": doc.metadata.model_version,
                    "predicted_at": doc.metadata.timestamp,
                    "created_at": CREATED,
                    "updated_at": CREATED,
                }
                for p in doc.predictions
            ]
            conn.execute(GAMES_0001.insert(), games)
            runs = [
                {
                    "target_date": doc.metadata.target_date,
                    "steps": ["collection", "features", "prediction", "storage"],
                    "source": "archive",
                    "games_found": 11,
                    "games_processed": 11,
                    "games_saved": n,
                    "games_skipped": 11 - n,
                    "games_failed": 0,
                    "status": "ok",
                    "errors": [],
                    "started_at": CREATED,
                    "finished_at": CREATED,
                }
                for n in (11, 0)
            ]
            conn.execute(pipeline_runs.insert(), runs)
    finally:
        engine.dispose()
    return {"teams": teams, "games": games}


# -- every path to 0002 ---------------------------------------------------------------------------


def test_the_newest_migration_is_the_revision_schema_py_describes() -> None:
    assert known_revisions()[0] == SCHEMA_REVISION == "0004"


@pytest.mark.parametrize("start", ["empty", "0001", "web app"])
def test_every_path_to_0002_gives_the_tables_schema_py_declares(database_url: str, start: str) -> None:
    if start == "0001":
        database_at_0001(database_url)
    elif start == "web app":
        make_web_app_database(database_url)

    store(subset(document(), IDS[:2]), database_url)

    reflected, dialect = structure_of(database_url)
    assert reflected == declared_structure(dialect)
    # Alembic's own comparison too (types, nullability, tables, indexes); it cannot tell unnamed
    # SQLite constraints from named ones, hence the structure check above.
    assert compare_with_schema_py(database_url) == [], "schema.py and the migrations disagree; write a migration"
    if dialect == "sqlite":  # PostgreSQL's ALTERs of 0001's tables keep their column order
        assert column_order(database_url, "games") == [c.name for c in metadata.tables["games"].columns]


def test_a_later_migration_can_drop_a_constraint_by_its_declared_name(database_url: str) -> None:
    """What a revision 0003 would do, run with the same Alembic settings as migrations/env.py."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    with open_database(database_url):
        pass
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn, conn.begin():
            context = MigrationContext.configure(conn, opts={"target_metadata": metadata, "render_as_batch": True})
            op = Operations(context)
            with op.batch_alter_table("pipeline_runs") as batch:
                batch.drop_constraint(op.f("ck_pipeline_runs_status"), type_="check")
        with engine.connect() as conn:
            left = [ck["name"] for ck in inspect(conn).get_check_constraints("pipeline_runs")]
    finally:
        engine.dispose()
    assert left == []


# -- 0001 -> 0002 -------------------------------------------------------------------------------


def test_the_0001_to_0002_migration_keeps_every_team_rating_feature_and_run(database_url: str) -> None:
    old = database_at_0001(database_url)
    runs_before = dump(database_url, ("pipeline_runs",))

    with open_database(database_url):
        pass

    teams = rows_of(database_url, "teams")
    assert teams == {str(t["id"]): {**t, "id": str(t["id"])} for t in old["teams"]}
    games = rows_of(database_url, "games")
    details = rows_of(database_url, "game_details", key="game_id")
    assert sorted(games) == sorted(details) == sorted(g["id"] for g in old["games"])
    for before in old["games"]:
        after, detail = games[before["id"]], details[before["id"]]
        assert after["date"] == before["date"].isoformat()
        assert (after["home_team_id"], after["away_team_id"]) == (
            str(before["home_team_id"]),
            str(before["away_team_id"]),
        )
        assert after["prediction_rating"] == before["rating"]
        for name in ("season", "classification", "model_version"):
            assert after[name] == before[name]
        assert decoded(detail["features"]) == before["features"]
        assert decoded(detail["explanation"]) == before["explanation"]
    assert dump(database_url, ("pipeline_runs",)) == runs_before
    typed = dump(database_url, ("games",))["games"]
    assert {row[0]: (row[5], row[6], row[10]) for row in typed} == {
        g["id"]: (CREATED, CREATED, g["predicted_at"]) for g in old["games"]
    }

    again = store(document(), database_url)  # the migrated database goes on working
    assert (again.saved, again.skipped) == (0, 11)
    assert len(rows_of(database_url, "teams")) == 30


def test_a_0001_team_without_a_name_stops_the_upgrade_and_changes_nothing(database_url: str) -> None:
    database_at_0001(database_url)
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, abbreviation) VALUES (1610616833, 'EST')"))  # an All-Star side
    engine.dispose()
    before = {name: rows for name, rows in dump_0001(database_url).items()}

    with pytest.raises(StorageError, match=r"teams 1610616833 \(EST\) have no name or conference.*still at 0001"):
        store(document(), database_url)

    assert dump_0001(database_url) == before


def dump_0001(url: str) -> dict[str, list]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == "0001"
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in ("teams", "games", "pipeline_runs")
            }
    finally:
        engine.dispose()


# -- other starting points ----------------------------------------------------------------------


def test_an_empty_sqlite_file_with_other_tables_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ratings.db"
    path.touch()  # e.g. made by `touch` or another tool: zero bytes, no tables
    url = f"sqlite:///{path}"
    sqlite3.connect(path).execute("CREATE TABLE notes (body TEXT)").connection.commit()

    store(document(), url)

    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"teams", "games", "game_details", "pipeline_runs", "alembic_version", "notes"} <= tables
    assert len(rows_of(url, "games")) == 11


def test_a_database_from_a_newer_version_is_refused_untouched(database_url: str) -> None:
    store(subset(document(), IDS[:3]), database_url)
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    before = dump(database_url)

    with pytest.raises(StorageError, match="revision '9999'.*upgrade nba-predictions"):
        store(document(), database_url)
    assert dump(database_url) == before
