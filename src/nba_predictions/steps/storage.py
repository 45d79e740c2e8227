"""Storage step: save a predictions document's ratings into the database, spoiler-free.

Public functions (wired by :mod:`nba_predictions.runs.pipeline` and :mod:`nba_predictions.cli`), each
handed a :class:`~nba_predictions.storage.database.Database` the caller opened once for its run:

* :func:`store_predictions` - the step: one transaction for the whole document.
* :func:`record_run` - one row of ``pipeline_runs``.
* :func:`games_for_date`, :func:`render_table`, :func:`render_json` - ``nba-predictions show``.
* :func:`check_database` - ``--validate``: which kind of database a URL points at.

This module imports SQLAlchemy; the pipeline imports it only when storage runs or ``show`` is
asked for.
"""

from __future__ import annotations

import json
import logging
import os
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
from nba_predictions.storage.detect import EMPTY, OURS, WEB_APP, classify
from nba_predictions.storage.engine import connection_errors, masked, parse_url, reason, sqlite_path, write_transaction
from nba_predictions.storage.migrate import check_finding
from nba_predictions.storage.records import RatedGame, RunRecord, StoreResult
from nba_predictions.storage.rows import check_known_teams, detail_row, game_row, team_rows
from nba_predictions.storage.schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)

__all__ = [
    "BackupSettings",
    "Database",
    "RatedGame",
    "RunRecord",
    "StoreResult",
    "Written",
    "backup_before_writing",
    "check_database",
    "connect",
    "games_for_date",
    "open_database",
    "rated_game_ids",
    "record_run",
    "render_json",
    "render_table",
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
    rows = [game_row(p, doc.metadata.model_version, predicted_at, now) for p in doc.predictions]
    details = [detail_row(p) for p in doc.predictions]
    backup_path = _backup(db, backup, now) if backup is not None else None
    written = store_rows(db, rows, details, force=force)
    result = StoreResult(
        saved=len(written.inserted) + len(written.filled),
        updated=len(written.updated),
        skipped=len(written.kept),
        backup=backup_path,
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
            to_fill = queries.unrated(conn, (row["id"] for row in stored))
            rerate = stored if force else [row for row in stored if row["id"] in to_fill]
            queries.rerate_games(conn, rerate)
            queries.upsert_details(
                conn, [by_id[game_id] for game_id in sorted(inserted | {row["id"] for row in rerate})]
            )
    except SQLAlchemyError as exc:
        raise StorageError(
            f"storing {len(rows)} predictions in {db.name} failed, nothing was saved: {reason(exc)}"
        ) from exc
    rerated = {row["id"] for row in rerate}
    return Written(
        inserted=inserted,
        filled=set(to_fill),
        updated=rerated - set(to_fill),
        kept={row["id"] for row in stored} - rerated,
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


def check_database(database_url: str) -> str:
    """One line for ``--validate``: reachable? ours, the web app's (will be adopted), empty and
    new, or foreign (refused: :class:`StorageError`)?  Changes nothing: a missing SQLite file is
    not created, no schema is upgraded or adopted.
    """
    url = parse_url(database_url)
    where = masked(url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
        if not os.access(folder, os.W_OK):
            raise StorageError(f"{path} does not exist and {folder} is not writable: pick a writable DATABASE_URL")
        return (
            f"{where}: empty, new (the file does not exist yet); the first storage run creates schema {SCHEMA_REVISION}"
        )
    db = connect(database_url)
    try:
        with connection_errors(url, "checking the database"), db.engine.connect() as conn:
            found = classify(conn)
            check_finding(found, where)  # foreign, or ours from a newer version: refused
            if found.kind == EMPTY:
                return f"{where}: empty, new (no tables of ours or the web app's); the first storage run creates schema {SCHEMA_REVISION}"
            total, rated = queries.count_games(conn)
            teams = queries.count_teams(conn)
            if found.kind == WEB_APP:
                return (
                    f"{where}: the web app's database ({teams} teams, {total} games, no schema revision of ours), "
                    f"will be adopted: the next storage run adds our columns and tables, keeps every row, "
                    f"and stamps schema {SCHEMA_REVISION}"
                )
            assert found.kind == OURS
            if found.revision != SCHEMA_REVISION:
                return (
                    f"{where}: ours at schema {found.revision}; the next storage run upgrades it to {SCHEMA_REVISION}"
                )
            return f"{where}: ours at schema {found.revision}, {teams} teams, {total} games stored ({rated} rated)"
    finally:
        db.close()


def games_for_date(db: Database, day: date, *, spoilers: bool = False) -> list[RatedGame]:
    """The stored games played on ``day``, best rated first; their details only with ``spoilers``."""
    db.prepare()
    with connection_errors(db.url, "reading the games"), db.engine.connect() as conn:
        return queries.rated_games_on(conn, day, spoilers=spoilers)


def render_table(games: Sequence[RatedGame], day: date) -> str:
    """A terminal table: rank, matchup (away @ home), rating, class.  No scores.

    Games read with spoilers get one more column, the features that moved the rating most.
    """
    if not games:
        return f"No rated games on {day.isoformat()}."
    spoiling = any(g.spoilers is not None for g in games)
    header = ("#", "Matchup", "Rating", "Class", *(("Why (SPOILERS)",) if spoiling else ()))
    rows = [
        (
            str(rank),
            f"{g.away.abbreviation or g.away.id} @ {g.home.abbreviation or g.home.id}",
            "-" if g.rating is None else f"{g.rating:.1f}",
            g.classification or "-",
            *((_why(g),) if spoiling else ()),
        )
        for rank, g in enumerate(games, start=1)
    ]
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]
    right = (True, False, True, False, False)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()

    title = f"NBA games of {day.isoformat()}, most watchable first"
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _why(game: RatedGame) -> str:
    if game.spoilers is None:
        return "-"
    return ", ".join(f"{feature} {contribution:+.1f}" for feature, contribution in game.spoilers.explanation[:3])


def render_json(games: Sequence[RatedGame]) -> str:
    """A JSON array of the games, best first (see :meth:`RatedGame.to_json`).  No scores."""
    return json.dumps([g.to_json() for g in games], indent=2)


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
