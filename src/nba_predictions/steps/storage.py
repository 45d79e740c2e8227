"""Storage step: save a predictions document's ratings into the database, spoiler-free.

Public functions (wired by :mod:`nba_predictions.pipeline` and :mod:`nba_predictions.cli`):

* :func:`store_predictions` - the step: one transaction for the whole document.
* :func:`record_run` - one row of ``pipeline_runs``.
* :func:`games_for_date`, :func:`render_table`, :func:`render_json` - ``nba-predictions show``.

This module imports SQLAlchemy; the pipeline imports it only when storage runs or ``show`` is
asked for.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..errors import ArtifactError, StorageError
from ..schemas import Predictions
from ..storage import queries
from ..storage.backup import BackupSettings, backup_sqlite
from ..storage.database import open_database
from ..storage.engine import connection_errors, make_engine, masked, parse_url, reason, sqlite_path, write_transaction
from ..storage.migrate import check_known, current_revision
from ..storage.records import RatedGame, RunRecord, StoreResult
from ..storage.rows import game_row, team_rows
from ..storage.schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)

__all__ = [
    "BackupSettings", "RatedGame", "RunRecord", "StoreResult",
    "check_database", "games_for_date", "record_run", "render_json", "render_table", "store_predictions",
]


def store_predictions(
    doc: Predictions,
    database_url: str,
    *,
    force: bool = False,
    backup: BackupSettings | None = None,
) -> StoreResult:
    """Save every prediction of ``doc`` in one transaction.

    New games are inserted; games already stored are skipped (counted in ``skipped``) unless
    ``force``, which rewrites their rating, classification, features, explanation, model
    version, ``predicted_at`` and ``updated_at`` (``created_at`` stays).  Any failure rolls the
    whole document back and raises :class:`StorageError`.  With ``backup`` set and a SQLite
    database, the file is first copied to ``backup.directory`` (newest ``backup.keep`` kept).
    """
    started = time.perf_counter()
    _check_unique(doc)
    now = datetime.now(timezone.utc)
    predicted_at = _utc(doc.metadata.timestamp)
    rows = [game_row(p, doc.metadata.model_version, predicted_at, now) for p in doc.predictions]
    teams = team_rows(doc.predictions)

    # Before opening: opening may upgrade the schema, and the backup should predate that too.
    backup_path = _backup(database_url, backup, now) if backup is not None else None
    with open_database(database_url) as db:
        try:
            with write_transaction(db.engine) as conn:
                queries.upsert_teams(conn, teams)
                inserted = queries.insert_new_games(conn, rows)
                stored = [row for row in rows if row["id"] not in inserted]
                updated = queries.rerate_games(conn, stored) if force else 0
        except SQLAlchemyError as exc:
            raise StorageError(
                f"storing {len(rows)} predictions in {db.name} failed, nothing was saved: {reason(exc)}"
            ) from exc

    result = StoreResult(saved=len(inserted), updated=updated, skipped=len(rows) - len(inserted) - updated,
                         backup=backup_path)
    logger.info(
        "storage: %d predictions in, %d saved, %d updated, %d skipped%s, %.2f s",
        len(rows), result.saved, result.updated, result.skipped,
        " (already rated; --force re-rates them)" if result.skipped else "",
        time.perf_counter() - started,
    )
    return result


def _backup(database_url: str, backup: BackupSettings, now: datetime) -> Path | None:
    url = parse_url(database_url)
    path = sqlite_path(url)
    if path is None:
        logger.warning("backup: BACKUP_ENABLED applies to SQLite only; back up %s with pg_dump", masked(url))
        return None
    return backup_sqlite(path, backup, now)


def record_run(database_url: str, run: RunRecord) -> int:
    """Append ``run`` to ``pipeline_runs``; returns its id."""
    with open_database(database_url) as db:
        with connection_errors(db.url, "recording the pipeline run"):
            with write_transaction(db.engine) as conn:
                run_id = queries.insert_run(conn, run)
    logger.debug("pipeline run %d recorded in %s (%s)", run_id, db.name, run.status)
    return run_id


def check_database(database_url: str) -> str:
    """One line for ``--validate``: is the database reachable, at which schema revision, how
    many games.  Changes nothing: a missing SQLite file is not created, no schema is upgraded.
    Raises :class:`StorageError` when the database cannot be used.
    """
    url = parse_url(database_url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
        if not os.access(folder, os.W_OK):
            raise StorageError(f"{path} does not exist and {folder} is not writable: pick a writable DATABASE_URL")
        return f"{masked(url)} does not exist yet; the first storage run creates it (schema {SCHEMA_REVISION})"
    engine = make_engine(url)
    try:
        with connection_errors(url, "checking the database"), engine.connect() as conn:
            found = current_revision(conn)
            if found is None:
                return f"{masked(url)} reachable, no tables yet; the first storage run creates them (schema {SCHEMA_REVISION})"
            if found != SCHEMA_REVISION:
                check_known(found, masked(url))
                return f"{masked(url)} at schema {found}; the next storage run upgrades it to {SCHEMA_REVISION}"
            return f"{masked(url)} at schema {found}, {queries.count_games(conn)} games stored"
    finally:
        engine.dispose()


def games_for_date(database_url: str, day: date) -> list[RatedGame]:
    """The stored games played on ``day``, best rated first.  A missing SQLite file is an error."""
    with open_database(database_url, create=False) as db:
        with connection_errors(db.url, "reading the games"):
            with db.engine.connect() as conn:
                return queries.rated_games_on(conn, day)


def render_table(games: Sequence[RatedGame], day: date) -> str:
    """A terminal table: rank, matchup (away @ home), rating, class.  No scores."""
    if not games:
        return f"No rated games on {day.isoformat()}."
    header = ("#", "Matchup", "Rating", "Class")
    rows = [
        (str(rank), f"{g.away.abbreviation} @ {g.home.abbreviation}", f"{g.rating:.1f}", g.classification)
        for rank, g in enumerate(games, start=1)
    ]
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]
    right = (True, False, True, False)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()

    title = f"NBA games of {day.isoformat()}, most watchable first"
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def render_json(games: Sequence[RatedGame]) -> str:
    """A JSON array of the games, best first (see :meth:`RatedGame.to_json`).  No scores."""
    return json.dumps([g.to_json() for g in games], indent=2)


# -- rows ---------------------------------------------------------------------------------------


def _check_unique(doc: Predictions) -> None:
    seen: set[str] = set()
    for p in doc.predictions:
        if p.game_id in seen:
            raise ArtifactError(f"the predictions document lists game {p.game_id} twice: regenerate it with --until-step prediction")
        seen.add(p.game_id)


def _utc(moment: datetime) -> datetime:
    # A document timestamp without a zone is taken as UTC (the pipeline writes UTC).
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
