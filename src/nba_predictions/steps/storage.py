"""Storage step: save a predictions document's ratings into the database, spoiler-free.

Public functions (wired by :mod:`nba_predictions.runs` and :mod:`nba_predictions.cli`), each
handed a :class:`~nba_predictions.storage.database.Database` the caller opened once for its run:

* :func:`store_predictions` - the step: one transaction for the whole document.
* :func:`store_rows`, :func:`rated_game_ids` - a backfill's chunks, and what it leaves alone.
* :func:`record_run` - one row of ``pipeline_runs``.
* :func:`games_for_date` - what ``nba-predictions show`` lists (rendered by :mod:`nba_predictions.cli.show`):
  it only reads, on a database opened with :func:`connect_read_only`.
* :func:`adopt_database` - ``nba-predictions adopt``: the web app's database made ours (or ours
  brought up to date) in one transaction.

This module imports SQLAlchemy; the pipeline imports it only when storage runs or ``show`` is
asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from nba_predictions.documents.models import Predictions
from nba_predictions.errors import ArtifactError, StorageError
from nba_predictions.storage import queries
from nba_predictions.storage.backup import BackupSettings, backup_sqlite
from nba_predictions.storage.database import Database, connect, connect_read_only, open_database
from nba_predictions.storage.detect import OURS, WEB_APP, Finding
from nba_predictions.storage.engine import (
    connection_errors,
    connection_lost,
    disk_fix,
    reason,
    unreachable_message,
    write_transaction,
)
from nba_predictions.storage.migrate import check_finding
from nba_predictions.storage.records import RatedGame, RunRecord, StoreResult
from nba_predictions.storage.rows import check_known_teams, prediction_rows, team_rows
from nba_predictions.storage.schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)
# A lost connection is said whatever the run: a backfill quiets this module's per-document lines
# (the "nba_predictions.steps" loggers), not this one.
connection_logger = logging.getLogger("nba_predictions.storage.connection")

STORE_ATTEMPTS = 2
"""Transactions :func:`store_rows` tries when the PostgreSQL connection is lost under it (a server
restarted between or during a backfill's chunks): the second, on a fresh connection, either
writes the rows or finds the server still gone and fails in one line."""

__all__ = [
    "Adoption",
    "BackupSettings",
    "Database",
    "RatedGame",
    "RunRecord",
    "StoreResult",
    "Written",
    "adopt_database",
    "backup_before_writing",
    "connect",
    "connect_read_only",
    "games_for_date",
    "open_database",
    "rated_game_ids",
    "record_run",
    "store_predictions",
    "store_rows",
]


def store_predictions(
    doc: Predictions,
    db: Database,
    *,
    force: bool = False,
    backup: BackupSettings | None = None,
) -> StoreResult:
    """Save every prediction of ``doc`` in one transaction.

    The 30 teams are written (today's names), new games are inserted with their
    ``game_details``; games already rated are skipped (counted in ``skipped``) unless ``force``,
    which rewrites their rating columns (:data:`~nba_predictions.storage.queries.RERATED_COLUMNS`)
    and details (``created_at``, date and teams stay).  A stored game without a rating (a row
    the web app's original job made) is rated and counted as saved.  Any failure rolls the whole
    document back and raises :class:`StorageError`.  With ``backup`` set and a SQLite database,
    the file is first copied to ``backup.directory`` (newest ``backup.keep`` kept), before any
    schema upgrade.
    """
    started = time.perf_counter()
    _check_unique(doc)
    check_known_teams(doc.predictions)
    now = datetime.now(timezone.utc)
    predicted_at = _utc(doc.metadata.timestamp)
    rows, details = prediction_rows(doc.predictions, doc.metadata.model_version, predicted_at, now)
    backup_path = _backup(db, backup, now) if backup is not None else None
    written = store_rows(db, rows, details, force=force)
    result = StoreResult(
        saved=len(written.inserted) + len(written.filled),
        updated=len(written.updated),
        skipped=len(written.kept),
        backup=backup_path,
        written_ids=tuple(sorted(written.inserted | written.filled | written.updated)),
    )
    logger.info(
        "storage: %d predictions in, %d saved, %d updated, %d skipped%s, %.2f s",
        len(rows),
        result.saved,
        result.updated,
        result.skipped,
        " (already rated; --force re-rates them)" if result.skipped else "",
        time.perf_counter() - started,
    )
    return result


@dataclass(frozen=True)
class Written:
    """Which games one :func:`store_rows` transaction wrote, by id."""

    inserted: set[str]  # new games
    filled: set[str]  # stored without a rating (the web app's original job), now rated
    updated: set[str]  # already rated, re-rated because of force
    kept: set[str]  # already rated, left alone


def store_rows(
    db: Database, rows: Sequence[dict[str, object]], details: Sequence[dict[str, object]], *, force: bool = False
) -> Written:
    """Write ``games`` rows (:func:`~nba_predictions.storage.rows.game_row`) and their ``game_details``
    rows in one transaction on ``db`` (its schema prepared first), by the rules of
    :func:`store_predictions`; any failure rolls all of it back and raises :class:`StorageError`."""
    db.prepare()
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            inserted, to_fill, stored, rerate = _store_once(db, rows, details, force)
            break
        except SQLAlchemyError as exc:
            lost = connection_lost(db.url, exc)
            if lost and attempt < STORE_ATTEMPTS:
                # The transaction never committed (or, cut during COMMIT, did: its games then
                # count as already stored); a fresh connection writes the same rows again.
                connection_logger.warning(
                    "storage: lost the connection to %s (%s); trying once more", db.name, reason(exc)
                )
                continue
            if lost:
                raise StorageError(
                    unreachable_message(
                        db.url, exc, f"these {len(rows)} predictions were not saved (what was stored before is kept)"
                    )
                ) from exc
            fix = disk_fix(db.url, exc)
            raise StorageError(
                f"storing {len(rows)} predictions in {db.name} failed, nothing was saved: {reason(exc)}"
                + (f"; {fix}" if fix else "")
            ) from exc
    rerated = {str(row["id"]) for row in rerate}
    return Written(
        inserted=inserted,
        filled=set(to_fill),
        updated=rerated - set(to_fill),
        kept={str(row["id"]) for row in stored} - rerated,
    )


def _store_once(
    db: Database, rows: Sequence[dict[str, object]], details: Sequence[dict[str, object]], force: bool
) -> tuple[set[str], set[str], list[dict[str, object]], list[dict[str, object]]]:
    """One transaction of :func:`store_rows`: (inserted, to fill, stored before, re-rated)."""
    by_id = {row["game_id"]: row for row in details}
    with write_transaction(db.engine) as conn:
        queries.seed_teams(conn, team_rows())
        inserted = queries.insert_new_games(conn, rows)
        stored = [row for row in rows if row["id"] not in inserted]
        to_fill = set(queries.unrated(conn, (str(row["id"]) for row in stored)))
        rerate = stored if force else [row for row in stored if row["id"] in to_fill]
        queries.rerate_games(conn, rerate)
        queries.upsert_details(
            conn, [by_id[game_id] for game_id in sorted(inserted | {str(row["id"]) for row in rerate})]
        )
    return inserted, to_fill, stored, rerate


def rated_game_ids(db: Database, first: date, last: date) -> set[str]:
    """Ids of the games from ``first`` to ``last`` already stored with a rating (one query): what a
    resumed backfill leaves alone."""
    db.prepare()
    with connection_errors(db.url, "reading the stored games"), db.engine.connect() as conn:
        return queries.rated_ids_between(conn, first, last)


def backup_before_writing(db: Database, backup: BackupSettings) -> Path | None:
    """The SQLite backup a run takes before its first write (see :func:`store_predictions`)."""
    return _backup(db, backup, datetime.now(timezone.utc))


def _backup(db: Database, backup: BackupSettings, now: datetime) -> Path | None:
    path = db.sqlite_file
    if path is None:
        logger.warning("backup: BACKUP_ENABLED applies to SQLite only; back up %s with pg_dump", db.name)
        return None
    return backup_sqlite(path, backup, now)


def record_run(db: Database, run: RunRecord) -> int:
    """Append ``run`` to ``pipeline_runs``; returns its id."""
    db.prepare()
    with connection_errors(db.url, "recording the pipeline run"), write_transaction(db.engine) as conn:
        run_id = queries.insert_run(conn, run)
    logger.debug("pipeline run %d recorded in %s (%s)", run_id, db.name, run.status)
    return run_id


def games_for_date(db: Database, day: date, *, spoilers: bool = False) -> list[RatedGame]:
    """The stored games played on ``day``, best rated first; their details only with ``spoilers``.

    Reads only: the schema is never created, upgraded or adopted here (open ``db`` with
    :func:`connect_read_only` and the database refuses any write itself).  Ours at the newest
    revision is read whole; the web app's, not adopted yet, from its own columns (no class, no
    spoilers), with a warning naming ``nba-predictions adopt``; anything else is refused with
    one :class:`StorageError` naming the fix (:meth:`Database.readable`).
    """
    found = db.readable()
    if found.kind == WEB_APP:
        logger.warning(
            "%s is the original web app's database, not adopted yet: listed from its own columns (no class, "
            "no spoilers), nothing written; nba-predictions adopt --database %s adopts it",
            db.name,
            db.name,
        )
    with connection_errors(db.url, "reading the games"), db.engine.connect() as conn:
        return queries.rated_games_on(conn, day, spoilers=spoilers, adopted=found.kind == OURS)


@dataclass(frozen=True)
class Adoption:
    """What :func:`adopt_database` found and did."""

    before: Finding  # the database before (ours at some revision, or the web app's)
    changed: bool  # False: it was ours at the newest revision already
    teams: int  # rows of teams and games after
    games: int
    backup: Path | None = None


def adopt_database(db: Database, backup: BackupSettings | None = None) -> Adoption:
    """``nba-predictions adopt``: make the web app's database ours (or bring an older one of ours up
    to date), in one transaction with all its checks: a conflict (a teams row holding one of the
    30 teams' abbreviations under another id, ...) leaves it exactly as it was and raises
    :class:`StorageError` naming it.  An empty or foreign database is refused, nothing written.
    With ``backup`` and a SQLite database that changes, the file is copied first.
    """
    current = Finding(OURS, SCHEMA_REVISION)
    before = db.finding()
    backup_path = None
    if before != current:
        check_finding(before, db.name, create=False)  # refused before any backup is taken
        if backup is not None:
            backup_path = _backup(db, backup, datetime.now(timezone.utc))
        before = db.adopt()  # what it was when the adoption's lock was taken
    with connection_errors(db.url, "counting the games"), db.engine.connect() as conn:
        total, _rated = queries.count_games(conn)
        teams = queries.count_teams(conn)
    return Adoption(before=before, changed=before != current, teams=teams, games=total, backup=backup_path)


# -- rows ---------------------------------------------------------------------------------------


def _check_unique(doc: Predictions) -> None:
    seen: set[str] = set()
    for p in doc.predictions:
        if p.game_id in seen:
            raise ArtifactError(
                f"the predictions document lists game {p.game_id} twice: regenerate it with --until-step prediction"
            )
        seen.add(p.game_id)


def _utc(moment: datetime) -> datetime:
    # A document timestamp without a zone is taken as UTC (the pipeline writes UTC).
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
