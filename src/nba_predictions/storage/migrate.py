"""Schema versioning with Alembic; the migrations ship inside the package (``migrations/``).

:func:`upgrade` runs the first time a run that writes uses a database, and for ``nba-predictions
adopt``.  When the database is already at :data:`~nba_predictions.storage.schema.SCHEMA_REVISION`
it costs two queries and Alembic is not even imported.  Otherwise it classifies the database
(:mod:`.detect`): an empty one gets every migration (not under ``adopt``, which refuses it), ours
the missing ones, the web app's is checked, adopted (:mod:`.adopt`), migrated and given today's
30 teams, and a foreign one (or ours from a newer version) is refused before anything is written.

The work happens under a lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``pg_advisory_xact_lock``),
so two runs starting on the same database do not both build the tables, and inside one
transaction: DDL is transactional on both backends, so a failed upgrade or adoption (a conflict
found by its checks included) leaves the previous schema and its data in place.  SQLite
migrations run with foreign keys off (SQLite's procedure for rebuilding a table) and are checked
with ``PRAGMA foreign_key_check`` before the commit.

The commands that only read never call it: :func:`check_readable` says what they can read as it
is (ours at the newest revision, the web app's not adopted yet) and refuses the rest, naming
``nba-predictions adopt`` where that is the fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from nba_predictions.errors import StorageError
from nba_predictions.storage.detect import (
    EMPTY,
    FOREIGN,
    OURS,
    VERSION_TABLE,
    WEB_APP,
    Finding,
    classify,
    current_revision,
)
from nba_predictions.storage.engine import MIGRATION_LOCK_KEY
from nba_predictions.storage.schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "check_finding",
    "check_known",
    "check_readable",
    "current_revision",
    "known_revisions",
    "upgrade",
]


def upgrade(engine: Engine, where: str, *, create: bool = True) -> Finding:
    """Bring the database to :data:`SCHEMA_REVISION`; ``where`` names it (masked) in messages.

    Unless ``create`` (``nba-predictions adopt``), an empty database is refused, not given our
    tables.  The web app's database is adopted in the same one transaction as its checks
    (:func:`~nba_predictions.storage.adopt.check_adoptable`, before anything is written) and the
    seeding of today's 30 teams after it: any conflict leaves it exactly as it was.

    Returns what the database was before (see :mod:`.detect`).
    """
    with engine.connect() as conn:
        found = classify(conn)
        conn.rollback()
    if found == Finding(OURS, SCHEMA_REVISION):
        return found
    check_finding(found, where, create=create)
    from alembic import command  # only on the rare path that changes the schema

    with _migration_transaction(engine) as conn:
        found = classify(conn)  # another run may have migrated while we waited
        if found == Finding(OURS, SCHEMA_REVISION):
            return found
        check_finding(found, where, create=create)
        broken_before = _broken_references(conn)
        config = alembic_config()
        config.attributes["connection"] = conn
        if found.kind == WEB_APP:
            from nba_predictions.storage.adopt import ADOPTED_REVISION, adopt, check_adoptable

            check_adoptable(conn, where)  # before anything is written
            logger.info("database %s: the web app's database; adopting it as schema %s", where, ADOPTED_REVISION)
            adopt(conn)
            command.stamp(config, ADOPTED_REVISION)
        else:
            logger.info("database %s: schema revision %s -> %s", where, found.revision or "(empty)", SCHEMA_REVISION)
        command.upgrade(config, SCHEMA_REVISION)  # after adopting: the revisions after ADOPTED_REVISION
        if found.kind == WEB_APP:
            from nba_predictions.storage.adopt import seed_adopted

            seed_adopted(conn, where)  # at the newest revision, still inside the one transaction
        broken = _broken_references(conn) - broken_before
        if broken:
            table, rowid, parent = sorted(broken)[0]
            raise StorageError(
                f"upgrading {where} would leave {table} row {rowid} referring to a missing {parent} row "
                "(nothing was changed): report this with the database's schema"
            )
    return found


def check_finding(found: Finding, where: str, *, create: bool = True) -> None:
    """Raise :class:`StorageError` for a database the storage step must not touch (and, unless
    ``create``, for an empty one: ``adopt`` has nothing to adopt there)."""
    if found.kind == FOREIGN:
        raise found.refusal(where)
    if found.kind == OURS:
        check_known(found.revision, where)
    if found.kind == EMPTY and not create:
        raise StorageError(
            f"database {where} has neither the web app's tables nor ours: nothing to adopt, nothing was changed; "
            "point --database / DATABASE_URL at the web app's database (its DB_PATH), or let the first storage "
            "run create our tables in this one (nba-predictions --date YYYY-MM-DD)"
        )
    assert found.kind in (OURS, WEB_APP, EMPTY), found


def check_readable(found: Finding, where: str) -> None:
    """Raise :class:`StorageError` for a database a command that only reads cannot read as it is.

    Ours at :data:`SCHEMA_REVISION` and the web app's (not adopted yet: read from its own
    columns) pass.  Ours at an older revision would need an upgrade, which only a command that
    writes may do: refused, naming ``nba-predictions adopt``; newer, foreign and empty ones too.
    """
    if found == Finding(OURS, SCHEMA_REVISION) or found.kind == WEB_APP:
        return
    if found.kind == FOREIGN:
        raise found.refusal(where)
    if found.kind == EMPTY:
        raise StorageError(
            f"database {where} has no ratings tables: store some ratings first (nba-predictions --date "
            "YYYY-MM-DD) or point --database / DATABASE_URL at our database"
        )
    check_known(found.revision, where)  # from a newer nba-predictions: upgrade it
    raise StorageError(
        f"database {where} is at schema revision {found.revision!r}, older than this nba-predictions' "
        f"{SCHEMA_REVISION!r}, and this command only reads (nothing was changed): bring it up to date with "
        f"nba-predictions adopt --database {where}"
    )


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as plain:
        sqlite = plain.dialect.name == "sqlite"
        if sqlite:
            # Outside any transaction (inside one SQLite ignores it): rebuilding a referenced
            # table needs foreign keys off; _broken_references checks them before the commit.
            _sqlite_pragma(plain, "PRAGMA foreign_keys = OFF")
        try:
            conn = plain.execution_options(write_lock=True)
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                yield conn
        finally:
            if sqlite:
                _sqlite_pragma(plain, "PRAGMA foreign_keys = ON")


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    """Run ``pragma`` on the sqlite3 connection itself, outside SQLAlchemy's transaction."""
    driver = conn.connection.driver_connection
    assert driver is not None  # an open connection has its driver's
    driver.execute(pragma)


def _broken_references(conn: Connection) -> set[tuple[str, object, str]]:
    if conn.dialect.name != "sqlite":
        return set()  # PostgreSQL checks every foreign key as it is created
    return {(row[0], row[1], row[2]) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


def alembic_config() -> Config:
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
