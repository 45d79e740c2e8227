"""Open a database by URL: engine, first-use creation and schema upgrade, then dispose."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ..errors import StorageError
from .engine import connection_errors, make_engine, masked, parse_url, sqlite_path
from .migrate import upgrade

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    url: URL
    engine: Engine

    @property
    def name(self) -> str:
        """The URL with its password masked: the only form that goes into logs and messages."""
        return masked(self.url)

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)


@contextmanager
def open_database(database_url: str, *, create: bool = True) -> Iterator[Database]:
    """The database at ``database_url``, at the newest schema revision.

    A SQLite file (and its folder) is created on first use unless ``create`` is False, in which
    case a missing file is a :class:`StorageError` (``show`` should not create databases).
    """
    url = parse_url(database_url)
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise StorageError(
            f"no database at {path}: store some ratings first (nba-predictions --date YYYY-MM-DD) "
            "or set DATABASE_URL / --database"
        )
    if path is not None and not path.exists():
        logger.info("creating SQLite database %s", path)
    engine = make_engine(url)
    try:
        with connection_errors(url, "opening the database"):
            upgrade(engine, masked(url))
        yield Database(url, engine)
    finally:
        engine.dispose()
