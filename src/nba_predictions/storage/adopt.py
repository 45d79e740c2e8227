"""Adopt the web app's database: turn its ``teams``/``games`` into our revision 0002 in place.

The web app (and the job it shipped with) made ``teams`` and ``games`` from its schema.sql and
recorded no migration history.  Adopting adds what revision 0002 has beyond them, and nothing
else: our nullable columns at the end of ``games`` (``ALTER TABLE ... ADD COLUMN``; no table is
rebuilt, so every row and column of the web app stays as it was, its sample rows included), the
web app's indexes where missing, ``game_details`` and ``pipeline_runs``.  The caller
(:func:`nba_predictions.storage.migrate.upgrade`, for the first storage run on the database and
for ``nba-predictions adopt``) runs, in one transaction: :func:`check_adoptable` before anything is
written, :func:`adopt`, the stamp of :data:`ADOPTED_REVISION` and any later migrations, then
:func:`seed_adopted`.  A conflict anywhere rolls all of it back: the database is as it was.

:func:`adopt` is frozen like a migration: it builds revision 0002, whatever the newest revision
is.  The checks and the seeding are not: they read and write the tables as they are now.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from nba_predictions.errors import StorageError
from nba_predictions.storage.engine import reason
from nba_predictions.storage.frozen import (
    GAMES_OUR_COLUMNS_0002,
    create_game_details_0002,
    create_games_indexes_0002,
    create_pipeline_runs_0001,
)

logger = logging.getLogger(__name__)

ADOPTED_REVISION = "0002"


def adopt(conn: Connection) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from nba_predictions.storage.schema import metadata  # its naming convention, as migrations/env.py configures it

    op = Operations(MigrationContext.configure(conn, opts={"target_metadata": metadata}))
    inspector = inspect(conn)
    present = {column["name"] for column in inspector.get_columns("games")}
    added = [name for name, _type in GAMES_OUR_COLUMNS_0002 if name not in present]
    for name, type_ in GAMES_OUR_COLUMNS_0002:
        if name in added:
            op.add_column("games", sa.Column(name, type_, nullable=True))
    create_games_indexes_0002(op, existing={ix["name"] for ix in inspector.get_indexes("games") if ix["name"]})
    create_game_details_0002(op)
    create_pipeline_runs_0001(op)
    logger.info(
        "adopted the web app's database: games gained %s; game_details and pipeline_runs created",
        ", ".join(added) or "no columns",
    )


def check_adoptable(conn: Connection, where: str) -> None:
    """Raise :class:`StorageError`, before anything is written, for what would stop the storage
    runs after adopting: a ``teams`` row under another id holding the abbreviation of one of the
    30 teams (abbreviations are unique, so today's team could never be written)."""
    from nba_predictions.storage.queries import abbreviation_clash
    from nba_predictions.storage.rows import team_rows

    clash = abbreviation_clash(conn, team_rows())
    if clash is not None:
        raise StorageError(f"database {where} cannot be adopted, nothing was changed: {clash}")


def seed_adopted(conn: Connection, where: str) -> None:
    """Give the adopted database today's 30 teams (as every storage run does), inside the
    adoption's transaction: whatever the web app's rows make the database refuse is found
    here, while the adoption can still be rolled back, not by the first storage run after it."""
    from nba_predictions.storage.queries import seed_teams
    from nba_predictions.storage.rows import team_rows

    rows = team_rows()
    try:
        with conn.begin_nested():  # a savepoint: after a refused write the rows can still be read
            written = seed_teams(conn, rows)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"database {where} cannot be adopted, nothing was changed: writing today's 30 teams failed "
            f"({reason(exc)}{_held_elsewhere(conn, rows)}): change or delete that row, then rerun"
        ) from exc
    except StorageError as exc:
        raise StorageError(f"database {where} cannot be adopted, nothing was changed: {exc}") from exc
    stored = {row[0]: row for row in conn.execute(text("SELECT id, abbreviation, name, conference FROM teams"))}
    for row in rows:  # a team an insert skipped (DO NOTHING) because its abbreviation was taken
        if tuple(stored.get(row["id"], ())) != (row["id"], row["abbreviation"], row["name"], row["conference"]):
            raise StorageError(
                f"database {where} cannot be adopted, nothing was changed: team {row['id']} ({row['name']}) "
                f"could not be written{_held_elsewhere(conn, rows)}: change or delete that row, then rerun"
            )
    logger.info("adopted the web app's database: %d teams rows written (today's 30 teams)", written)


def _held_elsewhere(conn: Connection, rows: list[dict[str, str]]) -> str:
    """``; teams row '...' holds ABC, team ...'s abbreviation`` for the first row of one of the 30
    ids that holds another of them's abbreviation (what makes the teams' writes collide), or ''."""
    today = {row["abbreviation"]: row for row in rows}
    stored = conn.execute(text("SELECT id, abbreviation FROM teams ORDER BY id")).all()
    ours = {row["id"] for row in rows}
    for team_id, abbreviation in stored:
        owner = today.get(abbreviation)
        if team_id in ours and owner is not None and owner["id"] != team_id:
            team = f"{owner['id']} ({owner['name']})"
            return f"; teams row {team_id!r} holds {abbreviation}, the abbreviation of team {team}"
    return ""
