"""Storage step against real databases: a SQLite file and a PostgreSQL server.

The PostgreSQL cases (marker ``postgres``) read the server URL from DATABASE_TEST_POSTGRES_URL;
start one with ``eval "$(scripts/start_postgres.sh)"``.  Without it they are skipped, except when
the environment variable CI is set: then they fail, so a CI whose server did not start is red.  Each test gets a database of its own
(SQLite: a file under tmp_path; PostgreSQL: a fresh CREATE DATABASE, dropped afterwards).
No database is mocked: failures come from the database's own constraints.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import CheckConstraint, Connection, UniqueConstraint, create_engine, inspect, text

from nba_predictions.errors import ArtifactError, StorageError
from nba_predictions.schemas import ALL_FEATURES, Predictions
from nba_predictions.steps.storage import (
    BackupSettings,
    RunRecord,
    check_database,
    games_for_date,
    record_run,
    render_json,
    render_table,
    store_predictions,
)
from nba_predictions.storage import queries
from nba_predictions.storage.backup import backups_of
from nba_predictions.storage.database import open_database
from nba_predictions.storage.engine import make_engine, masked, parse_url
from nba_predictions.storage.migrate import current_revision, known_revisions
from nba_predictions.storage.schema import FRONT_END_TABLES, SCHEMA_REVISION, metadata

FIXTURE = Path(__file__).parents[1] / "fixtures" / "documents" / "predictions_2024-01-15.json"
DAY = date(2024, 1, 15)
PG_ENV = "DATABASE_TEST_POSTGRES_URL"
PG_MISSING = f"{PG_ENV} is not set: start a server with eval \"$(scripts/start_postgres.sh)\""


# -- databases ----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # Nested folders that do not exist yet: first use must create them.
        yield f"sqlite:///{tmp_path}/data/nested/ratings.db"
    else:
        yield from _fresh_postgres_database()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _fresh_postgres_database()


def _fresh_postgres_database() -> Iterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        if on_ci():
            # A CI whose server failed to start would otherwise be green with these cases skipped.
            pytest.fail(f"CI is set, so the PostgreSQL cases must run: {PG_MISSING}", pytrace=False)
        pytest.skip(PG_MISSING)
    name = f"nba_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parse_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_ci() -> bool:
    """CI is set (CI=true, as CI services and .ci/run's callers set it); CI=false/0/no counts as unset."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of our tables, in key order."""
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return {name: queries.dump_table(conn, name) for name in ("teams", "games", "pipeline_runs")}
    finally:
        engine.dispose()


def game_rows(url: str) -> dict[str, dict]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return {row.id: row._asdict() for row in conn.execute(text("SELECT * FROM games"))}
    finally:
        engine.dispose()


# -- documents ----------------------------------------------------------------------------------


def document() -> Predictions:
    return Predictions.model_validate_json(FIXTURE.read_text())


def subset(doc: Predictions, game_ids: list[str]) -> Predictions:
    data = doc.model_dump(mode="json")
    data["predictions"] = [p for p in data["predictions"] if p["game_id"] in game_ids]
    data["metadata"]["total_games"] = len(data["predictions"])
    return Predictions.model_validate(data)


def rerated(doc: Predictions, shift: float = -7.5) -> Predictions:
    """The same games as a newer model would rate them (validated like a real document)."""
    data = doc.model_dump(mode="json")
    data["metadata"]["timestamp"] = "2024-01-17T09:30:00Z"
    data["metadata"]["model_version"] = "1.1"
    for p in data["predictions"]:
        p["rating"] = round(min(100.0, max(0.0, p["rating"] + shift)), 1)
        p["classification"] = "good" if p["rating"] >= 80 else "mediocre" if p["rating"] >= 60 else "bad"
        p["features"]["rivalry_score"] = round(p["features"]["rivalry_score"] + 0.05, 2)
        p["top_features"] = [{"feature": "lead_changes", "contribution": 1.25}]
    return Predictions.model_validate(data)


def with_bad_rating(doc: Predictions, index: int) -> Predictions:
    """``doc`` with one prediction the database must refuse (rating 150 breaks its CHECK).

    ``model_copy(update=...)`` skips pydantic validation: this stands for a bug upstream
    that only the database catches.
    """
    predictions = list(doc.predictions)
    predictions[index] = predictions[index].model_copy(update={"rating": 150.0})
    return Predictions.model_construct(metadata=doc.metadata, predictions=predictions)


IDS = [p.game_id for p in document().predictions]


# -- first use, schema, versioning --------------------------------------------------------------


def test_first_use_creates_the_database_and_stores_every_game(database_url: str) -> None:
    doc = document()
    path = parse_url(database_url).database if database_url.startswith("sqlite") else None
    if path:
        assert not Path(path).exists()

    result = store_predictions(doc, database_url)

    assert (result.saved, result.updated, result.skipped) == (11, 0, 0)
    if path:
        assert Path(path).is_file()
    rows = game_rows(database_url)
    assert sorted(rows) == sorted(IDS)
    tables = dump(database_url)
    by_id = {p.game_id: p for p in doc.predictions}
    assert {t[0]: t[1] for t in tables["teams"]} == {
        **{p.raw_data.home_team_id: p.raw_data.home_team_abbreviation for p in doc.predictions},
        **{p.raw_data.away_team_id: p.raw_data.away_team_abbreviation for p in doc.predictions},
    }
    assert (1610612747, "LAL", "Los Angeles Lakers", "West") in tables["teams"]
    assert (1610612751, "BKN", "Brooklyn Nets", "East") in tables["teams"]
    ok = rows["0022300565"]  # OKC @ LAL
    assert ok["season"] == "2023-24"
    assert str(ok["date"])[:10] == "2024-01-15"
    assert (ok["home_team_id"], ok["away_team_id"]) == (1610612747, 1610612760)
    assert ok["rating"] == pytest.approx(by_id["0022300565"].rating)
    assert ok["classification"] == by_id["0022300565"].classification
    assert ok["model_version"] == doc.metadata.model_version
    features = ok["features"] if isinstance(ok["features"], dict) else json.loads(ok["features"])
    assert features == by_id["0022300565"].features.model_dump(mode="json")


def test_schema_revision_is_recorded_and_matches_the_migrations(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store_predictions(document(), database_url)

    assert known_revisions()[0] == SCHEMA_REVISION  # schema.py describes the newest migration
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == SCHEMA_REVISION
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert diff == [], "schema.py and the migrations disagree; write a migration"


def declared_structure(dialect_name: str) -> dict[str, dict]:
    """Per table: columns (name, nullable), constraint and index names as schema.py declares them.

    The names are the ones the naming convention gives (``ck_games_two_teams``), i.e. what a
    later migration will use to drop or alter them.
    """
    structure = {}
    for table in metadata.sorted_tables:
        pk = table.primary_key
        structure[table.name] = {
            "columns": [(c.name, c.nullable) for c in table.columns],
            "primary key": (str(pk.name), [c.name for c in pk.columns]),
            "foreign keys": {
                str(fk.name): ([c.name for c in fk.columns], fk.referred_table.name, [e.column.name for e in fk.elements])
                for fk in table.foreign_key_constraints
            },
            "checks": {
                str(ck.name): str(ck.sqltext) if dialect_name == "sqlite" else None
                for ck in table.constraints
                if isinstance(ck, CheckConstraint)
            },
            "uniques": {
                str(uq.name): [c.name for c in uq.columns] for uq in table.constraints if isinstance(uq, UniqueConstraint)
            },
            "indexes": {str(ix.name): ([c.name for c in ix.columns], bool(ix.unique)) for ix in table.indexes},
        }
    return structure


def reflected_structure(conn: Connection) -> dict[str, dict]:
    """The same description, read back from the database."""
    inspector = inspect(conn)
    structure = {}
    for name in (t.name for t in metadata.sorted_tables):
        pk = inspector.get_pk_constraint(name)
        structure[name] = {
            "columns": [(c["name"], c["nullable"]) for c in inspector.get_columns(name)],
            "primary key": (pk["name"], pk["constrained_columns"]),
            "foreign keys": {
                fk["name"]: (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in inspector.get_foreign_keys(name)
            },
            # PostgreSQL rewrites a CHECK's text (casts, parentheses): compare the text on SQLite only.
            "checks": {
                ck["name"]: ck["sqltext"] if conn.dialect.name == "sqlite" else None
                for ck in inspector.get_check_constraints(name)
            },
            "uniques": {uq["name"]: uq["column_names"] for uq in inspector.get_unique_constraints(name)},
            "indexes": {ix["name"]: (ix["column_names"], bool(ix["unique"])) for ix in inspector.get_indexes(name)},
        }
    return structure


def test_a_freshly_migrated_database_has_the_names_and_structure_schema_py_declares(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with open_database(database_url):  # runs the migrations on an empty database
        pass

    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == SCHEMA_REVISION
            reflected = reflected_structure(conn)
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    declared = declared_structure(engine.dialect.name)
    # e.g. ck_games_two_teams, not ck_games_ck_games_two_teams: a later migration drops it by that name.
    assert {t: sorted(s["checks"]) for t, s in reflected.items()} == {t: sorted(s["checks"]) for t, s in declared.items()}
    assert reflected == declared
    assert diff == [], "schema.py and the migrations disagree (types, nullability, tables, indexes)"


def test_a_later_migration_can_drop_a_constraint_by_its_declared_name(database_url: str) -> None:
    """What a revision 0002 would do, run with the same Alembic settings as migrations/env.py."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    with open_database(database_url):
        pass
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn, conn.begin():
            context = MigrationContext.configure(conn, opts={"target_metadata": metadata, "render_as_batch": True})
            op = Operations(context)
            with op.batch_alter_table("games") as batch:
                batch.drop_constraint(op.f("ck_games_two_teams"), type_="check")
        with engine.connect() as conn:
            left = sorted(ck["name"] for ck in inspect(conn).get_check_constraints("games"))
    finally:
        engine.dispose()
    assert left == ["ck_games_classification", "ck_games_rating_range"]


def test_an_empty_sqlite_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ratings.db"
    path.touch()  # e.g. made by `touch` or another tool: zero bytes, no tables
    url = f"sqlite:///{path}"
    sqlite3.connect(path).execute("CREATE TABLE notes (body TEXT)").connection.commit()

    store_predictions(document(), url)

    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"teams", "games", "pipeline_runs", "alembic_version", "notes"} <= tables
    assert len(game_rows(url)) == 11


def test_a_database_from_a_newer_version_is_refused_untouched(database_url: str) -> None:
    store_predictions(subset(document(), IDS[:3]), database_url)
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    before = dump(database_url)

    with pytest.raises(StorageError, match="revision '9999'.*upgrade nba-predictions"):
        store_predictions(document(), database_url)
    assert dump(database_url) == before


def test_check_database_reports_without_changing_anything(database_url: str) -> None:
    path = Path(parse_url(database_url).database) if database_url.startswith("sqlite") else None
    if path:
        assert "does not exist yet" in check_database(database_url)
        assert not path.exists() and not path.parent.exists()
    else:
        assert "no tables yet" in check_database(database_url)
        assert dump_or_none(database_url) is None

    store_predictions(document(), database_url)

    assert check_database(database_url).endswith(f"at schema {SCHEMA_REVISION}, 11 games stored")
    engine = make_engine(parse_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StorageError, match="revision '9999'"):
        check_database(database_url)


def dump_or_none(url: str) -> dict | None:
    engine = make_engine(parse_url(url))
    try:
        return None if not inspect(engine).get_table_names() else dump(url)
    finally:
        engine.dispose()


# -- idempotence, skip, force -------------------------------------------------------------------


def test_storing_the_same_document_twice_is_a_no_op(database_url: str) -> None:
    doc = document()
    store_predictions(doc, database_url)
    first = dump(database_url)

    again = store_predictions(doc, database_url)

    assert (again.saved, again.updated, again.skipped) == (0, 0, 11)
    assert dump(database_url) == first


def test_rated_games_are_skipped_unless_forced_and_force_rewrites_ratings_only(database_url: str) -> None:
    doc, newer = document(), rerated(document())
    store_predictions(doc, database_url)
    before = game_rows(database_url)

    skipped = store_predictions(newer, database_url)
    assert (skipped.saved, skipped.updated, skipped.skipped) == (0, 0, 11)
    assert game_rows(database_url) == before

    time.sleep(0.01)
    forced = store_predictions(newer, database_url, force=True)
    assert (forced.saved, forced.updated, forced.skipped) == (0, 11, 0)
    after = game_rows(database_url)
    wanted = {p.game_id: p for p in newer.predictions}
    for game_id, row in after.items():
        old, p = before[game_id], wanted[game_id]
        assert row["rating"] == pytest.approx(p.rating) and row["rating"] != old["rating"]
        assert row["classification"] == p.classification
        assert row["model_version"] == "1.1"
        explanation = row["explanation"] if isinstance(row["explanation"], list) else json.loads(row["explanation"])
        assert explanation == [{"feature": "lead_changes", "contribution": 1.25}]
        assert row["updated_at"] > old["updated_at"]
        assert row["predicted_at"] != old["predicted_at"]
        unchanged = ("id", "date", "season", "home_team_id", "away_team_id", "created_at")
        assert {k: row[k] for k in unchanged} == {k: old[k] for k in unchanged}
        features = row["features"] if isinstance(row["features"], dict) else json.loads(row["features"])
        assert features == p.features.model_dump(mode="json")
        assert {k for k in row if row[k] != old[k]} <= set(queries.RERATED_COLUMNS)


def test_storage_doc_lists_exactly_the_columns_force_rewrites() -> None:
    """docs/STORAGE.md tells operators what --force rewrites; it must be the code's list."""
    doc = (Path(__file__).parents[2] / "docs" / "STORAGE.md").read_text()
    paragraph = doc[doc.index("rewrites exactly these columns"):]
    paragraph = paragraph[: paragraph.index("stay unchanged")]
    rewritten, unchanged = paragraph.split("`id`", 1)
    import re

    assert set(re.findall(r"`([a-z_]+)`", rewritten)) - {"force"} == set(queries.RERATED_COLUMNS)
    assert "`created_at`" in unchanged


def test_a_mixed_document_counts_saved_updated_and_skipped(database_url: str) -> None:
    store_predictions(subset(document(), IDS[:4]), database_url)

    plain = store_predictions(document(), database_url)
    assert (plain.saved, plain.updated, plain.skipped) == (7, 0, 4)
    forced = store_predictions(subset(rerated(document()), IDS[2:6]), database_url, force=True)
    assert (forced.saved, forced.updated, forced.skipped) == (0, 4, 0)
    assert len(game_rows(database_url)) == 11


VERSIONS = [document(), rerated(document(), -7.5), rerated(document(), +3.0)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sets(st.sampled_from(IDS)), st.booleans(), st.integers(0, len(VERSIONS) - 1)),
                min_size=1, max_size=4))
def test_any_sequence_of_runs_matches_the_rules(runs: list[tuple[set[str], bool, int]]) -> None:
    """Property: new games are saved, stored ones skipped unless forced; row count = distinct games."""
    expected: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/ratings.db"
        for ids, force, version in runs:
            doc = subset(VERSIONS[version], sorted(ids))
            wanted = {"saved": 0, "updated": 0, "skipped": 0}
            for p in doc.predictions:
                if p.game_id not in expected or force:
                    wanted["saved" if p.game_id not in expected else "updated"] += 1
                    expected[p.game_id] = p.rating
                else:
                    wanted["skipped"] += 1
            result = store_predictions(doc, url, force=force)
            assert {"saved": result.saved, "updated": result.updated, "skipped": result.skipped} == wanted
            assert {k: v["rating"] for k, v in game_rows(url).items()} == pytest.approx(expected)


def test_a_document_listing_a_game_twice_is_refused(database_url: str) -> None:
    doc = document()
    twice = Predictions.model_construct(metadata=doc.metadata, predictions=[*doc.predictions, doc.predictions[0]])
    with pytest.raises(ArtifactError, match="lists game 0022300555 twice"):
        store_predictions(twice, database_url)


# -- transactions -------------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True], ids=["insert", "force-update"])
def test_a_failure_mid_batch_leaves_the_database_as_it_was(database_url: str, force: bool) -> None:
    doc = document()
    store_predictions(subset(doc, IDS[:5]), database_url)
    before = dump(database_url)
    # insert: a new game (index 8) fails after seven good rows went in;
    # force-update: the new games are inserted, then re-rating a stored one (index 2) fails.
    bad = with_bad_rating(rerated(doc) if force else doc, 2 if force else 8)

    with pytest.raises(StorageError, match="nothing was saved") as caught:
        store_predictions(bad, database_url, force=force)

    assert "rating_range" in str(caught.value)
    assert dump(database_url) == before


# -- concurrency --------------------------------------------------------------------------------


def test_concurrent_runs_in_threads_lose_and_duplicate_nothing(database_url: str) -> None:
    doc = document()
    # Four overlapping documents on a database that does not exist yet: the runs also race to
    # create the schema.
    parts = [IDS[0:5], IDS[3:8], IDS[6:11], IDS[::2]]
    barrier = threading.Barrier(len(parts))
    results: list = [None] * len(parts)
    errors: list[BaseException] = []

    def run(i: int, force: bool) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = store_predictions(subset(doc, parts[i]), database_url, force=force)
        except BaseException as exc:  # reported below
            errors.append(exc)

    for force in (False, True):
        threads = [threading.Thread(target=run, args=(i, force)) for i in range(len(parts))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "a storage run is still waiting after 60 s"
        assert not errors, errors
        if not force:
            assert sum(r.saved for r in results) == 11  # each game inserted by exactly one run
            assert sum(r.skipped for r in results) == sum(map(len, parts)) - 11
        else:
            assert sum(r.updated for r in results) == sum(map(len, parts))
        assert sorted(game_rows(database_url)) == sorted(IDS)
        assert len(dump(database_url)["teams"]) == 22


def test_two_storage_processes_at_once_lose_and_duplicate_nothing(database_url: str, tmp_path: Path) -> None:
    halves = [IDS[0:7], IDS[4:11]]
    start_at = time.time() + 3.0  # both processes are importing by then; they start together
    child = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from nba_predictions.schemas import Predictions\n"
        "from nba_predictions.steps.storage import store_predictions\n"
        "url, path, ids, start = sys.argv[1], sys.argv[2], sys.argv[3].split(','), float(sys.argv[4])\n"
        "data = json.loads(Path(path).read_text())\n"
        "data['predictions'] = [p for p in data['predictions'] if p['game_id'] in ids]\n"
        "data['metadata']['total_games'] = len(data['predictions'])\n"
        "doc = Predictions.model_validate(data)\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "r = store_predictions(doc, url)\n"
        "print(json.dumps([r.saved, r.updated, r.skipped]))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", child, database_url, str(FIXTURE), ",".join(ids), str(start_at)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for ids in halves
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
    counts = [json.loads(out) for out, _err in outputs]
    assert sum(c[0] for c in counts) == 11
    assert sum(c[2] for c in counts) == 3  # the three games both documents list
    assert sorted(game_rows(database_url)) == sorted(IDS)


# -- spoiler-free -------------------------------------------------------------------------------


def test_front_end_tables_and_show_output_carry_no_scores(database_url: str) -> None:
    doc = document()
    store_predictions(doc, database_url)
    engine = make_engine(parse_url(database_url))
    try:
        inspector = inspect(engine)
        for table in FRONT_END_TABLES:
            columns = [c["name"] for c in inspector.get_columns(table.name)]
            assert not [c for c in columns if "score" in c or "pts" in c or "points" in c], (table.name, columns)
    finally:
        engine.dispose()
    for row in game_rows(database_url).values():
        features = row["features"] if isinstance(row["features"], dict) else json.loads(row["features"])
        assert set(features) == set(ALL_FEATURES)  # the model's inputs, nothing from raw_data (jsonb keeps no order)
        assert "home_team_score" not in json.dumps(features) + json.dumps(row["explanation"], default=str)

    shown = json.loads(render_json(games_for_date(database_url, DAY)))

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert not {k for k in keys(shown) if "score" in k or "pts" in k}


# -- show ---------------------------------------------------------------------------------------


def test_show_lists_the_dates_games_best_first(database_url: str) -> None:
    doc = document()
    store_predictions(doc, database_url)

    games = games_for_date(database_url, DAY)

    assert [g.game_id for g in games] == [p.game_id for p in sorted(doc.predictions, key=lambda p: -p.rating)]
    assert games[0].game_id == "0022300562" and (games[0].away.abbreviation, games[0].home.abbreviation) == ("MIA", "BKN")
    assert games_for_date(database_url, DAY - timedelta(days=1)) == []

    table = render_table(games, DAY).splitlines()
    assert table[0] == "NBA games of 2024-01-15, most watchable first"
    assert table[1].split() == ["#", "Matchup", "Rating", "Class"]
    ranked = sorted(doc.predictions, key=lambda p: -p.rating)
    for rank, line, p in ((1, table[3], ranked[0]), (11, table[-1], ranked[-1])):
        assert line.split() == [str(rank), p.raw_data.away_team_abbreviation, "@", p.raw_data.home_team_abbreviation,
                                f"{p.rating:.1f}", p.classification]
    assert render_table([], DAY) == "No rated games on 2024-01-15."

    shown = json.loads(render_json(games))
    assert [g["rating"] for g in shown] == sorted((g["rating"] for g in shown), reverse=True)
    assert shown[0]["home_team"] == {"id": 1610612751, "abbreviation": "BKN", "name": "Brooklyn Nets"}
    assert datetime.fromisoformat(shown[0]["predicted_at"]) == doc.metadata.timestamp


def test_show_does_not_create_a_missing_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ratings.db"
    with pytest.raises(StorageError, match="no database at .*store some ratings first"):
        games_for_date(f"sqlite:///{path}", DAY)
    assert not path.exists()


# -- pipeline runs ------------------------------------------------------------------------------


def test_record_run_appends_a_row(database_url: str) -> None:
    started = datetime(2024, 1, 16, 10, 0, 5, tzinfo=timezone.utc)
    run = RunRecord(
        target_date=DAY, steps=("collection", "features", "prediction", "storage"), source="archive",
        found=12, processed=11, saved=11, skipped=0, failed=1, status="partial",
        errors=("0022300999 (features): no play-by-play",), started_at=started,
        finished_at=started + timedelta(seconds=42),
    )
    first = record_run(database_url, run)
    second = record_run(database_url, run)

    assert second > first
    engine = make_engine(parse_url(database_url))
    try:
        with engine.connect() as conn:
            rows = queries.dump_table(conn, "pipeline_runs")
    finally:
        engine.dispose()
    assert len(rows) == 2
    row = rows[0]
    assert row[1] == DAY
    assert list(row[2]) == ["collection", "features", "prediction", "storage"]
    assert row[3:11] == ("archive", 12, 11, 11, 0, 1, "partial", ["0022300999 (features): no play-by-play"])
    assert (row[11], row[12]) == (started, started + timedelta(seconds=42))


def test_run_record_from_a_pipeline_summary() -> None:
    from dataclasses import dataclass, field

    @dataclass
    class Skipped:
        game_id: str
        step: str
        reason: str

    @dataclass
    class Summary:
        target_date: date | None = DAY
        steps: list[str] = field(default_factory=lambda: ["prediction", "storage"])
        source: str | None = None
        found: int = 3
        processed: int = 2
        saved: int = 2
        skipped: int = 0
        failed: list = field(default_factory=lambda: [Skipped("0022300561", "features", "timeline gap")])
        errors: list[str] = field(default_factory=list)
        started_at: datetime = datetime(2024, 1, 16, tzinfo=timezone.utc)

    record = RunRecord.from_summary(Summary(), "partial")
    assert record.failed == 1 and record.errors == ("0022300561 (features): timeline gap",)
    assert record.finished_at is not None and record.finished_at > record.started_at
    with pytest.raises(ValueError, match="run status 'done'"):
        RunRecord.from_summary(Summary(), "done")


# -- backups ------------------------------------------------------------------------------------


def test_sqlite_backups_are_taken_before_each_run_and_pruned_to_keep(tmp_path: Path) -> None:
    db = tmp_path / "ratings.db"
    url = f"sqlite:///{db}"
    settings = BackupSettings(directory=tmp_path / "backups", keep=3)
    doc = document()

    first = store_predictions(subset(doc, IDS[:1]), url, backup=settings)
    assert first.backup is None  # nothing existed yet
    made = []
    for n in range(2, 7):
        result = store_predictions(subset(doc, IDS[:n]), url, backup=settings)
        made.append(result.backup)

    kept = backups_of(db, settings.directory)
    assert kept == made[-3:]
    assert not any(p.exists() for p in made[:-3])
    assert [p.name for p in settings.directory.iterdir()] and all(p.suffix == ".db" for p in settings.directory.iterdir())
    # Each backup is a complete database as it was before its run: run n backed up n-1 games.
    for n, path in zip(range(4, 7), kept):
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM games").fetchone() == (n - 1,)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_keep_below_one_is_refused() -> None:
    from nba_predictions.errors import UsageError

    with pytest.raises(UsageError, match="BACKUP_KEEP=0"):
        BackupSettings(directory=Path("backups"), keep=0)


@pytest.mark.postgres
def test_postgres_backups_are_left_to_pg_dump(postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="nba_predictions")
    result = store_predictions(document(), postgres_url, backup=BackupSettings(tmp_path / "backups", keep=2))
    assert result.backup is None and not (tmp_path / "backups").exists()
    assert "pg_dump" in caplog.text


# -- the PostgreSQL server is required on CI ----------------------------------------------------


@pytest.mark.parametrize(("ci", "outcome"), [(None, "skipped"), ("false", "skipped"), ("true", "error")],
                         ids=["local", "CI=false", "CI"])
def test_postgres_cases_fail_on_ci_without_a_server_and_skip_locally(ci: str | None, outcome: str) -> None:
    """A CI whose PostgreSQL server did not start must not pass with its PostgreSQL cases skipped."""
    env = {k: v for k, v in os.environ.items() if k not in (PG_ENV, "CI")}
    if ci is not None:
        env["CI"] = ci
    case = f"{Path(__file__).resolve()}::test_postgres_backups_are_left_to_pg_dump"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", case],
                          env=env, capture_output=True, text=True, timeout=300)

    assert f"1 {outcome}" in done.stdout, done.stdout + done.stderr
    assert PG_ENV in done.stdout and "start_postgres.sh" in done.stdout
    # A fixture that fails reports the case as an error: pytest exits non-zero, the CI run is red.
    assert (done.returncode != 0) == (outcome == "error")
    if outcome == "error":
        assert "CI is set, so the PostgreSQL cases must run" in done.stdout


# -- credentials --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_credentials_never_reach_logs_or_errors(postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    password = parse_url(postgres_url).password
    assert password
    caplog.set_level(logging.DEBUG)  # everything, SQLAlchemy and Alembic included

    store_predictions(document(), postgres_url)
    record_run(postgres_url, RunRecord(DAY, ("storage",), None, 11, 11, 11, 0, 0, "ok", (),
                                       datetime.now(timezone.utc)))
    games_for_date(postgres_url, DAY)
    wrong = parse_url(postgres_url).set(password="not-the-password-x7")
    with pytest.raises(StorageError) as caught:
        store_predictions(document(), wrong.render_as_string(hide_password=False))

    assert "***" in caplog.text  # the URL was logged, masked
    for secret in (password, "not-the-password-x7"):
        assert secret not in caplog.text
        assert secret not in str(caught.value)
    assert "nba_test:***@127.0.0.1" in str(caught.value)


def test_urls_are_masked_and_normalised() -> None:
    assert masked("postgresql+psycopg://ann:s3cr%40t@db.example:5432/nba") == "postgresql+psycopg://ann:***@db.example:5432/nba"
    assert parse_url("postgresql://ann:pw@h/nba").drivername == "postgresql+psycopg"
    assert parse_url("postgres://ann:pw@h/nba").drivername == "postgresql+psycopg"
    assert masked("sqlite:///data/nba_predictions.db") == "sqlite:///data/nba_predictions.db"
    with pytest.raises(StorageError, match="unsupported database 'mysql'") as caught:
        parse_url("mysql://ann:hunter2@h/nba")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StorageError, match="in-memory SQLite"):
        parse_url("sqlite://")
    with pytest.raises(StorageError, match="not a valid URL") as caught:
        parse_url("hunter2 is not a url")
    assert "hunter2" not in str(caught.value)


def test_settings_and_records_import_without_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "import nba_predictions.storage, nba_predictions.storage.backup, nba_predictions.storage.records\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
