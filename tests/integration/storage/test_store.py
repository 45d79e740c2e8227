"""The storage step on real databases: what it writes, skip/force, transactions, concurrency,
run records and backups."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from nba_predictions.core import teams as team_table
from nba_predictions.documents.models import Predictions
from nba_predictions.errors import ArtifactError, StorageError
from nba_predictions.steps.storage import BackupSettings, RunRecord, record_run, store_predictions
from nba_predictions.storage import queries
from nba_predictions.storage.backup import backups_of
from nba_predictions.storage.database import connect
from nba_predictions.storage.engine import make_engine, parse_url
from tests.integration.storage.helpers import FIXTURE, IDS, decoded, document, dump, rerated, rows_of, store, subset

DAY = date(2024, 1, 15)


def test_first_use_creates_the_database_seeds_30_teams_and_stores_every_game(database_url: str) -> None:
    doc = document()
    path = parse_url(database_url).database if database_url.startswith("sqlite") else None
    if path:
        assert not Path(path).exists()

    result = store(doc, database_url)

    assert (result.saved, result.updated, result.skipped) == (11, 0, 0)
    if path:
        assert Path(path).is_file()
    teams = rows_of(database_url, "teams")
    # All 30 franchises, today's names and conferences, ids as text: not only the 22 that played.
    assert sorted(teams) == [str(t) for t in team_table.team_ids()]
    assert teams["1610612747"] == {
        "id": "1610612747",
        "abbreviation": "LAL",
        "name": "Los Angeles Lakers",
        "conference": "West",
    }
    assert teams["1610612751"]["abbreviation"] == "BKN" and teams["1610612751"]["conference"] == "East"
    games = rows_of(database_url, "games")
    assert sorted(games) == sorted(IDS)
    by_id = {p.game_id: p for p in doc.predictions}
    game = games["0022300565"]  # OKC @ LAL
    assert game["date"] == "2024-01-15"  # text, as the web app matches it, on both backends
    assert (game["home_team_id"], game["away_team_id"]) == ("1610612747", "1610612760")
    assert game["prediction_rating"] == pytest.approx(by_id["0022300565"].rating)
    assert (game["season"], game["classification"]) == ("2023-24", by_id["0022300565"].classification)
    assert game["model_version"] == doc.metadata.model_version
    details = rows_of(database_url, "game_details", key="game_id")
    assert sorted(details) == sorted(IDS)
    assert decoded(details["0022300565"]["features"]) == by_id["0022300565"].features.model_dump(mode="json")
    assert decoded(details["0022300565"]["explanation"]) == [
        c.model_dump(mode="json") for c in by_id["0022300565"].top_features
    ]


def test_the_storage_step_uses_the_database_it_is_handed_for_many_documents(database_url: str) -> None:
    """One Database for a whole run (a backfill stores many dates through it)."""
    db = connect(database_url)
    try:
        results = [store_predictions(subset(document(), IDS[i : i + 3]), db) for i in range(0, 11, 3)]
        record_run(
            db,
            RunRecord(
                target_date=DAY,
                steps=("storage",),
                source=None,
                found=11,
                processed=11,
                saved=11,
                skipped=0,
                failed=0,
                status="ok",
                errors=(),
                started_at=datetime.now(timezone.utc),
            ),
        )
    finally:
        db.close()
    assert sum(r.saved for r in results) == 11
    assert len(dump(database_url)["pipeline_runs"]) == 1


def test_storing_the_same_document_twice_is_a_no_op(database_url: str) -> None:
    doc = document()
    store(doc, database_url)
    first = dump(database_url)

    again = store(doc, database_url)

    assert (again.saved, again.updated, again.skipped) == (0, 0, 11)
    assert dump(database_url) == first


def test_rated_games_are_skipped_unless_forced_and_force_rewrites_ratings_only(database_url: str) -> None:
    doc, newer = document(), rerated(document())
    store(doc, database_url)
    before = rows_of(database_url, "games")

    skipped = store(newer, database_url)
    assert (skipped.saved, skipped.updated, skipped.skipped) == (0, 0, 11)
    assert rows_of(database_url, "games") == before

    time.sleep(0.01)  # updated_at must move on (a comparison, not a timing assumption)
    forced = store(newer, database_url, force=True)
    assert (forced.saved, forced.updated, forced.skipped) == (0, 11, 0)
    after = rows_of(database_url, "games")
    details = rows_of(database_url, "game_details", key="game_id")
    wanted = {p.game_id: p for p in newer.predictions}
    for game_id, row in after.items():
        old, p = before[game_id], wanted[game_id]
        assert (
            row["prediction_rating"] == pytest.approx(p.rating) and row["prediction_rating"] != old["prediction_rating"]
        )
        assert row["classification"] == p.classification
        assert row["model_version"] == "1.1"
        assert decoded(details[game_id]["explanation"]) == [{"feature": "lead_changes", "contribution": 1.25}]
        assert decoded(details[game_id]["features"]) == p.features.model_dump(mode="json")
        assert str(row["updated_at"]) > str(old["updated_at"])
        assert row["predicted_at"] != old["predicted_at"]
        assert {k for k in row if row[k] != old[k]} <= set(queries.RERATED_COLUMNS)


def test_storage_doc_lists_exactly_the_columns_force_rewrites() -> None:
    """docs/STORAGE.md tells operators what --force rewrites; it must be the code's list."""
    import re

    doc = (Path(__file__).parents[3] / "docs" / "STORAGE.md").read_text()
    paragraph = doc[doc.index("rewrites exactly these columns") :]
    paragraph = paragraph[: paragraph.index("stay unchanged")]
    rewritten, unchanged = paragraph.split("`id`", 1)
    named = set(re.findall(r"`([a-z_]+)`", rewritten)) - {"force", "games", "game_details"}
    assert named == set(queries.RERATED_COLUMNS) | set(queries.DETAIL_COLUMNS)
    assert "`created_at`" in unchanged


def test_a_mixed_document_counts_saved_updated_and_skipped(database_url: str) -> None:
    store(subset(document(), IDS[:4]), database_url)

    plain = store(document(), database_url)
    assert (plain.saved, plain.updated, plain.skipped) == (7, 0, 4)
    forced = store(subset(rerated(document()), IDS[2:6]), database_url, force=True)
    assert (forced.saved, forced.updated, forced.skipped) == (0, 4, 0)
    assert len(rows_of(database_url, "games")) == 11


VERSIONS = [document(), rerated(document(), -7.5), rerated(document(), +3.0)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sets(st.sampled_from(IDS)), st.booleans(), st.integers(0, len(VERSIONS) - 1)),
        min_size=1,
        max_size=4,
    )
)
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
            result = store(doc, url, force=force)
            assert {"saved": result.saved, "updated": result.updated, "skipped": result.skipped} == wanted
            games = rows_of(url, "games")
            assert {k: v["prediction_rating"] for k, v in games.items()} == pytest.approx(expected)
            assert set(rows_of(url, "game_details", key="game_id")) == set(games)
            assert len(rows_of(url, "teams")) == 30


def test_a_document_listing_a_game_twice_is_refused(database_url: str) -> None:
    doc = document()
    twice = Predictions.model_construct(metadata=doc.metadata, predictions=[*doc.predictions, doc.predictions[0]])
    with pytest.raises(ArtifactError, match="lists game 0022300555 twice"):
        store(twice, database_url)


def test_a_team_outside_the_30_adds_no_team_and_nothing_else(database_url: str) -> None:
    """Storage never invents a team: a document naming an unknown id is refused whole."""
    doc = document()
    store(subset(doc, IDS[:2]), database_url)
    before = dump(database_url)
    predictions = list(doc.predictions)
    raw = predictions[5].raw_data.model_copy(update={"home_team_id": 1610612799})
    predictions[5] = predictions[5].model_copy(update={"raw_data": raw})
    bad = Predictions.model_construct(metadata=doc.metadata, predictions=predictions)

    with pytest.raises(ArtifactError, match=f"game {IDS[5]}: home_team_id 1610612799 is not one of the 30 NBA teams"):
        store(bad, database_url)

    assert dump(database_url) == before
    assert "1610612799" not in rows_of(database_url, "teams")


# -- transactions -------------------------------------------------------------------------------


def fail_on_game(url: str, game_id: str) -> None:
    """A trigger that makes the database itself refuse one game, inserted or updated."""
    engine = make_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                for event in ("INSERT", "UPDATE"):
                    conn.execute(
                        text(
                            f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON games WHEN NEW.id = '{game_id}' "
                            "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
                        )
                    )
            else:
                conn.execute(
                    text(
                        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'refused by the test trigger'; END $$"
                    )
                )
                conn.execute(
                    text(
                        f"CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON games FOR EACH ROW "
                        f"WHEN (NEW.id = '{game_id}') EXECUTE FUNCTION refuse()"
                    )
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("force", [False, True], ids=["insert", "force-update"])
def test_a_failure_mid_batch_leaves_the_database_as_it_was(database_url: str, force: bool) -> None:
    doc = document()
    store(subset(doc, IDS[:5]), database_url)
    # insert: a new game (the ninth) fails after seven good rows went in;
    # force-update: the new games are inserted, then re-rating a stored one (the third) fails.
    fail_on_game(database_url, IDS[2] if force else IDS[8])
    before = dump(database_url)

    with pytest.raises(StorageError, match="nothing was saved.*refused by the test trigger"):
        store(rerated(doc) if force else doc, database_url, force=force)

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
            results[i] = store(subset(doc, parts[i]), database_url, force=force)
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
        assert sorted(rows_of(database_url, "games")) == sorted(IDS)
        assert len(rows_of(database_url, "teams")) == 30


def test_two_storage_processes_at_once_lose_and_duplicate_nothing(database_url: str) -> None:
    halves = [IDS[0:7], IDS[4:11]]
    start_at = time.time() + 3.0  # both processes are importing by then; they start together
    child = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from nba_predictions.documents.models import Predictions\n"
        "from nba_predictions.steps.storage import open_database, store_predictions\n"
        "url, path, ids, start = sys.argv[1], sys.argv[2], sys.argv[3].split(','), float(sys.argv[4])\n"
        "data = json.loads(Path(path).read_text())\n"
        "data['predictions'] = [p for p in data['predictions'] if p['game_id'] in ids]\n"
        "data['metadata']['total_games'] = len(data['predictions'])\n"
        "doc = Predictions.model_validate(data)\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "with open_database(url) as db:\n"
        "    r = store_predictions(doc, db)\n"
        "print(json.dumps([r.saved, r.updated, r.skipped]))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", child, database_url, str(FIXTURE), ",".join(ids), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ids in halves
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
    counts = [json.loads(out) for out, _err in outputs]
    assert sum(c[0] for c in counts) == 11
    assert sum(c[2] for c in counts) == 3  # the three games both documents list
    assert sorted(rows_of(database_url, "games")) == sorted(IDS)


# -- pipeline runs ------------------------------------------------------------------------------


def test_record_run_appends_a_row(database_url: str) -> None:
    started = datetime(2024, 1, 16, 10, 0, 5, tzinfo=timezone.utc)
    run = RunRecord(
        target_date=DAY,
        steps=("collection", "features", "prediction", "storage"),
        source="archive",
        found=12,
        processed=11,
        saved=11,
        skipped=0,
        failed=1,
        status="partial",
        errors=("0022300999 (features): no play-by-play",),
        started_at=started,
        finished_at=started + timedelta(seconds=42),
    )
    db = connect(database_url)
    try:
        first = record_run(db, run)
        second = record_run(db, run)
    finally:
        db.close()

    assert second > first
    rows = dump(database_url, ("pipeline_runs",))["pipeline_runs"]
    assert len(rows) == 2
    row = rows[0]
    assert row[1] == DAY
    assert list(row[2]) == ["collection", "features", "prediction", "storage"]
    assert row[3:11] == ("archive", 12, 11, 11, 0, 1, "partial", ["0022300999 (features): no play-by-play"])
    assert (row[11], row[12]) == (started, started + timedelta(seconds=42))


def test_run_record_from_a_run_summary() -> None:
    from dataclasses import replace

    from nba_predictions.documents.models import SkippedGame
    from nba_predictions.runs.summary import RunSummary

    summary = RunSummary(
        steps=["prediction", "storage"],
        target_date=DAY,
        found=3,
        processed=2,
        saved=2,
        failed=[SkippedGame(game_id="0022300561", step="features", reason="timeline gap")],
        started_at=datetime(2024, 1, 16, tzinfo=timezone.utc),
    )
    record = summary.record()
    assert record.status == "partial"
    assert record.failed == 1 and record.errors == ("0022300561 (features): timeline gap",)
    assert record.finished_at is not None and record.finished_at > record.started_at
    with pytest.raises(ValueError, match="run status 'done'"):
        replace(record, status="done")


# -- backups ------------------------------------------------------------------------------------


def test_sqlite_backups_are_taken_before_each_run_and_pruned_to_keep(tmp_path: Path) -> None:
    db_file = tmp_path / "ratings.db"
    url = f"sqlite:///{db_file}"
    backup = BackupSettings(directory=tmp_path / "backups", keep=3)
    doc = document()

    db = connect(url)
    try:
        first = store_predictions(subset(doc, IDS[:1]), db, backup=backup)
        assert first.backup is None  # nothing existed yet
        made = [store_predictions(subset(doc, IDS[:n]), db, backup=backup).backup for n in range(2, 7)]
    finally:
        db.close()

    kept = backups_of(db_file, backup.directory)
    assert kept == made[-3:]
    assert not any(p.exists() for p in made[:-3])
    assert all(p.suffix == ".db" for p in backup.directory.iterdir())
    # Each backup is a complete database as it was before its run: run n backed up n-1 games.
    for n, path in zip(range(4, 7), kept):
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM games").fetchone() == (n - 1,)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_keep_below_one_is_refused() -> None:
    from nba_predictions.errors import UsageError

    with pytest.raises(UsageError, match="BACKUP_KEEP=0"):
        BackupSettings(directory=Path("backups"), keep=0)


def test_a_backfill_opens_the_database_once_and_its_resources_close_it(tmp_path: Path, monkeypatch) -> None:
    """Issue 12's many dates per run go through one Database: one engine, one schema check."""
    from nba_predictions.config import Settings
    from nba_predictions.runs.backfill import backfill
    from nba_predictions.runs.resources import Resources
    from nba_predictions.storage import database as database_module

    opened: list = []
    real_connect = database_module.connect

    def counting_connect(url: str, **options):
        opened.append(real_connect(url, **options))
        return opened[-1]

    monkeypatch.setattr(database_module, "connect", counting_connect)
    url = f"sqlite:///{tmp_path}/ratings.db"
    settings = Settings.resolve({"database": url, "source": "archive"}, {})
    with Resources(settings) as resources:
        summary = backfill(resources, date(2024, 1, 14), date(2024, 1, 16))
    assert summary.ok and summary.dates is not None and summary.saved == sum(day.saved for day in summary.dates) == 19
    assert len(opened) == 1 and resources._database is None  # closed with the run's resources
    assert len(dump(url, ("pipeline_runs",))["pipeline_runs"]) == 1  # one row for the backfill
