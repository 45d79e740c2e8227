"""Adopt the web app's database: turn its ``teams``/``games`` into our revision 0002 in place.

The web app (and the job it shipped with) made ``teams`` and ``games`` from its schema.sql and
recorded no migration history.  Adopting adds what revision 0002 has beyond them, and nothing
else: our nullable columns at the end of ``games`` (``ALTER TABLE ... ADD COLUMN``; no table is
rebuilt, so every row and column of the web app stays as it was, its sample rows included), the
web app's indexes where missing, ``game_details`` and ``pipeline_runs``.  The caller
(:func:`nba_predictions.storage.migrate.upgrade`) runs this inside the migration transaction,
then stamps :data:`ADOPTED_REVISION` and applies any later migrations.

Frozen like a migration: it builds revision 0002, whatever the newest revision is.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import Connection, inspect

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
