"""The web server's one engine: read-only, on a database our pipeline wrote.

SQLite files are opened with ``mode=ro`` (the file must exist; nothing can be written, not even a
journal), PostgreSQL sessions with ``default_transaction_read_only`` (the server refuses any
write).  Before serving, :func:`open_read_only` checks that the database is ours and current: at
:data:`~nba_predictions.storage.schema.SCHEMA_REVISION` (:mod:`~nba_predictions.storage.detect`
tells ours, the original web app's, an empty and a foreign one apart, reading only).  Read-only
means it cannot migrate or adopt a database itself, so those are refused with the command that
does (``nba-predictions adopt``).
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from nba_predictions.errors import StorageError
from nba_predictions.storage.detect import EMPTY, OURS, WEB_APP, Finding, classify
from nba_predictions.storage.engine import (
    POSTGRES_CONNECT_TIMEOUT_SECONDS,
    connection_errors,
    masked,
    parse_url,
    sqlite_path,
)
from nba_predictions.storage.schema import SCHEMA_REVISION

logger = logging.getLogger(__name__)

# Threads of the server's pool wait this long for a connection before the request fails.
POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT_SECONDS = 8, 16, 30


def open_read_only(database_url: str) -> Engine:
    """A read-only engine on ``database_url``, checked to be an nba-predictions database; dispose it when done."""
    url = parse_url(database_url)
    engine = _engine(url)
    try:
        with connection_errors(url, "opening the database"), engine.connect() as conn:
            found = classify(conn)
        check_ours(found, masked(url))
    except BaseException:
        engine.dispose()
        raise
    logger.debug("serving %s read-only", masked(url))
    return engine


def check_ours(found: Finding, where: str) -> None:
    """Refuse, naming the fix, any database but ours at :data:`SCHEMA_REVISION`."""
    if found == Finding(OURS, SCHEMA_REVISION):
        return
    adopt = f"nba-predictions adopt --database {where}"
    if found.kind == OURS:
        raise StorageError(
            f"{where} is at schema revision {found.revision!r}, this nba-predictions serves revision "
            f"{SCHEMA_REVISION!r}; serving is read-only, so bring it up to date first with {adopt} "
            "(or any storage run), or upgrade nba-predictions if the database is the newer one"
        )
    if found.kind == WEB_APP:
        raise StorageError(
            f"{where} is the original web app's database, not adopted yet; serving is read-only, so "
            f"adopt it first: {adopt} (or rate a date into it)"
        )
    if found.kind == EMPTY:
        raise StorageError(
            f"{where} has no ratings tables: rate games into it first (e.g. nba-predictions --date "
            f"2024-01-15 --database {where}) or point --database / DATABASE_URL at our database"
        )
    raise StorageError(
        f"{where} is not an nba-predictions database ({found.problem}): point --database / DATABASE_URL at ours"
    )


def _engine(url: URL) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise StorageError(
                f"no database at {path}: rate some games first (nba-predictions --date 2024-01-15) "
                "or point --database / DATABASE_URL at one"
            )
        uri = f"{path.resolve().as_uri()}?mode=ro"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False)

        # The URL keeps SQLAlchemy's file-database pool (a queue); the creator makes it read-only.
        return create_engine(
            url, creator=connect, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=POOL_TIMEOUT_SECONDS
        )
    connect_args = {
        "connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
        "options": "-c default_transaction_read_only=on",
    }
    try:
        return create_engine(
            url,
            connect_args=connect_args,
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_SECONDS,
        )
    except ImportError as exc:
        raise StorageError(
            f"{masked(url)}: the driver is not installed ({exc}); use postgresql+psycopg:// "
            "(pip install 'nba-predictions[web]')"
        ) from None
