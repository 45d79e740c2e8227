"""A database opened once per run: its engine, and its schema brought up to date on first use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from nba_predictions.errors import StorageError
from nba_predictions.storage.engine import connection_errors, make_engine, masked, parse_url, sqlite_path
from nba_predictions.storage.migrate import upgrade

logger = logging.getLogger(__name__)


class Database:
    """One database for the length of a run: the steps that write or read it are handed this.

    Creating it opens nothing but the engine's pool.  :meth:`prepare` (called by every storage
    function before it reads or writes) classifies the database and creates, upgrades or adopts
    its schema the first time; later calls cost nothing.  :meth:`close` disposes of the engine.
    """

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
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
            path = self.sqlite_file
            if path is not None and not path.exists():
                logger.info("creating SQLite database %s", path)
            with connection_errors(self.url, "opening the database"):
                upgrade(self.engine, self.name)
            self._prepared = True

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


@contextmanager
def open_database(database_url: str, *, create: bool = True) -> Iterator[Database]:
    """:func:`connect`, :meth:`Database.prepare`, and :meth:`Database.close` at the end."""
    db = connect(database_url, create=create)
    try:
        db.prepare()
        yield db
    finally:
        db.close()
