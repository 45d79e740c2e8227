"""A database opened once per run: its engine, and its schema brought up to date on first use.

The commands that only read (``show``) open it with :func:`connect_read_only`: its engine cannot
write (:func:`~nba_predictions.storage.engine.make_read_only_engine`), :meth:`Database.prepare`
refuses, and :meth:`Database.readable` says what can be read without writing anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from nba_predictions.errors import StorageError
from nba_predictions.storage.detect import Finding, classify
from nba_predictions.storage.engine import (
    connection_errors,
    make_engine,
    make_read_only_engine,
    masked,
    parse_url,
    sqlite_path,
)
from nba_predictions.storage.migrate import check_readable, upgrade

logger = logging.getLogger(__name__)


class Database:
    """One database for the length of a run: the steps that write or read it are handed this.

    Creating it opens nothing but the engine's pool.  :meth:`prepare` (called by every storage
    function before it reads or writes) classifies the database and creates, upgrades or adopts
    its schema the first time; later calls cost nothing.  :meth:`close` disposes of the engine.
    """

    def __init__(self, url: URL, engine: Engine, *, read_only: bool = False) -> None:
        self.url = url
        self.engine = engine
        self.read_only = read_only
        self._prepared = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The URL with its password masked: the only form that goes into logs and messages."""
        return masked(self.url)

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)

    def prepare(self) -> None:
        """Bring the schema to the newest revision (once per :class:`Database`)."""
        with self._lock:
            if self._prepared:
                return
            self._writable("bring its schema up to date")
            path = self.sqlite_file
            if path is not None and not path.exists():
                logger.info("creating SQLite database %s", path)
            with connection_errors(self.url, "opening the database"):
                upgrade(self.engine, self.name)
            self._prepared = True

    def adopt(self) -> Finding:
        """``nba-predictions adopt``: adopt the web app's database, or upgrade an older one of ours, in
        one transaction (see :func:`~nba_predictions.storage.migrate.upgrade`); an empty database is
        refused, not created.  Returns what the database was before."""
        with self._lock:
            self._writable("adopt it")
            with connection_errors(self.url, "adopting the database"):
                found = upgrade(self.engine, self.name, create=False)
            self._prepared = True
            return found

    def finding(self) -> Finding:
        """Which kind of database this is (:func:`~nba_predictions.storage.detect.classify`); reads only."""
        with connection_errors(self.url, "opening the database"), self.engine.connect() as conn:
            return classify(conn)

    def readable(self) -> Finding:
        """What :meth:`finding` says, for a command that only reads: ours at the newest revision and
        the web app's (not adopted yet) can be read as they are; anything else is refused with one
        :class:`StorageError` naming the fix (:func:`~nba_predictions.storage.migrate.check_readable`)."""
        found = self.finding()
        check_readable(found, self.name)
        return found

    def _writable(self, doing: str) -> None:
        if self.read_only:
            raise StorageError(f"{self.name} is opened read-only: cannot {doing}")

    def close(self) -> None:
        self.engine.dispose()


def connect(database_url: str, *, create: bool = True) -> Database:
    """The database at ``database_url``, not yet prepared; the caller closes it.

    Unless ``create``, a missing SQLite file is a :class:`StorageError` (``show`` should not
    create databases).
    """
    url = parse_url(database_url)
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise StorageError(
            f"no database at {path}: store some ratings first (nba-predictions --date YYYY-MM-DD) "
            "or set DATABASE_URL / --database"
        )
    return Database(url, make_engine(url))


def connect_read_only(database_url: str) -> Database:
    """The database at ``database_url`` for a command that only reads (``show``): its engine refuses
    every write, a missing SQLite file is a :class:`StorageError`; the caller closes it."""
    url = parse_url(database_url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise StorageError(
            f"no database at {path}: store some ratings first (nba-predictions --date YYYY-MM-DD) "
            "or set DATABASE_URL / --database"
        )
    return Database(url, make_read_only_engine(url), read_only=True)


@contextmanager
def open_database(database_url: str, *, create: bool = True) -> Iterator[Database]:
    """:func:`connect`, :meth:`Database.prepare`, and :meth:`Database.close` at the end."""
    db = connect(database_url, create=create)
    try:
        db.prepare()
        yield db
    finally:
        db.close()
