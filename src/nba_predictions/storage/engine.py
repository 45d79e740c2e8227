"""Engines from a database URL: SQLite files (created on first use) and PostgreSQL (psycopg 3).

Credentials never reach a log line or an error message: everything that names a database uses
:func:`masked`.  SQLite connections run with foreign keys on, a busy timeout, and transactions
that this module begins itself, so a writer can take the write lock up front (``BEGIN
IMMEDIATE``) and two concurrent runs queue instead of failing half-way.

:func:`make_read_only_engine` is the engine of the commands that only read (``show``): the
database refuses every write itself (SQLite ``mode=ro``, PostgreSQL read-only transactions).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from nba_predictions.errors import StorageError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 60.0
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
URL_HELP = "expected sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname"
# A fixed key for pg_advisory_xact_lock: serialises schema migrations between processes.
MIGRATION_LOCK_KEY = 0x6E6261_0001


def parse_url(database_url: str) -> URL:
    """The URL with its driver settled: ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        # The text may hold a password; do not echo it.
        raise StorageError(f"the database URL is not a valid URL: {URL_HELP}") from None
    backend = url.get_backend_name()
    if backend == "postgres" or (backend == "postgresql" and url.drivername == "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StorageError(f"{masked(url)}: unsupported database {backend!r}: {URL_HELP}")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise StorageError(f"{masked(url)}: an in-memory SQLite database is lost when the run ends: {URL_HELP}")
    return url


def masked(url: URL | str) -> str:
    """The URL as text with its password replaced by ``***``."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<invalid database URL>"
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, None for any other database."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


def reason(exc: BaseException) -> str:
    """One line saying what the driver reported, without SQL or parameters."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` (from :func:`parse_url`); a SQLite file's folder is created here."""
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the folder of {path} ({exc.strerror}): pick a writable DATABASE_URL"
            ) from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        engine = _postgres_engine(url)
    logger.debug("database engine for %s", masked(url))
    return engine


def make_read_only_engine(url: URL) -> Engine:
    """An engine on ``url`` (from :func:`parse_url`) that cannot write, whatever it is asked.

    SQLite: the file opened with ``mode=ro`` (it must exist; not even a journal is written).
    PostgreSQL: sessions with ``default_transaction_read_only``, so the server refuses any write.
    """
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise StorageError(f"no database at {path}: point --database / DATABASE_URL at one")
        uri = f"{path.resolve().as_uri()}?mode=ro"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)

        return create_engine(url, creator=connect)
    return _postgres_engine(url, options="-c default_transaction_read_only=on")


def _postgres_engine(url: URL, **connect_args: str) -> Engine:
    """A PostgreSQL engine with the connect timeout, liveness checks and ``connect_args``; a
    missing driver is said with the fix."""
    try:
        return create_engine(
            url,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS, **connect_args},
            pool_pre_ping=True,
        )
    except ImportError as exc:
        raise StorageError(
            f"{masked(url)}: the driver is not installed ({exc}); use postgresql+psycopg:// "
            "(pip install 'nba-predictions[storage]')"
        ) from None


def _sqlite_on_connect(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN (the sqlite3 module's own implicit BEGIN would
    # defer the lock and skip DDL); see _sqlite_on_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get("write_lock") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the write lock from its first statement.

    SQLite: ``BEGIN IMMEDIATE`` (a second writer waits up to the busy timeout instead of
    failing when it upgrades a read lock).  PostgreSQL: row locks and ``ON CONFLICT`` do the
    work, so this is a plain transaction.  Commits on success, rolls back on any exception.
    """
    with engine.connect() as plain:
        conn = plain.execution_options(write_lock=True)
        with conn.begin():
            yield conn


def connection_lost(url: URL, exc: BaseException) -> bool:
    """Whether ``exc`` says the PostgreSQL server could not be reached or went away (stopped,
    restarted, the network cut), not that it refused a statement.

    SQLAlchemy marks a connection it found dead (``connection_invalidated``); psycopg's own
    connection failures carry no SQLSTATE; a server that ends our session says class 08
    (connection exception) or 57P (shut down, crashed, cannot connect now).
    """
    if sqlite_path(url) is not None or not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state.startswith(("08", "57P"))


def unreachable_message(url: URL, exc: BaseException, lost: str) -> str:
    """One line for a server that is not there: the database, the driver's reason, the fix."""
    return (
        f"the database server of {masked(url)} cannot be reached ({reason(exc)}): start it, or fix "
        f"DATABASE_URL, and run the same command again; {lost}"
    )


SQLITE_FULL, SQLITE_IOERR = 13, 10  # result codes (the primary code is the low byte of an extended one)


def disk_fix(url: URL, exc: BaseException) -> str | None:
    """For a SQLite file that could not be written (a full disk, a file size limit, a failing
    disk): what to do, else None.  SQLite rolls the transaction back, so the file stays as it was."""
    path = sqlite_path(url)
    code = getattr(getattr(exc, "orig", None), "sqlite_errorcode", None)
    if path is None or code is None or code & 0xFF not in (SQLITE_FULL, SQLITE_IOERR):
        return None
    return f"free space where {path.parent} is and run the same command again (the database was left as it was)"


@contextmanager
def connection_errors(url: URL, doing: str) -> Iterator[None]:
    """Turn driver errors into :class:`StorageError` naming the (masked) database.

    A SQLite file holding a transaction that a killed writer left half done (a hot journal
    beside it) cannot be read through a read-only connection, which may not roll it back: that
    is said, with what does roll it back.
    """
    try:
        yield
    except SQLAlchemyError as exc:
        if getattr(getattr(exc, "orig", None), "sqlite_errorname", None) == "SQLITE_READONLY_ROLLBACK":
            raise StorageError(
                f"{doing} in {masked(url)} failed: it holds a transaction a killed writer left half done "
                f"(its -journal file), which a read-only command may not roll back: the next command that "
                f"writes it rolls it back first (a storage run, or nba-predictions adopt --database {masked(url)})"
            ) from exc
        if connection_lost(url, exc):
            raise StorageError(unreachable_message(url, exc, f"{doing} did not happen")) from exc
        fix = disk_fix(url, exc)
        raise StorageError(f"{doing} in {masked(url)} failed: {reason(exc)}{f'; {fix}' if fix else ''}") from exc
