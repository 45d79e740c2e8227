"""Schema versioning with Alembic; the migrations ship inside the package (``migrations/``).

:func:`upgrade` runs every time a database is opened.  When the database is already at
:data:`~nba_predictions.storage.schema.SCHEMA_REVISION` it costs one query and Alembic is not
even imported.  Otherwise it takes a lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
``pg_advisory_xact_lock``), so two runs starting on a fresh database do not both build the
tables, and applies the missing migrations inside that one transaction: DDL is transactional on
both backends, so a failed upgrade leaves the previous schema and its data in place.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from ..errors import StorageError
from .engine import MIGRATION_LOCK_KEY, write_transaction
from .schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, None for a database without our tables."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(found) > 1:
        raise StorageError(f"the database records several schema revisions ({', '.join(found)}): repair {VERSION_TABLE}")
    return found[0] if found else None


def upgrade(engine: Engine, where: str) -> None:
    """Bring the database to :data:`SCHEMA_REVISION`; ``where`` names it (masked) in messages."""
    with engine.connect() as conn:
        found = current_revision(conn)
        conn.rollback()
    if found == SCHEMA_REVISION:
        return
    from alembic import command  # only on the rare path that changes the schema

    check_known(found, where)
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        found = current_revision(conn)  # another run may have migrated while we waited
        if found == SCHEMA_REVISION:
            return
        check_known(found, where)
        logger.info("database %s: schema revision %s -> %s", where, found or "(empty)", SCHEMA_REVISION)
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, SCHEMA_REVISION)


def alembic_config():  # noqa: ANN201 - alembic.config.Config, imported lazily
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> list[str]:
    """Every revision the shipped migrations define, newest first."""
    from alembic.script import ScriptDirectory

    return [script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def check_known(found: str | None, where: str) -> None:
    if found is not None and found not in known_revisions():
        raise StorageError(
            f"database {where} is at schema revision {found!r}, which this nba-predictions does not know "
            f"(newest known: {SCHEMA_REVISION!r}): upgrade nba-predictions, or point DATABASE_URL at another database"
        )
