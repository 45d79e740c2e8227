"""Storage step: save a predictions document's ratings into the database, spoiler-free.

Public functions (wired by :mod:`nba_predictions.runs` and :mod:`nba_predictions.cli`), each
handed a :class:`~nba_predictions.storage.database.Database` the caller opened once for its run:

* :func:`store_predictions` - the step: one transaction for the whole document.
* :func:`store_rows`, :func:`rated_game_ids` - a backfill's chunks, and what it leaves alone.
* :func:`record_run` - one row of ``pipeline_runs``.
* :func:`games_for_date` - what ``nba-predictions show`` lists (rendered by :mod:`nba_predictions.cli.show`).

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
from nba_predictions.storage.database import Database, connect, open_database
from nba_predictions.storage.engine import connection_errors, reason, write_transaction
from nba_predictions.storage.records import RatedGame, RunRecord, StoreResult
from nba_predictions.storage.rows import check_known_teams, prediction_rows, team_rows

logger = logging.getLogger(__name__)

__all__ = [
    "BackupSettings",
    "Database",
    "RatedGame",
    "RunRecord",
    "StoreResult",
    "Written",
    "backup_before_writing",
    "connect",
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
    by_id = {row["game_id"]: row for row in details}
    db.prepare()
    try:
        with write_transaction(db.engine) as conn:
            queries.seed_teams(conn, team_rows())
            inserted = queries.insert_new_games(conn, rows)
            stored = [row for row in rows if row["id"] not in inserted]
            to_fill = queries.unrated(conn, (str(row["id"]) for row in stored))
            rerate = stored if force else [row for row in stored if row["id"] in to_fill]
            queries.rerate_games(conn, rerate)
            queries.upsert_details(
                conn, [by_id[game_id] for game_id in sorted(inserted | {str(row["id"]) for row in rerate})]
            )
    except SQLAlchemyError as exc:
        raise StorageError(
            f"storing {len(rows)} predictions in {db.name} failed, nothing was saved: {reason(exc)}"
        ) from exc
    rerated = {str(row["id"]) for row in rerate}
    return Written(
        inserted=inserted,
        filled=set(to_fill),
        updated=rerated - set(to_fill),
        kept={str(row["id"]) for row in stored} - rerated,
    )


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
    """The stored games played on ``day``, best rated first; their details only with ``spoilers``."""
    db.prepare()
    with connection_errors(db.url, "reading the games"), db.engine.connect() as conn:
        return queries.rated_games_on(conn, day, spoilers=spoilers)


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
